package dataplane

import (
	"encoding/binary"
	"net/netip"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/counter"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
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
}

// l3Snapshot is the layer-3 part of the forwarding snapshot: the router MAC,
// the SVIs by VLAN, the FIB (itself lock-free) and the punt queue. nil means
// pure layer 2 (no SVI exists).
type l3Snapshot struct {
	routerMAC uint64
	mac       packet.MAC
	routing   bool
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

// l3Worker is one goroutine's routed-path counters: written by it alone with
// plain loads and stores, summed on read.
type l3Worker struct {
	cef *cef.Worker
	c   [numL3Counters]counter.Owned
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
	numPuntReasons
)

var puntNames = [numPuntReasons]string{"none", "arp", "receive", "ttl expired", "no route", "resolve", "fragment", "fragmentation needed", "acl deny", "acl log"}

// String names the punt reason.
func (p puntReason) String() string {
	if p < numPuntReasons {
		return puntNames[p]
	}
	return "unknown"
}

// l3Input is the layer-3 entry of the pipeline (DESIGN §2 step 4): frames
// to the router MAC on a VLAN with an SVI are routed or punted; broadcast
// ARP in such a VLAN is punted and still flooded. It returns true when it
// consumed the frame.
func (r *Receiver) l3Input(s *snapshot, v *packet.View, buf []byte, n int, tagged bool, vlan uint16, cast castClass) bool {
	l3 := s.l3
	svi := l3.svis[vlan]
	if svi == nil {
		return false
	}
	const off = port.Headroom
	toUs := v.DstUint64() == l3.routerMAC
	if v.EtherType == packet.TypeARP {
		switch {
		case cast == castBroadcast:
			if svi.up {
				r.punt(l3, puntARP, buf, off, off+n, off+v.L3, vlan, 0, 0)
			}
			return false
		case !toUs:
			return false
		case svi.up:
			r.punt(l3, puntARP, buf, off, off+n, off+v.L3, vlan, 0, 0)
		default:
			r.l3w.inc(l3DropSVIDown)
		}
		return true
	}
	if !toUs {
		return false
	}
	switch {
	case !svi.up:
		r.l3w.inc(l3DropSVIDown)
	case v.EtherType != packet.TypeIPv4:
		r.l3w.inc(l3DropNotIPv4)
	default:
		ip := off + v.L3
		if packet.Checksum(buf[ip:ip+v.IHL]) != 0 {
			r.l3w.inc(l3DropBadChecksum)
			r.l3w.cef.Dropped(cef.DropBadHeader, cef.Result{}, v.IPLen)
			return true
		}
		if in := &svi.racl[tcam.In]; in.b != nil {
			viewHeader(v, &r.hdr)
			if !r.aclPermits(in) {
				r.l3w.inc(l3DropACL)
				if r.aclPuntAllowed() {
					r.punt(l3, puntACLDeny, buf, off, ip+v.IPLen, ip, vlan, 0, 0)
				}
				return true
			}
		}
		if why, nh, aux := r.routeIP(s, l3, buf, ip, v.IPLen, false); why != puntNone {
			r.punt(l3, why, buf, off, ip+v.IPLen, ip, vlan, nh, aux)
		} else {
			r.local[r.in].inc(Forwarded)
		}
	}
	return true
}

// routeIP routes the IPv4 packet at buf[ip:ip+ipLen]; buf has room for the
// link header (and a tag) before ip. Transit packets (local false) are
// checked for TTL and decremented; packets the control plane originates
// (local) are not. A packet that needs the control plane is left unchanged
// and its punt reason returned, with the address to resolve (nh) and its
// SVI's VLAN (aux), or the egress MTU (aux). The path takes no lock and allocates nothing.
func (r *Receiver) routeIP(s *snapshot, l3 *l3Snapshot, buf []byte, ip, ipLen int, local bool) (why puntReason, nh uint32, aux int) {
	pkt := buf[ip : ip+ipLen]
	w := r.l3w
	res := l3.fib.Lookup(binary.BigEndian.Uint32(pkt[16:]))
	adj := res.Adj
	if adj.State == cef.AdjPunt {
		if local {
			return puntNone, 0, 0 // to ourselves: nothing to send
		}
		w.cef.Punted(res, ipLen)
		return puntReceive, 0, 0
	}
	if !l3.routing && !local {
		w.inc(l3DropRoutingOff)
		return puntNone, 0, 0
	}
	switch adj.State {
	case cef.AdjValid:
	case cef.AdjGlean:
		w.cef.Dropped(cef.DropGlean, res, ipLen)
		return puntResolve, binary.BigEndian.Uint32(pkt[16:]), int(adj.If)
	case cef.AdjIncomplete:
		w.cef.Dropped(cef.DropIncomplete, res, ipLen)
		return puntResolve, adj.NextHop, int(adj.If)
	default:
		if res.Entry.Kind == cef.KindNoRoute {
			w.cef.Dropped(cef.DropNoRoute, res, ipLen)
			if local {
				return puntNone, 0, 0
			}
			return puntNoRoute, 0, 0
		}
		w.cef.Dropped(cef.DropNull, res, ipLen)
		return puntNone, 0, 0
	}
	if !local && pkt[8] <= 1 {
		w.cef.Dropped(cef.DropTTL, res, ipLen)
		return puntTTL, 0, 0
	}
	var out *sviView
	if adj.If <= MaxVLAN {
		out = l3.svis[adj.If]
	}
	if out == nil || !out.up {
		w.inc(l3DropNoEgress)
		return puntNone, 0, 0
	}
	if !local && out.racl[tcam.Out].b != nil {
		aclHeader(pkt, &r.hdr)
		if !r.aclPermits(&out.racl[tcam.Out]) {
			w.inc(l3DropACL)
			if r.aclPuntAllowed() {
				return puntACLDeny, 0, 0
			}
			return puntNone, 0, 0
		}
	}
	if s.vacl != nil && s.vacl[out.vlan] != nil {
		aclHeader(pkt, &r.hdr)
		if !r.vaclPermits(s.vacl[out.vlan], true) {
			w.inc(l3DropACL)
			return puntNone, 0, 0
		}
	}
	if ipLen > out.mtu {
		if pkt[6]&0x40 != 0 {
			w.cef.Dropped(cef.DropFragDF, res, ipLen)
			return puntFragNeeded, 0, out.mtu
		}
		return puntFragment, 0, out.mtu
	}
	if !local {
		packet.DecTTL(pkt)
	}
	rw := adj.Rewrite()
	start := ip - len(rw)
	putHeader(buf[start:ip], rw)
	w.cef.Forwarded(res, ipLen)
	w.inc(l3Routed)
	if adj.Tagged || adj.DstMAC[0]&1 != 0 {
		r.l2Out(s, buf, start, ip+ipLen, adj.VLAN, adj.Tagged)
	} else {
		out, known := r.nextHopPort(adj)
		r.l2Send(s, buf, start, ip+ipLen, adj.VLAN, castUnicast, out, known)
	}
	return puntNone, 0, 0
}

// putHeader copies the link header rw to dst (same length). The usual
// 14-byte header is three word moves, not a call of the general copy.
func putHeader(dst, rw []byte) {
	if len(rw) != packet.EthLen || len(dst) != packet.EthLen {
		copy(dst, rw)
		return
	}
	binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(rw))
	binary.LittleEndian.PutUint32(dst[8:], binary.LittleEndian.Uint32(rw[8:]))
	binary.LittleEndian.PutUint16(dst[12:], binary.LittleEndian.Uint16(rw[12:]))
}

