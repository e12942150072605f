// Package cef is the forwarding information base of l2sw: a routing table of
// connected, local and static routes with recursive next hops, compiled into
// a lock-free longest-prefix-match structure whose entries point to
// adjacencies holding prebuilt Ethernet rewrites. Readers (the dataplane
// workers) look up without locks or allocations; writers (configuration and
// ARP events) publish immutable snapshots.
package cef

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
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
	ErrTableFull    = errors.New("FIB full")
	ErrBadDistance  = errors.New("distance out of range 1-255")
	errResolveDepth = 8 // recursion limit of next-hop resolution
)

// IfConfig is the layer-3 configuration of one SVI.
type IfConfig struct {
	Name      string
	MAC       packet.MAC // source MAC of every rewrite out of this interface
	VLAN      uint16
	Tagged    bool           // rewrites carry an 802.1Q tag for VLAN
	Addresses []netip.Prefix // primary first, then secondaries (10.1.1.1/24)
}

// RouteType is the source of a route.
type RouteType uint8

// The route types; their order is the `show ip route` code letter.
const (
	Connected RouteType = iota // C: an SVI subnet
	Local                      // L: an SVI address /32
	Static                     // S: ip route
	special                    // FIB-only (martian drop, broadcast receive): not in show ip route
)

var routeTypeNames = [...]string{"connected", "local", "static", "special"}

func (r RouteType) String() string {
	if int(r) < len(routeTypeNames) {
		return routeTypeNames[r]
	}
	return "unknown"
}

// Route is one RIB candidate.
type Route struct {
	Prefix   netip.Prefix
	Type     RouteType
	Distance uint8
	NextHop  netip.Addr // static via a next hop
	If       IfID       // connected, local, static via an interface (HasIf)
	HasIf    bool
	IfName   string
	receive  bool // special: receive, else drop
}

// EntryKind is what a FIB entry does, as `show ip cef` names it.
type EntryKind uint8

// The FIB entry kinds.
const (
	KindNoRoute  EntryKind = iota // nothing matched: drop, count "no route"
	KindAttached                  // connected subnet: glean adjacency
	KindHost                      // /32 of a resolved (or once resolved) neighbour
	KindNextHop                   // via a next hop adjacency
	KindReceive                   // for us: punt
	KindDrop                      // martian / special drop
	KindNull                      // Null0 static
)

var kindNames = [...]string{"no route", "attached", "host", "nexthop", "receive", "drop", "null"}

