package cli

import (
	"errors"
	"fmt"
	"github.com/l2sw/l2sw/ifname"
	"math/bits"
	"net/netip"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
)

// This file holds the layer-3 commands: interface VlanN and its
// sub-commands, ip routing, ip route, static ARP, the L3 show and clear
// commands, and their running-config lines. The dataplane does the work;
// these handlers only parse, validate masks and render errors in IOS form.

// installL3 adds the layer-3 mode and commands to the engine.
func (d *Device) installL3() {
	e := d.eng
	var err error
	// IOS shows (config-if) for SVIs too; a mode of its own keeps the
	// switchport commands out of it and the SVI commands out of ports.
	d.modes.svi, err = e.NewMode("config-if-vlan", "(config-if)", d.modes.config)
	must(err)
	must(e.Install(d.modes.svi, d.sviCommands()...))
	must(e.Install(d.modes.svi, engine.Command{Syntax: "! [LINE]", Hidden: true}))
	must(e.Install(d.modes.config, d.l3ConfigCommands()...))
	must(e.Install(e.ExecMode(), d.l3ExecCommands()...))
}

// maskBits turns a dotted netmask into a prefix length; false when the mask
// is not contiguous ones then zeros.
func maskBits(m netip.Addr) (int, bool) {
	if !m.Is4() {
		return 0, false
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := bits.LeadingZeros32(^v)
	if n < 32 && v<<n != 0 {
		return 0, false
	}
	return n, true
}

// dottedMask is the IOS spelling of a prefix length (255.255.255.0).
func dottedMask(n int) string {
	v := uint32(0)
	if n > 0 {
		v = ^uint32(0) << (32 - n)
	}
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff)
}

// prefixArg builds an address/mask pair into a prefix, rejecting bad masks
// as IOS does.
func prefixArg(addr, mask netip.Addr) (netip.Prefix, error) {
	n, ok := maskBits(mask)
	if !ok {
		return netip.Prefix{}, engine.Rejectf("%%Inconsistent address and mask")
	}
	return netip.PrefixFrom(addr, n), nil
}

// sviVLAN returns the VLAN of the config-if mode of an SVI.
func sviVLAN(c *engine.Ctx) uint16 {
	v, _ := c.Frame.Context.(uint16)
	return v
}

// l3Err renders a dataplane layer-3 error as an IOS message.
func l3Err(err error) error {
	if err == nil {
		return nil
	}
	if strings.HasPrefix(err.Error(), "%") {
		return err
	}
	return engine.Rejectf("%% %v", err)
}

// enterInterface is `interface VlanN`; false when name is no SVI (the
// caller handles physical ports).
func (d *Device) enterInterface(c *engine.Ctx, name string) (bool, error) {
	vlan, ok := ifname.ParseSVI(name)
	if !ok {
		return false, nil
	}
	if c.Negated() {
		if err := d.sw.DeleteSVI(vlan); err != nil && !errors.Is(err, dataplane.ErrNoSuchSVI) {
			return true, l3Err(err)
		}
		d.dropSVIAccessGroups(vlan) // acl_commands.go: the groups go with the interface
		d.dropSVIVRRP(vlan)         // vrrp.go
		d.dropStandby(vlan)         // standby.go
		return true, nil
	}
	if err := d.sw.CreateSVI(vlan); err != nil {
		return true, l3Err(err)
	}
	c.Enter(d.modes.svi, vlan)
	return true, nil
}

