package cef

import (
	"runtime"
	"testing"
	"unsafe"
)

func TestSlab(t *testing.T) {
	for _, n := range []int{1, 1000, hugePage / 8, 3*hugePage/8 + 5} {
		s := newSlab(n)
		if len(s.slots) != n || cap(s.slots) < n {
			t.Fatalf("newSlab(%d): len %d cap %d", n, len(s.slots), cap(s.slots))
		}
		if n*8 >= hugePage && uintptr(unsafe.Pointer(&s.slots[0]))%hugePage != 0 {
			t.Fatalf("newSlab(%d) not aligned on a huge page", n)
		}
		for i, v := range s.slots[:cap(s.slots)] {
			if v != 0 {
				t.Fatalf("newSlab(%d)[%d] = %d", n, i, v)
			}
		}
		for i := range s.slots {
			s.slots[i] = uint64(i)
		}
		if s.slots[n-1] != uint64(n-1) {
			t.Fatal("write lost")
		}
		runtime.KeepAlive(s)
	}
	runtime.GC() // the cleanups unmap; nothing may touch the slabs after
	runtime.GC()
}
