package cli

import (
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/lldp"
)

// This file holds the LLDP commands: `[no] lldp run` (off by default, as
// on IOS), `lldp timer|holdtime|reinit`, interface `[no] lldp
// transmit|receive`, `clear lldp table|counters`, and `show lldp
// [neighbors [IF] [detail] | interface [IF] | traffic]` in the IOS layouts
// (the ntc-templates cisco_ios_show_lldp_neighbors and
// cisco_ios_show_lldp_neighbors_detail parse them; Ansible's
// lldp_interfaces reads `show lldp interface`, NAPALM's get_lldp_neighbors
// `show lldp neighbors detail`).

func (d *Device) installLLDP() {
	x := d.disc
	help := map[string]string{
		"lldp": "Global LLDP configuration subcommands", "run": "Enable LLDP",
		"timer": "Specify the rate at which LLDP packets are sent (in sec)", "<5-65534>": "Rate at which LLDP packets are sent (in  sec)",
		"holdtime": "Specify the holdtime (in sec) to be sent in packets", "<0-65535>": "Length  of time  (in sec) that receiver must keep this packet",
		"reinit": "Delay (in sec) for LLDP initialization on any interface", "<2-5>": "Delay (in sec) for LLDP initialization",
	}
	setting := func(syntax, key string, def int, field *int, resend bool) engine.Command {
		return engine.Command{Syntax: syntax, No: true, NoSyntax: "lldp " + key, Default: true, DefaultSyntax: "lldp " + key, Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				x.mu.Lock()
				*field = def
				if c.Form == engine.FormPlain {
					*field = a.Int(key)
				}
				if next := d.opts.Now().Add(seconds(x.lldpTimer)); resend && next.Before(x.lldpNext) {
					x.lldpNext = next
				}
				x.mu.Unlock()
				x.poke()
				return nil
			}}
	}
	must(d.eng.Install(d.modes.config,
		engine.Command{Syntax: "lldp run", No: true, Default: true, Help: help, Run: func(c *engine.Ctx, _ engine.Args) error {
			x.mu.Lock()
			on := c.Form == engine.FormPlain
			was := x.lldpRun
			if on && !was {
				x.lldpNext = d.opts.Now()
			}
			x.lldpRun = on
			var silenced []string
			if !on {
				clear(x.lldpNbrs)
				for _, n := range d.sw.Ports() {
					if was && !x.lldpNoTx[n] {
						silenced = append(silenced, n)
					}
				}
			}
			x.mu.Unlock()
			d.lldpShutdown(silenced)
			x.poke()
			return nil
		}},
		setting("lldp timer <5-65534>", "timer", defaultLLDPTimer, &x.lldpTimer, true),
		setting("lldp holdtime <0-65535>", "holdtime", defaultLLDPHoldtime, &x.lldpHoldtime, false),
		setting("lldp reinit <2-5>", "reinit", defaultLLDPReinit, &x.lldpReinit, false),
	))
	ifHelp := map[string]string{"lldp": "LLDP interface subcommands", "transmit": "Enable LLDP transmission on interface",
		"receive": "Enable LLDP reception on interface"}
	perPort := func(kw string, m map[string]bool) engine.Command {
		return engine.Command{Syntax: "lldp " + kw, No: true, Default: true, Help: ifHelp,
			Run: func(c *engine.Ctx, _ engine.Args) error {
				var silenced []string
				defer func() { d.lldpShutdown(silenced) }()
				x.mu.Lock()
				defer x.mu.Unlock()
				for _, n := range ifNames(c) {
					if c.Form == engine.FormNo {
						if kw == "transmit" && x.lldpRun && !m[n] {
							silenced = append(silenced, n)
						}
						m[n] = true
					} else {
						delete(m, n)
					}
					if kw == "receive" && c.Form == engine.FormNo {
						for k, nb := range x.lldpNbrs {
							if nb.local == n {
								delete(x.lldpNbrs, k)
							}
						}
					}
				}
				return nil
			}}
	}
	for _, m := range []*engine.Mode{d.modes.ifc, d.modes.ifRange} {
		must(d.eng.Install(m, perPort("transmit", x.lldpNoTx), perPort("receive", x.lldpNoRx)))
	}

	show := map[string]string{
		"lldp": "LLDP information", "neighbors": "LLDP neighbor entries", "detail": "Show detailed information",
		"interface": "LLDP interface status and configuration", "traffic": "LLDP statistics",
		"entry": "Information for specific neighbor entry", "*": "all LLDP neighbor entries", "WORD": "Name of LLDP neighbor entry",
	}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show lldp", Level: engine.LevelUser, Help: show,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showLLDP(), nil })},
		engine.Command{Syntax: "show lldp neighbors [IFNAME$if] [detail]$detail", Level: engine.LevelUser, Help: show,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				if a.Has("detail") {
					return d.showLLDPDetail(a.Interface("if"), ""), nil
				}
				return d.showLLDPNeighbors(a.Interface("if")), nil
			})},
		engine.Command{Syntax: "show lldp entry {*|WORD$name}", Level: engine.LevelUser, Help: show,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				name := a.String("name")
				if name == "" {
					name = "*"
				}
				return d.showLLDPDetail("", name), nil
			})},
		engine.Command{Syntax: "show lldp interface [IFNAME$if]", Level: engine.LevelUser, Help: show,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showLLDPInterface(a.Interface("if")), nil })},
		engine.Command{Syntax: "show lldp traffic", Level: engine.LevelUser, Help: show,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showLLDPTraffic(), nil })},
		engine.Command{Syntax: "clear lldp {table|counters}$what",
			Help: map[string]string{"lldp": "Clear LLDP information", "table": "Clear LLDP table", "counters": "Clear LLDP counters"},
			Run: func(_ *engine.Ctx, a engine.Args) error {
				x.mu.Lock()
				if a.String("what") == "table" {
					clear(x.lldpNbrs)
					x.lldpNext = d.opts.Now()
				} else {
					x.lldpStats = lldpCounters{}
				}
				x.mu.Unlock()
				x.poke()
				return nil
			}},
	))
}

