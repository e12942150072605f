package cef

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
)

// Entries returns copies of the installed FIB entries in `show ip cef`
// order (address, then prefix length).
func (t *Table) Entries() []Entry {
	t.mu.Lock()
	out := make([]Entry, 0, len(t.live))
	for _, idx := range t.live {
		out = append(out, t.entries[idx])
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Or(cmp.Compare(a.Addr, b.Addr), cmp.Compare(a.Len, b.Len)) })
	return out
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
	idx, ok := t.live[keyOf(p)]
	if !ok {
		return Entry{}, false
	}
	return t.entries[idx], true
}

func cefNextHop(e *Entry) (string, string) {
	switch e.Kind {
	case KindAttached, KindHost:
		return "attached", e.IfName
	case KindNextHop:
		return u32Addr(e.NextHop).String(), e.IfName
	case KindReceive:
		return "receive", e.IfName
	case KindNull:
		return "0.0.0.0", "Null0"
	case KindDrop:
		return "drop", ""
	}
	return "no route", ""
}

// WriteShowIPCEF renders `show ip cef`: prefix at column 0, next hop at 21,
// interface at 42, no trailing spaces (the ntc template anchors the
// interface at the end of the line). Without a default route the first line
// is `0.0.0.0/0 no route`, as IOS prints it.
func WriteShowIPCEF(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("Prefix               Next Hop             Interface\n")
	hasDefault := len(entries) > 0 && entries[0].Addr == 0 && entries[0].Len == 0
	if !hasDefault {
		bw.WriteString("0.0.0.0/0            no route\n")
	}
	for i := range entries {
		nh, ifn := cefNextHop(&entries[i])
		line := fmt.Sprintf("%-21s%-21s%s", entries[i].Prefix(), nh, ifn)
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip cef: %w", err)
	}
	return nil
}

// WriteCEFPrefix renders `show ip cef PREFIX [MASK] [detail]` for one entry.
func WriteCEFPrefix(w io.Writer, e Entry, c *Counters, detail bool) error {
	var b strings.Builder
	if detail {
		fmt.Fprintf(&b, "%s, epoch 0\n", e.Prefix())
		pk, by := c.Prefix(&e)
		fmt.Fprintf(&b, "  %d packets, %d bytes switched through the prefix\n", pk, by)
	} else {
		fmt.Fprintf(&b, "%s\n", e.Prefix())
	}
	switch e.Kind {
	case KindAttached:
		fmt.Fprintf(&b, "  attached to %s\n", e.IfName)
	case KindHost:
		fmt.Fprintf(&b, "  attached to %s\n", e.IfName)
		if a := e.Adjacency(); a.State != AdjValid {
			fmt.Fprintf(&b, "  adjacency %s\n", a.State)
		}
	case KindNextHop:
		if e.Via != 0 {
			fmt.Fprintf(&b, "  recursive via %s\n  ", u32Addr(e.Via))
		}
		fmt.Fprintf(&b, "  nexthop %s %s\n", u32Addr(e.NextHop), e.IfName)
		if a := e.Adjacency(); a.State != AdjValid {
			fmt.Fprintf(&b, "  adjacency %s\n", a.State)
		}
	case KindReceive:
		if e.IfName != "" {
			fmt.Fprintf(&b, "  receive for %s\n", e.IfName)
		} else {
			b.WriteString("  receive\n")
		}
	case KindNull:
		b.WriteString("  attached to Null0\n")
	case KindDrop:
		b.WriteString("  drop\n")
	default:
		b.WriteString("  no route\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("show ip cef: %w", err)
	}
	return nil
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

// WriteShowAdjacency renders `show adjacency [detail]` in the IOS layout
// (interface at column 9, address at 35, detail lines indented 35).
func WriteShowAdjacency(w io.Writer, adjs []AdjacencyInfo, c *Counters, detail bool) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("Protocol Interface                 Address\n")
	const ind = "                                   "
	for i := range adjs {
		a := &adjs[i]
		suffix := ""
		if a.State != AdjValid {
			suffix = " (incomplete)"
		}
		fmt.Fprintf(bw, "IP       %-26s%s(%d)%s\n", a.IfName, u32Addr(a.NextHop), a.Refs, suffix)
		if !detail {
			continue
		}
		pk, by := c.Adjacency(a.ID)
		fmt.Fprintf(bw, "%s%d packets, %d bytes\n%sepoch 0\n%ssourced in sev-epoch 0\n", ind, pk, by, ind, ind)
		rw := a.Rewrite()
		if len(rw) == 0 {
			fmt.Fprintf(bw, "%spunt (rate-limited) packets\n%sARP\n", ind, ind)
			continue
		}
		fmt.Fprintf(bw, "%sEncap length %d\n", ind, len(rw))
		hx := strings.ToUpper(hex.EncodeToString(rw))
		for len(hx) > 32 {
			fmt.Fprintf(bw, "%s%s\n", ind, hx[:32])
			hx = hx[32:]
		}
		fmt.Fprintf(bw, "%s%s\n", ind, hx)
		link := "ip"
		if a.Tagged {
			link = "dot1Q"
		}
		fmt.Fprintf(bw, "%sL2 destination address byte offset 0\n%sL2 destination address byte length 6\n%sLink-type after encap: %s\n%sARP\n",
			ind, ind, ind, link, ind)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show adjacency: %w", err)
	}
	return nil
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
	for k, idx := range t.live {
		e := &t.entries[idx]
		if e.Kind == KindHost || e.Source == special {
			continue
		}
		for _, r := range t.routes[k] {
			if r.Type != e.Source {
				continue
			}
			if r.Type == Static && r.NextHop.IsValid() && addrU32(r.NextHop) != cmp.Or(e.Via, e.NextHop) {
				continue
			}
			out = append(out, RouteInfo{Prefix: k.prefix(), Type: r.Type, Distance: r.Distance, NextHop: r.NextHop, IfName: r.IfName})
			break
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b RouteInfo) int {
		return cmp.Or(a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()))
	})
	return out
}

