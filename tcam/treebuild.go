package tcam

import (
	"math/bits"
	"slices"
)

// Tree-shape parameters (HiCuts): leaves of at most leafSize rules, and a
// node may replicate its rules into children up to spaceFactor times.
const (
	leafSize    = 8
	spaceFactor = 4
	maxCutBits  = 8
	maxDepth    = 24
)

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
