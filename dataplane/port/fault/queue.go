package fault

import (
	"cmp"
	"container/heap"
	"slices"
	"time"

	"github.com/l2sw/l2sw/dataplane/gso"
)

// Bounds of one timed queue: beyond them a frame to delay is dropped and
// counted (Counts.Overflow), so a long delay on a busy port cannot eat the
// host's memory. 4096 frames are 80 ms of a 50 kpps flow.
const (
	maxQueued      = 4096
	maxQueuedBytes = 16 << 20
)

// reorderWait bounds how long a frame held back for reordering waits for a
// frame to overtake it; after that it goes anyway (late, not reordered).
const reorderWait = 10 * time.Millisecond

// entry is a frame copy waiting in a timed queue.
type entry struct {
	due  time.Duration // on the injector's clock
	seq  uint64        // FIFO among equal due times
	held bool          // reorder: released right after the next frame queued
	hdr  gso.Header    // egress: the frame's virtio-net header (WriteOffload)
	b    []byte        // ingress: gso.HeaderLen header bytes, then the frame; egress: the frame
}

// queue is a timed queue of frame copies: a min-heap by (due, seq), with a
// free list of buffers so that a steady delay allocates nothing.
type queue struct {
	h     []entry
	seq   uint64
	bytes int
	held  int // frames held for reordering
	free  [][]byte
}

func (q *queue) Len() int { return len(q.h) }
func (q *queue) Less(i, j int) bool {
	if q.h[i].due != q.h[j].due {
		return q.h[i].due < q.h[j].due
	}
	return q.h[i].seq < q.h[j].seq
}
func (q *queue) Swap(i, j int) { q.h[i], q.h[j] = q.h[j], q.h[i] }
func (q *queue) Push(x any)    { q.h = append(q.h, x.(entry)) }
func (q *queue) Pop() any {
	e := q.h[len(q.h)-1]
	q.h[len(q.h)-1] = entry{}
	q.h = q.h[:len(q.h)-1]
	return e
}

// full reports whether a frame of n bytes would exceed the bounds.
func (q *queue) full(n int) bool { return len(q.h) >= maxQueued || q.bytes+n > maxQueuedBytes }

// buffer returns a buffer of n bytes, reused when one is free.
func (q *queue) buffer(n int) []byte {
	for i := len(q.free) - 1; i >= 0; i-- {
		if b := q.free[i]; cap(b) >= n {
			q.free[i] = q.free[len(q.free)-1]
			q.free[len(q.free)-1] = nil
			q.free = q.free[:len(q.free)-1]
			return b[:n]
		}
	}
	return make([]byte, n, max(n, 2048))
}

// recycle returns a buffer to the free list (bounded like the queue).
func (q *queue) recycle(b []byte) {
	if len(q.free) < 256 {
		q.free = append(q.free, b[:0])
	}
}

// push queues a copy of the bytes parts (concatenated). held frames wait
// for the next frame that is not held; that frame's push releases them
// right behind it. It reports false when the queue is full.
func (q *queue) push(due time.Duration, held bool, hdr gso.Header, parts ...[]byte) bool {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if q.full(n) {
		return false
	}
	b := q.buffer(n)
	o := 0
	for _, p := range parts {
		o += copy(b[o:], p)
	}
	q.seq++
	if held {
		due += reorderWait
		q.held++
	}
	heap.Push(q, entry{due: due, seq: q.seq, held: held, hdr: hdr, b: b})
	q.bytes += n
	if !held {
		q.release(due)
	}
	return true
}

// release puts every held frame right after a frame due at due, in the
// order they were held (not the heap's, which depends on what was popped).
func (q *queue) release(due time.Duration) {
	if q.held == 0 {
		return
	}
	q.held = 0
	var held []int
	for i := range q.h {
		if q.h[i].held {
			held = append(held, i)
		}
	}
	if len(held) == 0 {
		return
	}
	slices.SortFunc(held, func(a, b int) int { return cmp.Compare(q.h[a].seq, q.h[b].seq) })
	for _, i := range held {
		q.seq++
		q.h[i].held, q.h[i].due, q.h[i].seq = false, due, q.seq
	}
	heap.Init(q)
}

// next returns the due time of the first frame; ok is false when empty.
func (q *queue) next() (time.Duration, bool) {
	if len(q.h) == 0 {
		return 0, false
	}
	return q.h[0].due, true
}

// pop removes the first frame if it is due at now (any frame when all).
func (q *queue) pop(now time.Duration, all bool) (entry, bool) {
	if len(q.h) == 0 || (!all && q.h[0].due > now) {
		return entry{}, false
	}
	e := heap.Pop(q).(entry)
	q.bytes -= len(e.b)
	if e.held {
		q.held-- // went after reorderWait without a frame to overtake it
	}
	return e, true
}