func (k EntryKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Entry is an immutable FIB entry. The dataplane gets a pointer to it from
// Lookup and must not modify it.
type Entry struct {
	Addr    uint32
	Len     uint8
	Kind    EntryKind
	Source  RouteType
	If      IfID
	IfName  string
	NextHop uint32 // the resolved (connected) next hop for KindNextHop
	Via     uint32 // the configured next hop when it was recursive, else 0
	ctr     uint32 // per-prefix counter index
	adj     *adjSlot
}

// Prefix returns the entry's prefix.
func (e *Entry) Prefix() netip.Prefix { return netip.PrefixFrom(u32Addr(e.Addr), int(e.Len)) }

// Adjacency returns the current version of the entry's adjacency.
func (e *Entry) Adjacency() *Adjacency { return e.adj.cur.Load() }

// CounterID is the index of the entry's per-prefix counters.
func (e *Entry) CounterID() uint32 { return e.ctr }

func (e *Entry) sameForwarding(o *Entry) bool {
	return e.Kind == o.Kind && e.Source == o.Source && e.If == o.If && e.IfName == o.IfName &&
		e.NextHop == o.NextHop && e.Via == o.Via && e.adj == o.adj
}

// Result is what a lookup returns: the FIB entry and its adjacency, both
// immutable and never nil. Forwarding needs only Adj: Lookup does not read
// the entry (it computes its address), so a caller that leaves Entry alone
// costs no memory access for it.
type Result struct {
	Entry *Entry
	Adj   *Adjacency
	ctr   uint32 // Entry's counter id, copied from the LPM leaf
}

type pfxKey struct {
	a uint32
	l uint8
}

func keyOf(p netip.Prefix) pfxKey { return pfxKey{addrU32(p.Masked().Addr()), uint8(p.Bits())} }

func (k pfxKey) prefix() netip.Prefix { return netip.PrefixFrom(u32Addr(k.a), int(k.l)) }

func mask(l int) uint32 {
	if l == 0 {
		return 0
	}
	return ^uint32(0) << (32 - l)
}

type fibSnap struct {
	lpm     lpmSnap // by value: one pointer less to chase per lookup
	entries []Entry
	adjs    []*adjSlot // by adjacency ID, for the leaves' adjacency field
	// prefetch: the FIB outgrows the caches, so workers prefetch its
	// lines (see PrefetchLeaves).
	prefetch bool
}

type ifState struct {
	id    IfID
	cfg   IfConfig
	glean *adjSlot
}

type resolution struct {
	ok bool
	If IfID
	NH uint32
}

// Config sizes the table.
type Config struct {
	// Workers is the number of counter shards (one per dataplane worker).
	Workers int
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
	live       map[pfxKey]uint32
	deadEnts   int
	routes     map[pfxKey][]Route
	hosts      map[pfxKey]IfID // /32 host entries made by Resolve
	ifs        map[IfID]*ifState
	adjs       map[adjKey]*adjSlot
	adjByID    []*adjSlot
	adjShared  bool // adjByID's elements are visible to a published snapshot
	adjFree    []uint32
	neighbors  map[adjKey]packet.MAC
	byNH       map[uint32]map[pfxKey]struct{}
	nhRes      map[uint32]resolution
	dirty      map[pfxKey]struct{}
	structural bool
	batch      int
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
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	t := &Table{
		routes: map[pfxKey][]Route{}, hosts: map[pfxKey]IfID{}, ifs: map[IfID]*ifState{},
		adjs: map[adjKey]*adjSlot{}, neighbors: map[adjKey]packet.MAC{},
		byNH: map[uint32]map[pfxKey]struct{}{}, nhRes: map[uint32]resolution{}, dirty: map[pfxKey]struct{}{},
		counters: newCounters(cfg.Workers),
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
		p := netip.MustParsePrefix(s.p)
		t.addRouteLocked(Route{Prefix: p, Type: special, receive: s.receive})
	}
	t.commitLocked()
	return t
}

// resetFIB starts an empty LPM and entry array (entry 0: no route).
func (t *Table) resetFIB() {
	t.lpm = newLPMWriter(func(l uint64) int { return int(t.entries[leafIndex(l)].Len) })
	t.entries = make([]Entry, 1, 1024)
	t.entries[0] = Entry{Kind: KindNoRoute, adj: t.noRoute}
	t.live = map[pfxKey]uint32{}
	t.deadEnts = 0
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
		a = e.adj.cur.Load()
	}
	return Result{Entry: e, Adj: a, ctr: leafCtr(l)}
}

