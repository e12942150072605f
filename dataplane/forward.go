package dataplane

import (
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// The per-frame path (DESIGN §2), read top to bottom:
//
//	forward (this file)       ingress → parse → VLAN → learn → PACL → VACL
//	                          → router? (route.go) → L2 lookup → egress (egress.go)
//	routeIP (route.go)        RACL in → FIB → adjacency → RACL out → VLAN
//	                          filter out → MTU → rewrite → L2 lookup → egress
//
// Each stage is one function that decides one thing, counts its outcome and,
// when an Observer is attached, reports it (observe.go). The ACL stages
// share one key (aclstage.go), built once per packet.

type castClass uint8

const (
	castUnicast castClass = iota
	castMulticast
	castBroadcast
)

const bcastMAC = 0xffffffffffff

// forward runs one frame, held at buf[port.Headroom:][:n], through the
// pipeline. The cheap stages are a few lines here; the others are one
// function each. Every drop goes through r.drop, which counts it by reason
// and reports it; with an observer attached the passes are reported too.
func (r *Receiver) forward(s *snapshot, buf []byte, n int, now int64) {
	in := r.in
	st := &r.local[in]
	st.inc(RxFrames)
	st.add(RxBytes, uint64(n))
	f := buf[port.Headroom : port.Headroom+n]

	// Ingress port: link and admin state.
	pv := &s.ports[in]
	if !pv.forwarding {
		why := ReasonPortDown
		if pv.spanDest {
			why = ReasonSPANDest
		}
		r.drop(StageIngress, why, f)
		return
	}
	if r.rxOffload {
		// Read before anything can overwrite the headroom (encapInPlace
		// moves the MAC addresses into it).
		r.vh, _ = gso.Decode(buf[port.Headroom-gso.HeaderLen : port.Headroom])
	}

	// Parse: the header view, and the destination's class. A frame whose
	// Ethernet header or tags are broken cannot be bridged; one whose ARP
	// or IPv4 header is malformed is bridged byte for byte, and only the
	// stages that must read that header (ACLs, the router) parse it
	// (l3Bad) and drop it.
	v := &r.view
	if bad := v.ParseLink(f); bad != packet.ReasonNone {
		r.drop(StageParse, MalformedReason(bad), f)
		return
	}
	r.l3parsed = false
	if n > pv.maxFrame && r.giant(pv, n) {
		return
	}
	r.keyed = false
	dst := v.DstUint64()
	cast := castOf(dst)
	st.inc(RxUnicast + Counter(cast))
	if pv.spanRx != nil {
		r.mirrorRx(s, pv.spanRx, f, cast)
	}
	if cast != castUnicast && s.ctrl != nil && r.control(s, pv, v, buf, n, dst) {
		return // a control protocol's frame (control.go)
	}
	if pv.storm != nil && r.stormDrop(pv.storm, cast, n, f) {
		return // storm control (storm.go)
	}
	if pv.lag != nil { // an EtherChannel member: the frame enters the Port-channel (etherchannel.go)
		if !pv.bundled {
			r.drop(StageIngress, ReasonPortDown, f)
			return
		}
		in = pv.lag.id
		pv = &s.ports[in]
	}

	// Ingress VLAN.
	vlan, why := pv.ingressVLAN(v)
	if why != ReasonNone {
		r.drop(StageVLAN, s.vlanRefusal(pv, vlan), f)
		return
	}
	if pv.stp != nil && pv.stp[vlan] != STPForwarding {
		r.stpHold(pv, vlan, f, now) // spanning tree (stp.go)
		return
	}
	if s.spanVLAN != nil && s.spanVLAN[vlan] != nil {
		r.mirrorRx(s, s.spanVLAN[vlan], f, cast)
	}
	if v.Tags > 0 && v.VID() == 0 { // priority-tagged: the tag gets its VLAN
		packet.SetOuterTCI(f, v.OuterTCI&0xf000|vlan)
	}
	if r.obs != nil {
		r.observeIngress(f, StageLearn, vlan)
	}

	// Source learning (cam.Table.Learn). A unicast frame's destination is
	// looked up in the same call, so that the two bucket reads overlap; its
	// result is used only if layer 3 does not take the frame, and frames to
	// the router MAC are not looked up at all.
	var learned cam.LearnResult
	out := cam.NoPort
	if pv.psec != nil && !r.secureSource(pv, vlan, v.SrcUint64(), now) {
		return // port security (portsec.go)
	}
	if s.noLearn != nil && s.noLearn.Has(vlan) {
		learned, out = r.lookupOnly(vlan, v.SrcUint64(), dst, cast) // security.go
	} else if r.dry { // a dry run predicts and changes nothing (simulate.go)
		learned, out = r.wouldLearn(s, vlan, v.SrcUint64(), dst, cast, now)
	} else if cast == castUnicast && !s.routes(dst, vlan) {
		learned, out, _ = r.sw.cam.LearnLookupProbe(r.probe, vlan, v.SrcUint64(), dst, in, now)
	} else {
		learned = r.sw.cam.LearnProbe(r.probe, vlan, v.SrcUint64(), in, now)
	}
	if (learned == cam.InvalidSource || learned == cam.FilteredZero) && !r.learnOutcome(f, vlan, learned) {
		return
	}
	if r.obs != nil && learned != cam.FilteredZero {
		r.observe(f, Decision{Stage: StageLearn, Verdict: Pass, Entry: Entry{Port: r.in, VLAN: vlan, Learn: learned}})
	}

	// Port ACL and VLAN filter (aclstage.go).
	if (pv.pacl.b != nil || s.vacl != nil) && !r.ingressACLs(s, pv, v, vlan) {
		return
	}

	// Layer 3 (route.go): frames to the router MAC on a VLAN with an SVI
	// are routed or punted; ARP for the SVI is punted as well as flooded.
	if s.l3 != nil {
		if !r.vh.Plain() && r.offloadToRouter(s, v, vlan) {
			r.routeSegments(s, buf, n, vlan, cast)
			st.inc(ToRouter)
			return
		}
		if r.routerIn(s, v, buf, n, vlan, cast) {
			st.inc(ToRouter)
			return
		}
	}

	// L2 lookup: a known unicast destination leaves on its port (in the
	// encapsulation that port wants), anything else floods the VLAN.
	out, why = s.l2Lookup(in, out, vlan)
	if why != ReasonNone {
		r.drop(StageL2Lookup, why, f)
		return
	}
	st.inc(Forwarded)
	if r.obs != nil {
		r.observeLookup(f, out, vlan)
	}

	// Egress (egress.go). A frame that leaves one port in the encapsulation
	// it came in, with no offload header or observer to tend, is queued
	// here: the common case pays no call.
	if out != cam.NoPort {
		out = s.egressPort(out, f)
		if (v.Tags > 0) == s.ports[out].tagged(vlan) && !r.rxOffload && r.obs == nil {
			r.enqueue(out, f, cast)
			return
		}
		r.sendOne(s, buf, n, vlan, out, cast)
		return
	}
	if cast == castUnicast {
		st.inc(UnknownUnicastFlooded)
	}
	r.flood(s, buf, n, in, v.Tags > 0, vlan, cast)
}

// l3Bad parses the network header of the frame in r.view on the first
// call for the frame and says what is wrong with it (packet.ReasonNone:
// nothing, or no ARP or IPv4 header to parse). The stages that read past
// the tags call it; a bridged frame never pays for it.
func (r *Receiver) l3Bad() packet.Reason {
	if !r.l3parsed {
		r.l3err = r.view.ParseNetwork()
		r.l3parsed = true
	}
	return r.l3err
}

// giant is the MTU check of a frame longer than an untagged frame of the
// port's MTU may be: its payload after the tags is measured (a tagged
// frame may be TagLen longer, as on a Catalyst), and a super-frame of the
// TAP's offloads is exempt, as it stands for segments that fit. It reports
// whether the frame was dropped.
//
//go:noinline
func (r *Receiver) giant(pv *portView, n int) bool {
	if r.vh.IsGSO() || n-r.view.Tags*packet.TagLen <= pv.maxFrame {
		return false
	}
	r.drop(StageParse, ReasonGiant, r.view.B)
	return true
}

// castOf classifies a destination MAC (packed as MAC.Uint64 does).
func castOf(dst uint64) castClass {
	switch {
	case dst == bcastMAC:
		return castBroadcast
	case dst&(1<<40) != 0:
		return castMulticast
	}
	return castUnicast
}

// routes reports whether layer 3 takes unicast frames to dst in vlan: dst
// is the router MAC and vlan has an SVI.
func (s *snapshot) routes(dst uint64, vlan uint16) bool {
	return s.l3 != nil && dst == s.l3.routerMAC && s.l3.svis[vlan] != nil
}

// ingressVLAN is the VLAN stage: the tag's VLAN on a trunk, the access or
// native VLAN for untagged and priority-tagged frames (whose tag then gets
// that VLAN, which forward writes into the tag, so it is a normal tagged
// frame). A VLAN the port does not carry is a drop.
func (p *portView) ingressVLAN(v *packet.View) (uint16, Reason) {
	vlan := v.VID() // 0 when untagged
	if vlan == 0 {
		vlan = p.untagged
	}
	if vlan == 0 || !p.member(vlan) {
		return vlan, ReasonVLANNotAllowed
	}
	return vlan, ReasonNone
}

// vlanRefusal says why port p does not take a frame of vlan: the VLAN is
// not allowed on it, or it is but is not in the VLAN database (an access
// VLAN deleted, a trunk's allowed or native VLAN never created), which IOS
// shows as inactive.
func (s *snapshot) vlanRefusal(p *portView, vlan uint16) Reason {
	switch {
	case vlan == 0: // the access VLAN was deleted
		return ReasonVLANInactive
	case p.mode == ModeTrunk && p.configured != nil && p.configured.Has(vlan) && !s.exist.Has(vlan):
		return ReasonVLANInactive
	}
	return ReasonVLANNotAllowed
}

// learnOutcome acts on a learn result other than a plain learn or refresh:
// an invalid (multicast or broadcast) source drops the frame, an all-zero
// source is counted and the frame goes on. It reports whether the frame
// goes on.
func (r *Receiver) learnOutcome(f []byte, vlan uint16, learned cam.LearnResult) bool {
	switch learned {
	case cam.InvalidSource:
		r.drop(StageLearn, ReasonInvalidSource, f)
		return false
	case cam.FilteredZero:
		r.local[r.in].inc(ZeroSourceForwarded)
		if r.obs != nil {
			r.observe(f, Decision{Stage: StageLearn, Verdict: Pass, Reason: ReasonZeroSource, Entry: Entry{Port: r.in, VLAN: vlan, Learn: learned}})
		}
	}
	return true
}

// observeIngress reports the passes of the stages before upTo among
// ingress, parse and VLAN (all three once the VLAN is known), which
// forward reports together to keep the observer's tests off its path.
func (r *Receiver) observeIngress(f []byte, upTo Stage, vlan uint16) {
	if upTo > StageIngress {
		r.observe(f, Decision{Stage: StageIngress, Verdict: Pass, Entry: Entry{Port: r.in}})
	}
	if upTo > StageParse {
		r.observe(f, Decision{Stage: StageParse, Verdict: Pass})
	}
	if upTo > StageVLAN {
		r.observe(f, Decision{Stage: StageVLAN, Verdict: Pass, Entry: Entry{VLAN: vlan}})
	}
}

// drop ends the path of the frame f at stage for why: the ingress port's
// counter of that reason goes up and the observer, if any, is told.
//
//go:noinline
func (r *Receiver) drop(stage Stage, why Reason, f []byte) {
	r.countDrop(why)
	if r.obs != nil {
		if stage <= StageVLAN { // the passes before it were not reported yet
			r.observeIngress(f, stage, 0)
		}
		r.observe(f, Decision{Stage: stage, Verdict: Drop, Reason: why})
	}
}

// countDrop counts a frame received on r.in and dropped for why. Every
// drop of the pipeline goes through here; the CPU's own packets, which no
// port received, are counted by layer 3 alone.
func (r *Receiver) countDrop(why Reason) {
	if r.cpu {
		return
	}
	st := &r.local[r.in]
	st.inc(Drops(why))
	if why > ReasonMalformed {
		st.inc(DropMalformed)
	}
	r.dropped = true
}

// l2Lookup is the L2 lookup stage: out, the port the CAM holds for a
// unicast destination (cam.NoPort: not known, or not unicast), is where the
// frame goes if that port forwards in vlan; cam.NoPort returned means a
// flood. A destination learned on the ingress port is filtered.
func (s *snapshot) l2Lookup(in, out cam.PortID, vlan uint16) (cam.PortID, Reason) {
	if out == in {
		return out, ReasonSamePort
	}
	if int(out) < len(s.ports) {
		if ov := &s.ports[out]; ov.sends(vlan) {
			return out, ReasonNone
		}
	}
	return cam.NoPort, ReasonNone
}

// observeLookup reports the L2 lookup stage's pass: to out, or a flood.
func (r *Receiver) observeLookup(f []byte, out cam.PortID, vlan uint16) {
	d := Decision{Stage: StageL2Lookup, Verdict: Pass, Entry: Entry{Port: out, VLAN: vlan, Known: true}}
	if out == cam.NoPort {
		d.Verdict, d.Entry.Known = Flood, false
	}
	r.observe(f, d)
}
