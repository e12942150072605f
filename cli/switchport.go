package cli

import (
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
)

// This file holds `show interfaces [IF] switchport` and `show interfaces
// [IF] trunk`, the layer-2 view of a port that engineers check first when
// a VLAN does not pass, in the Catalyst layouts.

// installSwitchport adds the commands.
func (d *Device) installSwitchport() {
	help := map[string]string{"switchport": "Show interface switchport information", "trunk": "Show interface trunk information"}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show interfaces [IFNAME$ifname] switchport", Level: engine.LevelUser, Help: help,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showSwitchport(a.Interface("ifname")) })},
		engine.Command{Syntax: "show interfaces [IFNAME$ifname] trunk", Level: engine.LevelUser, Help: help,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showTrunk(a.Interface("ifname")) })},
	))
}

// vlanLabel is "10 (NAME)" for an existing VLAN, "10 (Inactive)" else.
func (d *Device) vlanLabel(v uint16, names map[uint16]string) string {
	if n, ok := names[v]; ok {
		return fmt.Sprintf("%d (%s)", v, n)
	}
	return fmt.Sprintf("%d (Inactive)", v)
}

func (d *Device) vlanNames() map[uint16]string {
	names := map[uint16]string{}
	for _, v := range d.sw.VLANs() {
		names[v.ID] = v.Name
	}
	return names
}

func (d *Device) showSwitchport(name string) (string, error) {
	ports, err := d.portList(name)
	if err != nil {
		return "", err
	}
	names := d.vlanNames()
	var b strings.Builder
	for _, p := range ports {
		st, err := d.sw.Status(p)
		if err != nil {
			continue
		}
		s := st.Settings
		admin, oper, encap := "static access", "static access", "native"
		if s.Mode == dataplane.ModeTrunk {
			admin, oper, encap = "trunk", "trunk", "dot1q"
		}
		if !st.Up {
			oper = "down"
		}
		trunking := "ALL"
		if s.Allowed != dataplane.AllVLANs() {
			trunking = s.Allowed.String()
			if trunking == "none" {
				trunking = "NONE"
			}
		}
		fmt.Fprintf(&b, "Name: %s\nSwitchport: Enabled\nAdministrative Mode: %s\nOperational Mode: %s\n", ifname.Short(p), admin, oper)
		fmt.Fprintf(&b, "Administrative Trunking Encapsulation: dot1q\nOperational Trunking Encapsulation: %s\nNegotiation of Trunking: Off\n", encap)
		fmt.Fprintf(&b, "Access Mode VLAN: %s\nTrunking Native Mode VLAN: %s\n", d.vlanLabel(s.AccessVLAN, names), d.vlanLabel(s.NativeVLAN, names))
		b.WriteString(`Administrative Native VLAN tagging: enabled
Voice VLAN: none
Administrative private-vlan host-association: none
Administrative private-vlan mapping: none
Administrative private-vlan trunk native VLAN: none
Administrative private-vlan trunk Native VLAN tagging: enabled
Administrative private-vlan trunk encapsulation: dot1q
Administrative private-vlan trunk normal VLANs: none
Administrative private-vlan trunk associations: none
Administrative private-vlan trunk mappings: none
Operational private-vlan: none
`)
		fmt.Fprintf(&b, "Trunking VLANs Enabled: %s\nPruning VLANs Enabled: 2-1001\nCapture Mode Disabled\nCapture VLANs Allowed: ALL\n\n", trunking)
		b.WriteString("Protected: false\nUnknown unicast blocked: disabled\nUnknown multicast blocked: disabled\nAppliance trust: none\n\n")
	}
	return b.String(), nil
}

// showTrunk lists the trunk ports that are up, in four tables, as IOS
// does; an access port or a down trunk is left out.
func (d *Device) showTrunk(name string) (string, error) {
	ports, err := d.portList(name)
	if err != nil {
		return "", err
	}
	type trunkRow struct {
		name                 string
		native               uint16
		allowed, active, fwd dataplane.VLANSet
	}
	var rows []trunkRow
	var exist dataplane.VLANSet
	for _, v := range d.sw.VLANs() {
		exist.Add(v.ID)
	}
	for _, p := range ports {
		st, err := d.sw.Status(p)
		if err != nil || st.Settings.Mode != dataplane.ModeTrunk || !st.Up || d.sw.ChannelGroup(p) != 0 { // a bundle trunks as its Port-channel
			continue
		}
		r := trunkRow{name: ifname.Short(p), native: st.Settings.NativeVLAN, allowed: st.Settings.Allowed}
		r.allowed.Remove(0)
		r.allowed.Remove(4095)
		r.active = r.allowed
		for i := range r.active {
			r.active[i] &= exist[i]
		}
		r.fwd = d.stpForwardingVLANs(p, r.active) // stp.go
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return "", nil
	}
	var b strings.Builder
	b.WriteString("\nPort        Mode             Encapsulation  Status        Native vlan\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-12s%-17s%-15s%-14s%d\n", r.name, "on", "802.1q", "trunking", r.native)
	}
	for _, t := range []struct {
		title string
		set   func(trunkRow) dataplane.VLANSet
	}{
		{"Vlans allowed on trunk", func(r trunkRow) dataplane.VLANSet { return r.allowed }},
		{"Vlans allowed and active in management domain", func(r trunkRow) dataplane.VLANSet { return r.active }},
		{"Vlans in spanning tree forwarding state and not pruned", func(r trunkRow) dataplane.VLANSet { return r.fwd }},
	} {
		fmt.Fprintf(&b, "\nPort        %s\n", t.title)
		for _, r := range rows {
			fmt.Fprintf(&b, "%-12s%s\n", r.name, t.set(r).String())
		}
	}
	return b.String(), nil
}
