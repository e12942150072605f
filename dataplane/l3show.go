package dataplane

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cef"
)

// L3Stats are the `show ip traffic`-like counters of the routed path, the
// punt path and ARP.
type L3Stats struct {
	CEF cef.Summary // forwarded, punted, drops by reason
	ARP arp.Stats
	// Routed counts packets routed out (fast path and CPU).
	Routed uint64
	// Punted: frames handed to the control plane; PuntQueueFull: punts
	// dropped because the queue was full.
	Punted, PuntQueueFull uint64
	// Drops outside the FIB's reasons.
	DropSVIDown, DropNotIPv4, DropRoutingOff, DropBadChecksum, DropNoEgress, DropUnresolved uint64
	// What the control plane sent.
	EchoReplies, TimeExceeded, Unreachables, FragNeeded, ICMPRateLimited uint64
	Fragmented, FragmentsOut, ARPRequestsOut, ARPRepliesOut              uint64
}

// L3Stats sums the routed-path counters of every worker and the CPU.
func (sw *Switch) L3Stats() L3Stats {
	sw.mu.Lock()
	workers := slices.Clone(sw.l3.workers)
	sw.mu.Unlock()
	// Shards are taken with no lock held (see counter.Shard).
	var c [numL3Counters]uint64
	for _, w := range workers {
		w.sh.Read(func() {
			for i := range c {
				c[i] += w.c[i].Load()
			}
		})
	}
	return L3Stats{
		CEF: sw.l3.fib.Counters().Summary(), ARP: sw.l3.arp.Stats(),
		Routed: c[l3Routed], Punted: c[l3Punted], PuntQueueFull: c[l3PuntQueueFull],
		DropSVIDown: c[l3DropSVIDown], DropNotIPv4: c[l3DropNotIPv4], DropRoutingOff: c[l3DropRoutingOff],
		DropBadChecksum: c[l3DropBadChecksum], DropNoEgress: c[l3DropNoEgress], DropUnresolved: c[l3DropUnresolved],
		EchoReplies: c[l3EchoReplies], TimeExceeded: c[l3TimeExceeded], Unreachables: c[l3Unreachables],
		FragNeeded: c[l3FragNeeded], ICMPRateLimited: c[l3ICMPRateLimited], Fragmented: c[l3Fragmented],
		FragmentsOut: c[l3FragmentsOut], ARPRequestsOut: c[l3ARPRequestsOut], ARPRepliesOut: c[l3ARPRepliesOut],
	}
}

// WriteShowIPTraffic renders the routed-path, ICMP and ARP counters in the
// spirit of `show ip traffic` (and `show ip cef drop`).
func (sw *Switch) WriteShowIPTraffic(w io.Writer) error {
	s := sw.L3Stats()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "IP statistics:\n  Frags: %d fragmented, %d fragments created, %d couldn't fragment\n",
		s.Fragmented, s.FragmentsOut, s.CEF.DropsBy(cef.DropFragDF))
	fmt.Fprintf(bw, "  Drop:  %d no route, %d unresolved, %d bad checksum, %d interface down, %d routing disabled\n",
		s.CEF.DropsBy(cef.DropNoRoute), s.DropUnresolved, s.DropBadChecksum, s.DropSVIDown+s.DropNoEgress, s.DropRoutingOff)
	fmt.Fprintf(bw, "  Punt:  %d punted, %d dropped (punt queue full)\n\n", s.Punted, s.PuntQueueFull)
	fmt.Fprintf(bw, "ICMP statistics:\n  Sent: %d echo reply, %d unreachable, %d time exceeded, %d fragmentation needed, %d rate limited\n\n",
		s.EchoReplies, s.Unreachables, s.TimeExceeded, s.FragNeeded, s.ICMPRateLimited)
	fmt.Fprintf(bw, "CEF statistics:\n  %d switched, %d punted\n  Drops:", s.CEF.Forwarded, s.CEF.Punted)
	for r := cef.DropNoRoute; r <= cef.DropBadHeader; r++ {
		fmt.Fprintf(bw, " %d %s,", s.CEF.DropsBy(r), r)
	}
	bw.WriteString("\n\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show ip traffic: %w", err)
	}
	return arp.WriteTraffic(w, s.ARP)
}

// WriteShowIPARP renders `show ip arp [IP | interface]`.
func (sw *Switch) WriteShowIPARP(w io.Writer, f ARPFilter) error {
	es, err := sw.ARPEntries(f)
	if err != nil {
		return err
	}
	return arp.WriteShowIPARP(w, es, sw.clk.Nanos())
}

