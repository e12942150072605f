package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/stp"
	"github.com/l2sw/l2sw/vlanset"
)

// The spanning-tree shows, in the Catalyst (IOS 15) layouts:
// `show spanning-tree [vlan V] [interface IF] [detail]`, `summary`,
// `root`, `blockedports`.

func (d *Device) installSTPShow() {
	h := map[string]string{"spanning-tree": "Spanning tree topology", "vlan": "VLAN Switch Spanning Trees",
		"<1-4094>": "Spanning tree instance number", "interface": "Spanning Tree interface status and configuration",
		"detail": "Detailed information", "summary": "Summary of port states", "root": "Root bridge information",
		"blockedports": "Show blocked ports"}
	show := func(f func(a engine.Args) (string, error)) engine.Handler {
		return out(func(_ *engine.Ctx, a engine.Args) (string, error) { return f(a) })
	}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show spanning-tree [vlan <1-4094>$vlan] [detail]$detail", Level: engine.LevelUser, Help: h,
			Run: show(func(a engine.Args) (string, error) { return d.showSTP(uint16(a.Int("vlan")), "", a.Has("detail")) })},
		engine.Command{Syntax: "show spanning-tree [vlan <1-4094>$vlan] interface IFNAME$ifname [detail]$detail", Level: engine.LevelUser, Help: h,
			Run: show(func(a engine.Args) (string, error) {
				return d.showSTP(uint16(a.Int("vlan")), a.Interface("ifname"), a.Has("detail"))
			})},
		engine.Command{Syntax: "show spanning-tree summary", Level: engine.LevelUser, Help: h,
			Run: show(func(engine.Args) (string, error) { return d.showSTPSummary(), nil })},
		engine.Command{Syntax: "show spanning-tree root", Level: engine.LevelUser, Help: h,
			Run: show(func(engine.Args) (string, error) { return d.showSTPRoot(), nil })},
		engine.Command{Syntax: "show spanning-tree blockedports", Level: engine.LevelUser, Help: h,
			Run: show(func(engine.Args) (string, error) { return d.showSTPBlocked(), nil })},
	))
}

// stpView is one instance as the shows read it.
type stpView struct {
	vlan  uint16
	s     stp.Status
	rapid bool
	names map[int]string // port id -> interface name
	nums  map[int]int    // port id -> IOS port number

	// MST: vlan is the instance number; its VLANs, what each port hears,
	// the ports PVST simulation blocks.
	mst     bool
	vlans   vlanset.Set
	peers   map[int]stp.Peer
	pvstInc []int
}

// label is the instance's name: VLAN0010, or MST1 under MST.
func (v stpView) label() string {
	if v.mst {
		return fmt.Sprintf("MST%d", v.vlan)
	}
	return fmt.Sprintf("VLAN%04d", v.vlan)
}

// typeCol is the Type column of a port.
func (v stpView) typeCol(ps stp.PortStatus) string {
	if v.mst {
		return mstType(v, ps)
	}
	return stpType(ps, v.rapid)
}

// stpViews snapshots the instances, by VLAN.
func (d *Device) stpViews() []stpView {
	r := d.stp
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mst != nil {
		return r.mstViewsLocked()
	}
	var out []stpView
	for v, t := range r.trees {
		sv := stpView{vlan: v, s: t.Status(), rapid: t.Config().Rapid, names: map[int]string{}, nums: map[int]int{}}
		for _, p := range r.ports {
			sv.names[p.id()], sv.nums[p.id()] = p.name, p.index
		}
		out = append(out, sv)
	}
	slices.SortFunc(out, func(a, b stpView) int { return int(a.vlan) - int(b.vlan) })
	return out
}

func (d *Device) stpPortFlags(name string) (portfast, guard, filter bool) {
	r := d.stp
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.byName[name]
	if p == nil {
		return
	}
	return r.edge(p), r.bpduguard(p), r.bpdufilter(p)
}

func stpRoleShort(ps stp.PortStatus) string {
	switch ps.Role {
	case stp.RoleRoot:
		return "Root"
	case stp.RoleDesignated:
		return "Desg"
	case stp.RoleAlternate:
		return "Altn"
	case stp.RoleBackup:
		return "Back"
	case stp.RoleMaster:
		return "Mstr"
	}
	return "Disb"
}

