package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
)

// Port security and errdisable recovery: the interface lines
// `switchport port-security ...`, the global `errdisable recovery ...`,
// and `show port-security [interface IF] [address]`, `show errdisable
// recovery`, `show interfaces status err-disabled` in the Catalyst 2960 /
// 3750 (IOS 15) layouts.

// systemSecureLimit is what `show port-security` reports as the system's
// limit of secure addresses beyond the first of each port.
const systemSecureLimit = dataplane.MaxSecureMaximum

// installPortSecurity adds the commands.
func (d *Device) installPortSecurity() {
	psHelp := map[string]string{
		"port-security": "Security related command",
		"maximum":       "Max secure addresses",
		"<1-4096>":      "Maximum addresses",
		"vlan":          "Max secure addresses per vlan",
		"violation":     "Security violation mode",
		"protect":       "Security violation protect mode",
		"restrict":      "Security violation restrict mode",
		"shutdown":      "Security violation shutdown mode",
		"mac-address":   "Secure mac address",
		"sticky":        "Configure dynamic secure addresses as sticky",
		"MAC":           "48 bit mac address",
		"aging":         "Port-security aging commands",
		"time":          "Port-security aging time",
		"<1-1440>":      "Aging time in minutes. Enter a value between 1 and 1440",
		"type":          "Port-security aging type",
		"absolute":      "Absolute aging (default)",
		"inactivity":    "Aging based on inactivity time period",
	}
	ifc := []engine.Command{
		{Syntax: "switchport port-security", No: true, Help: psHelp, Run: func(c *engine.Ctx, _ engine.Args) error {
			on := c.Form == engine.FormPlain
			if on {
				for _, name := range ifNames(c) {
					if err := d.psecModeCheck(name); err != nil {
						return err
					}
				}
			}
			return d.editPortSecurity(c, func(_ string, ps *dataplane.PortSecurityStatus) error { ps.Config.Enabled = on; return nil })
		}},
		{Syntax: "switchport port-security maximum <1-4096> [vlan VLANLIST$vlans]", No: true,
			NoSyntax: "switchport port-security maximum [<1-4096>] [vlan VLANLIST$vlans]", Help: psHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				n := a.Int("maximum")
				return d.editPortSecurity(c, func(_ string, ps *dataplane.PortSecurityStatus) error {
					cfg := &ps.Config
					if a.Has("vlans") {
						if cfg.VLANMaximum == nil {
							cfg.VLANMaximum = map[uint16]int{}
						}
						for _, v := range a.VLANs("vlans") {
							if c.Form == engine.FormPlain {
								cfg.VLANMaximum[uint16(v)] = n
							} else {
								delete(cfg.VLANMaximum, uint16(v))
							}
						}
						return nil
					}
					if c.Form != engine.FormPlain {
						n = 0
					}
					if max(n, dataplane.DefaultSecureMaximum) < len(ps.Addresses) {
						return engine.Rejectf("Maximum is less than number of currently secured mac-addresses.")
					}
					cfg.Maximum = n
					return nil
				})
			}},
		{Syntax: "switchport port-security violation {protect|restrict|shutdown}$mode", No: true,
			NoSyntax: "switchport port-security violation [protect|restrict|shutdown]", Help: psHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := dataplane.ViolationShutdown
				if c.Form == engine.FormPlain {
					v = map[string]dataplane.Violation{"protect": dataplane.ViolationProtect, "restrict": dataplane.ViolationRestrict}[a.String("mode")]
				}
				return d.editPortSecurity(c, func(_ string, ps *dataplane.PortSecurityStatus) error { ps.Config.Violation = v; return nil })
			}},
		{Syntax: "switchport port-security mac-address sticky [MAC$mac] [vlan <1-4094>]", No: true, Help: psHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				if !a.Has("mac") {
					on := c.Form == engine.FormPlain
					return d.editPortSecurity(c, func(_ string, ps *dataplane.PortSecurityStatus) error { ps.Config.Sticky = on; return nil })
				}
				return d.secureMAC(c, a, dataplane.SecureSticky)
			}},
		{Syntax: "switchport port-security mac-address MAC$mac [vlan <1-4094>]", No: true, Help: psHelp,
			Run: func(c *engine.Ctx, a engine.Args) error { return d.secureMAC(c, a, dataplane.SecureConfigured) }},
		{Syntax: "switchport port-security aging time <1-1440>", No: true, NoSyntax: "switchport port-security aging time [<1-1440>]", Help: psHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				m := 0
				if c.Form == engine.FormPlain {
					m = a.Int("time")
				}
				return d.editPortSecurity(c, func(_ string, ps *dataplane.PortSecurityStatus) error { ps.Config.AgingTime = m; return nil })
			}},
		{Syntax: "switchport port-security aging type {absolute|inactivity}$type", No: true,
			NoSyntax: "switchport port-security aging type [absolute|inactivity]", Help: psHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				t := dataplane.AgingAbsolute
				if c.Form == engine.FormPlain && a.String("type") == "inactivity" {
					t = dataplane.AgingInactivity
				}
				return d.editPortSecurity(c, func(_ string, ps *dataplane.PortSecurityStatus) error { ps.Config.AgingType = t; return nil })
			}},
	}
	must(d.eng.Install(d.modes.ifc, ifc...))
	must(d.eng.Install(d.modes.ifRange, ifc...))

	causes := make([]string, 0, len(dataplane.ErrDisableCauses)+1)
	causes = append(causes, "all")
	for _, c := range dataplane.ErrDisableCauses {
		causes = append(causes, string(c))
	}
	erHelp := map[string]string{"errdisable": "Error disable", "recovery": "Enable error disable recovery for application",
		"cause": "Enable error disable recovery for application", "interval": "Error disable recovery timer value",
		"<30-86400>": "timer-interval(sec)", "all": "Enable timer to recover from all error causes",
		"psecure-violation": "Enable timer to recover from psecure violation disable state",
		"storm-control":     "Enable timer to recover from storm-control error disable state",
		"bpduguard":         "Enable timer to recover from BPDU Guard error"}
	must(d.eng.Install(d.modes.config,
		engine.Command{Syntax: "errdisable recovery cause {" + strings.Join(causes, "|") + "}$cause", No: true, Help: erHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				on := c.Form == engine.FormPlain
				if a.String("cause") == "all" {
					for _, cause := range dataplane.ErrDisableCauses {
						d.sw.SetErrDisableRecovery(cause, on)
					}
					return nil
				}
				d.sw.SetErrDisableRecovery(dataplane.ErrDisableCause(a.String("cause")), on)
				return nil
			}},
		engine.Command{Syntax: "errdisable recovery interval <30-86400>", No: true, NoSyntax: "errdisable recovery interval [<30-86400>]", Help: erHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				s := 0
				if c.Form == engine.FormPlain {
					s = a.Int("interval")
				}
				if err := d.sw.SetErrDisableInterval(s); err != nil {
					return engine.Rejectf("%% %v", err)
				}
				return nil
			}},
	))

	showHelp := map[string]string{"port-security": "Show secure port information", "interface": "Show secure interface",
		"address": "Show secure address", "errdisable": "Error disable", "recovery": "Error disable recovery",
		"err-disabled": "Show interfaces in err-disabled state"}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show port-security [interface IFNAME$ifname] [address]", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				if a.Has("address") {
					return d.showPortSecurityAddress(a.Interface("ifname"))
				}
				if a.Has("ifname") {
					return d.showPortSecurityInterface(a.Interface("ifname"))
				}
				return d.showPortSecurity(), nil
			})},
		engine.Command{Syntax: "show errdisable recovery", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, _ engine.Args) (string, error) { return d.showErrDisableRecovery(), nil })},
		engine.Command{Syntax: "show interfaces status err-disabled", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, _ engine.Args) (string, error) { return d.showErrDisabled(), nil })},
		engine.Command{Syntax: "clear port-security {all|configured|dynamic|sticky}$kind [interface IFNAME$ifname]", Help: map[string]string{
			"port-security": "Clear secure MAC addresses", "all": "Clear all secure MAC addresses", "configured": "Clear configured secure MAC addresses",
			"dynamic": "Clear dynamic secure MAC addresses", "sticky": "Clear sticky secure MAC addresses"},
			Run: func(_ *engine.Ctx, a engine.Args) error {
				kinds := map[string][]dataplane.SecureKind{"all": {dataplane.SecureDynamic, dataplane.SecureSticky, dataplane.SecureConfigured},
					"configured": {dataplane.SecureConfigured}, "dynamic": {dataplane.SecureDynamic}, "sticky": {dataplane.SecureSticky}}[a.String("kind")]
				for _, k := range kinds {
					if err := d.sw.ClearSecureMACs(a.Interface("ifname"), k); err != nil {
						return engine.Rejectf("%% %v", err)
					}
				}
				return nil
			}},
	))
}

