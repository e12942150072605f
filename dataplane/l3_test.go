package dataplane

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/packet"
)

// l3rig: ports 1 and 2 in VLAN 10, port 3 in VLAN 20, port 4 a trunk.
// Vlan10 is 10.0.10.1/24, Vlan20 10.0.20.1/24.
func newL3Rig(t testing.TB) *rig {
	t.Helper()
	g := newRig(t, 4, cam.Config{})
	g.setUpL3()
	return g
}

// setUpL3 gives a rig of at least four ports the layout of newL3Rig.
func (g *rig) setUpL3() {
	t := g.t
	t.Helper()
	g.set(1, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.set(2, func(s *PortSettings) { s.AccessVLAN = 10 })
	g.set(3, func(s *PortSettings) { s.AccessVLAN = 20 })
	g.set(4, func(s *PortSettings) { s.Mode = ModeTrunk })
	for _, v := range []uint16{10, 20} {
		if err := g.sw.CreateSVI(v); err != nil {
			t.Fatal(err)
		}
		if err := g.sw.SetSVIAddress(v, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.1/24", v)), false); err != nil {
			t.Fatal(err)
		}
	}
}

// cpu runs the control plane over everything punted so far.
func (g *rig) cpu() int { return g.sw.l3.cp.drain() }

func (g *rig) routerMAC() net.HardwareAddr {
	m := g.sw.RouterMAC()
	return net.HardwareAddr(m[:])
}

func (g *rig) l3(c l3Counter) uint64 {
	var n uint64
	for _, w := range g.sw.l3.workers {
		n += w.c[c].Load()
	}
	return n
}

var (
	ipA = net.IP{10, 0, 10, 5}
	ipB = net.IP{10, 0, 20, 7}
	ipC = net.IP{10, 0, 20, 9}
)

func arpFrame(t testing.TB, op uint16, src, dst net.HardwareAddr, sha net.HardwareAddr, spa net.IP, tha net.HardwareAddr, tpa net.IP) []byte {
	return serialize(t, &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: op, SourceHwAddress: sha, SourceProtAddress: spa.To4(), DstHwAddress: tha, DstProtAddress: tpa.To4()})
}

func ipFrame(t testing.TB, src, dst net.HardwareAddr, sip, dip net.IP, ttl uint8, df bool, l4 ...gopacket.SerializableLayer) []byte {
	ip := &layers.IPv4{Version: 4, TTL: ttl, Id: 77, SrcIP: sip.To4(), DstIP: dip.To4(), Protocol: layers.IPProtocolUDP}
	if df {
		ip.Flags = layers.IPv4DontFragment
	}
	for _, l := range l4 {
		switch x := l.(type) {
		case *layers.UDP:
			_ = x.SetNetworkLayerForChecksum(ip)
		case *layers.ICMPv4:
			ip.Protocol = layers.IPProtocolICMPv4
		}
	}
	return serialize(t, append([]gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}, ip}, l4...)...)
}

func udpTo(t testing.TB, src, dst net.HardwareAddr, sip, dip net.IP, ttl uint8, payload []byte) []byte {
	return ipFrame(t, src, dst, sip, dip, ttl, false, &layers.UDP{SrcPort: 33434, DstPort: 33435}, gopacket.Payload(payload))
}

// learnHost has a host announce itself to the SVI with an ARP request for
// the gateway, as a host does before its first routed packet.
func (g *rig) learnHost(port int, m net.HardwareAddr, ip, gw net.IP) {
	g.t.Helper()
	g.send(port, arpFrame(g.t, layers.ARPRequest, m, bcast, m, ip, net.HardwareAddr{0, 0, 0, 0, 0, 0}, gw))
	g.cpu()
	g.got()
}

func decode(f []byte) gopacket.Packet {
	return gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
}

