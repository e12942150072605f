package dataplane

import (
	"github.com/l2sw/l2sw/cam"
)

// The layer-2 security features of a Catalyst access port, the state they
// keep and how they reach the per-frame path:
//
//	err-disable     errdisable.go  a port taken out of forwarding for a cause
//	port security   portsec.go     portView.psec: the learn stage asks it first
//	storm control   storm.go       portView.storm: counted after parse
//	VLAN learning   security.go    snapshot.noLearn: the learn stage looks up only
//
// A port without these features pays one nil test per feature per frame.

// securityState is the switch's security configuration; under Switch.mu
// except where a field says otherwise.
type securityState struct {
	errdis  errDisableState
	psec    map[cam.PortID]*psecPort
	storm   map[cam.PortID]*StormControl
	noLearn VLANSet // VLANs with `no mac address-table learning vlan V`
}

func newSecurityState() *securityState {
	return &securityState{
		errdis: errDisableState{ports: map[cam.PortID]errDisabled{}, recovery: map[ErrDisableCause]bool{}},
		psec:   map[cam.PortID]*psecPort{},
		storm:  map[cam.PortID]*StormControl{},
	}
}

// securitySnapshotLocked puts the per-port security views and the VLANs
// without learning into s.
func (sw *Switch) securitySnapshotLocked(s *snapshot) {
	for id, ps := range sw.sec.psec {
		if int(id) < len(s.ports) && s.ports[id].present && ps.cfg.Load().Enabled {
			s.ports[id].psec = ps
		}
	}
	for id, sc := range sw.sec.storm {
		if int(id) < len(s.ports) && s.ports[id].present && sw.ports[id] != nil {
			s.ports[id].storm = sc.view(sw.ports[id].name, len(sw.ports[id].queues))
		}
	}
	if sw.sec.noLearn != (VLANSet{}) {
		nl := sw.sec.noLearn
		s.noLearn = &nl
	}
}

// SetVLANLearning turns source learning in vlan on or off (`[no] mac
// address-table learning vlan V`): with learning off, frames are still
// forwarded (a known destination on its port, the others flooded) but no
// source is learned and existing dynamic entries of the VLAN are removed.
func (sw *Switch) SetVLANLearning(vlan uint16, on bool) error {
	if vlan < 1 || vlan > MaxVLAN {
		return ErrBadVLAN
	}
	sw.mu.Lock()
	if on {
		sw.sec.noLearn.Remove(vlan)
	} else {
		sw.sec.noLearn.Add(vlan)
	}
	sw.publishLocked()
	sw.mu.Unlock()
	if !on {
		sw.cam.ClearDynamic(cam.ForVLAN(vlan))
	}
	return nil
}

// VLANLearning reports whether source learning is on in vlan.
func (sw *Switch) VLANLearning(vlan uint16) bool {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return !sw.sec.noLearn.Has(vlan)
}

// lookupOnly is the learn stage of a VLAN without learning: the source is
// checked as Learn checks it but not learned, and a unicast destination is
// looked up.
func (r *Receiver) lookupOnly(vlan uint16, src, dst uint64, cast castClass) (cam.LearnResult, cam.PortID) {
	switch {
	case src == 0:
		return cam.FilteredZero, cam.NoPort
	case src&(1<<40) != 0:
		return cam.InvalidSource, cam.NoPort
	}
	if cast != castUnicast {
		return cam.Refreshed, cam.NoPort
	}
	out, ok := r.sw.cam.Lookup(vlan, dst)
	if !ok {
		out = cam.NoPort
	}
	return cam.Refreshed, out
}

// SetMACLimit limits the MAC address table to n entries, static ones
// included (`mac address-table limit maximum N`); 0 removes the limit (the
// table's capacity). Existing entries stay; newcomers beyond the limit are
// not learned, as when the table is full.
func (sw *Switch) SetMACLimit(n int) { sw.cam.SetLimit(n) }

// MACLimit returns the limit set by SetMACLimit (0: none) and the table's
// capacity.
func (sw *Switch) MACLimit() (limit, capacity int) { return sw.cam.Limit(), sw.cam.Capacity() }

// forgetLocked drops the security state of a removed port, so that a port
// added later under its id starts clean.
func (s *securityState) forgetLocked(id cam.PortID) {
	delete(s.errdis.ports, id)
	delete(s.psec, id)
	delete(s.storm, id)
}
