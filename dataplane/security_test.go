package dataplane

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/packet"
)

// logText returns the switch's messages as %FAC-SEV-MNEMONIC: text lines.
func (g *rig) logText() string {
	var b strings.Builder
	for _, m := range g.sw.Log().Messages() {
		fmt.Fprintf(&b, "%%%s-%d-%s: %s\n", m.Facility, int(m.Severity), m.Mnemonic, m.Text)
	}
	return b.String()
}

func (g *rig) securePort(i int, c PortSecurity) {
	g.t.Helper()
	c.Enabled = true
	if err := g.sw.SetPortSecurity(ifName(i), c); err != nil {
		g.t.Fatal(err)
	}
}

func (g *rig) secure(i int) PortSecurityStatus {
	g.t.Helper()
	st, err := g.sw.PortSecurity(ifName(i))
	if err != nil {
		g.t.Fatal(err)
	}
	return st
}

func TestPortSecurityShutdownErrDisablesAndRecovers(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.securePort(1, PortSecurity{Maximum: 1})
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	g.got()
	g.send(1, udpFrame(t, macB, bcast, 0, "second mac"))
	if got := g.got(); len(got) != 0 {
		t.Fatalf("the violating frame was forwarded to %v", got)
	}
	st, _ := g.sw.Status(ifName(1))
	if st.ErrDisabled != CausePsecureViolation || st.Up {
		t.Fatalf("status %+v: want err-disabled for psecure-violation", st)
	}
	for _, want := range []string{
		"%PM-4-ERR_DISABLE: psecure-violation error detected on Gi0/1, putting Gi0/1 in err-disable state\n" +
			"%PORT_SECURITY-2-PSECURE_VIOLATION: Security violation occurred, caused by MAC address 0000.0b00.000b on port GigabitEthernet0/1.\n" +
			"%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to down\n" +
			"%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down\n",
	} {
		if !strings.Contains(g.logText(), want) {
			t.Fatalf("log:\n%s\nwant:\n%s", g.logText(), want)
		}
	}
	if s := g.secure(1); s.Violations != 1 || s.LastMAC.String() != "0000.0b00.000b" || len(s.Addresses) != 0 {
		t.Fatalf("after the violation: %+v (the dynamic address is forgotten, one violation)", s)
	}
	// Down: even the allowed host's frames go nowhere.
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	if got := g.got(); len(got) != 0 || g.counter(1, DropPortDown) != 1 {
		t.Fatalf("err-disabled port forwarded %v", got)
	}

	// No recovery configured: the interval passes and nothing happens.
	g.clk.Advance(400 * time.Second)
	g.sw.SecurityTick()
	if st, _ := g.sw.Status(ifName(1)); st.ErrDisabled == "" {
		t.Fatal("recovered without errdisable recovery cause")
	}
	g.sw.SetErrDisableRecovery(CausePsecureViolation, true)
	if err := g.sw.SetErrDisableInterval(30); err != nil {
		t.Fatal(err)
	}
	rec := g.sw.ErrDisableRecoveryState()
	if len(rec.Pending) != 1 || rec.Pending[0].Cause != CausePsecureViolation || rec.Interval != 30 {
		t.Fatalf("recovery state %+v", rec)
	}
	g.sw.SecurityTick()
	if st, _ := g.sw.Status(ifName(1)); st.ErrDisabled != "" || !st.Up {
		t.Fatalf("not recovered: %+v", st)
	}
	if !strings.Contains(g.logText(), "%PM-4-ERR_RECOVER: Attempting to recover from psecure-violation err-disable state on Gi0/1\n") {
		t.Fatalf("no recovery message:\n%s", g.logText())
	}
	g.send(1, udpFrame(t, macB, bcast, 0, "b is the first now"))
	if got := g.got(); len(got[2]) != 1 {
		t.Fatalf("after recovery the port does not forward: %v", got)
	}
}

func TestShutdownClearsErrDisable(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	if !g.sw.ErrDisable(ifName(1), CauseBPDUGuard, nil) {
		t.Fatal("ErrDisable refused")
	}
	if g.sw.ErrDisable(ifName(1), CausePsecureViolation, nil) {
		t.Fatal("err-disabled twice")
	}
	g.set(1, func(s *PortSettings) { s.Shutdown = true })
	g.set(1, func(s *PortSettings) { s.Shutdown = false })
	if st, _ := g.sw.Status(ifName(1)); st.ErrDisabled != "" || !st.Up {
		t.Fatalf("shutdown / no shutdown left %+v", st)
	}
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	if got := g.got(); len(got[2]) != 1 {
		t.Fatalf("port does not forward: %v", got)
	}
}

