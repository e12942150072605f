package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/lacp"
)

// This file holds EtherChannel: `channel-group N mode ...`, `lacp ...`,
// `port-channel load-balance`, `interface Port-channelN`, the show
// etherchannel and show lacp commands and their configuration lines. The
// Port-channels and who is bundled live in the switch; the LACP machines
// of the members (package lacp) live here, and lacp.go runs them.
//
// PAgP is not spoken: `mode desirable` and `mode auto` are accepted and
// bundle as `mode on` does (show etherchannel port-channel says so).

// channelMode is a member's `channel-group N mode` keyword.
type channelMode uint8

const (
	modeOn channelMode = iota
	modeActive
	modePassive
	modeDesirable
	modeAuto
)

var channelModeNames = [...]string{"on", "active", "passive", "desirable", "auto"}

func (m channelMode) String() string { return channelModeNames[m] }

// protocol is the channel protocol of the mode, as the Protocol column of
// show etherchannel summary names it: "-" for on (and for the PAgP modes,
// which run as on).
func (m channelMode) protocol() string {
	if m == modeActive || m == modePassive {
		return "LACP"
	}
	return "-"
}

func (m channelMode) lacp() bool { return m == modeActive || m == modePassive }

// Defaults of IOS.
const (
	defaultLACPPriority = 32768
)

// ecMember is one member's configuration and LACP state.
type ecMember struct {
	group    int
	mode     channelMode
	portPrio uint16 // lacp port-priority; 0: the default
	fast     bool   // lacp rate fast
	lp       *lacp.Port
	id       cam.PortID
	bundled  bool      // as last handed to the switch
	since    time.Time // when bundled changed last
	noLACP   bool      // suspended for want of a LACP partner (logged once)
}

// ecState is the device's EtherChannel state; mu guards it.
type ecState struct {
	mu      sync.Mutex
	sysPrio uint16 // lacp system-priority; 0: the default
	members map[string]*ecMember
	created map[int]time.Time // Port-channel creation, for show etherchannel's age
	marker  map[string]uint64 // marker PDUs and bad LACPDUs heard per port
	rxErr   map[string]uint64
	last    map[int]lastBundled
	clock   func() time.Duration // the LACP machines' time (lacp.go); tests set their own
}

type lastBundled struct {
	port string
	at   time.Time
}

func newEtherChannel() *ecState {
	return &ecState{members: map[string]*ecMember{}, created: map[int]time.Time{}, marker: map[string]uint64{}, rxErr: map[string]uint64{}, last: map[int]lastBundled{},
		clock: func() time.Duration { return time.Since(lacpEpoch) }}
}

func (e *ecState) systemPriority() uint16 {
	if e.sysPrio == 0 {
		return defaultLACPPriority
	}
	return e.sysPrio
}

func (m *ecMember) portPriority() uint16 {
	if m.portPrio == 0 {
		return defaultLACPPriority
	}
	return m.portPrio
}