func TestARPReplyForSVI(t *testing.T) {
	g := newL3Rig(t)
	req := arpFrame(t, layers.ARPRequest, macA, bcast, macA, ipA, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 0, 10, 1})
	g.send(1, req)
	got := g.got()
	if len(got[2]) != 1 || len(got[4]) != 1 || len(got[3]) != 0 {
		t.Fatalf("broadcast ARP not flooded in VLAN 10 only: %v", got)
	}
	if n := g.cpu(); n != 1 {
		t.Fatalf("punted %d frames, want 1", n)
	}
	got = g.got()
	if len(got[1]) != 1 || len(got) != 1 {
		t.Fatalf("reply: %v", got)
	}
	a, ok := decode(got[1][0]).Layer(layers.LayerTypeARP).(*layers.ARP)
	if !ok || a.Operation != layers.ARPReply || !bytes.Equal(a.SourceHwAddress, g.routerMAC()) ||
		!net.IP(a.SourceProtAddress).Equal(net.IP{10, 0, 10, 1}) || !bytes.Equal(a.DstHwAddress, macA) || !net.IP(a.DstProtAddress).Equal(ipA) {
		t.Fatalf("bad ARP reply %+v", a)
	}
	eth := decode(got[1][0]).Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !bytes.Equal(eth.DstMAC, macA) || !bytes.Equal(eth.SrcMAC, g.routerMAC()) {
		t.Fatalf("reply MACs %v -> %v", eth.SrcMAC, eth.DstMAC)
	}
	es, _ := g.sw.ARPEntries(ARPFilter{IP: netip.MustParseAddr("10.0.10.5")})
	if len(es) != 1 || es[0].Type != arp.Dynamic || es[0].MAC != packet.MAC(macA) || es[0].IfName != "Vlan10" {
		t.Fatalf("sender not learned: %+v", es)
	}
	// The router MAC is a STATIC CPU entry of both VLANs.
	ms, _ := g.sw.MACEntries(MACFilter{StaticOnly: true})
	if len(ms) != 2 || ms[0].Port != "CPU" || ms[0].VLAN != 10 || ms[1].VLAN != 20 {
		t.Fatalf("router MAC entries: %+v", ms)
	}
}

func TestEchoReplyFromSVI(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	for _, target := range []net.IP{{10, 0, 10, 1}, {10, 0, 20, 1}} {
		echo := ipFrame(t, macA, g.routerMAC(), ipA, target, 64, false,
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 9, Seq: 3}, gopacket.Payload("ping data"))
		g.send(1, echo)
		if got := g.got(); len(got) != 0 {
			t.Fatalf("echo to the SVI leaked to ports: %v", got)
		}
		g.cpu()
		got := g.got()
		if len(got[1]) != 1 || len(got) != 1 {
			t.Fatalf("echo reply: %v", got)
		}
		p := decode(got[1][0])
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		ic, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if !ok || ic.TypeCode.Type() != 0 || ic.Id != 9 || ic.Seq != 3 || string(ic.Payload) != "ping data" ||
			!ip.SrcIP.Equal(target) || !ip.DstIP.Equal(ipA) {
			t.Fatalf("bad echo reply %v", p)
		}
		checkChecksums(t, got[1][0])
	}
}

// checkChecksums verifies the IPv4 header and ICMP checksums of f with
// gopacket re-serialising them.
func checkChecksums(t testing.TB, f []byte) {
	t.Helper()
	p := decode(f)
	ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	want := ip.Checksum
	ls := []gopacket.SerializableLayer{ip}
	if ic, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
		wantIC := ic.Checksum
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, ic, gopacket.Payload(ic.Payload)); err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint16(buf.Bytes()[2:]); got != wantIC {
			t.Errorf("ICMP checksum %#x, want %#x", wantIC, got)
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, append(ls, gopacket.Payload(ip.Payload))...); err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(buf.Bytes()[10:]); got != want {
		t.Errorf("IPv4 checksum %#x, recomputed %#x", want, got)
	}
}

