package tcam

import (
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/counter"
)

// recycler hands the refs and recs arrays of a store that a compaction
// retired back to a later compaction of the same binding, once no lookup
// can still be reading them. A compaction into fresh memory spent most of
// its time having the kernel fault the pages in and the runtime zero them
// (the fresh store is three times the live bytes); into a recycled store
// it only copies the live data.
//
// The grace period costs lookups nothing: the dataplane's workers
// classify only while they hold their counter shard, for a whole batch
// (Binding.Classify), so once every shard has been free, or its holder has
// finished the batch it was in, after the successor version was
// published, no lookup can still see the retired store. Shard.Do notes
// that without waiting. Binding.Lookup, which holds no shard, holds slow
// for reading instead; one free TryLock of it after the publication covers
// those.
//
// Only a binding whose TCAM has the dataplane's shards (Config.Shards)
// recycles: with shards of its own nobody holds them. The recycler is
// writer state, guarded by TCAM.mu; a nil recycler recycles nothing.
type recycler struct {
	shards *counter.Shards
	slow   *sync.RWMutex
	off    bool // stopped: a version outside the binding's lineage may read the arrays

	// retiring is the store the last compaction left, still read by the
	// published version until its successor is published.
	retiring store
	// spare is a store no published version reads; left counts the
	// shards that have not yet been free since its retirement, and
	// slowDone says a TryLock of slow succeeded since.
	spare    store
	left     *atomic.Int32
	slowDone bool

	// A compaction's scratch, writer-private: reused, not reallocated.
	movedRefs, movedRecs     []uint32 // all zero between compactions
	touchedRefs, touchedRecs []uint32
}

func newRecycler(shards *counter.Shards, slow *sync.RWMutex) *recycler {
	return &recycler{shards: shards, slow: slow}
}

// retire takes the arrays of a store a compaction just replaced.
func (r *recycler) retire(old store) {
	if r == nil || r.off {
		return
	}
	r.retiring = store{refs: old.refs[:0], recs: old.recs[:0]}
}

// published starts the grace period of the retiring store: the version
// that replaced it is now the one readers load. It replaces a spare that
// no compaction took.
func (r *recycler) published() {
	if r == nil || r.off || r.retiring.refs == nil {
		return
	}
	r.spare, r.retiring = r.retiring, store{}
	left := new(atomic.Int32)
	left.Store(int32(r.shards.Len()))
	r.left, r.slowDone = left, false
	for i := range r.shards.Len() {
		r.shards.At(i).Do(func() { left.Add(-1) })
	}
}

// take returns the spare's arrays, empty, if no reader can see them any
// more, each if it has at least the capacity asked for (nil otherwise).
func (r *recycler) take(refs, recs int) ([]ref, []leafRec) {
	if r == nil || r.off || r.spare.refs == nil || r.left.Load() != 0 {
		return nil, nil
	}
	if !r.slowDone {
		if !r.slow.TryLock() {
			return nil, nil
		}
		r.slow.Unlock()
		r.slowDone = true
	}
	s := r.spare
	r.spare = store{}
	var a []ref
	var b []leafRec
	if cap(s.refs) >= refs {
		a = s.refs[:0]
	}
	if cap(s.recs) >= recs {
		b = s.recs[:0]
	}
	return a, b
}

// scratch returns zeroed index maps of n refs and m recs for a
// compaction, and empty lists for the indices it sets in them. The
// recycler's maps are kept zeroed between compactions by done, which
// clears only the entries set (some ten thousand, where the maps span the
// whole garbage-laden store).
func (r *recycler) scratch(n, m int) (movedRefs, movedRecs, touchedRefs, touchedRecs []uint32) {
	if r == nil {
		return make([]uint32, n), make([]uint32, m), nil, nil
	}
	r.movedRefs = grown(r.movedRefs, n)
	r.movedRecs = grown(r.movedRecs, m)
	return r.movedRefs, r.movedRecs, r.touchedRefs[:0], r.touchedRecs[:0]
}

// grown returns s resliced to n, all zero, given that s is.
func grown(s []uint32, n int) []uint32 {
	if cap(s) < n {
		return make([]uint32, n, n+n/8)
	}
	return s[:n]
}

// done zeroes the index map entries a compaction set.
func (r *recycler) done(touchedRefs, touchedRecs []uint32) {
	if r == nil {
		return
	}
	for _, i := range touchedRefs {
		r.movedRefs[i] = 0
	}
	for _, i := range touchedRecs {
		r.movedRecs[i] = 0
	}
	r.touchedRefs, r.touchedRecs = touchedRefs, touchedRecs
}

// stop turns recycling off for good and lets the GC have the arrays.
func (r *recycler) stop() {
	if r == nil {
		return
	}
	r.off = true
	r.retiring, r.spare = store{}, store{}
}
