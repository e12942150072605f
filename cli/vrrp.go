package cli

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/vrrp"
)

// This file holds the VRRP speaker's configuration and show commands: the
// classic IOS `vrrp N ...` lines of interface Vlan configuration, the
// global `fhrp version vrrp v3` that switches every group to VRRPv3 (as
// IOS 15.x and IOS-XE do), their running-config lines, and `show vrrp
// [all|brief] [interface IF [brief]]` in the classic (v2) and the unified
// (v3) layouts. The protocol runs in vrrp_run.go.

// vrrpKey names a group: its SVI's VLAN and its VRID.
type vrrpKey struct {
	vlan uint16
	vrid uint8
}

// vrrpGroupConfig is what the `vrrp N ...` lines of one group say.
type vrrpGroupConfig struct {
	description  string
	ip           netip.Addr // `vrrp N ip A`; invalid until set
	secondaries  []netip.Addr
	priority     int // 0: the default, 100
	noPreempt    bool
	preemptDelay int           // seconds
	interval     time.Duration // 0: the default, 1 s
	msec         bool          // the interval was given in msec
	learn        bool
	authText     string
}

// Defaults of a group.
const (
	vrrpDefaultPriority = 100
	vrrpDefaultInterval = time.Second
)

func (c *vrrpGroupConfig) prio() int          { return cmp.Or(c.priority, vrrpDefaultPriority) }
func (c *vrrpGroupConfig) adv() time.Duration { return cmp.Or(c.interval, vrrpDefaultInterval) }

// vrrpGroup is one group: its configuration and, once the runner started
// it, its state machine.
type vrrpGroup struct {
	vlan uint16 // kept for the resignation of a removed group
	cfg  vrrpGroupConfig
	r    *vrrp.Router
}

// vrrpSpeaker is the device's VRRP: the groups, the version, the receive
// counters. Guarded by mu; the runner (vrrp_run.go) and the commands both
// take it.
type vrrpSpeaker struct {
	mu      sync.Mutex
	v3      bool // `fhrp version vrrp v3`
	groups  map[vrrpKey]*vrrpGroup
	removed []*vrrpGroup // groups deleted while running: the runner resigns them
	dirty   bool         // the configuration changed since the runner last looked

	// Receive counters: adverts not decoded (bad checksum or length, CARP
	// sharing the protocol number), for no configured group, and our own
	// coming back; frames lost because the runner's queue was full.
	rxInvalid, rxNoGroup, rxOwn uint64
	rxQueueFull                 atomic.Uint64 // counted by the control handler, which must not wait for mu
}

func newVRRPSpeaker() *vrrpSpeaker { return &vrrpSpeaker{groups: map[vrrpKey]*vrrpGroup{}} }

// vrrpHelp is the `?` text of the vrrp family.
var vrrpHelp = map[string]string{
	"vrrp": "VRRP Interface configuration commands", "<1-255>": "Group number",
	"ip": "Enable Virtual Router Redundancy Protocol (VRRP) for IP", "$vip": "Virtual IP address",
	"secondary": "Specify an additional VRRP address for this group",
	"priority":  "Priority of this VRRP group", "<1-254>": "Priority level",
	"preempt": "Enable preemption of lower priority Master", "delay": "Wait before preempting",
	"minimum": "Delay at least this long", "<0-3600>": "Seconds to delay",
	"timers": "Set the VRRP timers", "advertise": "Set the advertisement timer",
	"$sec": "Advertisement interval in seconds", "msec": "Specify advertisement interval in milliseconds",
	"$ms": "Advertisement interval in milliseconds", "learn": "Learn advertisement interval from the master",
	"description": "Group specific description", "LINE": "Up to 80 characters describing this group",
	"authentication": "Authentication string", "text": "Clear text authentication string",
	"WORD": "Authentication string (8 characters maximum)",
	"fhrp": "Configure First Hop Redundancy Protocol (FHRP)", "version": "Set FHRP version",
	"v3": "VRRP version 3",
}

