package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/hsrp"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// installStandbyShow adds `show standby [brief] [vlan N | Vlan N [group]]`.
func (d *Device) installStandbyShow() {
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show standby [{brief|vlan <1-4094>$vid|IFNAME$if [<0-4095>$grp]}]", Level: engine.LevelUser,
			Help: map[string]string{"standby": "Hot standby protocol information", "brief": "Brief output",
				"vlan": "VLAN interface", "<1-4094>": "Vlan interface number", "<0-4095>": "group number"},
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				f := standbyFilter{group: -1}
				if a.Has("vid") {
					f.vlan = uint16(a.Int("vid"))
				}
				if a.Has("if") {
					v, ok := ifname.ParseSVI(a.Interface("if"))
					if !ok {
						return "", nil // HSRP runs on SVIs only: nothing to show
					}
					f.vlan = v
				}
				if a.Has("grp") {
					f.group = a.Int("grp")
				}
				if a.Keyword("brief") {
					return d.showStandbyBrief(f), nil
				}
				return d.showStandby(f), nil
			})},
	))
}

type standbyFilter struct {
	vlan  uint16 // 0: all
	group int    // -1: all
}

// standbyRow is one group's state for the shows.
type standbyRow struct {
	vlan, group uint16
	version     int
	conf        hsrpGroupConf
	live        *hsrpLive // nil: not running (Init)
	trackUp     map[int]bool
}

func (d *Device) standbyRows(f standbyFilter) []standbyRow {
	h := d.hsrp
	h.mu.Lock()
	defer h.mu.Unlock()
	var rows []standbyRow
	for _, vlan := range sortedVLANKeys(h.svis) {
		if f.vlan != 0 && vlan != f.vlan {
			continue
		}
		s := h.svis[vlan]
		for _, n := range sortedGroups(s.groups) {
			if f.group >= 0 && int(n) != f.group {
				continue
			}
			r := standbyRow{vlan: vlan, group: n, version: s.version, conf: *s.groups[n], trackUp: map[int]bool{}}
			if l := h.run.live[hsrpKey{vlan, n}]; l != nil {
				cp := *l
				cp.g = l.g.Clone()
				r.live = &cp
			}
			for _, t := range r.conf.tracks {
				up, ok := h.run.trackUp[t.object]
				if !ok {
					// Not looked at by the runner yet; an object that is
					// not configured lowers nothing, as if up.
					name := h.tracks[t.object]
					up = name == "" || d.lineProtocolUp(name)
				}
				r.trackUp[t.object] = up
			}
			rows = append(rows, r)
		}
	}
	return rows
}

func sortedVLANKeys(m map[uint16]*hsrpSVIConf) []uint16 {
	vs := make([]uint16, 0, len(m))
	for v := range m {
		vs = append(vs, v)
	}
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j] < vs[j-1]; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
	return vs
}

func (r standbyRow) state() hsrp.State {
	if r.live == nil {
		return hsrp.Initial
	}
	return r.live.g.State()
}

func (r standbyRow) vip() netip.Addr {
	if r.live != nil && r.live.g.VIP().IsValid() {
		return r.live.g.VIP()
	}
	return r.conf.ip
}

func (r standbyRow) configuredPriority() int {
	if r.conf.priority >= 0 {
		return r.conf.priority
	}
	return hsrp.DefaultPriority
}

func (r standbyRow) priority() int {
	if r.live != nil {
		return int(r.live.g.Config().Priority)
	}
	return r.configuredPriority()
}

func (r standbyRow) localMAC() packet.MAC {
	if !r.conf.mac.IsZero() {
		return r.conf.mac
	}
	return packet.MAC(hsrp.VirtualMAC(r.version, r.group))
}

