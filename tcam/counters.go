package tcam

import (
	"sync/atomic"

	"github.com/l2sw/l2sw/counter"
)

// counterPageSize is the number of ACE counters per page.
const counterPageSize = 512

type counterPage [counterPageSize]counter.Cell

// counterShard is one worker's counters. Pages are only ever added (by the
// writer, before a slot that needs them is published), so a worker indexes
// them without a lock; the padding keeps two workers' directories off one
// cache line.
type counterShard struct {
	pages atomic.Pointer[[]*counterPage]
	_     [56]byte
}

// counters are per-ACE match counters sharded per dataplane worker: each
// worker adds to its own shard's pages with plain adds while it holds that
// counter.Shard, and readers sum the shards, each under its lock.
type counters struct {
	locks  *counter.Shards
	shards []counterShard
	dir    [][]*counterPage // dirs' last result, until grow adds pages (writer only)
}

func newCounters(locks *counter.Shards) *counters {
	c := &counters{locks: locks, shards: make([]counterShard, locks.Len())}
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
		c.dir = nil
	}
}

// dirs returns every worker's page directory as of now, for a program
// to count into (see counterDir). Programs share it (it is never written
// once returned): one ACE edit publishes a program or two, and most add
// no page. Writer only.
func (c *counters) dirs() [][]*counterPage {
	if c.dir != nil {
		return c.dir
	}
	d := make([][]*counterPage, len(c.shards))
	for i := range c.shards {
		d[i] = *c.shards[i].pages.Load()
	}
	c.dir = d
	return d
}

// counterDir returns worker's counter pages from the directories a
// program was published with: pages are only ever added, and a slot is
// allocated (its page added) before any program whose classifier holds
// it is published, so the snapshot covers every slot the program's
// classifier returns. Reading it from the program, which the lookup loads
// anyway, saves the walk from the binding to the shard to its atomic
// directory pointer on every counted packet. A worker index beyond the
// shards (never handed out by counter.Shards) counts into the first.
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
			cell := &pages[p][int(slot)%counterPageSize]
			c.locks.At(i).Read(func() { n += cell.Load() })
		}
	}
	return n
}

// clearSlot zeroes slot in every shard. It runs under the TCAM's lock and
// so never waits for a worker (counter.Shard.Do).
func (c *counters) clearSlot(slot int32) {
	for i := range c.shards {
		pages := *c.shards[i].pages.Load()
		if p := int(slot) / counterPageSize; p < len(pages) {
			cell := &pages[p][int(slot)%counterPageSize]
			c.locks.At(i).Do(func() { cell.Store(0) })
		}
	}
}
