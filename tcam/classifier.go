package tcam

import (
	"math/bits"
	"slices"
	"sort"
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

// box is a rule's projection on the dimensions: [lo, hi] inclusive. For a
// non-contiguous wildcard the projection is the smallest interval holding
// every matching value; leaves still test the exact value/mask.
type box [numDims][2]uint32

func (r *Rule) box() box {
	return box{
		{r.SrcIP, r.SrcIP | ^r.SrcMask},
		{r.DstIP, r.DstIP | ^r.DstMask},
		{uint32(r.SrcPortLo), uint32(r.SrcPortHi)},
		{uint32(r.DstPortLo), uint32(r.DstPortHi)},
		{uint32(r.Proto), uint32(r.Proto) | uint32(^r.ProtoMask)},
	}
}

// region is a node's cell: per dimension an aligned block lo..lo+2^w-1.
type region struct {
	lo [numDims]uint32
	w  [numDims]uint8
}

func fullRegion() region {
	return region{w: dimWidth}
}

func (g *region) hi(d int) uint32 {
	return g.lo[d] + uint32((uint64(1)<<g.w[d])-1)
}

// node is a decision-tree node. Inner nodes cut one dimension into
// len(children) equal aligned parts; leaves hold rules in priority order.
// Nodes are immutable once published: updates copy the path they change.
type node struct {
	children []*node
	rules    []Rule
	dim      uint8
	shift    uint8
	mask     uint32
}

// Tree-shape parameters (HiCuts): leaves of at most leafSize rules, and a
// node may replicate its rules into children up to spaceFactor times.
const (
	leafSize    = 8
	spaceFactor = 4
	maxCutBits  = 8
	maxDepth    = 24
)

// Classifier is an immutable first-match packet classifier: a few decision
// trees (HiCuts-style equal-size cuts), one per partition of the rules by
// address specificity (the CutSplit idea: rules that are small in the
// source, small in the destination, or big in both are cut along different
// fields, which keeps wildcards from being replicated across the tree).
//
// Why a decision tree: lookups walk a handful of nodes and scan one short
// leaf (tens of nanoseconds, no hashing, no allocation), and first-match
// order is the leaf order, so priorities need no per-lookup comparison
// across tables as in tuple-space search. Single-rule updates copy only the
// nodes on the paths to the leaves the rule's box touches, so an insert or
// delete of a specific ACE costs microseconds and readers keep using the old
// version until the new root is published.
type Classifier struct {
	roots [numParts]*node
	n     int
}

const numParts = 3

func partOf(r *Rule) int {
	srcWild := bits.OnesCount32(^r.SrcMask)
	dstWild := bits.OnesCount32(^r.DstMask)
	switch {
	case srcWild <= 16 && srcWild <= dstWild:
		return 0
	case dstWild <= 16:
		return 1
	}
	return 2
}

// NewClassifier builds a classifier over rules (copied).
func NewClassifier(rules []Rule) *Classifier {
	var parts [numParts][]Rule
	for i := range rules {
		p := partOf(&rules[i])
		parts[p] = append(parts[p], rules[i])
	}
	c := &Classifier{n: len(rules)}
	for p := range parts {
		rs := parts[p]
		sort.SliceStable(rs, func(i, j int) bool { return ruleLess(&rs[i], &rs[j]) })
		c.roots[p] = build(rs, fullRegion(), 0)
	}
	return c
}

// Len returns the number of rules.
func (c *Classifier) Len() int { return c.n }

// Lookup returns the matching rule of lowest priority, or nil (the implicit
// deny). It allocates nothing and takes no lock.
func (c *Classifier) Lookup(h *Header) *Rule {
	key := [numDims]uint32{h.Src, h.Dst, uint32(h.SrcPort), uint32(h.DstPort), uint32(h.Proto)}
	// Walk the trees in lockstep: their node loads are independent, so the
	// CPU overlaps the cache misses of the three walks.
	n0, n1, n2 := c.roots[0], c.roots[1], c.roots[2]
	for n0.children != nil && n1.children != nil && n2.children != nil {
		n0 = n0.children[(key[n0.dim]>>n0.shift)&n0.mask]
		n1 = n1.children[(key[n1.dim]>>n1.shift)&n1.mask]
		n2 = n2.children[(key[n2.dim]>>n2.shift)&n2.mask]
	}
	for n0.children != nil {
		n0 = n0.children[(key[n0.dim]>>n0.shift)&n0.mask]
	}
	for n1.children != nil {
		n1 = n1.children[(key[n1.dim]>>n1.shift)&n1.mask]
	}
	for n2.children != nil {
		n2 = n2.children[(key[n2.dim]>>n2.shift)&n2.mask]
	}
	best := scanLeaf(n0.rules, h, nil)
	best = scanLeaf(n1.rules, h, best)
	return scanLeaf(n2.rules, h, best)
}

// scanLeaf returns the first rule of rules (priority order) that matches h
// and beats best, or best.
func scanLeaf(rules []Rule, h *Header, best *Rule) *Rule {
	for i := range rules {
		r := &rules[i]
		if best != nil && !ruleLess(r, best) {
			return best
		}
		if r.Matches(h) {
			return r
		}
	}
	return best
}

func build(rules []Rule, g region, depth int) *node {
	if len(rules) <= leafSize || depth >= maxDepth {
		return &node{rules: rules}
	}
	boxes := make([]box, len(rules))
	for i := range rules {
		boxes[i] = rules[i].box()
	}
	dim, k, ok := chooseCut(boxes, g)
	if !ok {
		return &node{rules: rules}
	}
	nc := 1 << k
	shift := g.w[dim] - uint8(k)
	children := make([][]Rule, nc)
	for i := range rules {
		a, b := childSpan(&boxes[i], &g, dim, shift, nc)
		for j := a; j <= b; j++ {
			children[j] = append(children[j], rules[i])
		}
	}
	n := &node{dim: uint8(dim), shift: shift, mask: uint32(nc - 1), children: make([]*node, nc)}
	// Identical neighbouring children share one subtree (HiCuts node
	// merging): wide rules make long runs of equal children.
	// A subtree is valid for any cell whose rules project the same way, so
	// neighbouring children whose rules all span the whole cut dimension of
	// both cells share one subtree (HiCuts node merging): wide rules make
	// long runs of such children.
	prevCovered := false
	for j := 0; j < nc; j++ {
		cg := g
		cg.w[dim] = shift
		cg.lo[dim] = g.lo[dim] + uint32(j)<<shift
		covered := true
		for i := range children[j] {
			if !spansCell(&children[j][i], dim, &cg) {
				covered = false
				break
			}
		}
		if j > 0 && covered && prevCovered && sameRules(children[j], children[j-1]) {
			n.children[j] = n.children[j-1]
			continue
		}
		prevCovered = covered
		n.children[j] = build(children[j], cg, depth+1)
	}
	return n
}

// spansCell reports whether r's projection on dim covers the cell.
func spansCell(r *Rule, dim int, cg *region) bool {
	bx := r.box()
	return bx[dim][0] <= cg.lo[dim] && bx[dim][1] >= cg.hi(dim)
}

func sameRules(a, b []Rule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Priority != b[i].Priority {
			return false
		}
	}
	return true
}

