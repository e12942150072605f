package cam

import (
	"unsafe"

	"github.com/l2sw/l2sw/internal/prefetch"
)

// prefetchMin is the slot-array size from which Prefetch does anything: a
// smaller table stays in the caches and its TLB reach, where hashing twice
// would only add work.
const prefetchMin = 8 << 20

// Prefetching reports whether Prefetch does anything for this table, so a
// caller can skip gathering keys for a table that fits the caches.
func (t *Table) Prefetching() bool { return uintptr(len(t.slots))*slotSize >= prefetchMin }

// Prefetch asks the CPU to start loading the home lines of keys (see Key)
// without waiting for them. A dataplane worker calls it for the frames a
// little ahead of the one it forwards: in a table far larger than the
// caches, each probe otherwise waits for its own cache and TLB miss, one
// frame after another, while the prefetches overlap. It changes nothing
// and is only a hint; on a table below prefetchMin it returns at once.
func (t *Table) Prefetch(keys []uint64) {
	if !t.Prefetching() {
		return
	}
	var addrs [64]uintptr
	for len(keys) > 0 {
		n := min(len(keys), len(addrs))
		for i, key := range keys[:n] {
			h := t.hash(key)
			addrs[i] = uintptr(unsafe.Pointer(&t.slots[int(h&t.bmask)*t.ways+t.homeOf(h)]))
		}
		prefetch.Lines(addrs[:n])
		keys = keys[n:]
	}
}
