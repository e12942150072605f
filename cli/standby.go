package cli

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/hsrp"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// This file holds HSRP's configuration: the `standby` commands of
// interface Vlan configuration, the global `track N interface IF
// line-protocol` objects they can follow, and their running-config lines.
// The protocol itself is package hsrp; standby_run.go binds it to the
// switch, standby_show.go renders `show standby`.

// hsrpGroupConf is one `standby N ...` group as configured.
type hsrpGroupConf struct {
	ipSet     bool       // `standby N ip` typed, with or without an address
	ip        netip.Addr // invalid: learned from the active router
	secondary []netip.Addr
	priority  int // -1: the default (100)
	preempt   bool
	delay     int // preempt delay minimum, seconds
	// Timers as typed: each in seconds or in msec.
	timersSet           bool
	hello, hold         time.Duration
	helloMsec, holdMsec bool
	auth                hsrp.Auth
	tracks              []hsrpTrack // by object number
	name                string
	mac                 packet.MAC // zero: the version's default
}

// hsrpTrack is `standby N track OBJ [decrement D]`.
type hsrpTrack struct {
	object    int
	decrement int // 0: the default (10)
}

const defaultTrackDecrement = 10

func (t hsrpTrack) dec() int {
	if t.decrement == 0 {
		return defaultTrackDecrement
	}
	return t.decrement
}

// hsrpSVIConf is the HSRP configuration of one SVI.
type hsrpSVIConf struct {
	version int // 1 or 2
	groups  map[uint16]*hsrpGroupConf
}

// hsrpState is the HSRP configuration and the running groups of a Device.
type hsrpState struct {
	mu     sync.Mutex
	svis   map[uint16]*hsrpSVIConf
	tracks map[int]string // track object -> interface (line-protocol)
	run    *hsrpRunner    // standby_run.go; guarded by mu
	wake   chan struct{}  // a configuration change for the runner
}

func newHSRPState() *hsrpState {
	return &hsrpState{svis: map[uint16]*hsrpSVIConf{}, tracks: map[int]string{}, run: newHSRPRunner(), wake: make(chan struct{}, 1)}
}

