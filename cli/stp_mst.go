package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/stp"
	"github.com/l2sw/l2sw/syslog"
	"github.com/l2sw/l2sw/vlanset"
)

// This file is MST (`spanning-tree mode mst`) as a Catalyst runs it: one
// region, the IST and the MSTIs of `spanning-tree mst configuration`, on
// an stp.MSTBridge; its commands, its part of the running configuration
// and its shows. PVST+ and Rapid PVST+ are in stp.go.

// stpMSTConfig is the MST part of the spanning-tree configuration.
type stpMSTConfig struct {
	name     string
	revision int
	inst     map[uint16]vlanset.Set // MSTI -> its VLANs; the rest are the IST's
	prio     map[uint16]int         // instance -> bridge priority (without the instance)
	hello    int                    // seconds; 0: default
	forward  int
	maxAge   int
	maxHops  int
	noSimul  bool // no spanning-tree mst simulate pvst global
}

func (m *stpMSTConfig) clone() stpMSTConfig {
	c := *m
	c.inst = make(map[uint16]vlanset.Set, len(m.inst))
	for k, v := range m.inst {
		c.inst[k] = v
	}
	return c
}

// instanceOf is the instance VLAN v is mapped to.
func (m *stpMSTConfig) instanceOf(v uint16) uint16 {
	for n, s := range m.inst {
		if s.Has(v) {
			return n
		}
	}
	return 0
}

// digest is the configuration digest of the VLAN-to-instance table.
func (m *stpMSTConfig) digest() [16]byte {
	var table [4096]uint16
	for n, s := range m.inst {
		for _, v := range s.IDs() {
			table[v] = n
		}
	}
	return stp.ConfigDigest(func(v uint16) uint16 { return table[v] })
}

func (m *stpMSTConfig) region() stp.MSTConfigID {
	return stp.MSTConfigID{Name: m.name, Revision: uint16(m.revision), Digest: m.digest()}
}

// istVLANs is the IST's VLANs: all that no MSTI has.
func (m *stpMSTConfig) istVLANs() vlanset.Set {
	s := vlanset.All()
	for _, x := range m.inst {
		s.Minus(x)
	}
	return s
}

