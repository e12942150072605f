package e2e

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

// trunkLab is a trunk port (native VLAN 30, allowed 10, 20, 30) with a
// "router" host on it, and one access host in each of VLANs 10, 20, 30 and
// 40 (40 is not allowed on the trunk). Host hN has 10.N.0.2/24; the router
// answers as 10.N.0.1.
type trunkLab struct {
	*lab
	r                  *host
	h10, h20, h30, h40 *host
}

func newTrunkLab(t *testing.T) *trunkLab {
	l := newLab(t)
	return &trunkLab{
		lab: l,
		r:   l.addHost("router", trunk(30, 10, 20, 30), "02:00:00:00:0f:01", "10.30.0.1/24"),
		h10: l.addHost("h10", access(10), "02:00:00:00:0a:02", "10.10.0.2/24"),
		h20: l.addHost("h20", access(20), "02:00:00:00:14:02", "10.20.0.2/24"),
		h30: l.addHost("h30", access(30), "02:00:00:00:1e:02", "10.30.0.2/24"),
		h40: l.addHost("h40", access(40), "02:00:00:00:28:02", "10.40.0.2/24"),
	}
}

// TestTrunkRouterOnAStick: a router namespace on a trunk port with Linux
// VLAN sub-interfaces reaches access hosts in VLANs 10 and 20 tagged and a
// host in the native VLAN untagged, routes between them, and cannot reach a
// VLAN the trunk does not allow.
func TestTrunkRouterOnAStick(t *testing.T) {
	t.Parallel()
	tl := newTrunkLab(t)
	r := tl.r
	for _, v := range []string{"10", "20", "40"} {
		sub := r.ifname[:10] + "." + v // within the 15-byte limit
		out, err := r.ns.Run("ip", "link", "add", "link", r.ifname, "name", sub, "type", "vlan", "id", v)
		if err != nil && strings.Contains(out, "Unknown device type") {
			// Some VM kernels are built without CONFIG_VLAN_8021Q;
			// TestTrunkTagsOnTheWire covers the trunk without it.
			// Not an install step away: a kernel without the 8021q code
			// cannot get it from a package, so this skips under CI too;
			// TestTrunkTagsOnTheWire covers trunks without the kernel's help.
			t.Skipf("skipping: the kernel has no 802.1Q VLAN devices (CONFIG_VLAN_8021Q): %s", strings.TrimSpace(out))
		}
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		r.ns.AddAddr(sub, "10."+v+".0.1/24")
		r.ns.LinkUp(sub)
	}
	r.ns.MustRun("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	for _, h := range []*host{tl.h10, tl.h20, tl.h30, tl.h40} {
		h.ns.MustRun("ip", "route", "add", "default", "via", "10."+h.name[1:]+".0.1")
	}

	r.mustPing("10.10.0.2")
	r.mustPing("10.20.0.2")
	r.mustPing("10.30.0.2") // native VLAN: untagged on the trunk
	tl.h10.mustPing("10.20.0.2")
	tl.h20.mustPing("10.30.0.2")
	if err := r.ping("10.40.0.2", 2); err == nil {
		t.Errorf("the router reached VLAN 40, which the trunk does not allow")
	}
	tl.checkTables(t)
}

