package tcam

import (
	"cmp"
	"math/bits"
	"slices"
	"sort"
	"unsafe"
)

// bitvec is the engine of small lists (Aggregated Bit Vectors, Baboescu
// and Varghese): per header field, the values are split into classes
// that match the same rules, and each class holds the bitmap of those
// rules in priority order. A lookup finds the five classes (independent
// table lookups the CPU runs in parallel, where a tree walk is a chain of
// dependent loads), ANDs their bitmaps a word at a time, starting with
// the words the classes' summaries say are non-zero in all five, and the
// lowest set bit is the first matching rule. On acl1_1k's trace that is
// ~17 ns against ~40 for the best decision tree.
//
// A bitvec is immutable. Updates go around it (see Classifier.Insert):
// deleted rules are cleared from a live mask, inserted rules go to a small
// tree beside it, and once those exceed a share of the list it is rebuilt.
type bitvec struct {
	w     int   // words per bitmap
	meta  []hit // the rules in priority order: bit i is meta[i], rules[i]
	rules []Rule
	dims  [numDims]bvDim
	// pos finds a rule's bits by its identity, for Delete.
	pos map[ruleKey][]int32
}

// ruleKey is what Delete identifies a rule by.
type ruleKey struct {
	id   int32
	prio uint32
	bx   box
}

func keyOf(r *Rule) ruleKey { return ruleKey{r.ID, r.Priority, r.box()} }

// bvDim maps one header field to its class. A value's class is in top,
// indexed by its top bits, or, where a class boundary falls inside that
// block, in a 256-entry block of sub indexed by the next 8 bits (and so
// on down to single values). Entries are 16 bits, half the cache
// footprint of 32: an address field's top table is 128 KiB, and the
// lookups of spread traffic miss less.
type bvDim struct {
	top   []uint16
	sub   []uint16
	shift uint8    // the field width minus the bits top is indexed by
	agg   []uint64 // per class: bit i set when word i of its bitmap is
	words []uint64 // per class, w words: the rules matching the class
}

// bvSub marks a table entry that names a block of sub (its number, the
// entry's other 15 bits) rather than a class.
const bvSub = 1 << 15

// A list of bvMax rules has at most 2*bvMax+1 class boundaries per field,
// so as many classes, and each boundary opens at most one block per level
// below top (three at most): both must fit the 15 bits of an entry.
const _ = uint16(bvSub - 1 - 3*(2*bvMax+1))

// class returns the class of value v.
func (d *bvDim) class(v uint32) uint32 {
	// The shifts are below 32 by construction; saying so (&31) spares
	// the compiler's guard for larger ones on every level.
	e := uint32(d.top[v>>(d.shift&31)])
	for sh := d.shift; e&bvSub != 0; {
		sh -= 8
		e = uint32(d.sub[(e&^bvSub)<<8|v>>(sh&31)&0xff])
	}
	return e
}

// class16 is class for a 16-bit field (a port), whose top table always
// takes the top 8 bits: one sub level at most, shifts known.
func (d *bvDim) class16(v uint16) uint32 {
	e := uint32(d.top[v>>8])
	if e&bvSub != 0 {
		e = uint32(d.sub[(e&^bvSub)<<8|uint32(v&0xff)])
	}
	return e
}

// bvMax is the largest list the bit vectors serve: lookups AND up to
// bvMax/64 words per field, and the summary is one word.
const bvMax = 2048

// recVerify marks a bitvec record whose projections on the fields are
// wider than the rule (a non-contiguous wildcard, a partial protocol
// mask): a set bit is a candidate the full rule confirms.
const recVerify = 1 << 3

// newBitvec builds the bit vectors of rules (at most bvMax).
func newBitvec(rules []Rule) *bitvec {
	rs := slices.Clone(rules)
	sort.SliceStable(rs, func(i, j int) bool { return ruleLess(&rs[i], &rs[j]) })
	b := &bitvec{w: (len(rs) + 63) / 64, rules: rs, pos: make(map[ruleKey][]int32, len(rs))}
	ivs := make([][numDims][2]uint32, len(rs))
	for i := range rs {
		r := &rs[i]
		b.meta = append(b.meta, hitOf(r))
		k := keyOf(r)
		b.pos[k] = append(b.pos[k], int32(i))
		// A value with bits outside its mask never matches (Rule.Matches):
		// leave that to the full rule too.
		exact := r.SrcIP&^r.SrcMask == 0 && r.DstIP&^r.DstMask == 0 && r.Proto&^r.ProtoMask == 0
		bx := r.box()
		for d := range numDims {
			lo, hi := bx[d][0], bx[d][1]
			if ternaryDim(d) {
				// The smallest interval holding value/mask; exact for a
				// prefix (the wildcard bits are the low ones).
				wild := ^hi & dimBits[d]
				exact = exact && wild&(wild+1) == 0
				hi = lo | wild
			}
			ivs[i][d] = [2]uint32{lo, hi}
		}
		if !exact {
			b.meta[i].bits |= recVerify
		}
	}
	for d := range numDims {
		b.dims[d] = buildBVDim(ivs, d, b.w)
	}
	return b
}