// setAddress makes ip the group's primary address or adds it to its
// secondaries, as both VRRP syntaxes (`vrrp N ip`, `address`) do.
func (g *vrrpGroupConfig) setAddress(ip netip.Addr, secondary bool) error {
	if !secondary {
		g.secondaries = slices.DeleteFunc(g.secondaries, func(s netip.Addr) bool { return s == ip })
		g.ip = ip
		return nil
	}
	if ip == g.ip {
		return engine.Rejectf("%% Address %s is already the primary VRRP address of this group", ip)
	}
	if !slices.Contains(g.secondaries, ip) {
		g.secondaries = append(g.secondaries, ip)
		slices.SortFunc(g.secondaries, netip.Addr.Compare)
	}
	return nil
}

// installVRRP adds the VRRP commands to the engine.
func (d *Device) installVRRP() {
	d.vrrp = newVRRPSpeaker()
	e := d.eng
	grp := "vrrp <1-255>$grp "
	must(e.Install(d.modes.svi,
		engine.Command{Syntax: grp + "ip A.B.C.D$vip [secondary]", No: true, NoSyntax: grp + "ip [A.B.C.D$vip [secondary]]",
			Help: vrrpHelp, Run: d.vrrpEdit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				ip := a.IP("vip")
				sec := a.Keyword("secondary")
				switch {
				case c.Negated() && !a.Has("vip"):
					g.ip, g.secondaries = netip.Addr{}, nil
					return nil
				case c.Negated() && sec:
					g.secondaries = slices.DeleteFunc(g.secondaries, func(s netip.Addr) bool { return s == ip })
					return nil
				case c.Negated():
					if g.ip == ip {
						g.ip = netip.Addr{}
					}
					return nil
				}
				return g.setAddress(ip, sec)
			})},
		engine.Command{Syntax: grp + "priority <1-254>$prio", No: true, Default: true, NoSyntax: grp + "priority [<1-254>$prio]",
			DefaultSyntax: grp + "priority [<1-254>$prio]",
			Help:          vrrpHelp, Run: d.vrrpEdit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				g.priority = plainInt(c, a, "prio")
				return nil
			})},
		engine.Command{Syntax: grp + "preempt [delay minimum <0-3600>$delay]", No: true, Default: true,
			Help: vrrpHelp, Run: d.vrrpEdit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				// Preemption is on by default in VRRP: `no` turns it off,
				// `default` and the plain form turn it back on.
				g.noPreempt = c.Negated()
				g.preemptDelay = plainInt(c, a, "delay")
				return nil
			})},
		engine.Command{Syntax: grp + "timers advertise {<1-255>$sec|msec <50-999>$ms}", No: true, Default: true,
			NoSyntax: grp + "timers advertise [<1-255>$sec|msec <50-999>$ms]", DefaultSyntax: grp + "timers advertise [<1-255>$sec|msec <50-999>$ms]",
			Help: vrrpHelp, Run: d.vrrpEdit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				g.interval, g.msec = 0, false
				if c.Form != engine.FormPlain {
					return nil
				}
				if a.Has("ms") {
					g.interval, g.msec = time.Duration(a.Int("ms"))*time.Millisecond, true
				} else {
					g.interval = time.Duration(a.Int("sec")) * time.Second
				}
				return nil
			})},
		engine.Command{Syntax: grp + "timers learn", No: true, Default: true,
			Help: vrrpHelp, Run: d.vrrpEdit(func(c *engine.Ctx, _ engine.Args, g *vrrpGroupConfig) error {
				g.learn = c.Form == engine.FormPlain
				return nil
			})},
		engine.Command{Syntax: grp + "description LINE", No: true, NoSyntax: grp + "description [LINE]",
			Help: vrrpHelp, Run: d.vrrpEdit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
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
		engine.Command{Syntax: grp + "authentication text WORD$key", No: true, NoSyntax: grp + "authentication [text [WORD$key]]",
			Help: vrrpHelp, Run: d.vrrpEdit(func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error {
				if c.Negated() {
					g.authText = ""
					return nil
				}
				key := a.String("key")
				if len(key) > 8 {
					return engine.Rejectf("%% Authentication string too long (8 characters maximum)")
				}
				g.authText = key
				return nil
			})},
		engine.Command{Syntax: "no vrrp <1-255>$grp", Help: vrrpHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.vrrpRemove(vrrpKey{vlan: sviVLAN(c), vrid: uint8(a.Int("grp"))})
				return nil
			}},
	))
	must(e.Install(d.modes.config,
		engine.Command{Syntax: "fhrp version vrrp v3", No: true, Default: true, Help: vrrpHelp,
			Run: func(c *engine.Ctx, _ engine.Args) error {
				s := d.vrrp
				s.mu.Lock()
				defer s.mu.Unlock()
				s.v3, s.dirty = c.Form == engine.FormPlain, true
				return nil
			}},
	))
	d.installVRRPv3() // vrrp_v3.go
	showHelp := map[string]string{"vrrp": "VRRP information", "all": "Include groups in disabled state",
		"brief": "Brief output", "interface": "VRRP interface status and configuration"}
	must(e.Install(e.ExecMode(),
		engine.Command{Syntax: "show vrrp [all|brief]$view", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				return d.showVRRP(0, a.String("view") == "brief", d.opts.Now()), nil
			})},
		engine.Command{Syntax: "show vrrp [brief]$view interface IFNAME$ifname [brief]$view2", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				vlan, ok := ifname.ParseSVI(a.Interface("ifname"))
				if !ok {
					return "", nil // VRRP runs on SVIs only: nothing to show on a port
				}
				return d.showVRRP(vlan, a.Has("view") || a.Has("view2"), d.opts.Now()), nil
			})},
	))
}

