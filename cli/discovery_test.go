package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cdp"
	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/lldp"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// discRig is a Device over mem ports whose sent frames the test reads and
// hands to another discRig: two switches cabled port to port, with the
// runner's steps (tick, receive) called by the test at pinned times.
type discRig struct {
	*rig
	ports   map[string]*mem.Port
	backlog map[string][][]byte // sent frames not yet asked for
}

func newDiscRig(t testing.TB, hostname string, base byte) *discRig {
	t.Helper()
	r := &rig{t: t, clk: clock.NewManual(1000 * time.Second), now: rigEpoch}
	log := syslog.New(syslog.WithClock(func() time.Time { return r.now }))
	r.sw = dataplane.New(dataplane.Config{Clock: r.clk, Log: log, BaseMAC: packet.MAC{0x00, 0x1e, 0x14, 0x7a, 0x00, base}})
	dr := &discRig{rig: r, ports: map[string]*mem.Port{}, backlog: map[string][][]byte{}}
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		p := mem.New(name)
		dr.ports[name] = p
		if err := r.sw.AddPort(name, p); err != nil {
			t.Fatal(err)
		}
	}
	r.dev = NewDevice(r.sw, Options{Version: "1.0.0-test", Now: func() time.Time { return r.now }})
	r.out("configure terminal", "hostname "+hostname, "end")
	return dr
}

// sent returns and forgets the frames the switch sent on port to dst.
func (r *discRig) sent(port string, dst [6]byte) [][]byte {
	var out, keep [][]byte
	for _, f := range append(r.backlog[port], r.ports[port].Sent()...) {
		if [6]byte(f[0:6]) == dst {
			out = append(out, f)
		} else {
			keep = append(keep, f)
		}
	}
	r.backlog[port] = keep
	return out
}

// cable delivers what a sent on its port to b's port.
func cable(t *testing.T, a *discRig, aPort string, b *discRig, bPort string, dst [6]byte) int {
	t.Helper()
	fs := a.sent(aPort, dst)
	for _, f := range fs {
		b.dev.discoveryReceive(bPort, f, b.now)
	}
	return len(fs)
}

func TestCDPNeighborsBetweenTwoSwitches(t *testing.T) {
	a, b := newDiscRig(t, "SW-A", 0xa0), newDiscRig(t, "SW-B", 0xb0)
	a.out("configure terminal", "vlan 10", "exit", "interface Vlan10", "ip address 10.9.0.1 255.255.255.0", "no shutdown", "end")
	a.dev.discoveryTick(a.now)
	if n := cable(t, a, "GigabitEthernet0/1", b, "GigabitEthernet0/2", cdp.MulticastMAC); n != 1 {
		t.Fatalf("%d CDP frames on Gi0/1, want 1", n)
	}
	b.now = b.now.Add(17 * time.Second)
	got := b.out("show cdp neighbors")
	want := "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge\n" +
		"                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone,\n" +
		"                  D - Remote, C - CVTA, M - Two-port Mac Relay\n\n" +
		"Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID\n" +
		"SW-A             Gig 0/2           163             R S I  L2SW-4T   Gig 0/1\n\n" +
		"Total cdp entries displayed : 1\n"
	if got != want {
		t.Errorf("show cdp neighbors:\n%s\nwant:\n%s", got, want)
	}
	got = b.out("show cdp neighbors detail")
	for _, line := range []string{
		"-------------------------\nDevice ID: SW-A\nEntry address(es): \n  IP address: 10.9.0.1\n",
		"Platform: cisco L2SW-4T,  Capabilities: Router Switch IGMP \n",
		"Interface: GigabitEthernet0/2,  Port ID (outgoing port): GigabitEthernet0/1\nHoldtime : 163 sec\n\n",
		"Version :\nCisco IOS Software, l2sw Software (L2SW-UNIVERSALK9-M), Version 15.0(2)SE, RELEASE SOFTWARE (fc1)\n",
		"Compiled by l2sw\n\nadvertisement version: 2\nVTP Management Domain: ''\nNative VLAN: 1\nDuplex: full\n" +
			"Management address(es): \n  IP address: 10.9.0.1\n\n\nTotal cdp entries displayed : 1\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("show cdp neighbors detail lacks %q:\n%s", line, got)
		}
	}
	if e := b.out("show cdp entry *"); !strings.Contains(e, "Device ID: SW-A\n") || strings.Contains(e, "Total") {
		t.Errorf("show cdp entry *:\n%s", e)
	}
	if e := b.out("show cdp neighbors gi0/3"); strings.Contains(e, "SW-A") {
		t.Errorf("a neighbor on another port shown:\n%s", e)
	}

	// The entry ages out at the holdtime.
	b.now = b.now.Add(163 * time.Second)
	b.dev.discoveryTick(b.now)
	if got := b.out("show cdp neighbors"); strings.Contains(got, "SW-A") {
		t.Errorf("the neighbor outlived its holdtime:\n%s", got)
	}
}

