package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cdp"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/lldp"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// This file is the runner of the two discovery protocols, CDP and LLDP:
// their settings, their neighbor tables and the loop that sends
// advertisements on every port and learns what the neighbors send. The
// codecs are the cdp and lldp packages; the commands and show layouts are
// in cdp.go and lldp.go.

// IOS defaults.
const (
	defaultCDPTimer     = 60
	defaultCDPHoldtime  = 180
	defaultLLDPTimer    = 30
	defaultLLDPHoldtime = 120
	defaultLLDPReinit   = 2
)

// maxNeighbors bounds each table: a port flooded with advertisements of
// ever-new devices must not grow the switch's memory without end.
const maxNeighbors = 1024

// mismatchEvery is how often IOS repeats a CDP mismatch message while the
// mismatch lasts.
const mismatchEvery = time.Minute

// discoveryTick is how often the runner looks at its timers and ages the
// tables: the holdtimes count in seconds.
const discoveryTick = time.Second

// cdpNeighbor is one row of the CDP table.
type cdpNeighbor struct {
	local   string // our interface
	p       cdp.Packet
	expires time.Time
	// warned is when the native VLAN / duplex mismatch was last logged.
	vlanWarned, duplexWarned time.Time
}

// lldpNeighbor is one row of the LLDP table.
type lldpNeighbor struct {
	local   string
	f       lldp.Frame
	expires time.Time
}

// nbrKey names a neighbor on one of our ports: its device (chassis) and
// port as it identifies them.
type nbrKey struct{ local, device, port string }

// cdpCounters are `show cdp traffic`.
type cdpCounters struct {
	out, in, hdrSyntax, checksum, encaps, invalid, v1In, v2In uint64
}

// lldpCounters are `show lldp traffic`.
type lldpCounters struct {
	out, aged, in, errors, discarded, tlvDiscarded, tlvUnknown uint64
}

// discovery is the state of CDP and LLDP. Its lock is taken after no other
// lock of the Device and nothing is called with it held but the tables'
// own code: the switch is read before or after.
type discovery struct {
	mu sync.Mutex

	cdpRun                bool
	cdpTimer, cdpHoldtime int
	cdpOff                map[string]bool // `no cdp enable`
	cdpNbrs               map[nbrKey]*cdpNeighbor
	cdpStats              cdpCounters
	cdpNext               time.Time // next advertisement; zero: at once

	lldpRun                             bool
	lldpTimer, lldpHoldtime, lldpReinit int
	lldpNoTx, lldpNoRx                  map[string]bool // `no lldp transmit|receive`
	lldpNbrs                            map[nbrKey]*lldpNeighbor
	lldpStats                           lldpCounters
	lldpNext                            time.Time
	kick                                chan struct{} // a setting changed: look at the timers now
	ids                                 map[cam.PortID]string
	wasUp                               map[string]bool // the ports up at the last tick
}

func newDiscovery() *discovery {
	return &discovery{
		cdpRun: true, cdpTimer: defaultCDPTimer, cdpHoldtime: defaultCDPHoldtime,
		cdpOff: map[string]bool{}, cdpNbrs: map[nbrKey]*cdpNeighbor{},
		lldpTimer: defaultLLDPTimer, lldpHoldtime: defaultLLDPHoldtime, lldpReinit: defaultLLDPReinit,
		lldpNoTx: map[string]bool{}, lldpNoRx: map[string]bool{}, lldpNbrs: map[nbrKey]*lldpNeighbor{},
		kick: make(chan struct{}, 1),
	}
}

// poke asks the runner to look at its timers now (a protocol was turned on
// or its timer changed).
func (x *discovery) poke() {
	select {
	case x.kick <- struct{}{}:
	default:
	}
}

// rxFrame is a control frame handed from the control plane to the runner.
type rxFrame struct {
	port  cam.PortID
	frame []byte
}

