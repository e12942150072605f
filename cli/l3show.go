package cli

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"github.com/l2sw/l2sw/ifname"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/l2sw/l2sw/dataplane"
)

// The layer-3 show commands: the switch hands rows over (facade_l3.go in
// dataplane), and the IOS layouts are made here.

// arpShowHeader is the first line of `show ip arp` in current IOS.
const arpShowHeader = "Protocol  Address          Age (min)  Hardware Addr   Type   Interface"

// writeShowIPARP renders entries (filtered and sorted by the switch) in
// the IOS `show ip arp` layout: address at column 10, age right-aligned to
// end at column 35 ("-" for static and interface entries), hardware
// address at 38, type at 54, interface at 61. Incomplete entries show
// "Incomplete" and no interface, as IOS does. Ages are whole minutes.
func writeShowIPARP(w io.Writer, entries []dataplane.ARPEntry, now int64) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(arpShowHeader)
	bw.WriteByte('\n')
	for _, e := range entries {
		age, hw, ifName := "-", e.MAC.String(), e.IfName
		switch e.Type {
		case dataplane.ARPDynamic:
			age = strconv.FormatInt(int64(e.Age(now)/time.Minute), 10)
		case dataplane.ARPIncomplete:
			age = strconv.FormatInt(int64(e.Age(now)/time.Minute), 10)
			hw, ifName = "Incomplete", ""
		}
		line := fmt.Sprintf("Internet  %-15s  %8s   %-14s  ARPA   %s", e.IP, age, hw, ifName)
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip arp: %w", err)
	}
	return nil
}

// writeShowIPTraffic renders the routed-path, ICMP, CEF and ARP counters
// in the spirit of `show ip traffic` (and `show ip cef drop`).
func writeShowIPTraffic(w io.Writer, s dataplane.L3Stats) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "IP statistics:\n  Frags: %d fragmented, %d fragments created, %d couldn't fragment\n",
		s.Fragmented, s.FragmentsOut, s.CEF.DropsBy(dataplane.CEFDropFragDF))
	fmt.Fprintf(bw, "  Drop:  %d no route, %d unresolved, %d bad checksum, %d interface down, %d routing disabled\n",
		s.CEF.DropsBy(dataplane.CEFDropNoRoute), s.DropUnresolved, s.DropBadChecksum, s.DropSVIDown+s.DropNoEgress, s.DropRoutingOff)
	fmt.Fprintf(bw, "  Punt:  %d punted, %d dropped (punt queue full)\n\n", s.Punted, s.PuntQueueFull)
	fmt.Fprintf(bw, "ICMP statistics:\n  Sent: %d echo reply, %d unreachable, %d time exceeded, %d fragmentation needed, %d rate limited\n\n",
		s.EchoReplies, s.Unreachables, s.TimeExceeded, s.FragNeeded, s.ICMPRateLimited)
	fmt.Fprintf(bw, "CEF statistics:\n  %d switched, %d punted\n  Drops:", s.CEF.Forwarded, s.CEF.Punted)
	for r := dataplane.CEFDropNoRoute; r <= dataplane.CEFDropReasonLast; r++ {
		fmt.Fprintf(bw, " %d %s,", s.CEF.DropsBy(r), r)
	}
	bw.WriteString("\n\n")
	a := s.ARP
	var filtered uint64
	for _, n := range a.Filtered {
		filtered += n
	}
	fmt.Fprintf(bw, "ARP statistics:\n"+
		"  Rcvd: %d requests, %d replies, %d reverse, %d other\n"+
		"  Sent: %d requests, %d replies (%d proxy), %d reverse\n"+
		"  Drop due to input queue full: %d\n"+
		"  Filtered: %d (wrong cable %d, reply not for us %d, gratuitous refused %d, multicast sender %d)\n"+
		"  Gratuitous: %d probes, %d announcements, %d replies\n"+
		"  Resolution: %d queued, %d dropped, %d failed\n",
		a.RequestsRx, a.RepliesRx, 0, a.FilteredBy(dataplane.ARPBadOp),
		a.RequestsTx, a.RepliesTx, a.ProxyRepliesTx, 0,
		0,
		filtered, a.FilteredBy(dataplane.ARPWrongCable), a.FilteredBy(dataplane.ARPReplyNotForUs),
		a.FilteredBy(dataplane.ARPGratuitousRefused), a.FilteredBy(dataplane.ARPMulticastSender),
		a.GratuitousBy(dataplane.ARPProbe), a.GratuitousBy(dataplane.ARPAnnouncement), a.GratuitousBy(dataplane.ARPGratuitousReply),
		a.QueuedPackets, a.QueueDrops, a.ResolutionFailed)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip traffic: %w", err)
	}
	return nil
}

