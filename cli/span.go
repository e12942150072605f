package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/vlanset"
)

// This file holds local SPAN: `monitor session` in global configuration,
// `show monitor [session N|all|local]`, and the sessions' lines of the
// running configuration. The sessions live in the switch; the commands
// edit one session at a time and hand the result back whole, so a refused
// line changes nothing.

// installSPAN adds the SPAN commands to the engine.
func (d *Device) installSPAN() {
	e := d.eng
	help := map[string]string{
		"monitor": "Monitoring different system events", "session": "Configure a SPAN session",
		"<1-66>": "SPAN session number", "source": "SPAN source interface, VLAN",
		"destination": "SPAN destination interface or VLAN", "interface": "SPAN source interface",
		"vlan": "SPAN source VLAN", "LINE": "more interfaces (, or -), then rx, tx or both; for a destination, encapsulation replicate",
		"rx": "Monitor received traffic only", "tx": "Monitor transmitted traffic only",
		"both": "Monitor received and transmitted traffic", "all": "Remove all SPAN sessions in the box",
		"local": "Remove Local SPAN sessions in the box",
	}
	srcIf := "monitor session <1-66>$id source interface IFNAME$first [LINE$rest]"
	srcVLAN := "monitor session <1-66>$id source vlan VLANLIST$vlans [rx|tx|both]$dir"
	dstIf := "monitor session <1-66>$id destination interface IFNAME$first [LINE$rest]"
	must(e.Install(d.modes.config,
		engine.Command{Syntax: srcIf, No: true, Help: help, Run: d.spanSourceInterfaces},
		engine.Command{Syntax: srcVLAN, No: true, Help: help, Run: d.spanSourceVLANs},
		engine.Command{Syntax: dstIf, No: true, Help: help, Run: d.spanDestination},
		engine.Command{Syntax: "no monitor session {<1-66>$id|all|local}", Help: help,
			Run: func(_ *engine.Ctx, a engine.Args) error {
				if a.Has("id") {
					d.sw.DeleteMonitorSession(a.Int("id"))
					return nil
				}
				for id := range d.sw.MonitorSessions() {
					d.sw.DeleteMonitorSession(id)
				}
				return nil
			}},
	))
	must(e.Install(e.ExecMode(),
		engine.Command{Syntax: "show monitor [session {<1-66>$id|all|local}]", Level: engine.LevelUser,
			Help: map[string]string{"monitor": "SPAN information and configuration", "session": "SPAN session",
				"<1-66>": "SPAN session number", "all": "Show all SPAN sessions", "local": "Show only Local SPAN sessions"},
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showMonitor(a), nil })},
	))
}

// spanEdit applies edit to session id and hands the session back; one
// left with neither sources nor destinations is removed, as IOS does.
func (d *Device) spanEdit(id int, edit func(ms *dataplane.MonitorSession) error) error {
	ms := d.sw.MonitorSessions()[id]
	if err := edit(&ms); err != nil {
		return err
	}
	if len(ms.Sources) == 0 && len(ms.VLANs) == 0 && len(ms.Destinations) == 0 {
		d.sw.DeleteMonitorSession(id)
		return nil
	}
	if err := d.sw.SetMonitorSession(id, ms); err != nil {
		return spanReject(err)
	}
	return nil
}

// spanReject turns a refusal of the switch into the line IOS prints.
func spanReject(err error) error {
	switch {
	case errors.Is(err, dataplane.ErrSPANMixed):
		return engine.Rejectf("%% Cannot mix source interfaces and source VLANs in a session")
	case errors.Is(err, dataplane.ErrSPANVLANTx):
		return engine.Rejectf("%% VLAN sources can be monitored in the rx direction only")
	case errors.Is(err, dataplane.ErrSPANDestSource), errors.Is(err, dataplane.ErrSPANSourceDest):
		return engine.Rejectf("%% An interface cannot be both a source and a destination: %v", err)
	case errors.Is(err, dataplane.ErrSPANDestInUse):
		return engine.Rejectf("%% Interface already configured as a destination in another session: %v", err)
	}
	return engine.Rejectf("%% %v", err)
}

