package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
)

// The spanning-tree commands: global `spanning-tree ...` and `errdisable
// recovery ...`, interface `spanning-tree ...`, and their running-config
// lines. Every handler validates first and edits the configuration under
// the runner's lock, so a refused line changes nothing.

var stpHelp = map[string]string{
	"spanning-tree": "Spanning Tree Subsystem", "mode": "Spanning tree operating mode",
	"pvst": "Per-Vlan spanning tree mode", "rapid-pvst": "Per-Vlan rapid spanning tree mode", "mst": "Multiple spanning tree mode",
	"vlan": "VLAN Switch Spanning Tree", "VLANLIST": "vlan range, example: 1,3-5,7,9-11",
	"priority": "Set the bridge priority for the spanning tree", "<0-61440>": "bridge priority in increments of 4096",
	"root": "Configure switch as root", "primary": "Configure this switch as primary root for this spanning tree",
	"secondary": "Configure switch as secondary root", "diameter": "Network diameter of this spanning tree",
	"<2-7>":      "Maximum number of bridges between any two end nodes",
	"hello-time": "Set the hello interval for the spanning tree", "<1-10>": "number of seconds between generation of config BPDUs",
	"forward-time": "Set the forward delay for the spanning tree", "<4-30>": "number of seconds for the forward delay timer",
	"max-age": "Set the max age interval for the spanning tree", "<6-40>": "maximum number of seconds the information in a BPDU is valid",
	"extend": "Spanning Tree 802.1t extensions", "system-id": "Extend system-id into priority portion of the bridge id (PVST & Rapid PVST only)",
	"portfast": "Spanning tree portfast options", "default": "Enable portfast by default on all access ports",
	"bpduguard": "Don't accept BPDUs on this interface", "bpdufilter": "Don't send or receive BPDUs on this interface",
	"enable": "Enable BPDU guard for this interface", "disable": "Disable BPDU guard for this interface",
	"trunk": "Enable portfast on the interface even in trunk mode",
	"guard": "Change an interface's spanning tree guard mode", "loop": "Set guard mode to loop guard on interface",
	"none": "Set guard mode to none", "cost": "Change an interface's spanning tree port path cost",
	"<1-200000000>": "port path cost", "port-priority": "Change an interface's spanning tree port priority",
	"<0-240>":    "port priority in increments of 16",
	"errdisable": "Error disable", "recovery": "Error disable recovery", "cause": "Enable error disable recovery for application",
	"interval": "Error disable recovery timer value", "<30-86400>": "timer-interval(sec)",
}

