package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane/port/fault"
	"github.com/l2sw/l2sw/ifname"
)

// This file holds fault injection, an l2sw extension no Catalyst has: the
// `fault` family in interface configuration (drop, delay, duplicate,
// corrupt, reorder, rate-limit, reflect, flap, seed), its lines in the running
// configuration, and `show platform faults`. The faults live in the
// switch's port wrappers; each line edits one fault of the interface's
// fault.Config and hands it back whole.
//
// A fault with a direction acts, unless the line says otherwise, on the
// frames the port receives from its peer (in): then `fault drop 50` loses
// half of a ping's requests and `fault delay 50` adds 50 ms to its
// round trip, as a lab expects from the numbers it typed. `out` and `both`
// are there for the rest.

// faultHelp is the `?` text of the fault family.
var faultHelp = map[string]string{
	"fault":      "Inject link faults on this interface (l2sw emulator extension)",
	"drop":       "Drop a percentage of frames",
	"delay":      "Delay frames",
	"jitter":     "Vary the delay uniformly by up to this much either way",
	"duplicate":  "Deliver a percentage of frames twice",
	"corrupt":    "Invert a byte after the Ethernet header in a percentage of frames",
	"reorder":    "Hold a percentage of frames back behind the next frame",
	"rate-limit": "Let through at most this many frames per second",
	"reflect":    "Also send received frames back out of this interface",
	"flap":       "Take the link down and up again, every so many seconds",
	"<1-3600>":   "Seconds the link stays down, then up",
	"seed":       "Seed the random choices of this interface's faults",
	"multicast":  "Multicast frames (not broadcast)",
	"broadcast":  "Broadcast frames",
	"all":        "All frames",
	"in":         "Frames received on this interface (default)",
	"out":        "Frames sent out of this interface",
	"both":       "Frames in both directions",
	"<1-100>":    "Percentage of frames",
	"<1-10000>":  "Delay in milliseconds",
	"<0-10000>":  "Jitter in milliseconds",
	"$pps":       "Frames per second",
	"$seed":      "Seed of the random source",
}

// installFault adds the fault commands to the engine.
func (d *Device) installFault() {
	e := d.eng
	const dir = " [in|out|both]$dir"
	percent := func(kind fault.Kind, set func(f *fault.Faults, v int)) engine.Command {
		k := kind.String()
		return engine.Command{Syntax: "fault " + k + " <1-100>$v" + dir, No: true, Default: true, NoSyntax: "fault " + k + " [<1-100>$v]" + dir,
			Help: faultHelp, Run: d.faultRun(kind, func(c *fault.Config, a engine.Args) {
				c.Edit(faultDir(a, fault.In), func(f *fault.Faults) { set(f, a.Int("v")) })
			})}
	}
	cmds := []engine.Command{
		percent(fault.KindDrop, func(f *fault.Faults, v int) { f.Drop = v }),
		percent(fault.KindDuplicate, func(f *fault.Faults, v int) { f.Duplicate = v }),
		percent(fault.KindCorrupt, func(f *fault.Faults, v int) { f.Corrupt = v }),
		percent(fault.KindReorder, func(f *fault.Faults, v int) { f.Reorder = v }),
		{Syntax: "fault delay <1-10000>$ms [jitter <0-10000>$jitter]" + dir, No: true, Default: true,
			NoSyntax: "fault delay [<1-10000>$ms] [jitter <0-10000>$jitter]" + dir,
			Help:     faultHelp, Run: d.faultRun(fault.KindDelay, func(c *fault.Config, a engine.Args) {
				c.Edit(faultDir(a, fault.In), func(f *fault.Faults) {
					f.Delay = time.Duration(a.Int("ms")) * time.Millisecond
					f.Jitter = time.Duration(a.Int("jitter")) * time.Millisecond
				})
			})},
		{Syntax: "fault rate-limit <1-10000000>$pps" + dir, No: true, Default: true, NoSyntax: "fault rate-limit [<1-10000000>$pps]" + dir,
			Help: faultHelp, Run: d.faultRun(fault.KindRateLimit, func(c *fault.Config, a engine.Args) {
				c.Edit(faultDir(a, fault.In), func(f *fault.Faults) { f.RateLimit = a.Int("pps") })
			})},
		{Syntax: "fault reflect {multicast|broadcast|all}$kind", No: true, Default: true, NoSyntax: "fault reflect [multicast|broadcast|all]$kind",
			Help: faultHelp, Run: d.faultRun(fault.KindReflect, func(c *fault.Config, a engine.Args) {
				c.Reflect = map[string]fault.Reflect{"multicast": fault.ReflectMulticast, "broadcast": fault.ReflectBroadcast, "all": fault.ReflectAll}[a.String("kind")]
			})},
		{Syntax: "fault flap <1-3600>$s", No: true, Default: true, NoSyntax: "fault flap [<1-3600>$s]",
			Help: faultHelp, Run: d.faultRun(fault.KindFlap, func(c *fault.Config, a engine.Args) {
				c.Flap = time.Duration(a.Int("s")) * time.Second
			})},
		{Syntax: "fault seed <0-4294967295>$seed", No: true, Default: true, NoSyntax: "fault seed [<0-4294967295>$seed]",
			Help: faultHelp, Run: d.faultRun(numKindsSeed, func(c *fault.Config, a engine.Args) {
				c.Seed, c.Seeded = uint64(a.Int64("seed")), true
			})},
	}
	must(e.Install(d.modes.ifc, cmds...))
	must(e.Install(d.modes.ifRange, cmds...))
	must(e.Install(e.ExecMode(),
		engine.Command{Syntax: "show platform faults [interface IFNAME$ifname]", Level: engine.LevelUser,
			Help: map[string]string{"platform": "Show platform information", "faults": "Faults injected on interfaces (l2sw extension)",
				"interface": "Faults of one interface"},
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showPlatformFaults(a.Interface("ifname")) })},
	))
}