// installEtherChannel adds the EtherChannel commands to the engine.
func (d *Device) installEtherChannel() {
	d.ec = newEtherChannel()
	e := d.eng
	ifHelp := map[string]string{
		"channel-group": "Etherchannel/port bundling configuration", "<1-48>": "Channel group number",
		"mode": "Etherchannel Mode of the interface", "active": "Enable LACP unconditionally",
		"passive": "Enable LACP only if a LACP device is detected", "on": "Enable Etherchannel only",
		"desirable": "Enable PAgP unconditionally", "auto": "Enable PAgP only if a PAgP device is detected",
		"non-silent": "Start negotiation only after data packets received",
		"lacp":       "LACP interface subcommands", "port-priority": "LACP priority on this interface",
		"<1-65535>": "Priority value", "rate": "Rate at which LACP packets are sent",
		"fast": "Request LACP packets every second", "normal": "Request LACP packets every 30 seconds",
	}
	ifCmds := []engine.Command{
		{Syntax: "channel-group <1-48>$group mode {active|passive|on|desirable|auto}$mode [non-silent]", No: true, NoSyntax: "channel-group [<1-48> [mode {active|passive|on|desirable|auto} [non-silent]]]",
			Help: ifHelp, Run: d.channelGroupCmd},
		{Syntax: "lacp port-priority <1-65535>$prio", No: true, NoSyntax: "lacp port-priority [<1-65535>]", Default: true, Help: ifHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				return d.editMembers(c, func(m *ecMember) {
					m.portPrio = 0
					if c.Form == engine.FormPlain {
						m.portPrio = uint16(a.Int("prio"))
					}
				})
			}},
		{Syntax: "lacp rate {fast|normal}$rate", No: true, NoSyntax: "lacp rate [fast|normal]", Default: true, Help: ifHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				return d.editMembers(c, func(m *ecMember) { m.fast = c.Form == engine.FormPlain && a.String("rate") == "fast" })
			}},
	}
	must(e.Install(d.modes.ifc, ifCmds...))
	must(e.Install(d.modes.ifRange, ifCmds...))

	lbKeys := strings.Join(loadBalanceKeywords(), "|")
	globalHelp := map[string]string{
		"port-channel": "EtherChannel configuration", "load-balance": "EtherChannel Load Balancing Method",
		"src-mac": "Src Mac Addr", "dst-mac": "Dst Mac Addr", "src-dst-mac": "Src XOR Dst Mac Addr",
		"src-ip": "Src IP Addr", "dst-ip": "Dst IP Addr", "src-dst-ip": "Src XOR Dst IP Addr",
		"lacp": "LACP configuration", "system-priority": "LACP priority for the system", "<1-65535>": "Priority value",
	}
	must(e.Install(d.modes.config,
		engine.Command{Syntax: "port-channel load-balance {" + lbKeys + "}$method", No: true,
			NoSyntax: "port-channel load-balance [" + lbKeys + "]", Help: globalHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				lb := dataplane.LoadBalanceSrcMAC
				if c.Form == engine.FormPlain {
					lb, _ = dataplane.ParseLoadBalance(a.String("method"))
				}
				d.sw.SetLoadBalance(lb)
				return nil
			}},
		engine.Command{Syntax: "lacp system-priority <1-65535>$prio", No: true, NoSyntax: "lacp system-priority [<1-65535>]", Help: globalHelp,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.ec.mu.Lock()
				d.ec.sysPrio = 0
				if c.Form == engine.FormPlain {
					d.ec.sysPrio = uint16(a.Int("prio"))
				}
				d.ec.mu.Unlock()
				return nil
			}},
	))

	showHelp := map[string]string{
		"etherchannel": "EtherChannel information", "summary": "One-line summary per channel-group",
		"port-channel": "Port-channel information", "<1-48>": "Channel group number",
		"load-balance": "Load-balance/frame-distribution scheme among ports in port-channel",
		"detail":       "Detail information", "lacp": "LACP information", "neighbor": "Display LACP neighbor information",
		"internal": "Internal information", "sys-id": "LACP System ID", "counters": "Traffic information",
	}
	must(e.Install(e.ExecMode(),
		engine.Command{Syntax: "show etherchannel summary", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showEtherChannelSummary(), nil })},
		engine.Command{Syntax: "show etherchannel [<1-48>$group] port-channel", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				return d.showEtherChannelPortChannel(a.Int("group")), nil
			})},
		engine.Command{Syntax: "show etherchannel load-balance", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showLoadBalance(), nil })},
		engine.Command{Syntax: "show lacp [<1-48>$group] {neighbor|internal|counters}$what [detail]", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				switch a.String("what") {
				case "neighbor":
					return d.showLACPNeighbor(a.Int("group")), nil
				case "internal":
					return d.showLACPInternal(a.Int("group")), nil
				}
				return d.showLACPCounters(a.Int("group")), nil
			})},
		engine.Command{Syntax: "show lacp sys-id", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showLACPSysID(), nil })},
		engine.Command{Syntax: "show interfaces IFNAME$ifname etherchannel", Level: engine.LevelUser, Help: showHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				return d.showInterfaceEtherChannel(a.Interface("ifname"))
			})},
	))
}

func loadBalanceKeywords() []string {
	var out []string
	for lb := dataplane.LoadBalanceSrcMAC; lb <= dataplane.LoadBalanceSrcDstIP; lb++ {
		out = append(out, lb.String())
	}
	return out
}

