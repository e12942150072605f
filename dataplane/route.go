package dataplane

import (
	"encoding/binary"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
)

// The routed part of the per-frame path (DESIGN §2 step 4): routerIn takes
// frames to the router MAC, routeIP runs the layer-3 stages on an IPv4
// packet and hands the rewritten frame back to the L2 lookup and egress
// stages (l2Out, l2Send) in the egress VLAN.

// routerIn is the layer-3 entry of the pipeline (a segment of a
// super-frame too, routeSegments): frames to the router MAC on a VLAN with
// an SVI are routed or punted; broadcast ARP in such a VLAN is punted and
// still flooded. It returns true when it consumed the frame.
func (r *Receiver) routerIn(s *snapshot, v *packet.View, buf []byte, n int, vlan uint16, cast castClass) bool {
	l3 := s.l3
	svi := l3.svis[vlan]
	if svi == nil {
		return false
	}
	const off = port.Headroom
	toUs := v.DstUint64() == l3.routerMAC || svi.ownsMAC(v.DstUint64())
	// Only frames to the router and ARP can be punted or routed, so only
	// their headers are read. A malformed one is bridged as it is, but
	// never punted nor routed. (Only ARP and IPv4 headers are ever
	// malformed.)
	if toUs || v.EtherType == packet.TypeARP {
		if bad := r.l3Bad(); bad != packet.ReasonNone {
			if !toUs {
				return false
			}
			r.drop(StageRouterIn, MalformedReason(bad), v.B)
			return true
		}
	}
	if v.EtherType == packet.TypeARP {
		switch {
		case cast == castBroadcast:
			if svi.up {
				r.l3w.sviIn(vlan, n, true, r.now)
				r.punt(l3, puntARP, buf, off, off+n, off+v.L3, vlan, 0, 0)
				r.routerDecision(v.B, Consume, ReasonARP)
			}
			return false
		case !toUs:
			return false
		case svi.up:
			r.l3w.sviIn(vlan, n, false, r.now)
			r.punt(l3, puntARP, buf, off, off+n, off+v.L3, vlan, 0, 0)
			r.routerDecision(v.B, Punt, ReasonARP)
		default:
			r.l3w.inc(l3DropSVIDown)
			r.routerDecision(v.B, Drop, ReasonSVIDown)
		}
		return true
	}
	if !toUs {
		return false
	}
	switch {
	case !svi.up:
		r.l3w.inc(l3DropSVIDown)
		r.routerDecision(v.B, Drop, ReasonSVIDown)
	case v.EtherType != packet.TypeIPv4:
		r.l3w.inc(l3DropNotIPv4)
		r.routerDecision(v.B, Drop, ReasonNotIPv4)
	default:
		r.l3w.sviIn(vlan, n, false, r.now)
		ip := off + v.L3
		if h := buf[ip : ip+v.IHL]; !(v.IHL == packet.IPv4Min && packet.HeaderChecksumOK(h)) && packet.Checksum(h) != 0 {
			r.l3w.inc(l3DropBadChecksum)
			r.l3w.cef.Dropped(cef.DropBadHeader, cef.Result{}, v.IPLen)
			r.routerDecision(v.B, Drop, ReasonBadChecksum)
			return true
		}
		if r.obs != nil {
			r.observeStage(v.B, StageRouterIn, Pass, ReasonNone, cef.Result{})
		}
		if svi.racl[tcam.In].b != nil && !r.raclIn(svi, v) {
			if r.aclPuntAllowed() {
				r.punt(l3, puntACLDeny, buf, off, ip+v.IPLen, ip, vlan, 0, 0)
			}
			return true
		}
		if why, nh, aux := r.routeIP(s, l3, buf, ip, v.IPLen, false); why != puntNone {
			r.punt(l3, why, buf, off, ip+v.IPLen, ip, vlan, nh, aux)
		} else {
			r.local[r.in].inc(Forwarded)
		}
	}
	return true
}

// routerDecision reports the router-entry stage's outcome and counts a
// drop.
func (r *Receiver) routerDecision(f []byte, verdict Verdict, why Reason) {
	if verdict == Drop {
		r.countDrop(why)
	}
	if r.obs != nil {
		r.observeStage(f, StageRouterIn, verdict, why, cef.Result{})
	}
}

// observeStage reports a decision that rests on no entry or a FIB result.
// Kept out of line so that the decision helpers that call it inline.
//
//go:noinline
func (r *Receiver) observeStage(f []byte, st Stage, verdict Verdict, why Reason, res cef.Result) {
	r.observe(f, Decision{Stage: st, Verdict: verdict, Reason: why, Entry: Entry{FIB: res}})
}

