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
		if slabHuge && n*8 >= hugePage && uintptr(unsafe.Pointer(&s.slots[0]))%hugePage != 0 {
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

// Counter ids in the small heap pages and in the huge pages count alike.
func TestPagedCounters(t *testing.T) {
	var p paged
	ids := []uint32{0, 5, smallSize, hugeSize - 1, hugeSize, hugeSize + 7, 5*hugeSize + 3, MaxEntries - 1}
	for i, id := range ids {
		if pk, b := p.get(id); pk != 0 || b != 0 {
			t.Fatalf("id %d: %d/%d before counting", id, pk, b)
		}
		for range i + 1 {
			p.add(id, 10)
		}
	}
	for i, id := range ids {
		if pk, b := p.get(id); pk != uint64(i+1) || b != uint64(10*(i+1)) {
			t.Fatalf("id %d: %d/%d, want %d/%d", id, pk, b, i+1, 10*(i+1))
		}
	}
	p.reset(hugeSize + 7)
	if pk, _ := p.get(hugeSize + 7); pk != 0 {
		t.Fatal("reset kept the count")
	}
	if pk, _ := p.get(hugeSize + 8); pk != 0 {
		t.Fatal("a neighbour counted")
	}
	if n := testing.AllocsPerRun(100, func() { p.add(3*hugeSize+1, 1); p.add(9, 1) }); n != 0 {
		t.Fatalf("add allocates %v once the pages exist", n)
	}
}
