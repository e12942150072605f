package cli

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
)

// This file holds the IOS-XE form of a VRRPv3 group: `vrrp N
// address-family ipv4` in interface Vlan configuration enters the group's
// own mode (config-if-vrrp), where `address A [primary|secondary]`,
// `priority`, `preempt [delay minimum S]`, `timers advertise MSEC` and
// `description` configure it, and `exit-vrrp` leaves. The group is the
// same one the classic `vrrp N ...` lines edit; with `fhrp version vrrp v3`
// the running configuration is written in this form, as IOS-XE writes it.

// installVRRPv3 adds the address-family mode and its commands.
func (d *Device) installVRRPv3() {
	e := d.eng
	m, err := e.NewMode("config-if-vrrp", "(config-if-vrrp)", d.modes.svi)
	must(err)
	help := map[string]string{
		"vrrp": vrrpHelp["vrrp"], "<1-255>": vrrpHelp["<1-255>"],
		"address-family": "Enter Address Family command mode", "ipv4": "IPv4 Address Family",
		"address": "Add IPv4 VRRP address", "$ip": "VRRP address", "primary": "Primary VRRP address (default)",
		"secondary": "Secondary VRRP address", "priority": "Priority of this VRRP group", "<1-254>": "Priority level",
		"preempt": "Enable preemption of lower priority Master", "delay": "Wait before preempting",
		"minimum": "Delay at least this long", "<0-3600>": "Seconds to delay",
		"timers": "Set the VRRP timers", "advertise": "Set the advertisement timer",
		"<100-40000>": "Advertisement interval in milliseconds", "description": "Group specific description",
		"LINE": vrrpHelp["LINE"], "exit-vrrp": "Exit from VRRP configuration mode",
	}
	must(e.Install(d.modes.svi,
		engine.Command{Syntax: "vrrp <1-255>$grp address-family ipv4", No: true, Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				k := vrrpKey{vlan: sviVLAN(c), vrid: uint8(a.Int("grp"))}
				if c.Negated() {
					d.vrrpRemove(k)
					return nil
				}
				if err := d.vrrpEditGroup(c, a, k, func(*engine.Ctx, engine.Args, *vrrpGroupConfig) error { return nil }); err != nil {
					return err
				}
				c.Enter(m, k)
				return nil
			}},
	))
	edit := func(f func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error) engine.Handler {
		return func(c *engine.Ctx, a engine.Args) error {
			k, _ := c.Frame.Context.(vrrpKey)
			return d.vrrpEditGroup(c, a, k, f)
		}
	}
	must(e.Install(m,
		engine.Command{Syntax: "address A.B.C.D$ip [primary|secondary]$kind", No: true, Help: help,
			Run: edit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				ip := a.IP("ip")
				sec := a.String("kind") == "secondary"
				switch {
				case c.Negated():
					if g.ip == ip {
						g.ip = netip.Addr{}
					}
					g.secondaries = slices.DeleteFunc(g.secondaries, func(s netip.Addr) bool { return s == ip })
					return nil
				}
				return g.setAddress(ip, sec)
			})},
		engine.Command{Syntax: "priority <1-254>$prio", No: true, Default: true, NoSyntax: "priority [<1-254>$prio]",
			DefaultSyntax: "priority [<1-254>$prio]", Help: help,
			Run: edit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				g.priority = plainInt(c, a, "prio")
				return nil
			})},
		engine.Command{Syntax: "preempt [delay minimum <0-3600>$delay]", No: true, Default: true, Help: help,
			Run: edit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				g.noPreempt = c.Negated()
				g.preemptDelay = plainInt(c, a, "delay")
				return nil
			})},
		engine.Command{Syntax: "timers advertise <100-40000>$ms", No: true, Default: true,
			NoSyntax: "timers advertise [<100-40000>$ms]", DefaultSyntax: "timers advertise [<100-40000>$ms]", Help: help,
			Run: edit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				g.interval, g.msec = 0, false
				if c.Form == engine.FormPlain {
					g.interval = time.Duration(a.Int("ms")) * time.Millisecond
					g.msec = g.interval%time.Second != 0
				}
				return nil
			})},
		engine.Command{Syntax: "description LINE", No: true, NoSyntax: "description [LINE]", Help: help,
			Run: edit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				if c.Negated() {
					g.description = ""
					return nil
				}
				desc := a.String("description")
				if len(desc) > 80 {
					return engine.Rejectf("%% Description too long (80 characters maximum)")
				}
				g.description = desc
				return nil
			})},
		engine.Command{Syntax: "exit-vrrp", Help: help,
			Run: func(c *engine.Ctx, _ engine.Args) error {
				k, _ := c.Frame.Context.(vrrpKey)
				c.Enter(d.modes.svi, k.vlan)
				return nil
			}},
	))
}

// vrrpV3Stanza is one group in the IOS-XE form, without authentication
// (VRRPv3 has none) and with the interval in milliseconds.
func vrrpV3Stanza(b *strings.Builder, vrid uint8, c vrrpGroupConfig) {
	fmt.Fprintf(b, " vrrp %d address-family ipv4\n", vrid)
	if c.description != "" {
		b.WriteString("  description " + c.description + "\n")
	}
	if c.priority != 0 && c.priority != vrrpDefaultPriority {
		fmt.Fprintf(b, "  priority %d\n", c.priority)
	}
	switch {
	case c.noPreempt:
		b.WriteString("  no preempt\n")
	case c.preemptDelay > 0:
		fmt.Fprintf(b, "  preempt delay minimum %d\n", c.preemptDelay)
	}
	if c.interval != 0 && c.interval != vrrpDefaultInterval {
		fmt.Fprintf(b, "  timers advertise %d\n", c.interval.Milliseconds())
	}
	if c.ip.IsValid() {
		b.WriteString("  address " + c.ip.String() + " primary\n")
	}
	for _, ip := range c.secondaries {
		b.WriteString("  address " + ip.String() + " secondary\n")
	}
	b.WriteString("  exit-vrrp\n")
}