func (m *stpMSTConfig) instances() []uint16 {
	ns := make([]uint16, 0, len(m.inst))
	for n := range m.inst {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

// stpMSTEdit is the pending region of a config-mst session.
type stpMSTEdit struct {
	cfg     stpMSTConfig
	aborted bool
}

var mstHelp = map[string]string{
	"mst": "Multiple spanning tree configuration", "configuration": "Enter MST configuration submode",
	"<0-4094>": "MST instance id", "priority": "Set the bridge priority for the spanning tree",
	"root": "Configure switch as root", "hello-time": "Set the hello interval for the spanning tree",
	"forward-time": "Set the forward delay for the spanning tree", "max-age": "Set the max age interval for the spanning tree",
	"max-hops": "Set the max hops value for the spanning tree", "<1-255>": "maximum number of hops a BPDU is valid",
	"<0-61440>": "bridge priority in increments of 4096", "primary": "Configure this switch as primary root for this spanning tree",
	"secondary": "Configure switch as secondary root", "<1-10>": "number of seconds between generation of config BPDUs",
	"<4-30>": "number of seconds for the forward delay timer", "<6-40>": "maximum number of seconds the information in a BPDU is valid",
	"simulate": "Enable PVST simulation", "pvst": "Enable PVST simulation", "global": "Enable PVST simulation globally",
	"cost": "Change the interface spanning tree path cost for an instance", "<1-200000000>": "Change the interface spanning tree path cost for an instance",
	"port-priority": "Change the spanning tree port priority for an instance", "<0-240>": "port priority in increments of 16",
}

// installMST adds the MST commands; called from installSTP.
func (d *Device) installMST() {
	e := d.eng
	mode, err := e.NewMode("config-mst", "(config-mst)", d.modes.config)
	must(err)
	mode.Leave = func(ctx any) {
		ed, ok := ctx.(*stpMSTEdit)
		if !ok || ed.aborted {
			return
		}
		d.stpEdit(func(cfg *stpConfig) { cfg.mst = ed.cfg.clone() })
	}
	h := mstHelp
	prioErr := "%% Bridge Priority must be in increments of 4096.\n%% Allowed values are:\n  0     4096  8192  12288 16384 20480 24576 28672\n  32768 36864 40960 45056 49152 53248 57344 61440"
	must(e.Install(d.modes.config,
		engine.Command{Syntax: "spanning-tree mst configuration", Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				r := d.stp
				r.mu.Lock()
				ed := &stpMSTEdit{cfg: r.cfg.mst.clone()}
				r.mu.Unlock()
				c.Enter(mode, ed)
				return nil
			}},
		engine.Command{Syntax: "spanning-tree mst <0-4094>$inst priority <0-61440>$prio", No: true, NoSyntax: "spanning-tree mst <0-4094>$inst priority [<0-61440>$prio]", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				p := -1
				if c.Form == engine.FormPlain {
					if p = a.Int("prio"); p%4096 != 0 {
						return engine.Rejectf("%s", prioErr)
					}
				}
				d.stpEdit(func(cfg *stpConfig) { cfg.mst.setPrio(uint16(a.Int("inst")), p) })
				return nil
			}},
		engine.Command{Syntax: "spanning-tree mst <0-4094>$inst root {primary|secondary}$which", No: true, NoSyntax: "spanning-tree mst <0-4094>$inst root [primary|secondary]$which", Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.mstRoot(uint16(a.Int("inst")), a.String("which"), c.Negated())
				return nil
			}},
		engine.Command{Syntax: "spanning-tree mst {hello-time <1-10>$hello|forward-time <4-30>$fwd|max-age <6-40>$age|max-hops <1-255>$hops}", No: true,
			NoSyntax: "spanning-tree mst {hello-time [<1-10>$hello]|forward-time [<4-30>$fwd]|max-age [<6-40>$age]|max-hops [<1-255>$hops]}", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				plain := c.Form == engine.FormPlain
				d.stpEdit(func(cfg *stpConfig) {
					m := &cfg.mst
					switch {
					case a.Keyword("hello-time"):
						m.hello = ifPlain(plain, a.Int("hello"))
					case a.Keyword("forward-time"):
						m.forward = ifPlain(plain, a.Int("fwd"))
					case a.Keyword("max-age"):
						m.maxAge = ifPlain(plain, a.Int("age"))
					case a.Keyword("max-hops"):
						m.maxHops = ifPlain(plain, a.Int("hops"))
					}
				})
				return nil
			}},
		engine.Command{Syntax: "spanning-tree mst simulate pvst global", No: true, Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.stpEdit(func(cfg *stpConfig) { cfg.mst.noSimul = c.Negated() })
				return nil
			}},
	))
	edit := func(c *engine.Ctx) *stpMSTEdit { ed, _ := c.Frame.Context.(*stpMSTEdit); return ed }
	mh := map[string]string{"name": "Set configuration name", "WORD": "Configuration name", "revision": "Set configuration revision number",
		"<0-65535>": "Configuration revision number", "instance": "Map vlans to an MST instance", "<1-4094>": "MST instance id",
		"vlan": "Range of vlans to add to the instance mapping", "VLANLIST": "vlan range ex: 1-100", "show": "Display region configurations",
		"current": "Display mst configuration currently used", "pending": "Display the new mst configuration to be applied",
		"abort": "Exit region configuration mode, aborting changes", "private-vlan": "Set private-vlan synchronization"}
	must(e.Install(mode,
		engine.Command{Syntax: "name WORD$name", No: true, NoSyntax: "name [WORD$name]", Help: mh,
			Run: func(c *engine.Ctx, a engine.Args) error {
				n := a.String("name")
				if c.Negated() {
					n = ""
				}
				if len(n) > 32 {
					return engine.Rejectf("%% MST configuration name is limited to 32 characters")
				}
				edit(c).cfg.name = n
				return nil
			}},
		engine.Command{Syntax: "revision <0-65535>$rev", No: true, NoSyntax: "revision [<0-65535>$rev]", Help: mh,
			Run: func(c *engine.Ctx, a engine.Args) error {
				edit(c).cfg.revision = ifPlain(c.Form == engine.FormPlain, a.Int("rev"))
				return nil
			}},
		engine.Command{Syntax: "instance <1-4094>$inst vlan VLANLIST$vlans", No: true, NoSyntax: "instance <1-4094>$inst [vlan VLANLIST$vlans]", Help: mh,
			Run: func(c *engine.Ctx, a engine.Args) error {
				m := &edit(c).cfg
				n := uint16(a.Int("inst"))
				if c.Negated() && !a.Has("vlans") {
					delete(m.inst, n)
					return nil
				}
				var vs vlanset.Set
				for _, v := range a.VLANs("vlans") {
					vs.Add(uint16(v))
				}
				if c.Negated() {
					s := m.inst[n]
					s.Minus(vs)
					if s.Len() == 0 {
						delete(m.inst, n)
					} else {
						m.inst[n] = s
					}
					return nil
				}
				if _, ok := m.inst[n]; !ok && len(m.inst) >= 64 {
					return engine.Rejectf("%% Maximum number of MST instances is 64")
				}
				// A VLAN belongs to one instance: mapping it here takes it from another.
				for k, s := range m.inst {
					if k != n {
						s.Minus(vs)
						if s.Len() == 0 {
							delete(m.inst, k)
						} else {
							m.inst[k] = s
						}
					}
				}
				s := m.inst[n]
				s.Union(vs)
				m.inst[n] = s
				return nil
			}},
		engine.Command{Syntax: "show [current|pending]$which", Help: mh,
			Run: func(c *engine.Ctx, a engine.Args) error {
				if a.String("which") == "current" {
					r := d.stp
					r.mu.Lock()
					cur := r.cfg.mst.clone()
					r.mu.Unlock()
					c.Printf("Current MST configuration\n%s", mstConfigText(&cur, false))
					return nil
				}
				c.Printf("Pending MST configuration\n%s", mstConfigText(&edit(c).cfg, false))
				return nil
			}},
		engine.Command{Syntax: "abort", Help: mh,
			Run: func(c *engine.Ctx, a engine.Args) error {
				edit(c).aborted = true
				c.Enter(d.modes.config, nil)
				return nil
			}},
	))
	ifCmds := []engine.Command{
		{Syntax: "spanning-tree mst <0-4094>$inst {cost <1-200000000>$cost|port-priority <0-240>$prio}", No: true,
			NoSyntax: "spanning-tree mst <0-4094>$inst {cost [<1-200000000>$cost]|port-priority [<0-240>$prio]}", Default: true, Help: h,
			Run: func(c *engine.Ctx, a engine.Args) error {
				n := uint16(a.Int("inst"))
				plain := c.Form == engine.FormPlain
				if a.Keyword("port-priority") && plain && a.Int("prio")%16 != 0 {
					return engine.Rejectf("%% Port Priority in increments of 16 is required\n%% Allowed values are:\n  0   16  32  48  64  80  96  112 128 144 160 176 192 208 224 240")
				}
				d.stpEditPorts(c, func(p *stpPortConfig) {
					if a.Keyword("cost") {
						if p.mstCost == nil {
							p.mstCost = map[uint16]uint32{}
						}
						if plain {
							p.mstCost[n] = uint32(a.Int64("cost"))
						} else {
							delete(p.mstCost, n)
						}
						return
					}
					if p.mstPrio == nil {
						p.mstPrio = map[uint16]int{}
					}
					if plain {
						p.mstPrio[n] = a.Int("prio")
					} else {
						delete(p.mstPrio, n)
					}
				})
				return nil
			}},
	}
	must(e.Install(d.modes.ifc, ifCmds...))
	must(e.Install(d.modes.ifRange, ifCmds...))

	sh := map[string]string{"mst": "Multiple spanning trees", "<0-4094>": "MST instance id", "detail": "Detailed information",
		"configuration": "Display region configuration", "digest": "Display digest", "interface": "Spanning Tree interface status and configuration"}
	show := func(f func(a engine.Args) string) engine.Handler {
		return out(func(_ *engine.Ctx, a engine.Args) (string, error) { return f(a), nil })
	}
	must(e.Install(e.ExecMode(),
		engine.Command{Syntax: "show spanning-tree mst [<0-4094>$inst] [detail]$detail", Level: engine.LevelUser, Help: sh,
			Run: show(func(a engine.Args) string {
				return d.showMST(a.Has("inst"), uint16(a.Int("inst")), "", a.Has("detail"))
			})},
		engine.Command{Syntax: "show spanning-tree mst [<0-4094>$inst] interface IFNAME$ifname [detail]$detail", Level: engine.LevelUser, Help: sh,
			Run: show(func(a engine.Args) string {
				return d.showMST(a.Has("inst"), uint16(a.Int("inst")), a.Interface("ifname"), a.Has("detail"))
			})},
		engine.Command{Syntax: "show spanning-tree mst configuration [digest]$digest", Level: engine.LevelUser, Help: sh,
			Run: show(func(a engine.Args) string {
				r := d.stp
				r.mu.Lock()
				cur := r.cfg.mst.clone()
				r.mu.Unlock()
				return mstConfigText(&cur, a.Has("digest"))
			})},
	))
}