// RunDiscovery runs CDP and LLDP until ctx is done; the daemon runs it. It
// listens for both protocols' frames on every port (consumed: a Catalyst
// does not forward them), sends the advertisements when their timers say
// and ages the neighbors out at their holdtime.
func (d *Device) RunDiscovery(ctx context.Context) error {
	frames := make(chan rxFrame, 256)
	handler := func(f dataplane.ControlFrame) {
		select {
		case frames <- rxFrame{port: f.Port, frame: append([]byte(nil), f.Frame...)}:
		default: // the runner is behind: drop, the neighbor repeats itself
		}
	}
	var cancels []func()
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for _, mac := range []packet.MAC{cdp.MulticastMAC, lldp.MulticastMAC} {
		c, err := d.sw.ListenControl(mac, dataplane.ControlConsume, handler)
		if err != nil {
			return fmt.Errorf("discovery: %w", err)
		}
		cancels = append(cancels, c)
	}
	x := d.disc
	t := time.NewTicker(discoveryTick)
	defer t.Stop()
	d.discoveryTick(d.opts.Now())
	for {
		select {
		case f := <-frames:
			name := d.portName(f.port)
			if name != "" {
				d.discoveryReceive(name, f.frame, d.opts.Now())
			}
		case <-t.C:
			d.discoveryTick(d.opts.Now())
		case <-x.kick:
			d.discoveryTick(d.opts.Now())
		case <-ctx.Done():
			return nil
		}
	}
}

// portName maps a port number of a control frame to its interface name.
// Only the runner's goroutine calls it; the map is rebuilt when a number
// is missing (a port added since).
func (d *Device) portName(id cam.PortID) string {
	x := d.disc
	if n, ok := x.ids[id]; ok {
		return n
	}
	x.ids = map[cam.PortID]string{}
	for _, n := range d.sw.Ports() {
		if st, err := d.sw.Status(n); err == nil {
			x.ids[st.ID] = n
		}
	}
	return x.ids[id]
}

// discoveryReceive learns from one CDP or LLDP frame received on port.
func (d *Device) discoveryReceive(port string, frame []byte, now time.Time) {
	if len(frame) < packet.EthLen {
		return
	}
	switch [6]byte(frame[0:6]) {
	case cdp.MulticastMAC:
		d.cdpReceive(port, frame, now)
	case lldp.MulticastMAC:
		d.lldpReceive(port, frame, now)
	}
}

func (d *Device) cdpReceive(port string, frame []byte, now time.Time) {
	pl, err := cdp.Payload(frame)
	if err != nil {
		return // VTP, DTP, PAgP share the address: not ours
	}
	p, err := cdp.Decode(pl)
	mine, _ := d.advertPort(port)
	x := d.disc
	x.mu.Lock()
	if !x.cdpRun || x.cdpOff[port] {
		x.mu.Unlock()
		return
	}
	x.cdpStats.in++
	switch {
	case err == nil:
	case errors.Is(err, cdp.ErrChecksum):
		x.cdpStats.checksum++
	case errors.Is(err, cdp.ErrShort), errors.Is(err, cdp.ErrVersion):
		x.cdpStats.hdrSyntax++
	default:
		x.cdpStats.invalid++
	}
	if err != nil {
		x.mu.Unlock()
		return
	}
	if p.Version == 1 {
		x.cdpStats.v1In++
	} else {
		x.cdpStats.v2In++
	}
	k := nbrKey{port, p.DeviceID, p.PortID}
	old := x.cdpNbrs[k]
	if p.TTL == 0 {
		delete(x.cdpNbrs, k)
		x.mu.Unlock()
		return
	}
	if old == nil && len(x.cdpNbrs) >= maxNeighbors {
		x.mu.Unlock()
		return
	}
	n := &cdpNeighbor{local: port, p: p, expires: now.Add(seconds(int(p.TTL)))}
	if old != nil {
		n.vlanWarned, n.duplexWarned = old.vlanWarned, old.duplexWarned
	}
	var logs []func()
	if mine.name != "" && p.HasNativeVLAN && p.NativeVLAN != mine.pvid && now.Sub(n.vlanWarned) >= mismatchEvery {
		n.vlanWarned = now
		logs = append(logs, func() {
			d.sw.Log().Log("CDP", syslog.Warning, "NATIVE_VLAN_MISMATCH", "Native VLAN mismatch discovered on %s (%d), with %s %s (%d).",
				port, mine.pvid, oneLine(p.DeviceID), oneLine(p.PortID), p.NativeVLAN)
		})
	}
	if mine.name != "" && p.HasDuplex && p.FullDuplex != mine.full && now.Sub(n.duplexWarned) >= mismatchEvery {
		n.duplexWarned = now
		logs = append(logs, func() {
			d.sw.Log().Log("CDP", syslog.Warning, "DUPLEX_MISMATCH", "duplex mismatch discovered on %s (%s), with %s %s (%s).",
				port, cdpDuplexWords(mine.full), oneLine(p.DeviceID), oneLine(p.PortID), cdpDuplexWords(p.FullDuplex))
		})
	}
	x.cdpNbrs[k] = n
	x.mu.Unlock()
	for _, l := range logs {
		l()
	}
}