func TestLLDPNeighborsBetweenTwoSwitches(t *testing.T) {
	a, b := newDiscRig(t, "SW-A", 0xa0), newDiscRig(t, "SW-B", 0xb0)
	a.dev.discoveryTick(a.now)
	if n := len(a.sent("GigabitEthernet0/1", lldp.MulticastMAC)); n != 0 {
		t.Fatalf("LLDP sent %d frames while off (IOS default)", n)
	}
	if got := b.out("show lldp neighbors"); got != "% LLDP is not enabled\n" {
		t.Errorf("LLDP off: %q", got)
	}
	a.out("configure terminal", "lldp run", "interface gi0/1", "description uplink to B", "end")
	b.out("configure terminal", "lldp run", "end")
	a.dev.discoveryTick(a.now)
	if n := cable(t, a, "GigabitEthernet0/1", b, "GigabitEthernet0/3", lldp.MulticastMAC); n != 1 {
		t.Fatalf("%d LLDP frames, want 1", n)
	}
	got := b.out("show lldp neighbors")
	want := "Capability codes:\n" +
		"    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device\n" +
		"    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other\n\n" +
		"Device ID           Local Intf     Hold-time  Capability      Port ID\n" +
		"SW-A                Gi0/3          120        B               Gi0/1\n\n" +
		"Total entries displayed: 1\n\n"
	if got != want {
		t.Errorf("show lldp neighbors:\n%q\nwant:\n%q", got, want)
	}
	b.now = b.now.Add(5 * time.Second)
	got = b.out("show lldp neighbors detail")
	want = "------------------------------------------------\n" +
		"Local Intf: Gi0/3\n" +
		"Chassis id: 001e.147a.00a0\n" +
		"Port id: Gi0/1\n" +
		"Port Description: uplink to B\n" +
		"System Name: SW-A\n\n" +
		"System Description: \n" +
		"Cisco IOS Software, l2sw Software (L2SW-UNIVERSALK9-M), Version 15.0(2)SE, RELEASE SOFTWARE (fc1)\n" +
		"Technical Support: https://github.com/l2sw/l2sw\n" +
		"l2sw software switch, release 1.0.0-test\n" +
		"Compiled by l2sw\n\n" +
		"Time remaining: 115 seconds\n" +
		"System Capabilities: B,R\n" +
		"Enabled Capabilities: B\n" +
		"Management Addresses - not advertised\n" +
		"Auto Negotiation - supported, enabled\n" +
		"Physical media capabilities:\n" +
		"    1000baseT(FD)\n    100base-TX(FD)\n    100base-TX(HD)\n    10base-T(FD)\n    10base-T(HD)\n" +
		"Media Attachment Unit type: 30\n" +
		"Vlan ID: 1\n\n\n" +
		"Total entries displayed: 1\n\n"
	if got != want {
		t.Errorf("show lldp neighbors detail:\n%s\nwant:\n%s", got, want)
	}
	// A neighbor that stops advertising ages out at its TTL.
	b.now = b.now.Add(115 * time.Second)
	b.dev.discoveryTick(b.now)
	if got := b.out("show lldp neighbors"); strings.Contains(got, "SW-A") {
		t.Errorf("the neighbor outlived its TTL:\n%s", got)
	}
	if got := b.out("show lldp traffic"); !strings.Contains(got, "Total entries aged: 1\n") || !strings.Contains(got, "Total frames in: 1\n") {
		t.Errorf("show lldp traffic:\n%s", got)
	}
}