// childSpan returns the children [a, b] a box overlaps when dimension dim of
// region g is cut into nc parts of 2^shift.
func childSpan(bx *box, g *region, dim int, shift uint8, nc int) (int, int) {
	lo, hi := bx[dim][0], bx[dim][1]
	if lo < g.lo[dim] {
		lo = g.lo[dim]
	}
	if h := g.hi(dim); hi > h {
		hi = h
	}
	a := int((lo - g.lo[dim]) >> shift)
	b := int((hi - g.lo[dim]) >> shift)
	if b >= nc {
		b = nc - 1
	}
	return a, b
}

// chooseCut picks the dimension with the most distinct rule projections in
// the region and the largest power-of-two cut count whose replication stays
// within spaceFactor; ok is false when no cut separates anything.
func chooseCut(boxes []box, g region) (int, int, bool) {
	type cand struct {
		dim, distinct int
	}
	var cands []cand
	seen := make(map[[2]uint32]struct{}, len(boxes))
	for d := 0; d < numDims; d++ {
		if g.w[d] == 0 {
			continue
		}
		clear(seen)
		h := g.hi(d)
		for i := range boxes {
			lo, hi := max(boxes[i][d][0], g.lo[d]), min(boxes[i][d][1], h)
			seen[[2]uint32{lo, hi}] = struct{}{}
		}
		if len(seen) > 1 {
			cands = append(cands, cand{d, len(seen)})
		}
	}
	n := len(boxes)
	bestDim, bestK, bestMax, bestSum := 0, 0, n, 0
	for _, c := range cands {
		for k := 1; k <= maxCutBits && k <= int(g.w[c.dim]); k++ {
			nc := 1 << k
			shift := g.w[c.dim] - uint8(k)
			counts := make([]int, nc)
			sum := 0
			for i := range boxes {
				a, b := childSpan(&boxes[i], &g, c.dim, shift, nc)
				sum += b - a + 1
				for j := a; j <= b; j++ {
					counts[j]++
				}
			}
			if k > 1 && sum+nc > spaceFactor*n {
				break
			}
			m := slices.Max(counts)
			if m < bestMax || (m == bestMax && bestK > 0 && sum < bestSum) {
				bestDim, bestK, bestMax, bestSum = c.dim, k, m, sum
			}
			if m <= leafSize {
				break
			}
		}
	}
	return bestDim, bestK, bestK > 0
}

