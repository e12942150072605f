package cef

import "unsafe"

// A slab is a zeroed []uint64 for the big lookup arrays (the LPM block
// pool, the per-prefix counters). With a million prefixes they span tens
// of megabytes touched at random, one line per packet, and with 4 KiB pages
// nearly every access also misses the TLB and walks the page table: a
// second dependent miss. The Go heap gets no transparent huge pages when
// the kernel leaves them to madvise, so slabs of 2 MiB and more are mapped
// directly and advised MADV_HUGEPAGE; smaller ones, or any mapping error,
// fall back to the heap. The mapping is released by a cleanup once the
// slab is unreachable, so whoever indexes slots must keep its slab (or a
// struct holding it) alive while it does: readers use runtime.KeepAlive.
// Other systems and race builds always use the heap (slab_other.go).
type slab struct {
	slots []uint64
}

const hugePage = 2 << 20 // the x86-64 transparent huge page

// newSlab32 returns a slab of at least n zeroed 32-bit slots and them.
func newSlab32(n int) (*slab, []uint32) {
	m := newSlab((n + 1) / 2)
	return m, unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(m.slots))), 2*len(m.slots))[:n]
}
