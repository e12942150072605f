package cef

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/l2sw/l2sw/packet"
)

// IfConfig is the layer-3 configuration of one SVI.
type IfConfig struct {
	Name      string
	MAC       packet.MAC // source MAC of every rewrite out of this interface
	VLAN      uint16
	Tagged    bool           // rewrites carry an 802.1Q tag for VLAN
	Addresses []netip.Prefix // primary first, then secondaries (10.1.1.1/24)
	// Virtual are the first-hop redundancy addresses the interface owns
	// (HSRP active, VRRP master): receive entries, as IOS installs them.
	Virtual []netip.Addr
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

type ifState struct {
	id    IfID
	cfg   IfConfig
	glean *adjSlot
	// owned are the prefixes of the interface's connected, local and
	// receive routes, so that a reconfiguration removes them without
	// walking the RIB.
	owned []pfxKey
}

// ifName is the name of interface id for rows ("" for one that is gone).
func (t *Table) ifName(id IfID) string {
	if id == Null0 {
		return "Null0"
	}
	if st := t.ifs[id]; st != nil {
		return st.cfg.Name
	}
	return ""
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
	for _, a := range cfg.Virtual {
		if !a.Is4() {
			return fmt.Errorf("interface %s virtual address %v: %w", cfg.Name, a, ErrBadPrefix)
		}
	}
	cfg.Addresses = slices.Clone(cfg.Addresses)
	cfg.Virtual = slices.Clone(cfg.Virtual)
	t.mu.Lock()
	defer t.done()
	st := t.ifs[id]
	t.dropInterfaceRoutes(st)
	// A new interface (or a re-created one) makes the statics through it
	// usable again, and a rename changes their entries' names.
	rescan := st == nil || st.cfg.Name != cfg.Name
	if st == nil {
		st = &ifState{id: id}
		st.glean = t.newAdj(&Adjacency{State: AdjGlean})
		t.ifs[id] = st
	}
	st.cfg = cfg
	g := &Adjacency{ID: st.glean.cur.Load().ID, State: AdjGlean, If: id, IfName: cfg.Name, SrcMAC: cfg.MAC, VLAN: cfg.VLAN, Tagged: cfg.Tagged}
	st.glean.cur.Store(g)
	own := func(p netip.Prefix, r route) {
		k := keyOf(p)
		r.ifc, r.flags = id, r.flags|rtIf
		t.addRouteLocked(k, r)
		st.owned = append(st.owned, k)
	}
	for _, p := range cfg.Addresses {
		own(p.Masked(), route{typ: Connected})
		own(netip.PrefixFrom(p.Addr(), 32), route{typ: Local})
		if p.Bits() <= 30 {
			net := addrU32(p.Masked().Addr())
			own(netip.PrefixFrom(u32Addr(net), 32), route{typ: special, flags: rtReceive})
			own(netip.PrefixFrom(u32Addr(net|^mask(p.Bits())), 32), route{typ: special, flags: rtReceive})
		}
	}
	for _, a := range cfg.Virtual {
		own(netip.PrefixFrom(a, 32), route{typ: special, flags: rtReceive})
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
	if rescan {
		t.dirtyStaticsVia(id)
	}
	return nil
}

// dirtyStaticsVia marks the prefixes of the static routes naming
// interface id for recomputation: a walk of the RIB, when an interface
// comes, goes or is renamed.
func (t *Table) dirtyStaticsVia(id IfID) {
	for k, rs := range t.rib.all() {
		for _, r := range rs {
			if r.typ == Static && r.hasIf() && r.ifc == id {
				t.dirty[k] = struct{}{}
				break
			}
		}
	}
}

// dirtyStaticsViaNH marks the prefixes of the static routes via the next
// hops nhs for recomputation: a walk of the RIB, when next hops resolve
// differently (an SVI subnet or a recursive route changed).
func (t *Table) dirtyStaticsViaNH(nhs map[uint32]struct{}) {
	for k, rs := range t.rib.all() {
		for _, r := range rs {
			if _, ok := nhs[r.nh]; ok && r.typ == Static && r.hasNH() {
				t.dirty[k] = struct{}{}
				break
			}
		}
	}
}

// dropInterfaceRoutes removes the connected, local and special routes of
// interface st (nil: none yet).
func (t *Table) dropInterfaceRoutes(st *ifState) {
	if st == nil {
		return
	}
	for _, k := range st.owned {
		t.delRouteLocked(k, func(x route) bool { return x.hasIf() && x.ifc == st.id && x.typ != Static })
	}
	st.owned = st.owned[:0]
}

// RemoveInterface deletes an SVI, its routes, host entries and adjacencies.
func (t *Table) RemoveInterface(id IfID) {
	t.mu.Lock()
	defer t.done()
	t.dropInterfaceRoutes(t.ifs[id])
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
	t.dirtyStaticsVia(id) // as on IOS they stay configured, unused
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
	if s.HasIf && s.If != Null0 && t.ifs[s.If] == nil {
		return fmt.Errorf("ip route %v: interface %d: %w", s.Prefix, s.If, ErrNoInterface)
	}
	r := staticRoute(s)
	r.dist = s.Distance
	k := keyOf(s.Prefix)
	t.delRouteLocked(k, func(x route) bool { return sameStatic(x, r) })
	t.addRouteLocked(k, r)
	return nil
}

// staticRoute is the RIB candidate of s, distance aside.
func staticRoute(s StaticRoute) route {
	r := route{typ: Static}
	if s.NextHop.IsValid() {
		r.nh, r.flags = addrU32(s.NextHop), rtNextHop
	}
	if s.HasIf {
		r.ifc, r.flags = s.If, r.flags|rtIf
	}
	return r
}

// sameStatic says whether x is the static route r (as `no ip route`
// names one: next hop and interface, not distance).
func sameStatic(x, r route) bool {
	return x.typ == Static && x.flags == r.flags && x.nh == r.nh && (!r.hasIf() || x.ifc == r.ifc)
}

// RemoveStatic deletes a static route (`no ip route ...`; the distance is
// ignored, as IOS does).
func (t *Table) RemoveStatic(s StaticRoute) error {
	if !s.Prefix.IsValid() {
		return fmt.Errorf("no ip route %v: %w", s.Prefix, ErrBadPrefix)
	}
	if !s.Prefix.Addr().Is4() || (s.NextHop.IsValid() && !s.NextHop.Is4()) {
		return fmt.Errorf("no ip route %v: %w", s.Prefix, ErrNoSuchRoute)
	}
	r := staticRoute(s)
	t.mu.Lock()
	defer t.done()
	if !t.delRouteLocked(keyOf(s.Prefix), func(x route) bool { return sameStatic(x, r) }) {
		return fmt.Errorf("no ip route %v: %w", s.Prefix, ErrNoSuchRoute)
	}
	return nil
}

// Statics returns the configured static routes, those that do not
// resolve included, sorted by prefix (address, then length), next hop (none
// first) and interface.
func (t *Table) Statics() []StaticRoute {
	t.mu.Lock()
	out := make([]StaticRoute, 0, t.statics)
	for k, rs := range t.rib.all() {
		for _, r := range rs {
			if r.typ != Static {
				continue
			}
			s := StaticRoute{Prefix: k.prefix(), If: r.ifc, HasIf: r.hasIf(), Distance: r.dist}
			if r.hasNH() {
				s.NextHop = u32Addr(r.nh)
			}
			out = append(out, s)
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b StaticRoute) int {
		return cmp.Or(a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()),
			a.NextHop.Compare(b.NextHop), cmp.Compare(ifOrder(a), ifOrder(b)))
	})
	return out
}

// ifOrder orders the interfaces of statics: none, the SVIs by number,
// then Null0.
func ifOrder(s StaticRoute) int64 {
	if !s.HasIf {
		return -1
	}
	return int64(s.If)
}

// StaticCount returns the number of configured static routes.
func (t *Table) StaticCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.statics
}

func (t *Table) addRouteLocked(k pfxKey, r route) {
	t.rib.add(k, r)
	if r.typ == Static {
		t.statics++
		if r.hasNH() {
			t.nhRefs[r.nh]++
		}
	}
	t.dirty[k] = struct{}{}
	t.structural = true
}

func (t *Table) delRouteLocked(k pfxKey, match func(route) bool) bool {
	var buf [1]route
	rs := t.rib.get(k, &buf)
	var gone []uint32 // next hops of the removed statics
	out := rs[:0]
	found := false
	for _, r := range rs {
		if !match(r) {
			out = append(out, r)
			continue
		}
		found = true
		if r.typ == Static {
			t.statics--
			if r.hasNH() {
				gone = append(gone, r.nh)
			}
		}
	}
	if !found {
		return false
	}
	for _, nh := range gone {
		if t.nhRefs[nh]--; t.nhRefs[nh] == 0 {
			delete(t.nhRefs, nh)
			delete(t.nhRes, nh)
		}
	}
	t.rib.set(k, out)
	t.dirty[k] = struct{}{}
	t.structural = true
	return true
}