// buildBVDim builds field d's classes and tables from the rules'
// intervals on it.
func buildBVDim(ivs [][numDims][2]uint32, d int, w int) bvDim {
	width := dimWidth[d]
	fieldMax := uint64(dimBits[d])
	// Class boundaries: every interval's start and end+1. A rule whose
	// interval is empty on some field never matches and sets no bit.
	type event struct {
		at   uint64
		rule int
		add  bool
	}
	var evs []event
	pts := []uint64{0}
	for i := range ivs {
		if empty(&ivs[i]) {
			continue
		}
		lo, hi := uint64(ivs[i][d][0]), uint64(ivs[i][d][1])
		evs = append(evs, event{lo, i, true})
		pts = append(pts, lo)
		if hi < fieldMax {
			evs = append(evs, event{hi + 1, i, false})
			pts = append(pts, hi+1)
		}
	}
	slices.Sort(pts)
	pts = slices.Compact(pts)
	slices.SortFunc(evs, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	// Sweep the intervals between boundaries, keeping the bitmap of the
	// rules that cover the current one; equal bitmaps are one class.
	var dim bvDim
	classes := map[string]uint32{}
	ivClass := make([]uint32, len(pts))
	cur := make([]uint64, w)
	e := 0
	for k, at := range pts {
		for ; e < len(evs) && evs[e].at == at; e++ {
			if evs[e].add {
				cur[evs[e].rule/64] |= 1 << (evs[e].rule % 64)
			} else {
				cur[evs[e].rule/64] &^= 1 << (evs[e].rule % 64)
			}
		}
		key := unsafe.String((*byte)(unsafe.Pointer(unsafe.SliceData(cur))), len(cur)*8)
		c, ok := classes[key]
		if !ok {
			c = uint32(len(dim.agg))
			classes[string(append([]byte(nil), key...))] = c
			var agg uint64
			for i, x := range cur {
				if x != 0 {
					agg |= 1 << i
				}
			}
			dim.agg = append(dim.agg, agg)
			dim.words = append(dim.words, cur...)
		}
		ivClass[k] = c
	}
	// The tables: an entry is a class when its block holds no boundary.
	// An address gets a 64K-entry top table (most lookups end there) once
	// the list has boundaries enough to fill it; a short list, and a port
	// or the protocol, a 256-entry one.
	topBits := uint8(8)
	if width == 32 && len(pts) > 64 {
		topBits = 16
	}
	dim.shift = width - topBits
	// fill returns the entry of the block [lo, lo+2^bitsLeft), whose
	// first value is in class interval k. Blocks are filled in order, so
	// k only moves forward.
	var fill func(lo uint64, bitsLeft uint8, k int) uint16
	fill = func(lo uint64, bitsLeft uint8, k int) uint16 {
		if k+1 == len(pts) || pts[k+1] > lo+(1<<bitsLeft)-1 {
			return uint16(ivClass[k])
		}
		base := len(dim.sub)
		dim.sub = append(dim.sub, make([]uint16, 256)...)
		step := bitsLeft - 8
		for j := range uint64(256) {
			at := lo + j<<step
			for k+1 < len(pts) && pts[k+1] <= at {
				k++
			}
			if k+1 == len(pts) || pts[k+1] > at+(1<<step)-1 {
				dim.sub[base+int(j)] = uint16(ivClass[k])
			} else {
				e := fill(at, step, k) // appends to dim.sub: index it after the call
				dim.sub[base+int(j)] = e
			}
		}
		return uint16(base/256) | bvSub
	}
	dim.top = make([]uint16, 1<<topBits)
	k := 0
	for j := range dim.top {
		lo := uint64(j) << dim.shift
		for k+1 < len(pts) && pts[k+1] <= lo {
			k++
		}
		if k+1 == len(pts) || pts[k+1] > lo+(1<<dim.shift)-1 {
			dim.top[j] = uint16(ivClass[k])
		} else {
			dim.top[j] = fill(lo, dim.shift, k)
		}
	}
	return dim
}

// empty reports whether an interval of the box is empty (the rule can
// match nothing).
func empty(iv *[numDims][2]uint32) bool {
	for d := range numDims {
		if iv[d][0] > iv[d][1] {
			return true
		}
	}
	return false
}

// first returns the index of the first rule that matches h and is in
// live (nil: all are), or -1.
func (b *bitvec) first(h *Header, live []uint64) int {
	c0 := b.dims[dimSrc].class(h.Src)
	c1 := b.dims[dimDst].class(h.Dst)
	c2 := b.dims[dimSport].class16(h.SrcPort)
	c3 := b.dims[dimDport].class16(h.DstPort)
	c4 := uint32(b.dims[dimProto].top[h.Proto]) // 8 bits, all in top
	agg := b.dims[dimSrc].agg[c0] & b.dims[dimDst].agg[c1] & b.dims[dimSport].agg[c2] &
		b.dims[dimDport].agg[c3] & b.dims[dimProto].agg[c4]
	w := uint32(b.w)
	for ; agg != 0; agg &= agg - 1 {
		i := uint32(bits.TrailingZeros64(agg))
		m := b.dims[dimSrc].words[c0*w+i] & b.dims[dimDst].words[c1*w+i] & b.dims[dimSport].words[c2*w+i] &
			b.dims[dimDport].words[c3*w+i] & b.dims[dimProto].words[c4*w+i]
		if live != nil {
			m &= live[i]
		}
		for ; m != 0; m &= m - 1 {
			k := int(i)*64 + bits.TrailingZeros64(m)
			if b.meta[k].bits&(recFlags|recVerify) == 0 || b.rules[k].Matches(h) {
				return k
			}
		}
	}
	return -1
}

// bytes is the size of the bit vectors, for Stats.
func (b *bitvec) bytes() int {
	n := len(b.meta)*int(unsafe.Sizeof(hit{})) + len(b.rules)*int(unsafe.Sizeof(Rule{}))
	for d := range b.dims {
		n += 2*(len(b.dims[d].top)+len(b.dims[d].sub)) + 8*(len(b.dims[d].agg)+len(b.dims[d].words))
	}
	return n
}
