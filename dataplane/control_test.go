package dataplane

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
)

var lldpMAC = packet.MAC{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}

func lldpLike(src net.HardwareAddr) []byte {
	f := make([]byte, 60)
	copy(f, lldpMAC[:])
	copy(f[6:], src)
	f[12], f[13] = 0x88, 0xcc
	copy(f[14:], "chassis and port")
	return f
}

// TestControlConsumeAndCopy: a consumed destination reaches the listener
// with its port and VLAN and goes nowhere else; a copied one reaches it and
// is flooded as before; with the listener gone the frame floods again.
func TestControlConsumeAndCopy(t *testing.T) {
	g := newRig(t, 4, cam.Config{})
	g.set(4, func(s *PortSettings) { s.Mode = ModeTrunk; s.NativeVLAN = 1 })
	var heard []ControlFrame
	keep := func(f ControlFrame) {
		f.Frame = bytes.Clone(f.Frame)
		heard = append(heard, f)
	}
	cancel, err := g.sw.ListenControl(lldpMAC, ControlConsume, keep)
	if err != nil {
		t.Fatal(err)
	}
	f := lldpLike(macA)
	g.send(1, f)
	if got := g.got(); len(got) != 0 {
		t.Fatalf("consumed frame forwarded: %v", got)
	}
	g.cpu()
	if len(heard) != 1 || heard[0].Port != g.sw.byName[ifName(1)] || heard[0].VLAN != 1 || !bytes.Equal(heard[0].Frame, f) {
		t.Fatalf("listener heard %+v", heard)
	}
	if n := g.counter(1, ToControl); n != 1 {
		t.Fatalf("to control = %d, want 1", n)
	}
	// Tagged on the trunk: the tag's VLAN.
	g.send(4, retag(t, f, 7))
	g.cpu()
	if len(heard) != 2 || heard[1].VLAN != 7 || heard[1].Port != g.sw.byName[ifName(4)] {
		t.Fatalf("tagged frame heard as %+v", heard[1:])
	}
	cancel()

	hsrpMAC := packet.MAC{0x01, 0x00, 0x5e, 0x00, 0x00, 0x02}
	if _, err := g.sw.ListenControl(hsrpMAC, ControlCopy, keep); err != nil {
		t.Fatal(err)
	}
	adv := hsrpV1(t)
	g.send(1, adv)
	g.expect(adv, 2, 3, 4) // the trunk's native VLAN: untagged
	g.cpu()
	if len(heard) != 3 || !bytes.Equal(heard[2].Frame, adv) {
		t.Fatalf("copy not heard: %d frames", len(heard))
	}
	g.send(2, f) // no listener for LLDP any more: flooded like any multicast
	if got := g.got(); len(got[1]) != 1 || len(got[3]) != 1 {
		t.Fatalf("LLDP without listener: %v", got)
	}
	if _, err := g.sw.ListenControl(packet.MAC{0, 1, 2, 3, 4, 5}, ControlCopy, keep); err == nil {
		t.Fatal("listening for a unicast MAC accepted")
	}
}

func TestSendFrameAndVLANFrame(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.set(3, func(s *PortSettings) { s.Mode = ModeTrunk }) // native VLAN 1: untagged
	f := lldpLike(macA)
	if err := g.sw.SendFrame(g.sw.byName[ifName(2)], f); err != nil {
		t.Fatal(err)
	}
	g.expect(f, 2)
	if err := g.sw.SendFrame(cam.PortID(40), f); err == nil {
		t.Fatal("send on a missing port accepted")
	}
	adv := hsrpV1(t)
	if err := g.sw.SendVLANFrame(1, adv); err != nil {
		t.Fatal(err)
	}
	got := g.got()
	if len(got[1]) != 1 || len(got[2]) != 1 || !bytes.Equal(got[1][0], adv) || len(got[3]) != 1 || !bytes.Equal(got[3][0], adv) {
		t.Fatalf("VLAN frame: %v", got)
	}
	if err := g.sw.SendVLANFrame(1, adv[:10]); err == nil {
		t.Fatal("runt accepted")
	}
}