func stpStateShort(ps stp.PortStatus) string {
	if ps.RootInconsistent || ps.LoopInconsistent {
		return "BKN*"
	}
	switch ps.State {
	case stp.Forwarding:
		return "FWD"
	case stp.Learning:
		return "LRN"
	case stp.Listening:
		return "LIS"
	}
	return "BLK"
}

// stpStsCol is the Sts column with its separator: IOS lets "BKN*" run
// into the cost ("Desg BKN*4").
func stpStsCol(ps stp.PortStatus) string {
	st := stpStateShort(ps)
	if len(st) < 4 {
		st += " "
	}
	return st
}

// stpType is the Type column: link type, edge, peer and inconsistencies.
func stpType(ps stp.PortStatus, rapid bool) string {
	t := "P2p"
	if ps.Edge {
		t += " Edge"
	}
	if rapid && ps.STPCompat {
		t += " Peer(STP)"
	}
	if ps.RootInconsistent {
		t += " *ROOT_Inc"
	}
	if ps.LoopInconsistent {
		t += " *LOOP_Inc"
	}
	return t
}

func portID(id uint16) string { return fmt.Sprintf("%d.%d", id>>8, id&0xff) }

// wholeSeconds is d in whole seconds, as spanning tree shows its timers.
func wholeSeconds(d time.Duration) int { return int(d / time.Second) }

const stpPortHeader = "Interface           Role Sts Cost      Prio.Nbr Type\n" +
	"------------------- ---- --- --------- -------- --------------------------------\n"

// showSTP is `show spanning-tree [vlan V] [interface IF] [detail]`.
func (d *Device) showSTP(vlan uint16, ifc string, detail bool) (string, error) {
	views := d.stpViews()
	if vlan != 0 {
		views = slices.DeleteFunc(views, func(v stpView) bool {
			if v.mst {
				return !v.vlans.Has(vlan)
			}
			return v.vlan != vlan
		})
		if len(views) == 0 {
			return fmt.Sprintf("Spanning tree instance(s) for vlan %d does not exist.\n", vlan), nil
		}
	}
	if len(views) == 0 {
		return "No spanning tree instance exists.\n", nil
	}
	if ifc != "" {
		return d.showSTPInterface(views, ifc, detail), nil
	}
	var b strings.Builder
	for i, v := range views {
		if detail {
			if i > 0 {
				b.WriteString("\n")
			}
			d.stpDetail(&b, v, "")
			continue
		}
		if i > 0 {
			b.WriteString("\n")
		}
		d.stpBrief(&b, v)
	}
	return b.String(), nil
}

func (d *Device) stpBrief(b *strings.Builder, v stpView) {
	s := v.s
	proto := "ieee"
	if v.rapid {
		proto = "rstp"
	}
	if v.mst {
		proto = "mstp"
	}
	fmt.Fprintf(b, "%s\n  Spanning tree enabled protocol %s\n", v.label(), proto)
	fmt.Fprintf(b, "  Root ID    Priority    %d\n             Address     %s\n", s.Root.Priority(), s.Root.MACString())
	if s.RootPort < 0 {
		b.WriteString("             This bridge is the root\n")
	} else {
		cost := s.RootCost
		if v.mst && v.vlan == 0 && cost == 0 {
			cost = s.InternalCost // the root is in the region
		}
		fmt.Fprintf(b, "             Cost        %d\n             Port        %d (%s)\n", cost, v.nums[s.RootPort], v.names[s.RootPort])
	}
	rt := s.RootTimes
	fmt.Fprintf(b, "             Hello Time  %2d sec  Max Age %2d sec  Forward Delay %2d sec\n\n", wholeSeconds(rt.Hello), wholeSeconds(rt.MaxAge), wholeSeconds(rt.ForwardDelay))
	prio := int(s.Bridge.Priority())
	if v.mst || d.stpExtend() {
		fmt.Fprintf(b, "  Bridge ID  Priority    %d  (priority %d sys-id-ext %d)\n", prio, prio-int(v.vlan), v.vlan)
	} else {
		fmt.Fprintf(b, "  Bridge ID  Priority    %d\n", prio)
	}
	fmt.Fprintf(b, "             Address     %s\n", s.Bridge.MACString())
	fmt.Fprintf(b, "             Hello Time  %2d sec  Max Age %2d sec  Forward Delay %2d sec\n", wholeSeconds(s.Times.Hello), wholeSeconds(s.Times.MaxAge), wholeSeconds(s.Times.ForwardDelay))
	fmt.Fprintf(b, "             Aging Time %4d sec\n\n", d.stpAging(v))
	b.WriteString(stpPortHeader)
	for _, ps := range s.Ports {
		fmt.Fprintf(b, "%-19s %-4s %s%-9d %-8s %s\n", ifname.Short(v.names[ps.Port]), stpRoleShort(ps), v.stsCol(ps),
			ps.Config.Cost, portID(ps.Config.ID), v.typeCol(ps))
	}
	b.WriteString("\n")
}

