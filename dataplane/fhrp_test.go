package dataplane

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
)

// First-hop redundancy advertisements are ordinary multicast to the data
// plane: flooded in the VLAN byte for byte and never reflected to the
// speaker, or the peers would see their own hellos and flap.

func fhrpFrame(t testing.TB, srcMAC string, dstIP net.IP, proto layers.IPProtocol, ttl uint8, l4 []gopacket.SerializableLayer) []byte {
	dmac := net.HardwareAddr{0x01, 0x00, 0x5e, dstIP[1] & 0x7f, dstIP[2], dstIP[3]}
	eth := &layers.Ethernet{SrcMAC: mac(srcMAC), DstMAC: dmac, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: ttl, Protocol: proto, SrcIP: net.IP{10, 0, 0, 2}, DstIP: dstIP}
	ls := []gopacket.SerializableLayer{eth, ip}
	for _, l := range l4 {
		if u, ok := l.(*layers.UDP); ok {
			_ = u.SetNetworkLayerForChecksum(ip)
		}
	}
	return serialize(t, append(ls, l4...)...)
}

func hsrpV1(t testing.TB) []byte {
	// RFC 2281: version 0, hello, state active(16), hello 3, hold 10,
	// priority 110, group 1, auth "cisco", virtual IP 10.0.0.1.
	p := []byte{0, 0, 16, 3, 10, 110, 1, 0, 'c', 'i', 's', 'c', 'o', 0, 0, 0, 10, 0, 0, 1}
	return fhrpFrame(t, "0000.0c07.ac01", net.IP{224, 0, 0, 2}, layers.IPProtocolUDP, 1,
		[]gopacket.SerializableLayer{&layers.UDP{SrcPort: 1985, DstPort: 1985}, gopacket.Payload(p)})
}

func hsrpV2(t testing.TB) []byte {
	// Group State TLV (type 1, length 40): version 2, opcode hello, state
	// active, IP version 4, group 1, identifier (the router's MAC),
	// priority, hello/hold time in ms, virtual IP.
	p := make([]byte, 42)
	p[0], p[1] = 1, 40
	p[2], p[3], p[4], p[5] = 2, 0, 6, 4
	binary.BigEndian.PutUint16(p[6:], 1)
	copy(p[8:14], mac("0011.2233.4455"))
	binary.BigEndian.PutUint32(p[14:], 110)
	binary.BigEndian.PutUint32(p[18:], 3000)
	binary.BigEndian.PutUint32(p[22:], 10000)
	copy(p[26:30], net.IP{10, 0, 0, 1}.To4())
	return fhrpFrame(t, "0000.0c9f.f001", net.IP{224, 0, 0, 102}, layers.IPProtocolUDP, 1,
		[]gopacket.SerializableLayer{&layers.UDP{SrcPort: 1985, DstPort: 1985}, gopacket.Payload(p)})
}

func vrrp(t testing.TB) []byte {
	// RFC 3768 VRRPv2: version 2 type 1, VRID 1, priority 100, one
	// address, no auth, advert 1 s, then the checksum and 10.0.0.1.
	p := []byte{0x21, 1, 100, 1, 0, 1, 0, 0, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(p[6:], ipChecksum(p))
	return fhrpFrame(t, "0000.5e00.0101", net.IP{224, 0, 0, 18}, 112, 255, []gopacket.SerializableLayer{gopacket.Payload(p)})
}

func carp(t testing.TB) []byte {
	// CARP (ucarp): version 2 type 1, vhid 7, advskew 0, authlen 7,
	// demote 0, advbase 1, checksum, 8-byte counter, 20-byte SHA1 HMAC.
	p := make([]byte, 36)
	p[0], p[1], p[2], p[3], p[4], p[5] = 0x21, 7, 0, 7, 0, 1
	for i := 8; i < 36; i++ {
		p[i] = byte(i * 7)
	}
	binary.BigEndian.PutUint16(p[6:], ipChecksum(p))
	return fhrpFrame(t, "0000.5e00.0107", net.IP{224, 0, 0, 18}, 112, 255, []gopacket.SerializableLayer{gopacket.Payload(p)})
}

func ipChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func TestFHRPAdvertisementsFloodedUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame func(testing.TB) []byte
	}{{"HSRPv1", hsrpV1}, {"HSRPv2", hsrpV2}, {"VRRP", vrrp}, {"CARP", carp}} {
		t.Run(tc.name, func(t *testing.T) {
			g := newRig(t, 5, cam.Config{})
			g.set(5, func(s *PortSettings) { s.Mode = ModeTrunk; s.NativeVLAN = 99 })
			adv := tc.frame(t)
			// Sanity: gopacket sees the protocol we meant to build.
			p := gopacket.NewPacket(adv, layers.LayerTypeEthernet, gopacket.Default)
			if p.ErrorLayer() != nil {
				t.Fatalf("built a bad frame: %v", p.ErrorLayer().Error())
			}
			for i := 0; i < 10; i++ { // steady state: every hello, exactly once per other port
				g.send(1, adv)
				got := g.got()
				if _, back := got[1]; back {
					t.Fatal("advertisement reflected to the speaker's port")
				}
				for _, o := range []int{2, 3, 4} {
					if len(got[o]) != 1 || string(got[o][0]) != string(adv) {
						t.Fatalf("hello %d: port %d got %x, want the frame unchanged", i, o, got[o])
					}
				}
				if len(got[5]) != 1 || string(got[5][0]) != string(retag(t, adv, 1)) {
					t.Fatalf("trunk got %x, want the frame tagged with VLAN 1", got[5])
				}
			}
			// The standby on port 2 answers with its own hellos; they
			// reach the active router on port 1 and not port 2.
			g.send(2, adv)
			got := g.got()
			if _, back := got[2]; back || len(got[1]) != 1 {
				t.Fatalf("standby's hello: %v", got)
			}
		})
	}
}