// vrrpEdit wraps an edit of one group's configuration: the group is made
// by its first line, as IOS does; a refused edit changes nothing.
func (d *Device) vrrpEdit(edit func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error) engine.Handler {
	return func(c *engine.Ctx, a engine.Args) error {
		return d.vrrpEditGroup(c, a, vrrpKey{vlan: sviVLAN(c), vrid: uint8(a.Int("grp"))}, edit)
	}
}

// vrrpEditGroup applies edit to group k (see vrrpEdit).
func (d *Device) vrrpEditGroup(c *engine.Ctx, a engine.Args, k vrrpKey, edit func(c *engine.Ctx, a engine.Args, g *vrrpGroupConfig) error) error {
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[k]
	if g == nil && c.Form != engine.FormPlain {
		return nil // `no vrrp 5 priority` of a group that does not exist
	}
	var cfg vrrpGroupConfig
	if g != nil {
		cfg = g.cfg
		cfg.secondaries = slices.Clone(cfg.secondaries)
	}
	if err := edit(c, a, &cfg); err != nil {
		return err
	}
	if g == nil {
		g = &vrrpGroup{vlan: k.vlan}
		s.groups[k] = g
	}
	g.cfg = cfg
	s.dirty = true
	return nil
}

// vrrpRemove deletes a group; a running one resigns first (the runner
// sends its priority-0 advert and gives back the virtual addresses).
func (d *Device) vrrpRemove(k vrrpKey) {
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[k]
	if g == nil {
		return
	}
	delete(s.groups, k)
	if g.r != nil {
		if st, _ := g.r.State(); st != vrrp.Init {
			s.removed = append(s.removed, g)
		}
	}
	s.dirty = true
}

// dropSVIVRRP deletes the groups of an SVI that is deleted.
func (d *Device) dropSVIVRRP(vlan uint16) {
	for _, k := range d.vrrpKeys(vlan) {
		d.vrrpRemove(k)
	}
}

// vrrpKeys lists the groups (of vlan, or all for 0) in show order.
func (d *Device) vrrpKeys(vlan uint16) []vrrpKey {
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keysLocked(vlan)
}

