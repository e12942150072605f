package fhrpsnoop

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/packet"
)

// advertFrame builds an advert with gopacket: Ethernet (tagged with vlan
// unless 0), IPv4 from src to dst with the protocol and TTL given, then
// l4 (a UDP layer and payload, or the payload alone).
func advertFrame(t testing.TB, srcMAC string, vlan uint16, src, dst net.IP, proto layers.IPProtocol, ttl uint8, l4 ...gopacket.SerializableLayer) []byte {
	t.Helper()
	hw, err := net.ParseMAC(srcMAC)
	if err != nil {
		t.Fatal(err)
	}
	dmac := net.HardwareAddr{0x01, 0x00, 0x5e, dst[1] & 0x7f, dst[2], dst[3]}
	eth := &layers.Ethernet{SrcMAC: hw, DstMAC: dmac, EthernetType: layers.EthernetTypeIPv4}
	ls := []gopacket.SerializableLayer{eth}
	if vlan != 0 {
		eth.EthernetType = layers.EthernetTypeDot1Q
		ls = append(ls, &layers.Dot1Q{VLANIdentifier: vlan, Type: layers.EthernetTypeIPv4})
	}
	ip := &layers.IPv4{Version: 4, TTL: ttl, Protocol: proto, SrcIP: src.To4(), DstIP: dst.To4()}
	ls = append(ls, ip)
	for _, l := range l4 {
		if u, ok := l.(*layers.UDP); ok {
			_ = u.SetNetworkLayerForChecksum(ip)
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, append(ls, l4...)...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checksum(p []byte, at int) []byte {
	binary.BigEndian.PutUint16(p[at:], 0)
	binary.BigEndian.PutUint16(p[at:], packet.Checksum(p))
	return p
}

var (
	speakerIP = net.IP{10, 0, 0, 2}
	vip       = netip.MustParseAddr("10.0.0.1")
)

// hsrpV1Frame: RFC 2281 hello, state (16 active, 8 standby), hello 3,
// hold 10, priority, group 1, auth "cisco", VIP 10.0.0.1.
func hsrpV1Frame(t testing.TB, state, prio byte) []byte {
	p := []byte{0, 0, state, 3, 10, prio, 1, 0, 'c', 'i', 's', 'c', 'o', 0, 0, 0, 10, 0, 0, 1}
	return advertFrame(t, "00:00:0c:07:ac:01", 0, speakerIP, net.IP{224, 0, 0, 2}, layers.IPProtocolUDP, 1,
		&layers.UDP{SrcPort: 1985, DstPort: 1985}, gopacket.Payload(p))
}

// hsrpV2Frame: a text authentication TLV, then the Group State TLV of
// group 300, active, priority 110, hello 3000 ms, hold 10000 ms.
func hsrpV2Frame(t testing.TB) []byte {
	auth := []byte{3, 8, 'c', 'i', 's', 'c', 'o', 0, 0, 0}
	p := make([]byte, 42)
	p[0], p[1] = 1, 40
	p[2], p[3], p[4], p[5] = 2, 0, 6, 4
	binary.BigEndian.PutUint16(p[6:], 300)
	copy(p[8:14], []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55})
	binary.BigEndian.PutUint32(p[14:], 110)
	binary.BigEndian.PutUint32(p[18:], 3000)
	binary.BigEndian.PutUint32(p[22:], 10000)
	copy(p[26:30], []byte{10, 0, 0, 1})
	return advertFrame(t, "00:00:0c:9f:f1:2c", 10, speakerIP, net.IP{224, 0, 0, 102}, layers.IPProtocolUDP, 1,
		&layers.UDP{SrcPort: 1985, DstPort: 1985}, gopacket.Payload(append(auth, p...)))
}

// vrrpV2Frame: RFC 3768, VRID 7, the priority given, two addresses,
// simple-text auth, advert 1 s.
func vrrpV2Frame(t testing.TB, prio byte) []byte {
	p := []byte{0x21, 7, prio, 2, 1, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 3, 'l', '2', 's', 'w', 0, 0, 0, 0}
	return advertFrame(t, "02:00:00:00:06:01", 0, speakerIP, net.IP{224, 0, 0, 18}, 112, 255, gopacket.Payload(checksum(p, 6)))
}

// vrrpV3Frame: RFC 5798, VRID 9, priority 100, one address, 100
// centiseconds; the checksum covers the pseudo-header.
func vrrpV3Frame(t testing.TB) []byte {
	p := []byte{0x31, 9, 100, 1, 0, 100, 0, 0, 10, 0, 0, 1}
	ph := append(append(append([]byte{}, speakerIP...), 224, 0, 0, 18), 0, 112, 0, byte(len(p)))
	sum := packet.Sum(0, ph)
	binary.BigEndian.PutUint16(p[6:], ^packet.Fold(packet.Sum(sum, p)))
	return advertFrame(t, "00:00:5e:00:01:09", 0, speakerIP, net.IP{224, 0, 0, 18}, 112, 255, gopacket.Payload(p))
}

// carpFrame: ucarp's advert of VHID 7, advskew 0, advbase 1, counter and
// HMAC; from 0000.5e00.0007.
func carpFrame(t testing.TB, counter byte) []byte { return carpFrom(t, speakerIP, counter) }

func carpFrom(t testing.TB, src net.IP, counter byte) []byte {
	p := make([]byte, 36)
	p[0], p[1], p[2], p[3], p[4], p[5] = 0x21, 7, 0, 7, 0, 1
	p[15] = counter
	for i := 16; i < 36; i++ {
		p[i] = byte(i*7) ^ counter
	}
	return advertFrame(t, "00:00:5e:00:00:07", 0, src, net.IP{224, 0, 0, 18}, 112, 255, gopacket.Payload(checksum(p, 6)))
}

func TestDecode(t *testing.T) {
	src := netip.MustParseAddr("10.0.0.2")
	for _, c := range []struct {
		name  string
		frame []byte
		want  Advert
		vmac  string
	}{
		{"HSRPv1", hsrpV1Frame(t, 16, 110), Advert{Proto: HSRP, Version: 1, Group: 1, VIP: vip, Source: src, State: StateActive, Priority: 110, Interval: 3 * time.Second, Hold: 10 * time.Second}, "0000.0c07.ac01"},
		{"HSRPv1 standby", hsrpV1Frame(t, 8, 90), Advert{Proto: HSRP, Version: 1, Group: 1, VIP: vip, Source: src, State: StateStandby, Priority: 90, Interval: 3 * time.Second, Hold: 10 * time.Second}, "0000.0c07.ac01"},
		{"HSRPv2 tagged", hsrpV2Frame(t), Advert{Proto: HSRP, Version: 2, Group: 300, VIP: vip, Source: src, VLAN: 10, State: StateActive, Priority: 110, Interval: 3 * time.Second, Hold: 10 * time.Second}, "0000.0c9f.f12c"},
		{"VRRPv2", vrrpV2Frame(t, 150), Advert{Proto: VRRP, Version: 2, Group: 7, VIP: vip, Source: src, State: StateMaster, Priority: 150, Interval: time.Second, Hold: 3 * time.Second}, "0000.5e00.0107"},
		{"VRRPv2 resign", vrrpV2Frame(t, 0), Advert{Proto: VRRP, Version: 2, Group: 7, VIP: vip, Source: src, State: StateResign, Priority: 0, Interval: time.Second, Hold: 3 * time.Second}, "0000.5e00.0107"},
		{"VRRPv3", vrrpV3Frame(t), Advert{Proto: VRRP, Version: 3, Group: 9, VIP: vip, Source: src, State: StateMaster, Priority: 100, Interval: time.Second, Hold: 3 * time.Second}, "0000.5e00.0109"},
		{"CARP", carpFrame(t, 1), Advert{Proto: CARP, Version: 2, Group: 7, Source: src, State: StateMaster, Priority: 0, Interval: time.Second, Hold: 3 * time.Second}, "0000.5e00.0007"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decode(c.frame)
			if err != nil {
				t.Fatal(err)
			}
			c.want.SrcMAC = packet.MAC(c.frame[6:12])
			if got != c.want {
				t.Errorf("Decode:\n%+v\nwant\n%+v", got, c.want)
			}
			if v := got.VirtualMAC().String(); v != c.vmac {
				t.Errorf("virtual MAC %s, want %s", v, c.vmac)
			}
		})
	}
}

// TestDecodeAgreesWithGopacket: on VRRP v2, the one of the three that
// gopacket decodes, both read the same group, priority, interval and
// first address.
func TestDecodeAgreesWithGopacket(t *testing.T) {
	for _, prio := range []byte{0, 1, 100, 255} {
		f := vrrpV2Frame(t, prio)
		a, err := Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		l, ok := p.Layer(layers.LayerTypeVRRP).(*layers.VRRPv2)
		if !ok {
			t.Fatalf("gopacket found no VRRP in %x", f)
		}
		if int(l.VirtualRtrID) != int(a.Group) || int(l.Priority) != a.Priority || time.Duration(l.AdverInt)*time.Second != a.Interval ||
			len(l.IPAddress) == 0 || l.IPAddress[0].String() != a.VIP.String() {
			t.Errorf("gopacket %+v, we %+v", l, a)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	corrupt := func(f []byte, at int, v byte) []byte { f = append([]byte(nil), f...); f[at] = v; return f }
	v2 := vrrpV2Frame(t, 100)
	hs := hsrpV1Frame(t, 16, 100)
	for _, c := range []struct {
		name  string
		frame []byte
		want  error
	}{
		{"runt", []byte{1, 2, 3}, ErrNotFHRP},
		{"ARP", append(make([]byte, 12), 0x08, 0x06), ErrNotFHRP},
		{"VRRP bad checksum", corrupt(v2, 34+10, 0xee), ErrMalformed},
		{"VRRP TTL 1", corrupt(v2, 22, 1), ErrMalformed},
		{"VRRP version 5", corrupt(v2, 34, 0x51), ErrMalformed},
		{"VRRP truncated", v2[:40], ErrNotFHRP}, // the IP total length no longer fits
		{"HSRP state 3", corrupt(hs, 42+2, 3), ErrMalformed},
		{"HSRP version 9", corrupt(hs, 42, 9), ErrMalformed},
		{"UDP to another port", corrupt(hs, 37, 0x55), ErrNotFHRP},
	} {
		if _, err := Decode(c.frame); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDecodeAllocatesNothing(t *testing.T) {
	f := carpFrame(t, 3)
	if n := testing.AllocsPerRun(100, func() { _, _ = Decode(f) }); n != 0 {
		t.Errorf("%v allocations per Decode", n)
	}
}

// FuzzDecode: no input panics; what decodes has a protocol and a state,
// and a VRRP v2 advert reads as gopacket reads it.
func FuzzDecode(f *testing.F) {
	for _, fr := range [][]byte{hsrpV1Frame(f, 16, 100), hsrpV2Frame(f), vrrpV2Frame(f, 100), vrrpV3Frame(f), carpFrame(f, 1)} {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrNotFHRP) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if a.Proto == 0 || a.State == StateUnknown || !a.Source.Is4() {
			t.Fatalf("decoded %+v", a)
		}
		if a.Proto == VRRP && a.Version == 2 && a.VLAN == 0 && b[12] == 0x08 {
			p := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.NoCopy)
			if l, ok := p.Layer(layers.LayerTypeVRRP).(*layers.VRRPv2); ok && (int(l.VirtualRtrID) != int(a.Group) || int(l.Priority) != a.Priority) {
				t.Fatalf("gopacket %+v, we %+v", l, a)
			}
		}
	})
}
