package cli

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
	"github.com/l2sw/l2sw/vrrp"
)

// vrrpRig is a rig whose mem ports are kept, to read what the speaker sends.
type vrrpRig struct {
	*rig
	ports map[string]*mem.Port
}

func newVRRPRig(t *testing.T) *vrrpRig {
	t.Helper()
	r := &rig{t: t, clk: clock.NewManual(1000 * time.Second), now: rigEpoch, rx: map[string]*dataplane.Receiver{}}
	log := syslog.New(syslog.WithClock(func() time.Time { return r.now }))
	r.sw = dataplane.New(dataplane.Config{Clock: r.clk, Log: log, BaseMAC: packet.MAC{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x00}})
	vr := &vrrpRig{rig: r, ports: map[string]*mem.Port{}}
	for i := 1; i <= 2; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		p := mem.New(name)
		vr.ports[name] = p
		if err := r.sw.AddPort(name, p); err != nil {
			t.Fatal(err)
		}
	}
	r.path = filepath.Join(t.TempDir(), "startup-config")
	r.dev = NewDevice(r.sw, Options{ConfigPath: r.path, Version: "1.0.0-test", Now: func() time.Time { return r.now }})
	r.out("configure terminal", "vlan 10", "interface GigabitEthernet0/1", "switchport access vlan 10",
		"interface Vlan10", "ip address 10.0.10.2 255.255.255.0", "end")
	return vr
}

// step advances the wall clock by d and runs one full runner step.
func (r *vrrpRig) step(d time.Duration) {
	r.now = r.now.Add(d)
	r.dev.vrrpDo(r.dev.vrrpStep(r.now, true))
}

// receive hands the runner an advert as a peer on VLAN 10 sends it.
func (r *vrrpRig) receive(a vrrp.Advert, src string) {
	f, err := vrrp.Frame(&a, netip.MustParseAddr(src))
	if err != nil {
		r.t.Fatal(err)
	}
	copy(f[6:12], []byte{0x02, 0, 0, 0, 0, 0x33}) // the peer's own MAC, as keepalived sends
	r.dev.vrrpDo(r.dev.vrrpReceive(r.now, 10, f))
}

// adverts returns the VRRP adverts sent out of port since the last call.
func (r *vrrpRig) adverts(port string) []vrrp.Received {
	var out []vrrp.Received
	for _, f := range r.ports[port].Sent() {
		if rx, err := vrrp.ParseFrame(f); err == nil {
			out = append(out, rx)
		}
	}
	return out
}

func (r *vrrpRig) logs() string {
	var b strings.Builder
	for _, m := range r.sw.Log().Messages() {
		b.WriteString(m.String() + "\n")
	}
	return b.String()
}