// Insert returns a new classifier with r added; c is unchanged and stays
// valid for readers that still hold it.
func (c *Classifier) Insert(r Rule) *Classifier {
	nc := *c
	p := partOf(&r)
	bx := r.box()
	nc.roots[p] = insertRule(c.roots[p], &r, &bx, fullRegion(), 0)
	nc.n++
	return &nc
}

func insertRule(n *node, r *Rule, bx *box, g region, depth int) *node {
	if n.children == nil {
		i := sort.Search(len(n.rules), func(i int) bool { return ruleLess(r, &n.rules[i]) })
		rs := make([]Rule, 0, len(n.rules)+1)
		rs = append(rs, n.rules[:i]...)
		rs = append(rs, *r)
		rs = append(rs, n.rules[i:]...)
		if len(n.rules) == 2*leafSize && depth < maxDepth {
			// The leaf just outgrew twice its size: split it now rather
			// than letting lookups degrade after many inserts (leaves that
			// were built big because no cut separates their rules are
			// not retried on every insert).
			return build(rs, g, depth)
		}
		return &node{rules: rs}
	}
	return mapChildren(n, bx, g, depth, func(ch *node, cg region) *node { return insertRule(ch, r, bx, cg, depth+1) })
}

// mapChildren copies n with f applied once to each distinct child the box
// overlaps (shared children stay shared).
func mapChildren(n *node, bx *box, g region, depth int, f func(*node, region) *node) *node {
	nc := len(n.children)
	a, b := childSpan(bx, &g, int(n.dim), n.shift, nc)
	out := &node{dim: n.dim, shift: n.shift, mask: n.mask, children: make([]*node, nc)}
	copy(out.children, n.children)
	var prevOld, prevNew *node
	for j := a; j <= b; j++ {
		old := n.children[j]
		cg := g
		cg.w[n.dim] = n.shift
		cg.lo[n.dim] = g.lo[n.dim] + uint32(j)<<n.shift
		spans := bx[n.dim][0] <= cg.lo[n.dim] && bx[n.dim][1] >= cg.hi(int(n.dim))
		if old == prevOld && spans {
			out.children[j] = prevNew
			continue
		}
		out.children[j] = f(old, cg)
		// The new subtree stays shareable with the next cell only when
		// the box spans this cell whole on the cut dimension (the sharing
		// invariant of build); otherwise each cell gets its own copy.
		prevOld, prevNew = nil, nil
		if spans {
			prevOld, prevNew = old, out.children[j]
		}
	}
	return out
}

// Delete returns a new classifier without the rules of r's ID and priority
// (both halves of a `neq`), given the rule's box.
func (c *Classifier) Delete(r Rule) *Classifier {
	nc := *c
	p := partOf(&r)
	bx := r.box()
	removed := 0
	nc.roots[p] = deleteRule(c.roots[p], &r, &bx, fullRegion(), 0, &removed)
	if removed > 0 {
		nc.n--
	}
	return &nc
}

func deleteRule(n *node, r *Rule, bx *box, g region, depth int, removed *int) *node {
	if n.children == nil {
		rs := make([]Rule, 0, len(n.rules))
		for i := range n.rules {
			if n.rules[i].ID == r.ID && n.rules[i].Priority == r.Priority && n.rules[i].box() == *bx {
				*removed = 1
				continue
			}
			rs = append(rs, n.rules[i])
		}
		return &node{rules: rs}
	}
	return mapChildren(n, bx, g, depth, func(ch *node, cg region) *node { return deleteRule(ch, r, bx, cg, depth+1, removed) })
}

// Stats describes the shape of a classifier (for tuning and the bench tool).
type Stats struct {
	Nodes, Leaves, RuleCopies, MaxLeaf, MaxDepth int
}

// Stats walks the trees.
func (c *Classifier) Stats() Stats {
	var s Stats
	seen := map[*node]bool{}
	var walk func(n *node, d int)
	walk = func(n *node, d int) {
		if seen[n] {
			return
		}
		seen[n] = true
		s.Nodes++
		s.MaxDepth = max(s.MaxDepth, d)
		if n.children == nil {
			s.Leaves++
			s.RuleCopies += len(n.rules)
			s.MaxLeaf = max(s.MaxLeaf, len(n.rules))
			return
		}
		for _, ch := range n.children {
			walk(ch, d+1)
		}
	}
	for _, r := range c.roots {
		walk(r, 0)
	}
	return s
}
