package dataplane

import (
	"encoding/binary"

	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
)

// The ACL stages of the per-frame path: port ACL and VLAN filter at
// ingress (ingressACLs), router ACL in (raclIn), router ACL out (raclOut)
// and the egress VLAN's filter for routed packets (vlanFilterOut). All of
// them classify one key per packet, r.key, built by buildKey the first time
// a stage needs it and reused by every later stage of the same packet.

// aclPuntsPerSecond bounds, per worker, the frames a worker copies to the
// control plane for ACL logging and for unreachables after a router ACL
// deny, as the rate limiters of a Catalyst's ACL punt path do: a flood of
// denied traffic must not crowd ARP out of the punt queue.
const aclPuntsPerSecond = 100

// buildKey fills h from the IPv4 packet at b[ip:] whose transport header
// (TCP, UDP or ICMP, whole) starts at b[l4], or with l4 == 0 has none to
// read: a non-initial fragment, another protocol, or a header cut short.
// It is the one builder of the ACL key.
func buildKey(h *tcam.Header, b []byte, ip, l4 int, proto uint8) {
	h.Proto = proto
	h.Src = binary.BigEndian.Uint32(b[ip+packet.IPv4Src:])
	h.Dst = binary.BigEndian.Uint32(b[ip+packet.IPv4Dst:])
	h.SrcPort, h.DstPort, h.Flags = 0, 0, 0
	if l4 == 0 {
		return
	}
	switch proto {
	case packet.ProtoTCP:
		h.Flags = b[l4+packet.TCPFlags]
		fallthrough
	case packet.ProtoUDP:
		h.SrcPort = binary.BigEndian.Uint16(b[l4+packet.L4SrcPort:])
		h.DstPort = binary.BigEndian.Uint16(b[l4+packet.L4DstPort:])
	case packet.ProtoICMP:
		h.SrcPort, h.DstPort = uint16(b[l4+packet.ICMPType]), uint16(b[l4+packet.ICMPCode])
	}
}

// transportOffset returns where the whole TCP, UDP or ICMP header of the
// IPv4 packet pkt starts, or 0 where buildKey has none to read. For a
// packet the parser accepted it agrees with View.L4 (FuzzACLKey).
func transportOffset(pkt []byte) int {
	ihl := packet.IPv4HeaderLen(pkt)
	if packet.IPv4FragOffset(pkt) != 0 || ihl < packet.IPv4Min {
		return 0
	}
	need := 0
	switch pkt[packet.IPv4Proto] {
	case packet.ProtoTCP:
		need = packet.TCPMin
	case packet.ProtoUDP, packet.ProtoICMP:
		need = packet.UDPLen // = packet.ICMPLen
	default:
		return 0
	}
	if ihl+need > len(pkt) {
		return 0
	}
	return ihl
}

// keyFromView builds r.key for the IPv4 packet of the parsed frame v, unless
// it is built already.
func (r *Receiver) keyFromView(v *packet.View) {
	if !r.keyed {
		buildKey(&r.key, v.B, v.L3, v.L4, v.Proto)
		r.keyed = true
	}
}

// keyFromPacket builds r.key for the IPv4 packet pkt (a packet the router or
// the control plane holds without a view), unless it is built already.
func (r *Receiver) keyFromPacket(pkt []byte) {
	if !r.keyed {
		buildKey(&r.key, pkt, 0, transportOffset(pkt), pkt[packet.IPv4Proto])
		r.keyed = true
	}
}

// ingressACLs is the port ACL stage and the ingress VLAN filter stage:
// the inbound port ACL classifies IPv4 packets, then the VLAN filter of
// vlan every frame (applied at ingress, so routed packets pass the filter
// of the VLAN they arrive in too).
func (r *Receiver) ingressACLs(s *snapshot, pv *portView, v *packet.View, vlan uint16) bool {
	ip := v.EtherType == packet.TypeIPv4
	if ip && r.l3Bad() != packet.ReasonNone {
		return r.unreadable(v, s.vacl != nil && s.vacl[vlan] != nil, pv.pacl.b != nil)
	}
	if ip && pv.pacl.b != nil {
		r.keyFromView(v)
		permit := r.aclPermits(&pv.pacl)
		if r.obs != nil {
			r.observeACL(v.B, StagePACL, &pv.pacl, permit, ReasonPACLDeny)
		}
		if !permit {
			r.countDrop(ReasonPACLDeny)
			return false
		}
	}
	if s.vacl != nil {
		if m := s.vacl[vlan]; m != nil {
			if ip {
				r.keyFromView(v)
			}
			permit := r.vaclPermits(m, ip)
			if r.obs != nil {
				r.observe(v.B, aclDecision(StageVACL, m.name, r.ace, permit, ReasonVACLDeny))
			}
			if !permit {
				r.countDrop(ReasonVACLDeny)
				return false
			}
		}
	}
	return true
}