// routeIP routes the IPv4 packet at buf[ip:ip+ipLen]; buf has room for the
// link header (and a tag) before ip. Transit packets (local false) are
// checked for TTL and decremented; packets the control plane originates
// (local) are not. A packet that needs the control plane is left unchanged
// and its punt reason returned, with the address to resolve (nh) and its
// SVI's VLAN (aux), or the egress MTU (aux). The path takes no lock and
// allocates nothing. The stages, in order: FIB and adjacency (nextHop),
// router ACL out (transit only) and VLAN filter out, MTU, rewrite, then the
// L2 lookup and egress in the adjacency's VLAN.
func (r *Receiver) routeIP(s *snapshot, l3 *l3Snapshot, buf []byte, ip, ipLen int, local bool) (why puntReason, nh uint32, aux int) {
	pkt := buf[ip : ip+ipLen]
	res, out, why, nh, aux := r.nextHop(l3, pkt, local)
	if out == nil {
		return why, nh, aux
	}
	if !local && out.racl[tcam.Out].b != nil && !r.raclOut(out, pkt) {
		if r.aclPuntAllowed() {
			return puntACLDeny, 0, 0
		}
		return puntNone, 0, 0
	}
	if s.vacl != nil && s.vacl[out.vlan] != nil && !r.vlanFilterOut(s.vacl[out.vlan], pkt) {
		return puntNone, 0, 0
	}
	if ipLen > out.mtu {
		return r.mtuExceeded(res, pkt, out.mtu)
	}

	// Rewrite: TTL (transit only), the adjacency's prebuilt MAC header in
	// front of the packet; then the L2 lookup and egress in its VLAN.
	adj := res.Adj
	if !local {
		packet.DecTTL(pkt)
	}
	rw := adj.Rewrite()
	start := ip - len(rw)
	putHeader(buf[start:ip], rw)
	if l3.perPrefix {
		r.l3w.cef.Forwarded(res, ipLen)
	} else {
		r.l3w.cef.ForwardedAdjacency(res, ipLen)
	}
	r.l3w.inc(l3Routed)
	r.l3w.sviOut(out.vlan, ip+ipLen-start, r.now)
	if r.obs != nil {
		r.observe(buf[start:ip+ipLen], Decision{Stage: StageRewrite, Verdict: Pass, Entry: Entry{FIB: res}})
	}
	if adj.Tagged || adj.DstMAC[0]&1 != 0 {
		r.l2Out(s, buf, start, ip+ipLen, adj.VLAN, adj.Tagged)
	} else {
		out, known := r.nextHopPort(adj)
		r.l2Send(s, buf, start, ip+ipLen, adj.VLAN, castUnicast, out, known)
	}
	return puntNone, 0, 0
}

// nextHop is the FIB and adjacency stage: the longest-prefix match of the
// destination, the adjacency's state, the TTL, and the egress SVI. A nil
// SVI ends the packet's path with the punt reason (or none) returned.
func (r *Receiver) nextHop(l3 *l3Snapshot, pkt []byte, local bool) (res cef.Result, out *sviView, why puntReason, nh uint32, aux int) {
	w := r.l3w
	dst := binary.BigEndian.Uint32(pkt[packet.IPv4Dst:])
	res = l3.fib.Lookup(dst)
	adj := res.Adj
	if r.obs != nil {
		r.observe(pkt, Decision{Stage: StageFIB, Verdict: Pass, Entry: Entry{FIB: res}})
	}
	if adj.State == cef.AdjPunt {
		if local {
			return res, nil, puntNone, 0, 0 // to ourselves: nothing to send
		}
		w.cef.Punted(res, len(pkt))
		r.adjDecision(pkt, res, Punt, ReasonReceive)
		return res, nil, puntReceive, 0, 0
	}
	if !l3.routing && !local {
		w.inc(l3DropRoutingOff)
		r.adjDecision(pkt, res, Drop, ReasonRoutingOff)
		return res, nil, puntNone, 0, 0
	}
	switch adj.State {
	case cef.AdjValid:
	case cef.AdjGlean:
		w.cef.Dropped(cef.DropGlean, res, len(pkt))
		r.adjDecision(pkt, res, Punt, ReasonGlean)
		return res, nil, puntResolve, dst, int(adj.If)
	case cef.AdjIncomplete:
		w.cef.Dropped(cef.DropIncomplete, res, len(pkt))
		r.adjDecision(pkt, res, Punt, ReasonIncomplete)
		return res, nil, puntResolve, adj.NextHop, int(adj.If)
	default:
		if res.Entry.Kind == cef.KindNoRoute {
			w.cef.Dropped(cef.DropNoRoute, res, len(pkt))
			if local {
				r.adjDecision(pkt, res, Drop, ReasonNoRoute)
				return res, nil, puntNone, 0, 0
			}
			r.adjDecision(pkt, res, Punt, ReasonNoRoute)
			return res, nil, puntNoRoute, 0, 0
		}
		w.cef.Dropped(cef.DropNull, res, len(pkt))
		r.adjDecision(pkt, res, Drop, ReasonNullRoute)
		return res, nil, puntNone, 0, 0
	}
	if !local && pkt[packet.IPv4TTL] <= 1 {
		w.cef.Dropped(cef.DropTTL, res, len(pkt))
		r.adjDecision(pkt, res, Punt, ReasonTTLExpired)
		return res, nil, puntTTL, 0, 0
	}
	if adj.If <= MaxVLAN {
		out = l3.svis[adj.If]
	}
	if out == nil || !out.up {
		w.inc(l3DropNoEgress)
		r.adjDecision(pkt, res, Drop, ReasonNoEgress)
		return res, nil, puntNone, 0, 0
	}
	r.adjDecision(pkt, res, Pass, ReasonNone)
	return res, out, puntNone, 0, 0
}