// changed tells the runner to apply the configuration.
func (h *hsrpState) changed() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// installStandby adds the HSRP commands to the engine.
func (d *Device) installStandby() {
	d.hsrp = newHSRPState()
	e := d.eng
	help := map[string]string{
		"standby": "HSRP interface configuration commands", "<0-4095>": "group number",
		"version": "HSRP version", "<1-2>": "Version number",
		"ip": "Enable HSRP IPv4 and set the virtual IP address", "A.B.C.D": "Virtual IP address",
		"secondary": "Make this IP address a secondary virtual IP address",
		"priority":  "Priority level", "<0-255>": "Priority value",
		"preempt": "Overthrow lower priority Active routers", "delay": "Wait before preempting",
		"minimum": "Delay at least this long", "<0-3600>": "Number of seconds for minimum delay",
		"timers": "Hello and hold timers", "msec": "Specify hello time in milliseconds",
		"$hello": "Hello interval in seconds", "$hellomsec": "Hello interval in milliseconds",
		"$hold": "Hold time in seconds", "$holdmsec": "Hold time in milliseconds",
		"authentication": "Authentication", "text": "Plain text authentication",
		"md5": "Use MD5 authentication", "key-string": "Set key string",
		"$text": "Plain text authentication string (8 chars max)", "$key": "Key string", "$legacy": "Plain text authentication string (8 chars max)",
		"track": "Priority tracking", "<1-1000>": "Tracked object number",
		"decrement": "Priority decrement", "<1-255>": "Decrement value",
		"name": "Redundancy name string", "WORD": "name string",
		"mac-address": "Virtual MAC address", "H.H.H": "MAC address",
	}
	grp := "standby [<0-4095>$grp] "
	timers := "{<1-254>$hello|msec <15-999>$hellomsec} {<1-255>$hold|msec <50-3000>$holdmsec}"
	must(e.Install(d.modes.svi,
		engine.Command{Syntax: "standby version <1-2>$ver", No: true, NoSyntax: "standby version [<1-2>$ver]", Default: true, DefaultSyntax: "standby version [<1-2>$ver]",
			Help: help, Run: d.standbyVersion},
		engine.Command{Syntax: grp + "ip [A.B.C.D$ip [secondary]]", No: true, Help: help, Run: d.standbyIP},
		engine.Command{Syntax: grp + "priority <0-255>", No: true, NoSyntax: grp + "priority [<0-255>]", Default: true, DefaultSyntax: grp + "priority [<0-255>]",
			Help: help, Run: d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
				g.priority = -1
				if c.Form == engine.FormPlain {
					g.priority = a.Int("priority")
				}
				return nil
			})},
		engine.Command{Syntax: grp + "preempt [delay minimum <0-3600>$delay]", No: true, NoSyntax: grp + "preempt [delay [minimum [<0-3600>$delay]]]",
			Default: true, DefaultSyntax: grp + "preempt [delay [minimum [<0-3600>$delay]]]",
			Help: help, Run: d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
				switch {
				case c.Form == engine.FormPlain:
					g.preempt = true
					g.delay = a.Int("delay")
				case a.Keyword("delay"):
					g.delay = 0 // `no standby N preempt delay` keeps preempt
				default:
					g.preempt, g.delay = false, 0
				}
				return nil
			})},
		engine.Command{Syntax: grp + "timers " + timers, No: true, NoSyntax: grp + "timers [LINE]",
			Default: true, DefaultSyntax: grp + "timers [LINE]",
			Help: help, Run: d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
				if c.Form != engine.FormPlain {
					g.timersSet, g.hello, g.hold, g.helloMsec, g.holdMsec = false, 0, 0, false, false
					return nil
				}
				hello, hold := time.Duration(a.Int("hello"))*time.Second, time.Duration(a.Int("hold"))*time.Second
				if a.Has("hellomsec") {
					hello = time.Duration(a.Int("hellomsec")) * time.Millisecond
				}
				if a.Has("holdmsec") {
					hold = time.Duration(a.Int("holdmsec")) * time.Millisecond
				}
				if hold <= hello {
					return engine.Rejectf("%% Hold time must be greater than hello time")
				}
				g.timersSet, g.hello, g.hold = true, hello, hold
				g.helloMsec, g.holdMsec = a.Has("hellomsec"), a.Has("holdmsec")
				return nil
			})},
		engine.Command{Syntax: grp + "authentication {text WORD$text|md5 key-string WORD$key|WORD$legacy}", No: true,
			NoSyntax: grp + "authentication [LINE]", Default: true, DefaultSyntax: grp + "authentication [LINE]",
			Help: help, Run: d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
				switch {
				case c.Form != engine.FormPlain:
					g.auth = hsrp.Auth{}
				case a.Has("key"):
					g.auth = hsrp.Auth{Kind: hsrp.AuthMD5, Key: a.String("key")}
				default:
					t := a.String("text") + a.String("legacy")
					if len(t) > 8 {
						return engine.Rejectf("%% Authentication string must be 8 characters or less")
					}
					g.auth = hsrp.Auth{Kind: hsrp.AuthText, Key: t}
				}
				return nil
			})},
		engine.Command{Syntax: grp + "track <1-1000>$obj [decrement <1-255>$dec]", No: true, NoSyntax: grp + "track <1-1000>$obj [decrement [<1-255>$dec]]",
			Help: help, Run: d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
				obj := a.Int("obj")
				g.tracks = slices.DeleteFunc(g.tracks, func(t hsrpTrack) bool { return t.object == obj })
				if c.Form == engine.FormPlain {
					g.tracks = append(g.tracks, hsrpTrack{object: obj, decrement: a.Int("dec")})
					slices.SortFunc(g.tracks, func(x, y hsrpTrack) int { return x.object - y.object })
				}
				return nil
			})},
		engine.Command{Syntax: grp + "name WORD$name", No: true, NoSyntax: grp + "name [WORD$name]",
			Help: help, Run: d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
				g.name = ""
				if c.Form == engine.FormPlain {
					g.name = a.String("name")
				}
				return nil
			})},
		engine.Command{Syntax: grp + "mac-address H.H.H$mac", No: true, NoSyntax: grp + "mac-address [H.H.H$mac]",
			Help: help, Run: d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
				g.mac = packet.MAC{}
				if c.Form == engine.FormPlain {
					m := a.MAC("mac")
					if m.IsMulticast() || m.IsZero() {
						return engine.Rejectf("%% Invalid MAC address")
					}
					g.mac = m
				}
				return nil
			})},
		engine.Command{Syntax: "no standby [<0-4095>$grp]", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				vlan := sviVLAN(c)
				h := d.hsrp
				h.mu.Lock()
				defer h.mu.Unlock()
				s := h.svis[vlan]
				if s == nil {
					return nil
				}
				if a.Has("grp") {
					delete(s.groups, uint16(a.Int("grp")))
				} else {
					s.groups = map[uint16]*hsrpGroupConf{}
				}
				h.pruneLocked(vlan)
				h.changed()
				return nil
			}},
	))
	must(e.Install(d.modes.config,
		engine.Command{Syntax: "track <1-1000>$obj interface IFNAME$if line-protocol", No: true, NoSyntax: "track <1-1000>$obj",
			Help: map[string]string{"track": "Object tracking configuration commands", "<1-1000>": "Tracked object",
				"interface": "Select an interface to track", "line-protocol": "Track interface line-protocol"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				h := d.hsrp
				h.mu.Lock()
				defer h.mu.Unlock()
				if c.Form == engine.FormPlain {
					h.tracks[a.Int("obj")] = a.Interface("if")
				} else {
					delete(h.tracks, a.Int("obj"))
				}
				h.changed()
				return nil
			}},
	))
	d.installStandbyShow() // standby_show.go
}