// enterPortChannel is `interface Port-channelN` (created if new) and `no
// interface Port-channelN`; it reports whether name was one.
func (d *Device) enterPortChannel(c *engine.Ctx, name string) (bool, error) {
	n, ok := dataplane.ParsePortChannel(name)
	if !ok {
		return false, nil
	}
	if c.Negated() {
		if err := d.sw.RemovePortChannel(n); err != nil && !errors.Is(err, dataplane.ErrNoPortChannel) {
			return true, engine.Rejectf("%% %v", err)
		}
		d.ec.mu.Lock()
		for name, m := range d.ec.members {
			if m.group == n {
				delete(d.ec.members, name)
			}
		}
		delete(d.ec.created, n)
		d.ec.mu.Unlock()
		return true, nil
	}
	if err := d.createPortChannel(n); err != nil {
		return true, err
	}
	c.Enter(d.modes.ifc, name)
	return true, nil
}

func (d *Device) createPortChannel(n int) error {
	if err := d.sw.CreatePortChannel(n); err != nil {
		return engine.Rejectf("%% %v", err)
	}
	d.ec.mu.Lock()
	if _, ok := d.ec.created[n]; !ok {
		d.ec.created[n] = d.opts.Now()
	}
	d.ec.mu.Unlock()
	return nil
}

// channelGroupCmd is `channel-group N mode M` and `no channel-group`.
func (d *Device) channelGroupCmd(c *engine.Ctx, a engine.Args) error {
	names := ifNames(c)
	for _, name := range names {
		if _, ok := dataplane.ParsePortChannel(name); ok {
			return engine.Rejectf("%% Invalid input detected at '^' marker.")
		}
	}
	if c.Negated() {
		for _, name := range names {
			d.ec.mu.Lock()
			delete(d.ec.members, name)
			d.ec.mu.Unlock()
			if err := d.sw.SetChannelGroup(name, 0); err != nil {
				return engine.Rejectf("%% %v", err)
			}
		}
		return nil
	}
	n := a.Int("group")
	mode := channelMode(slices.Index(channelModeNames[:], a.String("mode")))
	// One protocol per group: LACP, PAgP or none.
	d.ec.mu.Lock()
	for _, name := range names {
		for other, m := range d.ec.members {
			if m.group == n && other != name && !slices.Contains(names, other) && family(m.mode) != family(mode) {
				d.ec.mu.Unlock()
				return engine.Rejectf("%% Channel protocol mismatch for interface %s in group %d: the interface can not be added to the channel group", ifname.Short(name), n)
			}
		}
	}
	d.ec.mu.Unlock()
	if _, err := d.sw.Status(dataplane.PortChannelName(n)); err != nil {
		// A new group copies the first member's switchport configuration
		// to its Port-channel, as IOS does.
		if err := d.createPortChannel(n); err != nil {
			return err
		}
		c.Printf("Creating a port-channel interface Port-channel %d\n\n", n)
		if s, err := d.sw.PortSettings(names[0]); err == nil {
			po, _ := d.sw.PortSettings(dataplane.PortChannelName(n))
			po.Mode, po.AccessVLAN, po.NativeVLAN, po.Allowed = s.Mode, s.AccessVLAN, s.NativeVLAN, s.Allowed
			if _, err := d.sw.SetPortSettings(dataplane.PortChannelName(n), po); err != nil {
				return engine.Rejectf("%% %v", err)
			}
		}
	}
	for _, name := range names {
		if err := d.sw.SetChannelGroup(name, n); err != nil {
			return engine.Rejectf("%% %v", err)
		}
		d.ec.mu.Lock()
		m := d.ec.members[name]
		if m == nil {
			m = &ecMember{}
			d.ec.members[name] = m
		}
		if m.mode.lacp() != mode.lacp() || m.group != n {
			m.lp, m.bundled = nil, false
		}
		m.group, m.mode = n, mode
		d.ec.mu.Unlock()
	}
	return nil
}

// family groups the modes by protocol: LACP, PAgP, none.
func family(m channelMode) int {
	switch m {
	case modeActive, modePassive:
		return 1
	case modeDesirable, modeAuto:
		return 2
	}
	return 0
}

// editMembers changes the LACP settings of the mode's interfaces. IOS
// keeps them on any port, member or not; so does this, in a member entry
// with no group.
func (d *Device) editMembers(c *engine.Ctx, edit func(m *ecMember)) error {
	d.ec.mu.Lock()
	defer d.ec.mu.Unlock()
	for _, name := range ifNames(c) {
		m := d.ec.members[name]
		if m == nil {
			m = &ecMember{}
			d.ec.members[name] = m
		}
		edit(m)
	}
	return nil
}