func (d *Device) sviCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "description LINE", No: true, NoSyntax: "description", Default: true,
			Help: map[string]string{"description": "Interface specific description", "LINE": "Up to 240 characters describing this interface"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				desc := a.String("description")
				if len(desc) > 240 {
					return engine.Rejectf("%% Description too long (240 characters maximum)")
				}
				vlan := sviVLAN(c)
				cfg, err := d.sw.SVI(vlan)
				if err != nil {
					return l3Err(err)
				}
				cfg.Description = desc
				return l3Err(d.sw.SetSVI(cfg))
			}},
		{Syntax: "shutdown", No: true, Default: true,
			Help: map[string]string{"shutdown": "Shutdown the selected interface"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				return l3Err(d.sw.SetSVIShutdown(sviVLAN(c), c.Form == engine.FormPlain))
			}},
		{Syntax: "ip address A.B.C.D$addr A.B.C.D$mask [secondary]", No: true,
			NoSyntax: "ip address [A.B.C.D$addr A.B.C.D$mask [secondary]]",
			Help: map[string]string{"ip": "Interface Internet Protocol config commands", "address": "Set the IP address of an interface",
				"$addr": "IP address", "$mask": "IP subnet mask", "secondary": "Make this IP address a secondary address"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				var p netip.Prefix
				if a.Has("addr") {
					var err error
					if p, err = prefixArg(a.IP("addr"), a.IP("mask")); err != nil {
						return err
					}
				}
				if c.Negated() {
					return l3Err(d.sw.RemoveSVIAddress(sviVLAN(c), p, a.Keyword("secondary")))
				}
				return l3Err(d.sw.SetSVIAddress(sviVLAN(c), p, a.Keyword("secondary")))
			}},
		{Syntax: "mtu <64-9216>", No: true, NoSyntax: "mtu", Default: true,
			Help: map[string]string{"mtu": "Set the interface Maximum Transmission Unit (MTU)", "<64-9216>": "MTU size in bytes"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				return l3Err(d.sw.SetSVIMTU(sviVLAN(c), plainInt(c, a, "mtu"), false))
			}},
		{Syntax: "ip mtu <68-9216>", No: true, NoSyntax: "ip mtu", Default: true,
			Help: map[string]string{"mtu": "Set IP Maximum Transmission Unit", "<68-9216>": "MTU (bytes)"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				return l3Err(d.sw.SetSVIMTU(sviVLAN(c), plainInt(c, a, "mtu"), true))
			}},
		{Syntax: "arp timeout <0-2147483>", No: true, NoSyntax: "arp timeout", Default: true,
			Help: map[string]string{"arp": "Set arp type (arpa, probe, snap) or timeout or log options", "timeout": "Set ARP cache timeout",
				"<0-2147483>": "Seconds"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				t := dataplane.DefaultSVIConfig(1).ARPTimeout
				if c.Form == engine.FormPlain {
					t = time.Duration(a.Int("timeout")) * time.Second
				}
				return l3Err(d.sw.SetARPTimeout(sviVLAN(c), t))
			}},
		{Syntax: "ip arp gratuitous update", No: true, Default: true,
			Help: map[string]string{"arp": "Configure ARP features", "gratuitous": "Gratuitous ARP control", "update": "Update existing ARP entries"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				return l3Err(d.sw.SetGratuitousARPUpdate(sviVLAN(c), !c.Negated()))
			}},
		{Syntax: "ip proxy-arp", No: true, Default: true,
			Help: map[string]string{"proxy-arp": "Enable proxy ARP"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				return l3Err(d.sw.SetProxyARP(sviVLAN(c), !c.Negated()))
			}},
	}
}

// plainInt is the number argument of the plain form, 0 (the default) for
// the no and default forms.
func plainInt(c *engine.Ctx, a engine.Args, name string) int {
	if c.Form != engine.FormPlain {
		return 0
	}
	return a.Int(name)
}

// routeSyntax is `ip route` after the keywords.
const routeSyntax = "ip route A.B.C.D$prefix A.B.C.D$mask {A.B.C.D$nh|IFNAME$via [A.B.C.D$vianh]} [<1-255>$distance]"