// adjDecision reports the adjacency stage's outcome and counts what ends
// the packet's path: drops, and the punts after which the control plane
// only answers with an ICMP error (no route, TTL expired).
func (r *Receiver) adjDecision(pkt []byte, res cef.Result, verdict Verdict, why Reason) {
	if verdict == Drop || (verdict == Punt && (why == ReasonNoRoute || why == ReasonTTLExpired)) {
		r.countDrop(why)
	}
	if r.obs != nil {
		r.observeStage(pkt, StageAdjacency, verdict, why, res)
	}
}

// mtuExceeded is the MTU stage's refusal of a packet larger than the
// egress SVI's ip mtu: with DF set the sender is told
// (fragmentation needed), else the control plane fragments it.
func (r *Receiver) mtuExceeded(res cef.Result, pkt []byte, mtu int) (puntReason, uint32, int) {
	d := Decision{Stage: StageMTU, Verdict: Punt, Reason: ReasonFragment, Entry: Entry{FIB: res, MTU: mtu}}
	why := puntFragment
	if pkt[packet.IPv4Flags]&packet.IPv4DF != 0 {
		r.l3w.cef.Dropped(cef.DropFragDF, res, len(pkt))
		r.countDrop(ReasonFragNeeded)
		d.Reason, why = ReasonFragNeeded, puntFragNeeded
	}
	if r.obs != nil {
		r.observe(pkt, d)
	}
	return why, 0, mtu
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
	out, ok := r.camLookup(adj.VLAN, adj.DstMAC.Uint64())
	if ok && !r.dry { // a dry run's answer may rest on its would-be learn
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
		start = packet.PopTag(buf, start)
	}
	dst := packet.MAC(buf[start : start+6]).Uint64()
	cast := castUnicast
	switch {
	case dst == bcastMAC:
		cast = castBroadcast
	case dst&(1<<40) != 0:
		cast = castMulticast
	}
	out, known := cam.NoPort, false
	if cast == castUnicast {
		out, known = r.camLookup(vlan, dst)
	}
	r.l2Send(s, buf, start, end, vlan, cast, out, known)
}

// l2Send is the L2 lookup and egress stages for the untagged frame the
// router built, once its destination was looked up: out when known, else a
// flood.
func (r *Receiver) l2Send(s *snapshot, buf []byte, start, end int, vlan uint16, cast castClass, out cam.PortID, known bool) {
	if known {
		if int(out) >= len(s.ports) {
			return // our own address: nothing leaves
		}
		if ov := &s.ports[out]; ov.sends(vlan) {
			if ov.tagged(vlan) {
				start = packet.PushTag(buf, start, vlan)
			}
			f := packet.Pad(buf, start, end)
			r.enqueue(s.egressPort(out, f), f, cast)
			if r.obs != nil {
				r.observe(f, Decision{Stage: StageL2Lookup, Verdict: Pass, Entry: Entry{Port: out, VLAN: vlan, Known: true}})
				r.observeEgress(f, out, vlan, ov.tagged(vlan))
			}
			return
		}
	}
	f := packet.Pad(buf, start, end)
	if r.obs != nil {
		r.observe(f, Decision{Stage: StageL2Lookup, Verdict: Flood, Entry: Entry{VLAN: vlan}})
	}
	var withTag []byte
	for _, out := range s.floodPorts(vlan, packet.MAC(f[0:6]).Uint64(), cast) {
		out = s.egressPort(out, f)
		if s.ports[out].tagged(vlan) {
			if withTag == nil {
				withTag = r.reencap(f, false, vlan)
			}
			r.enqueue(out, withTag, cast)
			if r.obs != nil {
				r.observeEgress(withTag, out, vlan, true)
			}
			continue
		}
		r.enqueue(out, f, cast)
		if r.obs != nil {
			r.observeEgress(f, out, vlan, false)
		}
	}
}