// psecModeCheck refuses port security on a port whose mode was not set:
// on a Catalyst that is a dynamic (DTP) port.
func (d *Device) psecModeCheck(name string) error {
	d.mu.Lock()
	set := d.ports[name] != nil && d.ports[name].modeSet
	d.mu.Unlock()
	if st, err := d.sw.Status(name); err == nil && st.Settings.Mode == dataplane.ModeTrunk {
		set = true
	}
	if !set {
		return engine.Rejectf("Command rejected: %s is a dynamic port.", name)
	}
	return nil
}

// editPortSecurity changes the port-security configuration of the mode's
// interfaces.
func (d *Device) editPortSecurity(c *engine.Ctx, edit func(name string, ps *dataplane.PortSecurityStatus) error) error {
	for _, name := range ifNames(c) {
		ps, err := d.sw.PortSecurity(name)
		if err != nil {
			return engine.Rejectf("%% %v", err)
		}
		if err := edit(name, &ps); err != nil {
			return err
		}
		if err := d.sw.SetPortSecurity(name, ps.Config); err != nil {
			return engine.Rejectf("%% %v", err)
		}
	}
	return nil
}

// secureMAC adds or removes a configured or sticky address.
func (d *Device) secureMAC(c *engine.Ctx, a engine.Args, kind dataplane.SecureKind) error {
	mac := a.MAC("mac")
	vlan := uint16(a.Int("vlan"))
	for _, name := range ifNames(c) {
		if c.Form != engine.FormPlain {
			if err := d.sw.RemoveSecureMAC(name, mac, vlan, kind); err != nil {
				return engine.Rejectf("%% %v", err)
			}
			continue
		}
		if err := d.sw.AddSecureMAC(name, mac, vlan, kind); err != nil {
			switch {
			case errors.Is(err, dataplane.ErrSecureMaximum):
				return engine.Rejectf("Total secure mac-addresses on interface %s has reached maximum limit.", name)
			case errors.Is(err, dataplane.ErrSecureMAC):
				return engine.Rejectf("Found an invalid secure mac address %s", mac)
			}
			return engine.Rejectf("%% %v", err)
		}
	}
	return nil
}