// stpAging is the Aging Time line: forward delay during an 802.1D
// topology change, else the MAC table's.
func (d *Device) stpAging(v stpView) int64 {
	if v.mst {
		return d.sw.MACAgingTime()
	}
	if !v.rapid && v.s.TCActive {
		return int64(wholeSeconds(v.s.RootTimes.ForwardDelay))
	}
	if t, ok := d.sw.VLANMACAgingTime(v.vlan); ok {
		return t
	}
	return d.sw.MACAgingTime()
}

func (d *Device) stpExtend() bool {
	d.stp.mu.Lock()
	defer d.stp.mu.Unlock()
	return d.stp.cfg.extend
}

func roleWord(ps stp.PortStatus) string {
	switch ps.Role {
	case stp.RoleRoot:
		return "root"
	case stp.RoleDesignated:
		return "designated"
	case stp.RoleAlternate:
		return "alternate"
	case stp.RoleBackup:
		return "backup"
	case stp.RoleMaster:
		return "master"
	}
	return "disabled"
}

// stpDetail is one instance of `show spanning-tree detail`; only ifc's
// port when ifc is set.
func (d *Device) stpDetail(b *strings.Builder, v stpView, ifc string) {
	s := v.s
	if ifc == "" {
		proto := "ieee"
		if v.rapid {
			proto = "rstp"
		}
		prio := int(s.Bridge.Priority())
		sys := int(v.vlan)
		if !d.stpExtend() {
			sys = 0
		}
		if v.mst {
			proto = "mstp"
		}
		fmt.Fprintf(b, " %s is executing the %s compatible Spanning Tree protocol\n", v.label(), proto)
		fmt.Fprintf(b, "  Bridge Identifier has priority %d, sysid %d, address %s\n", prio-sys, sys, s.Bridge.MACString())
		fmt.Fprintf(b, "  Configured hello time %d, max age %d, forward delay %d\n", wholeSeconds(s.Times.Hello), wholeSeconds(s.Times.MaxAge), wholeSeconds(s.Times.ForwardDelay))
		if s.RootPort < 0 {
			b.WriteString("  We are the root of the spanning tree\n")
		} else {
			fmt.Fprintf(b, "  Current root has priority %d, address %s\n", s.Root.Priority(), s.Root.MACString())
			fmt.Fprintf(b, "  Root port is %d (%s), cost of root path is %d\n", v.nums[s.RootPort], v.names[s.RootPort], s.RootCost)
		}
		flag := "not set"
		if s.TCActive {
			flag = "set"
		}
		fmt.Fprintf(b, "  Topology change flag %s, detected flag not set\n", flag)
		fmt.Fprintf(b, "  Number of topology changes %d last change occurred %s ago\n", s.TCCount, stpAgo(d.stp.now()-s.LastTC, s.TCCount))
		if s.LastTCPort >= 0 && s.TCCount > 0 {
			fmt.Fprintf(b, "          from %s\n", v.names[s.LastTCPort])
		}
		rt := s.RootTimes
		fmt.Fprintf(b, "  Times:  hold 1, topology change %d, notification %d\n", wholeSeconds(rt.MaxAge+rt.ForwardDelay), wholeSeconds(rt.Hello))
		fmt.Fprintf(b, "          hello %d, max age %d, forward delay %d\n", wholeSeconds(rt.Hello), wholeSeconds(rt.MaxAge), wholeSeconds(rt.ForwardDelay))
		fmt.Fprintf(b, "  Timers: hello 0, topology change 0, notification 0, aging %d\n", d.stpAging(v))
	}
	for _, ps := range s.Ports {
		name := v.names[ps.Port]
		if ifc != "" && name != ifc {
			continue
		}
		state := ps.State.String()
		if ps.RootInconsistent || ps.LoopInconsistent {
			state = "broken"
		}
		fmt.Fprintf(b, "\n Port %d (%s) of %s is %s %s\n", v.nums[ps.Port], name, v.label(), roleWord(ps), state)
		fmt.Fprintf(b, "   Port path cost %d, Port priority %d, Port Identifier %s.\n", ps.Config.Cost, ps.Config.ID>>8, portID(ps.Config.ID))
		fmt.Fprintf(b, "   Designated root has priority %d, address %s\n", ps.DesignatedRoot.Priority(), ps.DesignatedRoot.MACString())
		fmt.Fprintf(b, "   Designated bridge has priority %d, address %s\n", ps.DesignatedBridge.Priority(), ps.DesignatedBridge.MACString())
		fmt.Fprintf(b, "   Designated port id is %s, designated path cost %d\n", portID(ps.DesignatedPort), ps.DesignatedCost)
		b.WriteString("   Timers: message age 0, forward delay 0, hold 0\n")
		fmt.Fprintf(b, "   Number of transitions to forwarding state: %d\n", ps.ToForwarding)
		pf, guard, filter := d.stpPortFlags(name)
		if pf {
			b.WriteString("   The port is in the portfast mode\n")
		}
		b.WriteString("   Link type is point-to-point by default\n")
		if guard {
			b.WriteString("   Bpdu guard is enabled\n")
		}
		if filter {
			b.WriteString("   Bpdu filter is enabled\n")
		}
		if ps.RootInconsistent {
			b.WriteString("   Root guard is enabled on the port\n")
		}
		if ps.LoopInconsistent {
			b.WriteString("   Loop guard is enabled on the port\n")
		}
		fmt.Fprintf(b, "   BPDU: sent %d, received %d\n", ps.Sent, ps.Received)
	}
}

