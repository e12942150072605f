package cli

import (
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
)

// This file holds the CDP commands: `[no] cdp run`, `cdp timer`, `cdp
// holdtime`, interface `[no] cdp enable`, `clear cdp table|counters`, and
// `show cdp [neighbors [IF] [detail] | entry * | interface [IF] | traffic]`
// in the Catalyst IOS 15 layouts (the ntc-templates
// cisco_ios_show_cdp_neighbors and cisco_ios_show_cdp_neighbors_detail
// parse them).

func (d *Device) installCDP() {
	x := d.disc
	help := map[string]string{
		"cdp": "Global CDP configuration subcommands", "run": "Enable CDP",
		"timer": "Specify the rate at which CDP packets are sent (in sec)", "<5-254>": "Rate at which CDP packets are sent (in  sec)",
		"holdtime": "Specify the holdtime (in sec) to be sent in packets", "<10-255>": "Length  of time  (in sec) that receiver must keep this packet",
	}
	must(d.eng.Install(d.modes.config,
		engine.Command{Syntax: "cdp run", No: true, Default: true, Help: help, Run: func(c *engine.Ctx, _ engine.Args) error {
			x.mu.Lock()
			on := c.Form != engine.FormNo
			if on && !x.cdpRun {
				x.cdpNext = d.opts.Now()
			}
			x.cdpRun = on
			if !on {
				clear(x.cdpNbrs)
			}
			x.mu.Unlock()
			x.poke()
			return nil
		}},
		engine.Command{Syntax: "cdp timer <5-254>", No: true, NoSyntax: "cdp timer", Default: true, DefaultSyntax: "cdp timer", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				x.mu.Lock()
				x.cdpTimer = defaultCDPTimer
				if c.Form == engine.FormPlain {
					x.cdpTimer = a.Int("timer")
				}
				if next := d.opts.Now().Add(seconds(x.cdpTimer)); next.Before(x.cdpNext) {
					x.cdpNext = next
				}
				x.mu.Unlock()
				x.poke()
				return nil
			}},
		engine.Command{Syntax: "cdp holdtime <10-255>", No: true, NoSyntax: "cdp holdtime", Default: true, DefaultSyntax: "cdp holdtime", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				x.mu.Lock()
				defer x.mu.Unlock()
				x.cdpHoldtime = defaultCDPHoldtime
				if c.Form == engine.FormPlain {
					x.cdpHoldtime = a.Int("holdtime")
				}
				return nil
			}},
	))
	ifCmd := engine.Command{Syntax: "cdp enable", No: true, Default: true,
		Help: map[string]string{"cdp": "CDP interface subcommands", "enable": "Enable CDP on interface"},
		Run: func(c *engine.Ctx, _ engine.Args) error {
			x.mu.Lock()
			defer x.mu.Unlock()
			for _, n := range ifNames(c) {
				if c.Form == engine.FormNo {
					x.cdpOff[n] = true
					for k, nb := range x.cdpNbrs {
						if nb.local == n {
							delete(x.cdpNbrs, k)
						}
					}
				} else {
					delete(x.cdpOff, n)
				}
			}
			return nil
		}}
	must(d.eng.Install(d.modes.ifc, ifCmd))
	must(d.eng.Install(d.modes.ifRange, ifCmd))

	show := map[string]string{
		"cdp": "CDP information", "neighbors": "CDP neighbor entries", "detail": "Show detailed information",
		"entry": "Information for specific neighbor entry", "*": "all CDP neighbor entries", "WORD": "Name of CDP neighbor entry",
		"interface": "CDP interface status and configuration", "traffic": "CDP statistics",
	}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show cdp", Level: engine.LevelUser, Help: show,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showCDP(), nil })},
		engine.Command{Syntax: "show cdp neighbors [IFNAME$if] [detail]$detail", Level: engine.LevelUser, Help: show,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				if a.Has("detail") {
					return d.showCDPDetail(a.Interface("if"), "", true), nil
				}
				return d.showCDPNeighbors(a.Interface("if")), nil
			})},
		engine.Command{Syntax: "show cdp entry {*|WORD$name}", Level: engine.LevelUser, Help: show,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				name := a.String("name")
				if name == "" {
					name = "*"
				}
				return d.showCDPDetail("", name, false), nil
			})},
		engine.Command{Syntax: "show cdp interface [IFNAME$if]", Level: engine.LevelUser, Help: show,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showCDPInterface(a.Interface("if")), nil })},
		engine.Command{Syntax: "show cdp traffic", Level: engine.LevelUser, Help: show,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showCDPTraffic(), nil })},
		engine.Command{Syntax: "clear cdp {table|counters}$what",
			Help: map[string]string{"cdp": "Reset cdp information", "table": "Clear cdp table", "counters": "Clear CDP counters"},
			Run: func(_ *engine.Ctx, a engine.Args) error {
				x.mu.Lock()
				if a.String("what") == "table" {
					clear(x.cdpNbrs)
					// IOS advertises again at once so the neighbors come back.
					x.cdpNext = d.opts.Now()
				} else {
					x.cdpStats = cdpCounters{}
				}
				x.mu.Unlock()
				x.poke()
				return nil
			}},
	))
}