func TestPortSecurityRestrictDropsCountsAndLogs(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.securePort(1, PortSecurity{Maximum: 2, Violation: ViolationRestrict})
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	g.send(1, udpFrame(t, macB, bcast, 0, "b"))
	g.got()
	for range 5 {
		g.send(1, udpFrame(t, macC, bcast, 0, "c"))
	}
	if got := g.got(); len(got) != 0 {
		t.Fatalf("violating frames forwarded: %v", got)
	}
	s := g.secure(1)
	if s.Violations != 5 || len(s.Addresses) != 2 || g.counter(1, Drops(ReasonPortSecurity)) != 5 {
		t.Fatalf("restrict: %d violations, %d addresses, %d drops; want 5, 2, 5", s.Violations, len(s.Addresses), g.counter(1, Drops(ReasonPortSecurity)))
	}
	if n := strings.Count(g.logText(), "PSECURE_VIOLATION"); n != 1 {
		t.Fatalf("%d violation messages in one second, want 1:\n%s", n, g.logText())
	}
	g.clk.Advance(time.Second)
	g.send(1, udpFrame(t, macC, bcast, 0, "c"))
	if n := strings.Count(g.logText(), "PSECURE_VIOLATION"); n != 2 {
		t.Fatalf("%d violation messages after a second, want 2", n)
	}
	if st, _ := g.sw.Status(ifName(1)); !st.Up {
		t.Fatal("restrict took the port down")
	}
	g.send(1, udpFrame(t, macA, bcast, 0, "a again"))
	if got := g.got(); len(got[2]) != 1 {
		t.Fatalf("a secure host is not forwarded: %v", got)
	}
	if _, ok := g.sw.MACPort(1, packet.MAC(macC)); ok {
		t.Fatal("the violating source was learned")
	}
}

func TestPortSecurityProtectDropsSilently(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.securePort(1, PortSecurity{Violation: ViolationProtect})
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	g.send(1, udpFrame(t, macB, bcast, 0, "b"))
	if got := g.got(); len(got[2]) != 1 {
		t.Fatalf("protect: got %v, want only a's frame", got)
	}
	if s := g.secure(1); s.Violations != 0 || strings.Contains(g.logText(), "PSECURE") {
		t.Fatalf("protect counted or logged: %+v\n%s", s, g.logText())
	}
}

// TestPortSecurityFloodLeavesCAMClean: a flood of random sources on a
// secured port learns nothing beyond the maximum, and a host on another
// port keeps being forwarded to.
func TestPortSecurityFloodLeavesCAMClean(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.securePort(1, PortSecurity{Maximum: 3, Violation: ViolationRestrict})
	g.send(2, udpFrame(t, macB, bcast, 0, "b"))
	g.got()
	for i := range 2000 {
		src := packet.MACFromUint64(0x020000000000 + uint64(i)*7919)
		g.send(1, udpFrame(t, src[:], macB, 0, "flood"))
	}
	g.got()
	n := 0
	for _, e := range g.sw.cam.Entries(cam.ForPort(g.rx[ifName(1)].in)) {
		_ = e
		n++
	}
	if n != 3 || g.sw.MACCount() != 4 {
		t.Fatalf("CAM holds %d entries of the secured port (%d in all), want 3 (4)", n, g.sw.MACCount())
	}
	g.send(3, udpFrame(t, macC, macB, 0, "c to b"))
	if got := g.got(); len(got[2]) != 1 || len(got) != 1 {
		t.Fatalf("known host not reached: %v", got)
	}
}

