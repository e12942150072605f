package cef

import (
	"cmp"
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
// keeps them all in a spill slice, found by index.

// route is one RIB candidate in compact form.
type route struct {
	nh    uint32 // the configured next hop, with rtNextHop
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
)

func (r route) hasIf() bool   { return r.flags&rtIf != 0 }
func (r route) hasNH() bool   { return r.flags&rtNextHop != 0 }
func (r route) receive() bool { return r.flags&rtReceive != 0 }

// ribSlot is one prefix's candidates: one inline, or (more != 0) all of
// them in the rib's spill[more-1].
type ribSlot struct {
	one  route
	more uint32
}

// rib maps prefixes to their candidates, each prefix's sorted by distance
// (stable: among equal distances, the order they were added in).
type rib struct {
	m     map[pfxKey]ribSlot
	spill [][]route
	free  []uint32 // unused spill indexes
}

func newRIB() rib { return rib{m: map[pfxKey]ribSlot{}} }

// get returns k's candidates, nil for none. A single candidate is copied
// into *buf and the slice is buf's: valid until buf is reused, which lets
// callers that recurse (resolveNH) each bring their own.
func (b *rib) get(k pfxKey, buf *[1]route) []route {
	s, ok := b.m[k]
	switch {
	case !ok:
		return nil
	case s.more != 0:
		return b.spill[s.more-1]
	default:
		buf[0] = s.one
		return buf[:]
	}
}

// set replaces k's candidates with rs (sorted by the caller); none
// deletes k. rs is copied.
func (b *rib) set(k pfxKey, rs []route) {
	s, had := b.m[k]
	if had && s.more != 0 && len(rs) < 2 {
		b.spill[s.more-1] = nil
		b.free = append(b.free, s.more-1)
		s.more = 0
	}
	switch {
	case len(rs) == 0:
		delete(b.m, k)
		return
	case len(rs) == 1:
		s.one = rs[0]
	case s.more != 0:
		b.spill[s.more-1] = append(b.spill[s.more-1][:0], rs...)
	default:
		cp := slices.Clone(rs)
		if n := len(b.free); n > 0 {
			s.more = b.free[n-1] + 1
			b.free = b.free[:n-1]
			b.spill[s.more-1] = cp
		} else {
			b.spill = append(b.spill, cp)
			s.more = uint32(len(b.spill))
		}
	}
	b.m[k] = s
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

// len is the number of prefixes with candidates.
func (b *rib) len() int { return len(b.m) }

// all yields every prefix with its candidates, in no order. The slice is
// valid only during the yield and must not be modified.
func (b *rib) all() iter.Seq2[pfxKey, []route] {
	return func(yield func(pfxKey, []route) bool) {
		var buf [1]route
		for k, s := range b.m {
			rs := buf[:]
			if s.more != 0 {
				rs = b.spill[s.more-1]
			} else {
				buf[0] = s.one
			}
			if !yield(k, rs) {
				return
			}
		}
	}
}

// byDistance orders candidates as the RIB keeps them.
func byDistance(a, b route) int { return cmp.Compare(a.dist, b.dist) }
