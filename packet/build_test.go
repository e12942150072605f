package packet

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Frame builders for the tests: well-formed frames come from gopacket's
// serializers (so the bytes are not shaped by the parser under test), and
// the malformed cases are made by editing those bytes.

var (
	macA = net.HardwareAddr{0x00, 0x11, 0x85, 0x7c, 0x4d, 0x10}
	macB = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	ipA  = net.IP{10, 1, 1, 5}
	ipB  = net.IP{10, 1, 1, 1}
)

func serialize(tb testing.TB, ls ...gopacket.SerializableLayer) []byte {
	tb.Helper()
	var ip *layers.IPv4
	for _, l := range ls {
		switch l := l.(type) {
		case *layers.IPv4:
			ip = l
		case *layers.TCP:
			_ = l.SetNetworkLayerForChecksum(ip)
		case *layers.UDP:
			_ = l.SetNetworkLayerForChecksum(ip)
		}
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		tb.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func ethL(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: et}
}

func dot1q(prio uint8, dei bool, vid uint16, next layers.EthernetType) *layers.Dot1Q {
	return &layers.Dot1Q{Priority: prio, DropEligible: dei, VLANIdentifier: vid, Type: next}
}

func ip4(proto layers.IPProtocol, opts ...layers.IPv4Option) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, TOS: 0x10, Id: 0x1234, Protocol: proto,
		SrcIP: ipA, DstIP: ipB, Options: opts}
}

func tcpL(sport, dport layers.TCPPort) *layers.TCP {
	return &layers.TCP{SrcPort: sport, DstPort: dport, Seq: 1000, SYN: true, Window: 65535}
}

func udpL(sport, dport layers.UDPPort) *layers.UDP {
	return &layers.UDP{SrcPort: sport, DstPort: dport}
}

func arpL(op uint16) *layers.ARP {
	return &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: op,
		SourceHwAddress: macA, SourceProtAddress: ipA,
		DstHwAddress: make(net.HardwareAddr, 6), DstProtAddress: ipB}
}

// withTCP builds a frame whose TCP segment carries a payload.
func tcpFrame(tb testing.TB, pre ...gopacket.SerializableLayer) []byte {
	ip := ip4(layers.IPProtocolTCP)
	t := tcpL(49152, 80)
	if err := t.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	ls := append(pre, ip, t, gopacket.Payload("GET / HTTP/1.0\r\n\r\n"))
	if len(pre) == 0 {
		ls = append([]gopacket.SerializableLayer{ethL(layers.EthernetTypeIPv4)}, ls...)
	}
	return serialize(tb, ls...)
}

func udpFrame(tb testing.TB, sport, dport layers.UDPPort, payload string) []byte {
	ip := ip4(layers.IPProtocolUDP)
	u := udpL(sport, dport)
	if err := u.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	return serialize(tb, ethL(layers.EthernetTypeIPv4), ip, u, gopacket.Payload(payload))
}

func icmpFrame(tb testing.TB, typ, code uint8) []byte {
	return serialize(tb, ethL(layers.EthernetTypeIPv4), ip4(layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code), Id: 7, Seq: 1},
		gopacket.Payload("abcdefgh"))
}

func arpFrame(tb testing.TB, op uint16) []byte {
	return serialize(tb, ethL(layers.EthernetTypeARP), arpL(op))
}

// hsrpFrame is an HSRPv1 hello from the virtual MAC 0000.0c07.ac0a to
// 224.0.0.2, UDP 1985, as a Cisco router sends it.
func hsrpFrame(tb testing.TB) []byte {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 1, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IP{10, 1, 1, 2}, DstIP: net.IP{224, 0, 0, 2}}
	u := udpL(1985, 1985)
	_ = u.SetNetworkLayerForChecksum(ip)
	hello := []byte{0, 0, 16, 3, 100, 10, 0, 0, 'c', 'i', 's', 'c', 'o', 0, 0, 0, 10, 1, 1, 254}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0x0c, 0x07, 0xac, 0x0a},
		DstMAC: net.HardwareAddr{0x01, 0, 0x5e, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	return serialize(tb, eth, ip, u, gopacket.Payload(hello))
}

// vrrpFrame is a VRRPv2 advertisement (CARP uses the same protocol number
// and group): IP protocol 112 to 224.0.0.18 from 0000.5e00.0101.
func vrrpFrame(tb testing.TB) []byte {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 255, Protocol: layers.IPProtocolVRRP,
		SrcIP: net.IP{10, 1, 1, 2}, DstIP: net.IP{224, 0, 0, 18}}
	adv := []byte{0x21, 1, 100, 1, 0, 1, 0, 0, 10, 1, 1, 254, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(adv[6:], ^onesSum(adv))
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0x5e, 0, 1, 1},
		DstMAC: net.HardwareAddr{0x01, 0, 0x5e, 0, 0, 0x12}, EthernetType: layers.EthernetTypeIPv4}
	return serialize(tb, eth, ip, gopacket.Payload(adv))
}

func onesSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// routerAlert is the 4-byte IPv4 Router Alert option (RFC 2113), the option
// IGMP reports carry; lsrr a loose source route with one hop plus padding.
var (
	routerAlert = layers.IPv4Option{OptionType: 0x94, OptionLength: 4, OptionData: []byte{0, 0}}
	lsrr        = layers.IPv4Option{OptionType: 0x83, OptionLength: 7, OptionData: []byte{4, 10, 9, 9, 9}}
)

// seedFrames are the well-formed frames the differential test and the fuzz
// corpus start from.
func seedFrames(tb testing.TB) map[string][]byte {
	tagged := func(outer layers.EthernetType, ls ...gopacket.SerializableLayer) []byte {
		return serialize(tb, append([]gopacket.SerializableLayer{ethL(outer)}, ls...)...)
	}
	ipOpt := ip4(layers.IPProtocolTCP, routerAlert)
	tOpt := tcpL(22, 50000)
	tOpt.ACK, tOpt.PSH = true, true
	_ = tOpt.SetNetworkLayerForChecksum(ipOpt)
	ipOpt2 := ip4(layers.IPProtocolUDP, lsrr)
	uOpt := udpL(53, 5353)
	_ = uOpt.SetNetworkLayerForChecksum(ipOpt2)
	frag1 := ip4(layers.IPProtocolUDP)
	frag1.Flags = layers.IPv4MoreFragments
	frag2 := ip4(layers.IPProtocolUDP)
	frag2.FragOffset = 185
	return map[string][]byte{
		"tcp":          tcpFrame(tb),
		"udp":          udpFrame(tb, 5000, 53, "query"),
		"icmp":         icmpFrame(tb, 8, 0),
		"icmp-unreach": icmpFrame(tb, 3, 3),
		"arp-req":      arpFrame(tb, 1),
		"arp-reply":    arpFrame(tb, 2),
		"dot1q-tcp":    tagged(layers.EthernetTypeDot1Q, dot1q(5, false, 100, layers.EthernetTypeIPv4), ip4(layers.IPProtocolTCP), tcpL(1, 2)),
		"dot1q-arp":    tagged(layers.EthernetTypeDot1Q, dot1q(0, true, 4094, layers.EthernetTypeARP), arpL(1)),
		"qinq-udp": tagged(layers.EthernetTypeQinQ, dot1q(1, false, 200, layers.EthernetTypeDot1Q),
			dot1q(3, false, 10, layers.EthernetTypeIPv4), ip4(layers.IPProtocolUDP), udpL(67, 68), gopacket.Payload("dhcp")),
		"dot1q-dot1q-icmp": tagged(layers.EthernetTypeDot1Q, dot1q(0, false, 1, layers.EthernetTypeDot1Q),
			dot1q(7, true, 4095, layers.EthernetTypeIPv4), ip4(layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(0, 0)}),
		"ip-opt-tcp":  serialize(tb, ethL(layers.EthernetTypeIPv4), ipOpt, tOpt),
		"ip-lsrr-udp": serialize(tb, ethL(layers.EthernetTypeIPv4), ipOpt2, uOpt, gopacket.Payload("x")),
		"frag-first":  serialize(tb, ethL(layers.EthernetTypeIPv4), frag1, udpL(1000, 2000), gopacket.Payload(make([]byte, 32))),
		"frag-next":   serialize(tb, ethL(layers.EthernetTypeIPv4), frag2, gopacket.Payload(make([]byte, 24))),
		"hsrp":        hsrpFrame(tb),
		"vrrp":        vrrpFrame(tb),
		"ipv6": serialize(tb, ethL(layers.EthernetTypeIPv6), &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolNoNextHeader,
			HopLimit: 1, SrcIP: net.ParseIP("fe80::1"), DstIP: net.ParseIP("ff02::1")}),
		"llc-stp": serialize(tb, &layers.Ethernet{SrcMAC: macA, DstMAC: net.HardwareAddr{0x01, 0x80, 0xc2, 0, 0, 0},
			EthernetType: layers.EthernetTypeLLC, Length: 38},
			&layers.LLC{DSAP: 0x42, SSAP: 0x42, Control: 3}, gopacket.Payload(make([]byte, 35))),
	}
}