// unreadable is the ACL stages' answer to an IPv4 packet whose header the
// parser refused: a list that matches IPv4 fields cannot classify it, so
// the port ACL (or else the VLAN filter) drops it, as hardware does. With
// neither list in the way it goes on, bridged as it is.
func (r *Receiver) unreadable(v *packet.View, vacl, pacl bool) bool {
	switch {
	case pacl:
		r.drop(StagePACL, MalformedReason(r.l3err), v.B)
	case vacl:
		r.drop(StageVACL, MalformedReason(r.l3err), v.B)
	default:
		return true
	}
	return false
}

// raclIn is the inbound router ACL stage of the ingress SVI, whose list the
// caller has checked exists.
func (r *Receiver) raclIn(svi *sviView, v *packet.View) bool {
	ref := &svi.racl[tcam.In]
	r.keyFromView(v)
	permit := r.aclPermits(ref)
	if r.obs != nil {
		r.observeACL(v.B, StageRACLIn, ref, permit, ReasonRACLDeny)
	}
	if !permit {
		r.l3w.inc(l3DropACL)
		r.countDrop(ReasonRACLDeny)
	}
	return permit
}

// raclOut is the outbound router ACL stage of the egress SVI out, whose
// list the caller has checked exists.
func (r *Receiver) raclOut(out *sviView, pkt []byte) bool {
	ref := &out.racl[tcam.Out]
	r.keyFromPacket(pkt)
	permit := r.aclPermits(ref)
	if r.obs != nil {
		r.observeACL(pkt, StageRACLOut, ref, permit, ReasonRACLDeny)
	}
	if !permit {
		r.l3w.inc(l3DropACL)
		r.countDrop(ReasonRACLDeny)
	}
	return permit
}

// vlanFilterOut is the stage of the egress VLAN's filter m for a routed
// packet.
func (r *Receiver) vlanFilterOut(m *vaclView, pkt []byte) bool {
	r.keyFromPacket(pkt)
	permit := r.vaclPermits(m, true)
	if r.obs != nil {
		r.observe(pkt, aclDecision(StageVACLOut, m.name, r.ace, permit, ReasonVACLDeny))
	}
	if !permit {
		r.l3w.inc(l3DropACL)
		r.countDrop(ReasonVACLDeny)
	}
	return permit
}

func (r *Receiver) observeACL(f []byte, st Stage, ref *aclRef, permit bool, deny Reason) {
	r.observe(f, aclDecision(st, ref.l.Name, r.ace, permit, deny))
}

func aclDecision(st Stage, name string, ace uint32, permit bool, deny Reason) Decision {
	d := Decision{Stage: st, Verdict: Pass, Entry: Entry{ACL: name, ACE: ace}}
	if !permit {
		d.Verdict, d.Reason = Drop, deny
	}
	return d
}

// aclPuntAllowed takes one token of the worker's ACL punt budget.
func (r *Receiver) aclPuntAllowed() bool {
	if r.aclSecond != r.now {
		r.aclSecond, r.aclPunts = r.now, 0
	}
	if r.aclPunts >= aclPuntsPerSecond {
		return false
	}
	r.aclPunts++
	return true
}

// aclPermits classifies r.key against ref. A match on a logging entry is
// reported to the control plane for `%SEC-6-IPACCESSLOG`. With an observer
// attached the full classification runs instead, so that r.ace names the
// entry that matched.
func (r *Receiver) aclPermits(ref *aclRef) bool {
	var permit, log bool
	if r.obs == nil {
		permit, log = ref.b.Permits(r.shardID, &r.key)
	} else if r.dry { // counts no match and logs nothing (simulate.go)
		v := ref.b.Lookup(&r.key)
		permit, r.ace = v.Permit, v.Seq
	} else {
		v := ref.b.Classify(r.shardID, &r.key)
		permit, log, r.ace = v.Permit, v.Log, v.Seq
	}
	if log && r.aclPuntAllowed() {
		r.puntACLLog(ref, permit)
	}
	return permit
}

// vaclPermits runs a VLAN access map; ip says whether r.key holds an IPv4
// packet's key.
func (r *Receiver) vaclPermits(m *vaclView, ip bool) bool {
	r.ace = 0
	for i := range m.entries {
		e := &m.entries[i]
		if len(e.lists) == 0 {
			return !e.drop
		}
		if !ip {
			continue
		}
		for j := range e.lists {
			if r.aclPermits(&e.lists[j]) {
				return !e.drop
			}
		}
	}
	return !ip
}

// puntACLLog hands the key of a packet that hit a logging entry to the
// control plane; only the header travels.
func (r *Receiver) puntACLLog(ref *aclRef, permit bool) {
	q := r.sw.l3.punt
	p := r.takePunt(q)
	if p == nil {
		return
	}
	p.reason, p.in, p.n, p.ip = puntACLLog, r.in, 0, 0
	p.acl = aclLogInfo{name: ref.l.Name, kind: ref.l.Kind, permit: permit, hdr: r.key}
	q.q <- p
}