func (m *stpMSTConfig) setPrio(n uint16, p int) {
	if m.prio == nil {
		m.prio = map[uint16]int{}
	}
	if p < 0 {
		delete(m.prio, n)
		return
	}
	m.prio[n] = p
}

func (m *stpMSTConfig) priority(n uint16) int {
	if p, ok := m.prio[n]; ok {
		return p
	}
	return stpDefaultPriority
}

// mstRoot is `spanning-tree mst N root primary|secondary`: a priority, as
// for a VLAN (stpRoot).
func (d *Device) mstRoot(n uint16, which string, negated bool) {
	r := d.stp
	r.mu.Lock()
	p := -1
	if !negated {
		p = 28672
		if which == "primary" {
			p = 24576
			if t := r.mstInstance(n); t != nil {
				s := t.Status()
				rootPrio := int(s.Root.Priority()) - int(n)
				if n == 0 {
					rootPrio = int(s.RegionalRoot.Priority())
				}
				if s.Root.MAC() != s.Bridge.MAC() && rootPrio <= 24576 {
					p = max(rootPrio-4096, 0)
				}
			}
		}
	}
	r.cfg.mst.setPrio(n, p)
	r.mu.Unlock()
	r.changed()
}

func (r *stpRunner) mstInstance(n uint16) *stp.Tree {
	if r.mst == nil {
		return nil
	}
	return r.mst.Instance(n)
}

