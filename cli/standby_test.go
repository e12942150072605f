package cli

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/hsrp"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// hsrpRouter is a rig whose mem ports are kept, so that what its HSRP
// runner sends can be read and handed to another router.
type hsrpRouter struct {
	*rig
	ports map[string]*mem.Port
}

func newHSRPRouter(t *testing.T, base byte) *hsrpRouter {
	t.Helper()
	r := &rig{t: t, clk: clock.NewManual(1000 * time.Second), now: rigEpoch, rx: map[string]*dataplane.Receiver{}}
	log := syslog.New(syslog.WithClock(func() time.Time { return r.now }))
	r.sw = dataplane.New(dataplane.Config{Clock: r.clk, Log: log, BaseMAC: packet.MAC{0x00, 0x1e, 0x14, 0x7a, base, 0x00}})
	h := &hsrpRouter{rig: r, ports: map[string]*mem.Port{}}
	for i := 1; i <= 2; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		p := mem.New(name)
		h.ports[name] = p
		if err := r.sw.AddPort(name, p); err != nil {
			t.Fatal(err)
		}
	}
	r.path = filepath.Join(t.TempDir(), "startup-config")
	r.dev = NewDevice(r.sw, Options{ConfigPath: r.path, Version: "1.0.0-test", Now: func() time.Time { return r.now }})
	return h
}

// sent returns and forgets the frames the router sent out of gi0/1.
func (h *hsrpRouter) sent() [][]byte { return h.ports["GigabitEthernet0/1"].Sent() }

// hsrpPair is two routers whose gi0/1 ports are joined: what one sends
// there the other's runner hears (when the wire is up).
type hsrpPair struct {
	t      *testing.T
	a, b   *hsrpRouter
	cut    bool // the wire is down
	ticks  int
	frames map[int][][]byte // every frame each sent, for the checks
}

func newHSRPPair(t *testing.T, common []string, a, b []string) *hsrpPair {
	p := &hsrpPair{t: t, a: newHSRPRouter(t, 1), b: newHSRPRouter(t, 2), frames: map[int][][]byte{}}
	base := []string{"vlan 10", "exit", "interface gi0/1", "switchport access vlan 10", "interface gi0/2", "switchport access vlan 10", "exit"}
	p.a.cfg(append(append(append([]string{}, base...), "interface vlan 10", "ip address 10.0.10.2 255.255.255.0"), append(common, a...)...)...)
	p.b.cfg(append(append(append([]string{}, base...), "interface vlan 10", "ip address 10.0.10.3 255.255.255.0"), append(common, b...)...)...)
	return p
}

// run advances both clocks by d in ticks, running both runners as
// RunStandby does and carrying the HSRP frames across the wire.
func (p *hsrpPair) run(d time.Duration) {
	for end := p.a.clk.Nanos() + int64(d); p.a.clk.Nanos() < end; {
		p.a.clk.Advance(hsrpTick)
		p.b.clk.Advance(hsrpTick)
		p.ticks++
		p.a.dev.hsrpStep(p.ticks%hsrpReconcileEvery == 1)
		p.b.dev.hsrpStep(p.ticks%hsrpReconcileEvery == 1)
		p.carry()
	}
}

func (p *hsrpPair) carry() {
	for moved := true; moved; {
		moved = false
		for i, pair := range [][2]*hsrpRouter{{p.a, p.b}, {p.b, p.a}} {
			for _, f := range pair[0].sent() {
				p.frames[i] = append(p.frames[i], f)
				if p.cut || len(f) < 14 || binary.BigEndian.Uint16(f[12:]) != packet.TypeIPv4 {
					continue
				}
				pair[1].dev.hsrpReceive(hsrpFrame{vlan: 10, b: f})
				moved = true
			}
		}
	}
}

func (h *hsrpRouter) state(group uint16) hsrp.State {
	h.dev.hsrp.mu.Lock()
	defer h.dev.hsrp.mu.Unlock()
	if l := h.dev.hsrp.run.live[hsrpKey{10, group}]; l != nil {
		return l.g.State()
	}
	return hsrp.Initial
}

func (p *hsrpPair) states() string { return p.a.state(1).String() + "/" + p.b.state(1).String() }

var vmac1 = packet.MAC{0, 0, 0x0c, 0x07, 0xac, 0x01}