func cdpDuplexWords(full bool) string {
	if full {
		return "full duplex"
	}
	return "not full duplex"
}

func (d *Device) lldpReceive(port string, frame []byte, now time.Time) {
	if len(frame) < packet.EthLen+2 || uint16(frame[12])<<8|uint16(frame[13]) != lldp.EtherType {
		return
	}
	f, err := lldp.Decode(frame[packet.EthLen:])
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.lldpRun || x.lldpNoRx[port] {
		return
	}
	x.lldpStats.in++
	if err != nil {
		x.lldpStats.errors++
		x.lldpStats.discarded++
		return
	}
	x.lldpStats.tlvUnknown += uint64(f.Unknown)
	k := nbrKey{port, string(rune(f.ChassisSubtype)) + string(f.ChassisID), string(rune(f.PortSubtype)) + string(f.PortID)}
	if f.TTL == 0 {
		delete(x.lldpNbrs, k)
		return
	}
	if x.lldpNbrs[k] == nil && len(x.lldpNbrs) >= maxNeighbors {
		x.lldpStats.discarded++
		return
	}
	x.lldpNbrs[k] = &lldpNeighbor{local: port, f: f, expires: now.Add(seconds(int(f.TTL)))}
}

// portAdvert is what both protocols say about one of our ports.
type portAdvert struct {
	name   string
	id     cam.PortID
	desc   string
	pvid   uint16 // the access VLAN, or the native VLAN of a trunk
	full   bool   // duplex
	cdpOn  bool
	lldpTx bool
}

// localAdvert is what both protocols say about the switch.
type localAdvert struct {
	hostname, software, platform string
	mac                          packet.MAC
	mgmt                         []netip.Addr
	mgmtVLAN                     uint16
	routing                      bool // ip routing with an addressed SVI: a router too
}

// local gathers the switch-wide contents of the advertisements.
func (d *Device) local() localAdvert {
	l := localAdvert{hostname: d.Hostname(), mac: d.sw.RouterMAC(),
		platform: fmt.Sprintf("cisco L2SW-%dT", len(d.sw.Ports()))}
	lines := strings.SplitN(d.showVersion(), "\n", 5)
	if len(lines) > 4 {
		lines = lines[:4]
	}
	l.software = strings.Join(lines, "\n")
	for _, s := range d.sw.SVIs() {
		if s.Shutdown || len(s.Addresses) == 0 {
			continue
		}
		if len(l.mgmt) == 0 {
			l.mgmt, l.mgmtVLAN = []netip.Addr{s.Addresses[0].Addr()}, s.VLAN
		}
		l.routing = d.sw.IPRouting()
	}
	return l
}

// cdpCaps are the capabilities a Catalyst advertises: a switch with IGMP
// snooping, and a router when it routes between SVIs ("R S I").
func (l localAdvert) cdpCaps() cdp.Capabilities {
	c := cdp.CapSwitch | cdp.CapIGMP
	if l.routing {
		c |= cdp.CapRouter
	}
	return c
}

func (l localAdvert) lldpCaps() (system, enabled lldp.Capabilities) {
	system, enabled = lldp.CapBridge|lldp.CapRouter, lldp.CapBridge
	if l.routing {
		enabled |= lldp.CapRouter
	}
	return system, enabled
}

// mauFor is the operational MAU type (RFC 4836) of a port's kind.
func mauFor(name string) uint16 {
	switch {
	case strings.HasPrefix(name, "FastEthernet"):
		return 16 // 100BASE-TX full duplex
	case strings.HasPrefix(name, "TenGigabitEthernet"):
		return 54 // 10GBASE-T
	}
	return 30 // 1000BASE-T full duplex
}

