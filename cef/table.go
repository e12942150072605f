// Package cef is the forwarding information base of l2sw: a routing table of
// connected, local and static routes with recursive next hops, compiled into
// a lock-free longest-prefix-match structure whose entries point to
// adjacencies holding prebuilt Ethernet rewrites. Readers (the dataplane
// workers) look up without locks or allocations; writers (configuration and
// ARP events) publish immutable snapshots.
//
// table.go holds the Table and Lookup; routes.go the RIB's operations (SVI
// subnets and static routes), rib.go and ribmap.go its compact storage;
// resolve.go recursive next-hop resolution; fib.go the FIB
// entries built from the RIB and the snapshot commit; adjtable.go the
// adjacency slots and their ARP-driven state; adjacency.go the rewrite;
// lpm.go the longest-prefix-match structure.
package cef

import (
	"errors"
	"github.com/l2sw/l2sw/counter"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/packet"
)

// IfID identifies an interface (an SVI); opaque to the table.
type IfID uint32

// Null0 is the discard interface of `ip route P M Null0`.
const Null0 IfID = ^IfID(0)

// Errors returned (wrapped) by the configuration operations.
var (
	ErrBadPrefix    = errors.New("invalid IPv4 prefix")
	ErrBadNextHop   = errors.New("invalid next hop")
	ErrNoInterface  = errors.New("unknown interface")
	ErrNoSuchRoute  = errors.New("no such route")
	errResolveDepth = 8 // recursion limit of next-hop resolution
)

// Result is what a lookup returns: the FIB entry and its adjacency, both
// immutable and never nil. Forwarding needs only Adj: Lookup does not read
// the entry (it computes its address), so a caller that leaves Entry alone
// costs no memory access for it.
type Result struct {
	Entry *Entry
	Adj   *Adjacency
}

type fibSnap struct {
	lpm     lpmSnap // by value: one pointer less to chase per lookup
	entries []Entry
	adjs    []*adjSlot // by adjacency ID, for the leaves' adjacency field
	// prefetch: the FIB outgrows the caches, so workers prefetch its
	// lines (see PrefetchLeaves).
	prefetch bool
}

// Config sizes the table.
type Config struct {
	// Workers is the number of counter shards (one per dataplane worker)
	// when Shards is nil.
	Workers int
	// Shards, if set, are the dataplane's counter shards, shared with the
	// other tables a worker counts into; a worker holds its shard while it
	// counts (see Counters.Shard).
	Shards *counter.Shards
}

// Table is the FIB with its RIB and adjacency table. Lookup is lock-free
// and safe from any number of goroutines; the configuration and ARP
// operations serialise on a mutex and publish a new snapshot (unless inside
// Batch).
type Table struct {
	snap atomic.Pointer[fibSnap]

	mu         sync.Mutex
	lpm        *lpmWriter
	entries    []Entry
	nlive      int // prefixes with a FIB entry (see rib.fibOf)
	deadEnts   int
	rib        rib
	statics    int             // static routes in rib
	hosts      map[pfxKey]IfID // /32 host entries made by Resolve
	ifs        map[IfID]*ifState
	adjs       map[adjKey]*adjSlot
	adjByID    []*adjSlot
	adjShared  bool // adjByID's elements are visible to a published snapshot
	adjFree    []uint32
	neighbors  map[adjKey]packet.MAC
	nhRefs     map[uint32]uint32 // static routes via each next hop
	nhRes      map[uint32]resolution
	dirty      map[pfxKey]struct{}
	structural bool
	batch      int
	published  uint64 // snapshots published, see Publications
	ctrNext    uint32
	ctrFree    []uint32
	dropSlot   *adjSlot
	puntSlot   *adjSlot
	nullSlot   *adjSlot
	noRoute    *adjSlot

	counters *Counters
}

// New returns a table with the IOS special entries (0.0.0.0/8 and
// 127.0.0.0/8 and 224.0.0.0/4 and 240.0.0.0/4 drop; 0.0.0.0/32,
// 224.0.0.0/24 and 255.255.255.255/32 receive).
func New(cfg Config) *Table {
	if cfg.Shards == nil {
		cfg.Shards = counter.NewShards(cfg.Workers)
	}
	t := &Table{
		rib: newRIB(), hosts: map[pfxKey]IfID{}, ifs: map[IfID]*ifState{},
		adjs: map[adjKey]*adjSlot{}, neighbors: map[adjKey]packet.MAC{},
		nhRefs: map[uint32]uint32{}, nhRes: map[uint32]resolution{}, dirty: map[pfxKey]struct{}{},
		counters: newCounters(cfg.Shards),
	}
	t.noRoute = t.newAdj(&Adjacency{State: AdjDrop}) // ID 0: the zero LPM leaf is "no route"
	t.dropSlot = t.newAdj(&Adjacency{State: AdjDrop})
	t.puntSlot = t.newAdj(&Adjacency{State: AdjPunt})
	t.nullSlot = t.newAdj(&Adjacency{State: AdjDrop, If: Null0, IfName: "Null0"})
	t.resetFIB()
	for _, s := range []struct {
		p       string
		receive bool
	}{{"0.0.0.0/8", false}, {"0.0.0.0/32", true}, {"127.0.0.0/8", false}, {"224.0.0.0/4", false},
		{"224.0.0.0/24", true}, {"240.0.0.0/4", false}, {"255.255.255.255/32", true}} {
		r := route{typ: special}
		if s.receive {
			r.flags = rtReceive
		}
		t.addRouteLocked(keyOf(netip.MustParsePrefix(s.p)), r)
	}
	t.commitLocked()
	return t
}

// Lookup returns the longest-prefix match for dst (an IPv4 address in host
// byte order, as packet.View.DstIP gives it). It takes no lock and does not
// allocate.
func (t *Table) Lookup(dst uint32) Result {
	s := t.snap.Load()
	l := s.lpm.lookup(dst)
	e := &s.entries[leafIndex(l)] // address only: the entry is not read
	var a *Adjacency
	if id := leafAdj(l); id != adjInEntry {
		a = s.adjs[id].cur.Load() // small and hot, unlike the entries
	} else {
		a = s.adjs[e.adj].cur.Load()
	}
	return Result{Entry: e, Adj: a}
}

// leafOf returns the LPM leaf of FIB entry idx.
func (t *Table) leafOf(idx uint32) uint32 {
	return makeLeaf(idx, t.entries[idx].adj)
}

// Counters returns the per-worker counters.
func (t *Table) Counters() *Counters { return t.counters }

// Batch runs fn with snapshot publication deferred to its end, so that a
// large change (a full table load) costs one commit. Operations inside fn
// must be on t; lookups meanwhile see the previous snapshot.
func (t *Table) Batch(fn func() error) error {
	t.mu.Lock()
	t.batch++
	t.mu.Unlock()
	err := fn()
	t.mu.Lock()
	t.batch--
	if t.batch == 0 {
		t.commitLocked()
	}
	t.mu.Unlock()
	return err
}

// Publications returns the number of snapshots the table has published
// since New: one per configuration or ARP change outside Batch, one per
// outermost Batch. It shows that a bulk change was published once.
func (t *Table) Publications() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.published
}

func (t *Table) done() {
	if t.batch == 0 {
		t.commitLocked()
	}
	t.mu.Unlock()
}

// Len returns the number of installed FIB entries.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nlive
}
