package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/packet"
)

var mstPortLine = regexp.MustCompile(`(?m)^(Gi\S+)\s+(Root|Desg|Altn|Back|Mstr)\s+(FWD|BLK|LRN)\s+\d+\s+\S+\s+(.*)$`)

// mstPorts returns port -> "Role Sts" of MST instance n on s.
func (s *stpSwitch) mstPorts(n int) map[string]string {
	out := map[string]string{}
	for _, m := range mstPortLine.FindAllStringSubmatch(s.show(fmt.Sprintf("show spanning-tree mst %d", n)), -1) {
		out[m[1]] = m[2] + " " + m[3]
	}
	return out
}

// broadcastOnce sends one broadcast ping from from into subnet and
// reports how many times each of to received it in the next seconds.
func broadcastOnce(from *host, bcast string, to ...*host) []int {
	caps := make([]*capture, len(to))
	for i, h := range to {
		caps[i] = h.capture()
	}
	_, _ = from.ns.Run("ping", "-b", "-c", "1", "-W", "1", bcast)
	time.Sleep(8 * time.Second)
	n := make([]int, len(to))
	for i, c := range caps {
		n[i] = len(c.matching(func(f frameRecord) bool {
			return f.src() == from.mac && f.dst() == packet.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		}))
	}
	return n
}

// TestSTPMSTTwoInstances: two l2sw in one MST region (r1 revision 1, VLAN
// 10 in MSTI 1, VLAN 20 in MSTI 2) joined by two trunks. S1 is the root
// of the CIST and MSTI 1, S2 of MSTI 2, and a higher MSTI 2 cost on S1's
// Gi0/1 sends MSTI 2 over the second link: each instance blocks a
// different link, both VLANs reach across, and a broadcast arrives once.
func TestSTPMSTTwoInstances(t *testing.T) {
	t.Parallel()
	s1, s2 := newSTPSwitch(t, "1", "0200.5e31.0100"), newSTPSwitch(t, "2", "0200.5e31.0200")
	ns := netns.New(t)
	t.Cleanup(s1.stop)
	t.Cleanup(s2.stop)
	ns.DisableIPv6()
	tr := trunk(1, 1, 10, 20)
	wire(t, ns, s1, "0/1", s2, "0/1", tr)
	wire(t, ns, s1, "0/2", s2, "0/2", tr)
	var h10, h20 [2]*host
	for i, s := range []*stpSwitch{s1, s2} {
		s.ports = 2
		for _, v := range []uint16{10, 20} {
			if err := s.sw.SetVLAN(v, ""); err != nil {
				t.Fatal(err)
			}
		}
		h10[i] = s.addVethHost(fmt.Sprintf("a%d", i+1), access(10), fmt.Sprintf("02:00:5e:31:0a:%02x", i+1), fmt.Sprintf("10.31.10.%d/24", i+1))
		h20[i] = s.addVethHost(fmt.Sprintf("b%d", i+1), access(20), fmt.Sprintf("02:00:5e:31:14:%02x", i+1), fmt.Sprintf("10.31.20.%d/24", i+1))
	}
	region := []string{"spanning-tree mode mst", "spanning-tree mst configuration", "name r1", "revision 1",
		"instance 1 vlan 10", "instance 2 vlan 20", "exit",
		"interface range GigabitEthernet0/3 - 4", "spanning-tree portfast", "exit"}
	s1.start(append(region, "spanning-tree mst 0 priority 4096", "spanning-tree mst 1 priority 4096",
		"interface GigabitEthernet0/1", "spanning-tree mst 2 cost 200000", "exit")...)
	s2.start(append(region, "spanning-tree mst 2 priority 4096")...)

	want := map[string]string{
		"S1 MST1 Gi0/1": "Desg FWD", "S1 MST1 Gi0/2": "Desg FWD",
		"S2 MST1 Gi0/1": "Root FWD", "S2 MST1 Gi0/2": "Altn BLK", // MSTI 1 blocks link 2
		"S1 MST2 Gi0/1": "Altn BLK", "S1 MST2 Gi0/2": "Root FWD", // MSTI 2 blocks link 1
		"S2 MST2 Gi0/1": "Desg FWD", "S2 MST2 Gi0/2": "Desg FWD",
		"S2 MST0 Gi0/1": "Root FWD", "S2 MST0 Gi0/2": "Altn BLK",
	}
	var state string
	began := time.Now()
	ok := poll(20*time.Second, func() bool {
		var all []string
		good := true
		for _, s := range []*stpSwitch{s1, s2} {
			for n := 0; n <= 2; n++ {
				for p, st := range s.mstPorts(n) {
					k := fmt.Sprintf("S%s MST%d %s", s.name, n, p)
					all = append(all, k+" "+st)
					if w, ok := want[k]; ok && w != st {
						good = false
					}
				}
			}
		}
		state = strings.Join(all, "; ")
		return good && len(all) >= len(want)
	})
	if !ok {
		t.Fatalf("no convergence to one blocked link per instance: %s", state)
	}
	t.Logf("converged in %v: %s", time.Since(began), state)
	if out := s2.show("show spanning-tree mst 1"); !strings.Contains(out, "Root          address 0200.5e31.0100  priority      4097 (4096 sysid 1)") {
		t.Errorf("S2 does not see S1 as MSTI 1's root:\n%s", out)
	}
	if out := s1.show("show spanning-tree mst 2"); !strings.Contains(out, "Root          address 0200.5e31.0200  priority      4098 (4096 sysid 2)") {
		t.Errorf("S1 does not see S2 as MSTI 2's root:\n%s", out)
	}
	if out := s2.show("show spanning-tree mst 0"); !strings.Contains(out, "Regional Root address 0200.5e31.0100") {
		t.Errorf("S2's regional root is not S1:\n%s", out)
	}
	// Both VLANs reach across, each over its instance's link; a broadcast
	// arrives once.
	h10[0].mustPing("10.31.10.2")
	h20[0].mustPing("10.31.20.2")
	if n := broadcastOnce(h10[0], "10.31.10.255", h10[1]); n[0] != 1 {
		t.Errorf("VLAN 10 broadcast received %d times, want once", n[0])
	}
	if n := broadcastOnce(h20[1], "10.31.20.255", h20[0]); n[0] != 1 {
		t.Errorf("VLAN 20 broadcast received %d times, want once", n[0])
	}
}