// standbyVersion is `standby version 1|2`.
func (d *Device) standbyVersion(c *engine.Ctx, a engine.Args) error {
	ver := 1
	if c.Form == engine.FormPlain && a.Int("ver") == 2 {
		ver = 2
	}
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sviLocked(sviVLAN(c))
	if ver == 1 {
		for n := range s.groups {
			if n > 255 {
				return engine.Rejectf("%% Group number %d is out of range for HSRP version 1 (0-255)", n)
			}
		}
	}
	s.version = ver
	h.pruneLocked(sviVLAN(c))
	h.changed()
	return nil
}

// standbyIP is `standby [N] ip [A.B.C.D [secondary]]`.
func (d *Device) standbyIP(c *engine.Ctx, a engine.Args) error {
	return d.standbyEdit(func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error {
		ip, secondary := a.IP("ip"), a.Keyword("secondary")
		if c.Negated() {
			switch {
			case secondary:
				g.secondary = slices.DeleteFunc(g.secondary, func(x netip.Addr) bool { return x == ip })
			case ip.IsValid() && ip != g.ip:
				return engine.Rejectf("%% Address %s not configured", ip)
			default:
				g.ipSet, g.ip, g.secondary = false, netip.Addr{}, nil
			}
			return nil
		}
		if ip.IsValid() && (ip.IsMulticast() || ip.IsUnspecified() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255})) {
			return engine.Rejectf("%% Invalid virtual IP address %s", ip)
		}
		if secondary {
			if !g.ipSet || !g.ip.IsValid() {
				return engine.Rejectf("%% Primary virtual IP address must be configured first")
			}
			if ip != g.ip && !slices.Contains(g.secondary, ip) {
				g.secondary = append(g.secondary, ip)
			}
			return nil
		}
		g.ipSet = true
		if ip.IsValid() {
			g.ip = ip
		}
		return nil
	})(c, a)
}

// standbyEdit runs edit on the group of the command (group 0 when the
// number is left out, as IOS does), creating it; the runner applies it.
func (d *Device) standbyEdit(edit func(c *engine.Ctx, a engine.Args, g *hsrpGroupConf) error) engine.Handler {
	return func(c *engine.Ctx, a engine.Args) error {
		vlan := sviVLAN(c)
		n := uint16(a.Int("grp"))
		h := d.hsrp
		h.mu.Lock()
		defer h.mu.Unlock()
		s := h.sviLocked(vlan)
		if s.version == 1 && n > 255 {
			return engine.Rejectf("%% Group number %d is out of range for HSRP version 1 (0-255)", n)
		}
		g := s.groups[n]
		if g == nil {
			if c.Negated() {
				return nil
			}
			g = &hsrpGroupConf{priority: -1}
		}
		edited := *g
		edited.secondary = slices.Clone(g.secondary)
		edited.tracks = slices.Clone(g.tracks)
		if err := edit(c, a, &edited); err != nil {
			h.pruneLocked(vlan)
			return err
		}
		s.groups[n] = &edited
		h.pruneLocked(vlan)
		h.changed()
		return nil
	}
}

