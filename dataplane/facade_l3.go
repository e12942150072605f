package dataplane

import (
	"cmp"
	"github.com/l2sw/l2sw/ifname"
	"net/netip"
	"slices"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/packet"
)

// The layer-3 part of the switch's API: the rows the CLI renders as
// `show ip arp`, `show ip route`, `show ip cef`, `show adjacency`,
// `show ip traffic`, `show ip interface brief` and `show interfaces vlan`.
// The CLI names table values through these and never imports arp or cef.
type (
	// ARPEntryType is static, dynamic, incomplete or the SVI's own.
	ARPEntryType = arp.EntryType
	// ARPStats are the ARP table's counters.
	ARPStats = arp.Stats
	// ARPReason is why an ARP frame was filtered.
	ARPReason = arp.Reason
	// ARPGratuitous is a kind of gratuitous ARP.
	ARPGratuitous = arp.Gratuitous
	// CEFSummary is the routed path's forwarded, punted and dropped totals.
	CEFSummary = cef.Summary
	// CEFDropReason is why the routed path dropped a packet.
	CEFDropReason = cef.DropReason
	// RouteRow is one route in use (`show ip route`).
	RouteRow = cef.RouteInfo
	// RouteType is connected, local or static.
	RouteType = cef.RouteType
	// FIBKind is what a FIB entry does with a packet.
	FIBKind = cef.EntryKind
	// AdjState is an adjacency's forwarding state.
	AdjState = cef.AdjState
)

// The values of the layer-3 types above.
const (
	ARPDynamic    = arp.Dynamic
	ARPStatic     = arp.Static
	ARPIncomplete = arp.Incomplete
	ARPInterface  = arp.Interface

	ARPBadOp             = arp.ReasonBadOp
	ARPWrongCable        = arp.ReasonWrongCable
	ARPReplyNotForUs     = arp.ReasonReplyNotForUs
	ARPGratuitousRefused = arp.ReasonGratuitousRefused
	ARPMulticastSender   = arp.ReasonMulticastSender

	ARPProbe           = arp.Probe
	ARPAnnouncement    = arp.Announcement
	ARPGratuitousReply = arp.GratuitousReply

	CEFDropNoRoute    = cef.DropNoRoute
	CEFDropFragDF     = cef.DropFragDF
	CEFDropBadHeader  = cef.DropBadHeader
	RouteConnected    = cef.Connected
	RouteLocal        = cef.Local
	RouteStatic       = cef.Static
	FIBNoRoute        = cef.KindNoRoute
	FIBAttached       = cef.KindAttached
	FIBHost           = cef.KindHost
	FIBNextHop        = cef.KindNextHop
	FIBReceive        = cef.KindReceive
	FIBDrop           = cef.KindDrop
	FIBNull           = cef.KindNull
	AdjValid          = cef.AdjValid
	AdjIncomplete     = cef.AdjIncomplete
	AdjGlean          = cef.AdjGlean
	AdjDrop           = cef.AdjDrop
	AdjPunt           = cef.AdjPunt
	CEFDropReasonLast = cef.DropBadHeader
)

// CEFRow is one FIB entry (`show ip cef`).
type CEFRow struct {
	Prefix  netip.Prefix
	Kind    FIBKind
	NextHop netip.Addr // the resolved next hop (FIBNextHop)
	Via     netip.Addr // the recursive next hop, when the route named one
	IfName  string
	Adj     AdjState // the state of the entry's adjacency
	// Packets and Bytes switched through the prefix (detail only, and
	// only counted with `ip cef accounting per-prefix`: Accounting).
	Packets, Bytes uint64
	Accounting     bool
}

// AdjacencyRow is one (interface, next hop) adjacency (`show adjacency`).
type AdjacencyRow struct {
	IfName  string
	NextHop netip.Addr
	Refs    int // FIB entries using it
	State   AdjState
	Rewrite []byte // the prebuilt Ethernet header; empty unless valid
	Tagged  bool
	// Packets and Bytes sent through it (detail only).
	Packets, Bytes uint64
}

// IPInterfaceRow is one line of `show ip interface brief`.
type IPInterfaceRow struct {
	Name       string
	Addr       netip.Addr // invalid: unassigned
	AdminDown  bool
	LinkUp     bool // ports: carrier; SVIs: not shut down
	ProtocolUp bool
}

// SVIStatus is what `show interfaces vlan N` shows.
type SVIStatus struct {
	SVIConfig
	ProtocolUp bool
	MAC        packet.MAC
	Stats      L3Stats
	Counters   SVICounters // this SVI's own traffic
}