func TestStandbyPairElectsSendsAndOwnsTheGateway(t *testing.T) {
	p := newHSRPPair(t, []string{"standby 1 ip 10.0.10.1", "standby 1 timers 1 3"}, []string{"standby 1 priority 110"}, nil)
	p.run(13 * time.Second)
	if got := p.states(); got != "Active/Standby" {
		t.Fatalf("states %s", got)
	}
	// IOS's sequence for the first router up, and its syslog wording.
	for _, want := range []string{
		"%HSRP-5-STATECHANGE: Vlan10 Grp 1 state Init -> Listen",
		"%HSRP-5-STATECHANGE: Vlan10 Grp 1 state Listen -> Speak",
		"%HSRP-5-STATECHANGE: Vlan10 Grp 1 state Speak -> Standby",
		"%HSRP-5-STATECHANGE: Vlan10 Grp 1 state Standby -> Active",
	} {
		if len(p.a.sw.Log().Grep(want)) != 1 {
			t.Errorf("router a did not log %q once: %q", want, p.a.sw.Log().Grep("HSRP"))
		}
	}
	if got := p.b.sw.Log().Grep("Standby -> Active"); len(got) != 0 {
		t.Errorf("router b was active: %q", got)
	}
	// The active router owns the virtual gateway; the standby does not.
	if got := p.a.sw.VirtualGateways(); len(got) != 1 || got[0] != (dataplane.VirtualGateway{VLAN: 10, IP: netip.MustParseAddr("10.0.10.1"), MAC: vmac1}) {
		t.Errorf("router a's virtual gateways: %v", got)
	}
	if got := p.b.sw.VirtualGateways(); len(got) != 0 {
		t.Errorf("router b's virtual gateways: %v", got)
	}
	// Hellos: v1 to 224.0.0.2 port 1985, TTL 1; the active's from the
	// virtual MAC, the standby's from its router MAC. A gratuitous ARP
	// reply for the VIP from the virtual MAC when a became active.
	var aHello, bHello, garp int
	for i, fs := range [][][]byte{p.frames[0], p.frames[1]} {
		for _, f := range fs {
			src := packet.MAC(f[6:12])
			if binary.BigEndian.Uint16(f[12:]) == packet.TypeARP {
				a := f[14:]
				if i == 0 && src == vmac1 && binary.BigEndian.Uint16(a[6:]) == packet.ARPReply &&
					packet.MAC(a[8:14]) == vmac1 && netip.AddrFrom4([4]byte(a[14:18])).String() == "10.0.10.1" && netip.AddrFrom4([4]byte(a[24:28])).String() == "10.0.10.1" {
					garp++
				}
				continue
			}
			ip := f[14:]
			if packet.MAC(f[0:6]) != (packet.MAC{1, 0, 0x5e, 0, 0, 2}) || ip[8] != 1 || ip[9] != packet.ProtoUDP ||
				netip.AddrFrom4([4]byte(ip[16:20])).String() != "224.0.0.2" || binary.BigEndian.Uint16(ip[22:]) != 1985 {
				t.Fatalf("router %d sent %x", i, f)
			}
			m, err := hsrp.Decode(ip[28:])
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case i == 0 && m.State == hsrp.Active:
				aHello++
				if src != vmac1 {
					t.Errorf("the active router's hello from %s", src)
				}
			case i == 1 && m.State == hsrp.Standby:
				bHello++
				if src != p.b.sw.RouterMAC() {
					t.Errorf("the standby router's hello from %s, want %s", src, p.b.sw.RouterMAC())
				}
			}
		}
	}
	if aHello < 3 || bHello < 3 || garp != 1 {
		t.Errorf("active hellos %d, standby hellos %d, gratuitous ARPs %d", aHello, bHello, garp)
	}

	// show standby on both, through the reference templates; the active's
	// in IOS 15's exact layout (manual clocks: the times are fixed).
	const golden = `Vlan10 - Group 1
  State is Active
    4 state changes, last state change 00:00:06
  Virtual IP address is 10.0.10.1
  Active virtual MAC address is 0000.0c07.ac01 (MAC In Use)
    Local virtual MAC address is 0000.0c07.ac01 (v1 default)
  Hello time 1 sec, hold time 3 sec
    Next hello sent in 0.050 secs
  Preemption disabled
  Active router is local
  Standby router is 10.0.10.3, priority 100 (expires in 2.050 sec)
  Priority 110 (configured 110)
  Group name is "hsrp-Vl10-1" (default)
`
	if got := p.a.out("show standby"); got != golden {
		t.Errorf("show standby:\n%s\nwant:\n%s", got, golden)
	}
	rows := parseFSM(t, "show_standby", p.a.out("show standby"))
	want(t, row(t, rows, "GROUP", "1"), map[string]any{"INTERFACE": "Vlan10", "STATE": "Active", "VIRTUAL_IP": "10.0.10.1",
		"ACTIVE_VIRTUAL_MAC": "0000.0c07.ac01", "LOCAL_VIRTUAL_MAC": "0000.0c07.ac01", "HELLO_TIME": "1", "HOLD_TIME": "3",
		"PREEMPTION": "disabled", "ACTIVE_ROUTER": "local", "STANDBY_ROUTER": "10.0.10.3", "STANDBY_ROUTER_PRIORITY": "100",
		"PRIORITY": "110", "GROUP_NAME": "hsrp-Vl10-1", "STATE_CHANGES": "4"})
	rows = parseFSM(t, "show_standby", p.b.out("show standby vlan 10"))
	want(t, row(t, rows, "GROUP", "1"), map[string]any{"INTERFACE": "Vlan10", "STATE": "Standby", "ACTIVE_ROUTER": "10.0.10.2",
		"ACTIVE_ROUTER_PRIORITY": "110", "ACTIVE_ROUTER_MAC": "0000.0c07.ac01", "ACTIVE_VIRTUAL_MAC": "0000.0c07.ac01", "STANDBY_ROUTER": "local", "PRIORITY": "100"})
	rows = parseFSM(t, "show_standby_brief", p.a.out("show standby brief"))
	want(t, row(t, rows, "GROUP", "1"), map[string]any{"INTERFACE": "Vl10", "PRIORITY": "110", "PREEMPT": " ", "STATE": "Active",
		"ACTIVE": "local", "STANDBY": "10.0.10.3", "VIRTUAL_IP_ADDRESS": "10.0.10.1"})
	rows = parseFSM(t, "show_standby_brief", p.b.out("show standby brief Vlan10"))
	want(t, row(t, rows, "GROUP", "1"), map[string]any{"STATE": "Standby", "ACTIVE": "10.0.10.2", "STANDBY": "local"})

	// The active router goes silent: the standby takes over when the
	// hold time (3 s) runs out, not before.
	p.cut = true
	p.run(1800 * time.Millisecond)
	if got := p.b.state(1); got != hsrp.Standby {
		t.Fatalf("router b became %s before the hold time", got)
	}
	p.run(1400 * time.Millisecond)
	if got := p.b.state(1); got != hsrp.Active {
		t.Fatalf("router b is %s after the hold time", got)
	}
	if len(p.b.sw.Log().Grep("%HSRP-5-STATECHANGE: Vlan10 Grp 1 state Standby -> Active")) != 1 {
		t.Errorf("b's log: %q", p.b.sw.Log().Grep("HSRP"))
	}
	if got := p.b.sw.VirtualGateways(); len(got) != 1 || got[0].MAC != vmac1 {
		t.Errorf("router b's virtual gateways after the takeover: %v", got)
	}
}