const routeLegend = `Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP
       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area 
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2
       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2
       ia - IS-IS inter area, * - candidate default, U - per-user static route
       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP
       a - application route
       + - replicated route, % - next hop override, p - overrides from PfR
`

func classfulLen(a netip.Addr) int {
	switch b := a.As4()[0]; {
	case b < 128:
		return 8
	case b < 192:
		return 16
	case b < 224:
		return 24
	}
	return 32
}

// WriteShowIPRoute renders `show ip route` in the IOS 15 layout: the Codes
// legend, the gateway of last resort, then routes grouped under their
// classful network (`10.0.0.0/8 is variably subnetted, 3 subnets, 2 masks`;
// with a single mask `is subnetted` and the mask left off the route lines).
func WriteShowIPRoute(w io.Writer, routes []RouteInfo) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(routeLegend)
	bw.WriteString("\n")
	gw := "Gateway of last resort is not set"
	for _, r := range routes {
		if r.Prefix.Bits() == 0 {
			nh := "0.0.0.0"
			if r.NextHop.IsValid() {
				nh = r.NextHop.String()
			}
			gw = "Gateway of last resort is " + nh + " to network 0.0.0.0"
		}
	}
	bw.WriteString(gw + "\n\n")

	// Group: the major network of every route longer than its class, plus
	// the classful route itself when its group exists.
	type group struct {
		masks  map[int]bool
		routes []RouteInfo
	}
	groups := map[netip.Prefix]*group{}
	major := func(r RouteInfo) (netip.Prefix, bool) {
		cl := classfulLen(r.Prefix.Addr())
		if cl == 32 || r.Prefix.Bits() < cl {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(r.Prefix.Addr(), cl).Masked(), true
	}
	for _, r := range routes {
		if m, ok := major(r); ok && r.Prefix.Bits() > m.Bits() {
			if groups[m] == nil {
				groups[m] = &group{masks: map[int]bool{}}
			}
		}
	}
	type item struct {
		key netip.Prefix
		r   RouteInfo
		g   *group
	}
	var items []item
	for _, r := range routes {
		if m, ok := major(r); ok && groups[m] != nil {
			g := groups[m]
			if len(g.routes) == 0 {
				items = append(items, item{key: m, g: g})
			}
			g.routes = append(g.routes, r)
			g.masks[r.Prefix.Bits()] = true
			continue
		}
		items = append(items, item{key: r.Prefix, r: r})
	}
	for _, it := range items {
		if it.g == nil {
			bw.WriteString(routeLine(it.r, 6, true) + "\n")
			continue
		}
		withMask := len(it.g.masks) > 1
		if withMask {
			fmt.Fprintf(bw, "      %s is variably subnetted, %d subnets, %d masks\n", it.key, len(it.g.routes), len(it.g.masks))
		} else {
			fmt.Fprintf(bw, "      %s/%d is subnetted, %d subnets\n", it.key.Addr(), it.g.routes[0].Prefix.Bits(), len(it.g.routes))
		}
		for _, r := range it.g.routes {
			bw.WriteString(routeLine(r, 9, withMask) + "\n")
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip route: %w", err)
	}
	return nil
}

func routeLine(r RouteInfo, width int, withMask bool) string {
	code := [...]string{Connected: "C", Local: "L", Static: "S"}[r.Type]
	if r.Prefix.Bits() == 0 {
		code += "*"
	}
	net := r.Prefix.Addr().String()
	if withMask {
		net = r.Prefix.String()
	}
	var rest string
	switch {
	case r.Type != Static || !r.NextHop.IsValid():
		rest = "is directly connected, " + r.IfName
	case r.IfName != "":
		rest = fmt.Sprintf("[%d/0] via %s, %s", r.Distance, r.NextHop, r.IfName)
	default:
		rest = fmt.Sprintf("[%d/0] via %s", r.Distance, r.NextHop)
	}
	return fmt.Sprintf("%-*s%s %s", width, code, net, rest)
}