// TestSTPMSTLinuxBridgeBoundary: two l2sw of one region and a Linux bridge
// running the kernel's 802.1D in a loop. The l2sw ports toward the bridge
// are boundary ports that speak 802.1D ("Bound(STP)"), the region is one
// bridge to it (its regional root S1's ID in the Bridge field of both
// switches' BPDUs), so the bridge blocks one of its ports; the loop is
// broken and a broadcast arrives once.
func TestSTPMSTLinuxBridgeBoundary(t *testing.T) {
	t.Parallel()
	s1, s2 := newSTPSwitch(t, "1", "0200.5e32.0100"), newSTPSwitch(t, "2", "0200.5e32.0200")
	ns := netns.New(t)
	t.Cleanup(s1.stop)
	t.Cleanup(s2.stop)
	ns.DisableIPv6()
	wire(t, ns, s1, "0/1", s2, "0/1", access(1))
	ns.MustRun("ip", "link", "add", "br0", "type", "bridge", "stp_state", "1", "priority", "61440", "forward_delay", "400", "hello_time", "100", "max_age", "600")
	for i, s := range []*stpSwitch{s1, s2} {
		brp, swp := fmt.Sprintf("brp%d", i+1), fmt.Sprintf("brsw%d", i+1)
		ns.MustRun("ip", "link", "add", brp, "type", "veth", "peer", "name", swp)
		ns.MustRun("ip", "link", "set", brp, "master", "br0")
		ns.LinkUp(brp)
		ns.LinkUp(swp)
		s.attachAfpacket(ns, swp, "GigabitEthernet0/2", access(1))
		s.ports = 2
	}
	ns.LinkUp("br0")
	h1 := s1.addVethHost("h1", access(1), "02:00:5e:32:00:01", "10.32.0.1/24")
	h2 := s2.addVethHost("h2", access(1), "02:00:5e:32:00:02", "10.32.0.2/24")
	common := []string{"spanning-tree mode mst", "spanning-tree mst configuration", "name r1", "revision 1", "instance 1 vlan 10", "exit",
		"interface GigabitEthernet0/3", "spanning-tree portfast", "exit"}
	s1.start(append(common, "spanning-tree mst 0 priority 4096", "spanning-tree mst hello-time 1", "spanning-tree mst forward-time 4", "spanning-tree mst max-age 6")...)
	s2.start(common...)

	var state string
	ok := poll(40*time.Second, func() bool {
		blocked, fwd := 0, 0
		var all []string
		for _, s := range []*stpSwitch{s1, s2} {
			for p, st := range s.mstPorts(0) {
				if p == "Gi0/3" {
					continue
				}
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
	for _, s := range []*stpSwitch{s1, s2} {
		if out := s.show("show spanning-tree mst 0"); !regexp.MustCompile(`Gi0/2\s+Desg FWD \d+\s+128\.2\s+P2p Bound\(STP\)`).MatchString(out) {
			t.Errorf("S%s's port to the Linux bridge is not a designated 802.1D boundary port:\n%s", s.name, out)
		}
	}
	if p := linuxBridgePorts(t, ns); p["brp1"] != "blocking" && p["brp2"] != "blocking" {
		t.Errorf("the Linux bridge blocks neither port: %v", p)
	}
	// The region is one bridge: S1, its regional root and the CIST root.
	if id, want := ns.MustRun("cat", "/sys/class/net/br0/bridge/root_id"), "1000.02005e320100"; !strings.Contains(id, want) {
		t.Errorf("the Linux bridge's root is %q, want S1 (%s)", id, want)
	}
	if fd := strings.TrimSpace(ns.MustRun("cat", "/sys/class/net/br0/bridge/forward_delay")); fd != "400" {
		t.Errorf("the Linux bridge's forward delay is %s, want S1's 4 s", fd)
	}
	for _, f := range []string{"brp1", "brp2"} {
		if id := ns.MustRun("cat", "/sys/class/net/"+f+"/brport/designated_bridge"); !strings.Contains(id, "1000.02005e320100") {
			t.Errorf("%s's designated bridge is %q: S2 does not speak for the region as its regional root S1", f, id)
		}
	}
	h1.mustPing("10.32.0.2")
	if n := broadcastOnce(h1, "10.32.0.255", h2); n[0] != 1 {
		t.Errorf("h2 received h1's broadcast %d times, want once (a storm?)", n[0])
	}
}

// TestSTPMSTOtherRegion: two l2sw in different regions (r1 and r2, the
// same VLAN mapping) joined by two trunks. Debian has no MSTP daemon
// (mstpd), so the second region is an l2sw. Each region is one bridge to
// the other: the ports are boundary ports ("Bound(RSTP)"), one link
// blocks in every instance (the MSTIs follow the CIST there), MSTIs do
// not cross, and a broadcast in an MSTI's VLAN arrives once.
func TestSTPMSTOtherRegion(t *testing.T) {
	t.Parallel()
	s1, s2 := newSTPSwitch(t, "1", "0200.5e33.0100"), newSTPSwitch(t, "2", "0200.5e33.0200")
	ns := netns.New(t)
	t.Cleanup(s1.stop)
	t.Cleanup(s2.stop)
	ns.DisableIPv6()
	tr := trunk(1, 1, 10)
	wire(t, ns, s1, "0/1", s2, "0/1", tr)
	wire(t, ns, s1, "0/2", s2, "0/2", tr)
	var h [2]*host
	for i, s := range []*stpSwitch{s1, s2} {
		s.ports = 2
		if err := s.sw.SetVLAN(10, ""); err != nil {
			t.Fatal(err)
		}
		h[i] = s.addVethHost(fmt.Sprintf("h%d", i+1), access(10), fmt.Sprintf("02:00:5e:33:0a:%02x", i+1), fmt.Sprintf("10.33.10.%d/24", i+1))
		s.start("spanning-tree mode mst", "spanning-tree mst configuration", fmt.Sprintf("name r%d", i+1), "instance 1 vlan 10", "exit",
			"spanning-tree mst 1 priority 4096", "interface GigabitEthernet0/3", "spanning-tree portfast", "exit")
	}
	var state string
	ok := poll(20*time.Second, func() bool {
		var all []string
		blk, fwd := 0, 0
		for _, s := range []*stpSwitch{s1, s2} {
			for n := 0; n <= 1; n++ {
				for p, st := range s.mstPorts(n) {
					if p == "Gi0/3" {
						continue
					}
					all = append(all, fmt.Sprintf("S%s MST%d %s %s", s.name, n, p, st))
					if strings.HasSuffix(st, "BLK") {
						blk++
					} else if strings.HasSuffix(st, "FWD") {
						fwd++
					}
				}
			}
		}
		state = strings.Join(all, "; ")
		return blk == 2 && fwd == 6
	})
	if !ok {
		t.Fatalf("no convergence to one blocked link: %s", state)
	}
	t.Logf("converged: %s", state)
	// S2 blocks its Gi0/2 in both instances: the same link.
	for n := 0; n <= 1; n++ {
		if st := s2.mstPorts(n)["Gi0/2"]; st != "Altn BLK" {
			t.Errorf("S2 MST%d Gi0/2: %q, want Altn BLK; %s", n, st, state)
		}
	}
	if st := s2.mstPorts(1)["Gi0/1"]; st != "Mstr FWD" {
		t.Errorf("S2 MST1 Gi0/1: %q, want the master port", st)
	}
	out := s2.show("show spanning-tree mst 1")
	if !strings.Contains(out, "Root          this switch for MST1") {
		t.Errorf("S2 is not its own region's MSTI 1 root (an MSTI crossed regions?):\n%s", out)
	}
	if !regexp.MustCompile(`Gi0/1\s+Mstr FWD \d+\s+128\.1\s+P2p Bound\(RSTP\)`).MatchString(out) {
		t.Errorf("S2's Gi0/1 is not a boundary port:\n%s", out)
	}
	h[0].mustPing("10.33.10.2")
	if n := broadcastOnce(h[0], "10.33.10.255", h[1]); n[0] != 1 {
		t.Errorf("h2 received h1's broadcast %d times, want once", n[0])
	}
}
