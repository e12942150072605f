//go:build !linux || race

package cef

// slabHuge says whether big slabs are mapped on huge pages.
const slabHuge = false

// newSlab returns n zeroed slots from the heap. Huge pages are a Linux
// refinement (slab_linux.go), left out of race builds so that the race
// detector, which ignores memory outside the Go heap, sees every access.
func newSlab(n int) *slab { return &slab{slots: make([]uint64, n)} }
