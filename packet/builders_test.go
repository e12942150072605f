package packet

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// The builders are checked against gopacket's decoder: what the switch
// sends must read back field by field, with valid checksums.

func TestPutARPDecodes(t *testing.T) {
	f := make([]byte, EthLen+ARPLen)
	src, dst := MAC{0, 0x11, 0x85, 0x7c, 0x4d, 0x10}, BroadcastMAC
	n := PutARP(f, dst, src, ARPRequest, src, [4]byte{10, 1, 1, 1}, MAC{}, [4]byte{10, 1, 1, 5})
	if n != len(f) {
		t.Fatalf("length %d, want %d", n, len(f))
	}
	p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
	a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP)
	if !ok {
		t.Fatalf("no ARP layer: %v", p)
	}
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !bytes.Equal(eth.DstMAC, dst[:]) || !bytes.Equal(eth.SrcMAC, src[:]) {
		t.Errorf("ethernet %v > %v", eth.SrcMAC, eth.DstMAC)
	}
	if a.Operation != layers.ARPRequest || a.AddrType != layers.LinkTypeEthernet || a.Protocol != layers.EthernetTypeIPv4 ||
		!bytes.Equal(a.SourceHwAddress, src[:]) || !net.IP(a.SourceProtAddress).Equal(net.IP{10, 1, 1, 1}) ||
		!bytes.Equal(a.DstHwAddress, make([]byte, 6)) || !net.IP(a.DstProtAddress).Equal(net.IP{10, 1, 1, 5}) {
		t.Errorf("ARP decodes as %+v", a)
	}
	var v View
	if r := v.Parse(f); r != ReasonNone || v.ARPOp() != ARPRequest || v.ARPTargetIP().String() != "10.1.1.5" {
		t.Errorf("view: reason %v op %d target %v", r, v.ARPOp(), v.ARPTargetIP())
	}
}

func TestPutIPv4ICMPDecodes(t *testing.T) {
	m := make([]byte, IPv4Min+ICMPLen+12)
	PutIPv4Header(m, IPv4Header{TOS: 0xc0, ID: 77, TTL: 255, Proto: ProtoICMP, Src: [4]byte{10, 1, 1, 1}, Dst: [4]byte{10, 2, 2, 2}})
	icmp := m[IPv4Min:]
	icmp[ICMPType], icmp[ICMPCode] = ICMPUnreachable, ICMPCodeFragNeeded
	binary.BigEndian.PutUint16(icmp[ICMPNextMTU:], 1400)
	copy(icmp[ICMPLen:], "quoted bytes")
	SetICMPChecksum(icmp)

	p := gopacket.NewPacket(m, layers.LayerTypeIPv4, gopacket.Default)
	ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if !ok {
		t.Fatalf("no IPv4 layer: %v", p)
	}
	if ip.IHL != 5 || ip.TOS != 0xc0 || ip.Id != 77 || ip.TTL != 255 || int(ip.Length) != len(m) ||
		!ip.SrcIP.Equal(net.IP{10, 1, 1, 1}) || !ip.DstIP.Equal(net.IP{10, 2, 2, 2}) {
		t.Errorf("IPv4 decodes as %+v", ip)
	}
	if Checksum(m[:IPv4Min]) != 0 {
		t.Errorf("IPv4 header checksum does not verify")
	}
	ic, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if !ok {
		t.Fatalf("no ICMP layer: %v", p)
	}
	if ic.TypeCode != layers.CreateICMPv4TypeCode(3, 4) || ic.Seq != 1400 {
		t.Errorf("ICMP decodes as %v seq %d", ic.TypeCode, ic.Seq)
	}
	if Checksum(icmp) != 0 {
		t.Errorf("ICMP checksum does not verify")
	}
}

func TestPutEthernetTagged(t *testing.T) {
	f := make([]byte, 64)
	n := PutEthernetTagged(f, BroadcastMAC, MAC{2, 0, 0, 0, 0, 1}, 10|5<<13, TypeIPv4)
	if n != EthLen+TagLen {
		t.Fatalf("length %d", n)
	}
	p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
	d, ok := p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
	if !ok || d.VLANIdentifier != 10 || d.Priority != 5 || d.Type != layers.EthernetTypeIPv4 {
		t.Errorf("tag decodes as %+v", d)
	}
}

// TestSumPieces: sums of even-length pieces add up to the sum of the
// whole, which the offload code relies on (pseudo-header + segment).
func TestSumPieces(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		cut := r.IntN(len(b)+1) &^ 1
		if got, want := Fold(Sum(Sum(0, b[:cut]), b[cut:])), Fold(Sum(0, b)); got != want {
			t.Fatalf("len %d cut %d: pieces %#04x, whole %#04x", len(b), cut, got, want)
		}
		if len(b)%2 == 1 {
			continue // onesSum drops an odd last byte
		}
		if got, want := Checksum(b), ^onesSum(b); got != want {
			t.Fatalf("len %d: Checksum %#04x, 16-bit word sum %#04x", len(b), got, want)
		}
	}
}

// TestPutUDPAgainstGopacket: the UDP header and checksum PutUDP writes are
// the ones gopacket computes for the same datagram.
func TestPutUDPAgainstGopacket(t *testing.T) {
	for _, payload := range []string{"", "x", "<189>1: *Dec  6 22:55:01.123: %LINK-3-UPDOWN: odd length"} {
		m := make([]byte, IPv4Min+UDPHeaderLen+len(payload))
		PutIPv4Header(m, IPv4Header{ID: 9, TTL: 255, Proto: ProtoUDP, Src: [4]byte{10, 0, 10, 1}, Dst: [4]byte{10, 0, 20, 7}})
		copy(m[IPv4Min+UDPHeaderLen:], payload)
		PutUDP(m, 50123, 514)

		ip := &layers.IPv4{Version: 4, IHL: 5, Id: 9, TTL: 255, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 10, 1}, DstIP: net.IP{10, 0, 20, 7}}
		udp := &layers.UDP{SrcPort: 50123, DstPort: 514}
		_ = udp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, udp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		if want := buf.Bytes(); !bytes.Equal(m, want) {
			t.Errorf("payload %q:\n got % x\nwant % x", payload, m, want)
		}
	}
}
