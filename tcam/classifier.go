package tcam

import (
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync"
	"unsafe"
)

// Header is the classification key of one packet. For ICMP, SrcPort carries
// the ICMP type and DstPort the code (as TCAMs reuse the L4 port fields);
// for protocols without ports both are 0. Flags is the TCP flags byte.
type Header struct {
	Src, Dst         uint32
	SrcPort, DstPort uint16
	Proto            uint8
	Flags            uint8
}

// Rule is one classifier rule: a ternary/range box with a priority. An ACE
// becomes one rule (two for `neq`, which is two port intervals).
type Rule struct {
	Priority uint32 // lower wins; the ACE sequence number
	ID       int32  // the binding slot of the ACE, returned on match
	Permit   bool
	Log      bool // the ACE has `log` or `log-input`: the switch logs matches

	SrcIP, SrcMask uint32 // match when addr & mask == ip
	DstIP, DstMask uint32

	SrcPortLo, SrcPortHi uint16
	DstPortLo, DstPortHi uint16

	Proto, ProtoMask uint8
	FlagsValue       uint8 // match when flags & FlagsMask == FlagsValue
	FlagsMask        uint8
	FlagsAny         uint8 // when non-zero, at least one of these bits set
}

// Matches reports whether the packet is inside the rule.
func (r *Rule) Matches(h *Header) bool {
	return h.Src&r.SrcMask == r.SrcIP && h.Dst&r.DstMask == r.DstIP &&
		h.SrcPort >= r.SrcPortLo && h.SrcPort <= r.SrcPortHi &&
		h.DstPort >= r.DstPortLo && h.DstPort <= r.DstPortHi &&
		h.Proto&r.ProtoMask == r.Proto &&
		h.Flags&r.FlagsMask == r.FlagsValue &&
		(r.FlagsAny == 0 || h.Flags&r.FlagsAny != 0)
}

func ruleLess(a, b *Rule) bool {
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return a.ID < b.ID
}

// Linear is the reference matcher: a scan in priority order. It is the
// oracle of the differential tests and the software fallback nobody should
// have to use on thousands of rules.
type Linear struct{ rules []Rule }

// NewLinear returns a linear matcher over a copy of rules.
func NewLinear(rules []Rule) *Linear {
	rs := append([]Rule(nil), rules...)
	sort.SliceStable(rs, func(i, j int) bool { return ruleLess(&rs[i], &rs[j]) })
	return &Linear{rules: rs}
}

// Lookup returns the first matching rule or nil.
func (l *Linear) Lookup(h *Header) *Rule {
	for i := range l.rules {
		if l.rules[i].Matches(h) {
			return &l.rules[i]
		}
	}
	return nil
}

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

// hit is what a packet's verdict needs of the rule it matched, returned
// by value so Binding.Classify reads no other memory for it.
type hit struct {
	prio uint32
	id   int32
	bits uint8 // recPermit, recLog, recFound; recFlags, recVerify (bitvec)
}

// recFound marks a hit that is a match (the zero hit is none).
const recFound = 1 << 7

func hitOf(r *Rule) hit {
	rec := recOf(r, 0)
	return hit{prio: rec.prio, id: rec.id, bits: rec.bits | recFound}
}

