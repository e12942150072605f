package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
)

// Storm control and the MAC table's learning switches: `storm-control
// broadcast|multicast|unicast level {PCT [PCT] | bps N [N] | pps N [N]}`,
// `storm-control action shutdown|trap`, `show storm-control [IF]
// [broadcast|multicast|unicast]`; `[no] mac address-table learning vlan
// V`, `show mac address-table learning`; `mac address-table limit maximum
// N` (the Catalyst 6500 command, whose action here is `limit`: newcomers
// are not learned).

var stormClassOf = map[string]dataplane.StormClass{
	"broadcast": dataplane.StormBroadcast, "multicast": dataplane.StormMulticast, "unicast": dataplane.StormUnicast,
}

func (d *Device) installStorm() {
	help := map[string]string{
		"storm-control": "storm configuration", "broadcast": "Broadcast address storm control",
		"multicast": "Multicast address storm control", "unicast": "Unicast address storm control",
		"level": "Set storm suppression level on this interface", "bps": "Enter suppression level in bits per second",
		"pps": "Enter suppression level in packets per second", "$rise": "Enter rising threshold",
		"$fall": "Enter falling threshold", "action": "Action to take for storm-control",
		"shutdown": "Shutdown this interface if a storm occurs", "trap": "Send SNMP trap if a storm occurs",
	}
	ifc := []engine.Command{
		{Syntax: "storm-control {broadcast|multicast|unicast}$class level {bps WORD$brise [WORD$bfall]|pps WORD$prise [WORD$pfall]|WORD$rise [WORD$fall]}",
			No: true, NoSyntax: "storm-control {broadcast|multicast|unicast}$class level [LINE]", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				class := stormClassOf[a.String("class")]
				var lvl dataplane.StormLevel
				if c.Form == engine.FormPlain {
					var err error
					switch {
					case a.Has("bps"):
						lvl, err = parseStormLevel(dataplane.StormBPS, a.String("brise"), a.String("bfall"))
					case a.Has("pps"):
						lvl, err = parseStormLevel(dataplane.StormPPS, a.String("prise"), a.String("pfall"))
					default:
						lvl, err = parseStormLevel(dataplane.StormPercent, a.String("rise"), a.String("fall"))
					}
					if err != nil {
						return err
					}
				}
				return d.editStorm(c, func(sc *dataplane.StormControl) { sc.Levels[class] = lvl })
			}},
		{Syntax: "storm-control action {shutdown|trap}$action", No: true, Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				on := c.Form == engine.FormPlain
				return d.editStorm(c, func(sc *dataplane.StormControl) {
					if a.String("action") == "shutdown" {
						sc.Shutdown = on
					} else {
						sc.Trap = on
					}
				})
			}},
	}
	must(d.eng.Install(d.modes.ifc, ifc...))
	must(d.eng.Install(d.modes.ifRange, ifc...))

	macHelp := map[string]string{"learning": "Enable MAC table learning feature", "vlan": "Enable MAC table learning on a vlan",
		"limit": "MAC limit feature", "maximum": "maximum number of mac entries", "<1-1000000>": "maximum number of mac entries"}
	learning := func(c *engine.Ctx, a engine.Args) error {
		for _, v := range a.VLANs("vlans") {
			if err := d.sw.SetVLANLearning(uint16(v), c.Form != engine.FormNo); err != nil {
				return engine.Rejectf("%% %v", err)
			}
		}
		return nil
	}
	limit := func(c *engine.Ctx, a engine.Args) error {
		n := 0
		if c.Form == engine.FormPlain {
			n = a.Int("maximum")
		}
		d.sw.SetMACLimit(n)
		return nil
	}
	must(d.eng.Install(d.modes.config,
		engine.Command{Syntax: "mac address-table learning vlan VLANLIST$vlans", No: true, Default: true, Help: macHelp, Run: learning},
		engine.Command{Syntax: "mac-address-table learning vlan VLANLIST$vlans", No: true, Default: true, Hidden: true, Run: learning},
		engine.Command{Syntax: "mac address-table limit maximum <1-1000000>", No: true, NoSyntax: "mac address-table limit [maximum <1-1000000>]", Help: macHelp, Run: limit},
		engine.Command{Syntax: "mac-address-table limit maximum <1-1000000>", No: true, NoSyntax: "mac-address-table limit [maximum <1-1000000>]", Hidden: true, Run: limit},
	))
	showHelp := map[string]string{"storm-control": "Show storm control configuration", "broadcast": "Broadcast storm control",
		"multicast": "Multicast storm control", "unicast": "Unicast storm control", "learning": "Display MAC table learning status"}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show storm-control [IFNAME$ifname] [broadcast|multicast|unicast]", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				class := dataplane.StormBroadcast
				for kw, c := range stormClassOf {
					if a.Keyword(kw) {
						class = c
					}
				}
				return d.showStormControl(a.Interface("ifname"), class)
			})},
		engine.Command{Syntax: "show mac address-table learning", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, _ engine.Args) (string, error) { return d.showMACLearning(), nil })},
	))
}

