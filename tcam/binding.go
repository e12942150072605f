package tcam

import (
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/counter"

	"github.com/l2sw/l2sw/tcam/acl"
)

// program is what readers of a binding see: published whole.
type program struct {
	cls      *Classifier
	hardware bool
	counters [][]*counterPage // per worker, see counterDir
	// bv is cls.bv when the bit vectors are the whole classifier (no
	// rules inserted since they were built): Classify goes to them
	// directly, one pointer and one call fewer per packet.
	bv   *bitvec
	live []uint64
}

// classify is cls.classify, straight to the bit vectors where they are
// all of it.
func (p *program) classify(h *Header) hit {
	if p.bv != nil {
		if i := p.bv.first(h, p.live); i >= 0 {
			return p.bv.meta[i]
		}
		return hit{}
	}
	return p.cls.classify(h)
}

func newProgram(c *Classifier, hardware bool, counters [][]*counterPage) *program {
	p := &program{cls: c, hardware: hardware, counters: counters}
	if c.bv != nil && c.delta == nil {
		p.bv, p.live = c.bv, c.live
	}
	return p
}

// Binding is one applied ACL. Classify is safe for concurrent use by the
// dataplane workers and takes no lock.
type Binding struct {
	id       BindingID
	label    uint16
	prog     atomic.Pointer[program]
	counters *counters
	// slow is held for reading by lookups that hold no counter shard
	// (Lookup), for the recycler's grace period.
	slow sync.RWMutex

	// Writer side, guarded by TCAM.mu.
	aces      []compiledACE
	bySeq     map[uint32]int // sequence number -> index in aces (non-remarks)
	aclName   string
	hardware  bool
	freeSlots []int32
	nextSlot  int32
	rec       *recycler // nil: the readers' shards are unknown (see recycler)
}

// newBinding returns an empty binding counting on shards; recycle says
// that its readers hold those shards while they classify.
func newBinding(id BindingID, label uint16, shards *counter.Shards, recycle bool) *Binding {
	b := &Binding{id: id, label: label, counters: newCounters(shards), bySeq: map[uint32]int{}}
	if recycle {
		b.rec = newRecycler(shards, &b.slow)
	}
	b.prog.Store(newProgram(NewClassifier(nil), false, b.counters.dirs()))
	return b
}

// reindex rebuilds bySeq after aces was replaced.
func (b *Binding) reindex() {
	b.bySeq = make(map[uint32]int, len(b.aces))
	for i := range b.aces {
		if b.aces[i].ace.Action != acl.Remark {
			b.bySeq[b.aces[i].ace.Seq] = i
		}
	}
}

func (b *Binding) current() *program { return b.prog.Load() }

func (b *Binding) publish(c *Classifier) {
	if b.rec != nil && c.ar != nil && c.ar.rec == nil {
		c.ar.rec = b.rec
	}
	b.prog.Store(newProgram(c, b.hardware, b.counters.dirs()))
	b.rec.published()
}

func (b *Binding) allocSlot() int32 {
	var s int32
	if n := len(b.freeSlots); n > 0 {
		s = b.freeSlots[n-1]
		b.freeSlots = b.freeSlots[:n-1]
		b.counters.clearSlot(s) // a recycled slot: a new slot's page is new
	} else {
		s = b.nextSlot
		b.nextSlot++
		b.counters.grow(int(b.nextSlot))
	}
	return s
}

func (b *Binding) freeSlot(s int32) { b.freeSlots = append(b.freeSlots, s) }

// ID returns where the binding is applied.
func (b *Binding) ID() BindingID { return b.id }

// State returns ACTIVE when the ACL is in hardware.
func (b *Binding) State() State {
	if b.current().hardware {
		return Active
	}
	return Inactive
}

// Verdict is the result of classifying one packet.
type Verdict struct {
	Permit   bool
	Matched  bool   // false: the implicit deny at the end
	Seq      uint32 // sequence number of the matching ACE
	Slot     int32  // counter slot of the matching ACE, -1 for the implicit deny
	Hardware bool   // false when the ACL is software switched
	Log      bool   // the matching ACE has a log option (false for the implicit deny)
}

// Classify looks the packet up and counts the match on worker's counter
// shard, which the caller holds (Config.Shards). It allocates nothing,
// takes no lock, and sees one whole version of the ACL.
func (b *Binding) Classify(worker int, h *Header) Verdict {
	r, p := b.match(worker, h)
	return verdictOf(r, p)
}

func verdictOf(r hit, p *program) Verdict {
	if r.bits&recFound == 0 {
		return Verdict{Slot: -1, Hardware: p.hardware}
	}
	return Verdict{Permit: r.bits&recPermit != 0, Matched: true, Seq: r.prio, Slot: r.id, Hardware: p.hardware, Log: r.bits&recLog != 0}
}

// Permits is Classify for the forwarding path, which only asks whether
// the packet passes and whether its ACE logs: two results that stay in
// registers. (A Verdict has more fields than the compiler keeps out of
// memory, and spilling it field by field and copying it whole stalled
// every packet on a failed store-to-load forward.)
func (b *Binding) Permits(worker int, h *Header) (permit, log bool) {
	r, _ := b.match(worker, h)
	return r.bits&recPermit != 0, r.bits&recLog != 0
}

// Lookup is Classify without the count: the simulated packet trace asks
// which entry a packet would hit and must leave the match counters of
// `show access-lists` as they are.
func (b *Binding) Lookup(h *Header) Verdict {
	b.slow.RLock()
	p := b.prog.Load()
	v := verdictOf(p.classify(h), p)
	b.slow.RUnlock()
	return v
}

// match looks h up in the current program and counts the match, if any,
// on worker's shard. A miss (the implicit deny) is the zero hit.
func (b *Binding) match(worker int, h *Header) (hit, *program) {
	p := b.prog.Load()
	// The worker's counter pages are fetched before the lookup, so the
	// loads overlap it instead of following it.
	pages := counterDir(p.counters, worker)
	r := p.classify(h)
	if r.bits&recFound != 0 {
		countMatch(pages, r.id)
	}
	return r, p
}

// Matches returns the summed match counter of the ACE with sequence number
// seq (for `show access-lists`).
func (b *Binding) Matches(t *TCAM, seq uint32) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range b.aces {
		if b.aces[i].ace.Seq == seq {
			return b.counters.sum(b.aces[i].slot)
		}
	}
	return 0
}

// ClearCounters zeroes every match counter of the binding
// (`clear access-list counters`).
func (b *Binding) ClearCounters(t *TCAM) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range b.aces {
		b.counters.clearSlot(b.aces[i].slot)
	}
}