// mstConfigText is `show spanning-tree mst configuration [digest]`.
func mstConfigText(m *stpMSTConfig, digest bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name      [%s]\n", m.name)
	fmt.Fprintf(&b, "Revision  %-5d Instances configured %d\n", m.revision, len(m.inst)+1)
	if digest {
		dg := m.digest()
		fmt.Fprintf(&b, "Digest          0x%X\n", dg[:])
		return b.String()
	}
	b.WriteString("\nInstance  Vlans mapped\n--------  ---------------------------------------------------------------------\n")
	ist := m.istVLANs()
	fmt.Fprintf(&b, "%-9d %s\n", 0, ist.String())
	for _, n := range m.instances() {
		fmt.Fprintf(&b, "%-9d %s\n", n, m.inst[n].String())
	}
	b.WriteString(strings.Repeat("-", 79) + "\n")
	return b.String()
}

// mstGlobalConfig is MST's part of the global running configuration.
func (c *stpConfig) mstGlobalConfig(b *strings.Builder) {
	m := &c.mst
	if m.noSimul {
		b.WriteString("no spanning-tree mst simulate pvst global\n")
	}
	for _, x := range []struct {
		kw string
		v  int
	}{{"hello-time", m.hello}, {"forward-time", m.forward}, {"max-age", m.maxAge}, {"max-hops", m.maxHops}} {
		if x.v != 0 {
			fmt.Fprintf(b, "spanning-tree mst %s %d\n", x.kw, x.v)
		}
	}
	if m.name != "" || m.revision != 0 || len(m.inst) > 0 {
		b.WriteString("!\nspanning-tree mst configuration\n")
		if m.name != "" {
			fmt.Fprintf(b, " name %s\n", m.name)
		}
		if m.revision != 0 {
			fmt.Fprintf(b, " revision %d\n", m.revision)
		}
		for _, n := range m.instances() {
			fmt.Fprintf(b, " instance %d vlan %s\n", n, m.inst[n].String())
		}
	}
	if len(m.prio) > 0 {
		b.WriteString("!\n")
		ns := make([]uint16, 0, len(m.prio))
		for n := range m.prio {
			ns = append(ns, n)
		}
		slices.Sort(ns)
		for _, n := range ns {
			fmt.Fprintf(b, "spanning-tree mst %d priority %d\n", n, m.prio[n])
		}
	}
}

// mstInterfaceConfig is an interface's MST lines.
func (p *stpPortConfig) mstInterfaceConfig(b *strings.Builder) {
	for _, n := range stpVLANKeys(p.mstCost) {
		fmt.Fprintf(b, " spanning-tree mst %d cost %d\n", n, p.mstCost[n])
	}
	for _, n := range stpVLANKeys(p.mstPrio) {
		fmt.Fprintf(b, " spanning-tree mst %d port-priority %d\n", n, p.mstPrio[n])
	}
}

// longCost is the long path-cost method's cost of a port by its speed,
// which MST always uses (IOS: 100 Mb/s 200000, 1 Gb/s 20000, 10 Gb/s 2000).
func longCost(name string) uint32 {
	return uint32(20_000_000_000_000 / ifname.Speed(name))
}

// mstPortConfig is port p's part in instance n: portConfig with the long
// path costs and the `spanning-tree mst N cost|port-priority` overrides.
func (r *stpRunner) mstPortConfig(p *stpPort, n uint16) stp.PortConfig {
	return r.treePortConfig(p, n, longCost(p.name), func(pc *stpPortConfig) (map[uint16]uint32, map[uint16]int) { return pc.mstCost, pc.mstPrio })
}