const cdpNotEnabled = "% CDP is not enabled\n"

func (d *Device) cdpEnabled() bool {
	d.disc.mu.Lock()
	defer d.disc.mu.Unlock()
	return d.disc.cdpRun
}

func (d *Device) showCDP() string {
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.cdpRun {
		return cdpNotEnabled
	}
	return fmt.Sprintf("Global CDP information:\n\tSending CDP packets every %d seconds\n\tSending a holdtime value of %d seconds\n\tSending CDPv2 advertisements is  enabled\n",
		x.cdpTimer, x.cdpHoldtime)
}

// cdpIfShort is the interface spelling of `show cdp neighbors`: the first
// three letters of the type, a space, the number ("Gig 0/1"). A name that
// is not an IOS interface (a Linux host's "eth0") stays as it is.
func cdpIfShort(name string) string {
	for _, t := range []string{"TenGigabitEthernet", "GigabitEthernet", "FastEthernet", "Ethernet", "Port-channel"} {
		if rest, ok := strings.CutPrefix(name, t); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return t[:3] + " " + rest
		}
	}
	return name
}

// cdpPlatformShort is the Platform column: without the "cisco " prefix,
// nine characters at most.
func cdpPlatformShort(p string) string {
	if len(p) > 6 && strings.EqualFold(p[:6], "cisco ") {
		p = p[6:]
	}
	if len(p) > 9 {
		p = p[:9]
	}
	return p
}

const cdpCapabilityCodes = "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge\n" +
	"                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone,\n" +
	"                  D - Remote, C - CVTA, M - Two-port Mac Relay\n\n"

// showCDPNeighbors is `show cdp neighbors [IF]`. The capability letters
// are centred on column 53, as IOS prints them; a device ID longer than 16
// characters takes a line of its own.
func (d *Device) showCDPNeighbors(only string) string {
	if !d.cdpEnabled() {
		return cdpNotEnabled
	}
	now := d.opts.Now()
	rows := d.cdpRows(only)
	var b strings.Builder
	b.WriteString(cdpCapabilityCodes)
	b.WriteString("Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID\n")
	for _, n := range rows {
		id := oneLine(n.p.DeviceID)
		if len(id) > 16 {
			b.WriteString(id + "\n")
			id = ""
		}
		line := fmt.Sprintf("%-17s%-18s%-11d", id, cdpIfShort(n.local), remaining(n.expires, now))
		caps := n.p.Capabilities.Codes()
		pad := 7 - len(caps)/2
		if pad < 0 {
			pad = 0
		}
		line += strings.Repeat(" ", pad) + caps
		if len(line) < 58 {
			line += strings.Repeat(" ", 58-len(line))
		} else {
			line += " "
		}
		line += fmt.Sprintf("%-10s%s", cdpPlatformShort(oneLine(n.p.Platform)), cdpIfShort(oneLine(n.p.PortID)))
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "\nTotal cdp entries displayed : %d\n", len(rows))
	return b.String()
}

