package cef

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/l2sw/l2sw/counter"
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

// Counter ids are dense from 0. The first hugeSize ids live in small heap
// pages, allocated on first use; beyond that (only tables of more than 128k
// prefixes) in 2 MiB pages on transparent huge pages, so that counting a
// packet against one of a million prefixes costs a cache miss but no page
// walk (see slab).
const (
	smallBits = 10
	smallSize = 1 << smallBits
	hugeBits  = 17
	hugeSize  = 1 << hugeBits
	numSmall  = hugeSize / smallSize
	numHuge   = (MaxEntries + 1) >> hugeBits
)

type ctrPair struct{ pkts, bytes counter.Cell }

type (
	ctrSmallPage [smallSize]ctrPair
	ctrHugePage  [hugeSize]ctrPair
)

// paged is a sparse array of counters in one shard: pages are allocated on
// first use (never in steady state) and counted into with plain adds by the
// shard's holder (see counter). The page pointers are atomic because the
// prefetcher reads them.
type paged struct {
	small [numSmall]atomic.Pointer[ctrSmallPage]
	huge  [numHuge]atomic.Pointer[ctrHugePage] // [0] unused: small covers it
	mem   [numHuge]*slab                       // owns huge[i]'s memory (writer only)
}

// slot returns the counters of id, allocating its page (writer only).
func (p *paged) slot(id uint32) *ctrPair {
	if id < hugeSize {
		pg := p.small[id>>smallBits].Load()
		if pg == nil {
			pg = new(ctrSmallPage)
			p.small[id>>smallBits].Store(pg)
		}
		return &pg[id&(smallSize-1)]
	}
	i := (id >> hugeBits) & (numHuge - 1)
	pg := p.huge[i].Load()
	if pg == nil {
		m := newSlab(int(unsafe.Sizeof(ctrHugePage{}) / 8))
		p.mem[i] = m
		pg = (*ctrHugePage)(unsafe.Pointer(&m.slots[0]))
		p.huge[i].Store(pg)
	}
	return &pg[id&(hugeSize-1)]
}

// peek returns the counters of id, nil if none were ever counted.
func (p *paged) peek(id uint32) *ctrPair {
	if id < hugeSize {
		if pg := p.small[id>>smallBits].Load(); pg != nil {
			return &pg[id&(smallSize-1)]
		}
		return nil
	}
	if pg := p.huge[(id>>hugeBits)&(numHuge-1)].Load(); pg != nil {
		return &pg[id&(hugeSize-1)]
	}
	return nil
}

func (p *paged) add(id uint32, bytes int) {
	c := p.peek(id) // inlined; slot only on a page's first use
	if c == nil {
		c = p.slot(id)
	}
	c.pkts.Add(1)
	c.bytes.Add(uint64(bytes))
	runtime.KeepAlive(p) // p.mem owns the page c may be in
}

func (p *paged) get(id uint32) (pkts, bytes uint64) {
	if c := p.peek(id); c != nil {
		pkts, bytes = c.pkts.Load(), c.bytes.Load()
	}
	runtime.KeepAlive(p)
	return
}

func (p *paged) reset(id uint32) {
	if c := p.peek(id); c != nil {
		c.pkts.Store(0)
		c.bytes.Store(0)
	}
	runtime.KeepAlive(p)
}

// Worker is the counters of one dataplane worker. Its methods that count
// may only be called with its shard (Counters.Shard) held.
type Worker struct {
	adj   paged
	pfx   paged
	drops [numDropReasons]counter.Cell
	fwd   counter.Cell
	punt  counter.Cell
}

// ctrOf returns r's prefix counter id (0: none). It reads the entry, which
// forwarding does not otherwise: the LPM leaf has no room for the id, and
// the prefix counters count only with per-prefix accounting on, and for
// punts and drops.
func ctrOf(r *Result) uint32 {
	if r.Entry == nil {
		return 0
	}
	return r.Entry.ctr
}

// Forwarded counts a packet of n bytes forwarded through r.
func (w *Worker) Forwarded(r Result, n int) {
	w.adj.add(r.Adj.ID, n)
	w.pfx.add(ctrOf(&r), n)
	w.fwd.Add(1)
}

// ForwardedAdjacency is Forwarded without the prefix's counters, for
// when per-prefix accounting is off.
func (w *Worker) ForwardedAdjacency(r Result, n int) {
	w.adj.add(r.Adj.ID, n)
	w.fwd.Add(1)
}

// Punted counts a packet for us.
func (w *Worker) Punted(r Result, n int) {
	w.pfx.add(ctrOf(&r), n)
	w.punt.Add(1)
}

// Dropped counts a dropped packet by reason (and against its prefix when
// it matched one).
func (w *Worker) Dropped(reason DropReason, r Result, n int) {
	if c := ctrOf(&r); c != 0 {
		w.pfx.add(c, n)
	}
	w.drops[reason%numDropReasons].Add(1)
}

// Counters holds one Worker per shard and sums them on read, each under
// its shard.
type Counters struct {
	shards  *counter.Shards
	workers []*Worker
}

func newCounters(shards *counter.Shards) *Counters {
	c := &Counters{shards: shards, workers: make([]*Worker, shards.Len())}
	for i := range c.workers {
		c.workers[i] = new(Worker) // separate allocations: no shared cache lines
	}
	return c
}

// Worker returns the counters of shard i (i modulo the number of shards).
func (c *Counters) Worker(i int) *Worker { return c.workers[i%len(c.workers)] }

// Shard returns the lock of Worker(i).
func (c *Counters) Shard(i int) *counter.Shard { return c.shards.At(i % len(c.workers)) }

// Adjacency returns the packets and bytes sent through adjacency id.
func (c *Counters) Adjacency(id uint32) (pkts, bytes uint64) {
	for i, w := range c.workers {
		c.shards.At(i).Read(func() {
			p, b := w.adj.get(id)
			pkts, bytes = pkts+p, bytes+b
		})
	}
	return
}

// Prefix returns the packets and bytes that matched the FIB entry e.
func (c *Counters) Prefix(e *Entry) (pkts, bytes uint64) {
	for i, w := range c.workers {
		c.shards.At(i).Read(func() {
			p, b := w.pfx.get(e.ctr)
			pkts, bytes = pkts+p, bytes+b
		})
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
	for i, w := range c.workers {
		c.shards.At(i).Read(func() {
			s.Forwarded += w.fwd.Load()
			s.Punted += w.punt.Load()
			for i := range w.drops {
				s.Drops[i] += w.drops[i].Load()
			}
		})
	}
	return s
}

// resetPrefix zeroes a recycled prefix counter. It runs under the table's
// lock, so it never waits for a worker (counter.Shard.Do): a busy worker
// zeroes the counter itself before it counts again.
func (c *Counters) resetPrefix(id uint32) {
	for i, w := range c.workers {
		if w.pfx.peek(id) == nil {
			continue // never counted: nothing to zero, and no page to touch
		}
		c.shards.At(i).Do(func() { w.pfx.reset(id) })
	}
}