// mstTimes are the CIST's configured timers.
func (m *stpMSTConfig) times() stp.Times {
	t := stp.DefaultTimes
	if m.hello != 0 {
		t.Hello = time.Duration(m.hello) * time.Second
	}
	if m.forward != 0 {
		t.ForwardDelay = time.Duration(m.forward) * time.Second
	}
	if m.maxAge != 0 {
		t.MaxAge = time.Duration(m.maxAge) * time.Second
	}
	return t
}

func (m *stpMSTConfig) hops() uint8 {
	if m.maxHops != 0 {
		return uint8(m.maxHops)
	}
	return 20
}

// carries reports whether port p carries a VLAN of vs that exists.
func (p *stpPort) carries(vs *vlanset.Set, vlans []uint16) bool {
	for _, v := range vlans {
		if vs.Has(v) && p.member(v) {
			return true
		}
	}
	return false
}

// syncMSTLocked brings the MST bridge up to date with the configuration
// and the ports; in another mode it drops it.
func (r *stpRunner) syncMSTLocked(vlans []uint16, now time.Duration) {
	if !r.running || r.cfg.mode != "mst" {
		if r.mst != nil {
			r.mst = nil
			r.mstApplyLocked(nil)
		}
		return
	}
	m := &r.cfg.mst
	mac := r.d.sw.RouterMAC()
	cist := stp.TreeConfig{Bridge: stp.MakeBridgeID(uint16(m.priority(0)), mac), Times: m.times(), MaxHops: m.hops()}
	if r.mst == nil {
		r.mst = stp.NewMSTBridge(m.region(), cist)
		r.mstDigest = m.region()
	} else {
		if reg := m.region(); reg != r.mstDigest {
			r.mst.SetRegion(reg, now)
			r.mstDigest = reg
		}
		r.mst.SetCIST(cist, now)
	}
	for _, n := range r.mst.Instances()[1:] {
		if _, ok := m.inst[n]; !ok {
			r.mst.RemoveInstance(n)
		}
	}
	for _, n := range m.instances() {
		r.mst.SetInstance(n, stp.TreeConfig{Bridge: stp.MakeBridgeID(uint16(m.priority(n))+n, mac), MaxHops: m.hops()}, now)
	}
	for _, p := range r.ports {
		up := p.up && p.errdis == 0
		r.mst.SetPort(0, p.id(), r.mstPortConfig(p, 0), up, now)
		for _, n := range m.instances() {
			vs := m.inst[n]
			if p.carries(&vs, vlans) {
				r.mst.SetPort(n, p.id(), r.mstPortConfig(p, n), up, now)
			} else {
				r.mst.RemovePort(n, p.id(), now)
			}
		}
	}
	r.mst.Flush(now)
}

// receiveMSTLocked hands a BPDU to the MST bridge: IEEE BPDUs untagged;
// a PVST+ neighbour's SSTP BPDUs make the port a PVST boundary, where
// PVST simulation checks that no VLAN claims a root better than the
// CIST's (else the port blocks: PVST_PEER_INCONSISTENT).
func (r *stpRunner) receiveMSTLocked(p *stpPort, fr stp.Frame, now time.Duration) {
	if fr.Encap == stp.EncapSSTP {
		if r.cfg.mst.noSimul {
			return
		}
		r.mst.SetPeer(p.id(), stp.PeerPVST, now)
		vlan := fr.PVID
		if vlan == 0 {
			vlan = fr.VID
		}
		if vlan <= 1 || fr.BPDU.Type == stp.TypeTCN {
			return // VLAN 1's is the IEEE BPDU's twin
		}
		// IOS's consistency rule: through a designated port (the CIST
		// root on this side) every VLAN's root must be worse than the
		// CIST root; through the root port (the CIST root is VLAN 1's on
		// the PVST side) every VLAN's root must be as good or better.
		cist := r.mst.Instance(0).Status()
		rootPort := cist.RootPort == p.id()
		kind, role := "superior", "designated"
		bad := !rootPort && fr.BPDU.Root < cist.Root
		if rootPort {
			kind, role = "inferior", "root"
			bad = fr.BPDU.Root > cist.Root
		}
		if bad {
			if r.pvstInc == nil {
				r.pvstInc = map[string]time.Duration{}
			}
			if _, on := r.pvstInc[p.name]; !on {
				r.d.sw.Log().Log("SPANTREE", syslog.Critical, "PVSTSIM_FAIL",
					"Blocking %s port %s: Inconsitent %s PVST BPDU received on VLAN %d, claiming root %d:%s",
					role, ifname.Short(p.name), kind, vlan, fr.BPDU.Root.Priority(), fr.BPDU.Root.MACString())
			}
			r.pvstInc[p.name] = now + 3*cist.RootTimes.Hello
		}
		return
	}
	if fr.VID != 0 {
		return // an IEEE BPDU in a tag is no MST bridge's
	}
	r.mst.Receive(p.id(), fr.BPDU, now)
}