// WriteShowIPRoute renders `show ip route` (invalid p) or `show ip route
// PREFIX` (the longest match of p's address, or the exact prefix when p is
// shorter than /32).
func (sw *Switch) WriteShowIPRoute(w io.Writer, p netip.Prefix) error {
	routes := sw.l3.fib.Routes()
	if !p.IsValid() {
		return cef.WriteShowIPRoute(w, routes)
	}
	var best *cef.RouteInfo
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

func routeEntry(r cef.RouteInfo) string {
	known, dist := "connected", 0
	switch r.Type {
	case cef.Static:
		known, dist = "static", int(r.Distance)
	case cef.Local:
		known = "connected"
	}
	s := fmt.Sprintf("Routing entry for %v\n  Known via \"%s\", distance %d, metric 0", r.Prefix, known, dist)
	if r.Type != cef.Static {
		s += " (connected, via interface)"
	}
	s += "\n  Routing Descriptor Blocks:\n"
	switch {
	case r.Type == cef.Static && r.NextHop.IsValid():
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

// WriteShowIPCEF renders `show ip cef [PREFIX [MASK]] [detail]`: p invalid
// for the whole table; exact when a mask was given.
func (sw *Switch) WriteShowIPCEF(w io.Writer, p netip.Prefix, exact, detail bool) error {
	fib := sw.l3.fib
	if p.IsValid() {
		e, ok := fib.Find(p, exact)
		if !ok {
			if _, err := fmt.Fprintf(w, "%%Prefix not found\n"); err != nil {
				return fmt.Errorf("show ip cef: %w", err)
			}
			return nil
		}
		return cef.WriteCEFPrefix(w, e, fib.Counters(), detail)
	}
	es := fib.Entries()
	if !detail {
		return cef.WriteShowIPCEF(w, es)
	}
	for _, e := range es {
		if err := cef.WriteCEFPrefix(w, e, fib.Counters(), true); err != nil {
			return err
		}
	}
	return nil
}

// WriteShowAdjacency renders `show adjacency [detail]`.
func (sw *Switch) WriteShowAdjacency(w io.Writer, detail bool) error {
	fib := sw.l3.fib
	return cef.WriteShowAdjacency(w, fib.Adjacencies(), fib.Counters(), detail)
}

// sviProtocolUp is IOS autostate: an SVI's line protocol is up while it is
// not shut down and some forwarding port carries its VLAN.
func sviProtocolUp(s *snapshot, c *SVIConfig) bool {
	return !c.Shutdown && len(s.flood[c.VLAN]) > 0
}

// WriteShowIPInterfaceBrief renders `show ip interface brief`: the ports
// (layer 2, unassigned) then the SVIs.
func (sw *Switch) WriteShowIPInterfaceBrief(w io.Writer) error {
	type row struct{ name, ip, method, status, proto string }
	var rows []row
	s := sw.snap.Load()
	sw.mu.Lock()
	for _, p := range sw.ports {
		if p == nil {
			continue
		}
		status, proto := "up", "up"
		switch {
		case p.settings.Shutdown:
			status, proto = "administratively down", "down"
		case !p.linkUp:
			status, proto = "down", "down"
		}
		rows = append(rows, row{p.name, "unassigned", "unset", status, proto})
	}
	for _, c := range sw.l3.svis {
		ip, method := "unassigned", "unset"
		if len(c.Addresses) > 0 {
			ip, method = c.Addresses[0].Addr().String(), "manual"
		}
		status, proto := "up", "down"
		if c.Shutdown {
			status = "administratively down"
		}
		if sviProtocolUp(s, c) {
			proto = "up"
		}
		rows = append(rows, row{SVIName(c.VLAN), ip, method, status, proto})
	}
	sw.mu.Unlock()
	slices.SortFunc(rows, func(a, b row) int {
		switch {
		case IfNameLess(a.name, b.name):
			return -1
		case IfNameLess(b.name, a.name):
			return 1
		}
		return 0
	})
	bw := bufio.NewWriter(w)
	bw.WriteString("Interface                  IP-Address      OK? Method Status                Protocol\n")
	for _, r := range rows {
		fmt.Fprintf(bw, "%-26s %-15s YES %-6s %-21s %s\n", r.name, r.ip, r.method, r.status, r.proto)
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

// WriteShowInterfaceVlan renders `show interfaces vlan N`.
func (sw *Switch) WriteShowInterfaceVlan(w io.Writer, vlan uint16) error {
	c, err := sw.SVI(vlan)
	if err != nil {
		return err
	}
	s := sw.snap.Load()
	status, proto := "up", "down"
	if c.Shutdown {
		status = "administratively down"
	}
	if sviProtocolUp(s, &c) {
		proto = "up"
	}
	mac := sw.l3.mac
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s is %s, line protocol is %s\n", SVIName(vlan), status, proto)
	fmt.Fprintf(bw, "  Hardware is Ethernet SVI, address is %s (bia %s)\n", mac, mac)
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
	bw.WriteString("  Last input never, output never, output hang never\n")
	bw.WriteString("  Last clearing of \"show interface\" counters never\n")
	bw.WriteString("  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0\n")
	bw.WriteString("  Queueing strategy: fifo\n  Output queue: 0/40 (size/max)\n")
	bw.WriteString("  5 minute input rate 0 bits/sec, 0 packets/sec\n  5 minute output rate 0 bits/sec, 0 packets/sec\n")
	st := sw.L3Stats()
	fmt.Fprintf(bw, "     %d packets input, 0 bytes, 0 no buffer\n", st.Punted)
	bw.WriteString("     Received 0 broadcasts (0 IP multicasts)\n     0 runts, 0 giants, 0 throttles\n")
	fmt.Fprintf(bw, "     0 input errors, 0 CRC, 0 frame, 0 overrun, %d ignored\n", st.PuntQueueFull)
	fmt.Fprintf(bw, "     %d packets output, 0 bytes, 0 underruns\n", st.EchoReplies+st.ARPRepliesOut+st.ARPRequestsOut)
	bw.WriteString("     0 output errors, 0 interface resets\n     0 unknown protocol drops\n")
	bw.WriteString("     0 output buffer failures, 0 output buffers swapped out\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("show interfaces %s: %w", SVIName(vlan), err)
	}
	return nil
}