// editStorm changes the storm-control configuration of the mode's
// interfaces.
func (d *Device) editStorm(c *engine.Ctx, edit func(sc *dataplane.StormControl)) error {
	for _, name := range ifNames(c) {
		sc, _, err := d.sw.StormStatus(name)
		if err != nil {
			return engine.Rejectf("%% %v", err)
		}
		edit(&sc)
		if err := d.sw.SetStormControl(name, sc); err != nil {
			return engine.Rejectf("%% %v", err)
		}
	}
	return nil
}

// parseStormLevel parses a level's rising and (optional, "" when absent)
// falling threshold: a percentage 0.00-100.00 with at most two decimals,
// or a rate in bps/pps with at most one decimal and a k, m or g suffix,
// as IOS takes them. The falling threshold may not exceed the rising one.
func parseStormLevel(unit dataplane.StormUnit, rise, fall string) (dataplane.StormLevel, error) {
	l := dataplane.StormLevel{On: true, Unit: unit}
	parse := func(s string) (uint64, error) {
		if unit == dataplane.StormPercent {
			return parsePercent(s)
		}
		return parseRate(s)
	}
	var err error
	if l.Rising, err = parse(rise); err != nil {
		return l, err
	}
	if fall != "" {
		if l.Falling, err = parse(fall); err != nil {
			return l, err
		}
		if l.Falling > l.Rising {
			return l, engine.Rejectf("%% Falling threshold must be less than or equal to rising threshold")
		}
	}
	return l, nil
}

// parsePercent parses 0.00-100.00 into hundredths.
func parsePercent(s string) (uint64, error) {
	bad := engine.Rejectf("%% Invalid input detected: %s is not a level between 0.00 and 100.00", s)
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") || len(whole) > 3 {
		return 0, bad
	}
	w, err := strconv.ParseUint(whole, 10, 16)
	if err != nil {
		return 0, bad
	}
	f := uint64(0)
	if frac != "" {
		v, err := strconv.ParseUint(frac, 10, 8)
		if err != nil {
			return 0, bad
		}
		f = v
		if len(frac) == 1 {
			f *= 10
		}
	}
	v := w*100 + f
	if v > 10000 {
		return 0, bad
	}
	return v, nil
}

// parseRate parses a rate with an optional k, m or g suffix (one decimal
// at most), 0-10000000000.
func parseRate(s string) (uint64, error) {
	bad := engine.Rejectf("%% Invalid input detected: %s is not a rate", s)
	mult := 1.0
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, s = 1e3, s[:n-1]
		case 'm', 'M':
			mult, s = 1e6, s[:n-1]
		case 'g', 'G':
			mult, s = 1e9, s[:n-1]
		}
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 1 || (dot && frac == "") || strings.ContainsAny(s, "+-eExX_pP") {
		return 0, bad
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 {
		return 0, bad
	}
	r := math.Round(v * mult)
	if r > 1e10 {
		return 0, bad
	}
	return uint64(r), nil
}

// formatRate renders a rate as IOS does: with the largest suffix that
// divides it, "1k", "1.5m", "20".
func formatRate(v uint64) string {
	for _, s := range []struct {
		div uint64
		suf string
	}{{1e9, "g"}, {1e6, "m"}, {1e3, "k"}} {
		if v >= s.div && v%(s.div/10) == 0 {
			return strconv.FormatFloat(float64(v)/float64(s.div), 'f', -1, 64) + s.suf
		}
	}
	return strconv.FormatUint(v, 10)
}

