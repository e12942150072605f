package dataplane

import (
	"fmt"
	"maps"
	"slices"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// Static multicast entries (`mac address-table static MAC vlan V interface
// IF...` for a multicast MAC) send frames to that MAC to the listed ports
// instead of flooding them: what an NLB cluster in multicast mode needs,
// since its cluster MAC is never learned. The CAM keeps one port per
// address, so these entries live beside it, as the port sets of the
// snapshot's flood lists.

// StaticMulticast is one multicast MAC with its ports.
type StaticMulticast struct {
	VLAN  uint16
	MAC   packet.MAC
	Ports []string // IOS interface names, in interface order
}

type mcastKey struct {
	vlan uint16
	mac  packet.MAC
}

// AddStaticMulticast adds ports to the static entry of a multicast MAC in
// vlan, creating it (IOS adds to the list on each line).
func (sw *Switch) AddStaticMulticast(vlan uint16, mac packet.MAC, ports []string) error {
	if err := checkVLAN(vlan); err != nil {
		return err
	}
	if !mac.IsMulticast() || mac.IsBroadcast() {
		return fmt.Errorf("static multicast entry %s: %w", mac, cam.ErrInvalidMAC)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for _, p := range ports {
		if _, ok := sw.byName[p]; !ok {
			return fmt.Errorf("%s: %w", p, ErrNoSuchPort)
		}
	}
	if sw.mcast == nil {
		sw.mcast = map[mcastKey][]string{}
	}
	k := mcastKey{vlan, mac}
	set := sw.mcast[k]
	for _, p := range ports {
		if !slices.Contains(set, p) {
			set = append(set, p)
		}
	}
	slices.SortFunc(set, func(a, b string) int {
		switch {
		case ifname.Less(a, b):
			return -1
		case ifname.Less(b, a):
			return 1
		}
		return 0
	})
	sw.mcast[k] = set
	sw.publishLocked()
	return nil
}

// RemoveStaticMulticast removes ports from the entry, or the whole entry
// when ports is empty.
func (sw *Switch) RemoveStaticMulticast(vlan uint16, mac packet.MAC, ports []string) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	k := mcastKey{vlan, mac}
	set, ok := sw.mcast[k]
	if !ok {
		return fmt.Errorf("static multicast entry %s vlan %d: %w", mac, vlan, cam.ErrNotFound)
	}
	if len(ports) == 0 {
		delete(sw.mcast, k)
	} else {
		set = slices.DeleteFunc(slices.Clone(set), func(p string) bool { return slices.Contains(ports, p) })
		if len(set) == 0 {
			delete(sw.mcast, k)
		} else {
			sw.mcast[k] = set
		}
	}
	sw.publishLocked()
	return nil
}

// StaticMulticasts returns the static multicast entries by VLAN and MAC.
func (sw *Switch) StaticMulticasts() []StaticMulticast {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	keys := slices.SortedFunc(maps.Keys(sw.mcast), func(a, b mcastKey) int {
		if a.vlan != b.vlan {
			return int(a.vlan) - int(b.vlan)
		}
		return compareMAC(a.mac, b.mac)
	})
	out := make([]StaticMulticast, 0, len(keys))
	for _, k := range keys {
		out = append(out, StaticMulticast{VLAN: k.vlan, MAC: k.mac, Ports: slices.Clone(sw.mcast[k])})
	}
	return out
}

func compareMAC(a, b packet.MAC) int {
	x, y := a.Uint64(), b.Uint64()
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// mcastSnapshotLocked gives the snapshot the port set of each entry: its
// ports that forward in the entry's VLAN.
func (sw *Switch) mcastSnapshotLocked(s *snapshot) {
	if len(sw.mcast) == 0 {
		return
	}
	s.mcast = make(map[uint64][]cam.PortID, len(sw.mcast))
	for k, ports := range sw.mcast {
		set := []cam.PortID{} // an entry whose ports are all down floods nowhere
		for _, p := range ports {
			if id, ok := sw.byName[p]; ok && slices.Contains(s.flood[k.vlan], id) {
				set = append(set, id)
			}
		}
		s.mcast[cam.Key(k.vlan, k.mac.Uint64())] = set
	}
}

// floodPorts is where a frame that is not known unicast goes in vlan: the
// VLAN's forwarding ports, or a static multicast entry's.
func (s *snapshot) floodPorts(vlan uint16, dst uint64, cast castClass) []cam.PortID {
	if cast == castMulticast && s.mcast != nil {
		if set, ok := s.mcast[cam.Key(vlan, dst)]; ok {
			return set
		}
	}
	return s.flood[vlan]
}