// stpAgo renders a time since as IOS's hh:mm:ss.
func stpAgo(d time.Duration, n int) string {
	if n == 0 {
		return "00:00:00"
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// showSTPInterface is `show spanning-tree interface IF [detail]`.
func (d *Device) showSTPInterface(views []stpView, ifc string, detail bool) string {
	var b strings.Builder
	found := false
	for _, v := range views {
		for _, ps := range v.s.Ports {
			if v.names[ps.Port] != ifc {
				continue
			}
			if detail {
				d.stpDetail(&b, v, ifc)
				found = true
				continue
			}
			if !found {
				head := "Vlan               "
				if v.mst {
					head = "Mst Instance       "
				}
				b.WriteString(head + " Role Sts Cost      Prio.Nbr Type\n" +
					"------------------- ---- --- --------- -------- --------------------------------\n")
			}
			found = true
			fmt.Fprintf(&b, "%-19s %-4s %s%-9d %-8s %s\n", v.label(), stpRoleShort(ps), v.stsCol(ps),
				ps.Config.Cost, portID(ps.Config.ID), v.typeCol(ps))
		}
	}
	if !found {
		return fmt.Sprintf("no spanning tree info available for %s\n", ifc)
	}
	return b.String()
}

// showSTPSummary is `show spanning-tree summary`.
func (d *Device) showSTPSummary() string {
	views := d.stpViews()
	r := d.stp
	r.mu.Lock()
	c := r.cfg
	r.mu.Unlock()
	onOff := func(on bool) string {
		if on {
			return "enabled"
		}
		return "disabled"
	}
	var roots []string
	for _, v := range views {
		if v.s.RootPort < 0 {
			roots = append(roots, v.label())
		}
	}
	rootFor := "none"
	if len(roots) > 0 {
		rootFor = strings.Join(roots, ", ")
	}
	var b strings.Builder
	mode := c.mode
	if mode == "mst" {
		mode = "mst mode (IEEE Standard)"
	} else {
		mode += " mode"
	}
	fmt.Fprintf(&b, "Switch is in %s\nRoot bridge for: %s\n", mode, rootFor)
	fmt.Fprintf(&b, "Extended system ID           is %s\n", onOff(c.extend))
	fmt.Fprintf(&b, "Portfast Default             is %s\n", onOff(c.portfastDefault))
	fmt.Fprintf(&b, "PortFast BPDU Guard Default  is %s\n", onOff(c.bpduguardDef))
	b.WriteString("Portfast BPDU Filter Default is disabled\n")
	b.WriteString("Loopguard Default            is disabled\n")
	b.WriteString("EtherChannel misconfig guard is enabled\n")
	b.WriteString("UplinkFast                   is disabled\n")
	b.WriteString("BackboneFast                 is disabled\n")
	if c.mode == "mst" {
		b.WriteString("Configured Pathcost method used is long\n\n")
	} else {
		b.WriteString("Configured Pathcost method used is short\n\n")
	}
	const rule = "---------------------- -------- --------- -------- ---------- ----------\n"
	b.WriteString("Name                   Blocking Listening Learning Forwarding STP Active\n" + rule)
	var tb, tl, tn, tf int
	for _, v := range views {
		var bl, li, le, fw int
		for _, ps := range v.s.Ports {
			switch {
			case ps.RootInconsistent || ps.LoopInconsistent || ps.State == stp.Blocking:
				bl++
			case ps.State == stp.Listening:
				li++
			case ps.State == stp.Learning:
				le++
			case ps.State == stp.Forwarding:
				fw++
			}
		}
		fmt.Fprintf(&b, "%-22s %8d %9d %8d %10d %10d\n", v.label(), bl, li, le, fw, bl+li+le+fw)
		tb, tl, tn, tf = tb+bl, tl+li, tn+le, tf+fw
	}
	b.WriteString(rule)
	word := "vlans"
	if len(views) == 1 {
		word = "vlan"
	}
	if c.mode == "mst" {
		word = "msts"
		if len(views) == 1 {
			word = "mst"
		}
	}
	fmt.Fprintf(&b, "%-22s %8d %9d %8d %10d %10d\n", fmt.Sprintf("%d %s", len(views), word), tb, tl, tn, tf, tb+tl+tn+tf)
	return b.String()
}

// showSTPRoot is `show spanning-tree root`.
func (d *Device) showSTPRoot() string {
	views := d.stpViews()
	if len(views) == 0 {
		return "No spanning tree instance exists.\n"
	}
	var b strings.Builder
	b.WriteString("                                        Root    Hello Max Fwd\n")
	b.WriteString("Vlan                   Root ID          Cost    Time  Age Dly  Root Port\n")
	b.WriteString("---------------- -------------------- --------- ----- --- ---  ------------\n")
	for _, v := range views {
		s := v.s
		rp := ""
		if s.RootPort >= 0 {
			rp = ifname.Short(v.names[s.RootPort])
		}
		rt := s.RootTimes
		if rp == "" {
			rp = strings.Repeat(" ", 16) // IOS pads the empty column
		}
		fmt.Fprintf(&b, "%-16s %5d %s %9d %5d %3d %3d  %s\n", v.label(), s.Root.Priority(), s.Root.MACString(),
			s.RootCost, wholeSeconds(rt.Hello), wholeSeconds(rt.MaxAge), wholeSeconds(rt.ForwardDelay), rp)
	}
	return b.String()
}

// showSTPBlocked is `show spanning-tree blockedports`.
func (d *Device) showSTPBlocked() string {
	views := d.stpViews()
	var b strings.Builder
	b.WriteString("\nName                 Blocked Interfaces List\n-------------------- ------------------------------------\n")
	n := 0
	for _, v := range views {
		var names []string
		for _, ps := range v.s.Ports {
			if ps.State == stp.Blocking || ps.RootInconsistent || ps.LoopInconsistent || slices.Contains(v.pvstInc, ps.Port) {
				names = append(names, v.names[ps.Port])
			}
		}
		if len(names) == 0 {
			continue
		}
		n += len(names)
		fmt.Fprintf(&b, "%-20s %s\n", v.label(), shortList(names, "-", ","))
	}
	fmt.Fprintf(&b, "\nNumber of blocked ports (segments) in the system : %d\n\n", n)
	return b.String()
}
