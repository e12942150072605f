package cli

import (
	"fmt"
	"github.com/l2sw/l2sw/ifname"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

// out makes a handler of a show command's renderer: the text is printed
// (through the pager), an error rejects the line.
func out(f func(c *engine.Ctx, a engine.Args) (string, error)) engine.Handler {
	return func(c *engine.Ctx, a engine.Args) error {
		s, err := f(c, a)
		if err != nil {
			return err
		}
		c.Printf("%s", s)
		return nil
	}
}

func (d *Device) showCommands() []engine.Command {
	macFilter := "[{{dynamic|static}$type|address MAC|interface IFNAME|vlan <1-4094>}]"
	macHelp := map[string]string{"MAC": "48 bit mac address", "<1-4094>": "Vlan number", "interface": "interface keyword", "vlan": "vlan keyword",
		"aging-time": "aging-time keyword"}
	cmds := []engine.Command{
		{Syntax: "show version", Level: engine.LevelUser,
			Help: map[string]string{"version": "System hardware and software status"},
			Run:  out(func(*engine.Ctx, engine.Args) (string, error) { return d.showVersion(), nil })},
		{Syntax: "show clock", Level: engine.LevelUser,
			Help: map[string]string{"clock": "Display the system clock"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				c.Printf("*%s\n", d.opts.Now().UTC().Format("15:04:05.000 MST Mon Jan 2 2006"))
				return nil
			}},
		{Syntax: "show privilege", Level: engine.LevelUser,
			Help: map[string]string{"privilege": "Show current privilege level"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				c.Printf("Current privilege level is %d\n", c.State.Level())
				return nil
			}},
		{Syntax: "show history", Level: engine.LevelUser,
			Help: map[string]string{"history": "Display the session command history"},
			Run: func(c *engine.Ctx, _ engine.Args) error {
				for _, h := range c.State.History() {
					c.Printf("  %s\n", h)
				}
				return nil
			}},
		{Syntax: "show running-config [interface IFNAME]",
			Help: map[string]string{"interface": "Show interface configuration"},
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				name := a.Interface("interface")
				if s, ok := d.showRunningSVI(name); ok {
					return s, nil
				}
				if name != "" {
					if _, err := d.sw.Status(name); err != nil {
						return "", engine.Rejectf("%% Invalid interface %s", name)
					}
				}
				return d.showRunning(name), nil
			})},
		{Syntax: "show startup-config",
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showStartup() })},
		{Syntax: "show mac address-table " + macFilter, Level: engine.LevelUser, Help: macHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showMAC(a) })},
		{Syntax: "show mac address-table count [vlan <1-4094>]", Level: engine.LevelUser, Help: macHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showMACCount(uint16(a.Int("vlan"))), nil })},
		{Syntax: "show mac address-table aging-time [vlan <1-4094>]", Level: engine.LevelUser, Help: macHelp,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showAging(uint16(a.Int("vlan"))), nil })},
		{Syntax: "show mac-address-table " + macFilter, Level: engine.LevelUser, Hidden: true,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showMAC(a) })},
		{Syntax: "show mac-address-table count [vlan <1-4094>]", Level: engine.LevelUser, Hidden: true,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showMACCount(uint16(a.Int("vlan"))), nil })},
		{Syntax: "show mac-address-table aging-time [vlan <1-4094>]", Level: engine.LevelUser, Hidden: true,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showAging(uint16(a.Int("vlan"))), nil })},
		{Syntax: "show interfaces [IFNAME$ifname]", Level: engine.LevelUser,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				return d.showInterfacesWithSVIs(a.Interface("ifname"))
			})},
		{Syntax: "show interfaces [IFNAME$ifname] status", Level: engine.LevelUser,
			Help: map[string]string{"status": "Show interface line status"},
			Run:  out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showStatus(a.Interface("ifname")) })},
		{Syntax: "show interfaces [IFNAME$ifname] counters", Level: engine.LevelUser,
			Help: map[string]string{"counters": "Show interface counters"},
			Run:  out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showCounters(a.Interface("ifname")) })},
		{Syntax: "show vlan [brief]", Level: engine.LevelUser,
			Help: map[string]string{"vlan": "VTP VLAN status", "brief": "VTP all VLAN status in brief"},
			Run:  out(func(_ *engine.Ctx, a engine.Args) (string, error) { return d.showVLAN(a.Keyword("brief"), 0), nil })},
		{Syntax: "show vlan id <1-4094>", Level: engine.LevelUser,
			Help: map[string]string{"id": "VTP VLAN status by VLAN id", "<1-4094>": "ISL VLAN IDs 1-4094"},
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				v := a.Int("id")
				if !d.vlanExists(uint16(v)) && !isDefaultVLAN(v) {
					return "", engine.Rejectf("VLAN id %d not found in current VLAN database", v)
				}
				return d.showVLAN(false, uint16(v)), nil
			})},
		{Syntax: "show logging", Level: engine.LevelUser,
			Help: map[string]string{"logging": "Show the contents of logging buffers"},
			Run:  out(func(*engine.Ctx, engine.Args) (string, error) { return d.showLogging(), nil })},
	}
	return cmds
}