// A router that stops (the daemon ends) resigns: the standby is active
// at once, without waiting for the hold time.
func TestStandbyResignOnShutdown(t *testing.T) {
	p := newHSRPPair(t, []string{"standby 1 ip 10.0.10.1", "standby 1 timers 1 3"}, []string{"standby 1 priority 110"}, nil)
	p.run(10 * time.Second)
	if got := p.states(); got != "Active/Standby" {
		t.Fatalf("states %s", got)
	}
	p.a.dev.hsrpShutdown()
	p.carry()
	if got := p.b.state(1); got != hsrp.Active {
		t.Errorf("router b is %s after the resign", got)
	}
	if got := p.a.sw.VirtualGateways(); len(got) != 0 {
		t.Errorf("the resigned router kept %v", got)
	}
	if len(p.a.sw.Log().Grep("Grp 1 state Active -> Init")) != 1 {
		t.Errorf("a's log: %q", p.a.sw.Log().Grep("HSRP"))
	}
}

// Preempt: a higher-priority router that joins later takes over (coup),
// after its preempt delay; without preempt it stays standby.
func TestStandbyPreemptAndTracking(t *testing.T) {
	p := newHSRPPair(t, []string{"standby version 2", "standby 1 ip 10.0.10.1", "standby 1 timers msec 300 1", "standby 1 preempt"},
		[]string{"standby 1 priority 110", "standby 1 track 7 decrement 20", "standby 1 authentication md5 key-string l2sw", "exit", "track 7 interface gi0/2 line-protocol"},
		[]string{"standby 1 authentication md5 key-string l2sw"})
	p.run(5 * time.Second)
	if got := p.states(); got != "Active/Standby" {
		t.Fatalf("states %s", got)
	}
	v2mac := packet.MAC{0, 0, 0x0c, 0x9f, 0xf0, 0x01}
	if got := p.a.sw.VirtualGateways(); len(got) != 1 || got[0].MAC != v2mac {
		t.Errorf("v2 virtual gateways %v", got)
	}
	// The tracked port goes down: 110 - 20 = 90 < 100, b preempts.
	p.a.cfg("interface gi0/2", "shutdown")
	p.run(3 * time.Second)
	if got := p.states(); got != "Standby/Active" {
		t.Fatalf("after the tracked interface went down: %s", got)
	}
	if len(p.a.sw.Log().Grep("%TRACK-6-STATE: 7 interface Gi0/2 line-protocol Up -> Down")) != 1 {
		t.Errorf("a's log: %q", p.a.sw.Log().Grep("TRACK"))
	}
	rows := parseFSM(t, "show_standby", p.a.out("show standby"))
	want(t, row(t, rows, "GROUP", "1"), map[string]any{"VERSION": "2", "STATE": "Standby", "PRIORITY": "90", "AUTHENTICATION": "MD5",
		"PREEMPTION": "enabled", "TRACK_TYPE": "object", "TRACK_ITEM": "7", "TRACK_STATE": "Down", "TRACK_DECREMENT_TIME": "20",
		"HELLO_TIME": "300", "HOLD_TIME": "1", "ACTIVE_VIRTUAL_MAC": "0000.0c9f.f001"})
	// It comes back: a preempts again.
	p.a.cfg("interface gi0/2", "no shutdown")
	p.run(3 * time.Second)
	if got := p.states(); got != "Active/Standby" {
		t.Fatalf("after the tracked interface came back: %s", got)
	}
	// A wrong key: b no longer hears a, a's hellos are refused and logged.
	p.b.cfg("interface vlan 10", "standby 1 authentication md5 key-string other")
	p.run(2 * time.Second)
	if got := p.b.state(1); got != hsrp.Active {
		t.Errorf("b with the wrong key is %s", got)
	}
	if len(p.b.sw.Log().Grep("%HSRP-4-BADAUTH: Bad authentication from 10.0.10.2, group 1, remote state Active")) == 0 {
		t.Errorf("b's log: %q", p.b.sw.Log().Grep("HSRP"))
	}
}