// TestDiscoveryPerInterfaceAndTimers: `no cdp enable` and `no lldp
// transmit` silence one port, `no lldp receive` deafens one, the timers
// pace the advertisements and the holdtime is what is sent.
func TestDiscoveryPerInterfaceAndTimers(t *testing.T) {
	a := newDiscRig(t, "SW-A", 0xa0)
	a.out("configure terminal", "lldp run", "cdp timer 5", "cdp holdtime 30", "lldp timer 7", "lldp holdtime 40",
		"interface gi0/2", "no cdp enable", "no lldp transmit", "interface gi0/3", "no lldp receive", "end")
	// `no lldp transmit` with LLDP running said goodbye (TTL 0) on gi0/2.
	for _, f := range a.sent("GigabitEthernet0/2", lldp.MulticastMAC) {
		if fr, err := lldp.Decode(f[14:]); err != nil || fr.TTL != 0 {
			t.Errorf("gi0/2 sent %+v %v before going silent, want a shutdown LLDPDU", fr, err)
		}
	}
	a.dev.discoveryTick(a.now)
	if len(a.sent("GigabitEthernet0/2", cdp.MulticastMAC)) != 0 || len(a.sent("GigabitEthernet0/2", lldp.MulticastMAC)) != 0 {
		t.Error("a port with no cdp enable / no lldp transmit advertised")
	}
	fs := a.sent("GigabitEthernet0/1", cdp.MulticastMAC)
	if len(fs) != 1 {
		t.Fatalf("%d CDP frames", len(fs))
	}
	pl, _ := cdp.Payload(fs[0])
	if p, err := cdp.Decode(pl); err != nil || p.TTL != 30 || p.PortID != "GigabitEthernet0/1" || p.DeviceID != "SW-A" {
		t.Errorf("CDP sent %+v %v", p, err)
	}
	lf := a.sent("GigabitEthernet0/1", lldp.MulticastMAC)
	if len(lf) != 1 {
		t.Fatalf("%d LLDP frames", len(lf))
	}
	if f, err := lldp.Decode(lf[0][14:]); err != nil || f.TTL != 40 {
		t.Errorf("LLDP sent %+v %v", f, err)
	}
	a.sent("GigabitEthernet0/3", cdp.MulticastMAC)
	a.sent("GigabitEthernet0/3", lldp.MulticastMAC)
	// 4 s later nothing is due; at 5 s CDP, at 7 s LLDP.
	a.now = a.now.Add(4 * time.Second)
	a.dev.discoveryTick(a.now)
	if len(a.sent("GigabitEthernet0/1", cdp.MulticastMAC)) != 0 {
		t.Error("CDP sent before its timer")
	}
	a.now = a.now.Add(time.Second)
	a.dev.discoveryTick(a.now)
	if len(a.sent("GigabitEthernet0/1", cdp.MulticastMAC)) != 1 || len(a.sent("GigabitEthernet0/1", lldp.MulticastMAC)) != 0 {
		t.Error("at 5 s: want one CDP and no LLDP frame")
	}
	a.now = a.now.Add(2 * time.Second)
	a.dev.discoveryTick(a.now)
	if len(a.sent("GigabitEthernet0/1", lldp.MulticastMAC)) != 1 {
		t.Error("at 7 s: no LLDP frame")
	}

	// What gi0/3 hears over LLDP is ignored (no lldp receive); CDP is not.
	b := newDiscRig(t, "SW-B", 0xb0)
	b.out("configure terminal", "lldp run", "end")
	b.dev.discoveryTick(b.now)
	cable(t, b, "GigabitEthernet0/1", a, "GigabitEthernet0/3", lldp.MulticastMAC)
	cable(t, b, "GigabitEthernet0/1", a, "GigabitEthernet0/3", cdp.MulticastMAC)
	if got := a.out("show lldp neighbors"); strings.Contains(got, "SW-B") {
		t.Errorf("no lldp receive still learned:\n%s", got)
	}
	if got := a.out("show cdp neighbors"); !strings.Contains(got, "SW-B") {
		t.Errorf("CDP did not learn:\n%s", got)
	}
	a.out("clear cdp table")
	if got := a.out("show cdp neighbors"); strings.Contains(got, "SW-B") {
		t.Errorf("clear cdp table kept:\n%s", got)
	}

	run := a.out("show running-config")
	for _, l := range []string{"cdp timer 5\ncdp holdtime 30\nlldp timer 7\nlldp holdtime 40\nlldp run\n!\n",
		"interface GigabitEthernet0/2\n no cdp enable\n no lldp transmit\n!\n", "interface GigabitEthernet0/3\n no lldp receive\n!\n"} {
		if !strings.Contains(run, l) {
			t.Errorf("running-config lacks %q:\n%s", l, run)
		}
	}
	a.out("configure terminal", "no cdp run", "no lldp run", "end")
	if got := a.out("show cdp"); got != "% CDP is not enabled\n" {
		t.Errorf("show cdp after no cdp run: %q", got)
	}
	a.sent("GigabitEthernet0/1", cdp.MulticastMAC)
	a.sent("GigabitEthernet0/1", lldp.MulticastMAC) // the shutdown LLDPDU
	a.now = a.now.Add(time.Minute)
	a.dev.discoveryTick(a.now)
	if len(a.sent("GigabitEthernet0/1", cdp.MulticastMAC))+len(a.sent("GigabitEthernet0/1", lldp.MulticastMAC)) != 0 {
		t.Error("sent with both protocols off")
	}
	if run := a.out("show running-config"); !strings.Contains(run, "no cdp run\n") || strings.Contains(run, "lldp run") {
		t.Errorf("running-config after no cdp run / no lldp run:\n%s", run)
	}
}