func (d *Device) vlanExists(v uint16) bool {
	for _, x := range d.sw.VLANs() {
		if x.ID == v {
			return true
		}
	}
	return false
}

// cpuMACs are the addresses a Catalyst lists as `All ... STATIC CPU`: the
// Cisco protocol and IEEE reserved multicasts it traps, and broadcast.
var cpuMACs = func() []packet.MAC {
	out := []packet.MAC{{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}, {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd}}
	for i := 0; i <= 0x10; i++ {
		out = append(out, packet.MAC{0x01, 0x80, 0xc2, 0, 0, byte(i)})
	}
	return append(out, packet.BroadcastMAC)
}()

// showMAC is `show mac address-table` in the Catalyst 2960/3750 layout.
func (d *Device) showMAC(a engine.Args) (string, error) {
	f := dataplane.MACFilter{VLAN: uint16(a.Int("vlan")), Port: a.Interface("interface")}
	switch a.String("type") {
	case "dynamic":
		f.DynamicOnly = true
	case "static":
		f.StaticOnly = true
	}
	if a.Has("address") {
		f.MAC, f.HasMAC = a.MAC("address"), true
	}
	entries, err := d.sw.MACEntries(f)
	if err != nil {
		return "", engine.Rejectf("%% %v", err)
	}
	var b strings.Builder
	b.WriteString("          Mac Address Table\n-------------------------------------------\n\n")
	b.WriteString("Vlan    Mac Address       Type        Ports\n----    -----------       --------    -----\n")
	n := 0
	if !f.DynamicOnly && f.VLAN == 0 && f.Port == "" {
		for _, m := range cpuMACs {
			if f.HasMAC && m != f.MAC {
				continue
			}
			fmt.Fprintf(&b, "%4s    %-14s    %-8s    %s\n", "All", m, "STATIC", "CPU")
			n++
		}
	}
	for _, e := range entries {
		typ := "DYNAMIC"
		if e.Static {
			typ = "STATIC"
		}
		port := ifname.Short(e.Port)
		if len(e.Ports) > 0 { // a static multicast entry: its ports, as IOS lists them
			short := make([]string, len(e.Ports))
			for i, p := range e.Ports {
				short[i] = ifname.Short(p)
			}
			port = strings.Join(short, " ")
		}
		fmt.Fprintf(&b, "%4d    %-14s    %-8s    %s\n", e.VLAN, e.MAC, typ, port)
		n++
	}
	fmt.Fprintf(&b, "Total Mac Addresses for this criterion: %d\n", n)
	return b.String(), nil
}

