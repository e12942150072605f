package tcam

import (
	"sort"
	"testing"
	"time"
)

func BenchmarkClassify(b *testing.B) {
	for _, name := range []string{"acl1_10k", "fw1_10k", "ipc1_10k"} {
		b.Run(name, func(b *testing.B) {
			s := loadSet(b, name)
			c := NewClassifier(s.rules)
			hs := make([]Header, len(s.trace))
			for i := range s.trace {
				hs[i] = headerOf(&s.trace[i])
			}
			b.ReportAllocs()
			b.ResetTimer()
			var sink int32
			for i := 0; i < b.N; i++ {
				if r := c.Lookup(&hs[i%len(hs)]); r != nil {
					sink += r.ID
				}
			}
			b.StopTimer()
			_ = sink
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/lookup")
			b.ReportMetric(medianPassNs(c, hs, 5), "median-ns/lookup")
		})
	}
}

// medianPassNs times full passes over the trace and returns the median
// per-lookup time.
func medianPassNs(c *Classifier, hs []Header, passes int) float64 {
	per := make([]float64, passes)
	for p := range per {
		start := time.Now()
		for i := range hs {
			c.Lookup(&hs[i])
		}
		per[p] = float64(time.Since(start).Nanoseconds()) / float64(len(hs))
	}
	sort.Float64s(per)
	return per[passes/2]
}
