package cef

// The longest-prefix-match structure is a DIR-16-8-4-4 multibit trie with
// leaf pushing: a 65536-slot root indexed by the top 16 bits of the address,
// 256-slot blocks for the next 8 bits, and 16-slot blocks for the next 4
// and the last 4. Every slot holds either a block index or a leaf. A lookup
// is at most four dependent loads (a /24 or shorter: two) and no branches
// beyond the "is it a block" tests.
//
// A slot is 32 bits: a block index, or a leaf carrying what the forwarding
// path needs, the FIB entry index and its adjacency id. The dataplane
// therefore never reads the (large, cold) Entry to forward a packet: with
// a million prefixes the only memory miss of a lookup is the one block
// slot (the root and the adjacency table stay cached). Adjacency ids beyond
// the leaf's 9 bits, and the per-prefix counter id (counted only with `ip
// cef accounting per-prefix`), are read from the entry.
//
// The sizes are the memory: a million Internet-like prefixes (one /24 or
// shorter in nearly every /16, 6% longer than /24) touch ~56k /16s, a
// second-level block each, and ~60k /24s holding a longer prefix. At eight
// bytes a slot and 256 slots a third level, that was 234 MiB; at four
// bytes with 16-slot third and fourth levels, ~62 MiB. A /25../28 needs one
// 64-byte third-level block, a /29../32 one more at the fourth.
//
// Block indexes count units of 16 slots: a second-level block is 16 units,
// the others one. The length of the prefix that set a leaf, which updates
// need, is the entry's Len.
//
// Updates are copy-on-write so that readers never lock: the writer edits a
// private root and the blocks appended since the last publication; a block that
// a published snapshot can see is copied before it is changed. Blocks live in
// one append-only []uint32 pool (a slab: on huge pages when big): new
// blocks are appended beyond the length that published snapshots know, so
// readers never see a write. Commit copies the 256 KiB root (a few tens of
// µs) and publishes {root, pool[:len]}. The garbage (superseded blocks) is
// reclaimed by repacking the live blocks into a new pool (repack) once it
// is a quarter of them.

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
	// blockSize is the slots of a second-level block; unitSlots those of
	// a third- or fourth-level one, and the unit blocks are indexed in.
	blockSize = 256
	unitSlots = 16
	l2Units   = blockSize / unitSlots
	slotBytes = 4 // the size of a slot
	rootSize  = 1 << 16
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
		e = s.pool[uint(e&^slotBlock)*unitSlots+uint(a>>8&0xff)]
		if e&slotBlock != 0 {
			e = s.pool[uint(e&^slotBlock)*unitSlots+uint(a>>4&0xf)]
			if e&slotBlock != 0 {
				e = s.pool[uint(e&^slotBlock)*unitSlots+uint(a&0xf)]
			}
		}
	}
	runtime.KeepAlive(s) // s holds mem, which owns pool's mapping
	return e
}

// lpmWriter owns the mutable state; it is used under the table's write lock.
type lpmWriter struct {
	root *[rootSize]uint32
	pool []uint32 // in mem
	mem  *slab
	// frozen is the pool's length in units when the last snapshot was
	// published: the blocks below it are visible to readers, those
	// appended since are the writer's own (the pool only grows, and a
	// repack starts a pool no snapshot sees).
	frozen int
	dead   int // units of blocks superseded by a copy
	// retired counts the bytes of the pools given up (grown out of,
	// repacked) since the table last collected garbage; see
	// Table.reclaimPools.
	retired int
	// depth returns the length of the prefix that set a leaf (the length
	// of its FIB entry; 0 for no route).
	depth func(leaf uint32) int
}

func newLPMWriter(depth func(leaf uint32) int) *lpmWriter {
	return &lpmWriter{root: new([rootSize]uint32), depth: depth}
}

// units is the size of the pool in units, live and dead.
func (w *lpmWriter) units() int { return len(w.pool) / unitSlots }

// unitsOf is the size in units of a block a slot at level points to
// (level 1: the root).
func unitsOf(level int) int {
	if level == 1 {
		return l2Units
	}
	return 1
}

// addBlock extends the pool by a block of n units and returns its index.
// Like append, it writes only beyond the length snapshots know, and moves
// to a bigger slab when mem is full.
func (w *lpmWriter) addBlock(n int) uint64 {
	l := len(w.pool)
	if l+n*unitSlots > cap(w.pool) {
		m, slots := newSlab32(max(2*cap(w.pool), 64*blockSize))
		copy(slots, w.pool)
		w.retired += cap(w.pool) * slotBytes
		w.mem, w.pool = m, slots[:l]
	}
	w.pool = w.pool[:l+n*unitSlots]
	return uint64(l / unitSlots)
}

