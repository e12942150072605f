package bench

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
)

const batch = 64

// frame64 builds a 64-byte IPv4/UDP frame (60 bytes without FCS, as a TAP
// or a NIC hands it over) from src to dst.
func frame64(src, dst uint64) []byte {
	f := make([]byte, 60)
	putMAC(f[0:], dst)
	putMAC(f[6:], src)
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], 46)
	copy(ip[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	binary.BigEndian.PutUint16(ip[20:], 1000)
	binary.BigEndian.PutUint16(ip[22:], 2000)
	binary.BigEndian.PutUint16(ip[24:], 26)
	return f
}

func putMAC(b []byte, m uint64) {
	for i := 0; i < 6; i++ {
		b[i] = byte(m >> (40 - 8*i))
	}
}

// hostMAC is the i-th host's unicast, locally administered MAC.
func hostMAC(i int) uint64 { return 0x020000000000 | uint64(i) }

func ifName(i int) string { return fmt.Sprintf("GigabitEthernet0/%d", i) }

type bed struct {
	sw    *dataplane.Switch
	sinks []*mem.Port
}

// benchBaseMAC is the switch's own MAC in the benches, outside the
// hostMAC range: without a BaseMAC the router MAC is 0200.0000.0001, which
// is hostMAC(1), the routed benches' sender, so every routed frame came
// from the router's own address (a system CAM entry) and its source was
// never learned or refreshed as a host's is.
var benchBaseMAC = packet.MAC{0x0a, 0x00, 0x00, 0x00, 0x00, 0x01}

func newBed(b *testing.B, ports, capacity int) *bed {
	b.Helper()
	sw := dataplane.New(dataplane.Config{Clock: clock.NewManual(time.Hour), BaseMAC: benchBaseMAC, CAM: cam.Config{Capacity: capacity, Ways: 8}})
	bd := &bed{sw: sw}
	for i := 1; i <= ports; i++ {
		p := mem.New(ifName(i), mem.Sink())
		if err := sw.AddPort(ifName(i), p); err != nil {
			b.Fatal(err)
		}
		bd.sinks = append(bd.sinks, p)
	}
	return bd
}

// run feeds the prepared frames, batch by batch, through a receiver on
// ingress and reports per-frame metrics.
func (bd *bed) run(b *testing.B, ingress string, frames [][]byte) {
	b.Helper()
	r, err := bd.sw.NewReceiver(ingress)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	bufs, sizes := r.Buffers()
	nb := len(frames) / batch
	b.ReportAllocs()
	settle()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs := frames[(i%nb)*batch:]
		for k := 0; k < batch; k++ {
			sizes[k] = copy(bufs[k][port.Headroom:], fs[k])
		}
		r.Process(batch)
	}
	b.StopTimer()
	perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N*batch)
	b.ReportMetric(perFrame, "ns/frame")
	b.ReportMetric(1e9/perFrame, "frames/s")
}

// learnHosts teaches the switch n hosts through the pipeline itself: hosts
// with even index sit on port 1, odd on port 2.
func (bd *bed) learnHosts(b *testing.B, n int) {
	b.Helper()
	for side := 1; side <= 2; side++ {
		r, err := bd.sw.NewReceiver(ifName(side))
		if err != nil {
			b.Fatal(err)
		}
		bufs, sizes := r.Buffers()
		k := 0
		for i := side - 1; i < n; i += 2 {
			sizes[k] = copy(bufs[k][port.Headroom:], frame64(hostMAC(i), 0xffffffffffff))
			if k++; k == len(bufs) {
				r.Process(k)
				k = 0
			}
		}
		r.Process(k)
		r.Close()
	}
}

// activeFlows is how many distinct (src, dst) pairs the traffic cycles
// through: a real link carries a bounded set of conversations at a time
// while the table holds every host ever seen.
const activeFlows = 4096

// BenchmarkForwardKnownUnicast: 64-byte frames from hosts on port 1 to hosts
// on port 2, all learned: parse, source refresh, destination lookup,
// enqueue and one Write per batch to the egress mem port.
func BenchmarkForwardKnownUnicast(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 16, 1 << 20} {
		b.Run(fmt.Sprintf("entries=%s", size(n)), func(b *testing.B) {
			bd, frames := knownUnicastBed(b, n)
			bd.run(b, ifName(1), frames)
			if bd.sinks[1].TxFrames() < uint64(b.N*batch) {
				b.Fatalf("egress got %d frames, want %d", bd.sinks[1].TxFrames(), b.N*batch)
			}
		})
	}
}

// knownUnicastBed is the bed of BenchmarkForwardKnownUnicast: two ports,
// n hosts learned, and activeFlows frames from port 1's hosts to port 2's.
func knownUnicastBed(b *testing.B, n int) (*bed, [][]byte) {
	b.Helper()
	bd := newBed(b, 2, 2*n)
	bd.learnHosts(b, n)
	// Hashed buckets overflow before the table is full, as in
	// hardware: a few hosts may stay unlearned at 50% load.
	if c := bd.sw.MACCount(); c < n*97/100 {
		b.Fatalf("learned %d entries, want about %d", c, n)
	}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	learned := func(side, i int) bool {
		p, ok := bd.sw.MACPort(1, packet.MACFromUint64(hostMAC(i)))
		return ok && p == ifName(side)
	}
	frames := make([][]byte, 0, activeFlows)
	for len(frames) < activeFlows {
		src := 2 * rng.IntN(n/2)   // a host on port 1
		dst := 2*rng.IntN(n/2) + 1 // a host on port 2
		if learned(1, src) && learned(2, dst) {
			frames = append(frames, frame64(hostMAC(src), hostMAC(dst)))
		}
	}
	return bd, frames
}

// BenchmarkFlood: unknown unicast from port 1 flooded to 8 other ports.
func BenchmarkFlood(b *testing.B) {
	bd := newBed(b, 9, 1<<12)
	frames := make([][]byte, batch)
	for i := range frames {
		frames[i] = frame64(hostMAC(i), 0x0200ffff0000|uint64(i)) // never learned
	}
	bd.run(b, ifName(1), frames)
	for _, s := range bd.sinks[1:] {
		if s.TxFrames() < uint64(b.N*batch) {
			b.Fatalf("port got %d frames, want %d", s.TxFrames(), b.N*batch)
		}
	}
}

// BenchmarkLearn: every frame has a new source MAC.
func BenchmarkLearn(b *testing.B) {
	const capacity = 1 << 20
	bd := newBed(b, 2, capacity)
	r, err := bd.sw.NewReceiver(ifName(1))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	bufs, sizes := r.Buffers()
	f := frame64(0, hostMAC(1<<30))
	for k := 0; k < batch; k++ {
		sizes[k] = copy(bufs[k][port.Headroom:], f)
	}
	next := 0
	b.ReportAllocs()
	settle()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if next+batch > capacity/2 { // stay well below capacity: measure learning, not refusal
			b.StopTimer()
			bd.sw.ClearMACs()
			next = 0
			b.StartTimer()
		}
		for k := 0; k < batch; k++ {
			putMAC(bufs[k][port.Headroom+6:], hostMAC(next))
			next++
		}
		r.Process(batch)
	}
	b.StopTimer()
	perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N*batch)
	b.ReportMetric(perFrame, "ns/frame")
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dk", n>>10)
	}
	return fmt.Sprint(n)
}

// settle collects the garbage of a benchmark's setup (a million routes or
// MACs leave hundreds of MiB of it) before the timer starts, so that no
// collection of it runs during the measured loop: without it one build of
// the same code could measure 87 ns/frame and another 143.
func settle() {
	runtime.GC()
	runtime.GC()
}