// spanList parses the interfaces of a source or destination line, the
// first one given by the engine, the rest of the line after it; the words
// trailing the list (a direction, `encapsulation replicate`) are returned.
func (d *Device) spanList(a engine.Args, tails ...string) ([]string, string, error) {
	words := strings.Fields(a.String("rest"))
	tail := ""
	for _, t := range tails {
		tw := strings.Fields(t)
		if n := len(words) - len(tw); n >= 0 && slices.Equal(words[n:], tw) {
			tail, words = t, words[:n]
			break
		}
	}
	names, err := d.eng.Interfaces().ParseRange(a.Interface("first") + " " + strings.Join(words, " "))
	if err != nil {
		return nil, "", engine.Rejectf("%% Invalid interface list: %v", err)
	}
	for _, n := range names {
		if _, ok := ifname.ParseSVI(n); ok || n == "Null0" {
			return nil, "", engine.Rejectf("%% %s: a SPAN source or destination must be a physical port", n)
		}
	}
	return names, tail, nil
}

func (d *Device) spanSourceInterfaces(c *engine.Ctx, a engine.Args) error {
	names, tail, err := d.spanList(a, "rx", "tx", "both")
	if err != nil {
		return err
	}
	dir := spanDir(tail)
	return d.spanEdit(a.Int("id"), func(ms *dataplane.MonitorSession) error {
		if ms.Sources == nil {
			ms.Sources = map[string]dataplane.SPANDir{}
		}
		for _, n := range names {
			if c.Negated() {
				// `no ... rx` stops monitoring one direction; no direction, both.
				if ms.Sources[n] &^= dir; ms.Sources[n] == 0 {
					delete(ms.Sources, n)
				}
				continue
			}
			ms.Sources[n] = dir
		}
		return nil
	})
}

func (d *Device) spanSourceVLANs(c *engine.Ctx, a engine.Args) error {
	dir := spanDir(a.String("dir"))
	return d.spanEdit(a.Int("id"), func(ms *dataplane.MonitorSession) error {
		if ms.VLANs == nil {
			ms.VLANs = map[uint16]dataplane.SPANDir{}
		}
		for _, v := range a.VLANs("vlans") {
			if c.Negated() {
				if ms.VLANs[uint16(v)] &^= dir; ms.VLANs[uint16(v)] == 0 {
					delete(ms.VLANs, uint16(v))
				}
				continue
			}
			if a.String("dir") == "" {
				dir = dataplane.SPANRx // a VLAN source's default here: what the platform can do
			}
			ms.VLANs[uint16(v)] = dir
		}
		return nil
	})
}

func (d *Device) spanDestination(c *engine.Ctx, a engine.Args) error {
	names, tail, err := d.spanList(a, "encapsulation replicate")
	if err != nil {
		return err
	}
	return d.spanEdit(a.Int("id"), func(ms *dataplane.MonitorSession) error {
		for _, n := range names {
			if c.Negated() {
				ms.Destinations = slices.DeleteFunc(ms.Destinations, func(x string) bool { return x == n })
				continue
			}
			if !slices.Contains(ms.Destinations, n) {
				ms.Destinations = append(ms.Destinations, n)
			}
		}
		if !c.Negated() {
			ms.Replicate = tail != ""
		}
		return nil
	})
}

// spanDir is the direction a source line names; none is both.
func spanDir(w string) dataplane.SPANDir {
	switch w {
	case "rx":
		return dataplane.SPANRx
	case "tx":
		return dataplane.SPANTx
	}
	return dataplane.SPANBoth
}

// spanDirNames are the directions as show monitor and the running
// configuration name them, in their order.
var spanDirNames = []struct {
	dir        dataplane.SPANDir
	word, show string
}{
	{dataplane.SPANRx, "rx", "RX Only"},
	{dataplane.SPANTx, "tx", "TX Only"},
	{dataplane.SPANBoth, "", "Both"},
}

// shortList renders interface names as IOS lists them in a SPAN session:
// short names, a run of consecutive ports as its first and last number
// joined by dash ("Gi0/1 - 3"), the items joined by comma.
func shortList(names []string, dash, comma string) string {
	names = slices.Clone(names)
	slices.SortFunc(names, func(a, b string) int {
		if ifname.Less(a, b) {
			return -1
		}
		if ifname.Less(b, a) {
			return 1
		}
		return 0
	})
	var items []string
	for i := 0; i < len(names); {
		j := i
		for j+1 < len(names) && nextPort(names[j], names[j+1]) {
			j++
		}
		item := ifname.Short(names[i])
		if j > i {
			item += dash + lastNumber(names[j])
		}
		items = append(items, item)
		i = j + 1
	}
	return strings.Join(items, comma)
}