// L3Stats are the `show ip traffic`-like counters of the routed path, the
// punt path and ARP.
type L3Stats struct {
	CEF CEFSummary // forwarded, punted, drops by reason
	ARP ARPStats
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

// ClockNanos is the switch's clock, against which ARP ages are measured.
func (sw *Switch) ClockNanos() int64 { return sw.clk.Nanos() }

// Routes returns the routes in use, sorted by address then length.
func (sw *Switch) Routes() []RouteRow { return sw.l3.fib.Routes() }

func cefRow(fib *cef.Table, e *cef.Entry, counted bool) CEFRow {
	r := CEFRow{Prefix: e.Prefix(), Kind: e.Kind, IfName: fib.EntryIfName(e), Adj: fib.EntryAdjacency(e).State}
	if e.NextHop != 0 {
		r.NextHop = u32addr(e.NextHop)
	}
	if e.Via != 0 {
		r.Via = u32addr(e.Via)
	}
	if counted {
		r.Packets, r.Bytes = fib.Counters().Prefix(e)
		r.Accounting = true
	}
	return r
}

// CEFEntries returns the FIB in `show ip cef` order, with each prefix's
// counters when counted and `ip cef accounting per-prefix` is on.
func (sw *Switch) CEFEntries(counted bool) []CEFRow {
	counted = counted && sw.CEFPrefixAccounting()
	fib := sw.l3.fib
	es := fib.Entries()
	out := make([]CEFRow, len(es))
	for i := range es {
		out[i] = cefRow(fib, &es[i], counted)
	}
	return out
}

// CEFFind returns the entry of exactly p (exact) or the longest match of
// p's address, as `show ip cef A [M]` does; its counters as CEFEntries.
func (sw *Switch) CEFFind(p netip.Prefix, exact, counted bool) (CEFRow, bool) {
	counted = counted && sw.CEFPrefixAccounting()
	fib := sw.l3.fib
	e, ok := fib.Find(p, exact)
	if !ok {
		return CEFRow{}, false
	}
	return cefRow(fib, &e, counted), true
}

// Adjacencies returns the adjacencies sorted by interface and address,
// with their counters when counted.
func (sw *Switch) Adjacencies(counted bool) []AdjacencyRow {
	fib := sw.l3.fib
	adjs := fib.Adjacencies()
	out := make([]AdjacencyRow, len(adjs))
	for i := range adjs {
		a := &adjs[i]
		out[i] = AdjacencyRow{IfName: a.IfName, NextHop: a.NextHopAddr(), Refs: a.Refs, State: a.State,
			Rewrite: slices.Clone(a.Rewrite()), Tagged: a.Tagged}
		if counted {
			out[i].Packets, out[i].Bytes = fib.Counters().Adjacency(a.ID)
		}
	}
	return out
}

// sviProtocolUp is IOS autostate: an SVI's line protocol is up while it is
// not shut down and some forwarding port carries its VLAN.
func sviProtocolUp(s *snapshot, c *SVIConfig) bool {
	return !c.Shutdown && len(s.flood[c.VLAN]) > 0
}

// IPInterfaces returns the ports (layer 2, unassigned) and the SVIs in
// interface order.
func (sw *Switch) IPInterfaces() []IPInterfaceRow {
	var rows []IPInterfaceRow
	s := sw.snap.Load()
	sw.mu.Lock()
	for _, p := range sw.ports {
		if p == nil {
			continue
		}
		up := p.linkUp && !p.settings.Shutdown
		rows = append(rows, IPInterfaceRow{Name: p.name, AdminDown: p.settings.Shutdown, LinkUp: up, ProtocolUp: up})
	}
	for _, c := range sw.l3.svis {
		r := IPInterfaceRow{Name: ifname.SVI(c.VLAN), AdminDown: c.Shutdown, LinkUp: !c.Shutdown, ProtocolUp: sviProtocolUp(s, c)}
		if len(c.Addresses) > 0 {
			r.Addr = c.Addresses[0].Addr()
		}
		rows = append(rows, r)
	}
	sw.mu.Unlock()
	slices.SortFunc(rows, func(a, b IPInterfaceRow) int {
		switch {
		case ifname.Less(a.Name, b.Name):
			return -1
		case ifname.Less(b.Name, a.Name):
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return rows
}

// SVIStatus returns the state of SVI vlan.
func (sw *Switch) SVIStatus(vlan uint16) (SVIStatus, error) {
	c, err := sw.SVI(vlan)
	if err != nil {
		return SVIStatus{}, err
	}
	return SVIStatus{SVIConfig: c, ProtocolUp: sviProtocolUp(sw.snap.Load(), &c), MAC: sw.l3.mac, Stats: sw.L3Stats(),
		Counters: sw.SVICounters(vlan)}, nil
}
