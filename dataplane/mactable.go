package dataplane

import (
	"fmt"
	"slices"
	"strings"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
)

// MACCounts is what `show mac address-table count` reports.
type MACCounts = cam.Counts

// MACStats are the MAC table's policy counters (learned, moved, aged,
// not learned because full, zero or multicast sources, flaps).
type MACStats = cam.Stats

// MACEntry is one row of `show mac address-table`.
type MACEntry struct {
	VLAN     uint16
	MAC      packet.MAC
	Static   bool     // configured, the switch's own address, or Secure
	Secure   bool     // a port-security address, which IOS lists as STATIC (portsec.go)
	Port     string   // interface name; "CPU" for the switch's own addresses
	Ports    []string // a static multicast entry's interfaces (Port: them all, space separated)
	LastSeen int64    // seconds on the switch clock; 0 for static entries
}

// MACFilter selects MAC entries; zero fields match everything.
type MACFilter struct {
	VLAN        uint16
	MAC         packet.MAC
	HasMAC      bool
	Port        string // interface name
	DynamicOnly bool
	StaticOnly  bool
}

func (sw *Switch) camFilter(f MACFilter) (cam.Filter, error) {
	cf := cam.Filter{VLAN: f.VLAN, MAC: f.MAC, HasMAC: f.HasMAC, Port: cam.NoPort}
	if f.Port != "" {
		sw.mu.Lock()
		id, ok := sw.byName[f.Port]
		sw.mu.Unlock()
		if !ok {
			return cf, fmt.Errorf("%s: %w", f.Port, ErrNoSuchPort)
		}
		cf.Port = id
	}
	if f.DynamicOnly {
		cf.Type, cf.HasType = cam.Dynamic, true
	}
	return cf, nil
}

// MACEntries lists the MAC table, sorted by VLAN then MAC.
func (sw *Switch) MACEntries(f MACFilter) ([]MACEntry, error) {
	cf, err := sw.camFilter(f)
	if err != nil {
		return nil, err
	}
	var out []MACEntry
	secure := sw.secureCAMKeys()
	for _, e := range sw.cam.Entries(cf) {
		_, sec := secure[cam.Key(e.VLAN, e.MAC.Uint64())]
		sec = sec && e.Type == cam.Dynamic
		static := e.Type != cam.Dynamic || sec
		if f.StaticOnly && !static || f.DynamicOnly && static {
			continue
		}
		me := MACEntry{VLAN: e.VLAN, MAC: e.MAC, Static: static, Secure: sec, LastSeen: e.LastSeen}
		if sec {
			me.LastSeen = 0
		}
		if e.Type == cam.System {
			me.Port = "CPU"
		} else {
			me.Port = sw.portName(e.Port)
		}
		out = append(out, me)
	}
	for _, m := range sw.StaticMulticasts() {
		if (f.VLAN != 0 && m.VLAN != f.VLAN) || (f.HasMAC && m.MAC != f.MAC) || (f.Port != "" && !slices.Contains(m.Ports, f.Port)) || f.DynamicOnly {
			continue
		}
		out = append(out, MACEntry{VLAN: m.VLAN, MAC: m.MAC, Static: true, Port: strings.Join(m.Ports, " "), Ports: m.Ports})
	}
	return out, nil
}

// ClearDynamicMACs removes the dynamic entries the filter selects
// (`clear mac address-table dynamic [address M] [interface I] [vlan N]`);
// secure addresses, static on a Catalyst, stay.
func (sw *Switch) ClearDynamicMACs(f MACFilter) (int, error) {
	cf, err := sw.camFilter(f)
	if err != nil {
		return 0, err
	}
	secure := sw.secureCAMKeys()
	if secure == nil {
		return sw.cam.ClearDynamic(cf), nil
	}
	cf.Type, cf.HasType = cam.Dynamic, true
	n := 0
	for _, e := range sw.cam.Entries(cf) {
		if _, ok := secure[cam.Key(e.VLAN, e.MAC.Uint64())]; !ok {
			n += sw.cam.ClearDynamic(cam.Filter{VLAN: e.VLAN, MAC: e.MAC, HasMAC: true, Port: e.Port, Type: cam.Dynamic, HasType: true})
		}
	}
	return n, nil
}

// AddStaticMAC installs `mac address-table static M vlan N interface I`.
func (sw *Switch) AddStaticMAC(vlan uint16, mac packet.MAC, ifname string) error {
	sw.mu.Lock()
	id, ok := sw.byName[ifname]
	sw.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: %w", ifname, ErrNoSuchPort)
	}
	if err := sw.cam.AddStatic(vlan, mac, id); err != nil {
		return fmt.Errorf("static MAC %s vlan %d: %w", mac, vlan, err)
	}
	return nil
}

// RemoveStaticMAC removes a static entry.
func (sw *Switch) RemoveStaticMAC(vlan uint16, mac packet.MAC) error {
	if err := sw.cam.RemoveStatic(vlan, mac); err != nil {
		return fmt.Errorf("static MAC %s vlan %d: %w", mac, vlan, err)
	}
	return nil
}

// SetMACAgingTime sets the global aging time in seconds (0 disables aging).
func (sw *Switch) SetMACAgingTime(seconds int64) { sw.cam.SetAgingTime(seconds) }

// MACAgingTime is the global aging time in seconds.
func (sw *Switch) MACAgingTime() int64 { return sw.cam.AgingTime() }

// SetVLANMACAgingTime overrides the aging time of one VLAN.
func (sw *Switch) SetVLANMACAgingTime(vlan uint16, seconds int64) {
	sw.cam.SetVLANAgingTime(vlan, seconds)
}

// ClearVLANMACAgingTime removes a VLAN's override.
func (sw *Switch) ClearVLANMACAgingTime(vlan uint16) { sw.cam.ClearVLANAgingTime(vlan) }

// VLANMACAgingTime returns a VLAN's override, if any.
func (sw *Switch) VLANMACAgingTime(vlan uint16) (int64, bool) { return sw.cam.VLANAgingTime(vlan) }

// MACCounts counts the MAC table's entries; secure addresses count as
// static, as IOS counts them.
func (sw *Switch) MACCounts() MACCounts {
	c := sw.cam.Counts()
	for key := range sw.secureCAMKeys() {
		vlan := uint16(key >> 48)
		c.Dynamic--
		c.Static++
		for i := range c.PerVLAN {
			if c.PerVLAN[i].VLAN == vlan {
				c.PerVLAN[i].Dynamic--
				c.PerVLAN[i].Static++
			}
		}
	}
	return c
}

// MACStats returns the MAC table's counters.
func (sw *Switch) MACStats() MACStats { return sw.cam.Stats() }
