package dataplane

import (
	"fmt"

	"github.com/l2sw/l2sw/cam"
)

// Spanning tree decides, per port and VLAN, whether the port takes part in
// forwarding; the protocol itself runs above the data plane (package stp
// and its runner in cli). The data plane only applies the states: a port
// that blocks, listens or learns in a VLAN takes no data frame of it
// (a learning port learns its source first) and is left out of the VLAN's
// flood list and of known-unicast egress. BPDUs reach the protocol
// through ListenControl before this stage, and leave with SendFrame,
// which no state applies to. With no state ever set, a port's table is
// nil and the stage costs one nil test per frame.

// STPState is a port's spanning-tree state in one VLAN.
type STPState uint8

// The states. The zero value forwards, so that a VLAN the protocol does
// not run in (`no spanning-tree vlan V`) forwards on every port.
const (
	STPForwarding STPState = iota
	STPBlocking            // also 802.1w discarding, and err-disabled or inconsistent ports
	STPListening
	STPLearning
)

var stpStateNames = [...]string{"forwarding", "blocking", "listening", "learning"}

// String names the state as IOS shows it in its syslog lines.
func (s STPState) String() string {
	if int(s) < len(stpStateNames) {
		return stpStateNames[s]
	}
	return "unknown"
}

// stpTable is one port's state per VLAN. A published table is never
// written again: a change copies it.
type stpTable [MaxVLAN + 1]STPState

// STPChange sets one port's state in one VLAN.
type STPChange struct {
	Port  string // interface name
	VLAN  uint16
	State STPState
}

// SetSTPStates applies spanning-tree states and publishes them in one
// snapshot. An unknown port or VLAN fails the whole call and changes
// nothing.
func (sw *Switch) SetSTPStates(cs []STPChange) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	ids := make([]cam.PortID, len(cs))
	for i, c := range cs {
		id, ok := sw.byName[c.Port]
		if !ok {
			return fmt.Errorf("spanning-tree state of %s: %w", c.Port, ErrNoSuchPort)
		}
		if err := checkVLAN(c.VLAN); err != nil {
			return fmt.Errorf("spanning-tree state of %s: %w", c.Port, err)
		}
		ids[i] = id
	}
	if sw.stp == nil {
		sw.stp = map[cam.PortID]*stpTable{}
	}
	copied := map[cam.PortID]bool{}
	for i, c := range cs {
		t := sw.stp[ids[i]]
		if !copied[ids[i]] {
			nt := new(stpTable)
			if t != nil {
				*nt = *t
			}
			t, copied[ids[i]] = nt, true
			sw.stp[ids[i]] = t
		}
		t[c.VLAN] = c.State
	}
	sw.publishLocked()
	return nil
}

// ClearSTPStates makes every port forward in every VLAN again, as with
// spanning tree off.
func (sw *Switch) ClearSTPStates() {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.stp = nil
	sw.publishLocked()
}

// stpForwards reports whether spanning tree lets the port forward in vlan.
func (p *portView) stpForwards(vlan uint16) bool { return p.stp == nil || p.stp[vlan] == STPForwarding }

// sends reports whether a frame of vlan may leave the port: it is up, it
// carries the VLAN, and spanning tree forwards there.
func (p *portView) sends(vlan uint16) bool {
	return p.forwarding && p.member(vlan) && p.stpForwards(vlan)
}

// stpHold is the spanning-tree check of a frame received on a port that
// does not forward in vlan: a learning port learns its source, and the
// frame is dropped.
//
//go:noinline
func (r *Receiver) stpHold(pv *portView, vlan uint16, f []byte, now int64) {
	if pv.stp[vlan] == STPLearning && !r.dry {
		r.sw.cam.Learn(vlan, r.view.SrcUint64(), r.in, now)
	}
	r.drop(StageVLAN, ReasonSTPBlocked, f)
}