const lldpNotEnabled = "% LLDP is not enabled\n"

func (d *Device) lldpEnabled() bool {
	d.disc.mu.Lock()
	defer d.disc.mu.Unlock()
	return d.disc.lldpRun
}

func (d *Device) showLLDP() string {
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.lldpRun {
		return lldpNotEnabled
	}
	return fmt.Sprintf("\nGlobal LLDP Information:\n    Status: ACTIVE\n    LLDP advertisements are sent every %d seconds\n"+
		"    LLDP hold time advertised is %d seconds\n    LLDP interface reinitialisation delay is %d seconds\n",
		x.lldpTimer, x.lldpHoldtime, x.lldpReinit)
}

// showLLDPNeighbors is `show lldp neighbors [IF]`: the Device ID column
// is cut at 20 characters, as IOS does; the hold time is the TTL the
// neighbor advertised.
func (d *Device) showLLDPNeighbors(only string) string {
	if !d.lldpEnabled() {
		return lldpNotEnabled
	}
	rows := d.lldpRows(only)
	var b strings.Builder
	b.WriteString("Capability codes:\n    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device\n" +
		"    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other\n\n")
	b.WriteString("Device ID           Local Intf     Hold-time  Capability      Port ID\n")
	for _, n := range rows {
		f := n.f
		caps := ""
		if f.HasCaps {
			caps = f.EnabledCaps.String()
		}
		fmt.Fprintf(&b, "%-20.20s%-15s%-11d%-16s%s\n", lldpName(f), ifname.Short(n.local), f.TTL, caps,
			lldp.IDString(f.PortSubtype, f.PortID, false))
	}
	fmt.Fprintf(&b, "\nTotal entries displayed: %d\n\n", len(rows))
	return b.String()
}

// macPHYNames are the PMD auto-negotiation advertised bits as IOS names
// them, in its order.
var macPHYNames = []struct {
	bit  uint16
	name string
}{
	{0x0001, "1000baseT(FD)"}, {0x0002, "1000baseT(HD)"}, {0x0004, "1000baseX(FD)"}, {0x0008, "1000baseX(HD)"},
	{0x0010, "Symm, Asym Pause(FD)"}, {0x0400, "100base-TX(FD)"}, {0x0800, "100base-TX(HD)"},
	{0x2000, "10base-T(FD)"}, {0x4000, "10base-T(HD)"}, {0x8000, "Other/unknown"},
}

