package cef

// The longest-prefix-match structure is a DIR-16-8-8 multibit trie with
// leaf pushing: a 65536-slot root indexed by the top 16 bits of the address,
// and 256-slot blocks for the next 8 and the last 8 bits. Every slot holds
// either a block index or a leaf. A lookup is at most three dependent loads
// and no branches beyond the two "is it a block" tests.
//
// A slot is 32 bits: a block index, or a leaf carrying what the forwarding
// path needs, the FIB entry index and its adjacency id. The dataplane
// therefore never reads the (large, cold) Entry to forward a packet: with
// a million prefixes the only memory miss of a lookup is the one block
// slot (the root and the adjacency table stay cached). Adjacency ids beyond
// the leaf's 9 bits, and the per-prefix counter id (counted only with `ip
// cef accounting per-prefix`), are read from the entry. Four-byte slots
// halve the pool: a million Internet-like prefixes need ~117k blocks, 117
// MiB at four bytes, 234 at eight. The length of the prefix that set a
// leaf, which updates need, is the entry's Len.
//
// Updates are copy-on-write so that readers never lock: the writer edits a
// private root and blocks allocated in the current generation; a block that
// a published snapshot can see is copied before it is changed. Blocks live in
// one append-only []uint32 pool (a slab: on huge pages when big): new blocks are appended beyond the length
// that published snapshots know, so readers never see a write. Commit copies
// the 256 KiB root (a few tens of µs) and publishes {root, pool[:len]}. The
// garbage (superseded blocks) is reclaimed by repacking the live blocks into
// a new pool (repack) once it is a quarter of them.

import "runtime"

const (
	slotBlock = 1 << 31 // slot holds a block index, not a leaf
	idxBits   = 22
	idxMask   = 1<<idxBits - 1 // FIB entry index; 0 = no route
	adjShift  = idxBits
	adjMask   = 1<<9 - 1
	// adjInEntry in a leaf's adjacency field means "the id did not fit:
	// read the entry's adjacency" (more than 510 adjacencies).
	adjInEntry = adjMask
	blockSize  = 256
	slotBytes  = 4 // the size of a slot
	rootSize   = 1 << 16
	// MaxEntries is the largest number of FIB entries (live and garbage
	// between compactions) the 22-bit leaf index can address.
	MaxEntries = idxMask
)

// makeLeaf packs a FIB entry index with its adjacency id.
func makeLeaf(idx, adj uint32) uint32 {
	if adj >= adjInEntry {
		adj = adjInEntry
	}
	return idx&idxMask | adj<<adjShift
}

func leafIndex(l uint32) uint32 { return l & idxMask }

func leafAdj(l uint32) uint32 { return l >> adjShift & adjMask }

// lpmSnap is an immutable published view.
type lpmSnap struct {
	root *[rootSize]uint32
	pool []uint32 // in mem
	mem  *slab
}

// lookup returns the leaf for a (the zero leaf: no route).
func (s *lpmSnap) lookup(a uint32) uint32 {
	e := s.root[a>>16]
	if e&slotBlock != 0 {
		e = s.pool[uint(e&^slotBlock)<<8|uint(a>>8&0xff)]
		if e&slotBlock != 0 {
			e = s.pool[uint(e&^slotBlock)<<8|uint(a&0xff)]
		}
	}
	runtime.KeepAlive(s) // s holds mem, which owns pool's mapping
	return e
}

// lpmWriter owns the mutable state; it is used under the table's write lock.
type lpmWriter struct {
	root     *[rootSize]uint32
	pool     []uint32 // in mem
	mem      *slab
	blockGen []uint32 // generation each block was allocated in
	gen      uint32
	dead     int // blocks superseded by a copy
	// retired counts the bytes of the pools given up (grown out of,
	// repacked) since the table last collected garbage; see
	// Table.reclaimPools.
	retired int
	// depth returns the length of the prefix that set a leaf (the length
	// of its FIB entry; 0 for no route).
	depth func(leaf uint32) int
}

func newLPMWriter(depth func(leaf uint32) int) *lpmWriter {
	return &lpmWriter{root: new([rootSize]uint32), gen: 1, depth: depth}
}

func (w *lpmWriter) blocks() int { return len(w.blockGen) }

// addBlock extends the pool by one block and returns its index. Like
// append, it writes only beyond the length snapshots know, and moves to a
// bigger slab when mem is full.
func (w *lpmWriter) addBlock() uint64 {
	n := len(w.pool)
	if n+blockSize > cap(w.pool) {
		m, slots := newSlab32(max(2*cap(w.pool), 64*blockSize))
		copy(slots, w.pool)
		w.retired += cap(w.pool) * slotBytes
		w.mem, w.pool = m, slots[:n]
	}
	w.pool = w.pool[:n+blockSize]
	w.blockGen = append(w.blockGen, w.gen)
	return uint64(len(w.blockGen) - 1)
}

