package cef

import (
	"cmp"
	"net/netip"
	"runtime"
	"slices"
)

// EntryKind is what a FIB entry does, as `show ip cef` names it.
type EntryKind uint8

// The FIB entry kinds.
const (
	KindNoRoute  EntryKind = iota // nothing matched: drop, count "no route"
	KindAttached                  // connected subnet: glean adjacency
	KindHost                      // /32 of a resolved (or once resolved) neighbour
	KindNextHop                   // via a next hop adjacency
	KindReceive                   // for us: punt
	KindDrop                      // martian / special drop
	KindNull                      // Null0 static
)

var kindNames = [...]string{"no route", "attached", "host", "nexthop", "receive", "drop", "null"}

func (k EntryKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Entry is an immutable FIB entry. The dataplane gets a pointer to it from
// Lookup and must not modify it.
// Its interface's name is not in it (a million entries would carry a
// million string headers): Table.EntryIfName gives it.
type Entry struct {
	Addr    uint32
	Len     uint8
	Kind    EntryKind
	Source  RouteType
	hasIf   bool // If is set
	If      IfID
	NextHop uint32 // the resolved (connected) next hop for KindNextHop
	Via     uint32 // the configured next hop when it was recursive, else 0
	ctr     uint32 // per-prefix counter index
	// adj is the adjacency's ID (an index of adjByID, and of a snapshot's
	// adjs): no pointer, so that the GC has nothing to scan in a million
	// entries, and four bytes less each.
	adj uint32
}

// Prefix returns the entry's prefix.
func (e *Entry) Prefix() netip.Prefix { return netip.PrefixFrom(u32Addr(e.Addr), int(e.Len)) }

func (e *Entry) sameForwarding(o *Entry) bool {
	return e.Kind == o.Kind && e.Source == o.Source && e.hasIf == o.hasIf && e.If == o.If &&
		e.NextHop == o.NextHop && e.Via == o.Via && e.adj == o.adj
}

// resetFIB starts an empty LPM and entry array (entry 0: no route).
func (t *Table) resetFIB() {
	t.lpm = newLPMWriter(func(l uint32) int { return int(t.entries[leafIndex(l)].Len) })
	t.entries = make([]Entry, 1, 1024)
	t.entries[0] = Entry{Kind: KindNoRoute, adj: t.noRoute.id}
	t.nlive = 0
	t.deadEnts = 0
}

// selectEntry computes the FIB entry the prefix k should have.
func (t *Table) selectEntry(k pfxKey) (Entry, *adjSlot, bool) {
	e := Entry{Addr: k.a, Len: k.l}
	var slot *adjSlot
	var buf [1]route
	for _, r := range t.rib.get(k, &buf) {
		e.Source = r.typ
		switch {
		case r.typ == special && r.receive():
			e.Kind, slot = KindReceive, t.puntSlot
			if r.hasIf() {
				e.If, e.hasIf = r.ifc, true
			}
			e.adj = slot.id
			return e, slot, true
		case r.typ == special:
			e.Kind, slot = KindDrop, t.dropSlot
			e.adj = slot.id
			return e, slot, true
		case r.typ == Local:
			e.Kind, slot, e.If, e.hasIf = KindReceive, t.puntSlot, r.ifc, true
			e.adj = slot.id
			return e, slot, true
		case r.typ == Connected:
			st := t.ifs[r.ifc]
			if st == nil {
				continue
			}
			e.Kind, slot, e.If, e.hasIf = KindAttached, st.glean, r.ifc, true
			e.adj = slot.id
			return e, slot, true
		case r.hasIf() && r.ifc == Null0:
			e.Kind, slot, e.If, e.hasIf = KindNull, t.nullSlot, Null0, true
			e.adj = slot.id
			return e, slot, true
		case r.hasIf() && !r.hasNH():
			st := t.ifs[r.ifc]
			if st == nil {
				continue
			}
			e.Kind, slot, e.If, e.hasIf = KindAttached, st.glean, r.ifc, true
			e.adj = slot.id
			return e, slot, true
		default:
			nh := r.nh
			res, ok := t.nhRes[nh]
			if !ok {
				res = t.resolveNH(nh, 0)
				t.nhRes[nh] = res
			}
			if !res.ok || (r.hasIf() && res.If != r.ifc) {
				continue
			}
			e.Kind, e.If, e.hasIf, e.NextHop = KindNextHop, res.If, true, res.NH
			if res.NH != nh {
				e.Via = nh
			}
			slot = t.adjFor(res.If, res.NH)
			e.adj = slot.id
			return e, slot, true
		}
	}
	if in, ok := t.hosts[k]; ok {
		if st := t.ifs[in]; st != nil {
			e.Source, e.Kind, e.If, e.hasIf, e.NextHop = Connected, KindHost, in, true, k.a
			slot = t.adjFor(in, k.a)
			e.adj = slot.id
			return e, slot, true
		}
	}
	return Entry{}, nil, false
}

// commitLocked recomputes the dirty prefixes and publishes a snapshot.
func (t *Table) commitLocked() {
	if t.structural {
		// Only the statics whose next hop now resolves differently are
		// recomputed. A next hop without a cached resolution has none
		// that depends on it (selectEntry caches every one it uses):
		// the statics via it are new, and dirty already.
		t.structural = false
		var changed map[uint32]struct{}
		for nh := range t.nhRefs {
			res := t.resolveNH(nh, 0)
			prev, ok := t.nhRes[nh]
			t.nhRes[nh] = res
			if ok && prev != res {
				if changed == nil {
					changed = map[uint32]struct{}{}
				}
				changed[nh] = struct{}{}
			}
		}
		if changed != nil {
			t.dirtyStaticsViaNH(changed)
		}
	}
	for k := range t.dirty {
		t.install(k)
	}
	if len(t.dirty) > 4096 {
		// clear keeps a map's slots: after a bulk load of a million
		// routes, tens of MiB for nothing.
		t.dirty = map[pfxKey]struct{}{}
	} else {
		clear(t.dirty)
	}
	switch {
	case t.deadEnts > len(t.entries)/2+65536:
		t.compact()
	case t.lpm.dead > (t.lpm.units()-t.lpm.dead)/4+4096:
		// Copy-on-write garbage: each batch copies every block it
		// touches that a snapshot sees, ~10k of a million-prefix table's
		// ~56k second-level blocks per 10k routes.
		t.lpm.repack()
	}
	t.adjShared = true
	t.published++
	t.snap.Store(&fibSnap{
		lpm:      t.lpm.publish(),
		entries:  t.entries[:len(t.entries):len(t.entries)],
		adjs:     t.adjByID[:len(t.adjByID):len(t.adjByID)],
		prefetch: worthPrefetching(t.lpm.units()-t.lpm.dead, t.nlive),
	})
	t.reclaimPools()
}

// retiredPoolsGC is how many bytes of given-up LPM pools make the table
// collect garbage.
const retiredPoolsGC = 64 << 20

// reclaimPools collects garbage once the LPM pools given up since the
// last time are large. Big pools are mapped outside the Go heap (slab.go)
// and unmapped by a cleanup after the collection that finds them
// unreachable; the collector does not count them, so a fill of a million
// routes, repacking and growing its pool some forty times, would
// otherwise hold gigabytes of old pools until a collection came by
// itself. The snapshot just replaced may still be read; its pool goes at
// a later collection.
func (t *Table) reclaimPools() {
	if t.lpm.retired < retiredPoolsGC {
		return
	}
	t.lpm.retired = 0
	runtime.GC()
}

// install brings the FIB entry of k in line with the RIB.
func (t *Table) install(k pfxKey) {
	want, slot, ok := t.selectEntry(k)
	idx, had := t.rib.fibOf(k)
	if !ok {
		if !had {
			return
		}
		cur := &t.entries[idx]
		t.lpm.remove(k.a, int(k.l), t.leafOf(t.cover(k)))
		t.release(t.adjByID[cur.adj])
		t.ctrFree = append(t.ctrFree, cur.ctr)
		t.rib.clearFIB(k)
		t.nlive--
		t.deadEnts++
		return
	}
	slot.refs++
	if had {
		cur := &t.entries[idx]
		if cur.sameForwarding(&want) {
			slot.refs--
			return
		}
		want.ctr = cur.ctr
		t.release(t.adjByID[cur.adj])
		t.deadEnts++
	} else {
		want.ctr = t.allocCtr()
	}
	if len(t.entries) >= MaxEntries {
		t.compact()
	}
	t.entries = append(t.entries, want)
	n := uint32(len(t.entries) - 1)
	t.lpm.insert(k.a, int(k.l), t.leafOf(n))
	t.rib.setFIB(k, n)
	if !had {
		t.nlive++
	}
}

func (t *Table) allocCtr() uint32 {
	if n := len(t.ctrFree); n > 0 {
		c := t.ctrFree[n-1]
		t.ctrFree = t.ctrFree[:n-1]
		t.counters.resetPrefix(c)
		return c
	}
	t.ctrNext++
	return t.ctrNext
}

// cover finds the entry of the installed prefix that covers k with the
// longest length shorter than k's (0, no route, for none).
func (t *Table) cover(k pfxKey) uint32 {
	for l := int(k.l) - 1; l >= 0; l-- {
		if idx, ok := t.rib.fibOf(pfxKey{k.a & mask(l), uint8(l)}); ok {
			return idx
		}
	}
	return 0
}

// compact rebuilds the LPM and entry array without garbage. Published
// snapshots keep the old arrays until readers drop them.
func (t *Table) compact() {
	type installed struct {
		k   pfxKey
		idx uint32
	}
	old := t.entries
	live := make([]installed, 0, t.nlive)
	for k, idx := range t.rib.installed() {
		live = append(live, installed{k, idx})
	}
	t.resetFIB()
	slices.SortFunc(live, func(a, b installed) int { return cmp.Compare(a.k.l, b.k.l) })
	for _, x := range live {
		t.entries = append(t.entries, old[x.idx])
		n := uint32(len(t.entries) - 1)
		t.lpm.insert(x.k.a, int(x.k.l), t.leafOf(n))
		t.rib.setFIB(x.k, n)
	}
	t.nlive = len(live)
}
