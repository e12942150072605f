package cef

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

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
type slab struct {
	slots []uint64
}

const hugePage = 2 << 20 // the x86-64 transparent huge page

func newSlab(n int) *slab {
	size := (n*8 + hugePage - 1) &^ (hugePage - 1)
	if n*8 < hugePage {
		return &slab{slots: make([]uint64, n)}
	}
	// Over-map by one huge page to align the slots on a huge page boundary.
	m, err := unix.Mmap(-1, 0, size+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return &slab{slots: make([]uint64, n)}
	}
	off := int(-uintptr(unsafe.Pointer(&m[0])) & (hugePage - 1))
	_ = unix.Madvise(m[off:off+size], unix.MADV_HUGEPAGE) // advice only: 4 KiB pages still work
	s := &slab{slots: unsafe.Slice((*uint64)(unsafe.Pointer(&m[off])), size/8)[:n]}
	runtime.AddCleanup(s, func(m []byte) { _ = unix.Munmap(m) }, m)
	return s
}