// showLLDPDetail is `show lldp neighbors [IF] detail` and `show lldp entry
// {*|NAME}`.
func (d *Device) showLLDPDetail(only, name string) string {
	if !d.lldpEnabled() {
		return lldpNotEnabled
	}
	now := d.opts.Now()
	var b strings.Builder
	shown := 0
	for _, n := range d.lldpRows(only) {
		f := n.f
		if name != "" && name != "*" && lldpName(f) != name {
			continue
		}
		shown++
		b.WriteString("------------------------------------------------\n")
		b.WriteString("Local Intf: " + ifname.Short(n.local) + "\n")
		b.WriteString("Chassis id: " + lldp.IDString(f.ChassisSubtype, f.ChassisID, true) + "\n")
		b.WriteString("Port id: " + lldp.IDString(f.PortSubtype, f.PortID, false) + "\n")
		notAdv := func(label, v string) {
			if v == "" {
				b.WriteString(label + " - not advertised\n")
			} else {
				b.WriteString(label + ": " + v + "\n")
			}
		}
		notAdv("Port Description", oneLine(f.PortDescription))
		notAdv("System Name", oneLine(f.SystemName))
		b.WriteString("\n")
		if f.SystemDescription == "" {
			b.WriteString("System Description - not advertised\n")
		} else {
			b.WriteString("System Description: \n" + strings.TrimRight(strings.ReplaceAll(f.SystemDescription, "\r", ""), "\n") + "\n")
		}
		fmt.Fprintf(&b, "\nTime remaining: %d seconds\n", remaining(n.expires, now))
		if f.HasCaps {
			fmt.Fprintf(&b, "System Capabilities: %s\nEnabled Capabilities: %s\n", f.SystemCaps, f.EnabledCaps)
		} else {
			b.WriteString("System Capabilities - not advertised\nEnabled Capabilities - not advertised\n")
		}
		if len(f.MgmtAddrs) == 0 {
			b.WriteString("Management Addresses - not advertised\n")
		} else {
			b.WriteString("Management Addresses:\n")
			for _, a := range f.MgmtAddrs {
				if a.Is4() {
					b.WriteString("    IP: " + a.String() + "\n")
				} else {
					b.WriteString("    IPV6: " + strings.ToUpper(a.String()) + "\n")
				}
			}
		}
		if m := f.MACPHY; m != nil {
			switch {
			case !m.AutonegSupported:
				b.WriteString("Auto Negotiation - not supported\n")
			case m.AutonegEnabled:
				b.WriteString("Auto Negotiation - supported, enabled\n")
			default:
				b.WriteString("Auto Negotiation - supported, disabled\n")
			}
			if m.Advertised == 0 {
				b.WriteString("Physical media capabilities - not advertised\n")
			} else {
				b.WriteString("Physical media capabilities:\n")
				for _, c := range macPHYNames {
					if m.Advertised&c.bit != 0 {
						b.WriteString("    " + c.name + "\n")
					}
				}
			}
			if m.MAU == 0 {
				b.WriteString("Media Attachment Unit type - not advertised\n")
			} else {
				fmt.Fprintf(&b, "Media Attachment Unit type: %d\n", m.MAU)
			}
		} else {
			b.WriteString("Auto Negotiation - not supported\nPhysical media capabilities - not advertised\nMedia Attachment Unit type - not advertised\n")
		}
		if f.PortVLAN == 0 {
			b.WriteString("Vlan ID: - not advertised\n")
		} else {
			fmt.Fprintf(&b, "Vlan ID: %d\n", f.PortVLAN)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nTotal entries displayed: %d\n\n", shown)
	return b.String()
}

// oneLine keeps a neighbor's string on its line of the show output.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// showLLDPInterface is `show lldp interface [IF]`, the layout Ansible's
// cisco.ios lldp_interfaces facts parse.
func (d *Device) showLLDPInterface(only string) string {
	if !d.lldpEnabled() {
		return lldpNotEnabled
	}
	x := d.disc
	var b strings.Builder
	b.WriteString("\n")
	for _, name := range d.sw.Ports() {
		if only != "" && name != only {
			continue
		}
		st, err := d.sw.Status(name)
		if err != nil {
			continue
		}
		x.mu.Lock()
		tx, rx := !x.lldpNoTx[name], !x.lldpNoRx[name]
		x.mu.Unlock()
		txs, rxs, txState, rxState := "enabled", "enabled", "IDLE", "WAIT FOR FRAME"
		if !tx {
			txs, txState = "disabled", "INIT"
		}
		if !rx {
			rxs, rxState = "disabled", "INIT"
		}
		if !st.Up {
			txState, rxState = "INIT", "WAIT PORT OPER"
		}
		fmt.Fprintf(&b, "%s:\n    Tx: %s\n    Rx: %s\n    Tx state: %s\n    Rx state: %s\n\n", name, txs, rxs, txState, rxState)
	}
	return b.String()
}

func (d *Device) showLLDPTraffic() string {
	x := d.disc
	x.mu.Lock()
	s := x.lldpStats
	x.mu.Unlock()
	return fmt.Sprintf("\nLLDP traffic statistics: \n    Total frames out: %d\n    Total entries aged: %d\n    Total frames in: %d\n"+
		"    Total frames received in error: %d\n    Total frames discarded: %d\n    Total TLVs discarded: %d\n    Total TLVs unrecognized: %d\n",
		s.out, s.aged, s.in, s.errors, s.discarded, s.tlvDiscarded, s.tlvUnknown)
}
