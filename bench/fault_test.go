package bench

import (
	"testing"

	"github.com/l2sw/l2sw/dataplane/port/fault"
)

// BenchmarkForwardFaults: known unicast from port 1 to port 2 (1K hosts),
// every port wrapped by its fault injector as the switch always does:
// without any fault, with a fault on an uninvolved port (port 3), and with
// `fault drop 50 out` on the egress port, the cost of the faulted path.
// "none" must cost what BenchmarkForwardKnownUnicast/entries=1K did before
// ports were wrapped.
func BenchmarkForwardFaults(b *testing.B) {
	const n = 1 << 10
	for _, c := range []struct {
		name string
		port int
		cfg  fault.Config
	}{
		{"none", 0, fault.Config{}},
		{"other-port", 3, fault.Config{In: fault.Faults{Drop: 50}, Out: fault.Faults{Drop: 50}}},
		{"egress-drop-50", 2, fault.Config{Out: fault.Faults{Drop: 50}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			bd := newBed(b, 3, 2*n)
			bd.learnHosts(b, n)
			if c.port != 0 {
				if err := bd.sw.SetPortFaults(ifName(c.port), c.cfg); err != nil {
					b.Fatal(err)
				}
			}
			frames := make([][]byte, 0, activeFlows)
			for i := 0; len(frames) < activeFlows; i++ {
				src, dst := 2*(i%(n/2)), 2*((i*7)%(n/2))+1
				frames = append(frames, frame64(hostMAC(src), hostMAC(dst)))
			}
			bd.run(b, ifName(1), frames)
			if c.port == 0 && bd.sinks[1].TxFrames() < uint64(b.N*batch) {
				b.Fatalf("egress got %d frames, want %d", bd.sinks[1].TxFrames(), b.N*batch)
			}
		})
	}
}