// leafOf returns the LPM leaf of FIB entry idx.
func (t *Table) leafOf(idx uint32) uint64 {
	e := &t.entries[idx]
	return makeLeaf(idx, e.ctr, e.adj.id)
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

func (t *Table) done() {
	if t.batch == 0 {
		t.commitLocked()
	}
	t.mu.Unlock()
}

// SetInterface adds or reconfigures an SVI: its subnets become connected
// routes (glean), its addresses local routes (receive), and the network and
// broadcast addresses of each subnet receive entries, as IOS installs them.
func (t *Table) SetInterface(id IfID, cfg IfConfig) error {
	for _, p := range cfg.Addresses {
		if !p.IsValid() || !p.Addr().Is4() {
			return fmt.Errorf("interface %s address %v: %w", cfg.Name, p, ErrBadPrefix)
		}
	}
	cfg.Addresses = slices.Clone(cfg.Addresses)
	t.mu.Lock()
	defer t.done()
	t.dropInterfaceRoutes(id)
	st := t.ifs[id]
	if st == nil {
		st = &ifState{id: id}
		st.glean = t.newAdj(&Adjacency{State: AdjGlean})
		t.ifs[id] = st
	}
	st.cfg = cfg
	g := &Adjacency{ID: st.glean.cur.Load().ID, State: AdjGlean, If: id, IfName: cfg.Name, SrcMAC: cfg.MAC, VLAN: cfg.VLAN, Tagged: cfg.Tagged}
	st.glean.cur.Store(g)
	for _, p := range cfg.Addresses {
		t.addRouteLocked(Route{Prefix: p.Masked(), Type: Connected, If: id, HasIf: true, IfName: cfg.Name})
		t.addRouteLocked(Route{Prefix: netip.PrefixFrom(p.Addr(), 32), Type: Local, If: id, HasIf: true, IfName: cfg.Name})
		if p.Bits() <= 30 {
			net := addrU32(p.Masked().Addr())
			t.addRouteLocked(Route{Prefix: netip.PrefixFrom(u32Addr(net), 32), Type: special, receive: true, If: id, HasIf: true, IfName: cfg.Name})
			t.addRouteLocked(Route{Prefix: netip.PrefixFrom(u32Addr(net|^mask(p.Bits())), 32), Type: special, receive: true, If: id, HasIf: true, IfName: cfg.Name})
		}
	}
	for k, s := range t.adjs {
		if k.If == id {
			t.refreshAdj(k, s)
		}
	}
	for k, ifID := range t.hosts {
		if ifID == id {
			t.dirty[k] = struct{}{}
		}
	}
	// Static routes naming the interface take its new name.
	for k, rs := range t.routes {
		for i := range rs {
			if rs[i].Type == Static && rs[i].HasIf && rs[i].If == id {
				rs[i].IfName = cfg.Name
				t.dirty[k] = struct{}{}
			}
		}
	}
	return nil
}

// dropInterfaceRoutes removes the connected, local and special routes of id.
func (t *Table) dropInterfaceRoutes(id IfID) {
	for k, rs := range t.routes {
		for _, r := range rs {
			if r.HasIf && r.If == id && r.Type != Static {
				t.delRouteLocked(k, func(x Route) bool { return x.HasIf && x.If == id && x.Type != Static })
				break
			}
		}
	}
}

// RemoveInterface deletes an SVI, its routes, host entries and adjacencies.
func (t *Table) RemoveInterface(id IfID) {
	t.mu.Lock()
	defer t.done()
	t.dropInterfaceRoutes(id)
	for k, ifID := range t.hosts {
		if ifID == id {
			delete(t.hosts, k)
			t.dirty[k] = struct{}{}
		}
	}
	for k := range t.neighbors {
		if k.If == id {
			delete(t.neighbors, k)
		}
	}
	for k, s := range t.adjs {
		if k.If == id {
			t.refreshAdj(k, s)
		}
	}
	delete(t.ifs, id)
	t.structural = true
}

// StaticRoute is `ip route PREFIX MASK {NEXTHOP | INTERFACE [NEXTHOP]} [DISTANCE]`.
type StaticRoute struct {
	Prefix   netip.Prefix
	NextHop  netip.Addr // invalid when only an interface is given
	If       IfID       // with HasIf; Null0 for a discard route
	HasIf    bool
	Distance uint8 // 0 means the default, 1
}

// AddStatic installs a static route. Several statics for one prefix may
// coexist (floating statics); the lowest distance whose next hop resolves
// is used.
func (t *Table) AddStatic(s StaticRoute) error {
	if !s.Prefix.IsValid() || !s.Prefix.Addr().Is4() {
		return fmt.Errorf("ip route %v: %w", s.Prefix, ErrBadPrefix)
	}
	if !s.HasIf && !s.NextHop.IsValid() {
		return fmt.Errorf("ip route %v: %w", s.Prefix, ErrBadNextHop)
	}
	if s.NextHop.IsValid() && (!s.NextHop.Is4() || s.NextHop.IsUnspecified()) {
		return fmt.Errorf("ip route %v %v: %w", s.Prefix, s.NextHop, ErrBadNextHop)
	}
	if s.Distance == 0 {
		s.Distance = 1
	}
	t.mu.Lock()
	defer t.done()
	name := ""
	if s.HasIf {
		switch st, ok := t.ifs[s.If]; {
		case s.If == Null0:
			name = "Null0"
		case ok:
			name = st.cfg.Name
		default:
			return fmt.Errorf("ip route %v: interface %d: %w", s.Prefix, s.If, ErrNoInterface)
		}
	}
	r := Route{Prefix: s.Prefix.Masked(), Type: Static, Distance: s.Distance, NextHop: s.NextHop, If: s.If, HasIf: s.HasIf, IfName: name}
	k := keyOf(r.Prefix)
	t.delRouteLocked(k, func(x Route) bool { return sameStatic(x, r) })
	t.addRouteLocked(r)
	return nil
}

func sameStatic(x, r Route) bool {
	return x.Type == Static && x.NextHop == r.NextHop && x.HasIf == r.HasIf && (!r.HasIf || x.If == r.If)
}

// RemoveStatic deletes a static route (`no ip route ...`; the distance is
// ignored, as IOS does).
func (t *Table) RemoveStatic(s StaticRoute) error {
	if !s.Prefix.IsValid() {
		return fmt.Errorf("no ip route %v: %w", s.Prefix, ErrBadPrefix)
	}
	r := Route{Type: Static, NextHop: s.NextHop, If: s.If, HasIf: s.HasIf}
	t.mu.Lock()
	defer t.done()
	if !t.delRouteLocked(keyOf(s.Prefix), func(x Route) bool { return sameStatic(x, r) }) {
		return fmt.Errorf("no ip route %v: %w", s.Prefix, ErrNoSuchRoute)
	}
	return nil
}

func (t *Table) addRouteLocked(r Route) {
	k := keyOf(r.Prefix)
	rs := append(t.routes[k], r)
	slices.SortStableFunc(rs, func(a, b Route) int { return cmp.Compare(a.Distance, b.Distance) })
	t.routes[k] = rs
	if r.Type == Static && r.NextHop.IsValid() {
		nh := addrU32(r.NextHop)
		set := t.byNH[nh]
		if set == nil {
			set = map[pfxKey]struct{}{}
			t.byNH[nh] = set
		}
		set[k] = struct{}{}
	}
	t.dirty[k] = struct{}{}
	t.structural = true
}

func (t *Table) delRouteLocked(k pfxKey, match func(Route) bool) bool {
	rs := t.routes[k]
	found := false
	out := rs[:0]
	for _, r := range rs {
		if match(r) {
			found = true
			if r.Type == Static && r.NextHop.IsValid() {
				nh := addrU32(r.NextHop)
				if set := t.byNH[nh]; set != nil && !t.hasStaticVia(rs, r, nh) {
					delete(set, k)
					if len(set) == 0 {
						delete(t.byNH, nh)
						delete(t.nhRes, nh)
					}
				}
			}
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		delete(t.routes, k)
	} else {
		t.routes[k] = out
	}
	if found {
		t.dirty[k] = struct{}{}
		t.structural = true
	}
	return found
}

// hasStaticVia reports whether rs holds another static (than r) via nh.
func (t *Table) hasStaticVia(rs []Route, r Route, nh uint32) bool {
	n := 0
	for _, x := range rs {
		if x.Type == Static && x.NextHop.IsValid() && addrU32(x.NextHop) == nh {
			n++
		}
	}
	return n > 1
}

// Resolve is called when ARP resolves ip on interface in (the dataplane
// wires arp.EventAdded/EventUpdated here): the adjacency becomes valid with
// the new rewrite and a /32 host entry points to it.
func (t *Table) Resolve(in IfID, ip netip.Addr, mac packet.MAC) {
	if !ip.Is4() {
		return
	}
	t.mu.Lock()
	defer t.done()
	k := adjKey{in, addrU32(ip)}
	t.neighbors[k] = mac
	s := t.adjs[k]
	if s == nil {
		s = t.newAdj(&Adjacency{})
		t.adjs[k] = s
	}
	t.refreshAdj(k, s)
	hk := pfxKey{k.NH, 32}
	if _, ok := t.ifs[in]; ok {
		if cur, ok := t.hosts[hk]; !ok || cur != in {
			t.hosts[hk] = in
			t.dirty[hk] = struct{}{}
		}
	}
}

// Unresolve is called when the ARP entry of ip on in goes (aged, cleared,
// incomplete again): the adjacency becomes incomplete and traffic to it is
// dropped and counted until ARP answers again — the periodic CEF drops of
// a too short `arp timeout`.
func (t *Table) Unresolve(in IfID, ip netip.Addr) {
	if !ip.Is4() {
		return
	}
	t.mu.Lock()
	defer t.done()
	k := adjKey{in, addrU32(ip)}
	delete(t.neighbors, k)
	if s := t.adjs[k]; s != nil {
		t.refreshAdj(k, s)
	}
}

// Forget removes the host entry and, when no route uses it, the adjacency
// of ip on in (the ARP entry was deleted by configuration).
func (t *Table) Forget(in IfID, ip netip.Addr) {
	if !ip.Is4() {
		return
	}
	t.mu.Lock()
	defer t.done()
	k := adjKey{in, addrU32(ip)}
	delete(t.neighbors, k)
	hk := pfxKey{k.NH, 32}
	if t.hosts[hk] == in {
		delete(t.hosts, hk)
		t.dirty[hk] = struct{}{}
	}
	if s := t.adjs[k]; s != nil {
		t.refreshAdj(k, s)
	}
}

func (t *Table) newAdj(a *Adjacency) *adjSlot {
	s := &adjSlot{}
	if n := len(t.adjFree); n > 0 {
		a.ID = t.adjFree[n-1]
		t.adjFree = t.adjFree[:n-1]
		t.ownAdjByID()
		t.adjByID[a.ID] = s
	} else {
		// Appending writes beyond every published length: no copy needed.
		a.ID = uint32(len(t.adjByID))
		t.adjByID = append(t.adjByID, s)
	}
	s.id = a.ID
	a.build()
	s.cur.Store(a)
	return s
}

// ownAdjByID copies adjByID before an element a published snapshot reads
// is overwritten (an ID reused or freed); lookups index it lock-free.
func (t *Table) ownAdjByID() {
	if t.adjShared {
		t.adjByID = slices.Clone(t.adjByID)
		t.adjShared = false
	}
}

// refreshAdj publishes the adjacency version that matches the current
// interface configuration and ARP knowledge.
func (t *Table) refreshAdj(k adjKey, s *adjSlot) {
	old := s.cur.Load()
	a := &Adjacency{ID: old.ID, State: AdjIncomplete, If: k.If, NextHop: k.NH}
	if st, ok := t.ifs[k.If]; ok {
		a.IfName, a.SrcMAC, a.VLAN, a.Tagged = st.cfg.Name, st.cfg.MAC, st.cfg.VLAN, st.cfg.Tagged
		if mac, ok := t.neighbors[k]; ok {
			a.State, a.DstMAC = AdjValid, mac
		}
	} else {
		a.State, a.IfName = AdjDrop, old.IfName
	}
	a.build()
	if *a != *old {
		s.cur.Store(a)
	}
}

// adjFor returns the adjacency slot of (in, nh), creating it.
func (t *Table) adjFor(in IfID, nh uint32) *adjSlot {
	k := adjKey{in, nh}
	s := t.adjs[k]
	if s == nil {
		s = t.newAdj(&Adjacency{})
		t.adjs[k] = s
		t.refreshAdj(k, s)
	}
	return s
}

// release drops a FIB reference to s and deletes an adjacency nobody needs.
func (t *Table) release(s *adjSlot) {
	s.refs--
	if s.refs > 0 {
		return
	}
	a := s.cur.Load()
	k := adjKey{a.If, a.NextHop}
	if t.adjs[k] != s {
		return // glean/special slots are not in adjs
	}
	if _, known := t.neighbors[k]; known {
		return
	}
	delete(t.adjs, k)
	t.ownAdjByID()
	t.adjByID[a.ID] = nil
	t.adjFree = append(t.adjFree, a.ID)
}

// resolveNH resolves a next hop recursively to an interface and a
// connected next hop.
func (t *Table) resolveNH(nh uint32, depth int) resolution {
	if depth > errResolveDepth {
		return resolution{}
	}
	for l := 32; l >= 0; l-- {
		rs := t.routes[pfxKey{nh & mask(l), uint8(l)}]
		for _, r := range rs {
			switch {
			case r.Type == Connected:
				return resolution{true, r.If, nh}
			case r.Type == Local, r.Type == special:
				return resolution{} // the next hop is us, or a martian
			case r.HasIf && r.If == Null0:
				return resolution{}
			case r.HasIf && !r.NextHop.IsValid():
				return resolution{true, r.If, nh}
			default:
				if res := t.resolveNH(addrU32(r.NextHop), depth+1); res.ok {
					if r.HasIf && res.If != r.If {
						continue
					}
					return res
				}
			}
		}
	}
	return resolution{}
}

// selectEntry computes the FIB entry the prefix k should have.
func (t *Table) selectEntry(k pfxKey) (Entry, bool) {
	e := Entry{Addr: k.a, Len: k.l}
	for _, r := range t.routes[k] {
		e.Source = r.Type
		switch {
		case r.Type == special && r.receive:
			e.Kind, e.adj = KindReceive, t.puntSlot
			if r.HasIf {
				e.If, e.IfName = r.If, r.IfName
			}
			return e, true
		case r.Type == special:
			e.Kind, e.adj = KindDrop, t.dropSlot
			return e, true
		case r.Type == Local:
			e.Kind, e.adj, e.If, e.IfName = KindReceive, t.puntSlot, r.If, r.IfName
			return e, true
		case r.Type == Connected:
			st := t.ifs[r.If]
			if st == nil {
				continue
			}
			e.Kind, e.adj, e.If, e.IfName = KindAttached, st.glean, r.If, r.IfName
			return e, true
		case r.HasIf && r.If == Null0:
			e.Kind, e.adj, e.If, e.IfName = KindNull, t.nullSlot, Null0, "Null0"
			return e, true
		case r.HasIf && !r.NextHop.IsValid():
			st := t.ifs[r.If]
			if st == nil {
				continue
			}
			e.Kind, e.adj, e.If, e.IfName = KindAttached, st.glean, r.If, r.IfName
			return e, true
		default:
			nh := addrU32(r.NextHop)
			res, ok := t.nhRes[nh]
			if !ok {
				res = t.resolveNH(nh, 0)
				t.nhRes[nh] = res
			}
			if !res.ok || (r.HasIf && res.If != r.If) {
				continue
			}
			e.Kind, e.If, e.NextHop = KindNextHop, res.If, res.NH
			e.IfName = t.ifs[res.If].cfg.Name
			if res.NH != nh {
				e.Via = nh
			}
			e.adj = t.adjFor(res.If, res.NH)
			return e, true
		}
	}
	if in, ok := t.hosts[k]; ok {
		if st := t.ifs[in]; st != nil {
			e.Source, e.Kind, e.If, e.IfName, e.NextHop = Connected, KindHost, in, st.cfg.Name, k.a
			e.adj = t.adjFor(in, k.a)
			return e, true
		}
	}
	return Entry{}, false
}

// commitLocked recomputes the dirty prefixes and publishes a snapshot.
func (t *Table) commitLocked() {
	if t.structural {
		// Only the statics whose next hop now resolves differently are
		// recomputed: O(distinct next hops), not O(static routes).
		t.structural = false
		for nh, set := range t.byNH {
			res := t.resolveNH(nh, 0)
			if prev, ok := t.nhRes[nh]; ok && prev == res {
				continue
			}
			t.nhRes[nh] = res
			for k := range set {
				t.dirty[k] = struct{}{}
			}
		}
	}
	for k := range t.dirty {
		t.install(k)
	}
	clear(t.dirty)
	if t.lpm.dead > t.lpm.blocks()/2+4096 || t.deadEnts > len(t.entries)/2+65536 {
		t.compact()
	}
	t.adjShared = true
	t.snap.Store(&fibSnap{
		lpm:      t.lpm.publish(),
		entries:  t.entries[:len(t.entries):len(t.entries)],
		adjs:     t.adjByID[:len(t.adjByID):len(t.adjByID)],
		prefetch: worthPrefetching(t.lpm.blocks()-t.lpm.dead, len(t.live)),
	})
}

// install brings the FIB entry of k in line with the RIB.
func (t *Table) install(k pfxKey) {
	want, ok := t.selectEntry(k)
	idx, had := t.live[k]
	if !ok {
		if !had {
			return
		}
		cur := &t.entries[idx]
		t.lpm.remove(k.a, int(k.l), t.leafOf(t.cover(k)))
		t.release(cur.adj)
		t.ctrFree = append(t.ctrFree, cur.ctr)
		delete(t.live, k)
		t.deadEnts++
		return
	}
	want.adj.refs++
	if had {
		cur := &t.entries[idx]
		if cur.sameForwarding(&want) {
			want.adj.refs--
			return
		}
		want.ctr = cur.ctr
		t.release(cur.adj)
		t.deadEnts++
	} else {
		want.ctr = t.allocCtr()
	}
	if len(t.entries) >= MaxEntries {
		t.compact()
	}
	t.entries = append(t.entries, want)
	n := uint32(len(t.entries) - 1)
	t.lpm.insert(k.a, int(k.l), t.leafOf(n))
	t.live[k] = n
}

func (t *Table) allocCtr() uint32 {
	if n := len(t.ctrFree); n > 0 {
		c := t.ctrFree[n-1]
		t.ctrFree = t.ctrFree[:n-1]
		t.counters.resetPrefix(c)
		return c
	}
	t.ctrNext++
	return t.ctrNext
}

// cover finds the entry of the installed prefix that covers k with the
// longest length shorter than k's (0, no route, for none).
func (t *Table) cover(k pfxKey) uint32 {
	for l := int(k.l) - 1; l >= 0; l-- {
		if idx, ok := t.live[pfxKey{k.a & mask(l), uint8(l)}]; ok {
			return idx
		}
	}
	return 0
}

// compact rebuilds the LPM and entry array without garbage. Published
// snapshots keep the old arrays until readers drop them.
func (t *Table) compact() {
	old := t.entries
	live := t.live
	t.resetFIB()
	keys := make([]pfxKey, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b pfxKey) int { return cmp.Compare(a.l, b.l) })
	for _, k := range keys {
		t.entries = append(t.entries, old[live[k]])
		n := uint32(len(t.entries) - 1)
		t.lpm.insert(k.a, int(k.l), t.leafOf(n))
		t.live[k] = n
	}
}

// Len returns the number of installed FIB entries.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.live)
}
