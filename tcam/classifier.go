package tcam

import (
	"math/bits"
	"sort"
)

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
// per-lookup comparison across tables as in tuple-space search: a median
// of 62-91 ns per packet on the 10k ClassBench sets. Why trees there:
// single-rule updates append copies of only the nodes on the paths to the
// leaves the rule's box touches to a store shared with the previous
// version, so an insert or delete of one ACE costs ~0.5-1 us typically
// and 1.2-1.8 us on average, compactions included (recycle.go), on 10k
// rules, and readers keep using the old version until the new one is
// published; bit vectors
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
	c.ar = newArena(&c.st, slack, 50, false)
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