// portSecurityConfig renders a port's port-security lines.
func (d *Device) portSecurityConfig(name string) string {
	ps, err := d.sw.PortSecurity(name)
	if err != nil {
		return ""
	}
	cfg := ps.Config
	var b strings.Builder
	if cfg.Maximum != 0 && cfg.Maximum != dataplane.DefaultSecureMaximum {
		fmt.Fprintf(&b, " switchport port-security maximum %d\n", cfg.Maximum)
	}
	for v := uint16(1); v <= dataplane.MaxVLAN; v++ {
		if n, ok := cfg.VLANMaximum[v]; ok {
			fmt.Fprintf(&b, " switchport port-security maximum %d vlan %d\n", n, v)
		}
	}
	if cfg.Enabled {
		b.WriteString(" switchport port-security\n")
	}
	if cfg.Violation != dataplane.ViolationShutdown {
		b.WriteString(" switchport port-security violation " + cfg.Violation.String() + "\n")
	}
	vlanTail := func(a dataplane.SecureAddress) string {
		if a.Configured != 0 {
			return fmt.Sprintf(" vlan %d", a.Configured)
		}
		return ""
	}
	for _, a := range ps.Addresses {
		if a.Kind == dataplane.SecureConfigured {
			fmt.Fprintf(&b, " switchport port-security mac-address %s%s\n", a.MAC, vlanTail(a))
		}
	}
	if cfg.Sticky {
		b.WriteString(" switchport port-security mac-address sticky\n")
	}
	for _, a := range ps.Addresses {
		if a.Kind == dataplane.SecureSticky {
			fmt.Fprintf(&b, " switchport port-security mac-address sticky %s%s\n", a.MAC, vlanTail(a))
		}
	}
	if cfg.AgingTime != 0 {
		fmt.Fprintf(&b, " switchport port-security aging time %d\n", cfg.AgingTime)
	}
	if cfg.AgingType != dataplane.AgingAbsolute {
		b.WriteString(" switchport port-security aging type " + cfg.AgingType.String() + "\n")
	}
	return b.String()
}