// installSTP adds the commands and the runner.
func (d *Device) installSTP() {
	d.stp = newSTPRunner(d)
	h := stpHelp
	must(d.eng.Install(d.modes.config,
		engine.Command{Syntax: "spanning-tree mode {pvst|mst|rapid-pvst}$mode", No: true, NoSyntax: "spanning-tree mode [pvst|mst|rapid-pvst]$mode", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				m := a.String("mode")
				if c.Form != engine.FormPlain {
					m = "pvst"
				}
				d.stpEdit(func(cfg *stpConfig) { cfg.mode = m })
				return nil
			}},
		engine.Command{Syntax: "spanning-tree vlan VLANLIST$vlans", No: true, Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.stpEdit(func(cfg *stpConfig) {
					for _, v := range a.VLANs("vlans") {
						if c.Negated() {
							cfg.disabled[uint16(v)] = true
						} else {
							delete(cfg.disabled, uint16(v))
						}
					}
				})
				return nil
			}},
		engine.Command{Syntax: "spanning-tree vlan VLANLIST$vlans priority <0-61440>$prio", No: true, NoSyntax: "spanning-tree vlan VLANLIST$vlans priority [<0-61440>$prio]", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				p := -1
				if c.Form == engine.FormPlain {
					p = a.Int("prio")
					if p%4096 != 0 {
						return engine.Rejectf("%% Bridge Priority must be in increments of 4096.\n%% Allowed values are:\n  0     4096  8192  12288 16384 20480 24576 28672\n  32768 36864 40960 45056 49152 53248 57344 61440")
					}
				}
				d.stpEdit(func(cfg *stpConfig) {
					for _, v := range a.VLANs("vlans") {
						cfg.vlan(uint16(v)).priority = p
					}
				})
				return nil
			}},
		engine.Command{Syntax: "spanning-tree vlan VLANLIST$vlans root {primary|secondary}$which [diameter <2-7>]", No: true, NoSyntax: "spanning-tree vlan VLANLIST$vlans root [primary|secondary]$which", Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.stpRoot(a.VLANs("vlans"), a.String("which"), c.Negated())
				return nil
			}},
		engine.Command{Syntax: "spanning-tree vlan VLANLIST$vlans {hello-time <1-10>$hello|forward-time <4-30>$fwd|max-age <6-40>$age}", No: true,
			NoSyntax: "spanning-tree vlan VLANLIST$vlans {hello-time [<1-10>$hello]|forward-time [<4-30>$fwd]|max-age [<6-40>$age]}", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				plain := c.Form == engine.FormPlain
				d.stpEdit(func(cfg *stpConfig) {
					for _, v := range a.VLANs("vlans") {
						vc := cfg.vlan(uint16(v))
						switch {
						case a.Keyword("hello-time"):
							vc.hello = ifPlain(plain, a.Int("hello"))
						case a.Keyword("forward-time"):
							vc.forward = ifPlain(plain, a.Int("fwd"))
						case a.Keyword("max-age"):
							vc.maxAge = ifPlain(plain, a.Int("age"))
						}
					}
				})
				return nil
			}},
		engine.Command{Syntax: "spanning-tree extend system-id", No: true, Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.stpEdit(func(cfg *stpConfig) { cfg.extend = !c.Negated() })
				return nil
			}},
		engine.Command{Syntax: "spanning-tree portfast default", No: true, Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.stpEdit(func(cfg *stpConfig) { cfg.portfastDefault = c.Form == engine.FormPlain })
				return nil
			}},
		engine.Command{Syntax: "spanning-tree portfast bpduguard default", No: true, Default: true,
			Help: map[string]string{"bpduguard": "Enable portfast bpdu guard by default on all portfast ports", "default": "Enable bdpu guard by default on all portfast ports"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.stpEdit(func(cfg *stpConfig) { cfg.bpduguardDef = c.Form == engine.FormPlain })
				return nil
			}},
	))
	ifCmds := []engine.Command{
		{Syntax: "spanning-tree portfast [trunk|disable]$kind", No: true, NoSyntax: "spanning-tree portfast [trunk|disable]$kind", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := "portfast"
				if k := a.String("kind"); k != "" {
					v = k
				}
				if c.Form != engine.FormPlain {
					v = ""
				}
				d.stpEditPorts(c, func(p *stpPortConfig) { p.portfast = v })
				if v == "portfast" || v == "trunk" {
					c.Printf("%%Warning: portfast should only be enabled on ports connected to a single\n" +
						" host. Connecting hubs, concentrators, switches, bridges, etc... to this\n" +
						" interface  when portfast is enabled, can cause temporary bridging loops.\n" +
						" Use with CAUTION\n\n")
					for _, n := range ifNames(c) {
						if v == "trunk" {
							c.Printf("%%Portfast has been configured on %s but will only\n have effect when the interface is in a non-trunking mode.\n", n)
							continue
						}
						if st, err := d.sw.Status(n); err == nil && st.Settings.Mode == dataplane.ModeTrunk {
							c.Printf("%%Portfast has been configured on %s but will only\n have effect when the interface is in a non-trunking mode.\n", n)
						}
					}
				}
				return nil
			}},
		{Syntax: "spanning-tree {bpduguard|bpdufilter}$what {enable|disable}$how", No: true, NoSyntax: "spanning-tree {bpduguard|bpdufilter}$what [enable|disable]$how", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := a.String("how")
				if c.Form != engine.FormPlain {
					v = ""
				}
				d.stpEditPorts(c, func(p *stpPortConfig) {
					if a.String("what") == "bpduguard" {
						p.bpduguard = v
					} else {
						p.bpdufilter = v
					}
				})
				return nil
			}},
		{Syntax: "spanning-tree guard {root|loop|none}$g", No: true, NoSyntax: "spanning-tree guard [root|loop|none]$g", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := a.String("g")
				if c.Form != engine.FormPlain {
					v = ""
				}
				d.stpEditPorts(c, func(p *stpPortConfig) { p.guard = v })
				return nil
			}},
		{Syntax: "spanning-tree [vlan VLANLIST$vlans] cost <1-200000000>$cost", No: true, NoSyntax: "spanning-tree [vlan VLANLIST$vlans] cost [<1-200000000>$cost]", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				cost := uint32(0)
				if c.Form == engine.FormPlain {
					cost = uint32(a.Int64("cost"))
				}
				d.stpEditPorts(c, func(p *stpPortConfig) {
					if !a.Has("vlans") {
						p.cost = cost
						return
					}
					for _, v := range a.VLANs("vlans") {
						if p.vlanCost == nil {
							p.vlanCost = map[uint16]uint32{}
						}
						if cost == 0 {
							delete(p.vlanCost, uint16(v))
						} else {
							p.vlanCost[uint16(v)] = cost
						}
					}
				})
				return nil
			}},
		{Syntax: "spanning-tree [vlan VLANLIST$vlans] port-priority <0-240>$prio", No: true, NoSyntax: "spanning-tree [vlan VLANLIST$vlans] port-priority [<0-240>$prio]", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				prio := -1
				if c.Form == engine.FormPlain {
					prio = a.Int("prio")
					if prio%16 != 0 {
						return engine.Rejectf("%% Port Priority in increments of 16 is required\n%% Allowed values are:\n  0   16  32  48  64  80  96  112 128 144 160 176 192 208 224 240")
					}
				}
				d.stpEditPorts(c, func(p *stpPortConfig) {
					if !a.Has("vlans") {
						p.priority = prio
						return
					}
					for _, v := range a.VLANs("vlans") {
						if p.vlanPrio == nil {
							p.vlanPrio = map[uint16]int{}
						}
						if prio < 0 {
							delete(p.vlanPrio, uint16(v))
						} else {
							p.vlanPrio[uint16(v)] = prio
						}
					}
				})
				return nil
			}},
	}
	must(d.eng.Install(d.modes.ifc, ifCmds...))
	must(d.eng.Install(d.modes.ifRange, ifCmds...))
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "clear spanning-tree detected-protocols [interface IFNAME$ifname]",
			Help: map[string]string{"spanning-tree": "Spanning tree", "detected-protocols": "Restart the protocol migration process",
				"interface": "Restart the protocol migration process on an interface"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				r := d.stp
				r.mu.Lock()
				defer r.mu.Unlock()
				for _, p := range r.ports {
					if a.Has("ifname") && p.name != a.Interface("ifname") {
						continue
					}
					for _, t := range r.trees {
						t.Migrate(p.id(), r.now())
					}
					if r.mst != nil {
						r.mst.Migrate(p.id(), r.now())
					}
				}
				r.flushLocked(r.now())
				return nil
			}},
	))
	d.installSTPShow()
	d.installMST()
}

