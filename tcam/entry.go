package tcam

import (
	"github.com/l2sw/l2sw/tcam/acl"
)

// Key is the ternary lookup key of the ACL TCAM: the fields an entry's
// value/mask pair is laid over. Label says which binding (ACL, direction,
// feature) the entry belongs to, as the VLAN/port label of a Catalyst
// PFC does.
type Key struct {
	Label            uint16
	Proto            uint8
	Flags            uint8
	Src, Dst         uint32
	SrcPort, DstPort uint16
}

// NoLOU marks an entry that does not use a range checker on that side.
const NoLOU = -1

// Entry is one TCAM entry: a packet whose key k satisfies
// k&Mask == Value (and, when SrcLOU/DstLOU name a range checker, whose
// port satisfies that checker) gets Result.
type Entry struct {
	Value, Mask    Key
	SrcLOU, DstLOU int16 // range-checker unit index or NoLOU
	Slot           int32 // ACE slot of the binding
	Permit         bool
}

// maskKey identifies a hardware mask: the mask bits plus the range-checker
// result bits the entry tests (a different LOU is a different mask bit).
type maskKey struct {
	Mask           Key
	SrcLOU, DstLOU int16
}

// louKey identifies a range checker by what it computes; ACEs with the same
// operator on the same side share one unit, as LOUs are shared in hardware.
type louKey struct {
	Dst    bool
	Op     acl.PortOp
	Lo, Hi uint16
}

// portTerm is one way an entry constrains a port field.
type portTerm struct {
	value, mask uint16
	lou         int16
}

// prefixes splits [lo, hi] into the minimal list of aligned value/mask
// blocks (at most 30 for 16 bits).
func prefixes(lo, hi uint16) []portTerm {
	var out []portTerm
	l, h := uint32(lo), uint32(hi)
	for l <= h {
		size := uint32(1)
		for l&(size*2-1) == 0 && l+size*2-1 <= h && size < 1<<16 {
			size *= 2
		}
		out = append(out, portTerm{value: uint16(l), mask: uint16(^(size - 1)), lou: NoLOU})
		l += size
	}
	return out
}

// needsChecker reports whether a port match is worth a range checker: it
// is not a single value/mask block.
func needsChecker(p acl.PortMatch) bool {
	switch p.Op {
	case acl.PortAny, acl.PortEq:
		return false
	}
	r := p.Ranges()
	return !(len(r) == 1 && len(prefixes(r[0][0], r[0][1])) == 1)
}

// louPool is the set of range checkers in use, shared by all bindings.
type louPool struct {
	limit int
	units map[louKey]*louUnit
	free  []int16
}

type louUnit struct {
	index int16
	refs  int
}

func newLOUPool(limit int) *louPool {
	p := &louPool{limit: limit, units: map[louKey]*louUnit{}}
	for i := limit - 1; i >= 0; i-- {
		p.free = append(p.free, int16(i))
	}
	return p
}

func (p *louPool) used() int { return len(p.units) }

// acquire takes a reference on the checker for k, allocating one if a
// unit is free; ok is false when none is left.
func (p *louPool) acquire(k louKey) (int16, bool) {
	if u, ok := p.units[k]; ok {
		u.refs++
		return u.index, true
	}
	if len(p.free) == 0 || len(p.units) >= p.limit {
		return NoLOU, false
	}
	idx := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	p.units[k] = &louUnit{index: idx, refs: 1}
	return idx, true
}

// reacquire takes a reference for an entry compiled earlier with a
// checker (used when rolling back); it reports false if no unit is left.
func (p *louPool) release(k louKey) {
	u, ok := p.units[k]
	if !ok {
		return
	}
	u.refs--
	if u.refs == 0 {
		delete(p.units, k)
		if int(u.index) < p.limit {
			p.free = append(p.free, u.index)
		}
	}
}

// setLimit changes the number of units. Units in use keep their index (the
// entries point at it) even if it is beyond the new limit; the caller has
// checked that no more than limit are in use, and acquire never hands out
// more than limit.
func (p *louPool) setLimit(limit int) {
	inUse := make(map[int16]bool, len(p.units))
	for _, u := range p.units {
		inUse[u.index] = true
	}
	p.limit = limit
	p.free = p.free[:0]
	for i := limit - 1; i >= 0; i-- {
		if !inUse[int16(i)] {
			p.free = append(p.free, int16(i))
		}
	}
}