func TestPortSecurityStickyAndConfigured(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.securePort(1, PortSecurity{Maximum: 2, Sticky: true})
	if err := g.sw.AddSecureMAC(ifName(1), packet.MAC(macC), 0, SecureConfigured); err != nil {
		t.Fatal(err)
	}
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	s := g.secure(1)
	if len(s.Addresses) != 2 || s.Addresses[0].Kind != SecureSticky || s.Addresses[1].Kind != SecureConfigured || s.Addresses[0].VLAN != 1 {
		t.Fatalf("addresses %+v: want a sticky, c configured, VLAN 1", s.Addresses)
	}
	if err := g.sw.AddSecureMAC(ifName(1), packet.MAC(macB), 0, SecureConfigured); err == nil {
		t.Fatal("a third address past maximum 2 was accepted")
	}
	// Sticky and configured addresses survive an err-disable.
	g.sw.ErrDisable(ifName(1), CausePsecureViolation, nil)
	if s := g.secure(1); len(s.Addresses) != 2 {
		t.Fatalf("after err-disable: %+v", s.Addresses)
	}
	// Sticky off: sticky addresses become dynamic.
	g.securePort(1, PortSecurity{Maximum: 2})
	if s := g.secure(1); s.Addresses[0].Kind != SecureDynamic {
		t.Fatalf("sticky off: %+v", s.Addresses)
	}
	if err := g.sw.RemoveSecureMAC(ifName(1), packet.MAC(macC), 0, SecureConfigured); err != nil {
		t.Fatal(err)
	}
	if s := g.secure(1); len(s.Addresses) != 1 {
		t.Fatalf("after removing the configured address: %+v", s.Addresses)
	}
}

func TestPortSecurityAging(t *testing.T) {
	for _, typ := range []SecureAgingType{AgingAbsolute, AgingInactivity} {
		t.Run(typ.String(), func(t *testing.T) {
			g := newRig(t, 2, cam.Config{})
			g.securePort(1, PortSecurity{AgingTime: 2, AgingType: typ})
			g.send(1, udpFrame(t, macA, bcast, 0, "a"))
			g.clk.Advance(90 * time.Second)
			g.send(1, udpFrame(t, macA, bcast, 0, "a keeps talking"))
			if s := g.secure(1); len(s.Addresses) != 1 || s.Addresses[0].Remaining != map[SecureAgingType]int{AgingAbsolute: 1, AgingInactivity: 2}[typ] {
				t.Fatalf("remaining: %+v", s.Addresses)
			}
			g.clk.Advance(40 * time.Second) // 130 s after learning, 40 s after the last frame
			g.sw.SecurityTick()
			left := len(g.secure(1).Addresses)
			if want := map[SecureAgingType]int{AgingAbsolute: 0, AgingInactivity: 1}[typ]; left != want {
				t.Fatalf("%v aging: %d addresses left, want %d", typ, left, want)
			}
			if typ == AgingAbsolute {
				if _, ok := g.sw.MACPort(1, packet.MAC(macA)); ok {
					t.Fatal("aged secure address still in the CAM")
				}
				g.got()
				g.send(1, udpFrame(t, macB, bcast, 0, "b takes the free place"))
				if got := g.got(); len(got[2]) != 1 {
					t.Fatalf("no room after aging: %v", got)
				}
			}
		})
	}
}

func TestPortSecurityVLANMaximumOnTrunk(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	for _, v := range []uint16{10, 20} {
		if err := g.sw.SetVLAN(v, ""); err != nil {
			t.Fatal(err)
		}
	}
	g.set(1, func(s *PortSettings) { s.Mode = ModeTrunk })
	g.set(2, func(s *PortSettings) { s.Mode = ModeTrunk })
	g.securePort(1, PortSecurity{Maximum: 3, VLANMaximum: map[uint16]int{10: 1}, Violation: ViolationRestrict})
	g.send(1, udpFrame(t, macA, bcast, 10, "a"), udpFrame(t, macB, bcast, 10, "b"), udpFrame(t, macB, bcast, 20, "b in 20"))
	got := g.got()
	if len(got[2]) != 2 || g.secure(1).Violations != 1 {
		t.Fatalf("vlan maximum 1 in VLAN 10: forwarded %d, %d violations; want 2, 1", len(got[2]), g.secure(1).Violations)
	}
}

func TestPortSecurityKnownSourceAllocatesNothing(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.securePort(1, PortSecurity{Maximum: 2, AgingTime: 10, AgingType: AgingInactivity})
	g.send(2, udpFrame(t, macB, bcast, 0, "b"))
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	g.got()
	g.assertNoAllocs("secure known unicast", 1, 2, udpFrame(t, macA, macB, 0, "a to b"))
}

