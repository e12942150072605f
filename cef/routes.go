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
	for _, a := range cfg.Virtual {
		t.addRouteLocked(Route{Prefix: netip.PrefixFrom(a, 32), Type: special, receive: true, If: id, HasIf: true, IfName: cfg.Name})
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
