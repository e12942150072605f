package cli

import (
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
)

// This file holds `show ip interface [IF]` and `show ipv6 interface
// [brief]`, which automation (Ansible's ios_facts, NAPALM) reads for every
// interface's addresses and state. The switch has no IPv6: every interface
// is unassigned, as on an IOS box with IPv6 configured nowhere.

// installIPInterface adds the commands.
func (d *Device) installIPInterface() {
	help := map[string]string{"ip": "IP information", "ipv6": "IPv6 information",
		"interface": "IP interface status and configuration", "brief": "Brief summary of IP status and configuration"}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show ip interface [IFNAME$ifname]", Level: engine.LevelUser, Help: help,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showIPInterface(a.Interface("ifname")) })},
		engine.Command{Syntax: "show ipv6 interface brief", Level: engine.LevelUser, Help: help,
			Run: out(func(_ *engine.Ctx, _ engine.Args) (string, error) { return d.showIPv6InterfaceBrief(), nil })},
		engine.Command{Syntax: "show ipv6 interface [IFNAME$ifname]", Level: engine.LevelUser, Help: help,
			// IPv6 is enabled on no interface: IOS prints nothing.
			Run: func(*engine.Ctx, engine.Args) error { return nil }},
	))
}

// ipRows returns the interfaces `show ip interface` lists: all, or name.
func (d *Device) ipRows(name string) ([]dataplane.IPInterfaceRow, error) {
	rows := d.sw.IPInterfaces()
	if name == "" {
		return rows, nil
	}
	for _, r := range rows {
		if r.Name == name {
			return []dataplane.IPInterfaceRow{r}, nil
		}
	}
	return nil, engine.Rejectf("%% Invalid input detected at '^' marker.")
}

func ipStatus(r dataplane.IPInterfaceRow) (link, proto string) {
	link, proto = "up", "down"
	switch {
	case r.AdminDown:
		link = "administratively down"
	case !r.LinkUp:
		link = "down"
	}
	if r.ProtocolUp {
		proto = "up"
	}
	return link, proto
}

func (d *Device) showIPInterface(name string) (string, error) {
	rows, err := d.ipRows(name)
	if err != nil {
		return "", err
	}
	svis := map[uint16]dataplane.SVIConfig{}
	for _, s := range d.sw.SVIs() {
		svis[s.VLAN] = s
	}
	var b strings.Builder
	for _, r := range rows {
		link, proto := ipStatus(r)
		fmt.Fprintf(&b, "%s is %s, line protocol is %s\n", r.Name, link, proto)
		vid, isSVI := ifname.ParseSVI(r.Name)
		c := svis[vid]
		if !isSVI || len(c.Addresses) == 0 {
			b.WriteString("  Internet protocol processing disabled\n")
			continue
		}
		mtu := c.IPMTU
		if mtu == 0 {
			mtu = c.MTU
		}
		fmt.Fprintf(&b, "  Internet address is %v\n", c.Addresses[0])
		b.WriteString("  Broadcast address is 255.255.255.255\n  Address determined by non-volatile memory\n")
		fmt.Fprintf(&b, "  MTU is %d bytes\n", mtu)
		b.WriteString("  Helper address is not set\n  Directed broadcast forwarding is disabled\n")
		for _, a := range c.Addresses[1:] {
			fmt.Fprintf(&b, "  Secondary address %v\n", a)
		}
		fmt.Fprintf(&b, "  Outgoing access list is %s\n", d.sviACLName(vid, dataplane.ACLOut))
		fmt.Fprintf(&b, "  Inbound  access list is %s\n", d.sviACLName(vid, dataplane.ACLIn))
		fmt.Fprintf(&b, "  Proxy ARP is %s\n", enabled(c.ProxyARP))
		b.WriteString(`  Local Proxy ARP is disabled
  Security level is default
  Split horizon is enabled
  ICMP redirects are always sent
  ICMP unreachables are always sent
  ICMP mask replies are never sent
  IP fast switching is enabled
  IP Flow switching is disabled
  IP CEF switching is enabled
  IP CEF switching turbo vector
  IP multicast fast switching is enabled
  IP multicast distributed fast switching is disabled
  IP route-cache flags are Fast, CEF
  Router Discovery is disabled
  IP output packet accounting is disabled
  IP access violation accounting is disabled
  TCP/IP header compression is disabled
  RTP/IP header compression is disabled
  Probe proxy name replies are disabled
  Policy routing is disabled
  Network address translation is disabled
  BGP Policy Mapping is disabled
  Input features: MCI Check
`)
	}
	return b.String(), nil
}

// sviACLName is the list applied to an SVI in one direction, or "not set".
func (d *Device) sviACLName(vlan uint16, dir dataplane.ACLDirection) string {
	d.acl.mu.Lock()
	defer d.acl.mu.Unlock()
	if n, ok := d.acl.svis[sviGroup{vlan: vlan, dir: dir}]; ok && n != "" {
		return n
	}
	return "not set"
}

func enabled(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

func (d *Device) showIPv6InterfaceBrief() string {
	var b strings.Builder
	for _, r := range d.sw.IPInterfaces() {
		link, proto := ipStatus(r)
		fmt.Fprintf(&b, "%-22s [%s/%s]\n    unassigned\n", r.Name, link, proto)
	}
	return b.String()
}