func TestRoutedBetweenVLANs(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	in := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("routed payload"))
	g.send(1, in)
	// Expected bytes built independently: same packet, MACs rewritten, TTL 63.
	want := udpTo(t, g.routerMAC(), macB, ipA, ipB, 63, []byte("routed payload"))
	g.expect(want, 3)
	checkChecksums(t, want)
	// And to the trunk side: B moves behind the trunk, the frame is tagged 20.
	g.send(4, retag(t, udpTo(t, macB, bcast, ipB, ipA, 64, nil), 20))
	g.got()
	g.send(1, in)
	g.expect(retag(t, want[:14+42], 20), 4) // in-place tag push: 60 bytes, no pad needed
	// From a tagged ingress (the trunk, VLAN 10) to an access port.
	g.send(4, retag(t, udpTo(t, macA, g.routerMAC(), ipA, net.IP{10, 0, 10, 1}, 64, nil), 10)) // A moves to the trunk
	g.got()
	g.cpu()
	g.got()
	g.send(3, udpTo(t, macB, bcast, ipB, ipA, 64, nil)) // B back on port 3
	g.got()
	g.send(4, retag(t, in, 10))
	g.expect(want, 3)
	s := g.sw.L3Stats()
	// 3 routed by the fast path, 1 port unreachable routed by the CPU.
	if s.CEF.Forwarded != 4 || s.Routed != 4 || s.Unreachables != 1 {
		t.Errorf("routed counters %+v", s)
	}
	if c, _ := g.sw.Counters(ifName(1)); c.Get(Forwarded) != 3 { // 1 ARP flood + 2 routed
		t.Errorf("ingress forwarded = %d", c.Get(Forwarded))
	}
}

// TestRoutedNextHopFollowsCAMChanges: the routed path remembers where its
// next hop's MAC is (nextHopPort), and every CAM change that could make
// that wrong is seen on the next packet: clearing the entry floods, a
// relearn or a static entry elsewhere redirects, removing the static
// floods again.
func TestRoutedNextHopFollowsCAMChanges(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	in := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("next hop"))
	want := udpTo(t, g.routerMAC(), macB, ipA, ipB, 63, []byte("next hop"))
	// Out of the trunk with its tag, padded again to the 60-byte minimum:
	// the IP packet is 36 bytes.
	wantTagged := retag(t, want[:14+36], 20)
	wantTagged = append(wantTagged, make([]byte, max(0, 60-len(wantTagged)))...)
	for range 3 { // the first fills the memory, the others use it
		g.send(1, in)
		g.expect(want, 3)
	}
	if n := g.sw.ClearMACs(); n == 0 {
		t.Fatal("nothing cleared")
	}
	g.send(1, in) // B unknown in VLAN 20: flooded to its members
	if got := g.got(); len(got[3]) != 1 || len(got[4]) != 1 || len(got[2]) != 0 {
		t.Fatalf("after clearing B, routed packet went to %v, want a flood to ports 3 and 4", portsOf(got))
	}
	g.send(4, retag(t, udpTo(t, macB, bcast, ipB, ipA, 64, nil), 20)) // B now behind the trunk
	g.got()
	g.send(1, in)
	g.expect(wantTagged, 4)
	g.send(3, udpTo(t, macB, bcast, ipB, ipA, 64, nil)) // and back: a move
	g.got()
	g.send(1, in)
	g.expect(want, 3)
	if err := g.sw.AddStaticMAC(20, packet.MAC(macB), ifName(4)); err != nil {
		t.Fatal(err)
	}
	g.send(1, in)
	g.expect(wantTagged, 4)
	if err := g.sw.RemoveStaticMAC(20, packet.MAC(macB)); err != nil {
		t.Fatal(err)
	}
	g.send(1, in)
	if got := g.got(); len(got[3]) != 1 || len(got[4]) != 1 {
		t.Fatalf("after removing the static entry, routed packet went to %v, want a flood", portsOf(got))
	}
}

