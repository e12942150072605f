package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/term"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/internal/textfsmtest"
	"github.com/l2sw/l2sw/packet"
)

// hsrpHold is the hold time of the e2e groups (`standby 1 timers 1 3`):
// short for a fast test, three hellos for a loaded machine.
const hsrpHold = 3 * time.Second

// hsrpSwitch is one l2sw switch of the HSRP pair: its own base MAC (the
// two routers must not share a router MAC), its CLI device and the
// runner's context.
type hsrpSwitch struct {
	*lab
	dev    *cli.Device
	cancel context.CancelFunc
	done   chan struct{}
}

// newHSRPSwitch starts a switch whose Gi0/1, Gi0/2... are the wire's
// ends ifnames (afpacket ports in VLAN 10), configures it and starts its
// HSRP runner.
func newHSRPSwitch(t *testing.T, base byte, wire *netns.NS, ifnames []string, config ...string) *hsrpSwitch {
	t.Helper()
	l := &lab{t: t, sw: dataplane.New(dataplane.Config{BaseMAC: packet.MAC{0x02, 0x00, 0x15, 0x72, base, 0x00}})}
	l.sw.Start()
	t.Cleanup(l.stop)
	for _, ifname := range ifnames {
		l.ports++
		l.attachAfpacket(wire, ifname, fmt.Sprintf("GigabitEthernet0/%d", l.ports), access(10))
	}
	s := &hsrpSwitch{lab: l, dev: cli.NewDevice(l.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")}), done: make(chan struct{})}
	s.exec(t, append([]string{"configure terminal", "vlan 10", "exit"}, append(config, "end")...)...)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { defer close(s.done); s.dev.RunStandby(ctx) }()
	t.Cleanup(s.halt)
	return s
}

func (s *hsrpSwitch) exec(t *testing.T, lines ...string) string {
	t.Helper()
	res := term.RunBatch(s.dev.Engine(), lines, term.BatchOptions{})
	if res.Rejected {
		t.Fatalf("%q refused:\n%s", lines, res.Output)
	}
	return res.Output
}

// crash stops the switch as a power cut would: its ports close first, so
// the runner's resign never leaves, then the runner ends.
func (s *hsrpSwitch) crash() {
	s.stop()
	s.halt()
}

func (s *hsrpSwitch) halt() {
	s.cancel()
	<-s.done
}

// brief returns the state of group 1 on Vlan10 from `show standby brief`,
// parsed with the reference template.
func (s *hsrpSwitch) brief(t *testing.T) map[string]any {
	t.Helper()
	out := s.exec(t, "show standby brief")
	for _, r := range textfsmtest.Parse(t, "show_standby_brief", out) {
		if r["INTERFACE"] == "Vl10" && r["GROUP"] == "1" {
			return r
		}
	}
	t.Fatalf("no Vl10 group 1 in:\n%s", out)
	return nil
}

func (s *hsrpSwitch) waitState(t *testing.T, state string, timeout time.Duration) bool {
	t.Helper()
	return poll(timeout, func() bool { return s.brief(t)["STATE"] == state })
}

// TestHSRPPairFailover is the HSRP acceptance case: two l2sw switches
// joined by a veth pair, each with Vlan10 and `standby 1 ip 10.0.10.1`.
// The higher priority becomes active, the other standby; a host on the
// standby's side pings the virtual IP and resolves it to the virtual MAC;
// the active switch dies, the standby takes over within the hold time and
// the pings resume; the dead switch comes back and, with preempt, takes
// the active role back.
func TestHSRPPairFailover(t *testing.T) {
	t.Parallel()
	netns.RequireRoot(t)
	wire := netns.New(t)
	wire.DisableIPv6()
	wire.MustRun("ip", "link", "add", "hsrpw1", "type", "veth", "peer", "name", "hsrpw2")
	wire.LinkUp("hsrpw1")
	wire.LinkUp("hsrpw2")
	group := []string{"standby 1 ip 10.0.10.1", "standby 1 timers 1 3", "standby 1 preempt"}
	cfg1 := append([]string{"interface vlan 10", "ip address 10.0.10.2 255.255.255.0", "standby 1 priority 110"}, group...)
	cfg2 := append([]string{"interface vlan 10", "ip address 10.0.10.3 255.255.255.0"}, group...)
	s1 := newHSRPSwitch(t, 1, wire, []string{"hsrpw1"}, cfg1...)
	s2 := newHSRPSwitch(t, 2, wire, []string{"hsrpw2"}, cfg2...)
	host := s2.addHost("hsrphost", access(10), "02:00:00:00:15:09", "10.0.10.9/24")

	// A lone router needs a hold time in Listen and one in Speak; allow
	// a loaded machine plenty more.
	if !s1.waitState(t, "Active", 10*hsrpHold) {
		t.Fatalf("switch 1 did not become active:\n%s", s1.exec(t, "show standby"))
	}
	if !s2.waitState(t, "Standby", 10*hsrpHold) {
		t.Fatalf("switch 2 did not become standby:\n%s", s2.exec(t, "show standby"))
	}
	// Switch 1 learns its standby from switch 2's next hello.
	poll(2*hsrpHold, func() bool { return s1.brief(t)["STANDBY"] == "10.0.10.3" })
	if r := s1.brief(t); r["STANDBY"] != "10.0.10.3" || r["PRIORITY"] != "110" || r["PREEMPT"] != "P" || r["VIRTUAL_IP_ADDRESS"] != "10.0.10.1" {
		t.Errorf("switch 1's brief row: %v", r)
	}
	if r := s2.brief(t); r["ACTIVE"] != "10.0.10.2" || r["STANDBY"] != "local" {
		t.Errorf("switch 2's brief row: %v", r)
	}

	host.mustPing("10.0.10.1")
	if out := host.ns.MustRun("ip", "neigh", "show", "10.0.10.1"); !strings.Contains(out, "lladdr 00:00:0c:07:ac:01") {
		t.Errorf("the host resolved the virtual IP to: %s", out)
	}
	// Switch 2 reaches the virtual MAC across the wire (switch 1 sends
	// its hellos from it).
	if got := s2.macPort(10, packet.MAC{0, 0, 0x0c, 0x07, 0xac, 0x01}); got != "GigabitEthernet0/1" {
		t.Errorf("switch 2 learned the virtual MAC on %q, want GigabitEthernet0/1", got)
	}

	stopped := time.Now()
	s1.crash()
	if !s2.waitState(t, "Active", hsrpHold+5*time.Second) {
		t.Fatalf("switch 2 did not take over:\n%s", s2.exec(t, "show standby"))
	}
	took := time.Since(stopped)
	t.Logf("switch 2 took over %v after switch 1 stopped (hold time %v)", took.Round(time.Millisecond), hsrpHold)
	// The hold time, plus what a loaded machine adds to the polling.
	if took > hsrpHold+2*time.Second {
		t.Errorf("the takeover took %v, more than the hold time %v", took, hsrpHold)
	}
	if !poll(promptly, func() bool { return host.ping("10.0.10.1", 1) == nil }) {
		t.Errorf("the host's pings to the virtual IP did not resume after the takeover")
	}
	if got := s2.sw.Log().Grep("%HSRP-5-STATECHANGE: Vlan10 Grp 1 state Standby -> Active"); len(got) != 1 {
		t.Errorf("switch 2 logged %q", s2.sw.Log().Grep("HSRP"))
	}

	// Switch 1 comes back with its configuration; preempt gives it the
	// active role back, and switch 2 goes back to standby.
	s1 = newHSRPSwitch(t, 1, wire, []string{"hsrpw1"}, cfg1...)
	if !s1.waitState(t, "Active", 10*hsrpHold) {
		t.Fatalf("the restarted switch 1 did not preempt:\n%s", s1.exec(t, "show standby"))
	}
	if !s2.waitState(t, "Standby", 10*hsrpHold) {
		t.Fatalf("switch 2 did not return to standby:\n%s", s2.exec(t, "show standby"))
	}
	if got := s2.sw.Log().Grep("%HSRP-5-STATECHANGE: Vlan10 Grp 1 state Active -> Speak"); len(got) != 1 {
		t.Errorf("switch 2 logged %q", s2.sw.Log().Grep("HSRP"))
	}
	if !poll(promptly, func() bool { return host.ping("10.0.10.1", 1) == nil }) {
		t.Errorf("the host cannot reach the virtual IP after the preemption")
	}
	if _, ok := s2.waitMACPort(10, packet.MAC{0, 0, 0x0c, 0x07, 0xac, 0x01}, "GigabitEthernet0/1", promptly); !ok {
		t.Errorf("switch 2 did not learn the virtual MAC back toward switch 1")
	}
}

// TestHSRPFailoverGratuitousARPPolicy is the reference set's failover
// case with l2sw on both sides: an HSRP pair whose routers own different
// virtual MACs (switch 2 has `standby 1 mac-address`), and an upstream
// l2sw router between them that talks to the virtual IP. When switch 2
// takes over, its gratuitous ARP repoints the upstream at once, unless
// the upstream has `no ip arp gratuitous update`: then it keeps sending to
// the dead router's MAC until its ARP entry ages out.
func TestHSRPFailoverGratuitousARPPolicy(t *testing.T) {
	t.Parallel()
	netns.RequireRoot(t)
	for _, update := range []bool{true, false} {
		t.Run(fmt.Sprintf("update=%v", update), func(t *testing.T) {
			t.Parallel()
			wire := netns.New(t)
			wire.DisableIPv6()
			for _, pair := range [][2]string{{"hsrpu1", "hsrpu1s"}, {"hsrpu2", "hsrpu2s"}} {
				wire.MustRun("ip", "link", "add", pair[0], "type", "veth", "peer", "name", pair[1])
				wire.LinkUp(pair[0])
				wire.LinkUp(pair[1])
			}
			group := []string{"standby 1 ip 10.0.10.1", "standby 1 timers 1 3"}
			s1 := newHSRPSwitch(t, 1, wire, []string{"hsrpu1"},
				append([]string{"interface vlan 10", "ip address 10.0.10.2 255.255.255.0", "standby 1 priority 110"}, group...)...)
			s2 := newHSRPSwitch(t, 2, wire, []string{"hsrpu2"},
				append([]string{"interface vlan 10", "ip address 10.0.10.3 255.255.255.0", "standby 1 mac-address 0000.0c12.3456"}, group...)...)
			// With the update on, the default 4 h ARP timeout: only the
			// gratuitous ARP can move the entry within the test.
			up := []string{"interface vlan 10", "ip address 10.0.10.9 255.255.255.0"}
			if !update {
				up = append(up, "no ip arp gratuitous update", "arp timeout 5")
			}
			s3 := newHSRPSwitch(t, 3, wire, []string{"hsrpu1s", "hsrpu2s"}, up...)
			if !s1.waitState(t, "Active", 10*hsrpHold) || !s2.waitState(t, "Standby", 10*hsrpHold) {
				t.Fatalf("no active/standby pair:\n%s\n%s", s1.exec(t, "show standby brief"), s2.exec(t, "show standby brief"))
			}
			if out := s3.exec(t, "ping 10.0.10.1 repeat 2"); !strings.Contains(out, "Success rate is 100 percent") {
				t.Fatalf("the upstream cannot ping the virtual IP:\n%s", out)
			}
			vip := netip.MustParseAddr("10.0.10.1")
			old, new := packet.MAC{0, 0, 0x0c, 0x07, 0xac, 0x01}, packet.MAC{0, 0, 0x0c, 0x12, 0x34, 0x56}
			if m, _ := s3.arpOf(vip); m != old {
				t.Fatalf("the upstream resolved the virtual IP to %s, want %s", m, old)
			}
			s1.crash()
			if !s2.waitState(t, "Active", hsrpHold+5*time.Second) {
				t.Fatalf("switch 2 did not take over:\n%s", s2.exec(t, "show standby"))
			}
			if update {
				if !poll(promptly, func() bool { m, _ := s3.arpOf(vip); return m == new }) {
					m, _ := s3.arpOf(vip)
					t.Fatalf("the gratuitous ARP did not move the upstream's entry: %s", m)
				}
				if out := s3.exec(t, "ping 10.0.10.1 repeat 2"); !strings.Contains(out, "Success rate is 100 percent") {
					t.Errorf("the upstream cannot ping the virtual IP on switch 2:\n%s", out)
				}
				return
			}
			// Refused: the entry keeps the dead router's MAC, the refusal is
			// counted, and the virtual IP is unreachable until it ages.
			if !poll(promptly, func() bool { return s3.sw.L3Stats().ARP.FilteredBy(arp.ReasonGratuitousRefused) > 0 }) {
				t.Fatalf("the upstream did not refuse the gratuitous ARP (stats %+v)", s3.sw.L3Stats().ARP)
			}
			if m, _ := s3.arpOf(vip); m != old {
				t.Errorf("the entry moved despite no ip arp gratuitous update: %s", m)
			}
			if out := s3.exec(t, "ping 10.0.10.1 repeat 1 timeout 1"); !strings.Contains(out, "Success rate is 0 percent") {
				t.Errorf("the virtual IP answered through the stale entry:\n%s", out)
			}
			if !poll(20*time.Second, func() bool {
				return strings.Contains(s3.exec(t, "ping 10.0.10.1 repeat 1 timeout 1"), "Success rate is 100 percent")
			}) {
				m, _ := s3.arpOf(vip)
				t.Fatalf("the upstream never recovered (entry %s)", m)
			}
			if m, _ := s3.arpOf(vip); m != new {
				t.Errorf("after aging the upstream has %s, want %s", m, new)
			}
		})
	}
}

// arpOf is the switch's ARP entry for ip.
func (s *hsrpSwitch) arpOf(ip netip.Addr) (packet.MAC, bool) {
	es, err := s.sw.ARPEntries(dataplane.ARPFilter{IP: ip})
	if err != nil || len(es) == 0 {
		return packet.MAC{}, false
	}
	return es[0].MAC, true
}