// tickMSTLocked ends PVST inconsistencies whose BPDUs stopped.
func (r *stpRunner) tickMSTLocked(now time.Duration) {
	for name, until := range r.pvstInc {
		if now >= until {
			delete(r.pvstInc, name)
			r.d.sw.Log().Log("SPANTREE", syslog.Critical, "PVSTSIM_OK", "PVST Simulation nconsistency cleared on port %s.", name)
		}
	}
	r.mst.Tick(now)
}

// flushMSTLocked sends the MST bridge's BPDUs, logs its events and
// applies each VLAN's state: its instance's state on the port.
func (r *stpRunner) flushMSTLocked(now time.Duration) {
	for _, o := range r.mst.Outbox() {
		r.sendMSTLocked(o)
	}
	for _, e := range r.mst.Events() {
		r.mstEventLocked(e)
	}
	want := map[stpKey]dataplane.STPState{}
	m := &r.cfg.mst
	states := map[uint16]map[int]dataplane.STPState{}
	for _, n := range r.mst.Instances() {
		st := map[int]dataplane.STPState{}
		for _, ps := range r.mst.Instance(n).Status().Ports {
			st[ps.Port] = dataplaneState(ps)
		}
		states[n] = st
	}
	for _, v := range r.d.sw.VLANs() {
		n := m.instanceOf(v.ID)
		for _, p := range r.ports {
			if !p.member(v.ID) {
				continue
			}
			s, ok := states[n][p.id()]
			if !ok || !p.up || p.errdis != 0 {
				s = dataplane.STPBlocking
			}
			if _, inc := r.pvstInc[p.name]; inc {
				s = dataplane.STPBlocking
			}
			want[stpKey{p.name, v.ID}] = s
		}
	}
	r.mstApplyLocked(want)
}

// mstApplyLocked makes the data plane hold want; what it held beyond that
// forwards again.
func (r *stpRunner) mstApplyLocked(want map[stpKey]dataplane.STPState) {
	var changes []dataplane.STPChange
	for k, s := range want {
		if cur, ok := r.applied[k]; !ok || cur != s {
			changes = append(changes, dataplane.STPChange{Port: k.port, VLAN: k.vlan, State: s})
			r.applied[k] = s
		}
	}
	for k, cur := range r.applied {
		if _, ok := want[k]; ok {
			continue
		}
		if cur != dataplane.STPForwarding {
			changes = append(changes, dataplane.STPChange{Port: k.port, VLAN: k.vlan, State: dataplane.STPForwarding})
		}
		delete(r.applied, k)
	}
	if len(changes) > 0 {
		if err := r.d.sw.SetSTPStates(changes); err != nil {
			r.d.sw.Log().Log("SPANTREE", syslog.Error, "INTERNAL", "cannot apply port states: %v", err)
		}
	}
}

// sendMSTLocked frames one BPDU: untagged IEEE; toward a PVST+ neighbour
// (PVST simulation) the CIST's BPDU goes as well in every VLAN's SSTP
// BPDU the port carries, as a Rapid PVST+ or PVST+ bridge expects it.
func (r *stpRunner) sendMSTLocked(o stp.Out) {
	p := r.portAt(o.Port)
	if p == nil || !p.up || p.errdis != 0 || r.bpdufilter(p) {
		return
	}
	var src [6]byte
	mac := r.d.portMAC(p.index - 1)
	copy(src[:], mac[:])
	send := func(f []byte) {
		if r.txHook != nil {
			r.txHook(p.name, f)
		}
		_ = r.d.sw.SendFrame(p.st.ID, f)
	}
	r.buf = stp.AppendFrame(r.buf[:0], stp.EncapIEEE, src, 0, 0, o.BPDU)
	send(r.buf)
	if r.mst.Peer(o.Port) != stp.PeerPVST || p.mode != dataplane.ModeTrunk || r.cfg.mst.noSimul || o.BPDU.Type == stp.TypeTCN {
		return
	}
	b := o.BPDU
	b.MST = nil
	if b.Version > stp.VersionRSTP {
		b.Version = stp.VersionRSTP
	}
	for _, v := range r.d.sw.VLANs() {
		if !p.allowed.Has(v.ID) {
			continue
		}
		var tag uint16
		if v.ID != p.native {
			tag = v.ID
		}
		r.buf = stp.AppendFrame(r.buf[:0], stp.EncapSSTP, src, tag, v.ID, b)
		send(r.buf)
	}
}

