package tcam

import (
	"math"
	"unsafe"
)

// The five cut dimensions of the decision tree and their widths in bits.
const (
	dimSrc = iota
	dimDst
	dimSport
	dimDport
	dimProto
	numDims
)

var dimWidth = [numDims]uint8{32, 32, 16, 16, 8}

// dimBits are the valid bits of each dimension.
var dimBits = [numDims]uint32{math.MaxUint32, math.MaxUint32, math.MaxUint16, math.MaxUint16, math.MaxUint8}

// ternaryDim reports whether rules constrain dimension d by value/mask
// (addresses, protocol) rather than by an interval (ports).
func ternaryDim(d int) bool { return d != dimSport && d != dimDport }

// box is a rule's projection on the dimensions: a value/mask pair on the
// ternary dimensions, an inclusive [lo, hi] interval on the port ones.
type box [numDims][2]uint32

func (r *Rule) box() box {
	return box{
		{r.SrcIP & r.SrcMask, r.SrcMask},
		{r.DstIP & r.DstMask, r.DstMask},
		{uint32(r.SrcPortLo), uint32(r.SrcPortHi)},
		{uint32(r.DstPortLo), uint32(r.DstPortHi)},
		{uint32(r.Proto & r.ProtoMask), uint32(r.ProtoMask)},
	}
}

// region is a node's cell: per dimension the values x with
// x&mask == val. A cut fixes a window of bits that are free (not in mask)
// in the cell: on an address that can be any window, so a node can cut
// straight at the bits where its rules differ (ByteCuts) instead of
// halving the space down to them level by level; on a port it is always
// the top free bits, so port cells stay aligned blocks an interval can be
// compared with.
type region struct {
	val, mask [numDims]uint32
}

func fullRegion() region { return region{} }

// free returns the bits of dimension d the cell does not fix.
func (g *region) free(d int) uint32 { return dimBits[d] &^ g.mask[d] }

// child returns the cell of child j of a cut of d at shift into 2^k.
func (g region) child(d int, shift uint8, k int, j int) region {
	g.val[d] |= uint32(j) << shift
	g.mask[d] |= uint32(1<<k-1) << shift
	return g
}

// spans reports whether every value of the cell on dimension d is inside
// the box (the box is known to overlap the cell).
func (bx *box) spans(d int, g *region) bool {
	if ternaryDim(d) {
		return bx[d][1]&^g.mask[d] == 0
	}
	lo := g.val[d]
	return bx[d][0] <= lo && bx[d][1] >= lo|g.free(d)
}

// children returns the range [a, b] of children of a cut of d at shift
// into 2^k the box (known to overlap the cell) can overlap, and the
// fixed bits fm/fv of the window: exactly the children j in [a, b] with
// j&fm == fv overlap it (fm is 0 for intervals).
func (bx *box) children(d int, g *region, shift uint8, k int) (a, b int, fm, fv uint32) {
	K := uint32(1)<<k - 1
	if ternaryDim(d) {
		fm = bx[d][1] >> shift & K
		fv = bx[d][0] >> shift & K
		return int(fv), int(fv | K&^fm), fm, fv
	}
	lo, hi := g.val[d], g.val[d]|g.free(d)
	l, h := max(bx[d][0], lo), min(bx[d][1], hi)
	return int((l - lo) >> shift), int((h - lo) >> shift), 0, 0
}

// ref is a tree edge and everything a lookup needs to take the next step,
// packed in one word so a walk keeps it in a register and does one
// dependent load per level (a struct would round-trip through the stack
// at every step). An inner ref names the block of mask+1 child refs at
// base and its cut: the child is packed-key bits [kshift, kshift+k) (see
// packKey). A leaf ref names n records at base in the leaf arrays. Refs
// hold indices, not pointers: the garbage collector never scans the trees
// and path copies need no write barriers.
//
//	inner: base 0-31 | mask 32-47 | kshift 48-54 | dim 56-58
//	leaf:  base 0-31 | n 32-62    | leaf 63
type ref uint64

const refLeaf = 1 << 63

func innerRef(base, mask uint32, dim int, shift uint8) ref {
	return ref(uint64(base) | uint64(mask)<<32 | uint64(keyOffset[dim]+shift)<<48 | uint64(dim)<<56)
}

func leafRef(base, n uint32) ref { return ref(uint64(base) | uint64(n)<<32 | refLeaf) }

func (e ref) base() uint32 { return uint32(e) }
func (e ref) leaf() bool   { return e&refLeaf != 0 }

// n is a leaf's record count, an inner ref's cut mask.
func (e ref) n() uint32 {
	if e.leaf() {
		return uint32(e>>32) &^ (1 << 31)
	}
	return uint32(e>>32) & 0xffff
}

func (e ref) dim() int              { return int(e >> 56 & 7) }
func (e ref) kshift() uint8         { return uint8(e >> 48 & 127) }
func (e ref) shift() uint8          { return e.kshift() - keyOffset[e.dim()] }
func (e ref) withBase(b uint32) ref { return e&^math.MaxUint32 | ref(b) }

// keyOffset is where each dimension sits in the packed key: bit 6 picks
// the word, the rest is the offset in it.
var keyOffset = [numDims]uint8{32, 0, 64 + 32, 64 + 16, 64}

// packKey packs a header into the two words a walk cuts.
func packKey(h *Header) (uint64, uint64) {
	return uint64(h.Src)<<32 | uint64(h.Dst),
		uint64(h.SrcPort)<<32 | uint64(h.DstPort)<<16 | uint64(h.Proto)
}

