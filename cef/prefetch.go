package cef

import (
	"runtime"
	"unsafe"

	"github.com/l2sw/l2sw/internal/prefetch"
)

// prefetchMin is the size of the LPM blocks plus the per-prefix counters
// from which lookups prefetch. A smaller FIB stays in the caches, where the
// out-of-order core already overlaps its misses and the extra pass over the
// batch only adds work (100k prefixes, 2.4 MiB: 4 ns a packet slower).
const prefetchMin = 8 << 20

// worthPrefetching reports whether a FIB of units LPM block units and live
// prefixes outgrows the caches.
func worthPrefetching(units, live int) bool {
	return units*unitSlots*slotBytes+live*int(unsafe.Sizeof(ctrPair{})) >= prefetchMin
}

// Prefetching reports whether PrefetchLeaves and PrefetchCounters do
// anything for the FIB as published now, so a worker can skip gathering
// addresses for a table that fits the caches.
func (t *Table) Prefetching() bool { return t.snap.Load().prefetch }

// PrefetchLeaves asks the CPU to start loading the LPM slots that lookups of
// dsts will read. A worker calls it for the packets some way ahead of the
// one it routes; with a million prefixes each lookup otherwise waits for its
// own miss on a block. The root (small and hot) is read, not prefetched;
// slots in third- and fourth-level blocks (prefixes longer than /24) are
// not reached.
func (t *Table) PrefetchLeaves(dsts []uint32) {
	s := t.snap.Load()
	if !s.prefetch {
		return
	}
	var addrs [64]uintptr
	for len(dsts) > 0 {
		n := min(len(dsts), len(addrs))
		for i, a := range dsts[:n] {
			p := &s.lpm.root[a>>16]
			if e := *p; e&slotBlock != 0 {
				p = &s.lpm.pool[uint(e&^slotBlock)*unitSlots+uint(a>>8&0xff)]
			}
			addrs[i] = uintptr(unsafe.Pointer(p))
		}
		prefetch.Lines(addrs[:n])
		dsts = dsts[n:]
	}
	runtime.KeepAlive(s) // s holds the slab the pool lives in
}

// PrefetchCounters asks the CPU to start loading what w's per-prefix
// counting of the routes dsts match reads first: their FIB entries, which
// hold the counter ids (the leaves have no room for them). It looks each
// address up, so it pays off when PrefetchLeaves ran for dsts a little
// earlier: the leaves are then cached, and the entries are the next miss.
func (w *Worker) PrefetchCounters(t *Table, dsts []uint32) {
	s := t.snap.Load()
	if !s.prefetch {
		return
	}
	// The chunk loop repeats PrefetchLeaves' on purpose: a helper taking
	// the address and prefetch functions as values made addrs escape, an
	// allocation per call on the forwarding path.
	var addrs [64]uintptr
	for len(dsts) > 0 {
		n := min(len(dsts), len(addrs))
		for i, a := range dsts[:n] {
			addrs[i] = uintptr(unsafe.Pointer(&s.entries[leafIndex(s.lpm.lookup(a))]))
		}
		prefetch.Lines(addrs[:n])
		dsts = dsts[n:]
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(w) // w.pfx owns the counter pages
}