func (d *Device) l3ConfigCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "ip routing", No: true, Default: true,
			Help: map[string]string{"ip": "Global IP configuration subcommands", "routing": "Enable IP routing"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				d.sw.SetIPRouting(!c.Negated())
				return nil
			}},
		{Syntax: "ip cef accounting per-prefix", No: true,
			Help: map[string]string{"cef": "Cisco Express Forwarding", "accounting": "Enable CEF accounting",
				"per-prefix": "Enable per prefix accounting"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				d.sw.SetCEFPrefixAccounting(!c.Negated())
				return nil
			}},
		{Syntax: routeSyntax, No: true,
			Help: map[string]string{"route": "Establish static routes", "$prefix": "Destination prefix", "$mask": "Destination prefix mask",
				"$nh": "Forwarding router's address", "$vianh": "Forwarding router's address", "<1-255>": "Distance metric for this route"},
			Run: d.ipRoute},
		{Syntax: "arp A.B.C.D$ip MAC$mac arpa", No: true, NoSyntax: "arp A.B.C.D$ip [MAC$mac [arpa]]",
			Help: map[string]string{"arp": "Set a static ARP entry", "$ip": "IP address of ARP entry", "$mac": "48-bit hardware address of ARP entry",
				"arpa": "ARP type ARPA"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				ip := a.IP("ip")
				if c.Negated() {
					return l3Err(d.sw.RemoveStaticARP(ip))
				}
				return l3Err(d.sw.AddStaticARP(ip, a.MAC("mac")))
			}},
	}
}

func (d *Device) ipRoute(c *engine.Ctx, a engine.Args) error {
	p, err := prefixArg(a.IP("prefix"), a.IP("mask"))
	if err != nil {
		return err
	}
	if p.Masked() != p {
		return engine.Rejectf("%%Inconsistent address and mask")
	}
	r := dataplane.StaticRoute{Prefix: p, Distance: uint8(a.Int("distance"))}
	switch {
	case a.Has("nh"):
		r.NextHop = a.IP("nh")
	default:
		r.Interface = a.Interface("via")
		r.NextHop = a.IP("vianh")
	}
	if c.Negated() {
		err = d.sw.RemoveStaticRoute(r)
		if errors.Is(err, dataplane.ErrNoSuchRoute) {
			return engine.Rejectf("%%No matching route to delete")
		}
		return l3Err(err)
	}
	return l3Err(d.sw.AddStaticRoute(r))
}

func (d *Device) l3ExecCommands() []engine.Command {
	out := func(f func(c *engine.Ctx, a engine.Args) error) engine.Handler {
		return func(c *engine.Ctx, a engine.Args) error {
			return l3Err(f(c, a))
		}
	}
	return []engine.Command{
		{Syntax: "show ip arp [{A.B.C.D$ip|IFNAME$ifname}]", Level: engine.LevelUser,
			Help: map[string]string{"ip": "IP information", "arp": "IP ARP table", "$ip": "IP address or hostname of ARP entry"},
			Run: out(func(c *engine.Ctx, a engine.Args) error {
				return d.showIPARP(c.Out, dataplane.ARPFilter{IP: a.IP("ip"), Interface: a.Interface("ifname")})
			})},
		{Syntax: "show ip route [A.B.C.D$addr [A.B.C.D$mask]]", Level: engine.LevelUser,
			Help: map[string]string{"route": "IP routing table", "$addr": "Network to display information about or hostname", "$mask": "Network mask"},
			Run: out(func(c *engine.Ctx, a engine.Args) error {
				p, err := showPrefix(a)
				if err != nil {
					return err
				}
				return d.showIPRoute(c.Out, p)
			})},
		{Syntax: "show ip cef [A.B.C.D$addr [A.B.C.D$mask]] [detail]", Level: engine.LevelUser,
			Help: map[string]string{"cef": "Cisco Express Forwarding", "$addr": "prefix to lookup", "$mask": "prefix mask", "detail": "Display detailed information"},
			Run: out(func(c *engine.Ctx, a engine.Args) error {
				p, err := showPrefix(a)
				if err != nil {
					return err
				}
				return d.showIPCEF(c.Out, p, a.Has("mask"), a.Keyword("detail"))
			})},
		{Syntax: "show adjacency [detail]", Level: engine.LevelUser,
			Help: map[string]string{"adjacency": "Adjacent nodes", "detail": "Display detailed adjacency information"},
			Run: out(func(c *engine.Ctx, a engine.Args) error {
				detail := a.Keyword("detail")
				return writeShowAdjacency(c.Out, d.sw.Adjacencies(detail), detail)
			})},
		{Syntax: "show ip interface brief", Level: engine.LevelUser,
			Help: map[string]string{"interface": "IP interface status and configuration", "brief": "Brief summary of IP status and configuration"},
			Run:  out(func(c *engine.Ctx, _ engine.Args) error { return writeShowIPInterfaceBrief(c.Out, d.sw.IPInterfaces()) })},
		{Syntax: "show ip traffic", Level: engine.LevelUser,
			Help: map[string]string{"traffic": "IP protocol statistics"},
			Run:  out(func(c *engine.Ctx, _ engine.Args) error { return writeShowIPTraffic(c.Out, d.sw.L3Stats()) })},
		{Syntax: "clear arp-cache [interface IFNAME]",
			Help: map[string]string{"arp-cache": "Clear the entire ARP cache", "interface": "Clear the entire ARP cache on the interface"},
			Run:  func(c *engine.Ctx, a engine.Args) error { return d.clearARP(a.Interface("interface")) }},
		{Syntax: "clear arp interface IFNAME",
			Help: map[string]string{"arp": "Clear the entire ARP cache", "interface": "Clear the entire ARP cache on the interface"},
			Run:  func(c *engine.Ctx, a engine.Args) error { return d.clearARP(a.Interface("interface")) }},
	}
}

