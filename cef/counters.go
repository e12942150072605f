package cef

import (
	"sync/atomic"
)

// DropReason is why the routed path dropped a packet.
type DropReason uint8

// The drop reasons of `show ip cef drop` / `show ip traffic`.
const (
	DropNoRoute    DropReason = iota // no FIB entry matched
	DropIncomplete                   // next-hop adjacency without ARP
	DropGlean                        // connected host not resolved yet
	DropNull                         // Null0 or martian drop entry
	DropTTL                          // TTL expired (ICMP time exceeded)
	DropFragDF                       // too big with DF set (ICMP frag needed)
	DropBadHeader                    // IPv4 header checksum/length errors
	numDropReasons
)

var dropNames = [...]string{"no route", "incomplete adjacency", "glean", "null", "ttl expired", "fragmentation needed (DF)", "bad header"}

func (d DropReason) String() string {
	if int(d) < len(dropNames) {
		return dropNames[d]
	}
	return "unknown"
}

const (
	pageBits = 10
	pageSize = 1 << pageBits
	maxPages = (MaxEntries + 1) >> pageBits
)

type ctrPair struct{ pkts, bytes atomic.Uint64 }

type ctrPage [pageSize]ctrPair

// paged is a sparse array of counters written by one goroutine and read by
// any: pages are allocated on first use (once per 1024 ids per worker, never
// in steady state) and updated with plain atomic loads and stores, which on
// amd64 are ordinary moves: no lock prefix, no shared cache line.
type paged struct {
	pages [maxPages]atomic.Pointer[ctrPage]
}

func (p *paged) add(id uint32, bytes int) {
	pi := (id >> pageBits) & (maxPages - 1)
	pg := p.pages[pi].Load()
	if pg == nil {
		pg = new(ctrPage)
		p.pages[pi].Store(pg)
	}
	c := &pg[id&(pageSize-1)]
	c.pkts.Store(c.pkts.Load() + 1)
	c.bytes.Store(c.bytes.Load() + uint64(bytes))
}

func (p *paged) get(id uint32) (uint64, uint64) {
	pg := p.pages[(id>>pageBits)&(maxPages-1)].Load()
	if pg == nil {
		return 0, 0
	}
	c := &pg[id&(pageSize-1)]
	return c.pkts.Load(), c.bytes.Load()
}

// Worker is the counter shard of one dataplane worker. Only that worker
// may call its methods that count.
type Worker struct {
	adj   paged
	pfx   paged
	drops [numDropReasons]atomic.Uint64
	fwd   atomic.Uint64
	punt  atomic.Uint64
}

// ctrOf returns r's prefix counter id (0: none) without reading the entry
// when r came from Lookup.
func ctrOf(r *Result) uint32 {
	if r.ctr == 0 && r.Entry != nil {
		return r.Entry.ctr // a Result built by hand, or the no-route entry (0)
	}
	return r.ctr
}

// Forwarded counts a packet of n bytes forwarded through r.
func (w *Worker) Forwarded(r Result, n int) {
	w.adj.add(r.Adj.ID, n)
	w.pfx.add(ctrOf(&r), n)
	w.fwd.Store(w.fwd.Load() + 1)
}

// Punted counts a packet for us.
func (w *Worker) Punted(r Result, n int) {
	w.pfx.add(ctrOf(&r), n)
	w.punt.Store(w.punt.Load() + 1)
}

// Dropped counts a dropped packet by reason (and against its prefix when
// it matched one).
func (w *Worker) Dropped(reason DropReason, r Result, n int) {
	if c := ctrOf(&r); c != 0 {
		w.pfx.add(c, n)
	}
	d := &w.drops[reason%numDropReasons]
	d.Store(d.Load() + 1)
}

// Counters holds one shard per worker and sums them on read.
type Counters struct {
	workers []*Worker
}

func newCounters(n int) *Counters {
	c := &Counters{workers: make([]*Worker, n)}
	for i := range c.workers {
		c.workers[i] = new(Worker) // separate allocations: no shared cache lines
	}
	return c
}

// Worker returns shard i (i modulo the number of shards).
func (c *Counters) Worker(i int) *Worker { return c.workers[i%len(c.workers)] }

// Adjacency returns the packets and bytes sent through adjacency id.
func (c *Counters) Adjacency(id uint32) (pkts, bytes uint64) {
	for _, w := range c.workers {
		p, b := w.adj.get(id)
		pkts, bytes = pkts+p, bytes+b
	}
	return
}

// Prefix returns the packets and bytes that matched the FIB entry e.
func (c *Counters) Prefix(e *Entry) (pkts, bytes uint64) {
	for _, w := range c.workers {
		p, b := w.pfx.get(e.ctr)
		pkts, bytes = pkts+p, bytes+b
	}
	return
}

// Summary is the `show ip traffic`-like routed-path total.
type Summary struct {
	Forwarded, Punted uint64
	Drops             [numDropReasons]uint64
}

// DropsBy returns the drop counter of r.
func (s Summary) DropsBy(r DropReason) uint64 { return s.Drops[r%numDropReasons] }

// Summary sums every shard.
func (c *Counters) Summary() Summary {
	var s Summary
	for _, w := range c.workers {
		s.Forwarded += w.fwd.Load()
		s.Punted += w.punt.Load()
		for i := range w.drops {
			s.Drops[i] += w.drops[i].Load()
		}
	}
	return s
}

// resetPrefix zeroes a recycled prefix counter (writer side; a concurrent
// worker update may survive, which only matters for a prefix just deleted).
func (c *Counters) resetPrefix(id uint32) {
	for _, w := range c.workers {
		pg := w.pfx.pages[(id>>pageBits)&(maxPages-1)].Load()
		if pg != nil {
			pg[id&(pageSize-1)].pkts.Store(0)
			pg[id&(pageSize-1)].bytes.Store(0)
		}
	}
}