func stormPPS(class StormClass, rising, falling uint64) StormControl {
	var c StormControl
	c.Levels[class] = StormLevel{On: true, Unit: StormPPS, Rising: rising, Falling: falling}
	return c
}

func TestStormControlLimitsPerSecond(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	if err := g.sw.SetStormControl(ifName(1), stormPPS(StormBroadcast, 10, 0)); err != nil {
		t.Fatal(err)
	}
	g.send(3, udpFrame(t, macC, bcast, 0, "c"))
	g.got()
	for second := range 3 {
		for range 100 {
			g.send(1, udpFrame(t, macA, bcast, 0, "storm"))
			g.send(1, udpFrame(t, macA, macC, 0, "unicast"))
		}
		got := g.got()
		if len(got[2]) != 10 || len(got[3]) != 110 {
			t.Fatalf("second %d: port 2 got %d broadcasts (want 10), port 3 %d frames (want 10+100 unicast)", second, len(got[2]), len(got[3]))
		}
		_, st, _ := g.sw.StormStatus(ifName(1))
		if !st[StormBroadcast].Blocking {
			t.Fatal("not blocking during the storm")
		}
		g.clk.Advance(time.Second)
	}
	if n := g.counter(1, Drops(ReasonStormControl)); n != 270 {
		t.Fatalf("storm drops %d, want 270", n)
	}
	g.send(1, udpFrame(t, macA, bcast, 0, "after"))
	_, st, _ := g.sw.StormStatus(ifName(1))
	if st[StormBroadcast].Current != 100 || st[StormBroadcast].Blocking {
		t.Fatalf("status after the storm: %+v, want current 100 pps, forwarding", st[StormBroadcast])
	}
	if strings.Contains(g.logText(), "STORM") {
		t.Fatalf("the default action logged:\n%s", g.logText())
	}
}

func TestStormControlFallingLevelHolds(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	if err := g.sw.SetStormControl(ifName(1), stormPPS(StormBroadcast, 10, 5)); err != nil {
		t.Fatal(err)
	}
	burst := func(n int) int {
		for range n {
			g.send(1, udpFrame(t, macA, bcast, 0, "storm"))
		}
		g.clk.Advance(time.Second)
		return len(g.got()[2])
	}
	for i, c := range []struct{ offered, passed int }{{20, 10}, {8, 0}, {4, 0}, {4, 4}} {
		if got := burst(c.offered); got != c.passed {
			t.Fatalf("interval %d: %d of %d passed, want %d", i, got, c.offered, c.passed)
		}
	}
}

func TestStormControlShutdownAndTrap(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	c := stormPPS(StormMulticast, 5, 0)
	c.Trap = true
	if err := g.sw.SetStormControl(ifName(1), c); err != nil {
		t.Fatal(err)
	}
	mc := mac("0100.5e00.0001")
	for range 10 {
		g.send(1, udpFrame(t, macA, mc, 0, "m"))
	}
	if want := "%STORM_CONTROL-3-FILTERED: A Multicast storm detected on Gi0/1. A packet filter action has been applied on the interface.\n"; !strings.Contains(g.logText(), want) {
		t.Fatalf("log:\n%s\nwant %s", g.logText(), want)
	}
	c.Shutdown = true
	if err := g.sw.SetStormControl(ifName(2), c); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		g.send(2, udpFrame(t, macB, mc, 0, "m"))
	}
	if st, _ := g.sw.Status(ifName(2)); st.ErrDisabled != CauseStormControl {
		t.Fatalf("status %+v", st)
	}
	want := "%PM-4-ERR_DISABLE: storm-control error detected on Gi0/2, putting Gi0/2 in err-disable state\n" +
		"%STORM_CONTROL-3-SHUTDOWN: A packet storm was detected on Gi0/2. The interface has been disabled.\n"
	if !strings.Contains(g.logText(), want) {
		t.Fatalf("log:\n%s\nwant:\n%s", g.logText(), want)
	}
}