// TestVirtualGateway: while owned, the virtual IP answers ARP with the
// virtual MAC, pings to it are answered, frames to the virtual MAC are
// routed, and the MAC is a CPU entry; handed back, none of it.
func TestVirtualGateway(t *testing.T) {
	g := newL3Rig(t)
	vip := net.IP{10, 0, 10, 254}
	vmac := net.HardwareAddr{0, 0, 0x0c, 0x07, 0xac, 0x01}
	gw := VirtualGateway{VLAN: 10, IP: netip.MustParseAddr("10.0.10.254"), MAC: packet.MAC(vmac)}
	if err := g.sw.SetVirtualGateways("hsrp", []VirtualGateway{gw}); err != nil {
		t.Fatal(err)
	}
	req := arpFrame(t, layers.ARPRequest, macA, bcast, macA, ipA, net.HardwareAddr{0, 0, 0, 0, 0, 0}, vip)
	g.send(1, req)
	g.got()
	g.cpu()
	got := g.got()
	if len(got[1]) != 1 || len(got) != 1 {
		t.Fatalf("ARP reply for the virtual IP: %v", got)
	}
	p := decode(got[1][0])
	a := p.Layer(layers.LayerTypeARP).(*layers.ARP)
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if a.Operation != layers.ARPReply || !bytes.Equal(a.SourceHwAddress, vmac) || !net.IP(a.SourceProtAddress).Equal(vip) || !bytes.Equal(eth.SrcMAC, vmac) {
		t.Fatalf("reply %+v from %v", a, eth.SrcMAC)
	}
	echo := ipFrame(t, macA, vmac, ipA, vip, 64, false,
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 1, Seq: 1}, gopacket.Payload("x"))
	g.send(1, echo)
	if got := g.got(); len(got) != 0 {
		t.Fatalf("echo to the virtual MAC bridged: %v", got)
	}
	g.cpu()
	got = g.got()
	if len(got[1]) != 1 {
		t.Fatalf("no echo reply from the virtual IP: %v", got)
	}
	if ip := decode(got[1][0]).Layer(layers.LayerTypeIPv4).(*layers.IPv4); !ip.SrcIP.Equal(vip) {
		t.Fatalf("echo reply from %v", ip.SrcIP)
	}
	// Routed through the virtual MAC to VLAN 20.
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.send(1, udpTo(t, macA, vmac, ipA, ipB, 64, []byte("routed")))
	if got := g.got(); len(got[3]) != 1 {
		t.Fatalf("frame to the virtual MAC not routed: %v", got)
	}
	ms, _ := g.sw.MACEntries(MACFilter{StaticOnly: true})
	found := false
	for _, m := range ms {
		if m.MAC == packet.MAC(vmac) && m.VLAN == 10 && m.Port == "CPU" {
			found = true
		}
	}
	if !found {
		t.Fatalf("virtual MAC not a CPU entry: %+v", ms)
	}

	if err := g.sw.SetVirtualGateways("hsrp", nil); err != nil {
		t.Fatal(err)
	}
	g.send(1, req)
	g.got()
	g.cpu()
	if got := g.got(); len(got) != 0 {
		t.Fatalf("virtual IP answered after it was handed back: %v", got)
	}
	// Now the active router is elsewhere: its MAC is learned on port 2.
	g.send(2, udpTo(t, vmac, macA, vip, ipA, 64, []byte("hello")))
	g.got()
	g.send(1, echo)
	if got := g.got(); len(got[2]) != 1 {
		t.Fatalf("frame to a virtual MAC not ours not bridged to its port: %v", got)
	}
	if err := g.sw.SetVirtualGateways("hsrp", []VirtualGateway{{VLAN: 30, IP: gw.IP, MAC: gw.MAC}}); err == nil {
		t.Fatal("virtual gateway on a missing SVI accepted")
	}
}