// showCDPDetail is `show cdp neighbors [IF] detail` (total line) and `show
// cdp entry {*|NAME}` (no total line).
func (d *Device) showCDPDetail(only, name string, total bool) string {
	if !d.cdpEnabled() {
		return cdpNotEnabled
	}
	now := d.opts.Now()
	var b strings.Builder
	shown := 0
	for _, n := range d.cdpRows(only) {
		if name != "" && name != "*" && n.p.DeviceID != name {
			continue
		}
		shown++
		p := n.p
		b.WriteString("-------------------------\n")
		b.WriteString("Device ID: " + oneLine(p.DeviceID) + "\n")
		b.WriteString("Entry address(es): \n")
		for _, a := range p.Addresses {
			if a.Is4() {
				b.WriteString("  IP address: " + a.String() + "\n")
			} else {
				b.WriteString("  IPv6 address: " + strings.ToUpper(a.String()) + "\n")
			}
		}
		fmt.Fprintf(&b, "Platform: %s,  Capabilities: %s \n", oneLine(p.Platform), p.Capabilities.Words())
		fmt.Fprintf(&b, "Interface: %s,  Port ID (outgoing port): %s\n", n.local, oneLine(p.PortID))
		fmt.Fprintf(&b, "Holdtime : %d sec\n\n", remaining(n.expires, now))
		b.WriteString("Version :\n" + strings.ReplaceAll(p.Software, "\r", "") + "\n\n")
		fmt.Fprintf(&b, "advertisement version: %d\n", p.Version)
		if p.HasVTPDomain {
			fmt.Fprintf(&b, "VTP Management Domain: '%s'\n", oneLine(p.VTPDomain))
		}
		if p.HasNativeVLAN {
			fmt.Fprintf(&b, "Native VLAN: %d\n", p.NativeVLAN)
		}
		if p.HasDuplex {
			if p.FullDuplex {
				b.WriteString("Duplex: full\n")
			} else {
				b.WriteString("Duplex: half\n")
			}
		}
		b.WriteString("Management address(es): \n")
		for _, a := range p.MgmtAddresses {
			if a.Is4() {
				b.WriteString("  IP address: " + a.String() + "\n")
			} else {
				b.WriteString("  IPv6 address: " + strings.ToUpper(a.String()) + "\n")
			}
		}
		b.WriteString("\n")
	}
	if total {
		fmt.Fprintf(&b, "\nTotal cdp entries displayed : %d\n", shown)
	}
	return b.String()
}

// showCDPInterface is `show cdp interface [IF]`: the CDP-enabled
// interfaces with their state and timers, and, for all of them, IOS 15's
// summary counts.
func (d *Device) showCDPInterface(only string) string {
	if !d.cdpEnabled() {
		return cdpNotEnabled
	}
	x := d.disc
	x.mu.Lock()
	timer, hold := x.cdpTimer, x.cdpHoldtime
	off := make(map[string]bool, len(x.cdpOff))
	for k, v := range x.cdpOff {
		off[k] = v
	}
	x.mu.Unlock()
	var b strings.Builder
	enabled, up := 0, 0
	for _, name := range d.sw.Ports() {
		if (only != "" && name != only) || off[name] {
			continue
		}
		st, err := d.sw.Status(name)
		if err != nil {
			continue
		}
		enabled++
		state := "down, line protocol is down"
		switch {
		case st.Settings.Shutdown:
			state = "administratively down, line protocol is down"
		case st.Up:
			state = "up, line protocol is up"
			up++
		}
		fmt.Fprintf(&b, "%s is %s\n  Encapsulation ARPA\n  Sending CDP packets every %d seconds\n  Holdtime is %d seconds\n", name, state, timer, hold)
	}
	if only == "" {
		fmt.Fprintf(&b, "\n cdp enabled interfaces : %d\n interfaces up          : %d\n interfaces down        : %d\n\n", enabled, up, enabled-up)
	}
	return b.String()
}

func (d *Device) showCDPTraffic() string {
	x := d.disc
	x.mu.Lock()
	s := x.cdpStats
	x.mu.Unlock()
	return fmt.Sprintf("CDP counters :\n\tTotal packets output: %d, Input: %d\n\tHdr syntax: %d, Chksum error: %d, Encaps failed: %d\n"+
		"\tNo memory: 0, Invalid packet: %d, \n\tCDP version 1 advertisements output: 0, Input: %d\n\tCDP version 2 advertisements output: %d, Input: %d\n",
		s.out, s.in, s.hdrSyntax, s.checksum, s.encaps, s.invalid, s.v1In, s.out, s.v2In)
}