func TestDiscoveryShows(t *testing.T) {
	a := newDiscRig(t, "SW-A", 0xa0)
	if got, want := a.out("show cdp"), "Global CDP information:\n\tSending CDP packets every 60 seconds\n\tSending a holdtime value of 180 seconds\n\tSending CDPv2 advertisements is  enabled\n"; got != want {
		t.Errorf("show cdp: %q", got)
	}
	a.out("configure terminal", "interface gi0/4", "shutdown", "interface gi0/3", "no cdp enable", "end")
	want := "GigabitEthernet0/1 is up, line protocol is up\n  Encapsulation ARPA\n  Sending CDP packets every 60 seconds\n  Holdtime is 180 seconds\n" +
		"GigabitEthernet0/2 is up, line protocol is up\n  Encapsulation ARPA\n  Sending CDP packets every 60 seconds\n  Holdtime is 180 seconds\n" +
		"GigabitEthernet0/4 is administratively down, line protocol is down\n  Encapsulation ARPA\n  Sending CDP packets every 60 seconds\n  Holdtime is 180 seconds\n" +
		"\n cdp enabled interfaces : 3\n interfaces up          : 2\n interfaces down        : 1\n\n"
	if got := a.out("show cdp interface"); got != want {
		t.Errorf("show cdp interface:\n%s\nwant:\n%s", got, want)
	}
	if got := a.out("show cdp interface gi0/1"); got != "GigabitEthernet0/1 is up, line protocol is up\n  Encapsulation ARPA\n  Sending CDP packets every 60 seconds\n  Holdtime is 180 seconds\n" {
		t.Errorf("show cdp interface gi0/1: %q", got)
	}
	a.out("configure terminal", "lldp run", "interface gi0/2", "no lldp receive", "end")
	want = "\nGlobal LLDP Information:\n    Status: ACTIVE\n    LLDP advertisements are sent every 30 seconds\n" +
		"    LLDP hold time advertised is 120 seconds\n    LLDP interface reinitialisation delay is 2 seconds\n"
	if got := a.out("show lldp"); got != want {
		t.Errorf("show lldp: %q", got)
	}
	want = "\nGigabitEthernet0/2:\n    Tx: enabled\n    Rx: disabled\n    Tx state: IDLE\n    Rx state: INIT\n\n"
	if got := a.out("show lldp interface gi0/2"); got != want {
		t.Errorf("show lldp interface gi0/2: %q", got)
	}
	if got := a.out("show lldp interface"); strings.Count(got, "    Tx: enabled\n") != 4 || !strings.HasPrefix(got, "\nGigabitEthernet0/1:\n") {
		t.Errorf("show lldp interface:\n%s", got)
	}
	a.dev.discoveryTick(a.now)
	if got := a.out("show lldp traffic"); !strings.Contains(got, "LLDP traffic statistics: \n    Total frames out: 3\n") {
		t.Errorf("show lldp traffic:\n%s", got)
	}
	if got := a.out("show cdp traffic"); !strings.Contains(got, "CDP counters :\n\tTotal packets output: 2, Input: 0\n") {
		t.Errorf("show cdp traffic:\n%s", got)
	}
	for _, bad := range []string{"cdp timer 4", "cdp holdtime 300", "lldp reinit 9"} {
		res := a.run("configure terminal", bad, "end")
		if !res.Rejected {
			t.Errorf("%q accepted", bad)
		}
	}
	if strings.Contains(a.out("show running-config"), "cdp timer") {
		t.Error("a rejected timer changed the configuration")
	}
}