// newBlock appends a block filled with fill and returns its index.
func (w *lpmWriter) newBlock(fill uint32) uint64 {
	idx := w.addBlock()
	b := w.pool[idx*blockSize : (idx+1)*blockSize]
	for i := range b {
		b[i] = fill
	}
	return idx
}

// writable returns a block index that may be written in this generation,
// copying block idx if a published snapshot can see it.
func (w *lpmWriter) writable(idx uint64) uint64 {
	if w.blockGen[idx] == w.gen {
		return idx
	}
	n := w.addBlock()
	copy(w.pool[n*blockSize:(n+1)*blockSize], w.pool[idx*blockSize:(idx+1)*blockSize])
	w.dead++
	return n
}

// publish freezes the current state into a snapshot and starts a new
// generation.
func (w *lpmWriter) publish() lpmSnap {
	root := new([rootSize]uint32)
	*root = *w.root
	w.gen++
	return lpmSnap{root: root, pool: w.pool[:len(w.pool):len(w.pool)], mem: w.mem}
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
	w.root[i] = uint32(b) | slotBlock
	if plen <= 24 {
		first := uint64(a>>8) & 0xff
		n := uint64(1) << (24 - plen)
		for j := first; j < first+n; j++ {
			// Index, never hold a pointer: nested copies may reallocate pool.
			idx := b*blockSize + j
			v := w.rewriteSlot(w.pool[idx], 1, f)
			w.pool[idx] = v
		}
		return
	}
	idx := b*blockSize + uint64(a>>8)&0xff
	b2 := w.ensureBlock(w.pool[idx])
	w.pool[idx] = uint32(b2) | slotBlock
	first := uint64(a) & 0xff
	n := uint64(1) << (32 - plen)
	for j := first; j < first+n; j++ {
		idx := b2*blockSize + j
		v := w.rewriteSlot(w.pool[idx], 0, f)
		w.pool[idx] = v
	}
}

// ensureBlock returns a writable block for slot value s, expanding a leaf
// into a block full of that leaf; the caller stores it back with slotBlock.
func (w *lpmWriter) ensureBlock(s uint32) uint64 {
	if s&slotBlock == 0 {
		return w.newBlock(s)
	}
	return w.writable(uint64(s &^ slotBlock))
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
	b := w.writable(uint64(s &^ slotBlock))
	base := b * blockSize
	for j := uint64(0); j < blockSize; j++ {
		// pool may be reallocated by nested copies: index, do not hold pointers.
		v := w.rewriteSlot(w.pool[base+j], below-1, f)
		w.pool[base+j] = v
	}
	return uint32(b) | slotBlock
}

// insert makes a/plen map to leaf nl: slots set by shorter or equal
// prefixes take the new leaf; slots set by longer prefixes keep theirs.
func (w *lpmWriter) insert(a uint32, plen int, nl uint32) {
	w.rewrite(a, plen, func(old uint32) (uint32, bool) {
		return nl, w.depth(old) <= plen
	})
}

// remove withdraws a/plen: the slots it set fall back to the leaf of the
// covering prefix, which the caller found in the RIB (the zero leaf for
// none).
func (w *lpmWriter) remove(a uint32, plen int, cover uint32) {
	w.rewrite(a, plen, func(old uint32) (uint32, bool) {
		return cover, w.depth(old) == plen
	})
}

// repack copies the blocks the root reaches into a new pool, in root
// order, leaving the superseded ones behind for the snapshots that still
// see them. It costs a copy of the live blocks, against a rebuild from the
// RIB: a few tens of milliseconds for a million prefixes.
func (w *lpmWriter) repack() {
	live := 0
	for _, s := range w.root {
		if s&slotBlock != 0 {
			live++
			b := uint64(s&^slotBlock) * blockSize
			for _, s2 := range w.pool[b : b+blockSize] {
				if s2&slotBlock != 0 {
					live++
				}
			}
		}
	}
	// Room for the blocks of the next changes, so that they do not at
	// once double the new pool.
	m, pool := newSlab32((live + live/8 + 64) * blockSize)
	pool = pool[:0]
	gen := make([]uint32, 0, cap(pool)/blockSize)
	move := func(s uint32) uint32 {
		from := uint64(s&^slotBlock) * blockSize
		n := uint32(len(gen))
		pool = append(pool, w.pool[from:from+blockSize]...)
		gen = append(gen, w.gen)
		return n | slotBlock
	}
	for i, s := range w.root {
		if s&slotBlock == 0 {
			continue
		}
		s = move(s)
		w.root[i] = s
		base := uint64(s&^slotBlock) * blockSize
		for j := base; j < base+blockSize; j++ {
			if pool[j]&slotBlock != 0 {
				pool[j] = move(pool[j])
			}
		}
	}
	w.retired += cap(w.pool) * slotBytes
	w.mem, w.pool, w.blockGen, w.dead = m, pool, gen, 0
}