func TestStandbyPreemptDelay(t *testing.T) {
	p := newHSRPPair(t, []string{"standby 1 ip 10.0.10.1", "standby 1 timers 1 3"}, nil, nil)
	p.run(12 * time.Second) // b (higher address) is active
	if got := p.states(); got != "Standby/Active" {
		t.Fatalf("states %s", got)
	}
	p.a.cfg("interface vlan 10", "standby 1 priority 120")
	p.run(3 * time.Second)
	if got := p.states(); got != "Standby/Active" {
		t.Fatalf("a preempted without preempt: %s", got)
	}
	// Preempt with a delay: the group restarts (shut/no shut) and waits.
	p.a.cfg("interface vlan 10", "standby 1 preempt delay minimum 4", "shutdown")
	p.run(time.Second)
	p.a.cfg("interface vlan 10", "no shutdown")
	p.run(3 * time.Second)
	if got := p.a.state(1); got == hsrp.Active {
		t.Fatalf("a preempted before its delay")
	}
	p.run(3 * time.Second)
	if got := p.a.state(1); got != hsrp.Active {
		t.Fatalf("a is %s after its delay", got)
	}
}

func TestStandbyRunningConfig(t *testing.T) {
	r := newRig(t)
	lines := []string{
		"interface vlan 10", "ip address 10.0.10.2 255.255.255.0",
		"standby ip 10.0.10.254",
		"standby 1 ip 10.0.10.1", "standby 1 ip 10.0.10.5 secondary", "standby 1 priority 110",
		"standby 1 preempt delay minimum 5", "standby 1 timers msec 300 1", "standby 1 authentication text k3y",
		"standby 1 track 1 decrement 20", "standby 1 track 2", "standby 1 name WEB", "standby 1 mac-address 0000.0c12.3456",
		"interface vlan 20", "ip address 10.0.20.2 255.255.255.0",
		"standby version 2", "standby 300 ip 10.0.20.1", "standby 300 authentication md5 key-string s3cret", "standby 300 preempt",
		"exit", "track 2 interface Vlan20 line-protocol", "track 1 interface gi0/1 line-protocol",
	}
	r.cfg(lines...)
	wantIf := `interface Vlan10
 ip address 10.0.10.2 255.255.255.0
 standby ip 10.0.10.254
 standby 1 ip 10.0.10.1
 standby 1 ip 10.0.10.5 secondary
 standby 1 mac-address 0000.0c12.3456
 standby 1 timers msec 300 1
 standby 1 priority 110
 standby 1 preempt delay minimum 5
 standby 1 authentication text k3y
 standby 1 name WEB
 standby 1 track 1 decrement 20
 standby 1 track 2
!
interface Vlan20
 ip address 10.0.20.2 255.255.255.0
 standby version 2
 standby 300 ip 10.0.20.1
 standby 300 preempt
 standby 300 authentication md5 key-string s3cret
!
`
	run := r.out("show running-config")
	if !strings.Contains(run, wantIf) {
		t.Errorf("running-config:\n%s\nwant:\n%s", run, wantIf)
	}
	if !strings.Contains(run, "!\ntrack 1 interface GigabitEthernet0/1 line-protocol\n!\ntrack 2 interface Vlan20 line-protocol\n!\ninterface GigabitEthernet0/1\n") {
		t.Errorf("track objects:\n%s", run)
	}
	// Round trip: the rendered configuration read back renders the same.
	r2 := newRig(t)
	var back []string
	for _, l := range strings.Split(run, "\n") {
		if l == "" || strings.HasPrefix(l, "Building") || strings.HasPrefix(l, "Current configuration") || l == "end" {
			continue
		}
		back = append(back, l)
	}
	r2.cfg(back...)
	if got := r2.out("show running-config"); got != run {
		t.Errorf("round trip:\n%s\nwant\n%s", got, run)
	}
	// no forms undo each line.
	r.cfg("interface vlan 10", "no standby 1 ip 10.0.10.5 secondary", "no standby 1 priority", "no standby 1 preempt delay",
		"no standby 1 timers", "no standby 1 authentication", "no standby 1 track 1", "no standby 1 name", "no standby 1 mac-address",
		"no standby ip")
	if got := r.out("show running-config interface Vlan10"); !strings.Contains(got, " ip address 10.0.10.2 255.255.255.0\n standby 1 ip 10.0.10.1\n standby 1 preempt\n standby 1 track 2\nend") {
		t.Errorf("after the no forms:\n%s", got)
	}
	r.cfg("interface vlan 10", "no standby 1 preempt", "no standby 1 track 2", "no standby 1 ip", "interface vlan 20", "no standby 300", "no standby version", "exit", "no track 1", "no track 2")
	if got := r.out("show running-config"); strings.Contains(got, "standby") || strings.Contains(got, "track") {
		t.Errorf("standby left behind:\n%s", got)
	}
}