func portsOf(got map[int][][]byte) []int {
	var ps []int
	for p := range got {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

func TestTTLExceededAndNoRoute(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	cases := []struct {
		name       string
		dst        net.IP
		ttl        uint8
		typ, code  uint8
		cefDrop    cef.DropReason
		errCounter l3Counter
	}{
		{"ttl", ipB, 1, 11, 0, cef.DropTTL, l3TimeExceeded},
		{"no route", net.IP{192, 0, 2, 1}, 64, 3, 1, cef.DropNoRoute, l3Unreachables},
	}
	for _, c := range cases {
		orig := udpTo(t, macA, g.routerMAC(), ipA, c.dst, c.ttl, []byte("12345678abcdef"))
		g.send(1, orig)
		if got := g.got(); len(got) != 0 {
			t.Fatalf("%s: forwarded %v", c.name, got)
		}
		g.cpu()
		got := g.got()
		if len(got[1]) != 1 || len(got) != 1 {
			t.Fatalf("%s: ICMP error: %v", c.name, got)
		}
		p := decode(got[1][0])
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		ic := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if ic.TypeCode.Type() != c.typ || ic.TypeCode.Code() != c.code || !ip.SrcIP.Equal(net.IP{10, 0, 10, 1}) || !ip.DstIP.Equal(ipA) {
			t.Fatalf("%s: got %v from %v", c.name, ic.TypeCode, ip.SrcIP)
		}
		// The quote is the original header and 8 bytes of its data.
		if q := ic.Payload; !bytes.Equal(q, orig[14:14+28]) {
			t.Errorf("%s: quote %x, want %x", c.name, q, orig[14:14+28])
		}
		checkChecksums(t, got[1][0])
		if s := g.sw.L3Stats(); s.CEF.DropsBy(c.cefDrop) != 1 {
			t.Errorf("%s: cef drop counter %d", c.name, s.CEF.DropsBy(c.cefDrop))
		}
		if g.l3(c.errCounter) != 1 {
			t.Errorf("%s: %v = %d", c.name, c.errCounter, g.l3(c.errCounter))
		}
	}
}

func TestIncompleteAdjacencyQueuesAndReleases(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	in := udpTo(t, macA, g.routerMAC(), ipA, ipC, 64, []byte("wait for arp"))
	g.send(1, in)
	if got := g.got(); len(got) != 0 {
		t.Fatalf("forwarded before ARP: %v", got)
	}
	g.cpu()
	got := g.got()
	if len(got[3]) != 1 || len(got[4]) != 1 || len(got) != 2 {
		t.Fatalf("ARP request not flooded in VLAN 20: %v", got)
	}
	a := decode(got[3][0]).Layer(layers.LayerTypeARP).(*layers.ARP)
	if a.Operation != layers.ARPRequest || !net.IP(a.DstProtAddress).Equal(ipC) || !net.IP(a.SourceProtAddress).Equal(net.IP{10, 0, 20, 1}) {
		t.Fatalf("bad request %+v", a)
	}
	if d := decode(got[4][0]).Layer(layers.LayerTypeDot1Q); d == nil || d.(*layers.Dot1Q).VLANIdentifier != 20 {
		t.Fatalf("trunk copy not tagged 20")
	}
	es, _ := g.sw.ARPEntries(ARPFilter{IP: netip.MustParseAddr("10.0.20.9")})
	if len(es) != 1 || es[0].Type != arp.Incomplete {
		t.Fatalf("no incomplete entry: %+v", es)
	}
	if s := g.sw.L3Stats(); s.CEF.DropsBy(cef.DropGlean) != 1 {
		t.Errorf("glean counter %d", s.CEF.DropsBy(cef.DropGlean))
	}
	// C answers; the queued packet goes out.
	g.send(3, arpFrame(t, layers.ARPReply, macC, g.routerMAC(), macC, ipC, g.routerMAC(), net.IP{10, 0, 20, 1}))
	g.cpu()
	g.expect(udpTo(t, g.routerMAC(), macC, ipA, ipC, 63, []byte("wait for arp")), 3)
	// Now the adjacency is valid: forwarded in the fast path.
	g.send(1, in)
	g.expect(udpTo(t, g.routerMAC(), macC, ipA, ipC, 63, []byte("wait for arp")), 3)
}

func TestARPAgingMakesAdjacencyIncomplete(t *testing.T) {
	g := newL3Rig(t)
	if err := g.sw.SetARPTimeout(20, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.clk.Advance(61 * time.Second)
	g.sw.AgeARP()
	g.got() // refresh requests, if any
	in := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, nil)
	g.send(1, in)
	if got := g.got(); len(got) != 0 {
		t.Fatalf("forwarded after the ARP entry aged: %v", got)
	}
	if s := g.sw.L3Stats(); s.CEF.DropsBy(cef.DropIncomplete)+s.CEF.DropsBy(cef.DropGlean) != 1 {
		t.Errorf("no incomplete drop counted: %+v", s.CEF)
	}
	incomplete := false
	for _, a := range g.sw.Adjacencies(false) {
		if a.NextHop == netip.AddrFrom4([4]byte{10, 0, 20, 7}) && a.State != AdjValid {
			incomplete = true
		}
	}
	if !incomplete {
		t.Errorf("adjacency to 10.0.20.7 not incomplete: %+v", g.sw.Adjacencies(false))
	}
}

func TestMTUFragmentAndFragNeeded(t *testing.T) {
	g := newL3Rig(t)
	if err := g.sw.SetSVIMTU(20, 576, true); err != nil {
		t.Fatal(err)
	}
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	payload := bytes.Repeat([]byte("0123456789"), 100) // 1028-byte IP packet
	g.send(1, udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, payload))
	g.cpu()
	got := g.got()
	if len(got[3]) != 2 || len(got) != 1 {
		t.Fatalf("want 2 fragments on port 3: %d frames", len(got[3]))
	}
	var data []byte
	for i, f := range got[3] {
		ip := decode(f).Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if int(ip.Length) > 576 || ip.TTL != 63 || (i == 0) != (ip.Flags&layers.IPv4MoreFragments != 0) {
			t.Fatalf("fragment %d: len %d ttl %d flags %v", i, ip.Length, ip.TTL, ip.Flags)
		}
		checkChecksums(t, f)
		data = append(data, ip.Payload...)
	}
	if !bytes.Equal(data[8:], payload) {
		t.Error("fragments do not reassemble to the payload")
	}
	// With DF: fragmentation needed, MTU 576.
	g.send(1, ipFrame(t, macA, g.routerMAC(), ipA, ipB, 64, true, &layers.UDP{SrcPort: 1, DstPort: 2}, gopacket.Payload(payload)))
	g.cpu()
	got = g.got()
	if len(got[1]) != 1 || len(got) != 1 {
		t.Fatalf("frag needed: %v", got)
	}
	ic := decode(got[1][0]).Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if ic.TypeCode.Type() != 3 || ic.TypeCode.Code() != 4 || ic.Seq != 576 {
		t.Fatalf("got %v next-hop MTU %d", ic.TypeCode, ic.Seq)
	}
}

func TestGratuitousARPPolicy(t *testing.T) {
	for _, update := range []bool{true, false} {
		g := newL3Rig(t)
		if err := g.sw.SetGratuitousARPUpdate(20, update); err != nil {
			t.Fatal(err)
		}
		g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
		g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
		// Failover: the standby takes B's address with MAC C and announces it.
		g.send(3, arpFrame(t, layers.ARPRequest, macC, bcast, macC, ipB, net.HardwareAddr{0, 0, 0, 0, 0, 0}, ipB))
		g.cpu()
		g.got()
		in := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, nil)
		g.send(1, in)
		want := macC
		if !update {
			want = macB
		}
		got := g.got()
		if len(got[3]) != 1 || !bytes.Equal(got[3][0][:6], want) {
			t.Fatalf("update=%v: routed to %x, want %v", update, got[3], want)
		}
		if !update && g.sw.L3Stats().ARP.FilteredBy(arp.ReasonGratuitousRefused) != 1 {
			t.Error("refused gratuitous ARP not counted")
		}
	}
}