// discoveryTick sends the advertisements that are due and ages both
// tables; the runner calls it every second and when a setting changes.
func (d *Device) discoveryTick(now time.Time) {
	x := d.disc
	x.mu.Lock()
	cdpRun, lldpRun := x.cdpRun, x.lldpRun
	sendCDP := x.cdpRun && !now.Before(x.cdpNext)
	if sendCDP {
		x.cdpNext = now.Add(time.Duration(x.cdpTimer) * time.Second)
	}
	sendLLDP := x.lldpRun && !now.Before(x.lldpNext)
	if sendLLDP {
		x.lldpNext = now.Add(time.Duration(x.lldpTimer) * time.Second)
	}
	cdpHold, lldpHold := x.cdpHoldtime, x.lldpHoldtime
	x.mu.Unlock()

	ports := d.advertPorts()
	up := map[string]bool{}
	for _, p := range ports {
		up[p.name] = true
	}
	x.mu.Lock()
	// A port that came up since the last tick advertises at once, as IOS
	// does on link up, instead of waiting for the timers.
	fresh := map[string]bool{}
	for name := range up {
		if !x.wasUp[name] {
			fresh[name] = true
		}
	}
	x.wasUp = up
	for k, n := range x.cdpNbrs {
		if !now.Before(n.expires) || !up[n.local] {
			delete(x.cdpNbrs, k)
		}
	}
	for k, n := range x.lldpNbrs {
		if !now.Before(n.expires) || !up[n.local] {
			delete(x.lldpNbrs, k)
			x.lldpStats.aged++
		}
	}
	x.mu.Unlock()
	if !sendCDP && !sendLLDP && len(fresh) == 0 {
		return
	}
	l := d.local()
	var buf []byte
	var cdpOut, lldpOut uint64
	for _, p := range ports {
		if (sendCDP || cdpRun && fresh[p.name]) && p.cdpOn {
			buf = cdp.AppendFrame(buf[:0], l.mac, d.cdpPacket(l, p, cdpHold))
			if d.sw.SendFrame(p.id, buf) == nil {
				cdpOut++
			}
		}
		if (sendLLDP || lldpRun && fresh[p.name]) && p.lldpTx {
			buf = lldp.AppendEthernet(buf[:0], l.mac, d.lldpFrame(l, p, lldpHold))
			if d.sw.SendFrame(p.id, buf) == nil {
				lldpOut++
			}
		}
	}
	x.mu.Lock()
	x.cdpStats.out += cdpOut
	x.lldpStats.out += lldpOut
	x.mu.Unlock()
}

// advertPorts lists the ports that are up, with what the protocols say
// about each.
func (d *Device) advertPorts() []portAdvert {
	var out []portAdvert
	for _, name := range d.sw.Ports() {
		if p, ok := d.advertPort(name); ok {
			out = append(out, p)
		}
	}
	return out
}

// advertPort is what the protocols say about one port, if it is up.
func (d *Device) advertPort(name string) (portAdvert, bool) {
	st, err := d.sw.Status(name)
	if err != nil || !st.Up {
		return portAdvert{}, false
	}
	s := st.Settings
	pvid := s.AccessVLAN
	if s.Mode == dataplane.ModeTrunk {
		pvid = s.NativeVLAN
	}
	d.mu.Lock()
	half := d.ports[name] != nil && d.ports[name].duplex == "half"
	d.mu.Unlock()
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	return portAdvert{name: name, id: st.ID, desc: s.Description, pvid: pvid, full: !half,
		cdpOn: !x.cdpOff[name], lldpTx: !x.lldpNoTx[name]}, true
}

// cdpPacket is the advertisement of port p.
func (d *Device) cdpPacket(l localAdvert, p portAdvert, hold int) *cdp.Packet {
	return &cdp.Packet{
		Version: 2, TTL: uint8(hold), DeviceID: l.hostname, Addresses: l.mgmt, PortID: p.name,
		HasCaps: true, Capabilities: l.cdpCaps(), Software: l.software, Platform: l.platform,
		HasVTPDomain: true, HasNativeVLAN: true, NativeVLAN: p.pvid, HasDuplex: true, FullDuplex: p.full,
		MgmtAddresses: l.mgmt,
	}
}

// lldpFrame is the LLDPDU of port p: the port ID is the short interface
// name (subtype interface name), as IOS sends it, the description the
// interface's description or else its full name.
func (d *Device) lldpFrame(l localAdvert, p portAdvert, hold int) *lldp.Frame {
	sys, en := l.lldpCaps()
	desc := p.desc
	if desc == "" {
		desc = p.name
	}
	f := &lldp.Frame{
		ChassisSubtype: lldp.ChassisMAC, ChassisID: l.mac[:],
		PortSubtype: lldp.PortIfName, PortID: []byte(ifname.Short(p.name)), TTL: uint16(hold),
		PortDescription: desc, SystemName: l.hostname, SystemDescription: l.software,
		HasCaps: true, SystemCaps: sys, EnabledCaps: en,
		MgmtAddrs: l.mgmt, MgmtIfIndex: uint32(l.mgmtVLAN),
		PortVLAN: p.pvid,
		MACPHY:   &lldp.MACPHY{AutonegSupported: true, AutonegEnabled: true, Advertised: 0x6c01, MAU: mauFor(p.name)},
	}
	return f
}