// showStandby renders `show standby` as IOS 15 does.
func (d *Device) showStandby(f standbyFilter) string {
	now := d.hsrpNow()
	var b strings.Builder
	for _, r := range d.standbyRows(f) {
		fmt.Fprintf(&b, "%s - Group %d", ifname.SVI(r.vlan), r.group)
		if r.version == 2 {
			b.WriteString(" (version 2)")
		}
		b.WriteString("\n")
		st := r.state()
		if r.live == nil {
			b.WriteString("  State is Init (interface down)\n")
		} else {
			fmt.Fprintf(&b, "  State is %s\n", st)
		}
		n, last := 0, time.Duration(0)
		if r.live != nil {
			n, last = r.live.g.StateChanges()
		}
		plural := "s"
		if n == 1 {
			plural = ""
		}
		when := "never"
		if n > 0 {
			when = iosDuration(now - last)
		}
		fmt.Fprintf(&b, "    %d state change%s, last state change %s\n", n, plural, when)
		if vip := r.vip(); vip.IsValid() {
			fmt.Fprintf(&b, "  Virtual IP address is %s\n", vip)
		} else {
			b.WriteString("  Virtual IP address is unknown\n")
		}
		for _, ip := range r.conf.secondary {
			fmt.Fprintf(&b, "    Secondary virtual IP address %s\n", ip)
		}
		local := r.localMAC()
		switch {
		case st == hsrp.Active:
			fmt.Fprintf(&b, "  Active virtual MAC address is %s (MAC In Use)\n", local)
		case r.live != nil && r.live.g.ActivePeer().Known() && !r.live.activeMAC.IsZero():
			fmt.Fprintf(&b, "  Active virtual MAC address is %s (MAC Not In Use)\n", r.live.activeMAC)
		default:
			b.WriteString("  Active virtual MAC address is unknown (MAC Not In Use)\n")
		}
		how := fmt.Sprintf("v%d default", r.version)
		if !r.conf.mac.IsZero() {
			how = "cfgd"
		}
		fmt.Fprintf(&b, "    Local virtual MAC address is %s (%s)\n", local, how)
		hello, hold := hsrp.DefaultHello, hsrp.DefaultHold
		helloMsec, holdMsec := false, false
		if r.live != nil {
			hello, hold = r.live.g.Timers()
		}
		if r.conf.timersSet {
			hello, hold, helloMsec, holdMsec = r.conf.hello, r.conf.hold, r.conf.helloMsec, r.conf.holdMsec
		} else {
			helloMsec, holdMsec = hello%time.Second != 0, hold%time.Second != 0
		}
		fmt.Fprintf(&b, "  Hello time %s, hold time %s\n", showTimer(hello, helloMsec), showTimer(hold, holdMsec))
		if r.live != nil {
			if at, ok := r.live.g.NextHello(); ok {
				fmt.Fprintf(&b, "    Next hello sent in %s secs\n", secs3(at-now))
			}
		}
		switch r.conf.auth.Kind {
		case hsrp.AuthText:
			fmt.Fprintf(&b, "  Authentication text, string %q\n", r.conf.auth.Key)
		case hsrp.AuthMD5:
			b.WriteString("  Authentication MD5, key-string\n")
		}
		if r.conf.preempt {
			b.WriteString("  Preemption enabled")
			if r.conf.delay > 0 {
				fmt.Fprintf(&b, ", delay min %d secs", r.conf.delay)
			}
			b.WriteString("\n")
		} else {
			b.WriteString("  Preemption disabled\n")
		}
		var active, standby hsrp.Peer
		if r.live != nil {
			active, standby = r.live.g.ActivePeer(), r.live.g.StandbyPeer()
		}
		switch {
		case st == hsrp.Active:
			b.WriteString("  Active router is local\n")
		case active.Known():
			fmt.Fprintf(&b, "  Active router is %s, priority %d (expires in %s sec)\n", active.IP, active.Priority, secs3(active.Expires-now))
			fmt.Fprintf(&b, "    MAC address is %s\n", packet.MAC(active.MAC))
		default:
			b.WriteString("  Active router is unknown\n")
		}
		switch {
		case st == hsrp.Standby:
			b.WriteString("  Standby router is local\n")
		case standby.Known():
			fmt.Fprintf(&b, "  Standby router is %s, priority %d (expires in %s sec)\n", standby.IP, standby.Priority, secs3(standby.Expires-now))
		default:
			b.WriteString("  Standby router is unknown\n")
		}
		fmt.Fprintf(&b, "  Priority %d (configured %d)\n", r.priority(), r.configuredPriority())
		for _, t := range r.conf.tracks {
			fmt.Fprintf(&b, "    Track object %d state %s decrement %d\n", t.object, upDown(r.trackUp[t.object]), t.dec())
		}
		if r.conf.name != "" {
			fmt.Fprintf(&b, "  Group name is %q (cfgd)\n", r.conf.name)
		} else {
			fmt.Fprintf(&b, "  Group name is %q (default)\n", defaultGroupName(r.vlan, r.group))
		}
	}
	return b.String()
}

func showTimer(d time.Duration, msec bool) string {
	if msec {
		return fmt.Sprintf("%d msec", d/time.Millisecond)
	}
	return fmt.Sprintf("%d sec", d/time.Second)
}

// secs3 is a remaining time in seconds with milliseconds ("2.512").
func secs3(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ms := int64(d / time.Millisecond)
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// showStandbyBrief renders `show standby brief`.
func (d *Device) showStandbyBrief(f standbyFilter) string {
	var b strings.Builder
	b.WriteString("                     P indicates configured to preempt.\n")
	b.WriteString("                     |\n")
	b.WriteString("Interface   Grp  Pri P State   Active          Standby         Virtual IP\n")
	for _, r := range d.standbyRows(f) {
		p := " "
		if r.conf.preempt {
			p = "P"
		}
		st := r.state()
		active, standby := "unknown", "unknown"
		if r.live != nil {
			if a := r.live.g.ActivePeer(); a.Known() {
				active = a.IP.String()
			}
			if s := r.live.g.StandbyPeer(); s.Known() {
				standby = s.IP.String()
			}
		}
		if st == hsrp.Active {
			active = "local"
		}
		if st == hsrp.Standby {
			standby = "local"
		}
		vip := "unknown"
		if v := r.vip(); v.IsValid() {
			vip = v.String()
		}
		fmt.Fprintf(&b, "%-11s %-4d %3d %s %-7s %-15s %-15s %s\n", ifname.Short(ifname.SVI(r.vlan)), r.group, r.priority(), p, st, active, standby, vip)
	}
	return b.String()
}