// TestDiscoveryMalformedCounted: broken frames are counted and change
// nothing.
func TestDiscoveryMalformedCounted(t *testing.T) {
	a := newDiscRig(t, "SW-A", 0xa0)
	a.out("configure terminal", "lldp run", "end")
	good := cdp.AppendFrame(nil, [6]byte{2, 0, 0, 0, 0, 9}, &cdp.Packet{TTL: 100, DeviceID: "x", PortID: "y"})
	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 0xff
	a.dev.discoveryReceive("GigabitEthernet0/1", bad, a.now)
	a.dev.discoveryReceive("GigabitEthernet0/1", good[:10], a.now)
	l := lldp.AppendEthernet(nil, [6]byte{2, 0, 0, 0, 0, 9}, &lldp.Frame{ChassisSubtype: 7, ChassisID: []byte("c"), PortSubtype: 7, PortID: []byte("p"), TTL: 9})
	a.dev.discoveryReceive("GigabitEthernet0/1", l[:18], a.now)
	if got := a.out("show cdp traffic"); !strings.Contains(got, "Chksum error: 1") {
		t.Errorf("show cdp traffic:\n%s", got)
	}
	if got := a.out("show lldp traffic"); !strings.Contains(got, "Total frames received in error: 1\n") {
		t.Errorf("show lldp traffic:\n%s", got)
	}
	if len(a.dev.cdpRows("")) != 0 || len(a.dev.lldpRows("")) != 0 {
		t.Error("a malformed frame made a neighbor")
	}
	// A neighbor with a long name gets a line of its own in the CDP list.
	long := cdp.AppendFrame(nil, [6]byte{2, 0, 0, 0, 0, 9}, &cdp.Packet{TTL: 100, DeviceID: "router01.some.example.com", PortID: "eth0",
		HasCaps: true, Capabilities: cdp.CapHost, Platform: "Linux", Addresses: []netip.Addr{netip.MustParseAddr("10.1.1.1")}})
	a.dev.discoveryReceive("GigabitEthernet0/2", long, a.now)
	if got := a.out("show cdp neighbors"); !strings.Contains(got, "router01.some.example.com\n                 Gig 0/2           100               H    Linux     eth0\n") {
		t.Errorf("show cdp neighbors:\n%s", got)
	}
}

// TestCDPMismatchMessages: a neighbor whose native VLAN or duplex differs
// from the port's raises IOS's %CDP-4 messages, once a minute while it
// lasts.
func TestCDPMismatchMessages(t *testing.T) {
	a, b := newDiscRig(t, "SW-A", 0xa0), newDiscRig(t, "SW-B", 0xb0)
	a.out("configure terminal", "interface gi0/1", "switchport access vlan 10", "duplex half", "end")
	a.dev.discoveryTick(a.now)
	count := func() (vlan, duplex int) {
		for _, msg := range b.sw.Log().Messages() {
			m := msg.String()
			if strings.Contains(m, "%CDP-4-NATIVE_VLAN_MISMATCH: Native VLAN mismatch discovered on GigabitEthernet0/2 (1), with SW-A GigabitEthernet0/1 (10).") {
				vlan++
			}
			if strings.Contains(m, "%CDP-4-DUPLEX_MISMATCH: duplex mismatch discovered on GigabitEthernet0/2 (full duplex), with SW-A GigabitEthernet0/1 (not full duplex).") {
				duplex++
			}
		}
		return
	}
	f := a.sent("GigabitEthernet0/1", cdp.MulticastMAC)
	if len(f) != 1 {
		t.Fatalf("%d frames", len(f))
	}
	b.dev.discoveryReceive("GigabitEthernet0/2", f[0], b.now)
	b.now = b.now.Add(30 * time.Second)
	b.dev.discoveryReceive("GigabitEthernet0/2", f[0], b.now)
	if v, d := count(); v != 1 || d != 1 {
		t.Fatalf("after 30 s: %d VLAN, %d duplex messages, want 1 each:\n%v", v, d, b.sw.Log().Messages())
	}
	b.now = b.now.Add(30 * time.Second)
	b.dev.discoveryReceive("GigabitEthernet0/2", f[0], b.now)
	if v, d := count(); v != 2 || d != 2 {
		t.Errorf("after a minute: %d VLAN, %d duplex messages, want 2 each", v, d)
	}
	// Matching ports say nothing.
	b.out("configure terminal", "interface gi0/3", "switchport access vlan 10", "duplex half", "end")
	b.dev.discoveryReceive("GigabitEthernet0/3", f[0], b.now)
	for _, m := range b.sw.Log().Messages() {
		if strings.Contains(m.String(), "on GigabitEthernet0/3") {
			t.Errorf("a matching port logged: %s", m)
		}
	}
}