// numKindsSeed stands for `fault seed` among the kinds: it is no fault.
const numKindsSeed = fault.NumKinds

// faultDir is the direction a line names, or def when it names none.
func faultDir(a engine.Args, def fault.Direction) fault.Direction {
	switch a.String("dir") {
	case "in":
		return fault.In
	case "out":
		return fault.Out
	case "both":
		return fault.Both
	}
	return def
}

// faultRun returns the handler of one fault kind: the plain form applies
// set to each interface's configuration, the no form clears the kind (in
// the direction given; in both when the line names none, so that `no fault
// drop` removes every drop), and so does the default form.
func (d *Device) faultRun(kind fault.Kind, set func(c *fault.Config, a engine.Args)) engine.Handler {
	return func(c *engine.Ctx, a engine.Args) error {
		for _, name := range ifNames(c) {
			cfg, _, err := d.sw.PortFaults(name)
			if err != nil {
				return engine.Rejectf("%% %v", err)
			}
			switch {
			case c.Form == engine.FormPlain:
				set(&cfg, a)
			case kind == numKindsSeed:
				cfg.Seed, cfg.Seeded = 0, false
			default:
				cfg.Clear(kind, faultDir(a, fault.Both))
			}
			if err := d.sw.SetPortFaults(name, cfg); err != nil {
				return engine.Rejectf("%% %v", err)
			}
		}
		return nil
	}
}

// faultParams renders the parameters of a fault: as the configuration
// line spells them (cli), or with their units for the fault table.
func faultParams(e fault.Entry, cli bool) string {
	switch e.Kind {
	case fault.KindReflect:
		return fault.Reflect(e.Value).String()
	case fault.KindFlap:
		if cli {
			return fmt.Sprint(e.Value)
		}
		return fmt.Sprintf("%d s", e.Value)
	case fault.KindDelay:
		s := fmt.Sprintf("%d", e.Value)
		if !cli {
			s += " ms"
		}
		if e.Jitter != 0 {
			s += fmt.Sprintf(" jitter %d", e.Jitter/time.Millisecond)
			if !cli {
				s += " ms"
			}
		}
		return s
	case fault.KindRateLimit:
		if cli {
			return fmt.Sprint(e.Value)
		}
		return fmt.Sprintf("%d pps", e.Value)
	}
	if cli {
		return fmt.Sprint(e.Value)
	}
	return fmt.Sprintf("%d%%", e.Value)
}

// faultConfig renders an interface's fault lines for the running
// configuration: the seed, then each fault, with its direction unless it
// is in (the default) or the fault has none (reflect, flap).
func (d *Device) faultConfig(name string) string {
	cfg, _, err := d.sw.PortFaults(name)
	if err != nil {
		return ""
	}
	var b strings.Builder
	if cfg.Seeded {
		fmt.Fprintf(&b, " fault seed %d\n", cfg.Seed)
	}
	for _, e := range cfg.Entries() {
		fmt.Fprintf(&b, " fault %s %s", e.Kind, faultParams(e, true))
		if e.Kind != fault.KindReflect && e.Kind != fault.KindFlap && e.Dir != fault.In {
			b.WriteString(" " + e.Dir.String())
		}
		b.WriteString("\n")
	}
	return b.String()
}

// showPlatformFaults is `show platform faults [interface IF]`: one row per
// fault and direction with the frames it affected, then the seeds and any
// frames lost to a full delay queue.
func (d *Device) showPlatformFaults(name string) (string, error) {
	names, err := d.portList(name)
	if err != nil {
		return "", err
	}
	var b, notes strings.Builder
	b.WriteString("Interface  Direction Fault      Parameters           Frames affected\n")
	b.WriteString("---------- --------- ---------- -------------------- ---------------\n")
	for _, n := range names {
		cfg, st, err := d.sw.PortFaults(n)
		if err != nil {
			continue
		}
		short := ifname.Short(n)
		for _, e := range cfg.Entries() {
			fmt.Fprintf(&b, "%-10s %-9s %-10s %-20s %15d\n", short, e.Dir, e.Kind, faultParams(e, false), st.Affected(e.Kind, e.Dir))
		}
		if cfg.Seeded {
			fmt.Fprintf(&notes, "%s: random choices seeded with %d\n", short, cfg.Seed)
		}
		for _, o := range []struct {
			dir fault.Direction
			n   uint64
		}{{fault.In, st.In.Overflow}, {fault.Out, st.Out.Overflow}} {
			if o.n != 0 {
				fmt.Fprintf(&notes, "%s: %d frames %s lost to a full delay queue\n", short, o.n, o.dir)
			}
		}
	}
	if notes.Len() > 0 {
		b.WriteString("\n" + notes.String())
	}
	return b.String(), nil
}
