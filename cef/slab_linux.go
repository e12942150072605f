//go:build linux && !race

package cef

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// slabHuge says whether big slabs are mapped on huge pages.
const slabHuge = true

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
