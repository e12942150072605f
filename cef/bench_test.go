package cef

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// randomPrefixes returns n distinct prefixes with a realistic length mix:
// mostly /16-/24 (half of them /24), a few shorter and longer.
func randomPrefixes(n int, rng *rand.Rand) []pfxKey {
	seen := make(map[pfxKey]struct{}, n)
	out := make([]pfxKey, 0, n)
	for len(out) < n {
		var l int
		switch x := rng.IntN(100); {
		case x < 50:
			l = 24
		case x < 92:
			l = 16 + rng.IntN(8)
		case x < 96:
			l = 8 + rng.IntN(8)
		default:
			l = 25 + rng.IntN(8)
		}
		a := rng.Uint32() & mask(l)
		if a>>24 == 0 || a>>24 == 127 || a>>28 >= 14 || a>>24 == 10 {
			continue
		}
		k := pfxKey{a, uint8(l)}
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, k)
	}
	return out
}

func loadTable(tb testing.TB, keys []pfxKey) *Table {
	t := New(Config{})
	if err := t.SetInterface(1, IfConfig{Name: "Vlan1", Addresses: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")}}); err != nil {
		tb.Fatal(err)
	}
	nhs := []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.4")}
	err := t.Batch(func() error {
		for i, k := range keys {
			if err := t.AddStatic(StaticRoute{Prefix: k.prefix(), NextHop: nhs[i%len(nhs)]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

var benchSizes = []struct {
	name string
	n    int
}{{"1k", 1_000}, {"100k", 100_000}, {"1M", 1_000_000}}

// cpuTimer measures the thread CPU time of a benchmark loop (the goroutine
// is locked to its thread until stop).
type cpuTimer struct {
	b     *testing.B
	start int64
	ok    bool
}

func startCPU(b *testing.B) *cpuTimer {
	runtime.LockOSThread()
	c := &cpuTimer{b: b}
	c.start, c.ok = threadCPU()
	return c
}

// stop reports the CPU time per operation as unit.
func (c *cpuTimer) stop(unit string) {
	end, ok := threadCPU()
	runtime.UnlockOSThread()
	if ok && c.ok && c.b.N > 0 {
		c.b.ReportMetric(float64(end-c.start)/float64(c.b.N), unit)
	}
}

// benchTable loads n random prefixes and returns random destinations.
func benchTable(b *testing.B, n int) (*Table, []uint32) {
	if n == 1_000_000 && testing.Short() {
		b.Skip("short")
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	start := time.Now()
	t := loadTable(b, randomPrefixes(n, rng))
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-load")
	addrs := make([]uint32, 1<<16)
	for i := range addrs {
		addrs[i] = rng.Uint32()
	}
	return t, addrs
}

// BenchmarkFIBLookup: one lookup of a random destination (what the routed
// path reads: the adjacency), independent lookups back to back.
func BenchmarkFIBLookup(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run("prefixes="+sz.name, func(b *testing.B) {
			t, addrs := benchTable(b, sz.n)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPU(b)
			var sink uint32
			for i := 0; b.Loop(); i++ {
				r := t.Lookup(addrs[i&(len(addrs)-1)])
				sink += r.Adj.ID
			}
			cpu.stop("cpu-ns/lookup")
			_ = sink
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/lookup")
		})
	}
}

// BenchmarkFIBLookupCount: the whole cef share of a routed packet: lookup,
// rewrite, and the per-adjacency and per-prefix counters of a worker.
func BenchmarkFIBLookupCount(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run("prefixes="+sz.name, func(b *testing.B) {
			t, addrs := benchTable(b, sz.n)
			w := t.Counters().Worker(0)
			hdr := make([]byte, MaxRewrite)
			for _, a := range addrs { // first-use counter pages
				w.Forwarded(t.Lookup(a), 64)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPU(b)
			for i := 0; b.Loop(); i++ {
				r := t.Lookup(addrs[i&(len(addrs)-1)])
				copy(hdr, r.Adj.Rewrite())
				w.Forwarded(r, 64)
			}
			cpu.stop("cpu-ns/packet")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
		})
	}
}

// TestMillionPrefixLoad checks the documented load cost and answers on a
// big table against the oracle (sampled).
func TestMillionPrefixLoad(t *testing.T) {
	n := 1_000_000
	if testing.Short() || raceEnabled {
		n = 50_000
	}
	rng := rand.New(rand.NewPCG(3, 4))
	keys := randomPrefixes(n, rng)
	start := time.Now()
	tb := loadTable(t, keys)
	t.Logf("loaded %d prefixes in %v", n, time.Since(start))
	oracle := make(map[pfxKey]string, n)
	for _, k := range keys {
		oracle[k] = ""
	}
	for i := 0; i < 20000; i++ {
		a := rng.Uint32()
		if i%2 == 0 {
			k := keys[rng.IntN(len(keys))]
			a = k.a | rng.Uint32()&^mask(int(k.l))
		}
		if a>>24 == 0 || a>>24 == 127 || a>>28 >= 14 || a>>24 == 10 {
			continue
		}
		want, ok := oracleLookup(oracle, a)
		got := tb.Lookup(a).Entry
		if !ok && got.Kind != KindNoRoute || ok && (got.Addr != want.a || got.Len != want.l) {
			t.Fatalf("%s: got %v want %v (%v)", u32Addr(a), got.Prefix(), want.prefix(), ok)
		}
	}
	// A single change on the full table: one commit.
	start = time.Now()
	if err := tb.AddStatic(StaticRoute{Prefix: netip.MustParsePrefix("198.51.100.0/24"), NextHop: netip.MustParseAddr("10.0.0.9")}); err != nil {
		t.Fatal(err)
	}
	t.Logf("single add on full table: %v", time.Since(start))
	if r := tb.Lookup(u("198.51.100.7")); r.Entry.NextHop != u("10.0.0.9") {
		t.Fatalf("added route not used: %+v", r.Entry)
	}
}
