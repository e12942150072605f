package tcam

import (
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync"
	"unsafe"
)

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
	// reserved: the store has its room for updates. A build leaves it
	// out until the first update, so a list that is never edited costs
	// its live bytes only, not three times as many.
	reserved bool
	// rec, if set, hands the arrays of stores that compactions retire
	// back to later compactions (see recycler).
	rec *recycler
	// maxRefs and maxRecs are the most one update appended.
	maxRefs, maxRecs int
}

// defaultSlack lets small classifiers take many updates between
// compactions.
const defaultSlack = 256 << 10

// newArena returns the arena of a store just built or compacted. With
// reserve it gives the store room for twice as much garbage as live data
// (plus slack): appends then do not move the store, and a compaction
// copies the live data once per that many appended bytes. refShare is the
// part of the appended bytes that are refs (the rest is leaf records), in
// percent: measured over the last round of updates, a guess before the
// first.
func newArena(s *store, slack, refShare int, reserve bool) *arena {
	a := &arena{live: s.bytes(), slack: slack, lens: [3]int{len(s.refs), len(s.recs), len(s.rules)}}
	a.refShare = refShare
	if reserve {
		a.reserve(s)
	}
	return a
}

// reserve grows s to the arena's rooms.
func (a *arena) reserve(s *store) {
	a.reserved = true
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
}

// refsRoom and recsRoom are the capacities that hold the live data and
// this round's garbage (with a margin), so appends do not move the store.
func (a *arena) refsRoom() int {
	return a.lens[0] + (2*a.live+a.slack)*min(a.refShare+20, 100)/100/int(unsafe.Sizeof(ref(0)))
}

func (a *arena) recsRoom() int {
	return a.lens[1] + (2*a.live+a.slack)*min(120-a.refShare, 100)/100/int(unsafe.Sizeof(leafRec{}))
}

// full reports whether the store is due for a compaction: its garbage
// reached twice the live bytes (plus slack), or refs or recs are within a
// sixteenth of their room, or of twice the biggest update (at most a
// quarter of the room), of the end of their capacity, where the next
// appends would move (and copy) the whole store, only to compact it soon
// after.
func (a *arena) full(s *store) bool {
	if s.bytes() > 3*a.live+a.slack {
		return true
	}
	if !a.reserved {
		return false
	}
	low := func(n, c, live, most int) bool {
		room := c - live
		return c-n < max(room/16, min(2*most, room/4))
	}
	return low(len(s.refs), cap(s.refs), a.lens[0], a.maxRefs) || low(len(s.recs), cap(s.recs), a.lens[1], a.maxRecs)
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
		// The new version reads arrays that the recycler may hand
		// out: recycling stops for good (a Binding never updates an
		// older version).
		c.ar.rec.stop()
	} else if !nc.ar.reserved {
		nc.ar.reserve(&nc.st)
	}
	n0, n1 := len(nc.st.refs), len(nc.st.recs)
	nc.roots[p] = f(&nc.st, c.roots[p])
	nc.ar.maxRefs = max(nc.ar.maxRefs, len(nc.st.refs)-n0)
	nc.ar.maxRecs = max(nc.ar.maxRecs, len(nc.st.recs)-n1)
	if nc.ar.full(&nc.st) {
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
	rec := c.ar.rec
	s.refs, s.recs = rec.take(next.refsRoom(), next.recsRoom())
	if s.refs == nil {
		// A fresh array is sized with a margin, so that the next
		// compaction can reuse it though the live data grew a little.
		r := next.refsRoom()
		s.refs = make([]ref, 0, r+r/8)
	}
	if s.recs == nil {
		r := next.recsRoom()
		s.recs = make([]leafRec, 0, r+r/8)
	}
	// Blocks, leaves and rules are named by their index; the moved slices
	// hold the new index+1 of the ones already copied (several parents
	// may share a subtree, several leaves a rule).
	movedRefs, movedRecs, touchedRefs, touchedRecs := rec.scratch(len(old.refs), len(old.recs))
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
			touchedRecs = append(touchedRecs, e.base())
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
			touchedRefs = append(touchedRefs, e.base())
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
	rec.done(touchedRefs, touchedRecs)
	c.st = s
	maxRefs, maxRecs := c.ar.maxRefs, c.ar.maxRecs
	c.ar = newArena(&c.st, c.ar.slack, refShare, true)
	c.ar.rec, c.ar.maxRefs, c.ar.maxRecs = rec, maxRefs, maxRecs
	// Versions before this one still read old's refs and recs; the
	// recycler keeps them until the next version is published and every
	// reader has moved on.
	rec.retire(old)
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
		nr := recOf(&s.rules[ri], ri)
		// The leaf's records name their rule's order (priority, ID)
		// themselves: no load from the rule table per probe.
		recs := s.recs[e.base() : e.base()+e.n()]
		i := uint32(sort.Search(len(recs), func(k int) bool { return recLess(&nr, &recs[k]) }))
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
				idx = append(idx, recs[k].rule)
			}
			if i == e.n() {
				idx = append(idx, ri)
			}
			return s.build(idx, g, depth)
		}
		// recs stays valid if an append moves s.recs (old versions read
		// the old array): copy from it in bulk.
		base := len(s.recs)
		s.recs = append(s.recs, recs[:i]...)
		s.recs = append(s.recs, nr)
		s.recs = append(s.recs, recs[i:]...)
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
		recs := s.recs[e.base() : e.base()+e.n()]
		base, from := len(s.recs), 0
		for k := range recs {
			// The record's ID and priority first: the rule table only
			// for the box of a candidate.
			if recs[k].id != r.ID || recs[k].prio != r.Priority || s.rules[recs[k].rule].box() != *bx {
				continue
			}
			*removed = true
			s.recs = append(s.recs, recs[from:k]...)
			from = k + 1
		}
		if from == 0 {
			return e // not in this leaf: nothing to copy
		}
		s.recs = append(s.recs, recs[from:]...)
		return leafRef(uint32(base), uint32(len(s.recs)-base))
	}
	return s.mapChildren(e, bx, g, func(ch ref, cg region) ref { return s.deleteRule(ch, r, bx, cg, removed) })
}