// etherChannelGlobalConfig renders the global lines.
func (d *Device) etherChannelGlobalConfig() string {
	var b strings.Builder
	d.ec.mu.Lock()
	if d.ec.sysPrio != 0 && d.ec.sysPrio != defaultLACPPriority {
		fmt.Fprintf(&b, "lacp system-priority %d\n", d.ec.sysPrio)
	}
	d.ec.mu.Unlock()
	if lb := d.sw.LoadBalanceMethod(); lb != dataplane.LoadBalanceSrcMAC {
		fmt.Fprintf(&b, "port-channel load-balance %s\n", lb)
	}
	if b.Len() > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// channelConfig renders a member's lines, in IOS order.
func (d *Device) channelConfig(name string) string {
	d.ec.mu.Lock()
	defer d.ec.mu.Unlock()
	m := d.ec.members[name]
	if m == nil {
		return ""
	}
	var b strings.Builder
	if m.portPrio != 0 && m.portPrio != defaultLACPPriority {
		fmt.Fprintf(&b, " lacp port-priority %d\n", m.portPrio)
	}
	if m.fast {
		b.WriteString(" lacp rate fast\n")
	}
	if m.group != 0 {
		fmt.Fprintf(&b, " channel-group %d mode %s\n", m.group, m.mode)
	}
	return b.String()
}

// memberView is what the shows need of a member, read under ec.mu.
type memberView struct {
	name    string
	group   int
	mode    channelMode
	up      bool
	bundled bool
	standby bool
	waiting bool
	actor   lacp.Info
	partner lacp.Info
	known   bool
	age     time.Duration
	prio    uint16
	tx, rx  uint64
	rxErr   uint64
}

// channelView is one Port-channel with its members.
type channelView struct {
	dataplane.PortChannel
	members  []memberView
	protocol string
	mode     channelMode
	created  time.Time
}

// channels returns the Port-channels (one, if group is not 0) as the
// shows render them.
func (d *Device) channels(group int) []channelView {
	pcs := d.sw.PortChannels()
	d.ec.mu.Lock()
	defer d.ec.mu.Unlock()
	now := d.ec.clock()
	var out []channelView
	for _, pc := range pcs {
		if group != 0 && pc.Group != group {
			continue
		}
		cv := channelView{PortChannel: pc, protocol: "-", created: d.ec.created[pc.Group]}
		for _, mem := range pc.Members {
			mv := memberView{name: mem.Name, group: pc.Group, up: mem.LinkUp, bundled: mem.Bundled}
			if m := d.ec.members[mem.Name]; m != nil {
				mv.mode, mv.prio = m.mode, m.portPriority()
				cv.protocol, cv.mode = m.mode.protocol(), m.mode
				if m.lp != nil {
					mv.actor, mv.partner, mv.known = m.lp.Actor(), m.lp.Partner(), m.lp.PartnerKnown()
					mv.age = now - m.lp.LastRx()
					mv.tx, mv.rx = m.lp.TxPDUs, m.lp.RxPDUs
					mv.waiting = m.lp.Mux() == lacp.MuxWaiting
					mv.standby = !m.lp.Selected() && m.lp.PartnerKnown() && d.ec.standbyLocked(m)
				}
			}
			mv.rxErr = d.ec.rxErr[mem.Name]
			cv.members = append(cv.members, mv)
		}
		out = append(out, cv)
	}
	return out
}

// flag is the member's letter of show etherchannel summary.
func (m memberView) flag() string {
	switch {
	case !m.up:
		return "D"
	case m.bundled:
		return "P"
	case m.standby:
		return "H"
	case m.waiting:
		return "w"
	}
	return "s"
}

// state is the member's word of show lacp internal.
func (m memberView) state() string {
	switch m.flag() {
	case "D":
		return "down"
	case "P":
		return "bndl"
	case "H":
		return "hot-sby"
	case "w":
		return "waiting"
	}
	return "susp"
}

const ecFlags = `Flags:  D - down        P - bundled in port-channel
        I - stand-alone s - suspended
        H - Hot-standby (LACP only)
        R - Layer3      S - Layer2
        U - in use      f - failed to allocate aggregator

        M - not in use, minimum links not met
        u - unsuitable for bundling
        w - waiting to be aggregated
        d - default port

`

// showEtherChannelSummary is `show etherchannel summary` in the layout of
// a Catalyst on IOS 15.0 (ntc-templates' cisco_ios_show_etherchannel_summary
// parses it).
func (d *Device) showEtherChannelSummary() string {
	cs := d.channels(0)
	var b strings.Builder
	b.WriteString(ecFlags)
	fmt.Fprintf(&b, "\nNumber of channel-groups in use: %d\n", len(cs))
	fmt.Fprintf(&b, "Number of aggregators:           %d\n", len(cs))
	b.WriteString("\nGroup  Port-channel  Protocol    Ports\n")
	b.WriteString("------+-------------+-----------+-----------------------------------------------\n")
	for _, c := range cs {
		state := "SD"
		if c.Up {
			state = "SU"
		}
		fmt.Fprintf(&b, "%-7d%-16s%-10s", c.Group, ifname.Short(c.Name)+"("+state+")", c.protocol)
		for i, m := range c.members {
			if i > 0 && i%4 == 0 {
				b.WriteString("\n" + strings.Repeat(" ", 33))
			}
			fmt.Fprintf(&b, "%-15s", ifname.Short(m.name)+"("+m.flag()+")")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// showEtherChannelPortChannel is `show etherchannel [N] port-channel`.
func (d *Device) showEtherChannelPortChannel(group int) string {
	var b strings.Builder
	now := d.opts.Now()
	for _, c := range d.channels(group) {
		b.WriteString("\t\tChannel-group listing: \n\t\t----------------------\n\n")
		fmt.Fprintf(&b, "Group: %d \n----------\n", c.Group)
		b.WriteString("\t\tPort-channels in the group: \n\t\t---------------------------\n\n")
		fmt.Fprintf(&b, "Port-channel: %s", ifname.Short(c.Name))
		if c.protocol == "LACP" {
			b.WriteString("    (Primary Aggregator)")
		}
		b.WriteString("\n\n------------\n\n")
		fmt.Fprintf(&b, "Age of the Port-channel   = %s\n", ecAge(now.Sub(c.created)))
		fmt.Fprintf(&b, "Logical slot/port   = 2/%d          Number of ports = %d\n", c.Group, bundledCount(c.members))
		if c.protocol == "LACP" {
			b.WriteString("HotStandBy port = null \n")
		} else {
			b.WriteString("GC                  = 0x00000000      HotStandBy port = null\n")
		}
		state := "Port-channel Ag-Not-Inuse"
		if c.Up {
			state = "Port-channel Ag-Inuse"
		}
		fmt.Fprintf(&b, "Port state          = %s \n", state)
		fmt.Fprintf(&b, "Protocol            =   %s\n", c.protocol)
		if c.mode == modeDesirable || c.mode == modeAuto {
			fmt.Fprintf(&b, "Note                = PAgP mode %s runs as mode on (l2sw speaks no PAgP)\n", c.mode)
		}
		b.WriteString("Port security       = Disabled\n\n")
		b.WriteString("Ports in the Port-channel: \n\n")
		b.WriteString("Index   Load   Port     EC state        No of bits\n")
		b.WriteString("------+------+------+------------------+-----------\n")
		i := 0
		for _, m := range c.members {
			if !m.bundled {
				continue
			}
			fmt.Fprintf(&b, "  %-6d%-7s%-9s%-19s%d\n", i, "00", ifname.Short(m.name), ecStateWord(m.mode), 0)
			i++
		}
		if lb, ok := d.ec.lastBundled(c.Group); ok {
			fmt.Fprintf(&b, "\nTime since last port bundled:    %s    %s\n", ecAge(now.Sub(lb.at)), ifname.Short(lb.port))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (e *ecState) lastBundled(group int) (lastBundled, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	lb, ok := e.last[group]
	return lb, ok
}

func bundledCount(ms []memberView) (n int) {
	for _, m := range ms {
		if m.bundled {
			n++
		}
	}
	return n
}

// ecStateWord is the EC state column: the member's mode as IOS words it.
func ecStateWord(m channelMode) string {
	switch m {
	case modeActive:
		return "Active"
	case modePassive:
		return "Passive"
	case modeDesirable:
		return "Desirable-Sl"
	case modeAuto:
		return "Automatic-Sl"
	}
	return "On"
}

// ecAge renders an age as show etherchannel does: 0d:00h:05m:12s.
func ecAge(dur time.Duration) string {
	s := int64(dur / time.Second)
	if s < 0 {
		s = 0
	}
	return fmt.Sprintf("%dd:%02dh:%02dm:%02ds", s/86400, s/3600%24, s/60%60, s%60)
}

// showLoadBalance is `show etherchannel load-balance`.
func (d *Device) showLoadBalance() string {
	lb := d.sw.LoadBalanceMethod()
	words := map[dataplane.LoadBalance][2]string{
		dataplane.LoadBalanceSrcMAC:    {"Source MAC address", "Source MAC address"},
		dataplane.LoadBalanceDstMAC:    {"Destination MAC address", "Destination MAC address"},
		dataplane.LoadBalanceSrcDstMAC: {"Source XOR Destination MAC address", "Source XOR Destination MAC address"},
		dataplane.LoadBalanceSrcIP:     {"Source MAC address", "Source IP address"},
		dataplane.LoadBalanceDstIP:     {"Destination MAC address", "Destination IP address"},
		dataplane.LoadBalanceSrcDstIP:  {"Source XOR Destination MAC address", "Source XOR Destination IP address"},
	}[lb]
	return fmt.Sprintf("EtherChannel Load-Balancing Configuration:\n        %s\n\nEtherChannel Load-Balancing Addresses Used Per-Protocol:\nNon-IP: %s\n  IPv4: %s\n  IPv6: %s\n",
		lb, words[0], words[1], words[1])
}

const lacpFlags = `Flags:  S - Device is requesting Slow LACPDUs 
        F - Device is requesting Fast LACPDUs
        A - Device is in Active mode       P - Device is in Passive mode     
`

// lacpFlagsOf is the two letters of show lacp: slow/fast, active/passive.
func lacpFlagsOf(st lacp.State) string {
	f := "S"
	if st&lacp.Timeout != 0 {
		f = "F"
	}
	if st&lacp.Activity != 0 {
		return f + "A"
	}
	return f + "P"
}

// lacpChannels are the channels that run LACP.
func lacpChannels(cs []channelView) []channelView {
	return slices.DeleteFunc(cs, func(c channelView) bool { return c.protocol != "LACP" })
}

// showLACPNeighbor is `show lacp [N] neighbor`.
func (d *Device) showLACPNeighbor(group int) string {
	var b strings.Builder
	b.WriteString(lacpFlags)
	for _, c := range lacpChannels(d.channels(group)) {
		fmt.Fprintf(&b, "\nChannel group %d neighbors\n\nPartner's information:\n\n", c.Group)
		b.WriteString("                  LACP port                        Admin  Oper   Port    Port\n")
		b.WriteString("Port      Flags   Priority  Dev ID          Age    key    Key    Number  State\n")
		for _, m := range c.members {
			if !m.known {
				continue
			}
			p := m.partner
			fmt.Fprintf(&b, "%-10s%-8s%-10d%-16s%-7s%-7s%-7s%-8s0x%-4X\n", ifname.Short(m.name), lacpFlagsOf(p.State), p.PortPriority,
				dotted(p.System), fmt.Sprintf("%ds", int64(m.age/time.Second)), "0x0", fmt.Sprintf("0x%X", p.Key), fmt.Sprintf("0x%X", p.Port), uint8(p.State))
		}
	}
	return b.String()
}

// showLACPInternal is `show lacp [N] internal`.
func (d *Device) showLACPInternal(group int) string {
	var b strings.Builder
	b.WriteString(lacpFlags)
	for _, c := range lacpChannels(d.channels(group)) {
		fmt.Fprintf(&b, "\nChannel group %d\n", c.Group)
		b.WriteString("                            LACP port     Admin     Oper    Port        Port\n")
		b.WriteString("Port      Flags   State     Priority      Key       Key     Number      State\n")
		for _, m := range c.members {
			a := m.actor
			fmt.Fprintf(&b, "%-10s%-8s%-10s%-14d%-10s%-8s%-12s0x%-4X\n", ifname.Short(m.name), lacpFlagsOf(a.State), m.state(), m.prio,
				fmt.Sprintf("0x%X", c.Group), fmt.Sprintf("0x%X", c.Group), fmt.Sprintf("0x%X", a.Port), uint8(a.State))
		}
	}
	return b.String()
}

// showLACPCounters is `show lacp [N] counters`.
func (d *Device) showLACPCounters(group int) string {
	var b strings.Builder
	b.WriteString("             LACPDUs         Marker      Marker Response    LACPDUs\n")
	b.WriteString("Port       Sent   Recv     Sent   Recv     Sent   Recv      Pkts Err\n")
	b.WriteString("---------------------------------------------------------------------\n")
	for _, c := range lacpChannels(d.channels(group)) {
		fmt.Fprintf(&b, "Channel group: %d\n", c.Group)
		for _, m := range c.members {
			fmt.Fprintf(&b, "%-11s%-7d%-9d%-7d%-9d%-7d%-10d%d\n", ifname.Short(m.name), m.tx, m.rx, 0, 0, 0, 0, m.rxErr)
		}
	}
	return b.String()
}

// showLACPSysID is `show lacp sys-id`: the system priority and MAC
// (Ansible's cisco.ios lacp facts read the priority before the comma).
func (d *Device) showLACPSysID() string {
	d.ec.mu.Lock()
	prio := d.ec.systemPriority()
	d.ec.mu.Unlock()
	return fmt.Sprintf("%d, %s\n", prio, d.sw.BaseMAC())
}

// showInterfaceEtherChannel is `show interfaces IF etherchannel` for a
// Port-channel or a member.
func (d *Device) showInterfaceEtherChannel(name string) (string, error) {
	if n, ok := dataplane.ParsePortChannel(name); ok {
		cs := d.channels(n)
		if len(cs) == 0 {
			return "", engine.Rejectf("%% Invalid interface %s", name)
		}
		return strings.Replace(d.showEtherChannelPortChannel(n), "\t\tChannel-group listing: \n\t\t----------------------\n\n"+fmt.Sprintf("Group: %d \n----------\n", n)+"\t\tPort-channels in the group: \n\t\t---------------------------\n\n", "", 1), nil
	}
	g := d.sw.ChannelGroup(name)
	if g == 0 {
		return "", nil
	}
	var b strings.Builder
	for _, c := range d.channels(g) {
		for _, m := range c.members {
			if m.name != name {
				continue
			}
			fmt.Fprintf(&b, "Port state    = %s\n", portStateWords(m))
			fmt.Fprintf(&b, "Channel group = %d           Mode = %s          Gcchange = -\n", g, ecModeWord(m.mode))
			fmt.Fprintf(&b, "Port-channel  = %s           GC   =   -             Pseudo port-channel = %s\n", ifname.Short(c.Name), ifname.Short(c.Name))
			fmt.Fprintf(&b, "Port index    = 0           Load = 0x00          Protocol = %s\n", c.protocol)
			if m.mode.lacp() {
				fmt.Fprintf(&b, "\nLocal information:\n                            LACP port     Admin     Oper    Port        Port\n")
				b.WriteString("Port      Flags   State     Priority      Key       Key     Number      State\n")
				fmt.Fprintf(&b, "%-10s%-8s%-10s%-14d%-10s%-8s%-12s0x%-4X\n", ifname.Short(m.name), lacpFlagsOf(m.actor.State), m.state(), m.prio,
					fmt.Sprintf("0x%X", g), fmt.Sprintf("0x%X", g), fmt.Sprintf("0x%X", m.actor.Port), uint8(m.actor.State))
			}
		}
	}
	return b.String(), nil
}

func portStateWords(m memberView) string {
	switch m.flag() {
	case "P":
		return "Up Mstr Assoc In-Bndl "
	case "D":
		return "Down Not-in-Bndl "
	}
	return "Up Mstr Assoc Not-in-Bndl "
}

func ecModeWord(m channelMode) string {
	switch m {
	case modeActive:
		return "Active"
	case modePassive:
		return "Passive"
	case modeDesirable:
		return "Desirable"
	case modeAuto:
		return "Automatic"
	}
	return "On"
}

// dotted renders a MAC as IOS does: 0011.2233.4455.
func dotted(m [6]byte) string {
	return fmt.Sprintf("%02x%02x.%02x%02x.%02x%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// portChannelMembersLine is the "Members in this channel" line of show
// interfaces for a Port-channel ("" for other interfaces).
func (d *Device) portChannelMembersLine(name string) string {
	n, ok := dataplane.ParsePortChannel(name)
	if !ok {
		return ""
	}
	var names []string
	for _, c := range d.channels(n) {
		for _, m := range c.members {
			if m.bundled {
				names = append(names, ifname.Short(m.name))
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "  Members in this channel: " + strings.Join(names, " ") + " \n"
}