func (h *hsrpState) sviLocked(vlan uint16) *hsrpSVIConf {
	s := h.svis[vlan]
	if s == nil {
		s = &hsrpSVIConf{version: 1, groups: map[uint16]*hsrpGroupConf{}}
		h.svis[vlan] = s
	}
	return s
}

// pruneLocked forgets groups left with nothing configured and an SVI
// with no HSRP configuration at all.
func (h *hsrpState) pruneLocked(vlan uint16) {
	s := h.svis[vlan]
	if s == nil {
		return
	}
	for n, g := range s.groups {
		if g.empty() {
			delete(s.groups, n)
		}
	}
	if len(s.groups) == 0 && s.version == 1 {
		delete(h.svis, vlan)
	}
}

func (g *hsrpGroupConf) empty() bool {
	return !g.ipSet && len(g.secondary) == 0 && g.priority < 0 && !g.preempt && !g.timersSet &&
		g.auth.Kind == hsrp.AuthNone && len(g.tracks) == 0 && g.name == "" && g.mac.IsZero()
}

// dropStandby forgets the HSRP configuration of a deleted SVI.
func (d *Device) dropStandby(vlan uint16) {
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.svis, vlan)
	h.changed()
}

// standbyConfig renders an SVI's standby lines in IOS order.
func (d *Device) standbyConfig(vlan uint16) string {
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.svis[vlan]
	if s == nil {
		return ""
	}
	var b strings.Builder
	if s.version == 2 {
		b.WriteString(" standby version 2\n")
	}
	for _, n := range sortedGroups(s.groups) {
		g := s.groups[n]
		p := " standby "
		if n != 0 {
			p += fmt.Sprintf("%d ", n)
		}
		if g.ipSet {
			b.WriteString(p + "ip")
			if g.ip.IsValid() {
				b.WriteString(" " + g.ip.String())
			}
			b.WriteString("\n")
		}
		for _, ip := range g.secondary {
			b.WriteString(p + "ip " + ip.String() + " secondary\n")
		}
		if !g.mac.IsZero() {
			b.WriteString(p + "mac-address " + g.mac.String() + "\n")
		}
		if g.timersSet {
			b.WriteString(p + "timers " + timerArg(g.hello, g.helloMsec) + " " + timerArg(g.hold, g.holdMsec) + "\n")
		}
		if g.priority >= 0 && g.priority != hsrp.DefaultPriority {
			fmt.Fprintf(&b, "%spriority %d\n", p, g.priority)
		}
		if g.preempt {
			b.WriteString(p + "preempt")
			if g.delay > 0 {
				fmt.Fprintf(&b, " delay minimum %d", g.delay)
			}
			b.WriteString("\n")
		}
		switch g.auth.Kind {
		case hsrp.AuthText:
			b.WriteString(p + "authentication text " + g.auth.Key + "\n")
		case hsrp.AuthMD5:
			b.WriteString(p + "authentication md5 key-string " + g.auth.Key + "\n")
		}
		if g.name != "" {
			b.WriteString(p + "name " + g.name + "\n")
		}
		for _, t := range g.tracks {
			fmt.Fprintf(&b, "%strack %d", p, t.object)
			if t.decrement != 0 {
				fmt.Fprintf(&b, " decrement %d", t.decrement)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func timerArg(d time.Duration, msec bool) string {
	if msec {
		return fmt.Sprintf("msec %d", d/time.Millisecond)
	}
	return fmt.Sprintf("%d", d/time.Second)
}

func sortedGroups(m map[uint16]*hsrpGroupConf) []uint16 {
	ns := make([]uint16, 0, len(m))
	for n := range m {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

// trackConfig renders the `track` objects, each closed by "!".
func (d *Device) trackConfig() string {
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	objs := make([]int, 0, len(h.tracks))
	for n := range h.tracks {
		objs = append(objs, n)
	}
	slices.Sort(objs)
	for _, n := range objs {
		fmt.Fprintf(&b, "track %d interface %s line-protocol\n!\n", n, h.tracks[n])
	}
	return b.String()
}

// defaultGroupName is IOS's name of an unnamed group.
func defaultGroupName(vlan, group uint16) string {
	return fmt.Sprintf("hsrp-%s-%d", ifname.Short(ifname.SVI(vlan)), group)
}