func TestStandbyRejectedLinesChangeNothing(t *testing.T) {
	r := newRig(t)
	r.cfg("interface vlan 10", "ip address 10.0.10.2 255.255.255.0", "standby 1 ip 10.0.10.1")
	before := r.out("show running-config")
	for _, tc := range []struct{ line, msg string }{
		{"standby 300 ip 10.0.10.9", "% Group number 300 is out of range for HSRP version 1 (0-255)"},
		{"standby 1 timers 3 2", "% Hold time must be greater than hello time"},
		{"standby 1 authentication text toolongkey", "% Authentication string must be 8 characters or less"},
		{"standby 1 mac-address 0100.5e00.0001", "% Invalid MAC address"},
		{"standby 2 ip 10.0.10.7 secondary", "% Primary virtual IP address must be configured first"},
		{"standby 1 priority 256", "% Invalid input detected at '^' marker."},
		{"standby 5000 ip 10.0.10.9", "% Invalid input detected at '^' marker."},
	} {
		got := r.rejected("interface vlan 10", tc.line)
		if !strings.Contains(got, tc.msg) {
			t.Errorf("%q:\n%s\nwant %q", tc.line, got, tc.msg)
		}
	}
	r.cfg("interface vlan 10", "standby version 2", "standby 300 ip 10.0.10.9")
	got := r.rejected("interface vlan 10", "standby version 1")
	if !strings.Contains(got, "% Group number 300 is out of range for HSRP version 1 (0-255)") {
		t.Errorf("version 1 with group 300:\n%s", got)
	}
	r.cfg("interface vlan 10", "no standby 300", "no standby version")
	if after := r.out("show running-config"); after != before {
		t.Errorf("rejected lines changed the config:\n%s\nwas\n%s", after, before)
	}
}