// newBlock appends a block of n units filled with fill and returns its index.
func (w *lpmWriter) newBlock(n int, fill uint32) uint64 {
	idx := w.addBlock(n)
	b := w.pool[idx*unitSlots : (idx+uint64(n))*unitSlots]
	for i := range b {
		b[i] = fill
	}
	return idx
}

// writable returns a block index that may be written now,
// copying block idx of n units if a published snapshot can see it.
func (w *lpmWriter) writable(idx uint64, n int) uint64 {
	if idx >= uint64(w.frozen) {
		return idx
	}
	c := w.addBlock(n)
	copy(w.pool[c*unitSlots:(c+uint64(n))*unitSlots], w.pool[idx*unitSlots:(idx+uint64(n))*unitSlots])
	w.dead += n
	return c
}

// publish freezes the current state into a snapshot: the blocks it sees
// are copied before they are next changed.
func (w *lpmWriter) publish() lpmSnap {
	root := new([rootSize]uint32)
	*root = *w.root
	w.frozen = w.units()
	return lpmSnap{root: root, pool: w.pool[:len(w.pool):len(w.pool)], mem: w.mem}
}

// rewrite applies f to every slot covered by prefix a/plen, descending into
// blocks. f returns the new slot value and whether to write it. Slots are
// indexed, never held by pointer: nested copies may reallocate pool.
func (w *lpmWriter) rewrite(a uint32, plen int, f func(old uint32) (uint32, bool)) {
	if plen <= 16 {
		first := a >> 16
		n := uint32(1) << (16 - plen)
		for i := first; i < first+n; i++ {
			w.root[i] = w.rewriteSlot(w.root[i], 1, f)
		}
		return
	}
	i := a >> 16
	b := w.ensureBlock(w.root[i], l2Units)
	w.root[i] = uint32(b) | slotBlock
	// The levels below the root: the block's base, the bits that index it,
	// and the prefix length it ends at.
	levels := [...]struct {
		shift, bits, end int
	}{{8, 8, 24}, {4, 4, 28}, {0, 4, 32}}
	for lv, l := range levels {
		base := b * unitSlots
		first := uint64(a>>l.shift) & (1<<l.bits - 1)
		if plen <= l.end {
			n := uint64(1) << (l.end - plen)
			for j := first; j < first+n; j++ {
				v := w.rewriteSlot(w.pool[base+j], lv+2, f)
				w.pool[base+j] = v
			}
			return
		}
		nb := w.ensureBlock(w.pool[base+first], 1)
		w.pool[base+first] = uint32(nb) | slotBlock
		b = nb
	}
}

// ensureBlock returns a writable block of n units for slot value s,
// expanding a leaf into a block full of that leaf; the caller stores it
// back with slotBlock.
func (w *lpmWriter) ensureBlock(s uint32, n int) uint64 {
	if s&slotBlock == 0 {
		return w.newBlock(n, s)
	}
	return w.writable(uint64(s&^slotBlock), n)
}

// rewriteSlot applies f to a slot at level (1: the root), or to every slot
// of the block it points to.
func (w *lpmWriter) rewriteSlot(s uint32, level int, f func(uint32) (uint32, bool)) uint32 {
	if s&slotBlock == 0 {
		if v, ok := f(s); ok {
			return v
		}
		return s
	}
	n := unitsOf(level)
	b := w.writable(uint64(s&^slotBlock), n)
	base := b * unitSlots
	for j := uint64(0); j < uint64(n*unitSlots); j++ {
		// pool may be reallocated by nested copies: index, do not hold pointers.
		v := w.rewriteSlot(w.pool[base+j], level+1, f)
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
	live := w.units() - w.dead
	// Room for the blocks of the next changes, so that they do not at
	// once double the new pool.
	m, pool := newSlab32((live + live/8 + 64*l2Units) * unitSlots)
	pool = pool[:0]
	var move func(s uint32, level int) uint32
	move = func(s uint32, level int) uint32 {
		if s&slotBlock == 0 {
			return s
		}
		n := unitsOf(level)
		from := uint64(s&^slotBlock) * unitSlots
		idx := len(pool) / unitSlots
		pool = append(pool, w.pool[from:from+uint64(n*unitSlots)]...)
		for j := idx * unitSlots; j < (idx+n)*unitSlots; j++ {
			pool[j] = move(pool[j], level+1)
		}
		return uint32(idx) | slotBlock
	}
	for i, s := range w.root {
		w.root[i] = move(s, 1)
	}
	w.retired += cap(w.pool) * slotBytes
	w.mem, w.pool, w.frozen, w.dead = m, pool, 0, 0
}