func TestWrongCableFiltered(t *testing.T) {
	g := newL3Rig(t)
	g.send(1, arpFrame(t, layers.ARPRequest, macA, bcast, macA, net.IP{10, 1, 1, 5}, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 0, 10, 1}))
	g.got()
	g.cpu()
	if got := g.got(); len(got) != 0 {
		t.Fatalf("answered a wrong-cable request: %v", got)
	}
	if g.sw.L3Stats().ARP.FilteredBy(arp.ReasonWrongCable) != 1 {
		t.Error("wrong cable not counted")
	}
	lines := g.sw.Log().Grep("IP ARP req filtered src 10.1.1.5 0000.0a00.000a, dst 10.0.10.1 0000.0000.0000 wrong cable, interface Vlan10")
	if len(lines) != 1 {
		t.Errorf("debug line: %q", g.sw.Log().Grep("ARP"))
	}
}

func TestStaticNLBMulticastFlooded(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	nlb, _ := packet.ParseMAC("0300.5e7f.0032")
	if err := g.sw.AddStaticARP(netip.MustParseAddr("10.0.20.50"), nlb); err != nil {
		t.Fatal(err)
	}
	g.send(1, udpTo(t, macA, g.routerMAC(), ipA, net.IP{10, 0, 20, 50}, 64, []byte("nlb")))
	want := udpTo(t, g.routerMAC(), net.HardwareAddr(nlb[:]), ipA, net.IP{10, 0, 20, 50}, 63, []byte("nlb"))
	got := g.got()
	if len(got[3]) != 1 || !bytes.Equal(got[3][0], want) || len(got[4]) != 1 || !bytes.Equal(got[4][0], retag(t, want, 20)) || len(got) != 2 {
		t.Fatalf("NLB flood: %v", got)
	}
}