// showMACCount is `show mac address-table count` (2960 layout).
func (d *Device) showMACCount(vlan uint16) string {
	c := d.sw.MACCounts()
	per := map[uint16]dataplane.MACCounts{}
	_ = per
	var b strings.Builder
	vlans := d.sw.VLANs()
	counts := map[uint16][2]int{}
	for _, vc := range c.PerVLAN {
		counts[vc.VLAN] = [2]int{vc.Dynamic, vc.Static + vc.System}
	}
	seen := map[uint16]bool{}
	emit := func(id uint16) {
		x := counts[id]
		fmt.Fprintf(&b, "\nMac Entries for Vlan %d:\n---------------------------\n", id)
		fmt.Fprintf(&b, "Dynamic Address Count  : %d\nStatic  Address Count  : %d\nTotal Mac Addresses    : %d\n", x[0], x[1], x[0]+x[1])
	}
	for _, v := range vlans {
		seen[v.ID] = true
		if vlan == 0 || vlan == v.ID {
			emit(v.ID)
		}
	}
	for _, vc := range c.PerVLAN { // entries in VLANs deleted meanwhile
		if !seen[vc.VLAN] && (vlan == 0 || vlan == vc.VLAN) {
			emit(vc.VLAN)
		}
	}
	fmt.Fprintf(&b, "\nTotal Mac Address Space Available: %d\n\n", c.Free)
	return b.String()
}

// showAging is `show mac address-table aging-time [vlan N]`.
func (d *Device) showAging(vlan uint16) string {
	var b strings.Builder
	if vlan == 0 {
		fmt.Fprintf(&b, "Global Aging Time: %4d\n", d.sw.MACAgingTime())
	}
	b.WriteString("Vlan    Aging Time\n----    ----------\n")
	for _, v := range d.sw.VLANs() {
		if vlan != 0 && v.ID != vlan {
			continue
		}
		if t, ok := d.sw.VLANMACAgingTime(v.ID); ok {
			fmt.Fprintf(&b, "%4d    %10d\n", v.ID, t)
		} else if vlan != 0 {
			fmt.Fprintf(&b, "%4d    %10d\n", v.ID, d.sw.MACAgingTime())
		}
	}
	return b.String()
}

// portKind is what a port type looks like in show interfaces.
type portKind struct {
	hardware string // "Gigabit Ethernet"
	bwKbit   int
	media    string
	speed    string // negotiated speed in show interfaces status ("1000")
}

func kindOf(name string) portKind {
	switch {
	case strings.HasPrefix(name, "TenGigabitEthernet"):
		return portKind{"Ten Gigabit Ethernet", 10000000, "SFP-10GBase-SR", "10G"}
	case strings.HasPrefix(name, "FastEthernet"):
		return portKind{"Fast Ethernet", 100000, "10/100BaseTX", "100"}
	case strings.HasPrefix(name, "Port-channel"):
		return portKind{"EtherChannel", 1000000, "unknown", "1000"}
	}
	return portKind{"Gigabit Ethernet", 1000000, "10/100/1000BaseTX", "1000"}
}

// portState is a port's line state in IOS words.
type portState struct {
	status   string // show interfaces status: connected, notconnect, disabled, inactive
	link     string // "up", "down", "administratively down"
	protocol string // "up (connected)" ...
	up       bool
}

func (d *Device) stateOf(st dataplane.PortStatus) portState {
	s := st.Settings
	switch {
	case s.Shutdown:
		return portState{"disabled", "administratively down", "down (disabled)", false}
	case st.ErrDisabled != "":
		return portState{"err-disabled", "down", "down (err-disabled)", false}
	case !st.LinkUp:
		return portState{"notconnect", "down", "down (notconnect)", false}
	case s.Mode == dataplane.ModeAccess && !d.vlanExists(s.AccessVLAN):
		return portState{"inactive", "up", "down (inactive)", false}
	}
	return portState{"connected", "up", "up (connected)", true}
}

// portMAC is the burned-in address of the i-th port: the base MAC plus i+1,
// as Catalysts number their port addresses after the base address.
func (d *Device) portMAC(i int) packet.MAC {
	return packet.MACFromUint64(d.sw.BaseMAC().Uint64() + uint64(i) + 1)
}