// compiledACE is one ACE as programmed: its hardware entries, the range
// checkers they reference and its classifier rules.
type compiledACE struct {
	ace     acl.ACE
	slot    int32
	entries []Entry
	lous    []louKey
	rules   []Rule
}

// portTerms returns how one side's port match is encoded: wildcard, exact,
// a single block, a range checker (taken from pool while units remain), or
// its prefix expansion.
func portTerms(p acl.PortMatch, dst bool, pool *louPool, lous *[]louKey) []portTerm {
	switch p.Op {
	case acl.PortAny:
		return []portTerm{{lou: NoLOU}}
	case acl.PortEq:
		return []portTerm{{value: p.Lo, mask: 0xffff, lou: NoLOU}}
	}
	if needsChecker(p) && pool != nil {
		k := louKey{Dst: dst, Op: p.Op, Lo: p.Lo, Hi: p.Hi}
		if idx, ok := pool.acquire(k); ok {
			*lous = append(*lous, k)
			return []portTerm{{lou: idx}}
		}
	}
	var out []portTerm
	for _, r := range p.Ranges() {
		out = append(out, prefixes(r[0], r[1])...)
	}
	return out
}

// compileACE turns one ACE into TCAM entries under label, taking range
// checkers from pool (nil: expand every range). Entry count is exact:
// flag variants x source port terms x destination port terms.
func compileACE(a *acl.ACE, slot int32, label uint16, pool *louPool) compiledACE {
	c := compiledACE{ace: *a, slot: slot, rules: RulesForACE(a, slot)}
	if a.Action == acl.Remark {
		return c
	}
	base := Entry{SrcLOU: NoLOU, DstLOU: NoLOU, Slot: slot, Permit: a.Action == acl.Permit}
	base.Value.Label, base.Mask.Label = label, 0xffff
	base.Value.Src, base.Mask.Src = a.Src.IP, ^a.Src.Wildcard
	if a.Kind == acl.Standard {
		c.entries = []Entry{base}
		return c
	}
	base.Value.Dst, base.Mask.Dst = a.Dst.IP, ^a.Dst.Wildcard
	if a.AnyProto {
		c.entries = []Entry{base}
		return c
	}
	base.Value.Proto, base.Mask.Proto = a.Proto, 0xff
	base.Value.Flags, base.Mask.Flags = a.TCPFlags, a.TCPFlags
	if a.ICMPType >= 0 {
		base.Value.SrcPort, base.Mask.SrcPort = uint16(a.ICMPType), 0xffff
	}
	if a.ICMPCode >= 0 {
		base.Value.DstPort, base.Mask.DstPort = uint16(a.ICMPCode), 0xffff
	}
	// `established` is ACK or RST: two ternary entries (ACK set; RST set
	// with ACK clear), as hardware programs it.
	variants := []Entry{base}
	if a.Established {
		ack, rst := base, base
		ack.Value.Flags |= acl.FlagACK
		ack.Mask.Flags |= acl.FlagACK
		rst.Value.Flags |= acl.FlagRST
		rst.Mask.Flags |= acl.FlagRST | acl.FlagACK
		variants = variants[:0]
		variants = append(variants, ack)
		if a.TCPFlags&acl.FlagACK == 0 {
			variants = append(variants, rst)
		}
	}
	srcs := portTerms(a.SrcPort, false, pool, &c.lous)
	dsts := portTerms(a.DstPort, true, pool, &c.lous)
	for _, v := range variants {
		for _, s := range srcs {
			for _, d := range dsts {
				e := v
				e.Value.SrcPort, e.Mask.SrcPort, e.SrcLOU = s.value, s.mask, s.lou
				e.Value.DstPort, e.Mask.DstPort, e.DstLOU = d.value, d.mask, d.lou
				c.entries = append(c.entries, e)
			}
		}
	}
	return c
}