// mstEventLocked logs an instance's event and flushes on a topology change.
func (r *stpRunner) mstEventLocked(e stp.InstanceEvent) {
	log := r.d.sw.Log()
	p := r.portAt(e.Port)
	name := ""
	if p != nil {
		name = p.name
	}
	t := r.mst.Instance(e.Instance)
	if t == nil {
		return
	}
	switch e.Kind {
	case stp.EventNewRoot:
		s := t.Status()
		if s.RootPort >= 0 && p != nil {
			log.Log("SPANTREE", syslog.Notice, "ROOTCHANGE", "Root Changed for MST%d: New Root Port is %s. New Root Mac Address is %s", e.Instance, name, s.Root.MACString())
		}
	case stp.EventTopology:
		// Flush what was learned on the other non-edge ports, in the
		// instance's VLANs (the CIST: all of them, a change at the
		// boundary reaches every instance).
		m := &r.cfg.mst
		var vs vlanset.Set
		if e.Instance == 0 {
			vs = vlanset.All()
		} else {
			vs = m.inst[e.Instance]
		}
		vlans := r.d.sw.VLANs()
		for _, ps := range t.Status().Ports {
			q := r.portAt(ps.Port)
			if q == nil || ps.Port == e.Port || ps.Edge {
				continue
			}
			for _, v := range vlans {
				if vs.Has(v.ID) && q.member(v.ID) {
					_, _ = r.d.sw.ClearDynamicMACs(dataplane.MACFilter{VLAN: v.ID, Port: q.name, DynamicOnly: true})
				}
			}
		}
	case stp.EventRootGuard, stp.EventLoopGuard:
		kind := "ROOTGUARD_"
		what := "Root"
		if e.Kind == stp.EventLoopGuard {
			kind, what = "LOOPGUARD_", "Loop"
		}
		word, verb := "BLOCK", "blocking"
		if !e.On {
			word, verb = "UNBLOCK", "unblocking"
		}
		log.Log("SPANTREE", syslog.Critical, kind+word, "%s guard %s port %s on MST%d.", what, verb, name, e.Instance)
	}
}

// mstViews are the MST instances as the shows read them.
func (r *stpRunner) mstViewsLocked() []stpView {
	var out []stpView
	for _, n := range r.mst.Instances() {
		t := r.mst.Instance(n)
		sv := stpView{vlan: n, mst: true, s: t.Status(), rapid: true, names: map[int]string{}, nums: map[int]int{}, peers: map[int]stp.Peer{}}
		if n == 0 {
			sv.vlans = r.cfg.mst.istVLANs()
		} else {
			sv.vlans = r.cfg.mst.inst[n]
		}
		for _, p := range r.ports {
			sv.names[p.id()], sv.nums[p.id()] = p.name, p.index
			sv.peers[p.id()] = r.mst.Peer(p.id())
			if _, inc := r.pvstInc[p.name]; inc {
				sv.pvstInc = append(sv.pvstInc, p.id())
			}
		}
		out = append(out, sv)
	}
	return out
}

// mstType is the Type column of an MST port.
func mstType(v stpView, ps stp.PortStatus) string {
	t := "P2p"
	if ps.Edge {
		t += " Edge"
	}
	switch v.peers[ps.Port] {
	case stp.PeerSTP:
		t += " Bound(STP)"
	case stp.PeerRSTP, stp.PeerRegion:
		t += " Bound(RSTP)"
	case stp.PeerPVST:
		t += " Bound(PVST)"
	}
	if slices.Contains(v.pvstInc, ps.Port) {
		t += " *PVST_Inc"
	}
	if ps.RootInconsistent {
		t += " *ROOT_Inc"
	}
	if ps.LoopInconsistent {
		t += " *LOOP_Inc"
	}
	return t
}