// FuzzDiscoveryReceive: whatever a neighbor sends, learning it and
// rendering every show command neither panics nor breaks a line.
func FuzzDiscoveryReceive(f *testing.F) {
	f.Add(cdp.AppendFrame(nil, [6]byte{2, 0, 0, 0, 0, 9}, &cdp.Packet{TTL: 100, DeviceID: "x", PortID: "y", HasCaps: true, Capabilities: 0xffff}), false)
	f.Add(lldp.AppendEthernet(nil, [6]byte{2, 0, 0, 0, 0, 9}, &lldp.Frame{ChassisSubtype: 4, ChassisID: []byte{1, 2, 3, 4, 5, 6}, PortSubtype: 3, PortID: []byte("p"), TTL: 9,
		SystemName: "a\nb", MACPHY: &lldp.MACPHY{Advertised: 0xffff}}), true)
	a := newDiscRig(f, "SW-A", 0xa0)
	a.out("configure terminal", "lldp run", "end")
	f.Fuzz(func(t *testing.T, b []byte, isLLDP bool) {
		a.t = t
		var frame []byte
		if isLLDP {
			frame = append(append(append([]byte(nil), lldp.MulticastMAC[:]...), 2, 0, 0, 0, 0, 9, 0x88, 0xcc), b...)
		} else {
			frame = append(append([]byte(nil), cdp.MulticastMAC[:]...), 2, 0, 0, 0, 0, 9, byte((len(b)+8)>>8), byte(len(b)+8), 0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0)
			if len(b) >= 4 {
				b = append([]byte(nil), b...)
				b[2], b[3] = 0, 0
				c := cdp.Checksum(b)
				b[2], b[3] = byte(c>>8), byte(c)
			}
			frame = append(frame, b...)
		}
		a.dev.discoveryReceive("GigabitEthernet0/1", frame, a.now)
		for _, cmd := range []string{"show cdp neighbors", "show cdp neighbors detail", "show lldp neighbors", "show lldp neighbors detail"} {
			out := a.out(cmd)
			if strings.Contains(out, "\r") {
				t.Fatalf("%s: carriage return in the output", cmd)
			}
			if cmd == "show lldp neighbors" && strings.Count(out, "\n") != 9 && !strings.Contains(out, "Total entries displayed: 0") {
				t.Fatalf("a neighbor's row is not one line:\n%s", out)
			}
		}
		a.out("clear cdp table", "clear lldp table")
	})
}

