//go:build linux && !cam_nohugepages

package cam

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of an x86-64/arm64 transparent huge page.
const hugePage = 2 << 20

// adviseHugePages asks the kernel to back the 2 MiB-aligned part of a large
// slot array with transparent huge pages (see "Layout" in the package doc).
// It runs before the table's first store, so the first touch of each huge
// page already faults in a huge page. It is only a hint: an error (THP
// disabled, an old kernel) leaves ordinary pages, which work the same.
func adviseHugePages(s []slot) {
	size := uintptr(len(s)) * slotSize
	if size < 2*hugePage {
		return
	}
	start := uintptr(unsafe.Pointer(&s[0]))
	lo := (start + hugePage - 1) &^ (hugePage - 1)
	hi := (start + size) &^ (hugePage - 1)
	if hi <= lo {
		return
	}
	region := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(&s[0]), lo-start)), hi-lo)
	_ = unix.Madvise(region, unix.MADV_HUGEPAGE)
}