func (s *vrrpSpeaker) keysLocked(vlan uint16) []vrrpKey {
	var ks []vrrpKey
	for k := range s.groups {
		if vlan == 0 || k.vlan == vlan {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, func(a, b vrrpKey) int {
		return cmp.Or(cmp.Compare(a.vlan, b.vlan), cmp.Compare(a.vrid, b.vrid))
	})
	return ks
}

// vrrpGlobalConfig is the `fhrp version vrrp v3` line, closed by "!".
func (d *Device) vrrpGlobalConfig() string {
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.v3 {
		return ""
	}
	return "fhrp version vrrp v3\n!\n"
}

// vrrpConfig renders the vrrp lines of SVI vlan in IOS order.
func (d *Device) vrrpConfig(vlan uint16) string {
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, k := range s.keysLocked(vlan) {
		c := s.groups[k].cfg
		if s.v3 {
			vrrpV3Stanza(&b, k.vrid, c) // vrrp_v3.go
			continue
		}
		p := fmt.Sprintf(" vrrp %d ", k.vrid)
		if c.description != "" {
			b.WriteString(p + "description " + c.description + "\n")
		}
		if c.ip.IsValid() {
			b.WriteString(p + "ip " + c.ip.String() + "\n")
		}
		for _, ip := range c.secondaries {
			b.WriteString(p + "ip " + ip.String() + " secondary\n")
		}
		switch {
		case c.msec:
			fmt.Fprintf(&b, "%stimers advertise msec %d\n", p, c.interval/time.Millisecond)
		case c.interval != 0 && c.interval != vrrpDefaultInterval:
			fmt.Fprintf(&b, "%stimers advertise %d\n", p, c.interval/time.Second)
		}
		if c.learn {
			b.WriteString(p + "timers learn\n")
		}
		if c.priority != 0 && c.priority != vrrpDefaultPriority {
			fmt.Fprintf(&b, "%spriority %d\n", p, c.priority)
		}
		switch {
		case c.noPreempt:
			fmt.Fprintf(&b, " no vrrp %d preempt\n", k.vrid)
		case c.preemptDelay > 0:
			fmt.Fprintf(&b, "%spreempt delay minimum %d\n", p, c.preemptDelay)
		}
		if c.authText != "" {
			b.WriteString(p + "authentication text " + c.authText + "\n")
		}
	}
	return b.String()
}

// vrrpView is what show renders of one group, taken under the lock.
type vrrpView struct {
	key      vrrpKey
	cfg      vrrpGroupConfig
	v3       bool
	state    vrrp.State
	since    time.Time
	priority int // in effect: 255 for the owner
	owner    bool
	master   netip.Addr
	mprio    uint8
	mIv      time.Duration // the master's advertisement interval
	mdi      time.Duration
	downAt   time.Time // Backup: when the master is declared down
	nextAdv  time.Time // Master: next advert
	local    bool
}

func (d *Device) vrrpViews(vlan uint16) []vrrpView {
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	var vs []vrrpView
	for _, k := range s.keysLocked(vlan) {
		g := s.groups[k]
		v := vrrpView{key: k, cfg: g.cfg, v3: s.v3, priority: g.cfg.prio(), mIv: g.cfg.adv()}
		c := vrrp.Config{Version: 2, Priority: uint8(v.priority)}
		if s.v3 {
			c.Version = 3
		}
		v.mdi = c.MasterDownInterval(v.mIv)
		if g.r != nil {
			rc := g.r.Config()
			v.state, v.since = g.r.State()
			v.priority = int(rc.Priority)
			v.owner = rc.Priority == vrrp.PriorityOwner
			v.master, v.mprio = g.r.Master()
			v.mIv, v.mdi, v.downAt = g.r.MasterInterval(), g.r.MasterDownInterval(), g.r.MasterDownAt()
			v.nextAdv = g.r.Next()
			v.local = v.state == vrrp.Master
		}
		vs = append(vs, v)
	}
	return vs
}

// showVRRP is `show vrrp` (brief or not) for vlan's groups, or all.
func (d *Device) showVRRP(vlan uint16, brief bool, now time.Time) string {
	vs := d.vrrpViews(vlan)
	if len(vs) == 0 {
		return ""
	}
	if brief {
		if vs[0].v3 {
			return vrrpBriefV3(vs, now)
		}
		return vrrpBriefV2(vs)
	}
	var b strings.Builder
	for _, v := range vs {
		if v.v3 {
			vrrpDetailV3(&b, v, now)
		} else {
			vrrpDetailV2(&b, v, now)
		}
	}
	return b.String()
}

// secs is an interval as classic IOS writes it: 3.570 (seconds, ms precision).
func secs(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// vrrpDetailV2 is one group of classic `show vrrp`.
func vrrpDetailV2(b *strings.Builder, v vrrpView, now time.Time) {
	fmt.Fprintf(b, "%s - Group %d\n", ifname.SVI(v.key.vlan), v.key.vrid)
	if v.cfg.description != "" {
		fmt.Fprintf(b, "  %s\n", v.cfg.description)
	}
	fmt.Fprintf(b, "  State is %s\n", v.state)
	vrrpAddrs(b, v)
	fmt.Fprintf(b, "  Virtual MAC address is %s\n", packet.MAC(vrrp.VirtualMAC(v.key.vrid)))
	fmt.Fprintf(b, "  Advertisement interval is %s sec\n", secs(v.cfg.adv()))
	b.WriteString(vrrpPreemption(v.cfg))
	fmt.Fprintf(b, "  Priority is %d\n", v.priority)
	if v.cfg.authText != "" {
		fmt.Fprintf(b, "  Authentication text, string \"%s\"\n", v.cfg.authText)
	}
	switch {
	case !v.master.IsValid():
		b.WriteString("  Master Router is unknown, priority is unknown\n")
	case v.local:
		fmt.Fprintf(b, "  Master Router is %s (local), priority is %d\n", v.master, v.mprio)
	default:
		fmt.Fprintf(b, "  Master Router is %s, priority is %d\n", v.master, v.mprio)
	}
	fmt.Fprintf(b, "  Master Advertisement interval is %s sec", secs(v.mIv))
	if v.cfg.learn && v.state == vrrp.Backup && v.master.IsValid() {
		b.WriteString(" (learned)")
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "  Master Down interval is %s sec", secs(v.mdi))
	if v.state == vrrp.Backup && !v.downAt.IsZero() {
		fmt.Fprintf(b, " (expires in %s sec)", secs(max(0, v.downAt.Sub(now))))
	}
	b.WriteString("\n\n")
}

// vrrpAddrs writes the virtual address lines.
func vrrpAddrs(b *strings.Builder, v vrrpView) {
	if v.cfg.ip.IsValid() {
		fmt.Fprintf(b, "  Virtual IP address is %s\n", v.cfg.ip)
	} else {
		b.WriteString("  Virtual IP address is no address\n")
	}
	if len(v.cfg.secondaries) > 0 {
		b.WriteString("  Virtual secondary IP addresses:\n")
		for _, ip := range v.cfg.secondaries {
			fmt.Fprintf(b, "    %s\n", ip)
		}
	}
}

func vrrpPreemption(c vrrpGroupConfig) string {
	switch {
	case c.noPreempt:
		return "  Preemption disabled\n"
	case c.preemptDelay > 0:
		return fmt.Sprintf("  Preemption enabled, delay min %d secs\n", c.preemptDelay)
	}
	return "  Preemption enabled\n"
}

// v3State is a state as the unified VRRP code writes it: MASTER, BACKUP, INIT.
func v3State(s vrrp.State) string { return strings.ToUpper(s.String()) }

// duration is a state duration as IOS-XE writes it: "37 mins 23.080 secs".
func duration(d time.Duration) string {
	ms := d.Milliseconds()
	m, s := ms/60000, ms%60000
	if m == 0 {
		return fmt.Sprintf("%d.%03d secs", s/1000, s%1000)
	}
	return fmt.Sprintf("%d mins %d.%03d secs", m, s/1000, s%1000)
}

// vrrpDetailV3 is one group of unified `show vrrp` (VRRPv3).
func vrrpDetailV3(b *strings.Builder, v vrrpView, now time.Time) {
	fmt.Fprintf(b, "%s - Group %d - Address-Family IPv4\n", ifname.SVI(v.key.vlan), v.key.vrid)
	if v.cfg.description != "" {
		fmt.Fprintf(b, "  %s\n", v.cfg.description)
	}
	fmt.Fprintf(b, "  State is %s\n", v3State(v.state))
	if !v.since.IsZero() {
		fmt.Fprintf(b, "  State duration %s\n", duration(now.Sub(v.since)))
	}
	vrrpAddrs(b, v)
	fmt.Fprintf(b, "  Virtual MAC address is %s\n", strings.ToUpper(packet.MAC(vrrp.VirtualMAC(v.key.vrid)).String()))
	fmt.Fprintf(b, "  Advertisement interval is %d msec\n", v.cfg.adv().Milliseconds())
	b.WriteString(vrrpPreemption(v.cfg))
	fmt.Fprintf(b, "  Priority is %d\n", v.priority)
	switch v.state {
	case vrrp.Master:
		fmt.Fprintf(b, "  Master Router is %s (local), priority is %d\n", v.master, v.mprio)
		fmt.Fprintf(b, "  Master Advertisement interval is %d msec (expires in %d msec)\n",
			v.mIv.Milliseconds(), max(0, v.nextAdv.Sub(now)).Milliseconds())
		b.WriteString("  Master Down interval is unknown\n")
	case vrrp.Backup:
		if v.master.IsValid() {
			fmt.Fprintf(b, "  Master Router is %s, priority is %d\n", v.master, v.mprio)
			fmt.Fprintf(b, "  Master Advertisement interval is %d msec (learned)\n", v.mIv.Milliseconds())
		} else {
			b.WriteString("  Master Router is unknown, priority is unknown\n")
			fmt.Fprintf(b, "  Master Advertisement interval is %d msec\n", v.mIv.Milliseconds())
		}
		fmt.Fprintf(b, "  Master Down interval is %d msec (expires in %d msec)\n",
			v.mdi.Milliseconds(), max(0, v.downAt.Sub(now)).Milliseconds())
	default:
		b.WriteString("  Master Router is unknown, priority is unknown\n")
		b.WriteString("  Master Advertisement interval is unknown\n")
		b.WriteString("  Master Down interval is unknown\n")
	}
	b.WriteString("\n")
}

// briefMaster is the Master addr column: the master, or the speaker's own
// address while it is master, "unknown" before any.
func (v vrrpView) briefMaster() string {
	if !v.master.IsValid() {
		return "unknown"
	}
	return v.master.String()
}

func (v vrrpView) groupAddr() string {
	if !v.cfg.ip.IsValid() {
		return "unknown"
	}
	return v.cfg.ip.String()
}

func yn(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// vrrpBriefV2 is classic `show vrrp brief`.
func vrrpBriefV2(vs []vrrpView) string {
	var b strings.Builder
	b.WriteString("Interface          Grp Pri Time  Own Pre State   Master addr     Group addr\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "%-19s%-4d%-4d%-6d%-4s %-3s%-8s%-16s%-15s\n", ifname.Short(ifname.SVI(v.key.vlan)), v.key.vrid,
			v.priority, v.mdi.Milliseconds(), yn(v.owner, "Y", ""), yn(!v.cfg.noPreempt, "Y", "N"),
			v.state, v.briefMaster(), v.groupAddr())
	}
	return b.String()
}

// vrrpBriefV3 is unified `show vrrp brief`.
func vrrpBriefV3(vs []vrrpView, now time.Time) string {
	var b strings.Builder
	b.WriteString("  Interface          Grp  A-F Pri  Time Own Pre State   Master addr/Group addr\n")
	for _, v := range vs {
		t := int64(0)
		if v.state != vrrp.Master {
			t = v.mdi.Milliseconds()
		}
		m := v.briefMaster()
		if v.local {
			m += "(local)"
		}
		fmt.Fprintf(&b, "  %-19s%3d%5s%4d%6d%3s%4s  %-8s%s %s\n", ifname.Short(ifname.SVI(v.key.vlan)), v.key.vrid, "IPv4",
			v.priority, t, yn(v.owner, "Y", "N"), yn(!v.cfg.noPreempt, "Y", "N"), v3State(v.state), m, v.groupAddr())
	}
	return b.String()
}