func cefNextHop(e *dataplane.CEFRow) (string, string) {
	switch e.Kind {
	case dataplane.FIBAttached, dataplane.FIBHost:
		return "attached", e.IfName
	case dataplane.FIBNextHop:
		return e.NextHop.String(), e.IfName
	case dataplane.FIBReceive:
		return "receive", e.IfName
	case dataplane.FIBNull:
		return "0.0.0.0", "Null0"
	case dataplane.FIBDrop:
		return "drop", ""
	}
	return "no route", ""
}

// writeShowIPCEF renders `show ip cef`: prefix at column 0, next hop at 21,
// interface at 42, no trailing spaces (the ntc template anchors the
// interface at the end of the line). Without a default route the first
// line is `0.0.0.0/0 no route`, as IOS prints it.
func writeShowIPCEF(w io.Writer, entries []dataplane.CEFRow) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("Prefix               Next Hop             Interface\n")
	hasDefault := len(entries) > 0 && entries[0].Prefix.Bits() == 0 && entries[0].Prefix.Addr().IsUnspecified()
	if !hasDefault {
		bw.WriteString("0.0.0.0/0            no route\n")
	}
	for i := range entries {
		nh, ifn := cefNextHop(&entries[i])
		line := fmt.Sprintf("%-21s%-21s%s", entries[i].Prefix, nh, ifn)
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip cef: %w", err)
	}
	return nil
}