func TestVRRPRunningConfigRoundTrip(t *testing.T) {
	a := newVRRPRig(t)
	a.out("configure terminal", "interface Vlan10",
		"vrrp 1 ip 10.0.10.1", "vrrp 1 ip 10.0.10.3 secondary", "vrrp 1 priority 110",
		"vrrp 1 preempt delay minimum 30", "vrrp 1 timers advertise 3", "vrrp 1 timers learn",
		"vrrp 1 description Users gateway", "vrrp 1 authentication text cisco",
		"vrrp 2 ip 10.0.10.5", "no vrrp 2 preempt", "vrrp 2 timers advertise msec 250",
		"vrrp 3 ip 10.0.10.6", "vrrp 3 priority 100", "vrrp 3 timers advertise 1", "end")
	cfg := a.dev.RunningConfig()
	want := "interface Vlan10\n ip address 10.0.10.2 255.255.255.0\n" +
		" vrrp 1 description Users gateway\n" +
		" vrrp 1 ip 10.0.10.1\n" +
		" vrrp 1 ip 10.0.10.3 secondary\n" +
		" vrrp 1 timers advertise 3\n" +
		" vrrp 1 timers learn\n" +
		" vrrp 1 priority 110\n" +
		" vrrp 1 preempt delay minimum 30\n" +
		" vrrp 1 authentication text cisco\n" +
		" vrrp 2 ip 10.0.10.5\n" +
		" vrrp 2 timers advertise msec 250\n" +
		" no vrrp 2 preempt\n" +
		" vrrp 3 ip 10.0.10.6\n!\n"
	if !strings.Contains(cfg, want) {
		t.Errorf("running-config lacks\n%s\nin\n%s", want, cfg)
	}
	if got := a.out("show running-config interface Vlan10"); !strings.Contains(got, strings.TrimSuffix(want, "!\n")+"end\n") {
		t.Errorf("show running-config interface Vlan10:\n%s", got)
	}
	b := newVRRPRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 {
		t.Fatalf("reloading: %v", errs)
	}
	if got := b.dev.RunningConfig(); got != cfg {
		t.Fatalf("round trip differs\n--- first\n%s\n--- reloaded\n%s", cfg, got)
	}
	// The no and default forms take every line back.
	b.out("configure terminal", "interface Vlan10", "no vrrp 1 description", "no vrrp 1 ip 10.0.10.3 secondary",
		"no vrrp 1 priority", "vrrp 1 preempt", "default vrrp 1 timers advertise", "no vrrp 1 timers learn",
		"no vrrp 1 authentication", "vrrp 2 preempt", "no vrrp 2 timers advertise", "no vrrp 3", "exit", "no fhrp version vrrp v3", "end")
	got := b.dev.RunningConfig()
	if !strings.Contains(got, "interface Vlan10\n ip address 10.0.10.2 255.255.255.0\n vrrp 1 ip 10.0.10.1\n vrrp 2 ip 10.0.10.5\n!\n") ||
		strings.Contains(got, "fhrp") {
		t.Errorf("after the no forms:\n%s", got)
	}
	// `no interface Vlan10` takes the groups with it.
	b.out("configure terminal", "no interface Vlan10", "interface Vlan10", "end")
	if got := b.out("show vrrp"); got != "" {
		t.Errorf("groups survived the SVI:\n%s", got)
	}
}

// TestVRRPv3RunningConfigRoundTrip: with `fhrp version vrrp v3` the
// groups are written in the IOS-XE address-family form, which loads back;
// the classic lines and the address-family mode edit the same group.
func TestVRRPv3RunningConfigRoundTrip(t *testing.T) {
	a := newVRRPRig(t)
	res := a.run("configure terminal", "fhrp version vrrp v3", "interface Vlan10",
		"vrrp 1 address-family ipv4", "description Users gateway", "priority 110", "preempt delay minimum 30",
		"timers advertise 500", "address 10.0.10.1 primary", "address 10.0.10.3 secondary", "exit-vrrp",
		"vrrp 2 address-family ipv4", "address 10.0.10.5", "no preempt", "exit",
		"vrrp 3 ip 10.0.10.6", "vrrp 3 priority 90", "end")
	if res.Rejected {
		t.Fatalf("rejected:\n%s", res.Output)
	}
	if !strings.Contains(res.Output, "Switch(config-if)#vrrp 1 address-family ipv4\nSwitch(config-if-vrrp)#description") ||
		!strings.Contains(res.Output, "Switch(config-if-vrrp)#exit-vrrp\nSwitch(config-if)#") {
		t.Errorf("prompts:\n%s", res.Output)
	}
	cfg := a.dev.RunningConfig()
	want := "interface Vlan10\n ip address 10.0.10.2 255.255.255.0\n" +
		" vrrp 1 address-family ipv4\n" +
		"  description Users gateway\n" +
		"  priority 110\n" +
		"  preempt delay minimum 30\n" +
		"  timers advertise 500\n" +
		"  address 10.0.10.1 primary\n" +
		"  address 10.0.10.3 secondary\n" +
		"  exit-vrrp\n" +
		" vrrp 2 address-family ipv4\n" +
		"  no preempt\n" +
		"  address 10.0.10.5 primary\n" +
		"  exit-vrrp\n" +
		" vrrp 3 address-family ipv4\n" +
		"  priority 90\n" +
		"  address 10.0.10.6 primary\n" +
		"  exit-vrrp\n!\n"
	if !strings.Contains(cfg, want) || !strings.Contains(cfg, "\nfhrp version vrrp v3\n!\n") {
		t.Errorf("running-config lacks\n%s\nin\n%s", want, cfg)
	}
	b := newVRRPRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 {
		t.Fatalf("reloading: %v", errs)
	}
	if got := b.dev.RunningConfig(); got != cfg {
		t.Fatalf("round trip differs\n--- first\n%s\n--- reloaded\n%s", cfg, got)
	}
	// Back to v2: the same groups in the classic lines.
	b.out("configure terminal", "no fhrp version vrrp v3", "interface Vlan10", "no vrrp 1 address-family ipv4", "end")
	if got := b.out("show running-config interface Vlan10"); !strings.Contains(got, " vrrp 2 ip 10.0.10.5\n no vrrp 2 preempt\n vrrp 3 ip 10.0.10.6\n vrrp 3 priority 90\nend\n") {
		t.Errorf("classic form:\n%s", got)
	}
}