func (d *Device) clearARP(name string) error {
	if name != "" {
		if _, ok := ifname.ParseSVI(name); !ok {
			return engine.Rejectf("%% Invalid interface %s", name)
		}
	}
	return l3Err(d.sw.ClearARPCache(name))
}

// showPrefix turns `ADDR [MASK]` into a prefix: a host route without mask.
func showPrefix(a engine.Args) (netip.Prefix, error) {
	if !a.Has("addr") {
		return netip.Prefix{}, nil
	}
	if !a.Has("mask") {
		return netip.PrefixFrom(a.IP("addr"), 32), nil
	}
	p, err := prefixArg(a.IP("addr"), a.IP("mask"))
	if err != nil {
		return p, err
	}
	return p.Masked(), nil
}

// showSVIInterfaces is `show interfaces VlanN`, or every SVI for "".
func (d *Device) showSVIInterfaces(vlan uint16) (string, error) {
	var b strings.Builder
	if vlan != 0 {
		st, err := d.sw.SVIStatus(vlan)
		if err != nil {
			return "", engine.Rejectf("%% Invalid interface %s", ifname.SVI(vlan))
		}
		if err := writeShowInterfaceVlan(&b, st, d.portRates(ifname.SVI(vlan)), d.loadInterval(ifname.SVI(vlan))); err != nil {
			return "", l3Err(err)
		}
		return b.String(), nil
	}
	for _, c := range d.sw.SVIs() {
		st, err := d.sw.SVIStatus(c.VLAN)
		if err == nil {
			err = writeShowInterfaceVlan(&b, st, d.portRates(ifname.SVI(c.VLAN)), d.loadInterval(ifname.SVI(c.VLAN)))
		}
		if err != nil {
			return "", l3Err(err)
		}
	}
	return b.String(), nil
}

// routingConfig is the `no ip routing` line when routing is off, and
// `ip cef accounting per-prefix` when it is on.
func (d *Device) routingConfig() string {
	var b strings.Builder
	if !d.sw.IPRouting() {
		b.WriteString("no ip routing\n!\n")
	}
	if d.sw.CEFPrefixAccounting() {
		b.WriteString("ip cef accounting per-prefix\n!\n")
	}
	return b.String()
}

// sviConfig renders the SVI stanzas, each closed by "!".
func (d *Device) sviConfig() string {
	var b strings.Builder
	for _, c := range d.sw.SVIs() {
		b.WriteString(d.sviStanza(c))
		b.WriteString("!\n")
	}
	return b.String()
}