// formatLevel renders one threshold in its unit for show storm-control.
func formatLevel(unit dataplane.StormUnit, v uint64) string {
	switch unit {
	case dataplane.StormPPS:
		return formatRate(v) + " pps"
	case dataplane.StormBPS:
		return formatRate(v) + " bps"
	}
	return fmt.Sprintf("%d.%02d%%", v/100, v%100)
}

// levelConfig renders one threshold as the config line has it.
func levelConfig(unit dataplane.StormUnit, v uint64) string {
	if unit == dataplane.StormPercent {
		return fmt.Sprintf("%d.%02d", v/100, v%100)
	}
	return formatRate(v)
}

// stormConfig renders a port's storm-control lines.
func (d *Device) stormConfig(name string) string {
	sc, _, err := d.sw.StormStatus(name)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, class := range []dataplane.StormClass{dataplane.StormBroadcast, dataplane.StormMulticast, dataplane.StormUnicast} {
		l := sc.Levels[class]
		if !l.On {
			continue
		}
		unit := map[dataplane.StormUnit]string{dataplane.StormBPS: "bps ", dataplane.StormPPS: "pps "}[l.Unit]
		fmt.Fprintf(&b, " storm-control %s level %s%s", class, unit, levelConfig(l.Unit, l.Rising))
		if l.Falling != 0 && l.Falling != l.Rising {
			b.WriteString(" " + levelConfig(l.Unit, l.Falling))
		}
		b.WriteString("\n")
	}
	if sc.Shutdown {
		b.WriteString(" storm-control action shutdown\n")
	}
	if sc.Trap {
		b.WriteString(" storm-control action trap\n")
	}
	return b.String()
}

// showStormControl is `show storm-control [IF] [class]`: the ports with a
// level for the class.
func (d *Device) showStormControl(only string, class dataplane.StormClass) (string, error) {
	names, err := d.portList(only)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("Interface  Filter State   Upper        Lower        Current\n")
	b.WriteString("---------  -------------  -----------  -----------  ----------\n")
	for _, name := range names {
		sc, states, err := d.sw.StormStatus(name)
		l := sc.Levels[class]
		if err != nil || (!l.On && only == "") {
			continue
		}
		st, _ := d.sw.Status(name)
		s := states[class]
		state := "Forwarding"
		switch {
		case !l.On:
			state = "Inactive"
		case st.ErrDisabled != "" || !st.Up:
			state = "Link Down"
		case s.Blocking:
			state = "Blocking"
		}
		fall := l.Falling
		if fall == 0 {
			fall = l.Rising
		}
		upper, lower, cur := formatLevel(l.Unit, l.Rising), formatLevel(l.Unit, fall), formatLevel(l.Unit, s.Current)
		if !l.On {
			upper, lower, cur = "100.00%", "100.00%", "0.00%"
		}
		fmt.Fprintf(&b, "%-9s  %-13s  %11s  %11s  %10s\n", ifname.Short(name), state, upper, lower, cur)
	}
	return b.String(), nil
}

// showMACLearning is `show mac address-table learning`.
func (d *Device) showMACLearning() string {
	var b strings.Builder
	b.WriteString("VLAN  Learning Status\n----  ---------------\n")
	for _, v := range d.sw.VLANs() {
		state := "yes"
		if !d.sw.VLANLearning(v.ID) {
			state = "no"
		}
		fmt.Fprintf(&b, "%-4d  %s\n", v.ID, state)
	}
	return b.String()
}

// macSecurityConfig renders the global MAC table lines of this file.
func (d *Device) macSecurityConfig() string {
	var b strings.Builder
	for v := uint16(1); v <= dataplane.MaxVLAN; v++ {
		if !d.sw.VLANLearning(v) {
			fmt.Fprintf(&b, "no mac address-table learning vlan %d\n", v)
		}
	}
	if l, _ := d.sw.MACLimit(); l != 0 {
		fmt.Fprintf(&b, "mac address-table limit maximum %d\n", l)
	}
	return b.String()
}
