package cef

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"unsafe"
)

// A route is small and pointer-free: the RIB of a million statics is a
// map of 8-byte keys and 16-byte values (with the FIB entry index),
// nothing for the GC to scan.
func TestRouteCompact(t *testing.T) {
	if s := unsafe.Sizeof(route{}); s > 12 {
		t.Fatalf("route is %d bytes", s)
	}
	if s := unsafe.Sizeof(ribSlot{}); s > 16 {
		t.Fatalf("ribSlot is %d bytes", s)
	}
}

// The rib keeps each prefix's candidates sorted by distance, stable among
// equals, inline for one and spilled for more, and reuses freed spills.
func TestRIBCandidates(t *testing.T) {
	b := newRIB()
	k := pfxKey{u("192.0.2.0"), 24}
	var buf [1]route
	if rs := b.get(k, &buf); rs != nil {
		t.Fatalf("empty rib: %v", rs)
	}
	b.add(k, route{nh: 1, dist: 5, typ: Static, flags: rtNextHop})
	if rs := b.get(k, &buf); len(rs) != 1 || rs[0].nh != 1 || slotOf(b, k).spilled() {
		t.Fatalf("one candidate: %v, slot %+v", rs, slotOf(b, k))
	}
	b.add(k, route{nh: 2, dist: 1, typ: Static, flags: rtNextHop})
	b.add(k, route{nh: 3, dist: 5, typ: Static, flags: rtNextHop})
	b.add(k, route{nh: 4, dist: 200, typ: Static, flags: rtNextHop})
	var nhs []uint32
	for _, r := range b.get(k, &buf) {
		nhs = append(nhs, r.nh)
	}
	if !slices.Equal(nhs, []uint32{2, 1, 3, 4}) {
		t.Fatalf("order by distance, stable: %v", nhs)
	}
	if !slotOf(b, k).spilled() {
		t.Fatal("several candidates not spilled")
	}
	// Back to one: inline again, the spill slot free for the next.
	b.set(k, []route{{nh: 9, dist: 1, typ: Static, flags: rtNextHop}})
	if s := slotOf(b, k); s.spilled() || s.one.nh != 9 || len(b.free) != 1 {
		t.Fatalf("back to one: slot %+v, free %v", s, b.free)
	}
	k2 := pfxKey{u("198.51.100.0"), 24}
	b.add(k2, route{nh: 1, dist: 1})
	b.add(k2, route{nh: 2, dist: 2})
	if len(b.spill) != 1 || len(b.free) != 0 {
		t.Fatalf("spill not reused: %d spills, free %v", len(b.spill), b.free)
	}
	n := 0
	for pk, rs := range b.all() {
		n += len(rs)
		if pk != k && pk != k2 {
			t.Fatalf("all: stray key %v", pk)
		}
	}
	if n != 3 || b.m.len() != 2 {
		t.Fatalf("all: %d candidates in %d prefixes", n, b.m.len())
	}
	// A prefix's FIB entry outlives its candidates, and the other way.
	b.setFIB(k, 7)
	b.set(k, nil)
	if rs := b.get(k, &buf); rs != nil {
		t.Fatalf("deleted candidates: %v", rs)
	}
	if idx, ok := b.fibOf(k); !ok || idx != 7 {
		t.Fatalf("FIB entry lost with the candidates: %d %v", idx, ok)
	}
	for pk := range b.all() {
		if pk == k {
			t.Fatal("all yields a prefix without candidates")
		}
	}
	b.clearFIB(k)
	b.set(k2, nil)
	if b.m.len() != 0 || len(b.free) != 1 {
		t.Fatalf("deleted: %d prefixes, free %v", b.m.len(), b.free)
	}
	b.setFIB(k, 3) // a host entry: no candidates
	b.add(k, route{nh: 5, dist: 1})
	b.clearFIB(k)
	if rs := b.get(k, &buf); len(rs) != 1 || rs[0].nh != 5 {
		t.Fatalf("candidates lost with the FIB entry: %v", rs)
	}
	if _, ok := b.fibOf(k); ok {
		t.Fatal("FIB entry left")
	}
}