// sviStanza renders one interface VlanN stanza without its closing "!".
func (d *Device) sviStanza(c dataplane.SVIConfig) string {
	def := dataplane.DefaultSVIConfig(c.VLAN)
	var b strings.Builder
	b.WriteString("interface " + ifname.SVI(c.VLAN) + "\n")
	if c.Description != "" {
		b.WriteString(" description " + c.Description + "\n")
	}
	if c.MTU != 0 && c.MTU != def.MTU {
		fmt.Fprintf(&b, " mtu %d\n", c.MTU)
	}
	if len(c.Addresses) == 0 {
		b.WriteString(" no ip address\n")
	}
	for i, p := range c.Addresses {
		fmt.Fprintf(&b, " ip address %s %s", p.Addr(), dottedMask(p.Bits()))
		if i > 0 {
			b.WriteString(" secondary")
		}
		b.WriteString("\n")
	}
	b.WriteString(d.sviAccessGroupConfig(c.VLAN)) // acl_render.go
	if c.IPMTU != 0 {
		fmt.Fprintf(&b, " ip mtu %d\n", c.IPMTU)
	}
	if !c.ProxyARP {
		b.WriteString(" no ip proxy-arp\n")
	}
	if !c.GratuitousUpdate {
		b.WriteString(" no ip arp gratuitous update\n")
	}
	b.WriteString(d.standbyConfig(c.VLAN)) // standby.go
	if c.ARPTimeout != def.ARPTimeout {
		fmt.Fprintf(&b, " arp timeout %d\n", int64(c.ARPTimeout/time.Second))
	}
	b.WriteString(d.vrrpConfig(c.VLAN)) // vrrp.go
	if c.Shutdown {
		b.WriteString(" shutdown\n")
	}
	return b.String()
}

// routeConfig renders the `ip route` lines, closed by "!" when any.
func (d *Device) routeConfig() string {
	var b strings.Builder
	for _, r := range d.sw.StaticRoutes() {
		fmt.Fprintf(&b, "ip route %s %s", r.Prefix.Addr(), dottedMask(r.Prefix.Bits()))
		if r.Interface != "" {
			b.WriteString(" " + r.Interface)
		}
		if r.NextHop.IsValid() {
			b.WriteString(" " + r.NextHop.String())
		}
		if r.Distance > 1 {
			fmt.Fprintf(&b, " %d", r.Distance)
		}
		b.WriteString("\n")
	}
	if b.Len() > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// staticARPConfig renders the `arp IP MAC ARPA` lines, closed by "!" when any.
func (d *Device) staticARPConfig() string {
	es, err := d.sw.ARPEntries(dataplane.ARPFilter{Types: []dataplane.ARPEntryType{dataplane.ARPStatic}})
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "arp %s %s ARPA\n", e.IP, e.MAC)
	}
	if b.Len() > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// showInterfacesWithSVIs is `show interfaces [X]`: the ports, then the SVIs.
func (d *Device) showInterfacesWithSVIs(name string) (string, error) {
	if vlan, ok := ifname.ParseSVI(name); ok {
		return d.showSVIInterfaces(vlan)
	}
	s, err := d.showInterfaces(name)
	if err != nil || name != "" {
		return s, err
	}
	svis, err := d.showSVIInterfaces(0)
	return s + svis, err
}

// showRunningSVI is `show running-config interface VlanN`; false when name
// is no SVI.
func (d *Device) showRunningSVI(name string) (string, bool) {
	vlan, ok := ifname.ParseSVI(name)
	if !ok {
		return "", false
	}
	c, err := d.sw.SVI(vlan)
	if err != nil {
		return "", false
	}
	body := "!\n" + d.sviStanza(c) + "end\n"
	return fmt.Sprintf("Building configuration...\n\nCurrent configuration : %d bytes\n%s\n", len(body), body), true
}