func TestVRRPRejections(t *testing.T) {
	r := newVRRPRig(t)
	before := r.dev.RunningConfig()
	for _, line := range []string{
		"vrrp 1 description " + strings.Repeat("x", 81),
		"vrrp 1 authentication text toolongkey",
		"vrrp 1 priority 255",
		"vrrp 0 ip 10.0.10.1",
		"vrrp 256 ip 10.0.10.1",
		"vrrp 1 timers advertise msec 20",
		"vrrp 1 timers advertise 0",
	} {
		res := r.run("configure terminal", "interface Vlan10", line, "end")
		if !res.Rejected || !strings.Contains(res.Output, "%") {
			t.Errorf("%q accepted:\n%s", line, res.Output)
		}
	}
	if after := r.dev.RunningConfig(); after != before {
		t.Errorf("rejected lines changed the config:\n%s", after)
	}
	// A primary address cannot also be a secondary.
	res := r.run("configure terminal", "interface Vlan10", "vrrp 1 ip 10.0.10.1", "vrrp 1 ip 10.0.10.1 secondary", "end")
	if !res.Rejected {
		t.Errorf("primary as secondary accepted:\n%s", res.Output)
	}
}

// TestVRRPElectionShowAndSyslog drives one VRRPv2 group through
// Init -> Backup -> Master, back to Backup under a higher-priority peer
// and to Master again when the peer resigns, checking the adverts, the
// virtual gateway, the syslog lines and the show layouts at each step.
func TestVRRPElectionShowAndSyslog(t *testing.T) {
	r := newVRRPRig(t)
	r.out("configure terminal", "interface Vlan10", "vrrp 1 ip 10.0.10.1", "vrrp 1 priority 110", "end")
	r.step(0)
	if got := r.adverts("GigabitEthernet0/1"); len(got) != 0 {
		t.Fatalf("a backup sent %d adverts", len(got))
	}
	r.step(3 * time.Second)
	r.step(571 * time.Millisecond) // the master-down interval is 3.5703 s at priority 110
	sent := r.adverts("GigabitEthernet0/1")
	if len(sent) != 1 {
		t.Fatalf("new master sent %d adverts, want 1", len(sent))
	}
	a := sent[0]
	if a.Version != 2 || a.VRID != 1 || a.Priority != 110 || a.Interval != 1 || a.TTL != 255 ||
		a.Src != netip.MustParseAddr("10.0.10.2") || a.SrcMAC != packet.MAC(vrrp.VirtualMAC(1)) || a.Addrs[0] != netip.MustParseAddr("10.0.10.1") {
		t.Errorf("advert %+v", a)
	}
	gws := r.sw.VirtualGateways()
	if len(gws) != 1 || gws[0].IP != netip.MustParseAddr("10.0.10.1") || gws[0].MAC != packet.MAC(vrrp.VirtualMAC(1)) || gws[0].VLAN != 10 {
		t.Errorf("virtual gateways %+v", gws)
	}
	logs := r.logs()
	for _, want := range []string{"%VRRP-6-STATECHANGE: Vl10 Grp 1 state Init -> Backup\n", "%VRRP-6-STATECHANGE: Vl10 Grp 1 state Backup -> Master\n"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	r.step(400 * time.Millisecond)
	if got := r.out("show vrrp"); got != `Vlan10 - Group 1
  State is Master
  Virtual IP address is 10.0.10.1
  Virtual MAC address is 0000.5e00.0101
  Advertisement interval is 1.000 sec
  Preemption enabled
  Priority is 110
  Master Router is 10.0.10.2 (local), priority is 110
  Master Advertisement interval is 1.000 sec
  Master Down interval is 3.570 sec

` {
		t.Errorf("show vrrp (master):\n%s", got)
	}
	if got := r.out("show vrrp brief"); got != "Interface          Grp Pri Time  Own Pre State   Master addr     Group addr\n"+
		"Vl10               1   110 3570       Y  Master  10.0.10.2       10.0.10.1      \n" {
		t.Errorf("show vrrp brief (master):\n%q", got)
	}
	// One advert a second.
	r.adverts("GigabitEthernet0/1")
	r.step(600 * time.Millisecond)
	if n := len(r.adverts("GigabitEthernet0/1")); n != 1 {
		t.Errorf("%d adverts in the next second, want 1", n)
	}

	// A peer with priority 150: l2sw backs off and gives back the address.
	r.receive(vrrp.Advert{Version: 2, VRID: 1, Priority: 150, Interval: 1, Addrs: []netip.Addr{netip.MustParseAddr("10.0.10.1")}}, "10.0.10.3")
	if gws := r.sw.VirtualGateways(); len(gws) != 0 {
		t.Errorf("a backup keeps the virtual gateways %+v", gws)
	}
	r.step(time.Second)
	if got := r.out("show vrrp interface vlan 10"); got != `Vlan10 - Group 1
  State is Backup
  Virtual IP address is 10.0.10.1
  Virtual MAC address is 0000.5e00.0101
  Advertisement interval is 1.000 sec
  Preemption enabled
  Priority is 110
  Master Router is 10.0.10.3, priority is 150
  Master Advertisement interval is 1.000 sec
  Master Down interval is 3.570 sec (expires in 2.570 sec)

` {
		t.Errorf("show vrrp (backup):\n%s", got)
	}
	if got := r.out("show vrrp brief interface Vlan10"); got != "Interface          Grp Pri Time  Own Pre State   Master addr     Group addr\n"+
		"Vl10               1   110 3570       Y  Backup  10.0.10.3       10.0.10.1      \n" {
		t.Errorf("show vrrp brief (backup):\n%q", got)
	}
	if !strings.Contains(r.logs(), "%VRRP-6-STATECHANGE: Vl10 Grp 1 state Master -> Backup\n") {
		t.Errorf("no Master -> Backup line:\n%s", r.logs())
	}
	// The peer resigns: master after the skew time (146/256 s).
	r.receive(vrrp.Advert{Version: 2, VRID: 1, Priority: 0, Interval: 1, Addrs: []netip.Addr{netip.MustParseAddr("10.0.10.1")}}, "10.0.10.3")
	r.adverts("GigabitEthernet0/1")
	r.step(580 * time.Millisecond)
	if st := r.dev.showVRRP(10, true, r.now); !strings.Contains(st, "Master") {
		t.Errorf("not master %v after a priority-0 advert:\n%s", 580*time.Millisecond, st)
	}
	// The new master announced the virtual address from the virtual MAC.
	var garp bool
	for _, f := range r.ports["GigabitEthernet0/1"].Sent() {
		if len(f) >= 42 && f[12] == 0x08 && f[13] == 0x06 && packet.MAC(f[6:12]) == packet.MAC(vrrp.VirtualMAC(1)) &&
			netip.AddrFrom4([4]byte(f[28:32])) == netip.MustParseAddr("10.0.10.1") && netip.AddrFrom4([4]byte(f[38:42])) == netip.MustParseAddr("10.0.10.1") {
			garp = true
		}
	}
	if !garp {
		t.Error("no gratuitous ARP from the virtual MAC on becoming master")
	}
}

func TestVRRPIgnoresOwnAndOtherAdverts(t *testing.T) {
	r := newVRRPRig(t)
	r.out("configure terminal", "interface Vlan10", "vrrp 1 ip 10.0.10.1", "end")
	r.step(0)
	// Our own advert reflected back, with a higher priority forged, is
	// never a peer; nor are CARP and adverts for another group.
	r.receive(vrrp.Advert{Version: 2, VRID: 1, Priority: 200, Interval: 1, Addrs: []netip.Addr{netip.MustParseAddr("10.0.10.1")}}, "10.0.10.2")
	r.receive(vrrp.Advert{Version: 2, VRID: 9, Priority: 200, Interval: 1, Addrs: []netip.Addr{netip.MustParseAddr("10.0.10.1")}}, "10.0.10.3")
	// CARP (as ucarp sends it): version 2, type 1, vhid 1, advskew 0,
	// authlen 7, demote, algo, advbase 1, checksum, counter, HMAC.
	carp := make([]byte, packet.EthLen+packet.IPv4Min+36)
	packet.PutEthernet(carp, packet.MAC(vrrp.GroupMAC), packet.MAC{0, 0, 0x5e, 0, 0, 1}, packet.TypeIPv4)
	c := carp[packet.EthLen+packet.IPv4Min:]
	c[0], c[1], c[3], c[5] = 0x21, 1, 7, 1
	packet.PutIPv4Header(carp[packet.EthLen:], packet.IPv4Header{TTL: 255, Proto: vrrp.Protocol, Src: [4]byte{10, 0, 10, 3}, Dst: vrrp.Group.As4()})
	r.dev.vrrpDo(r.dev.vrrpReceive(r.now, 10, carp))
	s := r.dev.vrrp
	if s.rxOwn != 1 || s.rxNoGroup != 1 || s.rxInvalid != 1 {
		t.Errorf("own %d, no group %d, invalid %d; want 1 each", s.rxOwn, s.rxNoGroup, s.rxInvalid)
	}
	r.step(4 * time.Second)
	if got := r.out("show vrrp brief"); !strings.Contains(got, "Master") {
		t.Errorf("not master alone:\n%s", got)
	}
}

func TestVRRPOwnerIsMasterAtOnce(t *testing.T) {
	r := newVRRPRig(t)
	r.out("configure terminal", "interface Vlan10", "vrrp 5 ip 10.0.10.2", "end")
	r.step(0)
	if got := r.out("show vrrp brief"); got != "Interface          Grp Pri Time  Own Pre State   Master addr     Group addr\n"+
		"Vl10               5   255 3003  Y    Y  Master  10.0.10.2       10.0.10.2      \n" {
		t.Errorf("owner:\n%q", got)
	}
	if !strings.Contains(r.logs(), "%VRRP-6-STATECHANGE: Vl10 Grp 5 state Init -> Master\n") {
		t.Errorf("log:\n%s", r.logs())
	}
	if a := r.adverts("GigabitEthernet0/1"); len(a) != 1 || a[0].Priority != 255 {
		t.Errorf("owner adverts %+v", a)
	}
}

func TestVRRPv3ShowLayouts(t *testing.T) {
	r := newVRRPRig(t)
	r.out("configure terminal", "fhrp version vrrp v3", "interface Vlan10", "vrrp 1 ip 10.0.10.1", "vrrp 1 priority 110", "end")
	r.step(0)
	r.step(3571 * time.Millisecond)
	sent := r.adverts("GigabitEthernet0/1")
	if len(sent) != 1 || sent[0].Version != 3 || sent[0].Interval != 100 {
		t.Fatalf("v3 adverts %+v", sent)
	}
	// IOS-XE's unified VRRP logs %VRRP-6-STATE with its own wording.
	for _, want := range []string{"%VRRP-6-STATE: Vlan10 IPv4 group 1 state INIT -> BACKUP\n", "%VRRP-6-STATE: Vlan10 IPv4 group 1 state BACKUP -> MASTER\n"} {
		if !strings.Contains(r.logs(), want) {
			t.Errorf("log lacks %q:\n%s", want, r.logs())
		}
	}
	r.step(968 * time.Millisecond)
	if got := r.out("show vrrp"); got != `Vlan10 - Group 1 - Address-Family IPv4
  State is MASTER
  State duration 0.968 secs
  Virtual IP address is 10.0.10.1
  Virtual MAC address is 0000.5E00.0101
  Advertisement interval is 1000 msec
  Preemption enabled
  Priority is 110
  Master Router is 10.0.10.2 (local), priority is 110
  Master Advertisement interval is 1000 msec (expires in 32 msec)
  Master Down interval is unknown

` {
		t.Errorf("show vrrp v3 (master):\n%s", got)
	}
	if got := r.out("show vrrp brief"); got != "  Interface          Grp  A-F Pri  Time Own Pre State   Master addr/Group addr\n"+
		"  Vl10                 1 IPv4 110     0  N   Y  MASTER  10.0.10.2(local) 10.0.10.1\n" {
		t.Errorf("show vrrp brief v3 (master):\n%q", got)
	}
	// A peer at 120 advertising every 500 ms: backup, the interval learned.
	r.receive(vrrp.Advert{Version: 3, VRID: 1, Priority: 120, Interval: 50, Addrs: []netip.Addr{netip.MustParseAddr("10.0.10.1")}}, "10.0.10.3")
	r.step(100 * time.Millisecond)
	if got := r.out("show vrrp"); !strings.Contains(got, "  State is BACKUP\n") ||
		!strings.Contains(got, "  Master Router is 10.0.10.3, priority is 120\n  Master Advertisement interval is 500 msec (learned)\n  Master Down interval is 1785 msec (expires in 1685 msec)\n") {
		t.Errorf("show vrrp v3 (backup):\n%s", got)
	}
	if got := r.out("show vrrp brief"); !strings.Contains(got, "  Vl10                 1 IPv4 110  1785  N   Y  BACKUP  10.0.10.3 10.0.10.1\n") {
		t.Errorf("show vrrp brief v3 (backup):\n%q", got)
	}
}

// TestVRRPResignsOnShutdownAndRemoval: a master whose group is removed,
// or loses its address, sends a priority-0 advert; one whose SVI is shut
// down cannot send. Each gives back the virtual address and logs the
// change to Init.
func TestVRRPResignsOnShutdownAndRemoval(t *testing.T) {
	for _, tc := range []struct {
		name   string
		line   string
		resign bool
	}{{"shutdown", "shutdown", false}, {"no vrrp", "no vrrp 1", true}, {"no vrrp ip", "no vrrp 1 ip", true}} {
		r := newVRRPRig(t)
		r.out("configure terminal", "interface Vlan10", "vrrp 1 ip 10.0.10.1", "end")
		r.step(0)
		r.step(4 * time.Second)
		if len(r.sw.VirtualGateways()) != 1 {
			t.Fatalf("%s: not master", tc.name)
		}
		r.adverts("GigabitEthernet0/1")
		r.out("configure terminal", "interface Vlan10", tc.line, "end")
		r.step(100 * time.Millisecond)
		sent := r.adverts("GigabitEthernet0/1")
		if tc.resign && (len(sent) != 1 || sent[0].Priority != 0) {
			t.Errorf("%s: adverts %+v, want one with priority 0", tc.name, sent)
		}
		if !tc.resign && len(sent) != 0 {
			t.Errorf("%s: a down SVI sent %+v", tc.name, sent)
		}
		if gws := r.sw.VirtualGateways(); len(gws) != 0 {
			t.Errorf("%s: still owns %+v", tc.name, gws)
		}
		if !strings.Contains(r.logs(), "%VRRP-6-STATECHANGE: Vl10 Grp 1 state Master -> Init\n") {
			t.Errorf("%s: log:\n%s", tc.name, r.logs())
		}
	}
}