// Statics round-trip through the compact RIB: every form of `ip route`,
// in running-config order, distances kept, a re-add replacing the
// distance, and removal by next hop and interface, distance ignored.
func TestStaticsRoundTrip(t *testing.T) {
	tb := newTable(t)
	in := []StaticRoute{
		{Prefix: pfx("192.168.0.0/16"), NextHop: ip("10.2.2.3"), Distance: 200},
		{Prefix: pfx("192.168.0.0/16"), NextHop: ip("10.1.1.3"), Distance: 1},
		{Prefix: pfx("0.0.0.0/0"), NextHop: ip("10.1.1.254"), Distance: 1},
		{Prefix: pfx("172.16.0.0/12"), If: Null0, HasIf: true, Distance: 1},
		{Prefix: pfx("172.16.0.0/12"), If: vl20, HasIf: true, Distance: 1},
		{Prefix: pfx("172.16.0.0/12"), If: vl10, HasIf: true, NextHop: ip("10.1.1.9"), Distance: 7},
		{Prefix: pfx("172.16.0.0/16"), NextHop: ip("10.1.1.9"), Distance: 1},
	}
	for _, s := range in {
		must(t, tb.AddStatic(s))
	}
	want := []StaticRoute{in[2], in[4], in[3], in[5], in[6], in[1], in[0]}
	if got := tb.Statics(); !slices.Equal(got, want) {
		t.Fatalf("statics:\n got %v\nwant %v", got, want)
	}
	if n := tb.StaticCount(); n != len(in) {
		t.Fatalf("StaticCount %d", n)
	}
	// The floating static takes over when the preferred one goes.
	if r := tb.Lookup(u("192.168.1.1")); r.Entry.NextHop != u("10.1.1.3") {
		t.Fatalf("preferred static: via %v", u32Addr(r.Entry.NextHop))
	}
	must(t, tb.RemoveStatic(StaticRoute{Prefix: pfx("192.168.0.0/16"), NextHop: ip("10.1.1.3"), Distance: 99}))
	if r := tb.Lookup(u("192.168.1.1")); r.Entry.NextHop != u("10.2.2.3") {
		t.Fatalf("floating static: via %v", u32Addr(r.Entry.NextHop))
	}
	// Re-adding with another distance replaces, not duplicates.
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("192.168.0.0/16"), NextHop: ip("10.2.2.3"), Distance: 5}))
	rs := tb.Statics()
	if i := slices.IndexFunc(rs, func(s StaticRoute) bool { return s.Prefix == pfx("192.168.0.0/16") }); i < 0 || rs[i].Distance != 5 || len(rs) != len(in)-1 {
		t.Fatalf("re-added: %v", rs)
	}
	// Interface routes are told apart by interface.
	must(t, tb.RemoveStatic(StaticRoute{Prefix: pfx("172.16.0.0/12"), If: vl20, HasIf: true}))
	if err := tb.RemoveStatic(StaticRoute{Prefix: pfx("172.16.0.0/12"), If: vl20, HasIf: true}); !errors.Is(err, ErrNoSuchRoute) {
		t.Fatalf("removed twice: %v", err)
	}
	if r := tb.Lookup(u("172.20.0.1")); r.Entry.Kind != KindNull {
		t.Fatalf("Null0 static left: %v", r.Entry.Kind)
	}
	// IPv6 is not routed: refused, as before.
	if err := tb.AddStatic(StaticRoute{Prefix: pfx("2001:db8::/32"), NextHop: ip("10.1.1.3")}); !errors.Is(err, ErrBadPrefix) {
		t.Fatalf("IPv6 static: %v", err)
	}
	if err := tb.RemoveStatic(StaticRoute{Prefix: pfx("2001:db8::/32"), NextHop: ip("10.1.1.3")}); !errors.Is(err, ErrNoSuchRoute) {
		t.Fatalf("no IPv6 static: %v", err)
	}
	// A static through a deleted SVI stays configured (unused) and can
	// be removed; a re-created SVI brings back the ones left.
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("203.0.113.0/24"), If: vl20, HasIf: true}))
	tb.RemoveInterface(vl20)
	if r := tb.Lookup(u("203.0.113.1")); r.Entry.Prefix() == pfx("203.0.113.0/24") {
		t.Fatalf("static via a deleted SVI used: %v", r.Entry.Kind)
	}
	if !slices.ContainsFunc(tb.Statics(), func(s StaticRoute) bool { return s.Prefix == pfx("203.0.113.0/24") }) {
		t.Fatal("static via a deleted SVI not configured")
	}
	must(t, tb.SetInterface(vl20, IfConfig{Name: "Vlan20", MAC: sviMAC, VLAN: 20, Addresses: []netip.Prefix{pfx("10.2.2.1/24")}}))
	if r := tb.Lookup(u("203.0.113.1")); r.Entry.Kind != KindAttached || tb.EntryIfName(r.Entry) != "Vlan20" {
		t.Fatalf("static via a re-created SVI: %v %q", r.Entry.Kind, tb.EntryIfName(r.Entry))
	}
	tb.RemoveInterface(vl20)
	must(t, tb.RemoveStatic(StaticRoute{Prefix: pfx("203.0.113.0/24"), If: vl20, HasIf: true}))
	must(t, tb.SetInterface(vl20, IfConfig{Name: "Vlan20", MAC: sviMAC, VLAN: 20, Addresses: []netip.Prefix{pfx("10.2.2.1/24")}}))
	if r := tb.Lookup(u("203.0.113.1")); r.Entry.Prefix() == pfx("203.0.113.0/24") {
		t.Fatalf("removed static back with its SVI: %v", r.Entry.Kind)
	}
}

