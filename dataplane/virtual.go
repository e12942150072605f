package dataplane

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// Virtual gateways are the addresses a first-hop redundancy speaker (HSRP
// active, VRRP master) owns on an SVI for as long as it is the group's
// router: the data plane routes frames to the virtual MAC as to the router
// MAC, the control plane answers ARP for the virtual IP with the virtual
// MAC and pings to it, and the MAC table holds the virtual MAC as a system
// entry toward the CPU. A speaker that loses the role hands them back, and
// the MAC is then learned where the new active router sends from.

// VirtualGateway is one owned virtual address.
type VirtualGateway struct {
	VLAN uint16
	IP   netip.Addr // IPv4
	MAC  packet.MAC // the group's virtual MAC (0000.0c07.acNN, 0000.5e00.01NN...)
}

// SetVirtualGateways replaces the virtual gateways owner holds (owner is
// the protocol's name, so that HSRP and VRRP keep their own sets). Each
// must be on an existing SVI. On error nothing changes.
func (sw *Switch) SetVirtualGateways(owner string, gws []VirtualGateway) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for _, g := range gws {
		if _, ok := sw.l3.svis[g.VLAN]; !ok {
			return fmt.Errorf("virtual gateway %s on %s: %w", g.IP, ifname.SVI(g.VLAN), ErrNoSuchSVI)
		}
		if !g.IP.Is4() {
			return fmt.Errorf("virtual gateway %s on %s: not an IPv4 address", g.IP, ifname.SVI(g.VLAN))
		}
		if g.MAC.IsZero() || g.MAC.IsMulticast() {
			return fmt.Errorf("virtual gateway %s on %s: MAC %s: %w", g.IP, ifname.SVI(g.VLAN), g.MAC, cam.ErrInvalidMAC)
		}
	}
	old := sw.virtualMACsLocked()
	if sw.virtual == nil {
		sw.virtual = map[string][]VirtualGateway{}
	}
	if len(gws) == 0 {
		delete(sw.virtual, owner)
	} else {
		sw.virtual[owner] = slices.Clone(gws)
	}
	now := sw.virtualMACsLocked()
	for k := range old {
		if _, keep := now[k]; !keep {
			_ = sw.cam.RemoveSystem(k.vlan, k.mac)
		}
	}
	for k := range now {
		if _, had := old[k]; !had && k.mac != sw.l3.mac {
			// A MAC learned on a port (the previous active router's)
			// gives way to the system entry (AddSystem replaces it).
			if err := sw.cam.AddSystem(k.vlan, k.mac, cpuPort); err != nil {
				return fmt.Errorf("virtual MAC %s on %s: %w", k.mac, ifname.SVI(k.vlan), err)
			}
		}
	}
	for vid := range vlansOf(old, now) {
		if c := sw.l3.svis[vid]; c != nil {
			if err := sw.pushSVITablesLocked(c); err != nil {
				return err
			}
		}
	}
	sw.publishLocked()
	return nil
}

// VirtualGateways returns the virtual gateways every owner holds.
func (sw *Switch) VirtualGateways() []VirtualGateway {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	var out []VirtualGateway
	for _, o := range slices.Sorted(maps.Keys(sw.virtual)) {
		out = append(out, sw.virtual[o]...)
	}
	return out
}

type vmacKey struct {
	vlan uint16
	mac  packet.MAC
}

func (sw *Switch) virtualMACsLocked() map[vmacKey]struct{} {
	m := map[vmacKey]struct{}{}
	for _, gs := range sw.virtual {
		for _, g := range gs {
			m[vmacKey{g.VLAN, g.MAC}] = struct{}{}
		}
	}
	return m
}

func vlansOf(a, b map[vmacKey]struct{}) map[uint16]struct{} {
	vs := map[uint16]struct{}{}
	for k := range a {
		vs[k.vlan] = struct{}{}
	}
	for k := range b {
		vs[k.vlan] = struct{}{}
	}
	return vs
}

// virtualOfLocked returns the virtual addresses owned on vlan, the first
// owner's MAC for an IP two owners claim.
func (sw *Switch) virtualOfLocked(vlan uint16) []arp.VirtualAddr {
	var out []arp.VirtualAddr
	for _, o := range slices.Sorted(maps.Keys(sw.virtual)) {
		for _, g := range sw.virtual[o] {
			if g.VLAN == vlan && !slices.ContainsFunc(out, func(v arp.VirtualAddr) bool { return v.IP == g.IP }) {
				out = append(out, arp.VirtualAddr{IP: g.IP, MAC: g.MAC})
			}
		}
	}
	return out
}

// virtualView is an SVI's owned virtual addresses in the snapshot.
type virtualView struct {
	macs []uint64
	gws  []VirtualGateway
}

// ownsMAC reports whether dst is one of the SVI's owned virtual MACs.
func (v *sviView) ownsMAC(dst uint64) bool {
	if v.virtual == nil {
		return false
	}
	return slices.Contains(v.virtual.macs, dst)
}

// virtualMAC returns the virtual MAC that owns ip on the SVI.
func (v *sviView) virtualMAC(ip netip.Addr) (packet.MAC, bool) {
	if v == nil || v.virtual == nil {
		return packet.MAC{}, false
	}
	for _, g := range v.virtual.gws {
		if g.IP == ip {
			return g.MAC, true
		}
	}
	return packet.MAC{}, false
}

// virtualSnapshotLocked fills the SVI views' virtual addresses.
func (sw *Switch) virtualSnapshotLocked(l3 *l3Snapshot) {
	for _, o := range slices.Sorted(maps.Keys(sw.virtual)) {
		for _, g := range sw.virtual[o] {
			v := l3.svis[g.VLAN]
			if v == nil {
				continue
			}
			if v.virtual == nil {
				v.virtual = &virtualView{}
			}
			v.virtual.gws = append(v.virtual.gws, g)
			if m := g.MAC.Uint64(); !slices.Contains(v.virtual.macs, m) {
				v.virtual.macs = append(v.virtual.macs, m)
			}
		}
	}
}

// isVirtual reports whether ip is an owned virtual IP of any SVI.
func (l3 *l3Snapshot) isVirtual(ip netip.Addr) bool {
	for _, v := range l3.svis {
		if _, ok := v.virtualMAC(ip); ok {
			return true
		}
	}
	return false
}