func TestPuntOverflowDoesNotStopForwarding(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	echo := ipFrame(t, macA, g.routerMAC(), ipA, net.IP{10, 0, 10, 1}, 64, false,
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, gopacket.Payload("x"))
	for range PuntQueueDepth + 50 {
		g.send(1, echo)
	}
	if n := g.l3(l3PuntQueueFull); n != 50 {
		t.Errorf("punt drops %d, want 50", n)
	}
	g.send(1, udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, nil))
	g.expect(udpTo(t, g.routerMAC(), macB, ipA, ipB, 63, nil), 3)
	if n := g.cpu(); n != PuntQueueDepth {
		t.Errorf("served %d punts", n)
	}
	if s := g.sw.L3Stats(); s.PuntQueueFull != 50 {
		t.Errorf("L3Stats punt drops %d", s.PuntQueueFull)
	}
}

func TestRoutedPathAllocatesNothing(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.assertNoAllocs("the routed path", 1, 3, udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, nil))
}

func TestRoutingOffAndSVIShutdown(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.sw.SetIPRouting(false)
	in := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, nil)
	g.send(1, in)
	g.expect(nil)
	g.sw.SetIPRouting(true)
	if err := g.sw.SetSVIShutdown(20, true); err != nil {
		t.Fatal(err)
	}
	g.send(1, in)
	g.cpu()
	if got := g.got(); len(got[3]) != 0 {
		t.Fatalf("routed into a shut SVI: %v", got)
	}
	if err := g.sw.SetSVIShutdown(20, false); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.DeleteSVI(20); err != nil {
		t.Fatal(err)
	}
	if ms, _ := g.sw.MACEntries(MACFilter{StaticOnly: true}); len(ms) != 1 {
		t.Errorf("router MAC left in VLAN 20: %+v", ms)
	}
}