// TestTrunkTagsOnTheWire checks the tags themselves, and needs no 802.1Q
// support in the kernel: the router sends ARP requests tagged by hand from
// a packet socket, the access hosts' kernels answer untagged, and the
// answers must come back on the trunk tagged with the right VLAN (read from
// the kernel's PACKET_AUXDATA). The native VLAN goes untagged both ways.
func TestTrunkTagsOnTheWire(t *testing.T) {
	t.Parallel()
	tl := newTrunkLab(t)
	r := tl.r
	capR := r.capture()
	capH10 := tl.h10.capture()

	r.mustPing("10.30.0.2") // native VLAN, the kernel's own untagged ARP and ICMP
	from := func(h *host) func(frameRecord) bool {
		return func(f frameRecord) bool { return f.src() == h.mac }
	}
	for _, f := range capR.matching(from(tl.h30)) {
		if f.tagged {
			t.Errorf("a frame of the native VLAN came out of the trunk tagged %d", f.vlan)
		}
	}
	if len(capR.matching(from(tl.h30))) == 0 {
		t.Errorf("the trunk received nothing from h30 although the ping went through")
	}

	for _, h := range []*host{tl.h10, tl.h20, tl.h40} {
		vlan := uint16(h.name[1]-'0') * 10
		r.sendRaw(taggedARPRequest(r.mac, vlan, net.IPv4(10, byte(vlan), 0, 1), net.IPv4(10, byte(vlan), 0, 2)))
	}
	isARPReply := func(h *host) func(frameRecord) bool {
		return func(f frameRecord) bool {
			return f.src() == h.mac && len(f.data) >= 22 && binary.BigEndian.Uint16(f.data[12:]) == 0x0806 && binary.BigEndian.Uint16(f.data[20:]) == 2
		}
	}
	for _, h := range []*host{tl.h10, tl.h20} {
		vlan := uint16(h.name[1]-'0') * 10
		if !capR.waitFor(1, promptly, isARPReply(h)) {
			t.Errorf("no ARP reply from %s came back on the trunk", h.name)
			continue
		}
		for _, f := range capR.matching(isARPReply(h)) {
			if !f.tagged || f.vlan != vlan {
				t.Errorf("%s's ARP reply left the trunk tagged=%v vlan %d, want tagged with VLAN %d", h.name, f.tagged, f.vlan, vlan)
			}
		}
	}
	// h10 got the request untagged (its kernel, without a VLAN device,
	// would not have answered a tagged one) — check it on the wire too.
	for _, f := range capH10.matching(from(r)) {
		if f.tagged {
			t.Errorf("h10 on an access port received a frame tagged %d", f.vlan)
		}
	}
	if got := capR.matching(isARPReply(tl.h40)); len(got) != 0 {
		t.Errorf("h40 (VLAN 40, not allowed on the trunk) answered the router %d times", len(got))
	}
	tl.checkTables(t)
}

// checkTables: the router is learned in each allowed VLAN on the trunk, the
// access hosts on their ports, and nothing in VLAN 40 from the trunk.
func (tl *trunkLab) checkTables(t *testing.T) {
	t.Helper()
	for _, h := range []*host{tl.h10, tl.h20, tl.h30} {
		vlan := uint16(h.name[1]-'0') * 10
		if got := tl.macPort(vlan, tl.r.mac); got != tl.r.port {
			t.Errorf("router in VLAN %d is on %q, want %s", vlan, got, tl.r.port)
		}
		if got := tl.macPort(vlan, h.mac); got != h.port {
			t.Errorf("%s in VLAN %d is on %q, want %s", h.name, vlan, got, h.port)
		}
	}
	if got := tl.macPort(40, tl.r.mac); got != "" {
		t.Errorf("router learned in VLAN 40 on %s, which the trunk does not allow", got)
	}
	if rc := tl.counters(tl.r.port); rc.Get(dataplane.DropVLANNotAllowed) == 0 {
		t.Errorf("the trunk counted no frame of VLAN 40 dropped as not allowed")
	}
	if hc := tl.counters(tl.h40.port); hc.Get(dataplane.TxFrames) != 0 {
		t.Errorf("h40's port transmitted %d frames; nothing from the trunk's VLAN 40 may pass", hc.Get(dataplane.TxFrames))
	}
}

// taggedARPRequest builds a broadcast ARP request (who has target, tell
// sender) tagged with vlan, padded to the Ethernet minimum.
func taggedARPRequest(src packet.MAC, vlan uint16, sender, target net.IP) []byte {
	f := make([]byte, 64)
	copy(f[0:6], packet.BroadcastMAC[:])
	copy(f[6:12], src[:])
	binary.BigEndian.PutUint16(f[12:], 0x8100)
	binary.BigEndian.PutUint16(f[14:], vlan)
	binary.BigEndian.PutUint16(f[16:], 0x0806)
	a := f[18:]
	binary.BigEndian.PutUint16(a[0:], 1)      // Ethernet
	binary.BigEndian.PutUint16(a[2:], 0x0800) // IPv4
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:], 1) // request
	copy(a[8:14], src[:])
	copy(a[14:18], sender.To4())
	copy(a[24:28], target.To4())
	return f
}
