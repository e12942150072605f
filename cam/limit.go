package cam

// hash is the bucket hash of a key under the table's seed.
func (t *Table) hash(key uint64) uint64 { return hashFlip(key, t.flip) }

// SetLimit caps the entries learning may fill at n (`mac address-table
// limit maximum N`): a source that would make the table hold more than n
// entries (static ones included) is not learned, as when the table is
// full, with the same counter and event. n <= 0 or above the capacity
// restores the capacity. Entries already there stay.
func (t *Table) SetLimit(n int) {
	if n <= 0 || int64(n) > t.capacity {
		n = int(t.capacity)
	}
	t.limit.Store(int64(n))
}

// Limit returns the cap SetLimit set, or 0 when learning may fill the
// whole capacity.
func (t *Table) Limit() int {
	if l := t.limit.Load(); l < t.capacity {
		return int(l)
	}
	return 0
}

// Seed returns the hash seed the table was made with (Config.Seed).
func (t *Table) Seed() uint64 { return t.seed }