// writeCEFPrefix renders `show ip cef PREFIX [MASK] [detail]` for one entry.
func writeCEFPrefix(w io.Writer, e dataplane.CEFRow, detail bool) error {
	var b strings.Builder
	if detail {
		fmt.Fprintf(&b, "%s, epoch 0\n", e.Prefix)
		if e.Accounting { // `ip cef accounting per-prefix`
			fmt.Fprintf(&b, "  %d packets, %d bytes switched through the prefix\n", e.Packets, e.Bytes)
		}
	} else {
		fmt.Fprintf(&b, "%s\n", e.Prefix)
	}
	switch e.Kind {
	case dataplane.FIBAttached:
		fmt.Fprintf(&b, "  attached to %s\n", e.IfName)
	case dataplane.FIBHost:
		fmt.Fprintf(&b, "  attached to %s\n", e.IfName)
		if e.Adj != dataplane.AdjValid {
			fmt.Fprintf(&b, "  adjacency %s\n", e.Adj)
		}
	case dataplane.FIBNextHop:
		if e.Via.IsValid() {
			fmt.Fprintf(&b, "  recursive via %s\n  ", e.Via)
		}
		fmt.Fprintf(&b, "  nexthop %s %s\n", e.NextHop, e.IfName)
		if e.Adj != dataplane.AdjValid {
			fmt.Fprintf(&b, "  adjacency %s\n", e.Adj)
		}
	case dataplane.FIBReceive:
		if e.IfName != "" {
			fmt.Fprintf(&b, "  receive for %s\n", e.IfName)
		} else {
			b.WriteString("  receive\n")
		}
	case dataplane.FIBNull:
		b.WriteString("  attached to Null0\n")
	case dataplane.FIBDrop:
		b.WriteString("  drop\n")
	default:
		b.WriteString("  no route\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("show ip cef: %w", err)
	}
	return nil
}

// writeShowAdjacency renders `show adjacency [detail]` in the IOS layout
// (interface at column 9, address at 35, detail lines indented 35).
func writeShowAdjacency(w io.Writer, adjs []dataplane.AdjacencyRow, detail bool) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("Protocol Interface                 Address\n")
	const ind = "                                   "
	for i := range adjs {
		a := &adjs[i]
		suffix := ""
		if a.State != dataplane.AdjValid {
			suffix = " (incomplete)"
		}
		nh := a.NextHop
		if !nh.IsValid() {
			nh = netip.IPv4Unspecified()
		}
		fmt.Fprintf(bw, "IP       %-26s%s(%d)%s\n", a.IfName, nh, a.Refs, suffix)
		if !detail {
			continue
		}
		fmt.Fprintf(bw, "%s%d packets, %d bytes\n%sepoch 0\n%ssourced in sev-epoch 0\n", ind, a.Packets, a.Bytes, ind, ind)
		if len(a.Rewrite) == 0 {
			fmt.Fprintf(bw, "%spunt (rate-limited) packets\n%sARP\n", ind, ind)
			continue
		}
		fmt.Fprintf(bw, "%sEncap length %d\n", ind, len(a.Rewrite))
		hx := strings.ToUpper(hex.EncodeToString(a.Rewrite))
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

// writeShowIPRoute renders `show ip route` in the IOS 15 layout: the Codes
// legend, the gateway of last resort, then routes grouped under their
// classful network (`10.0.0.0/8 is variably subnetted, 3 subnets, 2 masks`;
// with a single mask `is subnetted` and the mask left off the route lines).
func writeShowIPRoute(w io.Writer, routes []dataplane.RouteRow) error {
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
		routes []dataplane.RouteRow
	}
	groups := map[netip.Prefix]*group{}
	major := func(r dataplane.RouteRow) (netip.Prefix, bool) {
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
		r   dataplane.RouteRow
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

func routeLine(r dataplane.RouteRow, width int, withMask bool) string {
	code := map[dataplane.RouteType]string{dataplane.RouteConnected: "C", dataplane.RouteLocal: "L", dataplane.RouteStatic: "S"}[r.Type]
	if r.Prefix.Bits() == 0 {
		code += "*"
	}
	net := r.Prefix.Addr().String()
	if withMask {
		net = r.Prefix.String()
	}
	var rest string
	switch {
	case r.Type != dataplane.RouteStatic || !r.NextHop.IsValid():
		rest = "is directly connected, " + r.IfName
	case r.IfName != "":
		rest = fmt.Sprintf("[%d/0] via %s, %s", r.Distance, r.NextHop, r.IfName)
	default:
		rest = fmt.Sprintf("[%d/0] via %s", r.Distance, r.NextHop)
	}
	return fmt.Sprintf("%-*s%s %s", width, code, net, rest)
}

// writeShowIPRouteEntry renders `show ip route PREFIX`: the longest match
// of p's address (a /32), or the exact prefix when p is shorter.
func writeShowIPRouteEntry(w io.Writer, routes []dataplane.RouteRow, p netip.Prefix) error {
	var best *dataplane.RouteRow
	for i := range routes {
		r := &routes[i]
		if p.Bits() < 32 && r.Prefix == p.Masked() || p.Bits() == 32 && r.Prefix.Contains(p.Addr()) && (best == nil || r.Prefix.Bits() > best.Prefix.Bits()) {
			best = r
		}
	}
	var err error
	if best == nil {
		_, err = io.WriteString(w, "% Network not in table\n")
	} else {
		_, err = io.WriteString(w, routeEntry(*best))
	}
	if err != nil {
		return fmt.Errorf("show ip route: %w", err)
	}
	return nil
}

func routeEntry(r dataplane.RouteRow) string {
	known, dist := "connected", 0
	if r.Type == dataplane.RouteStatic {
		known, dist = "static", int(r.Distance)
	}
	s := fmt.Sprintf("Routing entry for %v\n  Known via \"%s\", distance %d, metric 0", r.Prefix, known, dist)
	if r.Type != dataplane.RouteStatic {
		s += " (connected, via interface)"
	}
	s += "\n  Routing Descriptor Blocks:\n"
	switch {
	case r.Type == dataplane.RouteStatic && r.NextHop.IsValid():
		s += fmt.Sprintf("  * %v", r.NextHop)
		if r.IfName != "" {
			s += ", via " + r.IfName
		}
		s += "\n"
	default:
		s += "  * directly connected, via " + r.IfName + "\n"
	}
	return s + "      Route metric is 0, traffic share count is 1\n"
}

// writeShowIPInterfaceBrief renders `show ip interface brief`.
func writeShowIPInterfaceBrief(w io.Writer, rows []dataplane.IPInterfaceRow) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("Interface                  IP-Address      OK? Method Status                Protocol\n")
	for _, r := range rows {
		ip, method := "unassigned", "unset"
		if r.Addr.IsValid() {
			ip, method = r.Addr.String(), "manual"
		}
		status := "up"
		switch {
		case r.AdminDown:
			status = "administratively down"
		case !r.LinkUp:
			status = "down"
		}
		proto := "down"
		if r.ProtocolUp {
			proto = "up"
		}
		fmt.Fprintf(bw, "%-26s %-15s YES %-6s %-21s %s\n", r.Name, ip, method, status, proto)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip interface brief: %w", err)
	}
	return nil
}

// arpTimeoutClock renders an ARP timeout as IOS does (04:00:00).
func arpTimeoutClock(d time.Duration) string {
	sec := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}

// writeShowInterfaceVlan renders `show interfaces vlan N`.
func writeShowInterfaceVlan(w io.Writer, c dataplane.SVIStatus, rt portRate, interval int) error {
	status, proto := "up", "down"
	if c.Shutdown {
		status = "administratively down"
	}
	if c.ProtocolUp {
		proto = "up"
	}
	name := ifname.SVI(c.VLAN)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s is %s, line protocol is %s\n", name, status, proto)
	fmt.Fprintf(bw, "  Hardware is Ethernet SVI, address is %s (bia %s)\n", c.MAC, c.MAC)
	if c.Description != "" {
		fmt.Fprintf(bw, "  Description: %s\n", c.Description)
	}
	for i, a := range c.Addresses {
		if i == 0 {
			fmt.Fprintf(bw, "  Internet address is %s\n", a)
		} else {
			fmt.Fprintf(bw, "  Secondary internet address is %s\n", a)
		}
	}
	fmt.Fprintf(bw, "  MTU %d bytes, BW 1000000 Kbit/sec, DLY 10 usec,\n", c.MTU)
	bw.WriteString("     reliability 255/255, txload 1/255, rxload 1/255\n")
	bw.WriteString("  Encapsulation ARPA, loopback not set\n  Keepalive not supported\n")
	fmt.Fprintf(bw, "  ARP type: ARPA, ARP Timeout %s\n", arpTimeoutClock(c.ARPTimeout))
	cnt := c.Counters
	fmt.Fprintf(bw, "  Last input %s, output %s, output hang never\n", sviLast(cnt.LastInput), sviLast(cnt.LastOutput))
	bw.WriteString("  Last clearing of \"show interface\" counters never\n")
	bw.WriteString("  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0\n")
	bw.WriteString("  Queueing strategy: fifo\n  Output queue: 0/40 (size/max)\n")
	iw := intervalWords(interval)
	fmt.Fprintf(bw, "  %s input rate %d bits/sec, %d packets/sec\n", iw, int64(rt.inBits), int64(rt.inPkts))
	fmt.Fprintf(bw, "  %s output rate %d bits/sec, %d packets/sec\n", iw, int64(rt.outBits), int64(rt.outPkts))
	fmt.Fprintf(bw, "     %d packets input, %d bytes, 0 no buffer\n", cnt.InPackets, cnt.InBytes)
	fmt.Fprintf(bw, "     Received %d broadcasts (0 IP multicasts)\n     0 runts, 0 giants, 0 throttles\n", cnt.InBroadcasts)
	bw.WriteString("     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored\n")
	fmt.Fprintf(bw, "     %d packets output, %d bytes, 0 underruns\n", cnt.OutPackets, cnt.OutBytes)
	bw.WriteString("     0 output errors, 0 interface resets\n     0 unknown protocol drops\n")
	bw.WriteString("     0 output buffer failures, 0 output buffers swapped out\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show interfaces %s: %w", name, err)
	}
	return nil
}

// showIPCEF is `show ip cef [PREFIX [MASK]] [detail]`: p invalid for the
// whole table; exact when a mask was given.
func (d *Device) showIPCEF(w io.Writer, p netip.Prefix, exact, detail bool) error {
	if p.IsValid() {
		e, ok := d.sw.CEFFind(p, exact, detail)
		if !ok {
			if _, err := io.WriteString(w, "%Prefix not found\n"); err != nil {
				return fmt.Errorf("show ip cef: %w", err)
			}
			return nil
		}
		return writeCEFPrefix(w, e, detail)
	}
	es := d.sw.CEFEntries(detail)
	if !detail {
		return writeShowIPCEF(w, es)
	}
	for _, e := range es {
		if err := writeCEFPrefix(w, e, true); err != nil {
			return err
		}
	}
	return nil
}

// showIPRoute is `show ip route [PREFIX]`.
func (d *Device) showIPRoute(w io.Writer, p netip.Prefix) error {
	if !p.IsValid() {
		return writeShowIPRoute(w, d.sw.Routes())
	}
	return writeShowIPRouteEntry(w, d.sw.Routes(), p)
}

// showIPARP is `show ip arp [IP | interface]`.
func (d *Device) showIPARP(w io.Writer, f dataplane.ARPFilter) error {
	es, err := d.sw.ARPEntries(f)
	if err != nil {
		return err
	}
	return writeShowIPARP(w, es, d.sw.ClockNanos())
}