// ports resolves an optional interface argument to the list to show.
func (d *Device) portList(name string) ([]string, error) {
	all := d.sw.Ports()
	if name == "" {
		return all, nil
	}
	for _, p := range all {
		if p == name {
			return []string{p}, nil
		}
	}
	return nil, engine.Rejectf("%% Invalid interface %s", name)
}

// showInterfaces is `show interfaces [X]`, one Catalyst block per port.
func (d *Device) showInterfaces(name string) (string, error) {
	names, err := d.portList(name)
	if err != nil {
		return "", err
	}
	idx := map[string]int{}
	for i, p := range d.sw.Ports() {
		idx[p] = i
	}
	var b strings.Builder
	for _, n := range names {
		st, err := d.sw.Status(n)
		if err != nil {
			continue
		}
		cnt, _ := d.sw.Counters(n)
		ps := d.stateOf(st)
		k := kindOf(n)
		d.mu.Lock()
		x := portExtra{}
		if p := d.ports[n]; p != nil {
			x = *p
		}
		cleared := d.lastClear[n]
		if cleared.IsZero() {
			cleared = d.clearedAll
		}
		d.mu.Unlock()
		mac := d.portMAC(idx[n])
		bw := k.bwKbit
		switch x.speed {
		case "10":
			bw = 10000
		case "100":
			bw = 100000
		case "1000":
			bw = 1000000
		}
		fmt.Fprintf(&b, "%s is %s, line protocol is %s \n", n, ps.link, ps.protocol)
		fmt.Fprintf(&b, "  Hardware is %s, address is %s (bia %s)\n", k.hardware, mac, mac)
		if st.Settings.Description != "" {
			fmt.Fprintf(&b, "  Description: %s\n", st.Settings.Description)
		}
		fmt.Fprintf(&b, "  MTU %d bytes, BW %d Kbit/sec, DLY 10 usec, \n", d.portMTU(st.Settings), bw)
		rt := d.portRates(n)
		fmt.Fprintf(&b, "     reliability 255/255, txload %d/255, rxload %d/255\n", load(rt.outBits, bw), load(rt.inBits, bw))
		b.WriteString("  Encapsulation ARPA, loopback not set\n")
		b.WriteString("  Keepalive set (10 sec)\n")
		fmt.Fprintf(&b, "  %s, %s, media type is %s\n", duplexWords(x.duplex, ps.up), speedWords(x.speed, k, ps.up), k.media)
		b.WriteString("  input flow-control is off, output flow-control is unsupported \n")
		b.WriteString(d.portChannelMembersLine(n)) // etherchannel.go
		b.WriteString("  ARP type: ARPA, ARP Timeout 04:00:00\n")
		fmt.Fprintf(&b, "  Last input %s, output %s, output hang never\n",
			d.lastActivity(rt.lastInput, rt.seenInput, cnt.Get(dataplane.RxFrames)), d.lastActivity(rt.lastOutput, rt.seenOutput, cnt.Get(dataplane.TxFrames)))
		clearing := "never"
		if !cleared.IsZero() {
			clearing = iosDuration(d.opts.Now().Sub(cleared))
		}
		fmt.Fprintf(&b, "  Last clearing of \"show interface\" counters %s\n", clearing)
		fmt.Fprintf(&b, "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: %d\n", cnt.Get(dataplane.TxErrors))
		b.WriteString("  Queueing strategy: fifo\n")
		b.WriteString("  Output queue: 0/40 (size/max)\n")
		iw := intervalWords(d.loadInterval(n))
		fmt.Fprintf(&b, "  %s input rate %d bits/sec, %d packets/sec\n", iw, int64(rt.inBits), int64(rt.inPkts))
		fmt.Fprintf(&b, "  %s output rate %d bits/sec, %d packets/sec\n", iw, int64(rt.outBits), int64(rt.outPkts))
		rxMcast, rxBcast := cnt.Get(dataplane.RxMulticast), cnt.Get(dataplane.RxBroadcast)
		fmt.Fprintf(&b, "     %d packets input, %d bytes, 0 no buffer\n", cnt.Get(dataplane.RxFrames), cnt.Get(dataplane.RxBytes))
		fmt.Fprintf(&b, "     Received %d broadcasts (%d multicasts)\n", rxBcast+rxMcast, rxMcast)
		fmt.Fprintf(&b, "     %d runts, %d giants, 0 throttles \n", cnt.Get(dataplane.DropRunt), cnt.Get(dataplane.DropGiant))
		fmt.Fprintf(&b, "     %d input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored\n", inputErrors(cnt))
		fmt.Fprintf(&b, "     0 watchdog, %d multicast, 0 pause input\n", rxMcast)
		b.WriteString("     0 input packets with dribble condition detected\n")
		fmt.Fprintf(&b, "     %d packets output, %d bytes, 0 underruns\n", cnt.Get(dataplane.TxFrames), cnt.Get(dataplane.TxBytes))
		fmt.Fprintf(&b, "     %d output errors, 0 collisions, 1 interface resets\n", cnt.Get(dataplane.TxErrors))
		b.WriteString("     0 unknown protocol drops\n")
		b.WriteString("     0 babbles, 0 late collision, 0 deferred\n")
		b.WriteString("     0 lost carrier, 0 no carrier, 0 pause output\n")
		b.WriteString("     0 output buffer failures, 0 output buffers swapped out\n")
	}
	return b.String(), nil
}

