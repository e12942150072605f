package dataplane

import (
	"net/netip"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/counter"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// cpuPort is the CAM port of the switch's own addresses (the router MAC in
// every VLAN with an SVI). It lies beyond every real port index, so the L2
// path, which only transmits to out < len(s.ports), never sends to it.
const cpuPort cam.PortID = cam.NoPort - 1

// sviView is the forwarding view of one SVI.
type sviView struct {
	vlan  uint16
	up    bool // not shut down
	mtu   int  // ip mtu: the largest IPv4 packet routed out of it
	addrs []netip.Prefix
	racl  [2]aclRef // router ACLs by tcam.Direction

	virtual *virtualView // owned first-hop redundancy addresses (virtual.go); nil: none
}

// l3Snapshot is the layer-3 part of the forwarding snapshot: the router MAC,
// the SVIs by VLAN, the FIB (itself lock-free) and the punt queue. nil means
// pure layer 2 (no SVI exists).
type l3Snapshot struct {
	routerMAC uint64
	mac       packet.MAC
	routing   bool
	perPrefix bool // `ip cef accounting per-prefix`: count routed packets per FIB prefix
	svis      [MaxVLAN + 1]*sviView
	fib       *cef.Table
	punt      *puntQueue
}

// l3Counter indexes the routed path's own counters (the FIB keeps the
// per-prefix, per-adjacency and drop-reason ones).
type l3Counter int

// The routed-path counters.
const (
	l3Routed          l3Counter = iota // IPv4 packets routed out (worker and CPU)
	l3Punted                           // frames handed to the control plane
	l3PuntQueueFull                    // punts dropped: queue full
	l3DropSVIDown                      // to the router MAC of a shut SVI
	l3DropNotIPv4                      // to the router MAC, neither IPv4 nor ARP
	l3DropRoutingOff                   // transit packet with `no ip routing`
	l3DropBadChecksum                  // IPv4 header checksum wrong
	l3DropNoEgress                     // adjacency on an SVI that is down or gone
	l3DropUnresolved                   // glean/incomplete packet the ARP queue did not take
	l3EchoReplies                      // ICMP echo replies sent
	l3TimeExceeded                     // ICMP time exceeded sent
	l3Unreachables                     // ICMP unreachable sent (no route, port)
	l3FragNeeded                       // ICMP fragmentation needed sent
	l3ICMPRateLimited                  // ICMP errors suppressed by the rate limit
	l3Fragmented                       // packets fragmented
	l3FragmentsOut                     // fragments created
	l3ARPRequestsOut                   // ARP requests sent
	l3ARPRepliesOut                    // ARP replies sent
	l3DropACL                          // denied by a router ACL or the egress VLAN filter
	numL3Counters
)

var l3CounterNames = [numL3Counters]string{"routed", "punted", "punt queue full", "drop svi down",
	"drop not ipv4", "drop routing off", "drop bad checksum", "drop no egress", "drop unresolved",
	"echo replies", "time exceeded", "unreachables", "fragmentation needed", "icmp rate limited",
	"fragmented", "fragments out", "arp requests out", "arp replies out", "drop acl"}

// String names the counter.
func (c l3Counter) String() string {
	if c >= 0 && c < numL3Counters {
		return l3CounterNames[c]
	}
	return "unknown"
}

// l3Worker is one receiver's routed-path counters, counted and read under
// its shard.
type l3Worker struct {
	cef  *cef.Worker
	sh   *counter.Shard
	c    [numL3Counters]counter.Cell
	svis [MaxVLAN + 1]*sviCells // per-SVI traffic (svicounters.go)
}

func (w *l3Worker) inc(c l3Counter) { w.c[c].Inc() }

// puntReason says why a frame goes to the control plane.
type puntReason uint8

const (
	puntNone       puntReason = iota
	puntARP                   // ARP for the SVI (or broadcast ARP in its VLAN)
	puntReceive               // IPv4 for one of our addresses
	puntTTL                   // TTL expired in transit: ICMP time exceeded
	puntNoRoute               // no FIB entry: ICMP unreachable
	puntResolve               // glean/incomplete adjacency: ARP and queue
	puntFragment              // too big for the egress MTU: fragment in software
	puntFragNeeded            // too big with DF: ICMP fragmentation needed
	puntACLDeny               // denied by a router ACL: ICMP administratively prohibited
	puntACLLog                // hit an ACL entry with log: only the key travels
	puntControl               // to a control protocol's listener (control.go)
	numPuntReasons
)

var puntNames = [numPuntReasons]string{"none", "arp", "receive", "ttl expired", "no route", "resolve", "fragment", "fragmentation needed", "acl deny", "acl log", "control"}

// String names the punt reason.
func (p puntReason) String() string {
	if p < numPuntReasons {
		return puntNames[p]
	}
	return "unknown"
}

// takePunt takes a free punt buffer without waiting, or counts the punt as
// dropped and returns nil.
func (r *Receiver) takePunt(q *puntQueue) *puntPkt {
	select {
	case p := <-q.free:
		r.l3w.inc(l3Punted)
		return p
	default:
		r.l3w.inc(l3PuntQueueFull)
		r.countDrop(ReasonPuntQueueFull)
		return nil
	}
}

// punt copies buf[start:end] (a frame, or for the CPU's own retries an IP
// packet with ip == start) into a free punt buffer and queues it for the
// control plane. When no buffer is free the frame is dropped and counted:
// a flood of punts must never block forwarding.
func (r *Receiver) punt(l3 *l3Snapshot, why puntReason, buf []byte, start, end, ip int, vlan uint16, nh uint32, aux int) {
	if r.dry { // the control plane would answer, learn or resolve: side effects
		return
	}
	q := l3.punt
	p := r.takePunt(q)
	if p == nil {
		return
	}
	p.reason, p.vlan, p.in, p.nh, p.aux = why, vlan, r.in, nh, aux
	p.n = copy(p.buf[port.Headroom:], buf[start:end])
	p.ip = ip - start
	q.q <- p // never blocks: there are as many buffers as queue slots
}