// TestDiscoveryEntryAndClear: `show cdp entry NAME`, `show lldp entry *`,
// `clear ... counters` and the default forms.
func TestDiscoveryEntryAndClear(t *testing.T) {
	a, b := newDiscRig(t, "SW-A", 0xa0), newDiscRig(t, "SW-B", 0xb0)
	a.out("configure terminal", "lldp run", "end")
	b.out("configure terminal", "lldp run", "end")
	a.dev.discoveryTick(a.now)
	cable(t, a, "GigabitEthernet0/1", b, "GigabitEthernet0/1", cdp.MulticastMAC)
	cable(t, a, "GigabitEthernet0/1", b, "GigabitEthernet0/1", lldp.MulticastMAC)
	if got := b.out("show cdp entry SW-A"); !strings.Contains(got, "Device ID: SW-A\n") {
		t.Errorf("show cdp entry SW-A:\n%s", got)
	}
	if got := b.out("show cdp entry OTHER"); strings.Contains(got, "Device ID") {
		t.Errorf("show cdp entry OTHER:\n%s", got)
	}
	if got := b.out("show lldp entry *"); !strings.Contains(got, "System Name: SW-A\n") {
		t.Errorf("show lldp entry *:\n%s", got)
	}
	b.out("clear lldp counters", "clear cdp counters")
	if got := b.out("show lldp traffic"); !strings.Contains(got, "Total frames in: 0\n") {
		t.Errorf("clear lldp counters:\n%s", got)
	}
	if got := b.out("show cdp traffic"); !strings.Contains(got, "Total packets output: 0, Input: 0\n") {
		t.Errorf("clear cdp counters:\n%s", got)
	}
	b.out("clear lldp table")
	if len(b.dev.lldpRows("")) != 0 {
		t.Error("clear lldp table kept the neighbor")
	}
	b.out("configure terminal", "cdp timer 10", "lldp holdtime 200", "default cdp timer", "no lldp holdtime", "interface gi0/1", "no cdp enable", "default cdp enable", "end")
	if run := b.out("show running-config"); strings.Contains(run, "cdp timer") || strings.Contains(run, "lldp holdtime") || strings.Contains(run, "no cdp enable") {
		t.Errorf("default/no forms left configuration:\n%s", run)
	}
	// A startup-config with the lines loads back to the same settings.
	c := newDiscRig(t, "SW-C", 0xc0)
	if errs := c.dev.LoadConfig(strings.NewReader("no cdp run\nlldp run\nlldp timer 9\ninterface GigabitEthernet0/2\n no lldp transmit\n")); len(errs) != 0 {
		t.Fatalf("load: %v", errs)
	}
	run := c.out("show running-config")
	for _, l := range []string{"no cdp run\nlldp timer 9\nlldp run\n", "interface GigabitEthernet0/2\n no lldp transmit\n"} {
		if !strings.Contains(run, l) {
			t.Errorf("running-config lacks %q:\n%s", l, run)
		}
	}
}

// TestLLDPShutdownFrame: `no lldp transmit` and `no lldp run` send the
// TTL 0 frame that makes the neighbor forget the switch at once.
func TestLLDPShutdownFrame(t *testing.T) {
	a, b := newDiscRig(t, "SW-A", 0xa0), newDiscRig(t, "SW-B", 0xb0)
	a.out("configure terminal", "lldp run", "end")
	b.out("configure terminal", "lldp run", "end")
	a.dev.discoveryTick(a.now)
	cable(t, a, "GigabitEthernet0/1", b, "GigabitEthernet0/1", lldp.MulticastMAC)
	cable(t, a, "GigabitEthernet0/2", b, "GigabitEthernet0/2", lldp.MulticastMAC)
	if len(b.dev.lldpRows("")) != 2 {
		t.Fatalf("%d neighbors, want 2", len(b.dev.lldpRows("")))
	}
	a.out("configure terminal", "interface gi0/1", "no lldp transmit", "end")
	if n := cable(t, a, "GigabitEthernet0/1", b, "GigabitEthernet0/1", lldp.MulticastMAC); n != 1 {
		t.Fatalf("no lldp transmit sent %d frames, want the shutdown frame", n)
	}
	if rows := b.dev.lldpRows(""); len(rows) != 1 || rows[0].local != "GigabitEthernet0/2" {
		t.Errorf("after the shutdown frame on gi0/1: %+v", rows)
	}
	a.out("configure terminal", "no lldp run", "end")
	if n := cable(t, a, "GigabitEthernet0/2", b, "GigabitEthernet0/2", lldp.MulticastMAC); n != 1 {
		t.Fatalf("no lldp run sent %d frames on gi0/2", n)
	}
	if len(a.sent("GigabitEthernet0/1", lldp.MulticastMAC)) != 0 {
		t.Error("no lldp run spoke on a port that does not transmit")
	}
	if rows := b.dev.lldpRows(""); len(rows) != 0 {
		t.Errorf("after no lldp run: %+v", rows)
	}
}