func duplexWords(cfg string, up bool) string {
	switch {
	case cfg == "half":
		return "Half-duplex"
	case cfg == "full" || up:
		return "Full-duplex"
	}
	return "Auto-duplex"
}

func speedWords(cfg string, k portKind, up bool) string {
	switch {
	case cfg != "":
		return cfg + "Mb/s"
	case up && k.speed == "10G":
		return "10Gb/s"
	case up:
		return k.speed + "Mb/s"
	}
	return "Auto-speed"
}

// iosDuration renders an elapsed time as IOS does: hh:mm:ss under a day,
// then 1d02h, then 1w2d.
func iosDuration(dur time.Duration) string {
	if dur < 0 {
		dur = 0
	}
	s := int64(dur / time.Second)
	switch {
	case s < 86400:
		return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	case s < 7*86400:
		return fmt.Sprintf("%dd%02dh", s/86400, s/3600%24)
	}
	return fmt.Sprintf("%dw%dd", s/(7*86400), s/86400%7)
}

// showStatus is `show interfaces status` in the Catalyst column layout.
func (d *Device) showStatus(name string) (string, error) {
	names, err := d.portList(name)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("\nPort      Name               Status       Vlan       Duplex  Speed Type\n")
	for _, n := range names {
		st, err := d.sw.Status(n)
		if err != nil {
			continue
		}
		ps := d.stateOf(st)
		k := kindOf(n)
		d.mu.Lock()
		x := portExtra{}
		if p := d.ports[n]; p != nil {
			x = *p
		}
		d.mu.Unlock()
		vlan := fmt.Sprint(st.Settings.AccessVLAN)
		if st.Settings.Mode == dataplane.ModeTrunk {
			vlan = "trunk"
		}
		duplex, speed := "auto", "auto"
		switch {
		case x.duplex != "":
			duplex = x.duplex
		case ps.up:
			duplex = "a-full"
		}
		switch {
		case x.speed != "":
			speed = x.speed
		case ps.up:
			speed = "a-" + k.speed
		}
		desc := st.Settings.Description
		if len(desc) > 18 {
			desc = desc[:18]
		}
		fmt.Fprintf(&b, "%-9s %-18s %-12s %-10s %6s %6s %s\n", ifname.Short(n), desc, ps.status, vlan, duplex, speed, k.media)
	}
	return b.String(), nil
}

