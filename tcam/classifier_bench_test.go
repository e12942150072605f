package tcam

import (
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/l2sw/l2sw/counter"
	"github.com/l2sw/l2sw/internal/callclock"
	"github.com/l2sw/l2sw/tcam/acl"
	"github.com/l2sw/l2sw/tcam/classbench"
)

func BenchmarkClassify(b *testing.B) {
	for _, name := range []string{"acl1_1k", "fw1_1k", "ipc1_1k", "acl1_10k", "fw1_10k", "ipc1_10k"} {
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
			// The trace index wraps without a division, whose latency
			// would be in every lookup's dependency chain.
			for i, j := 0, 0; i < b.N; i++ {
				if r := c.Lookup(&hs[j]); r != nil {
					sink += r.ID
				}
				if j++; j == len(hs) {
					j = 0
				}
			}
			b.StopTimer()
			_ = sink
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/lookup")
			b.ReportMetric(medianPassNs(c, hs, 5), "pass-median-ns/lookup")
			ns := callclock.Each(func(h *Header) { c.Lookup(h) }, hs, 3)
			b.ReportMetric(float64(callclock.Percentile(ns, 50)), "p50-ns")
			b.ReportMetric(float64(callclock.Percentile(ns, 90)), "p90-ns")
			b.ReportMetric(float64(callclock.Percentile(ns, 99)), "p99-ns")
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

// BenchmarkBindingClassify is the dataplane's view of a router ACL: a
// bound acl1_1k list (every ACE a permit, then `permit ip any any`, as
// bench/racl_test.go applies it) classifying the set's trace through
// Binding.Permits, the forwarding path's call, counters included.
func BenchmarkBindingClassify(b *testing.B) {
	for _, name := range []string{"acl1_1k", "fw1_1k", "ipc1_1k"} {
		b.Run(name, func(b *testing.B) {
			s := loadSet(b, name)
			_, aces := loadList(b, name)
			l, err := classbench.PermitList(name, aces)
			if err != nil {
				b.Fatal(err)
			}
			tc := New(Config{Limits: PFC3Limits(), Workers: 2})
			id := BindingID{FeatureRACL, "Vlan10", In}
			if _, err := tc.Apply(id, l); err != nil {
				b.Fatal(err)
			}
			bd := tc.Binding(id)
			hs := make([]Header, len(s.trace))
			for i := range s.trace {
				hs[i] = headerOf(&s.trace[i])
			}
			b.ReportAllocs()
			b.ResetTimer()
			permits := 0
			for i, j := 0, 0; i < b.N; i++ {
				if permit, _ := bd.Permits(1, &hs[j]); permit {
					permits++
				}
				if j++; j == len(hs) {
					j = 0
				}
			}
			b.StopTimer()
			if permits != b.N {
				b.Fatalf("%d of %d permitted, want all", permits, b.N)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/classify")
		})
	}
}

func loadList(b testing.TB, name string) (*acl.List, []acl.ACE) {
	dir := classbenchDir(b)
	fs, err := classbench.LoadFilters(filepath.Join(dir, name))
	if err != nil {
		b.Fatal(err)
	}
	aces, err := classbench.ACEs(fs)
	if err != nil {
		b.Fatal(err)
	}
	l := acl.NewList(name, acl.Extended)
	for _, a := range aces {
		if _, err := l.Add(a); err != nil {
			b.Fatal(err)
		}
	}
	return l, aces
}

// BenchmarkACLUpdate inserts one ACE into, then deletes it from, a bound
// ACL through InsertACE and DeleteACE, the calls an `ip access-list` edit
// of one line makes: the incremental commit (compile one ACE, account,
// copy the touched classifier paths, publish). Each call is timed on its
// own: insert-ns and delete-ns are the means (compactions included, which
// one update in some thousand pays for), the p50s the typical edit. The
// 1k lists are bit vectors: an update goes beside them and every so many
// trigger a rebuild. The TCAM has counter shards, as the dataplane gives
// it (Config.Shards), so compactions recycle retired stores.
func BenchmarkACLUpdate(b *testing.B) {
	for _, name := range []string{"acl1_10k", "fw1_10k", "ipc1_10k", "acl1_1k", "fw1_1k"} {
		b.Run(name, func(b *testing.B) {
			l, aces := loadList(b, name)
			tc := New(Config{Limits: Limits{Entries: 1 << 20, Masks: 1 << 20, EntriesPerMask: 8, RangeUnits: 32}, Shards: counter.NewShards(2)})
			id := BindingID{FeatureRACL, "Vlan1", In}
			if _, err := tc.Apply(id, l); err != nil {
				b.Fatal(err)
			}
			// Re-insert copies of existing ACEs at fresh odd sequence
			// numbers spread through the list.
			ins := make([]int64, b.N)
			del := make([]int64, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a := aces[(i*7919)%len(aces)]
				a.Seq += 5
				t0 := callclock.Nanos()
				if _, err := tc.InsertACE(id, a); err != nil {
					b.Fatal(err)
				}
				t1 := callclock.Nanos()
				if err := tc.DeleteACE(id, a.Seq); err != nil {
					b.Fatal(err)
				}
				ins[i], del[i] = t1-t0, callclock.Nanos()-t1
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/update")
			for _, m := range []struct {
				name string
				ns   []int64
			}{{"insert", ins}, {"delete", del}} {
				var sum int64
				for _, v := range m.ns {
					sum += v
				}
				slices.Sort(m.ns)
				b.ReportMetric(float64(sum)/float64(b.N), m.name+"-ns")
				b.ReportMetric(float64(m.ns[b.N/2]), m.name+"-p50-ns")
			}
		})
	}
}

// BenchmarkCompile10k applies a whole 10k-entry ACL: TCAM entries for every
// ACE and a fresh classifier.
func BenchmarkCompile10k(b *testing.B) {
	for _, name := range []string{"acl1_10k", "fw1_10k", "ipc1_10k"} {
		b.Run(name, func(b *testing.B) {
			l, _ := loadList(b, name)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tc := New(Config{Limits: PFC3Limits()})
				if _, err := tc.Apply(BindingID{FeatureRACL, "Vlan1", In}, l); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/compile")
		})
	}
}