// Repacking the LPM pool keeps every answer, for the new snapshot and for
// one published before (which keeps the old pool), and leaves no garbage.
func TestLPMRepack(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tb := newTable(t)
	var ps []netip.Prefix
	add := func(n int) {
		must(t, tb.Batch(func() error {
			for range n {
				l := []int{16, 20, 24, 24, 24, 25, 28, 32}[rng.IntN(8)]
				p := netip.PrefixFrom(u32Addr(uint32(rng.IntN(100)+100)<<24|rng.Uint32()&0xffffff), l).Masked()
				if err := tb.AddStatic(StaticRoute{Prefix: p, NextHop: ip("10.1.1.2")}); err != nil {
					return err
				}
				ps = append(ps, p)
			}
			return nil
		}))
	}
	// Batches that touch the blocks the previous ones made: copies.
	for range 20 {
		add(500)
	}
	probe := func() []Result {
		out := make([]Result, 0, 4*len(ps))
		for _, p := range ps {
			a := addrU32(p.Addr())
			out = append(out, tb.Lookup(a), tb.Lookup(a|^mask(p.Bits())), tb.Lookup(a+1), tb.Lookup(a-1))
		}
		return out
	}
	before := probe()
	old := tb.snap.Load()
	tb.mu.Lock()
	if tb.lpm.dead == 0 {
		tb.mu.Unlock()
		t.Fatal("no copy-on-write garbage: the test misses the repack")
	}
	live := tb.lpm.units() - tb.lpm.dead
	tb.lpm.repack()
	if tb.lpm.units() != live || tb.lpm.dead != 0 {
		t.Errorf("repacked to %d units (%d dead), want the %d live", tb.lpm.units(), tb.lpm.dead, live)
	}
	tb.commitLocked()
	tb.mu.Unlock()
	if got := probe(); !slices.Equal(got, before) {
		t.Fatal("lookups changed by the repack")
	}
	for i, p := range ps {
		if l := old.lpm.lookup(addrU32(p.Addr())); &old.entries[leafIndex(l)] != before[4*i].Entry {
			t.Fatalf("%v: the snapshot before the repack answers differently", p)
		}
	}
	// Changes after the repack copy and grow as before.
	add(2000)
	for _, p := range ps {
		if r := tb.Lookup(addrU32(p.Addr())); r.Entry.Len < uint8(p.Bits()) || r.Adj.State != AdjGlean && r.Entry.Kind == KindNoRoute {
			t.Fatalf("%v: after more changes, %v", p, r.Entry.Prefix())
		}
	}
	// The commits repack on their own: garbage stays under a quarter of
	// the live blocks (plus the slack).
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if d, b := tb.lpm.dead, tb.lpm.units(); d > (b-d)/4+4096 {
		t.Fatalf("%d dead blocks of %d after the commits", d, b)
	}
}

