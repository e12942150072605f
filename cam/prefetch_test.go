package cam

import (
	"math"
	"testing"
)

// TestPrefetch: only a table of prefetchMin bytes or more prefetches, and
// prefetching any keys — more than one round of addresses, absent ones,
// zero and the largest key — neither faults nor changes the table.
func TestPrefetch(t *testing.T) {
	if New(Config{Capacity: prefetchMin / slotSize / 2}).Prefetching() { // buckets round up to a power of two
		t.Error("a table below prefetchMin prefetches")
	}
	tb := New(Config{Capacity: prefetchMin / slotSize})
	if !tb.Prefetching() {
		t.Fatalf("a table of %d slots does not prefetch", len(tb.slots))
	}
	var keys []uint64
	for i := range uint64(100) {
		if r := tb.Learn(10, hostA+i, PortID(i%4), 100); r != Learned {
			t.Fatalf("learn %d: %v", i, r)
		}
		keys = append(keys, Key(10, hostA+i), Key(20, hostA+i))
	}
	keys = append(keys, 0, math.MaxUint64, Key(MaxVLAN, macMask))
	before := tb.Stats()
	tb.Prefetch(keys)
	tb.Prefetch(nil)
	if after := tb.Stats(); after != before {
		t.Errorf("Prefetch changed the stats: %+v, then %+v", before, after)
	}
	for i := range uint64(100) {
		mustLookup(t, tb, 10, hostA+i, PortID(i%4))
		if p, ok := tb.Lookup(20, hostA+i); ok {
			t.Errorf("VLAN 20 has %x on port %d after a prefetch of its key", hostA+i, p)
		}
	}
}