// classify returns the hit of the rule matching h.
func (c *Classifier) classify(h *Header) hit {
	if c.bv != nil {
		var best hit
		if i := c.bv.first(h, c.live); i >= 0 {
			best = c.bv.meta[i]
		}
		if c.delta != nil {
			if d := c.delta.lookup(h); d != nil && (best.bits&recFound == 0 || d.prio < best.prio || d.prio == best.prio && d.id < best.id) {
				best = hit{prio: d.prio, id: d.id, bits: d.bits | recFound}
			}
		}
		return best
	}
	if r := c.lookup(h); r != nil {
		return hit{prio: r.prio, id: r.id, bits: r.bits | recFound}
	}
	return hit{}
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

// arena is the append-only storage versions derived from one build share:
// an update appends the leaves and blocks it copies after the newest
// version's data, so older versions (which never read past their own
// lengths) stay valid without a copy of the whole store. Only the newest
// version appends in place; an update of an older one copies the store
// first. When appended garbage outgrows the live data the store is
// compacted into a fresh arena.
type arena struct {
	mu    sync.Mutex // writers only; lookups never take it
	gen   uint64     // generation of the newest version
	live  int        // store bytes right after the last build or compaction
	slack int        // appended bytes allowed beyond twice the live size
	lens  [3]int     // refs, recs and rules right after it
	// refShare is the percentage of appended bytes that are refs.
	refShare int
}

// defaultSlack lets small classifiers take many updates between
// compactions.
const defaultSlack = 256 << 10

// newArena returns the arena of a store just built or compacted and gives
// the store room for twice as much garbage as live data (plus slack):
// appends then rarely move the store, and a compaction copies the live
// data once per that many appended bytes.
// refShare is the part of the appended bytes that are refs (the rest is
// leaf records), in percent: measured over the last round of updates, a
// guess before the first.
func newArena(s *store, slack, refShare int) *arena {
	a := &arena{live: s.bytes(), slack: slack, lens: [3]int{len(s.refs), len(s.recs), len(s.rules)}}
	a.refShare = refShare
	// A compaction sized the store already: do not copy it again for a
	// few percent.
	if r := a.refsRoom(); cap(s.refs) < r-r/8 {
		s.refs = slices.Grow(s.refs, r-len(s.refs))
	}
	if r := a.recsRoom(); cap(s.recs) < r-r/8 {
		s.recs = slices.Grow(s.recs, r-len(s.recs))
	}
	if cap(s.rules) < len(s.rules)+16 {
		s.rules = slices.Grow(s.rules, len(s.rules)/4+16)
	}
	return a
}

// refsRoom and recsRoom are the capacities that hold the live data and
// this round's garbage (with a margin), so appends do not move the store.
func (a *arena) refsRoom() int {
	return a.lens[0] + (2*a.live+a.slack)*min(a.refShare+20, 100)/100/int(unsafe.Sizeof(ref(0)))
}

func (a *arena) recsRoom() int {
	return a.lens[1] + (2*a.live+a.slack)*min(120-a.refShare, 100)/100/int(unsafe.Sizeof(leafRec{}))
}

// Tree-shape parameters (HiCuts): leaves of at most leafSize rules, and a
// node may replicate its rules into children up to spaceFactor times.
const (
	leafSize    = 8
	spaceFactor = 4
	maxCutBits  = 8
	maxDepth    = 24
)

// Classifier is an immutable first-match packet classifier, with one of
// two engines chosen by the size of the list.
//
// Up to bvMax (2048) rules: aggregated bit vectors (bitvector.go). A
// lookup is five independent small-table lookups and an AND of bitmaps,
// which the CPU overlaps, where a tree walk is a chain of dependent loads:
// ~20-25 ns on acl1_1k's trace against ~40 for the best tree found
// (ClassBench acl1, whose rules are specific in both addresses). Updates
// go beside the vectors (a live mask, a small tree of inserted rules) and
// rebuild them every so many.
//
// Beyond: decision trees, one per partition of the rules by which field
// they are specific in (the CutSplit idea: rules small in the source, in
// the destination, or only in ports are cut along different fields, which
// keeps wildcards from being replicated across a tree; see partOf), or a
// single tree for a small set whose rules do not cross-multiply. A node
// cuts one field at a window of bits chosen where its rules differ
// (HiCuts with ByteCuts' windows, see chooseCut), a tree edge is one
// packed word (see ref), and leaves are short runs of compact records in
// priority order, so a lookup is a few dependent loads and one short scan
// with no hashing and no allocation, and first-match order needs no
// per-lookup comparison across tables as in tuple-space search. ~80-100 ns
// on the 10k ClassBench sets. Why trees there: single-rule updates append
// copies of only the nodes on the paths to the leaves the rule's box
// touches to a store shared with the previous version, so an insert or
// delete of one ACE costs a few microseconds on 10k rules, and readers
// keep using the old version until the new one is published; bit vectors
// of 10k rules would be rebuilt in tens of milliseconds, and AND ten times
// the words.
//
// The first rule matching every packet (an ACL's closing `permit ip any
// any`) is kept out of the trees, where it would be in every leaf.
type Classifier struct {
	st    store
	roots [numParts]ref
	n     int
	ar    *arena
	gen   uint64
	// single: every rule is in the first tree (a small list).
	single bool
	// def is the first rule that matches every packet (an ACL's closing
	// `permit ip any any`), kept out of the trees, where it would be
	// replicated into every leaf; a lookup starts from it as the best
	// match so far. Other such rules are in the trees.
	def    *Rule
	defRec *leafRec

	// bv, for a list of at most bvMax rules, replaces the trees: the
	// rules it was built from minus those cleared in live (nil: none),
	// plus the rules inserted since (added), which are also in the small
	// tree classifier delta.
	bv    *bitvec
	live  []uint64
	dead  int
	added []Rule
	delta *Classifier
}

// part returns the tree r belongs in.
func (c *Classifier) part(r *Rule) int {
	if c.single {
		return 0
	}
	return partOf(r)
}

const numParts = 3

// partOf assigns a rule to the tree that cuts along its most specific
// field. Rules at most /16-wide in an address go to the source or the
// destination tree; rules wide in both addresses but specific in a port go
// to the third tree, which cuts along ports and protocol. Rules that are
// wide in both addresses and ports go back to an address tree if an
// address is at least a /8: mixed in the port tree, such medium prefixes
// and the port-specific rules cross-multiply (every cut along one field
// replicates the rules wide in it), which made fw1's third tree hold 132k
// leaf records for 406 rules, and made every update of a wide rule copy
// megabytes.
func partOf(r *Rule) int {
	srcWild := bits.OnesCount32(^r.SrcMask)
	dstWild := bits.OnesCount32(^r.DstMask)
	switch {
	case srcWild <= 16 && srcWild <= dstWild:
		return 0
	case dstWild <= 16:
		return 1
	case r.DstPortHi-r.DstPortLo < 1024 || r.SrcPortHi-r.SrcPortLo < 1024:
		return 2
	case srcWild <= 24 && srcWild <= dstWild:
		return 0
	case dstWild <= 24:
		return 1
	}
	return 2
}

// NewClassifier builds a classifier over rules (copied).
func NewClassifier(rules []Rule) *Classifier {
	if len(rules) <= bvMax {
		return &Classifier{n: len(rules), bv: newBitvec(rules)}
	}
	return newTrees(rules, defaultSlack)
}

// newTrees builds the decision trees over rules, with room for slack
// bytes of updates before the first compaction.
func newTrees(rules []Rule, slack int) *Classifier {
	c := build(rules, false)
	if len(rules) <= singleMax {
		// A small list is worth one tree if the rules do not
		// cross-multiply in it: one walk and one leaf instead of three.
		if one := build(rules, true); one.st.bytes() <= singleGrowth*c.st.bytes() {
			c = one
		}
	}
	c.ar = newArena(&c.st, slack, 50)
	return c
}

// singleMax is the largest list tried as one tree, singleGrowth how much
// bigger than the partitioned trees that one tree may be.
const (
	singleMax    = 2048
	singleGrowth = 3
)

func build(rules []Rule, single bool) *Classifier {
	c := &Classifier{n: len(rules), single: single}
	def := -1
	for i := range rules {
		if rules[i].catchAll() && (def < 0 || ruleLess(&rules[i], &rules[def])) {
			def = i
		}
	}
	if def >= 0 {
		c.setDefault(rules[def])
	}
	var parts [numParts][]Rule
	for i := range rules {
		if i == def {
			continue
		}
		p := 0
		if !single {
			p = partOf(&rules[i])
		}
		parts[p] = append(parts[p], rules[i])
	}
	for p := range parts {
		rs := parts[p]
		sort.SliceStable(rs, func(i, j int) bool { return ruleLess(&rs[i], &rs[j]) })
		idx := make([]uint32, len(rs))
		for i := range rs {
			idx[i] = uint32(len(c.st.rules))
			c.st.rules = append(c.st.rules, rs[i])
		}
		c.roots[p] = c.st.build(idx, fullRegion(), 0)
	}
	return c
}

// setDefault makes r the rule kept out of the trees.
func (c *Classifier) setDefault(r Rule) {
	rec := recOf(&r, 0)
	c.def, c.defRec = &r, &rec
}

// settle rebuilds the bit vectors of c once the rules deleted from or
// inserted beside them outgrow an eighth of the list (and 32): a rebuild
// of 1k rules takes ~0.3 ms, so updates pay ~3 us each on average, and
// lookups check a delta tree of at most that many rules meanwhile.
func (c *Classifier) settle() *Classifier {
	if len(c.added)+c.dead <= 32+c.n/8 {
		return c
	}
	rules := slices.Clone(c.added)
	for i := range c.bv.rules {
		if c.live == nil || c.live[i/64]&(1<<(i%64)) != 0 {
			rules = append(rules, c.bv.rules[i])
		}
	}
	return NewClassifier(rules)
}

// deltaSlack is the update room of the tree beside bit vectors, which
// holds at most a few dozen rules.
const deltaSlack = 4 << 10

// catchAll reports whether r matches every packet.
func (r *Rule) catchAll() bool {
	return r.SrcMask == 0 && r.DstMask == 0 && r.ProtoMask == 0 && r.FlagsMask == 0 && r.FlagsAny == 0 &&
		r.SrcPortLo == 0 && r.SrcPortHi == math.MaxUint16 && r.DstPortLo == 0 && r.DstPortHi == math.MaxUint16
}

// Len returns the number of rules.
func (c *Classifier) Len() int { return c.n }

// Lookup returns the matching rule of lowest priority, or nil (the implicit
// deny). It allocates nothing and takes no lock.
func (c *Classifier) Lookup(h *Header) *Rule {
	if c.bv != nil {
		var best *Rule
		if i := c.bv.first(h, c.live); i >= 0 {
			best = &c.bv.rules[i]
		}
		if c.delta != nil {
			if d := c.delta.Lookup(h); d != nil && (best == nil || ruleLess(d, best)) {
				best = d
			}
		}
		return best
	}
	switch rec := c.lookup(h); rec {
	case nil:
		return nil
	case c.defRec:
		return c.def
	default:
		return &c.st.rules[rec.rule]
	}
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
	best := c.scanLeaf(e0, h, c.defRec)
	best = c.scanLeaf(e1, h, best)
	return c.scanLeaf(e2, h, best)
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

// build appends the tree of the rules at rule-table indices idx (priority
// order) for region g and returns its root.
func (s *store) build(idx []uint32, g region, depth int) ref {
	if len(idx) <= leafSize || depth >= maxDepth {
		return s.addLeaf(idx)
	}
	boxes := make([]box, len(idx))
	for i, ri := range idx {
		boxes[i] = s.rules[ri].box()
	}
	ct, ok := chooseCut(boxes, &g)
	if !ok {
		return s.addLeaf(idx)
	}
	nc := 1 << ct.k
	children := make([][]uint32, nc)
	// covered[j]: every rule of child j spans its cell on the cut
	// dimension.
	covered := make([]bool, nc)
	for j := range covered {
		covered[j] = true
	}
	for i := range idx {
		a, b, fm, fv := boxes[i].children(ct.dim, &g, ct.shift, ct.k)
		for j := a; j <= b; j++ {
			if uint32(j)&fm != fv {
				continue
			}
			children[j] = append(children[j], idx[i])
			if covered[j] {
				cg := g.child(ct.dim, ct.shift, ct.k, j)
				covered[j] = boxes[i].spans(ct.dim, &cg)
			}
		}
	}
	base := len(s.refs)
	s.refs = append(s.refs, make([]ref, nc)...)
	// A subtree is valid for any cell whose rules project the same way, so
	// children whose rules all span the whole cut dimension of both cells
	// share one subtree (HiCuts node merging): wide rules make long runs
	// of such children.
	for j := 0; j < nc; j++ {
		if j > 0 && covered[j] && covered[j-1] && slices.Equal(children[j], children[j-1]) {
			s.refs[base+j] = s.refs[base+j-1]
			continue
		}
		s.refs[base+j] = s.build(children[j], g.child(ct.dim, ct.shift, ct.k, j), depth+1)
	}
	return innerRef(uint32(base), uint32(nc-1), ct.dim, ct.shift)
}

// cut splits a cell into 2^k children along dim by the key bits
// [shift, shift+k).
type cut struct {
	dim   int
	shift uint8
	k     int
}

// chooseCut picks the cut with the smallest largest child, preferring
// less replication on ties, among cuts whose replication stays within
// spaceFactor (one-bit cuts always qualify); ok is false when no cut
// separates anything. On an address (and the protocol) a window may end
// at any free bit where the rules that fix it disagree (the top free bit
// when none do): trying them all instead of only the highest makes
// acl1_1k's tree 5.1 levels deep instead of 6.4, for twice the build
// time (still ~60 ms for 10k rules). On a port the window is the top
// free bits.
func chooseCut(boxes []box, g *region) (cut, bool) {
	n := len(boxes)
	best, bestMax, bestSum := cut{}, n, 0
	counts := make([]int, 1<<maxCutBits)
	for d := 0; d < numDims; d++ {
		free := g.free(d)
		if free == 0 {
			continue
		}
		tops := uint32(1) << (bits.Len32(free) - 1)
		if ternaryDim(d) {
			var ones, zeros uint32
			for i := range boxes {
				fixed := boxes[i][d][1] & free
				ones |= boxes[i][d][0] & fixed
				zeros |= ^boxes[i][d][0] & fixed
			}
			if differ := ones & zeros; differ != 0 {
				tops = differ
			} else if ones|zeros == 0 {
				continue // no rule fixes a free bit: nothing to separate
			}
		}
		for ; tops != 0; tops &= tops - 1 {
			top := bits.TrailingZeros32(tops)
			// The window is the run of free bits below top.
			run := bits.LeadingZeros32(^(free << (31 - top)))
			for k := 1; k <= maxCutBits && k <= run; k++ {
				nc := 1 << k
				shift := uint8(top + 1 - k)
				clear(counts[:nc])
				sum := 0
				for i := range boxes {
					a, b, fm, fv := boxes[i].children(d, g, shift, k)
					for j := a; j <= b; j++ {
						if uint32(j)&fm == fv {
							counts[j]++
							sum++
						}
					}
				}
				if k > 1 && sum+nc > spaceFactor*n {
					break
				}
				m := slices.Max(counts[:nc])
				if m < bestMax || (m == bestMax && best.k > 0 && sum < bestSum) {
					best, bestMax, bestSum = cut{d, shift, k}, m, sum
				}
				if m <= leafSize {
					break
				}
			}
		}
	}
	return best, best.k > 0
}

// update runs one path-copying change of partition p and returns the new
// version. It appends to the shared arena when c is the newest version,
// and works on a private copy of the store otherwise.
func (c *Classifier) update(p int, f func(s *store, root ref) ref) *Classifier {
	c.ar.mu.Lock()
	defer c.ar.mu.Unlock()
	nc := *c
	if c.gen != c.ar.gen {
		// An older version: appending would overwrite what newer
		// versions appended. Give the new version its own arena; the
		// clipped capacities make the first appends copy.
		nc.st = store{
			refs:  c.st.refs[:len(c.st.refs):len(c.st.refs)],
			recs:  c.st.recs[:len(c.st.recs):len(c.st.recs)],
			rules: c.st.rules[:len(c.st.rules):len(c.st.rules)],
		}
		nc.ar = &arena{live: c.ar.live, slack: c.ar.slack, lens: c.ar.lens, refShare: c.ar.refShare}
		nc.gen = 0
	}
	nc.roots[p] = f(&nc.st, c.roots[p])
	if nc.st.bytes() > 3*nc.ar.live+nc.ar.slack {
		prev := nc.ar
		nc.compact()
		// The new arena may append in place to the rule table it shares
		// with prev: no version of prev may append there any more.
		prev.gen++
		return &nc
	}
	nc.ar.gen++
	nc.gen = nc.ar.gen
	return &nc
}

// compact copies the trees reachable from the roots into a fresh arena,
// keeping shared subtrees shared, and drops what updates left behind.
//
// Leaves are copied whole (one memmove each) and keep their rule-table
// indices: the rule table, small next to the leaves, is shared with the
// old arena (older versions never read past their own length) until its
// garbage outgrows the live rules, and only then is it compacted too.
// This keeps a compaction, which one update in some thousand pays for, to
// a copy of the live leaves and blocks.
func (c *Classifier) compact() {
	old := c.st
	var s store
	// Sized for the live data plus room for the next round of updates, so
	// newArena does not copy it again.
	refBytes := (len(old.refs) - c.ar.lens[0]) * int(unsafe.Sizeof(ref(0)))
	recBytes := (len(old.recs) - c.ar.lens[1]) * int(unsafe.Sizeof(leafRec{}))
	refShare := c.ar.refShare
	if refBytes+recBytes > 0 {
		refShare = 100 * refBytes / (refBytes + recBytes)
	}
	next := arena{live: c.ar.live, slack: c.ar.slack, lens: c.ar.lens, refShare: refShare}
	s.refs = make([]ref, 0, next.refsRoom())
	s.recs = make([]leafRec, 0, next.recsRoom())
	// Blocks, leaves and rules are named by their index; the moved slices
	// hold the new index+1 of the ones already copied (several parents
	// may share a subtree, several leaves a rule).
	movedRefs := make([]uint32, len(old.refs))
	movedRecs := make([]uint32, len(old.recs))
	remapRules := len(old.rules) > 2*c.n+256
	var movedRules []uint32
	if remapRules {
		s.rules = make([]Rule, 0, c.n+c.n/4+16)
		movedRules = make([]uint32, len(old.rules))
	} else {
		s.rules = old.rules
	}
	var walk func(e ref) ref
	walk = func(e ref) ref {
		out := e
		switch {
		case e.leaf() && e.n() == 0:
			out = out.withBase(0)
		case e.leaf():
			if m := movedRecs[e.base()]; m != 0 {
				out = out.withBase(m - 1)
				break
			}
			out = out.withBase(uint32(len(s.recs)))
			movedRecs[e.base()] = out.base() + 1
			s.recs = append(s.recs, old.recs[e.base():e.base()+e.n()]...)
			if !remapRules {
				break
			}
			for k := range s.recs[out.base():] {
				rec := &s.recs[out.base()+uint32(k)]
				if m := movedRules[rec.rule]; m != 0 {
					rec.rule = m - 1
				} else {
					movedRules[rec.rule] = uint32(len(s.rules)) + 1
					s.rules = append(s.rules, old.rules[rec.rule])
					rec.rule = uint32(len(s.rules)) - 1
				}
			}
		default:
			if m := movedRefs[e.base()]; m != 0 {
				out = out.withBase(m - 1)
				break
			}
			out = out.withBase(uint32(len(s.refs)))
			movedRefs[e.base()] = out.base() + 1
			s.refs = append(s.refs, old.refs[e.base():e.base()+e.n()+1]...)
			for j := range e.n() + 1 {
				s.refs[out.base()+j] = walk(old.refs[e.base()+j])
			}
		}
		return out
	}
	for p := range c.roots {
		c.roots[p] = walk(c.roots[p])
	}
	c.st = s
	c.ar = newArena(&c.st, c.ar.slack, refShare)
	c.gen = 0
}

// Insert returns a new classifier with r added; c is unchanged and stays
// valid for readers that still hold it. Trees copy the paths r's box
// touches; bit vectors get r in the tree beside them (and are rebuilt
// once that and the deletes since outgrow 32 + n/8 rules).
func (c *Classifier) Insert(r Rule) *Classifier {
	if c.bv != nil {
		nc := *c
		nc.added = append(c.added[:len(c.added):len(c.added)], r)
		if c.delta == nil {
			nc.delta = newTrees([]Rule{r}, deltaSlack)
		} else {
			nc.delta = c.delta.Insert(r)
		}
		nc.n++
		return nc.settle()
	}
	if r.catchAll() && (c.def == nil || ruleLess(&r, c.def)) {
		// r becomes the default; the old one goes into the trees.
		var nc *Classifier
		if c.def != nil {
			nc = c.insertTree(*c.def)
			nc.n--
		} else {
			nc = c.update(0, func(_ *store, root ref) ref { return root })
		}
		nc.setDefault(r)
		nc.n++
		return nc
	}
	return c.insertTree(r)
}

func (c *Classifier) insertTree(r Rule) *Classifier {
	bx := r.box()
	nc := c.update(c.part(&r), func(s *store, root ref) ref {
		s.rules = append(s.rules, r)
		return s.insertRule(root, uint32(len(s.rules)-1), &bx, fullRegion(), 0)
	})
	nc.n++
	return nc
}

func (s *store) insertRule(e ref, ri uint32, bx *box, g region, depth int) ref {
	if e.leaf() {
		r := &s.rules[ri]
		i := uint32(sort.Search(int(e.n()), func(k int) bool { return ruleLess(r, &s.rules[s.recs[e.base()+uint32(k)].rule]) }))
		if int(e.n()) == 2*leafSize && depth < maxDepth {
			// The leaf just outgrew twice its size: split it now rather
			// than letting lookups degrade after many inserts (leaves that
			// were built big because no cut separates their rules are
			// not retried on every insert).
			idx := make([]uint32, 0, e.n()+1)
			for k := range e.n() {
				if k == i {
					idx = append(idx, ri)
				}
				idx = append(idx, s.recs[e.base()+k].rule)
			}
			if i == e.n() {
				idx = append(idx, ri)
			}
			return s.build(idx, g, depth)
		}
		// Appends may move s.recs: copy by index.
		base := len(s.recs)
		for k := range i {
			s.recs = append(s.recs, s.recs[e.base()+k])
		}
		s.recs = append(s.recs, recOf(r, ri))
		for k := i; k < e.n(); k++ {
			s.recs = append(s.recs, s.recs[e.base()+k])
		}
		return leafRef(uint32(base), e.n()+1)
	}
	return s.mapChildren(e, bx, g, func(ch ref, cg region) ref { return s.insertRule(ch, ri, bx, cg, depth+1) })
}

// mapChildren copies inner ref e's block with f applied once to each
// distinct child the box overlaps (shared children stay shared).
func (s *store) mapChildren(e ref, bx *box, g region, f func(ref, region) ref) ref {
	nc := int(e.n()) + 1
	k := bits.Len32(e.n())
	a, b, fm, fv := bx.children(int(e.dim()), &g, e.shift(), k)
	base := uint32(len(s.refs))
	s.refs = append(s.refs, s.refs[e.base():e.base()+uint32(nc)]...)
	var prevOld, prevNew ref
	havePrev := false
	for j := a; j <= b; j++ {
		if uint32(j)&fm != fv {
			continue
		}
		old := s.refs[e.base()+uint32(j)]
		cg := g.child(int(e.dim()), e.shift(), k, j)
		spans := bx.spans(int(e.dim()), &cg)
		if havePrev && old == prevOld && spans {
			s.refs[base+uint32(j)] = prevNew
			continue
		}
		ch := f(old, cg)
		s.refs[base+uint32(j)] = ch
		// The new subtree stays shareable with the next cell only when
		// the box spans this cell whole on the cut dimension (the sharing
		// invariant of build); otherwise each cell gets its own copy.
		havePrev = spans
		prevOld, prevNew = old, ch
	}
	out := e
	out = out.withBase(base)
	return out
}

// Delete returns a new classifier without the rules of r's ID and priority
// (both halves of a `neq`), given the rule's box.
func (c *Classifier) Delete(r Rule) *Classifier {
	bx := r.box()
	if c.bv != nil {
		nc := *c
		k := ruleKey{r.ID, r.Priority, bx}
		if c.delta != nil && slices.ContainsFunc(c.added, func(a Rule) bool { return keyOf(&a) == k }) {
			nc.added = slices.DeleteFunc(slices.Clone(c.added), func(a Rule) bool { return keyOf(&a) == k })
			nc.n -= len(c.added) - len(nc.added)
			nc.delta = c.delta.Delete(r)
			if len(nc.added) == 0 {
				nc.delta = nil
			}
		}
		for _, i := range c.bv.pos[k] {
			if nc.live == nil {
				nc.live = make([]uint64, c.bv.w)
				for j := range nc.live {
					nc.live[j] = math.MaxUint64
				}
			} else if &nc.live[0] == &c.live[0] {
				nc.live = slices.Clone(c.live)
			}
			if nc.live[i/64]&(1<<(i%64)) != 0 {
				nc.live[i/64] &^= 1 << (i % 64)
				nc.dead++
				nc.n--
			}
		}
		return nc.settle()
	}
	if d := c.def; d != nil && d.ID == r.ID && d.Priority == r.Priority && d.box() == bx {
		nc := c.update(0, func(_ *store, root ref) ref { return root })
		nc.def, nc.defRec = nil, nil
		nc.n--
		return nc
	}
	removed := false
	nc := c.update(c.part(&r), func(s *store, root ref) ref {
		return s.deleteRule(root, &r, &bx, fullRegion(), &removed)
	})
	if removed {
		nc.n--
	}
	return nc
}

func (s *store) deleteRule(e ref, r *Rule, bx *box, g region, removed *bool) ref {
	if e.leaf() {
		base := len(s.recs)
		for k := e.base(); k < e.base()+e.n(); k++ {
			o := &s.rules[s.recs[k].rule]
			if o.ID == r.ID && o.Priority == r.Priority && o.box() == *bx {
				*removed = true
				continue
			}
			s.recs = append(s.recs, s.recs[k])
		}
		return leafRef(uint32(base), uint32(len(s.recs)-base))
	}
	return s.mapChildren(e, bx, g, func(ch ref, cg region) ref { return s.deleteRule(ch, r, bx, cg, removed) })
}

// Stats describes the shape of a classifier (for tuning and the bench tool).
type Stats struct {
	Nodes, Leaves, RuleCopies, MaxLeaf, MaxDepth int // the trees
	Classes                                      int // the bit vectors: field classes
	Bytes                                        int // the lookup structures' size
}

// Stats walks the trees, or counts the bit vectors' classes (and the
// trees of rules inserted beside them).
func (c *Classifier) Stats() Stats {
	if c.bv != nil {
		var s Stats
		if c.delta != nil {
			s = c.delta.Stats()
		}
		for d := range c.bv.dims {
			s.Classes += len(c.bv.dims[d].agg)
		}
		s.Bytes += c.bv.bytes()
		return s
	}
	s := Stats{Bytes: c.st.bytes()}
	seen := map[ref]bool{}
	var walk func(e ref, d int)
	walk = func(e ref, d int) {
		if seen[e] {
			return
		}
		seen[e] = true
		s.Nodes++
		s.MaxDepth = max(s.MaxDepth, d)
		if e.leaf() {
			s.Leaves++
			s.RuleCopies += int(e.n())
			s.MaxLeaf = max(s.MaxLeaf, int(e.n()))
			return
		}
		for j := range e.n() + 1 {
			walk(c.st.refs[e.base()+j], d+1)
		}
	}
	for _, r := range c.roots {
		walk(r, 0)
	}
	return s
}
