package cef

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// checkLeaves asserts that what Lookup takes from the LPM leaf (adjacency,
// counter id) is what the entry itself holds, for an address in each of ps.
func checkLeaves(t *testing.T, tb *Table, ps []netip.Prefix) {
	t.Helper()
	for _, p := range ps {
		r := tb.Lookup(addrU32(p.Addr()))
		if r.Entry.Prefix() != p {
			t.Fatalf("%v: matched %v", p, r.Entry.Prefix())
		}
		if r.Adj != tb.EntryAdjacency(r.Entry) || r.Entry.ctr == 0 {
			t.Fatalf("%v: leaf adj %d, entry adj %d ctr %d", p, r.Adj.ID, tb.EntryAdjacency(r.Entry).ID, r.Entry.ctr)
		}
		if r.Adj.NextHop != r.Entry.NextHop {
			t.Fatalf("%v: adjacency to %v, entry via %v", p, r.Adj.NextHopAddr(), u32Addr(r.Entry.NextHop))
		}
	}
}

// More adjacencies than a leaf's 9-bit field holds: the high IDs are
// read through the entry, and freed IDs are reused, without a wrong answer.
func TestLeafAdjacencyIDsBeyondLeafField(t *testing.T) {
	n := adjInEntry + 2000
	tb := New(Config{})
	must(t, tb.SetInterface(1, IfConfig{Name: "Vlan1", Addresses: []netip.Prefix{pfx("10.0.0.1/8")}}))
	route := func(i int) StaticRoute {
		return StaticRoute{
			Prefix:  netip.PrefixFrom(u32Addr(u("20.0.0.0")+uint32(i)<<8), 24),
			NextHop: u32Addr(u("10.0.0.0") + 2 + uint32(i)),
		}
	}
	ps := make([]netip.Prefix, n)
	must(t, tb.Batch(func() error {
		for i := range ps {
			ps[i] = route(i).Prefix
			if err := tb.AddStatic(route(i)); err != nil {
				return err
			}
		}
		return nil
	}))
	checkLeaves(t, tb, ps)
	hi := 0 // a route whose adjacency ID does not fit the leaf
	for i, p := range ps {
		if tb.Lookup(addrU32(p.Addr())).Adj.ID > adjInEntry {
			hi = i
		}
	}
	if hi < 100 {
		t.Fatal("no adjacency ID beyond the leaf field: the test misses the escape")
	}
	// Free low IDs, then reuse them for new next hops (one commit each:
	// a commit re-resolves every next hop).
	must(t, tb.Batch(func() error {
		for i := 0; i < 100; i++ {
			if err := tb.RemoveStatic(route(i)); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, tb.Batch(func() error {
		for i := 0; i < 100; i++ {
			r := route(n + i)
			ps[i] = r.Prefix
			if err := tb.AddStatic(r); err != nil {
				return err
			}
		}
		return nil
	}))
	checkLeaves(t, tb, ps)
	w := tb.Counters().Worker(0)
	for _, p := range []netip.Prefix{ps[0], ps[hi]} {
		r := tb.Lookup(addrU32(p.Addr()))
		w.Forwarded(r, 100)
		if pk, b := tb.Counters().Prefix(r.Entry); pk != 1 || b != 100 {
			t.Fatalf("%v: prefix counters %d/%d", p, pk, b)
		}
		if pk, _ := tb.Counters().Adjacency(r.Adj.ID); pk != 1 {
			t.Fatalf("%v: adjacency counter %d", p, pk)
		}
	}
}

// Readers look up while the writer frees adjacency IDs and reuses them for
// other next hops: a reader must never see a leaf's adjacency ID resolve to
// another next hop's adjacency (the snapshot's ID table is copy-on-write).
func TestConcurrentAdjacencyIDReuse(t *testing.T) {
	tb := newTable(t)
	const routes = 64
	route := func(i, gen int) StaticRoute {
		return StaticRoute{
			Prefix:  netip.PrefixFrom(u32Addr(u("30.0.0.0")+uint32(i)<<8), 24),
			NextHop: u32Addr(u("10.1.1.0") + 2 + uint32((i+gen)%200)),
		}
	}
	for i := 0; i < routes; i++ {
		must(t, tb.AddStatic(route(i, 0)))
	}
	stop := make(chan struct{})
	done := make(chan error, 2)
	for w := 0; w < 2; w++ {
		go func(w int) {
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			ctr, sh := tb.Counters().Worker(w), tb.Counters().Shard(w)
			for {
				select {
				case <-stop:
					done <- nil
					return
				default:
				}
				a := u("30.0.0.0") + uint32(rng.IntN(routes))<<8 + 7
				r := tb.Lookup(a)
				if r.Entry.Kind != KindNextHop || r.Adj.NextHop != r.Entry.NextHop || r.Adj.If != r.Entry.If {
					done <- fmt.Errorf("%s: entry %+v, adjacency %+v", u32Addr(a), r.Entry, r.Adj)
					return
				}
				sh.Lock() // as a worker does for its batch
				ctr.Forwarded(r, 64)
				sh.Unlock()
			}
		}(w)
	}
	for gen := 1; gen < 200; gen++ {
		// Move every route to another next hop: the old adjacencies are
		// freed and their IDs reused by the new ones.
		must(t, tb.Batch(func() error {
			for i := 0; i < routes; i++ {
				if err := tb.RemoveStatic(route(i, gen-1)); err != nil {
					return err
				}
				if err := tb.AddStatic(route(i, gen)); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	close(stop)
	for w := 0; w < 2; w++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