func ifPlain(plain bool, v int) int {
	if plain {
		return v
	}
	return 0
}

// stpEdit changes the global configuration and has the runner apply it.
func (d *Device) stpEdit(edit func(cfg *stpConfig)) {
	r := d.stp
	r.mu.Lock()
	edit(&r.cfg)
	r.mu.Unlock()
	r.changed()
}

// stpEditPorts changes the configuration of the command's interfaces.
func (d *Device) stpEditPorts(c *engine.Ctx, edit func(p *stpPortConfig)) {
	d.stpEdit(func(cfg *stpConfig) {
		for _, n := range ifNames(c) {
			edit(cfg.port(n))
		}
	})
}

// stpRoot is the `root primary|secondary` macro: IOS turns it into a
// priority, 24576 (primary) or 28672 (secondary), or for a primary the
// next step of 4096 below the current root's priority when that is 24576
// or lower already; the running configuration shows the priority.
func (d *Device) stpRoot(vlans []int, which string, negated bool) {
	r := d.stp
	r.mu.Lock()
	for _, v := range vlans {
		vc := r.cfg.vlan(uint16(v))
		if negated {
			vc.priority = -1
			continue
		}
		p := 28672
		if which == "primary" {
			p = 24576
			if t := r.trees[uint16(v)]; t != nil {
				s := t.Status()
				rootPrio := int(s.Root.Priority())
				if r.cfg.extend {
					rootPrio -= v
				}
				if s.Root.MAC() != s.Bridge.MAC() && rootPrio <= 24576 {
					p = rootPrio - 4096
					if p < 0 {
						p = 0
					}
				}
			}
		}
		vc.priority = p
	}
	r.mu.Unlock()
	r.changed()
}