// nhCacheSize is the number of next-hop ports a worker remembers, by
// adjacency ID; a power of two.
const nhCacheSize = 256

// nhPort is a remembered CAM lookup of an adjacency's destination MAC:
// right for as long as the adjacency is current (the pointer: a changed
// rewrite is a new value) and the CAM's generation is gen.
type nhPort struct {
	adj  *cef.Adjacency
	gen  uint64
	port cam.PortID
}

// nextHopPort returns the port of a valid unicast adjacency's MAC in its
// VLAN. A router sends most packets to few next hops, so the worker keeps
// the answer of the CAM lookup until the CAM reports a change that could
// make it wrong (cam.Table.Generation): one load and two compares instead
// of a hash and a bucket scan per packet. Unknown MACs are not
// remembered: they are flooded until learned.
func (r *Receiver) nextHopPort(adj *cef.Adjacency) (cam.PortID, bool) {
	gen := r.sw.cam.Generation() // before the lookup: see Generation
	c := &r.nhPorts[adj.ID&(nhCacheSize-1)]
	if c.adj == adj && c.gen == gen {
		return c.port, true
	}
	out, ok := r.sw.cam.Lookup(adj.VLAN, adj.DstMAC.Uint64())
	if ok {
		*c = nhPort{adj: adj, gen: gen, port: out}
	}
	return out, ok
}

