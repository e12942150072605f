package cef

// The longest-prefix-match structure is a DIR-16-8-8 multibit trie with
// leaf pushing: a 65536-slot root indexed by the top 16 bits of the address,
// and 256-slot blocks for the next 8 and the last 8 bits. Every slot holds
// either a leaf (the FIB entry index and the length of the prefix that set
// it) or a pointer to a block. A lookup is at most three dependent loads and
// no branches beyond the two "is it a block" tests.
//
// Updates are copy-on-write so that readers never lock: the writer edits a
// private root and blocks allocated in the current generation; a block that
// a published snapshot can see is copied before it is changed. Blocks live in
// one append-only []uint32 pool: new blocks are appended beyond the length
// that published snapshots know, so readers never see a write. Commit copies
// the 256 KiB root (about 10-20 µs) and publishes {root, pool[:len]}. The
// garbage (superseded blocks) is reclaimed by rebuilding from the RIB when
// it outweighs the live blocks.

const (
	slotBlock  = 1 << 31 // slot points to a block
	depthShift = 24
	depthMask  = 0x3f << depthShift
	valueMask  = 1<<depthShift - 1 // FIB entry index; 0 = no route
	blockSize  = 256
	rootSize   = 1 << 16
	// MaxEntries is the largest number of FIB entries (live and garbage
	// between compactions) the 24-bit leaf value can index.
	MaxEntries = valueMask
)

func leaf(value uint32, depth int) uint32 { return uint32(depth)<<depthShift | value }

func leafDepth(s uint32) int { return int(s&depthMask) >> depthShift }

// lpmSnap is an immutable published view.
type lpmSnap struct {
	root *[rootSize]uint32
	pool []uint32
}

// lookup returns the FIB entry index for a (0: no route).
func (s *lpmSnap) lookup(a uint32) uint32 {
	e := s.root[a>>16]
	if e&slotBlock != 0 {
		e = s.pool[(e&^slotBlock)<<8|(a>>8)&0xff]
		if e&slotBlock != 0 {
			e = s.pool[(e&^slotBlock)<<8|a&0xff]
		}
	}
	return e & valueMask
}

// lpmWriter owns the mutable state; it is used under the table's write lock.
type lpmWriter struct {
	root     *[rootSize]uint32
	pool     []uint32
	blockGen []uint32 // generation each block was allocated in
	gen      uint32
	dead     int // blocks superseded by a copy
}

func newLPMWriter() *lpmWriter {
	return &lpmWriter{root: new([rootSize]uint32), gen: 1}
}

func (w *lpmWriter) blocks() int { return len(w.blockGen) }

// newBlock appends a block filled with fill and returns its index.
func (w *lpmWriter) newBlock(fill uint32) uint32 {
	idx := uint32(len(w.blockGen))
	for range blockSize {
		w.pool = append(w.pool, fill)
	}
	w.blockGen = append(w.blockGen, w.gen)
	return idx
}

// writable returns a block index that may be written in this generation,
// copying block idx if a published snapshot can see it.
func (w *lpmWriter) writable(idx uint32) uint32 {
	if w.blockGen[idx] == w.gen {
		return idx
	}
	n := uint32(len(w.blockGen))
	w.pool = append(w.pool, w.pool[idx*blockSize:(idx+1)*blockSize]...)
	w.blockGen = append(w.blockGen, w.gen)
	w.dead++
	return n
}

// publish freezes the current state into a snapshot and starts a new
// generation.
func (w *lpmWriter) publish() *lpmSnap {
	root := new([rootSize]uint32)
	*root = *w.root
	w.gen++
	return &lpmSnap{root: root, pool: w.pool[:len(w.pool):len(w.pool)]}
}

// rewrite applies f to every slot covered by prefix a/plen, descending into
// blocks. f returns the new slot value and whether to write it.
func (w *lpmWriter) rewrite(a uint32, plen int, f func(old uint32) (uint32, bool)) {
	if plen <= 16 {
		first := a >> 16
		n := uint32(1) << (16 - plen)
		for i := first; i < first+n; i++ {
			w.root[i] = w.rewriteSlot(w.root[i], 2, f)
		}
		return
	}
	i := a >> 16
	b := w.ensureBlock(w.root[i])
	w.root[i] = b | slotBlock
	if plen <= 24 {
		first := (a >> 8) & 0xff
		n := uint32(1) << (24 - plen)
		for j := first; j < first+n; j++ {
			// Index, never hold a pointer: nested copies may reallocate pool.
			idx := b*blockSize + j
			v := w.rewriteSlot(w.pool[idx], 1, f)
			w.pool[idx] = v
		}
		return
	}
	idx := b*blockSize + (a>>8)&0xff
	b2 := w.ensureBlock(w.pool[idx])
	w.pool[idx] = b2 | slotBlock
	first := a & 0xff
	n := uint32(1) << (32 - plen)
	for j := first; j < first+n; j++ {
		idx := b2*blockSize + j
		v := w.rewriteSlot(w.pool[idx], 0, f)
		w.pool[idx] = v
	}
}

// ensureBlock returns a writable block for slot value s, expanding a leaf
// into a block full of that leaf; the caller stores it back with slotBlock.
func (w *lpmWriter) ensureBlock(s uint32) uint32 {
	if s&slotBlock == 0 {
		return w.newBlock(s)
	}
	return w.writable(s &^ slotBlock)
}

// rewriteSlot applies f to a slot, or to every slot of the block it points
// to (levels below says how deep blocks may go).
func (w *lpmWriter) rewriteSlot(s uint32, below int, f func(uint32) (uint32, bool)) uint32 {
	if s&slotBlock == 0 {
		if v, ok := f(s); ok {
			return v
		}
		return s
	}
	b := w.writable(s &^ slotBlock)
	base := b * blockSize
	for j := uint32(0); j < blockSize; j++ {
		// pool may be reallocated by nested copies: index, do not hold pointers.
		v := w.rewriteSlot(w.pool[base+j], below-1, f)
		w.pool[base+j] = v
	}
	return b | slotBlock
}

// insert makes a/plen map to value: slots set by shorter or equal prefixes
// take the new leaf; slots set by longer prefixes keep theirs.
func (w *lpmWriter) insert(a uint32, plen int, value uint32) {
	nl := leaf(value, plen)
	w.rewrite(a, plen, func(old uint32) (uint32, bool) {
		return nl, leafDepth(old) <= plen
	})
}

// remove withdraws a/plen: the slots it set fall back to the covering prefix
// (coverValue, coverLen), which the caller found in the RIB (0, 0 for none).
func (w *lpmWriter) remove(a uint32, plen int, coverValue uint32, coverLen int) {
	cl := leaf(coverValue, coverLen)
	w.rewrite(a, plen, func(old uint32) (uint32, bool) {
		return cl, leafDepth(old) == plen
	})
}