// step returns the child of inner ref e that key (k0, k1) falls in.
func step(refs []ref, e ref, k0, kx uint64) ref {
	w := k0
	if e&(1<<54) != 0 {
		w ^= kx
	}
	return refs[uint32(e)+uint32(w>>(uint(e>>48)&63))&uint32(e>>32)&0xffff]
}

// leafRec is the part of a rule a lookup reads, packed in 40 bytes and
// stored in leaf order apart from the full Rule (in the rule table, one
// copy however many leaves hold the rule), which is read only for a
// TCP-flags condition: a match's verdict (ID, priority, action, log) is
// in the record the scan just read, not in another cache line.
type leafRec struct {
	src, srcMask uint32
	dst, dstMask uint32
	sLo, sHi     uint16
	dLo, dHi     uint16
	prio         uint32
	id           int32
	rule         uint32 // index in the rule table
	proto, pMask uint8
	bits         uint8 // recFlags, recPermit, recLog
}

const (
	recFlags  = 1 << iota // the rule tests TCP flags: check the Rule
	recPermit             // Rule.Permit
	recLog                // Rule.Log
)

func recOf(r *Rule, idx uint32) leafRec {
	rec := leafRec{
		src: r.SrcIP, srcMask: r.SrcMask, dst: r.DstIP, dstMask: r.DstMask,
		sLo: r.SrcPortLo, sHi: r.SrcPortHi, dLo: r.DstPortLo, dHi: r.DstPortHi,
		prio: r.Priority, id: r.ID, rule: idx, proto: r.Proto, pMask: r.ProtoMask,
	}
	if r.FlagsMask != 0 || r.FlagsAny != 0 {
		rec.bits |= recFlags
	}
	if r.Permit {
		rec.bits |= recPermit
	}
	if r.Log {
		rec.bits |= recLog
	}
	return rec
}

// recLess is ruleLess on records.
func recLess(a, b *leafRec) bool {
	if a.prio != b.prio {
		return a.prio < b.prio
	}
	return a.id < b.id
}

// store holds the trees of one classifier version: child-ref blocks, the
// leaves' scan records, and the rule table they point into.
type store struct {
	refs  []ref
	recs  []leafRec
	rules []Rule
}

// addLeaf appends a leaf of the given rule-table indices (priority order).
func (s *store) addLeaf(idx []uint32) ref {
	base := len(s.recs)
	for _, i := range idx {
		s.recs = append(s.recs, recOf(&s.rules[i], i))
	}
	return leafRef(uint32(base), uint32(len(idx)))
}

// bytes is the store's size, for the compaction policy.
func (s *store) bytes() int {
	return len(s.refs)*int(unsafe.Sizeof(ref(0))) + len(s.recs)*int(unsafe.Sizeof(leafRec{})) + len(s.rules)*int(unsafe.Sizeof(Rule{}))
}

// lookup returns the record of the matching rule, or nil. Trees only.
func (c *Classifier) lookup(h *Header) *leafRec {
	k0, k1 := packKey(h)
	k1 ^= k0
	refs := c.st.refs
	if c.single {
		e := c.roots[0]
		for !e.leaf() {
			e = step(refs, e, k0, k1)
		}
		return c.scanLeaf(e, h, c.defRec)
	}
	// Walk the trees in lockstep: their loads are independent, so the CPU
	// overlaps the cache misses of the three walks.
	e0, e1, e2 := c.roots[0], c.roots[1], c.roots[2]
	for !e0.leaf() && !e1.leaf() && !e2.leaf() {
		e0 = step(refs, e0, k0, k1)
		e1 = step(refs, e1, k0, k1)
		e2 = step(refs, e2, k0, k1)
	}
	for !e0.leaf() {
		e0 = step(refs, e0, k0, k1)
	}
	for !e1.leaf() {
		e1 = step(refs, e1, k0, k1)
	}
	for !e2.leaf() {
		e2 = step(refs, e2, k0, k1)
	}
	// Touch the first record of each leaf before scanning any: the three
	// misses then overlap, where the scans, each bounded by the best
	// match of the one before, would take them one after another.
	recs := c.st.recs
	var first uint32
	if e0.n() != 0 {
		first |= recs[e0.base()].prio
	}
	if e1.n() != 0 {
		first |= recs[e1.base()].prio
	}
	if e2.n() != 0 {
		first |= recs[e2.base()].prio
	}
	best := c.scanLeaf(e0, h, c.defRec)
	best = c.scanLeaf(e1, h, best)
	best = c.scanLeaf(e2, h, best)
	if first == math.MaxUint32 && best == nil {
		// Never: keeps the loads above (their values are not needed).
		return nil
	}
	return best
}

// scanLeaf returns the first record of leaf e (priority order) that
// matches h and beats best, or best.
func (c *Classifier) scanLeaf(e ref, h *Header, best *leafRec) *leafRec {
	bound := uint32(math.MaxUint32)
	if best != nil {
		bound = best.prio
	}
	recs := c.st.recs[e.base() : e.base()+e.n()]
	for i := range recs {
		r := &recs[i]
		if r.prio > bound {
			break
		}
		if h.Src&r.srcMask != r.src || h.Dst&r.dstMask != r.dst ||
			h.DstPort < r.dLo || h.DstPort > r.dHi || h.SrcPort < r.sLo || h.SrcPort > r.sHi ||
			h.Proto&r.pMask != r.proto {
			continue
		}
		if r.bits&recFlags != 0 && !c.st.rules[r.rule].Matches(h) {
			continue
		}
		// Every later rule of the leaf sorts after this one.
		if best == nil || recLess(r, best) {
			return r
		}
		break
	}
	return best
}