// nextPort reports whether b is the port right after a (Gi0/1, Gi0/2).
func nextPort(a, b string) bool {
	i, j := strings.LastIndexAny(a, "/"), strings.LastIndexAny(b, "/")
	if i < 0 || j < 0 || a[:i] != b[:j] {
		return false
	}
	x, err1 := strconv.Atoi(a[i+1:])
	y, err2 := strconv.Atoi(b[j+1:])
	return err1 == nil && err2 == nil && y == x+1
}

func lastNumber(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// vlanList renders VLAN numbers as IOS lists them: "10,20-22".
func vlanList(vids []uint16) string {
	var set vlanset.Set
	for _, v := range vids {
		set.Add(v)
	}
	return set.String()
}

// byDir groups the sources of one direction.
func byDir[K comparable](m map[K]dataplane.SPANDir, dir dataplane.SPANDir) []K {
	var out []K
	for k, d := range m {
		if d == dir {
			out = append(out, k)
		}
	}
	return out
}

// spanConfig renders the sessions as the running configuration holds them.
func (d *Device) spanConfig() string {
	sessions := d.sw.MonitorSessions()
	if len(sessions) == 0 {
		return ""
	}
	var b strings.Builder
	for _, id := range slices.Sorted(maps.Keys(sessions)) {
		ms := sessions[id]
		for _, dn := range spanDirNames {
			suffix := ""
			if dn.word != "" {
				suffix = " " + dn.word
			}
			if ports := byDir(ms.Sources, dn.dir); len(ports) > 0 {
				fmt.Fprintf(&b, "monitor session %d source interface %s%s\n", id, shortList(ports, " - ", " , "), suffix)
			}
			if vids := byDir(ms.VLANs, dn.dir); len(vids) > 0 {
				fmt.Fprintf(&b, "monitor session %d source vlan %s%s\n", id, vlanList(vids), suffix)
			}
		}
		if len(ms.Destinations) > 0 {
			encap := ""
			if ms.Replicate {
				encap = " encapsulation replicate"
			}
			fmt.Fprintf(&b, "monitor session %d destination interface %s%s\n", id, shortList(ms.Destinations, " - ", " , "), encap)
		}
	}
	b.WriteString("!\n")
	return b.String()
}

// showMonitor is `show monitor [session N|all|local]`, in the Catalyst
// layout.
func (d *Device) showMonitor(a engine.Args) string {
	sessions := d.sw.MonitorSessions()
	ids := slices.Sorted(maps.Keys(sessions))
	if a.Has("id") {
		if _, ok := sessions[a.Int("id")]; !ok {
			return ""
		}
		ids = []int{a.Int("id")}
	}
	if len(ids) == 0 {
		return "No SPAN configured.\n"
	}
	var b strings.Builder
	const field = "%-23s: %s\n"
	for _, id := range ids {
		ms := sessions[id]
		title := fmt.Sprintf("Session %d", id)
		fmt.Fprintf(&b, "%s\n%s\n", title, strings.Repeat("-", len(title)))
		fmt.Fprintf(&b, field, "Type", "Local Session")
		if len(ms.Sources) > 0 {
			fmt.Fprintf(&b, field, "Source Ports", "")
			for _, dn := range spanDirNames {
				if ports := byDir(ms.Sources, dn.dir); len(ports) > 0 {
					fmt.Fprintf(&b, field, "    "+dn.show, shortList(ports, "-", ","))
				}
			}
		}
		if len(ms.VLANs) > 0 {
			fmt.Fprintf(&b, field, "Source VLANs", "")
			for _, dn := range spanDirNames {
				if vids := byDir(ms.VLANs, dn.dir); len(vids) > 0 {
					fmt.Fprintf(&b, field, "    "+dn.show, vlanList(vids))
				}
			}
		}
		if len(ms.Destinations) > 0 {
			fmt.Fprintf(&b, field, "Destination Ports", shortList(ms.Destinations, "-", ","))
			encap := "Native"
			if ms.Replicate {
				encap = "Replicate"
			}
			fmt.Fprintf(&b, field, "    Encapsulation", encap)
			fmt.Fprintf(&b, field, "          Ingress", "Disabled")
		}
		b.WriteString("\n")
	}
	return b.String()
}
