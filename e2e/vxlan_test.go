package e2e

import (
	"net/netip"
	"testing"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/vxlan"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/packet"
)

// addVXLAN gives the lab's switch a VXLAN port with settings s.
func (l *lab) addVXLAN(name string, cfg vxlan.Config, s dataplane.PortSettings) *vxlan.Port {
	l.t.Helper()
	p, err := vxlan.Open(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	if err := l.sw.AddPort(name, p); err != nil {
		p.Close()
		l.t.Fatal(err)
	}
	if _, err := l.sw.SetPortSettings(name, s); err != nil {
		l.t.Fatal(err)
	}
	return p
}

// TestVXLANWithLinux: a Linux vxlan device in another namespace, over a
// veth underlay, and l2sw's VXLAN port exchange traffic both ways; the
// remote host's MAC is learned on the VXLAN port, and TCP crosses.
func TestVXLANWithLinux(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	h := l.addHost("h1", access(10), "02:00:00:00:7a:01", "10.71.0.11/24")

	// The underlay: a veth pair, one end here (the local VTEP), one in the
	// remote VTEP's namespace.
	remote := netns.New(t)
	remote.DisableIPv6()
	a, b := netns.LinkName("vxu"), netns.LinkName("vxu")
	netns.MustHost(t, "ip", "link", "add", a, "type", "veth", "peer", "name", b)
	netns.CleanupLink(t, a)
	remote.MoveLink(b)
	netns.MustHost(t, "ip", "addr", "add", "10.97.7.1/24", "dev", a)
	netns.MustHost(t, "ip", "link", "set", a, "up")
	remote.AddAddr(b, "10.97.7.2/24")
	remote.LinkUp(b)
	remote.MustRun("ip", "link", "add", "vx42", "type", "vxlan", "id", "42", "local", "10.97.7.2", "remote", "10.97.7.1", "dstport", "4789", "dev", b)
	remote.MustRun("ip", "link", "set", "vx42", "address", "02:00:00:00:7a:50")
	remote.AddAddr("vx42", "10.71.0.50/24")
	remote.LinkUp("vx42")

	vp := l.addVXLAN("GigabitEthernet0/24", vxlan.Config{VNI: 42, Remote: netip.MustParseAddr("10.97.7.2"), Local: netip.MustParseAddr("10.97.7.1")}, access(10))
	h.mustPing("10.71.0.50")
	if _, err := remote.Run("ping", "-c", "2", "-W", "1", "10.71.0.11"); err != nil {
		t.Fatalf("the vxlan side cannot reach the TAP host: %v", err)
	}
	if got := l.macPort(10, packet.MAC{2, 0, 0, 0, 0x7a, 0x50}); got != "GigabitEthernet0/24" {
		t.Fatalf("the remote host's MAC is learned on %q, want the VXLAN port", got)
	}
	rate := tcpBetween(t, &host{l: l, name: "vxlan host", ns: remote}, h, "10.71.0.50")
	t.Logf("TCP over VXLAN: %.2f Gbit/s", rate)
	if s := vp.Stats(); s.RxFrames == 0 || s.TxFrames == 0 || s.RxBad != 0 {
		t.Fatalf("VXLAN port stats %+v", s)
	}
}

// TestVXLANTrunkBetweenSwitches: two switches joined by VXLAN ports that
// are trunks carry two VLANs, each to its own hosts and no further.
func TestVXLANTrunkBetweenSwitches(t *testing.T) {
	t.Parallel()
	l1, l2 := newLab(t), newLab(t)
	h1 := l1.addHost("h1", access(10), "02:00:00:00:7b:01", "10.72.10.1/24", "10.72.20.101/24")
	h2 := l1.addHost("h2", access(20), "02:00:00:00:7b:02", "10.72.20.2/24")
	l2.addHost("h3", access(10), "02:00:00:00:7b:03", "10.72.10.3/24")
	l2.addHost("h4", access(20), "02:00:00:00:7b:04", "10.72.20.4/24")
	one, two := netip.MustParseAddr("127.0.0.71"), netip.MustParseAddr("127.0.0.72")
	l1.addVXLAN("GigabitEthernet0/24", vxlan.Config{VNI: 5000, Remote: two, Local: one, DstPort: 14772}, trunk(1, 10, 20))
	l2.addVXLAN("GigabitEthernet0/24", vxlan.Config{VNI: 5000, Remote: one, Local: two, DstPort: 14772}, trunk(1, 10, 20))
	h1.mustPing("10.72.10.3")
	h2.mustPing("10.72.20.4")
	// h1's second address is in VLAN 20's subnet, but h1 is in VLAN 10:
	// the trunk keeps the VLANs apart.
	if err := h1.ping("10.72.20.4", 2); err == nil {
		t.Fatal("VLAN 10 reached a host of VLAN 20 across the VXLAN trunk")
	}
}
