package cam

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

var benchSizes = []struct {
	name string
	n    int
}{{"entries=1k", 1 << 10}, {"entries=64k", 1 << 16}, {"entries=1M", 1 << 20}}

// benchMACs returns n distinct unicast addresses in random order.
func benchMACs(n int) []uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	seen := make(map[uint64]bool, n)
	out := make([]uint64, 0, n)
	for len(out) < n {
		m := r.Uint64() & macMask &^ (1 << 40)
		if m != 0 && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// filledTable learns n addresses into a table with room for 2n (so bucket
// collisions refuse almost none) and returns the addresses it holds, in a
// shuffled order that defeats the prefetcher as a switch's traffic mix would.
func filledTable(b *testing.B, n int) (*Table, []uint64) {
	b.Helper()
	tb := New(Config{Capacity: 2 * n})
	macs := benchMACs(n)
	kept := macs[:0]
	for i, m := range macs {
		if tb.Learn(1, m, PortID(i%48), 1) == Learned {
			kept = append(kept, m)
		}
	}
	// Pad to a power of two by repetition so the loop can mask the index.
	for i := 0; len(kept) < n; i++ {
		kept = append(kept, kept[i])
	}
	return tb, kept[:n]
}

// BenchmarkLookup is the destination lookup of the forwarding path, every
// lookup a different random entry. Table size at half load (16 bytes a
// slot): 1k entries = 32 KiB (L1/L2); 64k = 2 MiB (L2/L3); 1M = 32 MiB
// (DRAM: one cache miss per lookup, the home line, which dominates; batching
// lookups across frames is the way to hide it).
func BenchmarkLookup(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			tb, macs := filledTable(b, s.n)
			mask := len(macs) - 1
			b.ReportAllocs()
			b.ResetTimer()
			var sink PortID
			for i := 0; i < b.N; i++ {
				p, _ := tb.Lookup(1, macs[i&mask])
				sink += p
			}
			_ = sink
		})
	}
}

// BenchmarkFrameProbes is the CAM's share of forwarding one frame, as
// bench.BenchmarkForwardKnownUnicast drives it: a same-second Learn of the
// source (read-only) and a Lookup of the destination, over a fixed set of
// 4096 active flows while the table holds every host. It isolates the CAM
// from parsing and queueing.
func BenchmarkFrameProbes(b *testing.B) {
	const flows = 4096
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			tb, macs := filledTable(b, s.n)
			r := rand.New(rand.NewPCG(3, uint64(s.n)))
			type flow struct {
				src, dst uint64
				port     PortID
			}
			fl := make([]flow, flows)
			for i := range fl {
				src := macs[r.IntN(len(macs))]
				p, _ := tb.Lookup(1, src)
				fl[i] = flow{src: src, dst: macs[r.IntN(len(macs))], port: p}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var sink PortID
			for i := 0; i < b.N; i++ {
				f := &fl[i&(flows-1)]
				if tb.Learn(1, f.src, f.port, 1) != Refreshed {
					b.Fatal("not a refresh")
				}
				p, _ := tb.Lookup(1, f.dst)
				sink += p
			}
			_ = sink
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
		})
	}
}

// BenchmarkLookupParallel runs lookups on every P at once to show that
// readers do not contend (no shared stores).
func BenchmarkLookupParallel(b *testing.B) {
	tb, macs := filledTable(b, 1<<16)
	mask := len(macs) - 1
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(macs))
		for pb.Next() {
			tb.Lookup(1, macs[i&mask])
			i++
		}
	})
}

// BenchmarkLearnRefresh is source learning of a known host in the same second:
// the read-only common case.
func BenchmarkLearnRefresh(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			tb, macs := filledTable(b, s.n)
			ports := make([]PortID, len(macs))
			for i, m := range macs {
				p, _ := tb.Lookup(1, m)
				ports[i] = p
			}
			mask := len(macs) - 1
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				j := i & mask
				if tb.Learn(1, macs[j], ports[j], 1) != Refreshed {
					b.Fatal("not a refresh")
				}
			}
		})
	}
}

// BenchmarkLearnRefreshParallel: the same with every P learning at once.
func BenchmarkLearnRefreshParallel(b *testing.B) {
	tb, macs := filledTable(b, 1<<16)
	ports := make([]PortID, len(macs))
	for i, m := range macs {
		ports[i], _ = tb.Lookup(1, m)
	}
	mask := len(macs) - 1
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(macs))
		for pb.Next() {
			j := i & mask
			tb.Learn(1, macs[j], ports[j], 1)
			i++
		}
	})
}

// BenchmarkLearnNew inserts new addresses (the locked path) into a table
// kept below half load.
func BenchmarkLearnNew(b *testing.B) {
	const n = 1 << 16
	macs := benchMACs(n)
	tb := New(Config{Capacity: 2 * n})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (n - 1)
		if j == 0 && i > 0 {
			b.StopTimer()
			tb = New(Config{Capacity: 2 * n})
			b.StartTimer()
		}
		tb.Learn(1, macs[j], PortID(j%48), 1)
	}
}

// BenchmarkCAMMemory reports the heap cost per stored entry of a full
// 1M-entry table (Capacity 1<<20, 8 ways): 16-byte slots plus stripes.
// A table at its capacity also reports how full the hash buckets let it get.
func BenchmarkCAMMemory(b *testing.B) {
	const n = 1 << 20
	macs := benchMACs(n + n/4)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tb := New(Config{Capacity: n})
		for j, m := range macs {
			tb.Learn(1, m, PortID(j%48), 1)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		stored := tb.Len()
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(stored), "bytes/entry")
		b.ReportMetric(100*float64(stored)/float64(n), "fill%")
		runtime.KeepAlive(tb)
	}
}

func Example_geometry() {
	tb := New(Config{Capacity: 16, Ways: 2})
	fmt.Println(tb.Buckets(), "buckets of", tb.Ways(), "ways, capacity", tb.Capacity())
	// Output: 8 buckets of 2 ways, capacity 16
}