func TestSVIAddressValidation(t *testing.T) {
	g := newL3Rig(t)
	for _, bad := range []string{"10.0.30.0/24", "10.0.30.255/24", "224.0.0.1/24"} {
		if err := g.sw.SetSVIAddress(10, netip.MustParsePrefix(bad), true); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := g.sw.SetSVIAddress(10, netip.MustParsePrefix("10.0.20.2/24"), true); err == nil || !strings.Contains(err.Error(), "Vlan20") {
		t.Errorf("overlap: %v", err)
	}
	if err := g.sw.SetSVIAddress(10, netip.MustParsePrefix("10.0.11.1/24"), true); err != nil {
		t.Fatal(err)
	}
	c, _ := g.sw.SVI(10)
	if len(c.Addresses) != 2 || c.Addresses[1].String() != "10.0.11.1/24" {
		t.Errorf("secondary: %v", c.Addresses)
	}
}

func TestStaticRouteViaNextHop(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	r := StaticRoute{Prefix: netip.MustParsePrefix("192.168.0.0/16"), NextHop: netip.MustParseAddr("10.0.20.7")}
	if err := g.sw.AddStaticRoute(r); err != nil {
		t.Fatal(err)
	}
	far := net.IP{192, 168, 3, 4}
	g.send(1, udpTo(t, macA, g.routerMAC(), ipA, far, 64, nil))
	g.expect(udpTo(t, g.routerMAC(), macB, ipA, far, 63, nil), 3)
	if rs := g.sw.StaticRoutes(); len(rs) != 1 || rs[0].Distance != 1 {
		t.Errorf("static routes %+v", rs)
	}
	if err := g.sw.RemoveStaticRoute(r); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.RemoveStaticRoute(r); err == nil {
		t.Error("removed twice")
	}
	g.send(1, udpTo(t, macA, g.routerMAC(), ipA, far, 64, nil))
	g.cpu()
	got := g.got()
	if len(got[1]) != 1 || decode(got[1][0]).Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4).TypeCode.Type() != 3 {
		t.Fatalf("no unreachable after removing the route: %v", got)
	}
	if err := g.sw.AddStaticRoute(StaticRoute{Prefix: netip.MustParsePrefix("172.16.0.0/12"), Interface: "Vlan99"}); err == nil {
		t.Error("route via a missing SVI accepted")
	}
}

// A static route through an SVI that is then deleted stays configured, as
// on IOS, and can still be removed.
func TestStaticRouteThroughDeletedSVI(t *testing.T) {
	g := newL3Rig(t)
	r := StaticRoute{Prefix: netip.MustParsePrefix("172.16.0.0/16"), Interface: "Vlan20"}
	if err := g.sw.AddStaticRoute(r); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.DeleteSVI(20); err != nil {
		t.Fatal(err)
	}
	if rs := g.sw.StaticRoutes(); len(rs) != 1 {
		t.Fatalf("route through the deleted SVI not kept in config: %+v", rs)
	}
	if err := g.sw.RemoveStaticRoute(r); err != nil {
		t.Fatalf("cannot remove a route through a deleted SVI: %v", err)
	}
	if rs := g.sw.StaticRoutes(); len(rs) != 0 {
		t.Fatalf("route still configured: %+v", rs)
	}
	// Gone from the RIB too: the SVI back does not bring it back.
	if err := g.sw.CreateSVI(20); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.SetSVIAddress(20, netip.MustParsePrefix("10.0.20.1/24"), false); err != nil {
		t.Fatal(err)
	}
	if row, ok := g.sw.CEFFind(r.Prefix, true, false); ok {
		t.Fatalf("removed route back in the FIB with its SVI: %+v", row)
	}
}

// TestPerPrefixAccounting: routed packets count against their FIB prefix
// only with `ip cef accounting per-prefix` on (off by default, as on IOS);
// the adjacency counts them either way.
func TestPerPrefixAccounting(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	in := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("counted"))
	host := netip.PrefixFrom(netip.AddrFrom4([4]byte(ipB.To4())), 32)
	prefixCount := func() (uint64, bool) {
		e, ok := g.sw.CEFFind(host, false, true)
		if !ok {
			t.Fatalf("no CEF entry for %s", host)
		}
		return e.Packets, e.Accounting
	}
	adjCount := func() uint64 {
		var n uint64
		for _, a := range g.sw.Adjacencies(true) {
			n += a.Packets
		}
		return n
	}
	g.send(1, in, in)
	g.got()
	if p, acct := prefixCount(); p != 0 || acct {
		t.Errorf("accounting off: prefix shows %d packets (accounting %v)", p, acct)
	}
	if n := adjCount(); n != 2 {
		t.Errorf("adjacencies counted %d packets, want 2", n)
	}
	g.sw.SetCEFPrefixAccounting(true)
	g.send(1, in, in, in)
	g.got()
	if p, acct := prefixCount(); p != 3 || !acct {
		t.Errorf("accounting on: prefix shows %d packets (accounting %v), want 3", p, acct)
	}
	if n := adjCount(); n != 5 {
		t.Errorf("adjacencies counted %d packets, want 5", n)
	}
}