// errDisableConfig renders the errdisable recovery lines.
func (d *Device) errDisableConfig() string {
	rec := d.sw.ErrDisableRecoveryState()
	var b strings.Builder
	for _, c := range dataplane.ErrDisableCauses {
		if rec.Enabled[c] {
			b.WriteString("errdisable recovery cause " + string(c) + "\n")
		}
	}
	if !rec.Default {
		fmt.Fprintf(&b, "errdisable recovery interval %d\n", rec.Interval)
	}
	return b.String()
}

// secureTotals are the two summary lines of the port-security shows.
func (d *Device) secureTotals() string {
	extra := 0
	for _, name := range d.sw.Ports() {
		if ps, err := d.sw.PortSecurity(name); err == nil && ps.Config.Enabled {
			extra += max(0, len(ps.Addresses)-1)
		}
	}
	return fmt.Sprintf("Total Addresses in System (excluding one mac per port)     : %d\n"+
		"Max Addresses limit in System (excluding one mac per port) : %d\n", extra, systemSecureLimit)
}

func violationWord(v dataplane.Violation) string {
	w := v.String()
	return strings.ToUpper(w[:1]) + w[1:]
}

// showPortSecurity is `show port-security`: one row per secured port.
func (d *Device) showPortSecurity() string {
	var b strings.Builder
	b.WriteString("Secure Port  MaxSecureAddr  CurrentAddr  SecurityViolation  Security Action\n")
	b.WriteString("                (Count)       (Count)          (Count)\n")
	b.WriteString(strings.Repeat("-", 75) + "\n")
	for _, name := range d.sw.Ports() {
		ps, err := d.sw.PortSecurity(name)
		if err != nil || !ps.Config.Enabled {
			continue
		}
		max := ps.Config.Maximum
		if max == 0 {
			max = dataplane.DefaultSecureMaximum
		}
		fmt.Fprintf(&b, "%11s%15d%13d%19d%17s\n", ifname.Short(name), max, len(ps.Addresses), ps.Violations, violationWord(ps.Config.Violation))
	}
	b.WriteString(strings.Repeat("-", 75) + "\n")
	b.WriteString(d.secureTotals())
	return b.String()
}

