package cef

import (
	"iter"
	"slices"
)

// The RIB holds every route candidate of every prefix: with a full table
// loaded that is a million static routes, so its form decides most of the
// control plane's memory. A candidate is a route: twelve bytes, no
// pointers and no strings (interface names come from the interface table
// when a row is made), so that the GC has nothing to scan in it. Most
// prefixes have exactly one candidate, held inline in the map's slot; a
// prefix with more (floating statics, a static for a connected subnet)
// keeps them all in a spill slice, found by index. The same slot holds the
// index of the prefix's FIB entry, so that one map, not two, has a key per
// installed prefix; a prefix installed without candidates (an ARP host
// entry) has a slot with none.

// route is one RIB candidate in compact form.
type route struct {
	nh    uint32 // the configured next hop, with rtNextHop; the spill index, with rtSpill
	ifc   IfID   // the interface, with rtIf (connected, local, static via an interface)
	dist  uint8
	typ   RouteType
	flags uint8
}

// The route flags.
const (
	rtIf      = 1 << iota // ifc is set
	rtNextHop             // nh is set
	rtReceive             // a special route: receive (punt) rather than drop
	// In a ribSlot's one only: the candidates are in spill[nh], or there
	// are none.
	rtSpill
	rtNone
)

func (r route) hasIf() bool   { return r.flags&rtIf != 0 }
func (r route) hasNH() bool   { return r.flags&rtNextHop != 0 }
func (r route) receive() bool { return r.flags&rtReceive != 0 }

// ribSlot is one prefix's candidates (one, or with rtSpill all of them in
// the rib's spill, or with rtNone none) and its FIB entry.
type ribSlot struct {
	one route
	fib uint32 // the index of the prefix's FIB entry; 0 (the no-route entry) for none
}

func (s ribSlot) spilled() bool { return s.one.flags&rtSpill != 0 }

func (s ribSlot) empty() bool { return s.one.flags&rtNone != 0 }

// rib maps prefixes to their candidates, each prefix's sorted by distance
// (stable: among equal distances, the order they were added in), and to
// their FIB entries.
type rib struct {
	m     ribMap
	spill [][]route
	free  []uint32 // unused spill indexes
}

func newRIB() rib { return rib{} }

// get returns k's candidates, nil for none. A single candidate is copied
// into *buf and the slice is buf's: valid until buf is reused, which lets
// callers that recurse (resolveNH) each bring their own.
func (b *rib) get(k pfxKey, buf *[1]route) []route {
	s, ok := b.m.lookup(k)
	switch {
	case !ok || s.empty():
		return nil
	case s.spilled():
		return b.spill[s.one.nh]
	default:
		buf[0] = s.one
		return buf[:]
	}
}

// set replaces k's candidates with rs (sorted by the caller); none
// deletes them. rs is copied.
func (b *rib) set(k pfxKey, rs []route) {
	s, had := b.m.lookup(k)
	if had && s.spilled() && len(rs) < 2 {
		b.spill[s.one.nh] = nil
		b.free = append(b.free, s.one.nh)
		s.one = route{flags: rtNone}
	}
	switch {
	case len(rs) == 0:
		if s.fib == 0 {
			b.m.remove(k)
			return
		}
		s.one = route{flags: rtNone}
	case len(rs) == 1:
		s.one = rs[0]
	case s.spilled():
		b.spill[s.one.nh] = append(b.spill[s.one.nh][:0], rs...)
	default:
		cp := slices.Clone(rs)
		var i uint32
		if n := len(b.free); n > 0 {
			i = b.free[n-1]
			b.free = b.free[:n-1]
			b.spill[i] = cp
		} else {
			i = uint32(len(b.spill))
			b.spill = append(b.spill, cp)
		}
		s.one = route{nh: i, flags: rtSpill}
	}
	b.m.store(k, s)
}

// add inserts r among k's candidates, after those of lower or equal
// distance.
func (b *rib) add(k pfxKey, r route) {
	var buf [1]route
	rs := b.get(k, &buf)
	if rs == nil {
		buf[0] = r
		b.set(k, buf[:])
		return
	}
	i := len(rs)
	for i > 0 && rs[i-1].dist > r.dist {
		i--
	}
	b.set(k, slices.Insert(slices.Clip(rs), i, r))
}

// all yields every prefix with candidates, with them, in no order. The
// slice is valid only during the yield and must not be modified.
func (b *rib) all() iter.Seq2[pfxKey, []route] {
	return func(yield func(pfxKey, []route) bool) {
		var buf [1]route
		for k, s := range b.m.all() {
			if s.empty() {
				continue
			}
			rs := buf[:]
			if s.spilled() {
				rs = b.spill[s.one.nh]
			} else {
				buf[0] = s.one
			}
			if !yield(k, rs) {
				return
			}
		}
	}
}

// fibOf returns the index of k's FIB entry, if it has one.
func (b *rib) fibOf(k pfxKey) (uint32, bool) {
	s, _ := b.m.lookup(k)
	return s.fib, s.fib != 0
}

// setFIB records idx as k's FIB entry.
func (b *rib) setFIB(k pfxKey, idx uint32) {
	s, ok := b.m.lookup(k)
	if !ok {
		s.one = route{flags: rtNone}
	}
	s.fib = idx
	b.m.store(k, s)
}

// clearFIB records that k has no FIB entry.
func (b *rib) clearFIB(k pfxKey) {
	s, ok := b.m.lookup(k)
	switch {
	case !ok:
	case s.empty():
		b.m.remove(k)
	default:
		s.fib = 0
		b.m.store(k, s)
	}
}

// installed yields every prefix with a FIB entry and its index, in no
// order.
func (b *rib) installed() iter.Seq2[pfxKey, uint32] {
	return func(yield func(pfxKey, uint32) bool) {
		for k, s := range b.m.all() {
			if s.fib != 0 && !yield(k, s.fib) {
				return
			}
		}
	}
}