// Frames that are not HSRP for a running group are counted and dropped.
func TestStandbyReceiveMalformed(t *testing.T) {
	p := newHSRPPair(t, []string{"standby 1 ip 10.0.10.1"}, nil, nil)
	p.run(time.Second)
	r := p.a.dev.hsrp.run
	good := hsrpTestFrame(t, hsrp.Message{Version: 1, Op: hsrp.Hello, State: hsrp.Active, Group: 1, Priority: 200, VIP: netip.MustParseAddr("10.0.10.1")}, hsrp.Auth{})
	for _, f := range [][]byte{nil, good[:20], good[:40], append(good[:42:42], 9, 9, 9)} {
		p.a.dev.hsrpReceive(hsrpFrame{vlan: 10, b: f})
	}
	if got := r.stats.bad.Load(); got != 4 {
		t.Errorf("bad %d", got)
	}
	other := hsrpTestFrame(t, hsrp.Message{Version: 1, State: hsrp.Active, Group: 9, VIP: netip.MustParseAddr("10.0.10.1")}, hsrp.Auth{})
	p.a.dev.hsrpReceive(hsrpFrame{vlan: 10, b: other})
	p.a.dev.hsrpReceive(hsrpFrame{vlan: 20, b: good})
	if got := r.stats.unknown.Load(); got != 2 {
		t.Errorf("unknown %d", got)
	}
	p.a.dev.hsrpReceive(hsrpFrame{vlan: 10, b: good})
	if got := p.a.dev.showStandbyBrief(standbyFilter{group: -1}); !strings.Contains(got, "Vl10        1    100   Listen  10.0.10.9       unknown         10.0.10.1\n") {
		t.Errorf("after a good hello:\n%s", got)
	}
}

func hsrpTestFrame(t *testing.T, m hsrp.Message, a hsrp.Auth) []byte {
	f := make([]byte, 42)
	f = hsrp.Encode(f, &m, a, netip.MustParseAddr("10.0.10.9"))
	packet.PutEthernet(f, packet.MAC{1, 0, 0x5e, 0, 0, 2}, packet.MAC{0, 0, 0x0c, 0x07, 0xac, 1}, packet.TypeIPv4)
	packet.PutIPv4Header(f[14:], packet.IPv4Header{TTL: 1, Proto: packet.ProtoUDP, Src: [4]byte{10, 0, 10, 9}, Dst: [4]byte{224, 0, 0, 2}})
	packet.PutUDP(f[14:], 1985, 1985)
	return f
}

func FuzzStandbyReceive(f *testing.F) {
	f.Add(hsrpTestFrame(&testing.T{}, hsrp.Message{Version: 1, State: hsrp.Active, Group: 1}, hsrp.Auth{}))
	f.Add(hsrpTestFrame(&testing.T{}, hsrp.Message{Version: 2, State: hsrp.Speak, Group: 1}, hsrp.Auth{Kind: hsrp.AuthMD5, Key: "k"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		hsrpPayload(b) // must not panic on any frame
	})
}

// The runner of a device without HSRP sleeps; a standby command wakes it
// and the group runs on the real clock.
func TestStandbyRunnerWakesOnConfig(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.dev.RunStandby(ctx) }()
	defer func() { cancel(); <-done }()
	r.cfg("vlan 10", "interface gi0/1", "switchport access vlan 10", "interface vlan 10", "ip address 10.0.10.2 255.255.255.0",
		"standby 1 timers 1 3", "standby 1 ip 10.0.10.1")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.out("show standby brief"), "Listen") {
		if time.Now().After(deadline) {
			t.Fatalf("the runner did not start the group:\n%s", r.out("show standby brief"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The manual clock drives the timers: a hold time later it speaks.
	r.clk.Advance(3100 * time.Millisecond)
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(r.out("show standby brief"), "Speak") {
		if time.Now().After(deadline) {
			t.Fatalf("the group did not move on with the clock:\n%s", r.out("show standby brief"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := r.out("show standby brief"); !strings.Contains(got, "Init") {
		t.Errorf("after the runner stopped:\n%s", got)
	}
}
