package cef

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestPrefetch: only a FIB whose blocks and counters outgrow prefetchMin
// prefetches, and prefetching any addresses — routed at the second and
// third level, unrouted, never counted — changes no lookup and no counter.
func TestPrefetch(t *testing.T) {
	tb := newTable(t)
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("172.16.0.0/16"), NextHop: ip("10.1.1.2")}))
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("172.17.1.128/25"), NextHop: ip("10.1.1.2")}))
	tb.Resolve(vl10, ip("10.1.1.2"), hostA)
	if tb.Prefetching() {
		t.Fatal("a FIB of a few routes prefetches")
	}
	// A /24 in each of n /16s is a block each.
	n := prefetchMin/(blockSize*slotBytes) + 1
	err := tb.Batch(func() error {
		for i := range n {
			a := uint32(100<<24) + uint32(i)<<16
			if err := tb.AddStatic(StaticRoute{Prefix: netip.PrefixFrom(u32Addr(a), 24), NextHop: ip("10.1.1.2")}); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
	if !tb.Prefetching() {
		t.Fatalf("a FIB of %d blocks does not prefetch", tb.lpm.units())
	}

	rng := rand.New(rand.NewPCG(3, 3))
	dsts := []uint32{0, ^uint32(0), u("172.16.3.4"), u("172.17.1.200"), u("172.17.1.1"), u("8.8.8.8"), u("10.1.1.2")}
	for range 200 {
		dsts = append(dsts, rng.Uint32(), uint32(100<<24)+rng.Uint32N(uint32(n)<<16))
	}
	w := tb.Counters().Worker(0)
	w.Forwarded(tb.Lookup(u("172.16.3.4")), 64)
	before := make([]Result, len(dsts))
	for i, a := range dsts {
		before[i] = tb.Lookup(a)
	}
	tb.PrefetchLeaves(dsts)
	w.PrefetchCounters(tb, dsts)
	for i, a := range dsts {
		if r := tb.Lookup(a); r != before[i] {
			t.Errorf("%08x looks up %+v after prefetching, %+v before", a, r, before[i])
		}
	}
	if p, b := tb.Counters().Prefix(tb.Lookup(u("172.16.3.4")).Entry); p != 1 || b != 64 {
		t.Errorf("172.16.0.0/16 counted %d packets, %d bytes after prefetching; want 1, 64", p, b)
	}
	if p, _ := tb.Counters().Prefix(tb.Lookup(u("172.17.1.200")).Entry); p != 0 {
		t.Errorf("172.17.1.128/25 counted %d packets after prefetching; want 0", p)
	}
}