// showPortSecurityInterface is `show port-security interface IF`.
func (d *Device) showPortSecurityInterface(name string) (string, error) {
	ps, err := d.sw.PortSecurity(name)
	if err != nil {
		return "", engine.Rejectf("%% Invalid interface %s", name)
	}
	st, _ := d.sw.Status(name)
	cfg := ps.Config
	enabled, status := "Disabled", "Secure-down"
	if cfg.Enabled {
		enabled = "Enabled"
		switch {
		case st.ErrDisabled == dataplane.CausePsecureViolation:
			status = "Secure-shutdown"
		case st.Up:
			status = "Secure-up"
		}
	}
	max := cfg.Maximum
	if max == 0 {
		max = dataplane.DefaultSecureMaximum
	}
	configured, sticky := 0, 0
	for _, a := range ps.Addresses {
		switch a.Kind {
		case dataplane.SecureConfigured:
			configured++
		case dataplane.SecureSticky:
			sticky++
		}
	}
	aging := strings.ToUpper(cfg.AgingType.String()[:1]) + cfg.AgingType.String()[1:]
	var b strings.Builder
	row := func(k string, v any) { fmt.Fprintf(&b, "%-27s: %v\n", k, v) }
	row("Port Security", enabled)
	row("Port Status", status)
	row("Violation Mode", violationWord(cfg.Violation))
	row("Aging Time", fmt.Sprintf("%d mins", cfg.AgingTime))
	row("Aging Type", aging)
	row("SecureStatic Address Aging", "Disabled")
	row("Maximum MAC Addresses", max)
	row("Total MAC Addresses", len(ps.Addresses))
	row("Configured MAC Addresses", configured)
	row("Sticky MAC Addresses", sticky)
	row("Last Source Address:Vlan", fmt.Sprintf("%s:%d", ps.LastMAC, ps.LastVLAN))
	row("Security Violation Count", ps.Violations)
	return b.String(), nil
}

// showPortSecurityAddress is `show port-security [interface IF] address`.
func (d *Device) showPortSecurityAddress(only string) (string, error) {
	names, err := d.portList(only)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("               Secure Mac Address Table\n")
	b.WriteString(strings.Repeat("-", 77) + "\n")
	b.WriteString("Vlan    Mac Address       Type                          Ports   Remaining Age\n")
	b.WriteString("                                                                   (mins)\n")
	b.WriteString("----    -----------       ----                          -----   -------------\n")
	for _, name := range names {
		ps, err := d.sw.PortSecurity(name)
		if err != nil || !ps.Config.Enabled {
			continue
		}
		for _, a := range ps.Addresses {
			left := "-"
			if a.Remaining >= 0 {
				left = fmt.Sprint(a.Remaining)
			}
			fmt.Fprintf(&b, "%4d    %-18s%-30s%-8s%6s\n", a.VLAN, a.MAC, a.Kind, ifname.Short(name), left)
		}
	}
	b.WriteString(strings.Repeat("-", 77) + "\n")
	b.WriteString(d.secureTotals())
	return b.String(), nil
}

// showErrDisableRecovery is `show errdisable recovery`.
func (d *Device) showErrDisableRecovery() string {
	rec := d.sw.ErrDisableRecoveryState()
	var b strings.Builder
	b.WriteString("ErrDisable Reason            Timer Status\n-----------------            --------------\n")
	for _, c := range dataplane.ErrDisableCauses {
		state := "Disabled"
		if rec.Enabled[c] {
			state = "Enabled"
		}
		fmt.Fprintf(&b, "%-29s%s\n", c, state)
	}
	fmt.Fprintf(&b, "\nTimer interval: %d seconds\n\nInterfaces that will be enabled at the next timeout:\n\n", rec.Interval)
	var pending []dataplane.ErrDisabledPort
	for _, p := range rec.Pending {
		if p.TimeLeft >= 0 {
			pending = append(pending, p)
		}
	}
	if len(pending) > 0 {
		b.WriteString("Interface       Errdisable reason       Time left(sec)\n---------       -----------------       --------------\n")
		for _, p := range pending {
			fmt.Fprintf(&b, "%-16s%-24s%14d\n", ifname.Short(p.Name), p.Cause, p.TimeLeft)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// showErrDisabled is `show interfaces status err-disabled`.
func (d *Device) showErrDisabled() string {
	var b strings.Builder
	b.WriteString("\nPort      Name               Status       Reason               Err-disabled Vlans\n")
	for _, p := range d.sw.ErrDisableRecoveryState().Pending {
		st, err := d.sw.Status(p.Name)
		if err != nil {
			continue
		}
		desc := st.Settings.Description
		if len(desc) > 18 {
			desc = desc[:18]
		}
		fmt.Fprintf(&b, "%-9s %-18s %-12s %s\n", ifname.Short(p.Name), desc, "err-disabled", p.Cause)
	}
	return b.String()
}