func TestStormControlPercentCountsBytes(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	var c StormControl
	c.Levels[StormBroadcast] = StormLevel{On: true, Unit: StormPercent, Rising: 1} // 0.01% of 1 Gb/s: 12500 bytes/s
	if err := g.sw.SetStormControl(ifName(1), c); err != nil {
		t.Fatal(err)
	}
	f := sized(t, macA, bcast, 0, 1000)
	for range 20 {
		g.send(1, f)
	}
	if got := len(g.got()[2]); got != 12 {
		t.Fatalf("%d frames of 1000 bytes passed 12500 bytes/s, want 12", got)
	}
	g.clk.Advance(time.Second)
	g.send(1, f)
	_, st, _ := g.sw.StormStatus(ifName(1))
	if st[StormBroadcast].Current != 2 { // 20000 bytes/s of 1 Gb/s is 0.016%, shown 0.02%
		t.Fatalf("current %d hundredths of a percent, want 2", st[StormBroadcast].Current)
	}
}

func TestVLANLearningOff(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.send(2, udpFrame(t, macB, bcast, 0, "b learned before"))
	g.got()
	if err := g.sw.SetVLANLearning(1, false); err != nil {
		t.Fatal(err)
	}
	if g.sw.MACCount() != 0 {
		t.Fatal("turning learning off kept the VLAN's dynamic entries")
	}
	if err := g.sw.AddStaticMAC(1, packet.MAC(macB), ifName(2)); err != nil {
		t.Fatal(err)
	}
	g.send(1, udpFrame(t, macA, macB, 0, "a to b"))
	g.send(3, udpFrame(t, macC, macA, 0, "c to a"))
	got := g.got()
	if len(got[2]) != 2 || len(got[1]) != 1 || g.sw.MACCount() != 1 {
		t.Fatalf("learning off: %v, %d entries; want a→b on 2, c→a flooded to 1 and 2, nothing learned", got, g.sw.MACCount())
	}
	g.send(1, udpFrame(t, mac("0100.5e00.0001"), bcast, 0, "bad source"))
	if g.counter(1, DropInvalidSource) != 1 {
		t.Fatal("a multicast source is not dropped with learning off")
	}
	if err := g.sw.SetVLANLearning(1, true); err != nil {
		t.Fatal(err)
	}
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	if _, ok := g.sw.MACPort(1, packet.MAC(macA)); !ok {
		t.Fatal("learning back on does not learn")
	}
}

func TestMACLimit(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.sw.SetMACLimit(2)
	for i := range 5 {
		src := packet.MACFromUint64(0x020000000001 + uint64(i))
		g.send(1, udpFrame(t, src[:], bcast, 0, "x"))
	}
	if g.sw.MACCount() != 2 {
		t.Fatalf("%d entries under a limit of 2", g.sw.MACCount())
	}
	if l, c := g.sw.MACLimit(); l != 2 || c != cam.DefaultCapacity {
		t.Fatalf("MACLimit() = %d, %d", l, c)
	}
}

func TestCAMSeedDiffersPerSwitch(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	if a.cam.Seed() == 0 || a.cam.Seed() == b.cam.Seed() {
		t.Fatalf("seeds %#x and %#x: want a random one per switch", a.cam.Seed(), b.cam.Seed())
	}
	if c := New(Config{CAM: cam.Config{Seed: 42}}); c.cam.Seed() != 42 {
		t.Fatal("a configured seed is not kept")
	}
}

