package dataplane

import (
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// snapshot is the immutable forwarding state a worker reads once per batch.
// The control plane builds a new one on every change and publishes it with
// one atomic store, so forwarding never sees half a configuration.
type snapshot struct {
	ports []portView                // by cam.PortID
	lags  []*lagView                // by port ID: the Port-channels (etherchannel.go); nil while there is none
	flood [MaxVLAN + 1][]cam.PortID // forwarding member ports per VLAN
	l3    *l3Snapshot               // nil while no SVI exists
	vacl  []*vaclView               // VLAN filters by VLAN; nil while there is none
	exist VLANSet                   // the VLAN database

	ctrl     *controlView            // the control protocols' destinations (control.go); nil while none listens
	mcast    map[uint64][]cam.PortID // static multicast entries' ports by cam.Key (mcast.go); nil while none
	spanning bool                    // some SPAN session has a live destination (span.go)
	spanVLAN [][]spanDest            // by VLAN: where its received frames are copied; nil while no VLAN is a source
	noLearn  *VLANSet                // VLANs that learn no source (security.go); nil while all learn
}

type portView struct {
	lag     *lagView // the Port-channel it is a member of (etherchannel.go); nil: none
	bundled bool     // a Port-channel member that carries its frames

	present    bool
	forwarding bool      // link up and not shut down
	stp        *stpTable // spanning-tree state per VLAN (stp.go); nil: forwards in all; beside forwarding, read with it
	mode       PortMode
	access     uint16
	native     uint16
	untagged   uint16             // the VLAN of untagged and priority-tagged frames: access or native
	allowed    VLANSet            // trunk: allowed and existing VLANs
	configured *VLANSet           // trunk: the allowed list as configured, existing or not
	tx         []port.Port        // transmit queues; one unless multi-queue
	otx        []port.OffloadPort // the same, when the port has offloads in effect
	offload    port.Offload       // those offloads
	pacl       aclRef             // inbound port ACL
	mtu        int                // payload MTU: the port's or the system's
	maxFrame   int                // the longest untagged frame the MTU allows (longer ones: giants)
	spanRx     []spanDest         // SPAN: where the frames it receives are copied
	spanTx     []spanDest         // SPAN: where the frames it sends are copied
	spanDest   bool               // a SPAN destination: sends the copies, and nothing else
	psec       *psecPort          // port security (portsec.go); nil: off
	storm      *stormView         // storm control (storm.go); nil: off
}

// txQueue returns the transmit queue a worker of receive queue q writes
// to: the same index where the port has it. A multi-queue TAP remembers
// the queue a flow was last written on and receives the flow's next host
// packets there (the kernel's automatic flow steering), so writing each
// flow back on the queue index it arrived on keeps a two-way flow, a TCP
// connection, on the queues of one worker pair instead of pinning every
// flow to queue 0.
func (p *portView) txQueue(q int) int { return q % len(p.tx) }

// offloadQueues returns qs as offload ports, or nil if one is not.
func offloadQueues(qs []port.Port) []port.OffloadPort {
	out := make([]port.OffloadPort, len(qs))
	for i, q := range qs {
		op, ok := q.(port.OffloadPort)
		if !ok {
			return nil
		}
		out[i] = op
	}
	return out
}

// member reports whether the port carries vlan.
func (p *portView) member(vlan uint16) bool {
	if p.mode == ModeAccess {
		return p.access == vlan
	}
	return p.allowed.Has(vlan)
}

// tagged reports whether frames of vlan leave this port with a tag.
func (p *portView) tagged(vlan uint16) bool { return p.mode == ModeTrunk && vlan != p.native }

func (sw *Switch) publishLocked() {
	sw.lagLinkLocked()
	s := &snapshot{ports: make([]portView, sw.cfg.MaxPorts)}
	var exist VLANSet
	for id := range sw.vlans {
		exist.Add(id)
	}
	for _, p := range sw.ports {
		if p == nil {
			continue
		}
		st := p.settings
		v := portView{present: true, forwarding: p.linkUp && !st.Shutdown && !sw.errDisabledLocked(p.id), mode: st.Mode, access: st.AccessVLAN, native: st.NativeVLAN, tx: p.queues}
		if st.Mode == ModeTrunk {
			v.configured = new(VLANSet)
			*v.configured = st.Allowed
			v.allowed = st.Allowed
			v.allowed[0] &^= 1 // VLAN 0 is never a member
			for i := range v.allowed {
				v.allowed[i] &= exist[i]
			}
		} else if !exist.Has(st.AccessVLAN) {
			v.access = 0 // inactive: the access VLAN was deleted
		}
		v.pacl = sw.acl.port[p.name]
		v.mtu = st.MTU
		if v.mtu == 0 {
			v.mtu = sw.mtu
		}
		v.maxFrame = v.mtu + packet.EthLen
		if oq := offloadQueues(p.queues); oq != nil && p.offload != 0 {
			v.otx, v.offload = oq, p.offload
		}
		v.untagged = v.native
		if v.mode == ModeAccess {
			v.untagged = v.access
		}
		v.stp = sw.stp[p.id]
		s.ports[p.id] = v
		if !v.forwarding {
			continue
		}
		if st.Mode == ModeAccess {
			if v.access != 0 && v.stpForwards(v.access) {
				s.flood[v.access] = append(s.flood[v.access], p.id)
			}
			continue
		}
		for vid := uint16(1); vid <= MaxVLAN; vid++ {
			if v.allowed.Has(vid) && v.stpForwards(vid) {
				s.flood[vid] = append(s.flood[vid], p.id)
			}
		}
	}
	s.exist = exist
	sw.lagSnapshotLocked(s)
	sw.spanSnapshotLocked(s)
	sw.controlSnapshotLocked(s)
	sw.mcastSnapshotLocked(s)
	sw.securitySnapshotLocked(s)
	s.l3 = sw.l3.snapshotLocked()
	if s.l3 != nil {
		sw.virtualSnapshotLocked(s.l3)
		// Autostate: an SVI whose VLAN has no forwarding port is down, so
		// what would be routed into it is dropped and counted (no egress)
		// instead of flooded to no one.
		for vid, v := range s.l3.svis {
			if v != nil && len(s.flood[vid]) == 0 {
				v.up = false
			}
		}
		for vid, refs := range sw.acl.svi {
			if v := s.l3.svis[vid]; v != nil {
				v.racl = refs
			}
		}
	}
	if len(sw.acl.vlan) > 0 {
		s.vacl = make([]*vaclView, MaxVLAN+1)
		for vid, m := range sw.acl.vlan {
			s.vacl[vid] = m
		}
	}
	sw.snap.Store(s)
}
