//go:build !linux

package cef

// newSlab returns n zeroed slots from the heap (huge pages are a Linux
// refinement: see slab_linux.go).
func newSlab(n int) *slab { return &slab{slots: make([]uint64, n)} }
