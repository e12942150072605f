package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/packet"
)

// stpSwitch is one in-process switch with its CLI and spanning tree.
type stpSwitch struct {
	*lab
	name string
	dev  *cli.Device
}

// newSTPSwitch starts a switch with base MAC mac and spanning tree on,
// configured with lines.
func newSTPSwitch(t *testing.T, name, mac string) *stpSwitch {
	t.Helper()
	netns.RequireRoot(t)
	hw, err := packet.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{t: t, sw: dataplane.New(dataplane.Config{BaseMAC: hw})}
	t.Cleanup(l.stop)
	return &stpSwitch{lab: l, name: name}
}

// start brings up the CLI and spanning tree once the ports exist, then
// the forwarding.
func (s *stpSwitch) start(lines ...string) {
	t := s.t
	t.Helper()
	s.dev = cli.NewDevice(s.sw, cli.Options{Version: "e2e"})
	if len(lines) > 0 {
		s.conf(lines...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.dev.StartSpanningTree(ctx); err != nil {
		t.Fatal(err)
	}
	s.sw.Start()
}

func (s *stpSwitch) conf(lines ...string) {
	s.t.Helper()
	runCLI(s.t, s.dev, append(append([]string{"configure terminal"}, lines...), "end")...)
}

func (s *stpSwitch) show(cmd string) string {
	s.t.Helper()
	return runCLI(s.t, s.dev, cmd)
}

// wire joins port pa of a and port pb of b with a veth pair in ns.
func wire(t *testing.T, ns *netns.NS, a *stpSwitch, pa string, b *stpSwitch, pb string, s dataplane.PortSettings) (ea, eb string) {
	t.Helper()
	ea, eb = "s"+a.name+strings.ReplaceAll(pa, "/", ""), "s"+b.name+strings.ReplaceAll(pb, "/", "")
	ns.MustRun("ip", "link", "add", ea, "type", "veth", "peer", "name", eb)
	ns.LinkUp(ea)
	ns.LinkUp(eb)
	a.attachAfpacket(ns, ea, "GigabitEthernet"+pa, s)
	b.attachAfpacket(ns, eb, "GigabitEthernet"+pb, s)
	return ea, eb
}

var stpPortLine = regexp.MustCompile(`(?m)^(Gi\S+)\s+(Root|Desg|Altn|Back)\s+(FWD|BLK|LIS|LRN)\s`)

// stpPorts returns port -> "Role Sts" of vlan's instance on s.
func (s *stpSwitch) stpPorts(vlan int) map[string]string {
	out := map[string]string{}
	for _, m := range stpPortLine.FindAllStringSubmatch(s.show(fmt.Sprintf("show spanning-tree vlan %d", vlan)), -1) {
		out[m[1]] = m[2] + " " + m[3]
	}
	return out
}

// stpTriangle builds three switches joined in a triangle of trunks (each
// switch's Gi0/1 and Gi0/2), with a host in VLAN 10 on each Gi0/3
// (portfast), configured with mode and extra lines; s3 is the VLAN 10
// root.
func stpTriangle(t *testing.T, mode string, subnet int) ([3]*stpSwitch, [3]*host, *netns.NS, [3][2]string) {
	t.Helper()
	var sw [3]*stpSwitch
	for i := range sw {
		sw[i] = newSTPSwitch(t, fmt.Sprint(i+1), fmt.Sprintf("0200.5e00.%02x00", i+1))
	}
	ns := netns.New(t)
	for _, s := range sw {
		t.Cleanup(s.stop)
	}
	ns.DisableIPv6()
	var links [3][2]string
	tr := trunk(1, 1, 10)
	links[0][0], links[0][1] = wire(t, ns, sw[0], "0/1", sw[1], "0/1", tr)
	links[1][0], links[1][1] = wire(t, ns, sw[1], "0/2", sw[2], "0/1", tr)
	links[2][0], links[2][1] = wire(t, ns, sw[2], "0/2", sw[0], "0/2", tr)
	var hosts [3]*host
	for i, s := range sw {
		s.ports = 2
		if err := s.sw.SetVLAN(10, ""); err != nil {
			t.Fatal(err)
		}
		hosts[i] = s.addVethHost(fmt.Sprintf("h%d", i+1), access(10), fmt.Sprintf("02:00:5e:%02x:00:%02x", subnet, i+1), fmt.Sprintf("10.%d.0.%d/24", subnet, i+1))
		lines := []string{"spanning-tree mode " + mode, "interface GigabitEthernet0/3", "spanning-tree portfast", "exit"}
		switch i {
		case 1:
			lines = append(lines, "spanning-tree vlan 1 root primary")
		case 2:
			lines = append(lines, "spanning-tree vlan 10 root primary")
		}
		s.start(lines...)
	}
	return sw, hosts, ns, links
}

// converged reports whether VLAN 10 has exactly one blocked port across
// the three switches and every other trunk port forwards.
func converged(sw [3]*stpSwitch) (bool, string) {
	fwd, blk := 0, 0
	var all []string
	for _, s := range sw {
		for p, st := range s.stpPorts(10) {
			all = append(all, fmt.Sprintf("S%s %s %s", s.name, p, st))
			switch {
			case strings.HasSuffix(st, "FWD"):
				fwd++
			case strings.HasSuffix(st, "BLK"):
				blk++
			}
		}
	}
	return fwd == 8 && blk == 1, strings.Join(all, "; ")
}

func testTriangle(t *testing.T, mode string, subnet int, converge, restore time.Duration) {
	sw, hosts, ns, links := stpTriangle(t, mode, subnet)
	var state string
	began := time.Now()
	if !poll(converge, func() bool { ok, s := converged(sw); state = s; return ok }) {
		t.Fatalf("%s: no convergence to one blocked port within %v: %s", mode, converge, state)
	}
	t.Logf("%s: converged in %v: %s", mode, time.Since(began), state)
	// The root is where root primary put it.
	if out := sw[2].show("show spanning-tree vlan 10"); !strings.Contains(out, "This bridge is the root") || !strings.Contains(out, "Priority    24586") {
		t.Errorf("S3 is not the VLAN 10 root with priority 24586:\n%s", out)
	}
	for _, s := range sw[:2] {
		if out := s.show("show spanning-tree root"); !strings.Contains(out, "VLAN0010         24586 0200.5e00.0300") {
			t.Errorf("S%s does not see S3 as the VLAN 10 root:\n%s", s.name, out)
		}
	}
	// Per-VLAN roots: S2 is VLAN 1's.
	for _, s := range []*stpSwitch{sw[0], sw[2]} {
		if out := s.show("show spanning-tree root"); !strings.Contains(out, "VLAN0001         24577 0200.5e00.0200") {
			t.Errorf("S%s does not see S2 as the VLAN 1 root:\n%s", s.name, out)
		}
	}
	// The blocked port is on the link that does not touch the root.
	if st := sw[0].stpPorts(10)["Gi0/1"] + sw[1].stpPorts(10)["Gi0/1"]; !strings.Contains(st, "BLK") {
		t.Errorf("the blocked port is not on the S1-S2 link: %s", state)
	}

	// One broadcast from h1 arrives once at h2 and at h3, and no more
	// (no storm), counted over ten seconds.
	caps := []*capture{hosts[1].capture(), hosts[2].capture()}
	// No host answers a broadcast ping (icmp_echo_ignore_broadcasts): ping fails, the frame went.
	_, _ = hosts[0].ns.Run("ping", "-b", "-c", "1", "-W", "1", fmt.Sprintf("10.%d.0.255", subnet))
	time.Sleep(10 * time.Second)
	for i, c := range caps {
		got := c.matching(func(f frameRecord) bool {
			return f.src() == hosts[0].mac && f.dst() == packet.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		})
		if len(got) != 1 {
			t.Errorf("%s: h%d received h1's broadcast %d times, want once: %v", mode, i+2, len(got), got)
		}
	}
	hosts[0].mustPing(fmt.Sprintf("10.%d.0.2", subnet))
	hosts[0].mustPing(fmt.Sprintf("10.%d.0.3", subnet))

	// Cut the forwarding link S3-S1 (S1's root port): S1 reaches S3
	// through S2, whose blocked port must open.
	cut := time.Now()
	ns.MustRun("ip", "link", "set", links[2][1], "down")
	ok := poll(restore, func() bool { return hosts[0].ping(fmt.Sprintf("10.%d.0.3", subnet), 1) == nil })
	took := time.Since(cut)
	if !ok {
		t.Fatalf("%s: h1 did not reach h3 within %v of the cut; S1: %v S2: %v", mode, restore, sw[0].stpPorts(10), sw[1].stpPorts(10))
	}
	t.Logf("%s: connectivity back %v after the cut", mode, took)
	if p := sw[0].stpPorts(10)["Gi0/1"]; p != "Root FWD" {
		t.Errorf("S1 Gi0/1 after the cut: %q, want Root FWD", p)
	}
	want := "%SPANTREE-5-ROOTCHANGE: Root Changed for vlan 10: New Root Port is GigabitEthernet0/1. New Root Mac Address is 0200.5e00.0300"
	if len(sw[0].sw.Log().Grep(want)) == 0 {
		t.Errorf("S1 did not log %q", want)
	}
	if len(sw[0].sw.Log().Grep("%LINK-3-UPDOWN: Interface GigabitEthernet0/2, changed state to down")) == 0 {
		t.Error("S1 did not log its Gi0/2 going down")
	}
}

// TestSTPRapidPVSTTriangle: three switches in a triangle under
// rapid-pvst converge at once to one blocked port, deliver a broadcast
// once, and recover from a cut within 2 s.
func TestSTPRapidPVSTTriangle(t *testing.T) {
	t.Parallel()
	testTriangle(t, "rapid-pvst", 71, 10*time.Second, 2*time.Second)
}

// TestSTPPVSTTriangle: the same under 802.1D PVST+, with its timers: 30 s
// (listening and learning) to converge, under 50 s to recover.
func TestSTPPVSTTriangle(t *testing.T) {
	t.Parallel()
	testTriangle(t, "pvst", 72, 45*time.Second, 50*time.Second)
}

// linuxBridgePorts returns the kernel bridge's port states in ns
// ("blocking", "forwarding", ...), by port.
func linuxBridgePorts(t *testing.T, ns *netns.NS) map[string]string {
	t.Helper()
	out := map[string]string{}
	re := regexp.MustCompile(`(?m)^\d+: (\S+?)(@\S+)?: .* state (\w+)`)
	for _, m := range re.FindAllStringSubmatch(ns.MustRun("bridge", "link", "show"), -1) {
		out[m[1]] = m[3]
	}
	return out
}

// TestSTPLinuxBridgeLoop: a Linux bridge running the kernel's 802.1D in a
// loop with two l2sw (access ports in VLAN 1, pvst) converges to one
// blocked port, S1 (priority 4096) being the root, whose timers the
// bridge adopts.
func TestSTPLinuxBridgeLoop(t *testing.T) {
	t.Parallel()
	testLinuxBridgeLoop(t, "pvst", 1)
}

// TestSTPLinuxBridgeLoopRapid: the same with the two l2sw in rapid-pvst,
// which fall back to 802.1D on their ports towards the kernel bridge
// ("P2p Peer(STP)").
func TestSTPLinuxBridgeLoopRapid(t *testing.T) {
	t.Parallel()
	s1 := testLinuxBridgeLoop(t, "rapid-pvst", 3)
	if out := s1.show("show spanning-tree vlan 1"); !strings.Contains(out, "Gi0/2               Desg FWD 4         128.2    P2p Peer(STP)") {
		t.Errorf("S1's port to the Linux bridge is not shown as an 802.1D peer:\n%s", out)
	}
}

func testLinuxBridgeLoop(t *testing.T, mode string, n int) *stpSwitch {
	s1, s2 := newSTPSwitch(t, "1", fmt.Sprintf("0200.5e%02x.0100", n)), newSTPSwitch(t, "2", fmt.Sprintf("0200.5e%02x.0200", n))
	ns := netns.New(t)
	t.Cleanup(s1.stop)
	t.Cleanup(s2.stop)
	ns.DisableIPv6()
	wire(t, ns, s1, "0/1", s2, "0/1", access(1))
	// The bridge's two ports lead to S1 Gi0/2 and S2 Gi0/2.
	ns.MustRun("ip", "link", "add", "br0", "type", "bridge", "stp_state", "1", "priority", "61440", "forward_delay", "400", "hello_time", "100", "max_age", "600")
	for i, s := range []*stpSwitch{s1, s2} {
		brp, swp := fmt.Sprintf("brp%d", i+1), fmt.Sprintf("brsw%d", i+1)
		ns.MustRun("ip", "link", "add", brp, "type", "veth", "peer", "name", swp)
		ns.MustRun("ip", "link", "set", brp, "master", "br0")
		ns.LinkUp(brp)
		ns.LinkUp(swp)
		s.attachAfpacket(ns, swp, "GigabitEthernet0/2", access(1))
	}
	ns.LinkUp("br0")
	s1.start("spanning-tree mode "+mode, "spanning-tree vlan 1 priority 4096", "spanning-tree vlan 1 hello-time 1", "spanning-tree vlan 1 forward-time 4", "spanning-tree vlan 1 max-age 6")
	s2.start("spanning-tree mode " + mode)

	var state string
	ok := poll(40*time.Second, func() bool {
		blocked, fwd := 0, 0
		var all []string
		for _, s := range []*stpSwitch{s1, s2} {
			for p, st := range s.stpPorts(1) {
				all = append(all, "S"+s.name+" "+p+" "+st)
				if strings.HasSuffix(st, "BLK") {
					blocked++
				} else if strings.HasSuffix(st, "FWD") {
					fwd++
				}
			}
		}
		for p, st := range linuxBridgePorts(t, ns) {
			all = append(all, "br0 "+p+" "+st)
			if st == "blocking" {
				blocked++
			} else if st == "forwarding" {
				fwd++
			}
		}
		state = strings.Join(all, "; ")
		return blocked == 1 && fwd == 5
	})
	if !ok {
		t.Fatalf("the loop with the Linux bridge did not converge to one blocked port: %s", state)
	}
	t.Logf("converged: %s", state)
	if out := s1.show("show spanning-tree vlan 1"); !strings.Contains(out, "This bridge is the root") {
		t.Errorf("S1 is not the root:\n%s", out)
	}
	// The kernel bridge knows S1 as its root and took its timers.
	if id, want := ns.MustRun("cat", "/sys/class/net/br0/bridge/root_id"), fmt.Sprintf("1001.02005e%02x0100", n); !strings.Contains(id, want) {
		t.Errorf("the Linux bridge's root is %q, want S1 (%s)", id, want)
	}
	if fd := strings.TrimSpace(ns.MustRun("cat", "/sys/class/net/br0/bridge/forward_delay")); fd != "400" {
		t.Errorf("the Linux bridge's forward delay is %s, want S1's 4 s", fd)
	}
	if out := s2.show("show spanning-tree vlan 1"); !strings.Contains(out, fmt.Sprintf("Address     0200.5e%02x.0100", n)) {
		t.Errorf("S2 does not see S1 as root:\n%s", out)
	}
	return s1
}

// TestSTPBPDUGuard: a portfast port with bpduguard err-disables when a
// Linux bridge sends BPDUs into it, with the IOS messages; traffic stops;
// `errdisable recovery cause bpduguard` brings it back once the bridge
// is quiet.
func TestSTPBPDUGuard(t *testing.T) {
	t.Parallel()
	s := newSTPSwitch(t, "1", "0200.5e02.0100")
	ns := netns.New(t)
	t.Cleanup(s.stop)
	ns.DisableIPv6()
	ns.MustRun("ip", "link", "add", "br0", "type", "bridge", "stp_state", "1", "forward_delay", "200", "hello_time", "100")
	ns.MustRun("ip", "link", "add", "brp", "type", "veth", "peer", "name", "brsw")
	ns.MustRun("ip", "link", "set", "brp", "master", "br0")
	ns.LinkUp("brp")
	ns.LinkUp("brsw")
	ns.AddAddr("br0", "10.73.0.1/24")
	ns.MustRun("ip", "link", "set", "br0", "address", "02:00:5e:02:00:01")
	ns.LinkUp("br0")
	s.attachAfpacket(ns, "brsw", "GigabitEthernet0/1", access(1))
	s.ports = 1
	h := s.addVethHost("h", access(1), "02:00:5e:02:00:02", "10.73.0.2/24")
	s.start("interface GigabitEthernet0/1", "spanning-tree portfast", "spanning-tree bpduguard enable", "exit",
		"interface GigabitEthernet0/2", "spanning-tree portfast", "exit")

	log := s.sw.Log()
	guard := "%SPANTREE-2-BLOCK_BPDUGUARD: Received BPDU on port Gi0/1 with BPDU Guard enabled. Disabling port."
	errdis := "%PM-4-ERR_DISABLE: bpduguard error detected on Gi0/1, putting Gi0/1 in err-disable state"
	if !poll(10*time.Second, func() bool { return len(log.Grep(guard)) > 0 }) {
		t.Fatalf("no %q", guard)
	}
	if len(log.Grep(errdis)) == 0 {
		t.Errorf("no %q", errdis)
	}
	if s.sw.ErrDisabledCause("GigabitEthernet0/1") == "" {
		t.Error("Gi0/1 is not err-disabled")
	}
	// The bridge's port forwards after 2 × 2 s; the switch must not.
	time.Sleep(5 * time.Second)
	if err := h.ping("10.73.0.1", 2); err == nil {
		t.Error("traffic crosses the err-disabled port")
	}

	// The bridge stops sending BPDUs; recovery brings the port back.
	ns.MustRun("ip", "link", "set", "br0", "type", "bridge", "stp_state", "0")
	s.conf("errdisable recovery cause bpduguard", "errdisable recovery interval 30")
	recover := "%PM-4-ERR_RECOVER: Attempting to recover from bpduguard err-disable state on Gi0/1"
	if !poll(45*time.Second, func() bool { return len(log.Grep(recover)) > 0 }) {
		t.Fatalf("no %q", recover)
	}
	if !poll(10*time.Second, func() bool { return h.ping("10.73.0.1", 1) == nil }) {
		t.Error("no traffic after the recovery")
	}
	if s.sw.ErrDisabledCause("GigabitEthernet0/1") != "" {
		t.Error("Gi0/1 still err-disabled")
	}
	if run := s.show("show running-config"); !strings.Contains(run, "errdisable recovery cause bpduguard\nerrdisable recovery interval 30\nspanning-tree mode pvst\n") ||
		!strings.Contains(run, " spanning-tree portfast\n spanning-tree bpduguard enable\n") {
		t.Errorf("running-config:\n%s", run)
	}
}
