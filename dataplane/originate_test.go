package dataplane

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// TestSendUDP: a datagram the switch sends leaves from the address of the
// SVI toward the destination (or the one named), with a valid checksum; to
// an unresolved host it is held while the switch ARPs, then sent.
func TestSendUDP(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.got()
	dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ipB.To4())), 514)
	udpOut := func(f []byte) (*layers.IPv4, *layers.UDP) {
		t.Helper()
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		u, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if ip == nil || u == nil || p.ErrorLayer() != nil {
			t.Fatalf("not IPv4/UDP: %v", p)
		}
		return ip, u
	}
	for _, c := range []struct {
		vlan uint16
		src  net.IP
	}{{0, net.IP{10, 0, 20, 1}}, {10, net.IP{10, 0, 10, 1}}} {
		if err := g.sw.SendUDP(c.vlan, dst, 50514, []byte("hello syslog")); err != nil {
			t.Fatal(err)
		}
		out := g.got()[3]
		if len(out) != 1 {
			t.Fatalf("source vlan %d: %d frames to the host's port", c.vlan, len(out))
		}
		ip, u := udpOut(out[0])
		if !ip.SrcIP.Equal(c.src) || !ip.DstIP.Equal(ipB) || u.SrcPort != 50514 || u.DstPort != 514 || string(u.Payload) != "hello syslog" {
			t.Errorf("source vlan %d: %v > %v %d > %d %q", c.vlan, ip.SrcIP, ip.DstIP, u.SrcPort, u.DstPort, u.Payload)
		}
		if err := u.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		if want := udpChecksum(t, ip, u); want != u.Checksum {
			t.Errorf("UDP checksum %#04x, want %#04x", u.Checksum, want)
		}
	}

	// Unresolved: the switch ARPs for the host, then sends what it held.
	other := netip.MustParseAddr("10.0.20.9")
	if err := g.sw.SendUDP(0, netip.AddrPortFrom(other, 514), 50514, []byte("held")); err != nil {
		t.Fatal(err)
	}
	out := g.got()
	if len(out[3]) != 1 || decode(out[3][0]).Layer(layers.LayerTypeARP) == nil {
		t.Fatalf("no ARP request for the unresolved host: %v", out)
	}
	macD := mac("0000.0d00.000d")
	g.send(3, arpFrame(t, layers.ARPReply, macD, g.routerMAC(), macD, net.IP{10, 0, 20, 9}, g.routerMAC(), net.IP{10, 0, 20, 1}))
	g.cpu()
	out = g.got()
	if len(out[3]) != 1 {
		t.Fatalf("held datagram not sent after the ARP reply: %v", out)
	}
	if _, u := udpOut(out[3][0]); string(u.Payload) != "held" {
		t.Errorf("released %q", u.Payload)
	}

	// No address to send from.
	if err := g.sw.SendUDP(30, dst, 1, nil); !errors.Is(err, ErrNoSource) {
		t.Errorf("from a VLAN without an SVI: %v", err)
	}
}

// udpChecksum is the checksum gopacket computes for u over ip.
func udpChecksum(t *testing.T, ip *layers.IPv4, u *layers.UDP) uint16 {
	t.Helper()
	v := *u
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, &v, gopacket.Payload(u.Payload)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	return uint16(b[6])<<8 | uint16(b[7])
}