// showCounters is `show interfaces counters`.
func (d *Device) showCounters(name string) (string, error) {
	names, err := d.portList(name)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("\nPort            InOctets    InUcastPkts    InMcastPkts    InBcastPkts\n")
	for _, n := range names {
		c, _ := d.sw.Counters(n)
		fmt.Fprintf(&b, "%-9s%15d%15d%15d%15d\n", ifname.Short(n), c.Get(dataplane.RxBytes), c.Get(dataplane.RxUnicast), c.Get(dataplane.RxMulticast), c.Get(dataplane.RxBroadcast))
	}
	b.WriteString("\nPort           OutOctets   OutUcastPkts   OutMcastPkts   OutBcastPkts\n")
	for _, n := range names {
		c, _ := d.sw.Counters(n)
		fmt.Fprintf(&b, "%-9s%15d%15d%15d%15d\n", ifname.Short(n), c.Get(dataplane.TxBytes), c.Get(dataplane.TxUnicast), c.Get(dataplane.TxMulticast), c.Get(dataplane.TxBroadcast))
	}
	return b.String(), nil
}

// showVLAN is `show vlan [brief]` / `show vlan id N`; only != 0 limits the
// listing to one VLAN.
func (d *Device) showVLAN(brief bool, only uint16) string {
	members := map[uint16][]string{}
	for _, p := range d.sw.Ports() {
		st, err := d.sw.Status(p)
		if err != nil || st.Settings.Mode != dataplane.ModeAccess || d.sw.ChannelGroup(p) != 0 { // a bundle's members are its Port-channel
			continue
		}
		members[st.Settings.AccessVLAN] = append(members[st.Settings.AccessVLAN], ifname.Short(p))
	}
	type row struct {
		id         uint16
		name       string
		status     string
		typ        string
		stp, brdge string
	}
	var rows []row
	for _, v := range d.sw.VLANs() {
		if !isDefaultVLAN(int(v.ID)) {
			rows = append(rows, row{v.ID, v.Name, "active", "enet", "-", "-"})
		}
	}
	for _, dv := range defaultVLANs {
		rows = append(rows, row{dv.id, dv.name, "act/unsup", dv.typ, dv.stp, dv.brdge})
	}
	var b strings.Builder
	b.WriteString("\nVLAN Name                             Status    Ports\n")
	b.WriteString("---- -------------------------------- --------- -------------------------------\n")
	for _, r := range rows {
		if only != 0 && r.id != only {
			continue
		}
		lines := wrapPorts(members[r.id])
		fmt.Fprintf(&b, "%-4d %-32s %-9s %s\n", r.id, r.name, r.status, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "%48s%s\n", "", l)
		}
	}
	if brief {
		return b.String()
	}
	b.WriteString("\nVLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2\n")
	b.WriteString("---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------\n")
	for _, r := range rows {
		if only != 0 && r.id != only {
			continue
		}
		fmt.Fprintf(&b, "%-4d %-5s %-10d %-5d %-6s %-6s %-8s %-4s %-8s %-6d %-4d\n", r.id, r.typ, 100000+int(r.id), 1500, "-", "-", "-", r.stp, r.brdge, 0, 0)
	}
	if only == 0 {
		b.WriteString("\nRemote SPAN VLANs\n------------------------------------------------------------------------------\n\n\n")
		b.WriteString("Primary Secondary Type              Ports\n------- --------- ----------------- ------------------------------------------\n\n")
	}
	return b.String()
}

// wrapPorts joins port names with ", " into lines that fit the 80-column
// layout of show vlan (ports start at column 48).
func wrapPorts(ports []string) []string {
	const room = 80 - 48
	lines := []string{""}
	for _, p := range ports {
		cur := &lines[len(lines)-1]
		switch {
		case *cur == "":
			*cur = p
		case len(*cur)+2+len(p) <= room:
			*cur += ", " + p
		default:
			lines = append(lines, p)
		}
	}
	return lines
}