// showMST is `show spanning-tree mst [N] [interface IF] [detail]`.
func (d *Device) showMST(one bool, inst uint16, ifc string, detail bool) string {
	views := d.stpViews()
	if len(views) == 0 || !views[0].mst {
		return "Switch is not in mst mode\n"
	}
	if one {
		views = slices.DeleteFunc(views, func(v stpView) bool { return v.vlan != inst })
		if len(views) == 0 {
			return fmt.Sprintf("%% Invalid MST instance %d\n", inst)
		}
	}
	r := d.stp
	r.mu.Lock()
	cfg := r.cfg.mst.clone()
	r.mu.Unlock()
	var b strings.Builder
	for _, v := range views {
		s := v.s
		fmt.Fprintf(&b, "\n##### MST%d    vlans mapped:   %s\n", v.vlan, v.vlans.String())
		prio := int(s.Bridge.Priority())
		fmt.Fprintf(&b, "Bridge        address %s  priority      %d (%d sysid %d)\n", s.Bridge.MACString(), prio, prio-int(v.vlan), v.vlan)
		if v.vlan == 0 {
			switch {
			case s.Root == s.Bridge:
				b.WriteString("Root          this switch for the CIST\n")
			default:
				rp := int(s.Root.Priority())
				fmt.Fprintf(&b, "Root          address %s  priority      %d (%d sysid %d)\n", s.Root.MACString(), rp, rp&0xf000, rp&0x0fff)
				port := "none"
				if s.RootPort >= 0 {
					port = ifname.Short(v.names[s.RootPort])
				}
				fmt.Fprintf(&b, "              port    %-16s path cost     %d\n", port, s.RootCost)
			}
			if s.RegionalRoot == s.Bridge {
				if s.Root != s.Bridge {
					b.WriteString("Regional Root this switch\n")
				}
			} else {
				rr := int(s.RegionalRoot.Priority())
				fmt.Fprintf(&b, "Regional Root address %s  priority      %d (%d sysid %d)\n", s.RegionalRoot.MACString(), rr, rr&0xf000, rr&0x0fff)
				fmt.Fprintf(&b, "                                             internal cost %-9d rem hops %d\n", s.InternalCost, s.Hops)
			}
			rt, ct := s.RootTimes, cfg.times()
			fmt.Fprintf(&b, "Operational   hello time %d , forward delay %d, max age %d, txholdcount 6\n", wholeSeconds(rt.Hello), wholeSeconds(rt.ForwardDelay), wholeSeconds(rt.MaxAge))
			fmt.Fprintf(&b, "Configured    hello time %d , forward delay %d, max age %d, max hops    %d\n", wholeSeconds(ct.Hello), wholeSeconds(ct.ForwardDelay), wholeSeconds(ct.MaxAge), cfg.hops())
		} else if s.RootPort < 0 {
			fmt.Fprintf(&b, "Root          this switch for MST%d\n", v.vlan)
		} else {
			rp := int(s.Root.Priority())
			fmt.Fprintf(&b, "Root          address %s  priority      %d (%d sysid %d)\n", s.Root.MACString(), rp, rp&0xf000, rp&0x0fff)
			fmt.Fprintf(&b, "              port    %-16s cost          %-9d rem hops %d\n", ifname.Short(v.names[s.RootPort]), s.RootCost, s.Hops)
		}
		if detail {
			for _, ps := range s.Ports {
				if ifc != "" && v.names[ps.Port] != ifc {
					continue
				}
				name := v.names[ps.Port]
				fmt.Fprintf(&b, "\n%s of MST%d is %s %s\n", name, v.vlan, roleWord(ps), ps.State.String())
				fmt.Fprintf(&b, "Port info             port id         %s  priority %4d  cost  %9d\n", portID(ps.Config.ID), ps.Config.ID>>8, ps.Config.Cost)
				fmt.Fprintf(&b, "Designated root       address %s  priority %5d  cost  %9d\n", ps.DesignatedRoot.MACString(), ps.DesignatedRoot.Priority(), ps.DesignatedCost)
				fmt.Fprintf(&b, "Designated bridge     address %s  priority %5d  port id %s\n", ps.DesignatedBridge.MACString(), ps.DesignatedBridge.Priority(), portID(ps.DesignatedPort))
				fmt.Fprintf(&b, "Timers: message expires in 0 sec, forward delay 0, forward transitions %d\n", ps.ToForwarding)
				fmt.Fprintf(&b, "Bpdus sent %d, received %d\n", ps.Sent, ps.Received)
			}
			continue
		}
		b.WriteString("\nInterface        Role Sts Cost      Prio.Nbr Type\n---------------- ---- --- --------- -------- --------------------------------\n")
		for _, ps := range s.Ports {
			if ifc != "" && v.names[ps.Port] != ifc {
				continue
			}
			fmt.Fprintf(&b, "%-16s %-4s %s%-9d %-8s %s\n", ifname.Short(v.names[ps.Port]), stpRoleShort(ps), v.stsCol(ps), ps.Config.Cost, portID(ps.Config.ID), mstType(v, ps))
		}
	}
	return b.String()
}

// stsCol is the Sts column; PVST simulation's block is "BKN*" as well.
func (v stpView) stsCol(ps stp.PortStatus) string {
	if slices.Contains(v.pvstInc, ps.Port) {
		return "BKN*"
	}
	return stpStsCol(ps)
}
