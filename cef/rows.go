package cef

import (
	"cmp"
	"net/netip"
	"slices"
)

// The tables' rows for the show commands (rendered by the CLI).

// Entries returns copies of the installed FIB entries in `show ip cef`
// order (address, then prefix length).
func (t *Table) Entries() []Entry {
	t.mu.Lock()
	out := make([]Entry, 0, t.nlive)
	for _, idx := range t.rib.installed() {
		out = append(out, t.entries[idx])
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Or(cmp.Compare(a.Addr, b.Addr), cmp.Compare(a.Len, b.Len)) })
	return out
}

// EntryIfName returns the name of e's interface ("" for none), as `show
// ip cef` shows it.
func (t *Table) EntryIfName(e *Entry) string {
	if !e.hasIf {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ifName(e.If)
}

// EntryAdjacency returns the current version of e's adjacency. For a copy
// of an entry that has since been replaced, the adjacency may be gone
// (a drop adjacency stands in) or, its ID reused, another's.
func (t *Table) EntryAdjacency(e *Entry) *Adjacency {
	t.mu.Lock()
	defer t.mu.Unlock()
	if int(e.adj) < len(t.adjByID) {
		if s := t.adjByID[e.adj]; s != nil {
			return s.cur.Load()
		}
	}
	return t.dropSlot.cur.Load()
}

// Find returns the entry of exactly p (exact) or the longest match of p's
// address (!exact), as `show ip cef A M` and `show ip cef A` do.
func (t *Table) Find(p netip.Prefix, exact bool) (Entry, bool) {
	if !p.IsValid() || !p.Addr().Is4() {
		return Entry{}, false
	}
	if !exact {
		r := t.Lookup(addrU32(p.Addr()))
		if r.Entry.Kind == KindNoRoute {
			return Entry{}, false
		}
		return *r.Entry, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	idx, ok := t.rib.fibOf(keyOf(p))
	if !ok {
		return Entry{}, false
	}
	return t.entries[idx], true
}

// AdjacencyInfo is one row of `show adjacency`.
type AdjacencyInfo struct {
	Adjacency
	Refs int
}

// Adjacencies returns the (interface, next hop) adjacencies sorted by
// interface name and address.
func (t *Table) Adjacencies() []AdjacencyInfo {
	t.mu.Lock()
	out := make([]AdjacencyInfo, 0, len(t.adjs))
	for _, s := range t.adjs {
		out = append(out, AdjacencyInfo{Adjacency: *s.cur.Load(), Refs: s.refs})
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b AdjacencyInfo) int {
		return cmp.Or(cmp.Compare(a.IfName, b.IfName), cmp.Compare(a.NextHop, b.NextHop))
	})
	return out
}

// RouteInfo is one route of `show ip route`: the RIB entry that is used.
type RouteInfo struct {
	Prefix   netip.Prefix
	Type     RouteType
	Distance uint8
	NextHop  netip.Addr // configured next hop (statics)
	IfName   string     // connected/local interface, or the static's interface
}

// Routes returns the routes in use (one per prefix: connected, local and
// static), sorted by address then length.
func (t *Table) Routes() []RouteInfo {
	t.mu.Lock()
	var out []RouteInfo
	for k, idx := range t.rib.installed() {
		e := &t.entries[idx]
		if e.Kind == KindHost || e.Source == special {
			continue
		}
		var buf [1]route
		for _, r := range t.rib.get(k, &buf) {
			if r.typ != e.Source {
				continue
			}
			if r.typ == Static && r.hasNH() && r.nh != cmp.Or(e.Via, e.NextHop) {
				continue
			}
			ri := RouteInfo{Prefix: k.prefix(), Type: r.typ, Distance: r.dist}
			if r.hasNH() {
				ri.NextHop = u32Addr(r.nh)
			}
			if r.hasIf() {
				ri.IfName = t.ifName(r.ifc)
			}
			out = append(out, ri)
			break
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b RouteInfo) int {
		return cmp.Or(a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()))
	})
	return out
}