// When an SVI's subnet changes, the statics via next hops in it follow:
// the commit finds the next hops that resolve differently and walks the
// RIB for the statics via them (there is no per-next-hop index).
func TestStaticsFollowNextHopResolution(t *testing.T) {
	tb := newTable(t)
	must(t, tb.Batch(func() error {
		for i := range 300 {
			p := netip.PrefixFrom(u32Addr(u("198.18.0.0")+uint32(i)<<8), 24)
			if err := tb.AddStatic(StaticRoute{Prefix: p, NextHop: u32Addr(u("10.1.1.2") + uint32(i%3))}); err != nil {
				return err
			}
		}
		return nil
	}))
	via := func(a string) (EntryKind, IfID) { r := tb.Lookup(u(a)); return r.Entry.Kind, r.Entry.If }
	if k, in := via("198.18.5.1"); k != KindNextHop || in != vl10 {
		t.Fatalf("before: %v via %d", k, in)
	}
	// 10.1.1.0/24 moves to Vlan20: every static follows it there.
	must(t, tb.SetInterface(vl10, IfConfig{Name: "Vlan10", MAC: sviMAC, VLAN: 10, Addresses: []netip.Prefix{pfx("10.7.7.1/24")}}))
	if k, _ := via("198.18.5.1"); k == KindNextHop {
		t.Fatalf("static via a next hop in no subnet still used")
	}
	must(t, tb.SetInterface(vl20, IfConfig{Name: "Vlan20", MAC: sviMAC, VLAN: 20, Addresses: []netip.Prefix{pfx("10.2.2.1/24"), pfx("10.1.1.1/24")}}))
	for i := range 300 {
		a := u32Addr(u("198.18.0.0") + uint32(i)<<8 + 1).String()
		if k, in := via(a); k != KindNextHop || in != vl20 {
			t.Fatalf("%s after the move: %v via %d", a, k, in)
		}
	}
}

func slotOf(b rib, k pfxKey) ribSlot { s, _ := b.m.lookup(k); return s }

// The RIB's hash table against a Go map: random stores, overwrites and
// removals (backward shifts across the wrap-around included), growth, and
// iteration.
func TestRIBMapAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	var m ribMap
	want := map[pfxKey]ribSlot{}
	keys := []pfxKey{}
	for i := range 200000 {
		switch op := rng.IntN(10); {
		case op < 6 || len(keys) == 0:
			k := pfxKey{rng.Uint32() & 0xffff00ff, uint8(rng.IntN(33))}
			if i%3 == 0 && len(keys) > 0 {
				k = keys[rng.IntN(len(keys))] // overwrite
			}
			s := ribSlot{one: route{nh: rng.Uint32(), ifc: IfID(rng.Uint32()), dist: uint8(i), typ: Static, flags: rtNextHop}, fib: rng.Uint32()}
			if _, ok := want[k]; !ok {
				keys = append(keys, k)
			}
			want[k] = s
			m.store(k, s)
		default:
			j := rng.IntN(len(keys))
			k := keys[j]
			keys[j] = keys[len(keys)-1]
			keys = keys[:len(keys)-1]
			delete(want, k)
			m.remove(k)
			m.remove(k) // twice: a no-op
		}
		if i%20000 == 0 || i == 199999 {
			if m.len() != len(want) {
				t.Fatalf("op %d: len %d, want %d", i, m.len(), len(want))
			}
			for k, s := range want {
				if got, ok := m.lookup(k); !ok || got != s {
					t.Fatalf("op %d: %v = %+v %v, want %+v", i, k, got, ok, s)
				}
			}
			n := 0
			for k, s := range m.all() {
				n++
				if want[k] != s {
					t.Fatalf("op %d: all yields %v = %+v, want %+v", i, k, s, want[k])
				}
			}
			if n != len(want) {
				t.Fatalf("op %d: all yields %d, want %d", i, n, len(want))
			}
			if _, ok := m.lookup(pfxKey{1, 33}); ok {
				t.Fatal("found a key never stored")
			}
		}
	}
	if s := unsafe.Sizeof(ribCell{}); s != 20 {
		t.Fatalf("ribCell is %d bytes", s)
	}
}