// l2Out sends a frame the router built, buf[start:end] (tagged when the
// rewrite carried a tag), into vlan as the CPU port would: known unicast
// to its port with the port's encapsulation, anything else flooded to every
// forwarding member port (the ingress port included: a routed frame leaves
// the router, not the bridge port it came from). buf has headroom before
// start for a tag.
func (r *Receiver) l2Out(s *snapshot, buf []byte, start, end int, vlan uint16, tagged bool) {
	if tagged { // rewrites are built untagged; tolerate a tagged one by popping it
		copy(buf[start+packet.TagLen:start+packet.TagLen+12], buf[start:start+12])
		start += packet.TagLen
	}
	dst := uint64(binary.BigEndian.Uint16(buf[start:]))<<32 | uint64(binary.BigEndian.Uint32(buf[start+2:]))
	cast := castUnicast
	switch {
	case dst == bcastMAC:
		cast = castBroadcast
	case dst&(1<<40) != 0:
		cast = castMulticast
	}
	out, known := cam.NoPort, false
	if cast == castUnicast {
		out, known = r.sw.cam.Lookup(vlan, dst)
	}
	r.l2Send(s, buf, start, end, vlan, cast, out, known)
}

// l2Send is l2Out once the untagged frame's destination was looked up:
// out when known, else a flood.
func (r *Receiver) l2Send(s *snapshot, buf []byte, start, end int, vlan uint16, cast castClass, out cam.PortID, known bool) {
	if known {
		if int(out) >= len(s.ports) {
			return // our own address: nothing leaves
		}
		if ov := &s.ports[out]; ov.forwarding && ov.member(vlan) {
			if ov.tagged(vlan) {
				copy(buf[start-packet.TagLen:], buf[start:start+12])
				binary.BigEndian.PutUint16(buf[start+8:], packet.TypeDot1Q)
				binary.BigEndian.PutUint16(buf[start+10:], vlan)
				r.enqueue(out, padded(buf, start-packet.TagLen, end), cast)
			} else {
				r.enqueue(out, padded(buf, start, end), cast)
			}
			return
		}
	}
	f := padded(buf, start, end)
	var withTag []byte
	for _, out := range s.flood[vlan] {
		if s.ports[out].tagged(vlan) {
			if withTag == nil {
				withTag = r.reencap(f, false, vlan)
			}
			r.enqueue(out, withTag, cast)
			continue
		}
		r.enqueue(out, f, cast)
	}
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
		return nil
	}
}

// punt copies buf[start:end] (a frame, or for the CPU's own retries an IP
// packet with ip == start) into a free punt buffer and queues it for the
// control plane. When no buffer is free the frame is dropped and counted:
// a flood of punts must never block forwarding.
func (r *Receiver) punt(l3 *l3Snapshot, why puntReason, buf []byte, start, end, ip int, vlan uint16, nh uint32, aux int) {
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
