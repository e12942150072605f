package fault

import (
	"testing"

	"github.com/l2sw/l2sw/dataplane/port"
)

// nopPort moves batches without touching them: what is left of a Read or
// Write is the wrapper's cost.
type nopPort struct{}

func (nopPort) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	for i := range bufs {
		sizes[i] = 60
	}
	return len(bufs), nil
}
func (nopPort) Write(frames [][]byte) (int, error) { return len(frames), nil }
func (nopPort) BatchSize() int                     { return 64 }
func (nopPort) Close() error                       { return nil }
func (nopPort) String() string                     { return "nop" }

// BenchmarkNoFaults: a batch of 64 frames read and written through a
// wrapper without faults, beside the bare port: the difference is the
// atomic loads, per batch, never per frame.
func BenchmarkNoFaults(b *testing.B) {
	bufs := make([][]byte, 64)
	for i := range bufs {
		bufs[i] = make([]byte, port.BufferSize)
	}
	sizes := make([]int, 64)
	frames := make([][]byte, 64)
	for i := range frames {
		frames[i] = bufs[i][port.Headroom : port.Headroom+60]
	}
	for _, c := range []struct {
		name string
		p    port.Port
	}{{"bare", nopPort{}}, {"wrapped", New().Wrap(nopPort{})}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n, _ := c.p.Read(bufs, sizes, port.Headroom)
				_, _ = c.p.Write(frames[:n])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/batch")
		})
	}
}
