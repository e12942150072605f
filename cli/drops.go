package cli

import (
	"fmt"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
)

// This file holds the MTU commands and the commands that show why frames
// were dropped: `show interfaces counters errors` in the Catalyst layout
// and `show platform drops`, every drop reason with its count.

// installDrops adds the MTU and drop commands to the engine.
func (d *Device) installDrops() {
	e := d.eng
	mtuHelp := map[string]string{"<1500-9198>": "MTU size in bytes"}
	must(e.Install(d.modes.config, engine.Command{Syntax: "system mtu <1500-9198>", No: true, NoSyntax: "system mtu", Default: true,
		Help: merge(mtuHelp, map[string]string{"system": "Set the system settings", "mtu": "Set the system MTU"}),
		Run: func(c *engine.Ctx, a engine.Args) error {
			mtu := dataplane.DefaultMTU
			if c.Form == engine.FormPlain {
				mtu = a.Int("mtu")
			}
			if err := d.sw.SetSystemMTU(mtu); err != nil {
				return engine.Rejectf("%% %v", err)
			}
			return nil
		}}))
	ifMTU := engine.Command{Syntax: "mtu <1500-9198>", No: true, NoSyntax: "mtu", Default: true,
		Help: merge(mtuHelp, map[string]string{"mtu": "Set the interface Maximum Transmission Unit (MTU)"}),
		Run: func(c *engine.Ctx, a engine.Args) error {
			mtu := 0
			if c.Form == engine.FormPlain {
				mtu = a.Int("mtu")
			}
			return d.editPorts(c, func(_ string, s *dataplane.PortSettings) error { s.MTU = mtu; return nil })
		}}
	must(e.Install(d.modes.ifc, ifMTU))
	must(e.Install(d.modes.ifRange, ifMTU))
	must(e.Install(e.ExecMode(),
		engine.Command{Syntax: "show interfaces [IFNAME$ifname] counters errors", Level: engine.LevelUser,
			Help: map[string]string{"counters": "Show interface counters", "errors": "Show interface error counters"},
			Run:  out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showCounterErrors(a.Interface("ifname")) })},
		engine.Command{Syntax: "show platform drops [interface IFNAME$ifname]", Level: engine.LevelUser,
			Help: map[string]string{"platform": "Show platform information", "drops": "Frames dropped, by reason",
				"interface": "Drops of one interface"},
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showPlatformDrops(a.Interface("ifname")) })},
	))
}

// merge returns the union of two help maps.
func merge(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// portMTU is the MTU in effect on a port: its own or the system's.
func (d *Device) portMTU(s dataplane.PortSettings) int {
	if s.MTU != 0 {
		return s.MTU
	}
	return d.sw.SystemMTU()
}

// inputErrors is what `show interfaces` counts as input errors: frames
// with a malformed header a stage had to read, runts, and giants.
func inputErrors(c dataplane.PortCounters) uint64 {
	return c.Get(dataplane.DropMalformed) + c.Get(dataplane.DropGiant)
}

// showCounterErrors is `show interfaces [IF] counters errors`.
func (d *Device) showCounterErrors(name string) (string, error) {
	names, err := d.portList(name)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("\nPort        Align-Err     FCS-Err    Xmit-Err     Rcv-Err  UnderSize  OutDiscards\n")
	for _, n := range names {
		c, _ := d.sw.Counters(n)
		fmt.Fprintf(&b, "%-12s%9d%12d%12d%12d%11d%13d\n", ifname.Short(n), 0, 0, c.Get(dataplane.TxErrors), inputErrors(c), 0, c.Get(dataplane.TxErrors))
	}
	b.WriteString("\nPort      Single-Col  Multi-Col   Late-Col  Excess-Col  Carri-Sen      Runts     Giants\n")
	for _, n := range names {
		c, _ := d.sw.Counters(n)
		fmt.Fprintf(&b, "%-10s%10d%11d%11d%12d%11d%11d%11d\n", ifname.Short(n), 0, 0, 0, 0, 0, c.Get(dataplane.DropRunt), c.Get(dataplane.DropGiant))
	}
	return b.String(), nil
}

// dropReasons are the reasons `show platform drops` lists, in pipeline
// order.
func dropReasons() []dataplane.Reason {
	var out []dataplane.Reason
	for r := dataplane.Reason(1); r < dataplane.NumReasons; r++ {
		if r.IsDrop() {
			out = append(out, r)
		}
	}
	return out
}

// showPlatformDrops is `show platform drops [interface IF]`: the switch's
// drops by reason (every reason, zeros included, so that a script can rely
// on the rows), then each interface's non-zero reasons.
func (d *Device) showPlatformDrops(name string) (string, error) {
	names, err := d.portList(name)
	if err != nil {
		return "", err
	}
	counters := make([]dataplane.PortCounters, len(names))
	for i, n := range names {
		counters[i], _ = d.sw.Counters(n)
	}
	var b strings.Builder
	b.WriteString("Drop reason                             Packets\n")
	b.WriteString("---------------------------------- ------------\n")
	for _, r := range dropReasons() {
		var sum uint64
		for _, c := range counters {
			sum += c.Get(dataplane.Drops(r))
		}
		fmt.Fprintf(&b, "%-34s %12d\n", r, sum)
	}
	var zero uint64
	for _, c := range counters {
		zero += c.Get(dataplane.ZeroSourceForwarded)
	}
	fmt.Fprintf(&b, "%-34s %12d\n", "zero source mac (forwarded)", zero)
	b.WriteString("\nInterface  Drop reason                             Packets\n")
	b.WriteString("---------- ---------------------------------- ------------\n")
	for i, n := range names {
		for _, r := range dropReasons() {
			if v := counters[i].Get(dataplane.Drops(r)); v != 0 {
				fmt.Fprintf(&b, "%-10s %-34s %12d\n", ifname.Short(n), r, v)
			}
		}
	}
	return b.String(), nil
}
