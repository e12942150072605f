package tcam

import (
	"sync/atomic"

	"github.com/l2sw/l2sw/counter"
)

// counterPageSize is the number of ACE counters per page.
const counterPageSize = 512

type counterPage [counterPageSize]counter.Owned

// counterShard is one worker's counters. Pages are only ever added (by the
// writer, before a slot that needs them is published), so a worker indexes
// them without a lock; the padding keeps two workers' directories off one
// cache line.
type counterShard struct {
	pages atomic.Pointer[[]*counterPage]
	_     [56]byte
}

// counters are per-ACE match counters sharded per dataplane worker: each
// worker adds to its own shard (a plain add, see package counter, on a line
// no other worker writes), and readers sum the shards. Workers beyond the
// shard count share one and may lose a count to each other, never more.
type counters struct {
	shards []counterShard
}

func newCounters(workers int) *counters {
	c := &counters{shards: make([]counterShard, workers)}
	for i := range c.shards {
		empty := []*counterPage{}
		c.shards[i].pages.Store(&empty)
	}
	return c
}

// grow makes room for slots [0, n). Writer only.
func (c *counters) grow(n int) {
	for i := range c.shards {
		old := *c.shards[i].pages.Load()
		if len(old)*counterPageSize >= n {
			continue
		}
		pages := append([]*counterPage(nil), old...)
		for len(pages)*counterPageSize < n {
			pages = append(pages, new(counterPage))
		}
		c.shards[i].pages.Store(&pages)
	}
}

// dirs returns every worker's page directory as of now, for a program
// to count into (see counterDir). Writer only.
func (c *counters) dirs() [][]*counterPage {
	d := make([][]*counterPage, len(c.shards))
	for i := range c.shards {
		d[i] = *c.shards[i].pages.Load()
	}
	return d
}

// counterDir returns worker's counter pages from the directories a
// program was published with: pages are only ever added, and a slot is
// allocated (its page added) before any program whose classifier holds
// it is published, so the snapshot covers every slot the program's
// classifier returns. Reading it from the program, which the lookup loads
// anyway, saves the walk from the binding to the shard to its atomic
// directory pointer on every counted packet. Workers beyond the shards
// share the first.
func counterDir(dirs [][]*counterPage, worker int) []*counterPage {
	if uint(worker) < uint(len(dirs)) {
		return dirs[worker]
	}
	if len(dirs) > 0 {
		return dirs[0]
	}
	return nil
}

// countMatch adds one match of slot to a worker's pages.
func countMatch(pages []*counterPage, slot int32) {
	if p := uint(slot) / counterPageSize; p < uint(len(pages)) {
		pages[p][uint(slot)%counterPageSize].Inc()
	}
}

func (c *counters) sum(slot int32) uint64 {
	var n uint64
	for i := range c.shards {
		pages := *c.shards[i].pages.Load()
		if p := int(slot) / counterPageSize; p < len(pages) {
			n += pages[p][int(slot)%counterPageSize].Load()
		}
	}
	return n
}

func (c *counters) clearSlot(slot int32) {
	for i := range c.shards {
		pages := *c.shards[i].pages.Load()
		if p := int(slot) / counterPageSize; p < len(pages) {
			pages[p][int(slot)%counterPageSize].Store(0)
		}
	}
}