// lldpShutdown sends the shutdown LLDPDU of 802.1AB 9.2.7.2 (TTL 0, the
// mandatory TLVs only) on the ports given that are up, so the neighbors
// forget the switch at once when LLDP stops there rather than at the
// holdtime. Not called with x.mu held.
func (d *Device) lldpShutdown(ports []string) {
	mac := d.sw.RouterMAC()
	var buf []byte
	for _, name := range ports {
		p, ok := d.advertPort(name)
		if !ok {
			continue
		}
		buf = lldp.AppendEthernet(buf[:0], mac, &lldp.Frame{ChassisSubtype: lldp.ChassisMAC, ChassisID: mac[:],
			PortSubtype: lldp.PortIfName, PortID: []byte(ifname.Short(p.name))})
		if d.sw.SendFrame(p.id, buf) == nil {
			d.disc.mu.Lock()
			d.disc.lldpStats.out++
			d.disc.mu.Unlock()
		}
	}
}

// cdpRows returns the CDP table sorted as shown, optionally for one
// interface.
func (d *Device) cdpRows(only string) []cdpNeighbor {
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []cdpNeighbor
	for _, n := range x.cdpNbrs {
		if only == "" || n.local == only {
			out = append(out, *n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].p.DeviceID != out[j].p.DeviceID {
			return out[i].p.DeviceID < out[j].p.DeviceID
		}
		if out[i].local != out[j].local {
			return ifname.Less(out[i].local, out[j].local)
		}
		return out[i].p.PortID < out[j].p.PortID
	})
	return out
}

// lldpRows returns the LLDP table sorted by our interface.
func (d *Device) lldpRows(only string) []lldpNeighbor {
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []lldpNeighbor
	for _, n := range x.lldpNbrs {
		if only == "" || n.local == only {
			out = append(out, *n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].local != out[j].local {
			return ifname.Less(out[i].local, out[j].local)
		}
		return lldpName(out[i].f) < lldpName(out[j].f)
	})
	return out
}

// lldpName is the Device ID column: the system name, else the chassis ID.
func lldpName(f lldp.Frame) string {
	if f.SystemName != "" {
		return oneLine(f.SystemName)
	}
	return lldp.IDString(f.ChassisSubtype, f.ChassisID, true)
}

// remaining is a holdtime left, in whole seconds as IOS counts down.
func remaining(expires, now time.Time) int {
	s := int((expires.Sub(now) + time.Second - 1) / time.Second)
	if s < 0 {
		return 0
	}
	return s
}

// discoveryConfig renders the global CDP and LLDP lines that differ from
// the defaults.
func (d *Device) discoveryConfig() string {
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	var b strings.Builder
	if x.cdpTimer != defaultCDPTimer {
		fmt.Fprintf(&b, "cdp timer %d\n", x.cdpTimer)
	}
	if x.cdpHoldtime != defaultCDPHoldtime {
		fmt.Fprintf(&b, "cdp holdtime %d\n", x.cdpHoldtime)
	}
	if !x.cdpRun {
		b.WriteString("no cdp run\n")
	}
	if x.lldpTimer != defaultLLDPTimer {
		fmt.Fprintf(&b, "lldp timer %d\n", x.lldpTimer)
	}
	if x.lldpHoldtime != defaultLLDPHoldtime {
		fmt.Fprintf(&b, "lldp holdtime %d\n", x.lldpHoldtime)
	}
	if x.lldpReinit != defaultLLDPReinit {
		fmt.Fprintf(&b, "lldp reinit %d\n", x.lldpReinit)
	}
	if x.lldpRun {
		b.WriteString("lldp run\n")
	}
	if b.Len() > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// discoveryInterfaceConfig renders an interface's CDP and LLDP lines.
func (d *Device) discoveryInterfaceConfig(name string) string {
	x := d.disc
	x.mu.Lock()
	defer x.mu.Unlock()
	var b strings.Builder
	if x.cdpOff[name] {
		b.WriteString(" no cdp enable\n")
	}
	if x.lldpNoTx[name] {
		b.WriteString(" no lldp transmit\n")
	}
	if x.lldpNoRx[name] {
		b.WriteString(" no lldp receive\n")
	}
	return b.String()
}

// seconds is n seconds.
func seconds(n int) time.Duration { return time.Duration(n) * time.Second }