// stpGlobalConfig renders the global lines, in IOS's place and order.
func (d *Device) stpGlobalConfig() string {
	r := d.stp
	r.mu.Lock()
	defer r.mu.Unlock()
	c := &r.cfg
	var b strings.Builder
	fmt.Fprintf(&b, "spanning-tree mode %s\n", c.mode)
	if c.portfastDefault {
		b.WriteString("spanning-tree portfast default\n")
	}
	if c.bpduguardDef {
		b.WriteString("spanning-tree portfast bpduguard default\n")
	}
	if c.extend {
		b.WriteString("spanning-tree extend system-id\n")
	} else {
		b.WriteString("no spanning-tree extend system-id\n")
	}
	var off []uint16
	for v := range c.disabled {
		off = append(off, v)
	}
	if len(off) > 0 {
		fmt.Fprintf(&b, "no spanning-tree vlan %s\n", vlanList(off))
	}
	// Per-VLAN settings, VLANs with the same value in one list as IOS does.
	group := func(kw string, val func(*stpVLANConfig) int) {
		byVal := map[int][]uint16{}
		for v, vc := range c.vlans {
			if x := val(vc); x >= 0 {
				byVal[x] = append(byVal[x], v)
			}
		}
		keys := make([]int, 0, len(byVal))
		for k := range byVal {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b int) int { return int(slices.Min(byVal[a])) - int(slices.Min(byVal[b])) })
		for _, k := range keys {
			fmt.Fprintf(&b, "spanning-tree vlan %s %s %d\n", vlanList(byVal[k]), kw, k)
		}
	}
	group("priority", func(vc *stpVLANConfig) int { return vc.priority })
	pos := func(x int) int {
		if x == 0 {
			return -1
		}
		return x
	}
	group("hello-time", func(vc *stpVLANConfig) int { return pos(vc.hello) })
	group("forward-time", func(vc *stpVLANConfig) int { return pos(vc.forward) })
	group("max-age", func(vc *stpVLANConfig) int { return pos(vc.maxAge) })
	c.mstGlobalConfig(&b)
	b.WriteString("!\n")
	return b.String()
}

// stpInterfaceConfig renders an interface's spanning-tree lines.
func (d *Device) stpInterfaceConfig(name string) string {
	r := d.stp
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.cfg.ports[name]
	if p == nil {
		return ""
	}
	var b strings.Builder
	switch p.portfast {
	case "portfast":
		b.WriteString(" spanning-tree portfast\n")
	case "trunk":
		b.WriteString(" spanning-tree portfast trunk\n")
	case "disable":
		b.WriteString(" spanning-tree portfast disable\n")
	}
	if p.bpdufilter != "" {
		b.WriteString(" spanning-tree bpdufilter " + p.bpdufilter + "\n")
	}
	if p.bpduguard != "" {
		b.WriteString(" spanning-tree bpduguard " + p.bpduguard + "\n")
	}
	if p.guard != "" {
		b.WriteString(" spanning-tree guard " + p.guard + "\n")
	}
	if p.cost != 0 {
		fmt.Fprintf(&b, " spanning-tree cost %d\n", p.cost)
	}
	for _, v := range stpVLANKeys(p.vlanCost) {
		fmt.Fprintf(&b, " spanning-tree vlan %d cost %d\n", v, p.vlanCost[v])
	}
	if p.priority >= 0 {
		fmt.Fprintf(&b, " spanning-tree port-priority %d\n", p.priority)
	}
	for _, v := range stpVLANKeys(p.vlanPrio) {
		fmt.Fprintf(&b, " spanning-tree vlan %d port-priority %d\n", v, p.vlanPrio[v])
	}
	p.mstInterfaceConfig(&b)
	return b.String()
}

func stpVLANKeys[V any](m map[uint16]V) []uint16 {
	ks := make([]uint16, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