// TestSecurityUnderRunningWorkers runs port security and storm control on
// the switch's own goroutines while the control plane reads and changes
// them, for the race detector: violations, err-disable, recovery ticks and
// the shows all at once.
func TestSecurityUnderRunningWorkers(t *testing.T) {
	sw := New(Config{})
	ports := make([]*mem.Port, 3)
	for i := range ports {
		ports[i] = mem.New(ifName(i + 1))
		if err := sw.AddPort(ifName(i+1), ports[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.SetPortSecurity(ifName(1), PortSecurity{Enabled: true, Maximum: 4, Violation: ViolationRestrict, Sticky: true}); err != nil {
		t.Fatal(err)
	}
	if err := sw.SetPortSecurity(ifName(2), PortSecurity{Enabled: true, AgingTime: 1, AgingType: AgingInactivity}); err != nil {
		t.Fatal(err)
	}
	if err := sw.SetStormControl(ifName(3), stormPPS(StormBroadcast, 50, 0)); err != nil {
		t.Fatal(err)
	}
	sw.SetErrDisableRecovery(CausePsecureViolation, true)
	sw.Start()
	defer sw.Stop()
	for i := range 300 {
		src := packet.MACFromUint64(0x020000000100 + uint64(i%16))
		ports[0].Inject(udpFrame(t, src[:], bcast, 0, "p1"))
		ports[1].Inject(udpFrame(t, src[:], bcast, 0, "p2"))
		ports[2].Inject(udpFrame(t, macC, bcast, 0, "p3"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i := range ports {
			_, _ = sw.PortSecurity(ifName(i + 1))
			_, _, _ = sw.StormStatus(ifName(i + 1))
		}
		_ = sw.ErrDisableRecoveryState()
		sw.SecurityTick()
		var rx uint64
		for i := range ports {
			c, _ := sw.Counters(ifName(i + 1))
			rx += c.Get(RxFrames)
		}
		if rx == 900 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if st, _ := sw.PortSecurity(ifName(1)); len(st.Addresses) != 4 || st.Violations == 0 {
		t.Fatalf("port 1: %d addresses, %d violations", len(st.Addresses), st.Violations)
	}
	if sw.ErrDisabledCause(ifName(2)) != CausePsecureViolation {
		t.Fatal("port 2 not err-disabled")
	}
}

// TestSecureAddressOnAnotherSecurePortViolates: an address secured on one
// port and seen on another secured port of the VLAN is a violation there,
// as on a Catalyst; on an unsecured port it just moves.
func TestSecureAddressOnAnotherSecurePortViolates(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.securePort(1, PortSecurity{Maximum: 2})
	g.securePort(2, PortSecurity{Maximum: 2, Violation: ViolationRestrict})
	g.send(1, udpFrame(t, macA, bcast, 0, "a on 1"))
	g.got()
	g.send(2, udpFrame(t, macA, bcast, 0, "a on 2"))
	if got := g.got(); len(got) != 0 || g.secure(2).Violations != 1 {
		t.Fatalf("a secured on Gi0/1 and seen on Gi0/2: forwarded to %v, %d violations", got, g.secure(2).Violations)
	}
	if p, _ := g.sw.MACPort(1, packet.MAC(macA)); p != ifName(1) {
		t.Fatalf("the address moved to %s", p)
	}
	g.send(3, udpFrame(t, macA, bcast, 0, "a on an open port"))
	if got := g.got(); len(got[1]) != 1 {
		t.Fatalf("on an unsecured port: %v", got)
	}
}

// TestPortSecurityShutdownLearnsNothingAfterTheErrDisable: the frames
// behind a violation in the same batch still run on the snapshot from
// before the err-disable, and the err-disable has just forgotten the
// port's dynamic address: none of them is secured in its place (a MAC
// flood on a shutdown port left one flood address secured and in the CAM).
func TestPortSecurityShutdownLearnsNothingAfterTheErrDisable(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	g.securePort(1, PortSecurity{Maximum: 1})
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	g.got()
	g.send(1, udpFrame(t, macB, bcast, 0, "violation"), udpFrame(t, macC, bcast, 0, "behind it"), udpFrame(t, mac("0000.0d00.000d"), bcast, 0, "and another"))
	if got := g.got(); len(got) != 0 {
		t.Fatalf("forwarded from a port going err-disabled: %v", got)
	}
	if s := g.secure(1); len(s.Addresses) != 0 {
		t.Fatalf("secure addresses of the err-disabled port: %+v", s.Addresses)
	}
	if es, _ := g.sw.MACEntries(MACFilter{Port: ifName(1)}); len(es) != 0 {
		t.Fatalf("CAM entries of the err-disabled port: %+v", es)
	}
	if n := strings.Count(g.logText(), "PSECURE_VIOLATION"); n != 1 {
		t.Fatalf("%d violation messages:\n%s", n, g.logText())
	}
	// Recovered, the port secures its first address again.
	g.sw.SetErrDisableRecovery(CausePsecureViolation, true)
	g.clk.Advance(400 * time.Second)
	g.sw.SecurityTick()
	g.send(1, udpFrame(t, macC, bcast, 0, "after recovery"))
	if got := g.got(); len(got[2]) != 1 {
		t.Fatalf("after recovery the port does not forward: %v", got)
	}
	if s := g.secure(1); len(s.Addresses) != 1 || s.Addresses[0].MAC.String() != "0000.0c00.000c" {
		t.Fatalf("after recovery: %+v", s.Addresses)
	}
}
