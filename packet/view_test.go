package packet

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

func mustParse(t *testing.T, b []byte, want Reason) *View {
	t.Helper()
	v := new(View)
	if got := v.Parse(b); got != want {
		t.Fatalf("Parse = %v, want %v (frame % x)", got, want, b)
	}
	return v
}

func TestReasonString(t *testing.T) {
	seen := map[string]bool{}
	for r := ReasonNone; r < NumReasons; r++ {
		s := r.String()
		if s == "" || s == "unknown" || seen[s] {
			t.Errorf("Reason(%d).String() = %q: empty, unknown or duplicate", r, s)
		}
		seen[s] = true
	}
	if got := NumReasons.String(); got != "unknown" {
		t.Errorf("out-of-range reason = %q, want unknown", got)
	}
}

func TestRunt(t *testing.T) {
	b := make([]byte, EthLen)
	binary.BigEndian.PutUint16(b[12:], 0x1234)
	for n := 0; n < EthLen; n++ {
		mustParse(t, b[:n], ReasonRunt)
	}
	v := mustParse(t, b, ReasonNone)
	if v.EtherType != 0x1234 || v.L3 != EthLen || v.Tags != 0 {
		t.Errorf("bare header: EtherType %#x L3 %d Tags %d", v.EtherType, v.L3, v.Tags)
	}
	mustParse(t, nil, ReasonRunt)
}

func TestEthernetMACs(t *testing.T) {
	v := mustParse(t, tcpFrame(t), ReasonNone)
	if v.Dst() != MAC(macB) || v.Src() != MAC(macA) {
		t.Errorf("Dst %v Src %v", v.Dst(), v.Src())
	}
	if v.DstUint64() != MAC(macB).Uint64() || v.SrcUint64() != MAC(macA).Uint64() {
		t.Errorf("Uint64 packing differs from MAC.Uint64: %x %x", v.DstUint64(), v.SrcUint64())
	}
	if v.EtherType != TypeIPv4 || v.L3 != 14 || v.Tags != 0 || v.VID() != 0 {
		t.Errorf("untagged IPv4: %+v", v)
	}
}

func TestTags(t *testing.T) {
	t.Run("single 802.1Q", func(t *testing.T) {
		b := serialize(t, ethL(layers.EthernetTypeDot1Q), dot1q(5, true, 100, layers.EthernetTypeIPv4),
			ip4(layers.IPProtocolUDP), udpL(1, 2))
		v := mustParse(t, b, ReasonNone)
		if v.Tags != 1 || v.OuterTPID != TypeDot1Q || v.VID() != 100 || v.PCP() != 5 ||
			v.OuterTCI != 5<<13|1<<12|100 || v.EtherType != TypeIPv4 || v.L3 != 18 || v.L4 != 38 {
			t.Errorf("got %+v", v)
		}
		if v.SrcPort() != 1 || v.DstPort() != 2 {
			t.Errorf("ports %d %d through a tag", v.SrcPort(), v.DstPort())
		}
	})
	t.Run("802.1ad outer", func(t *testing.T) {
		b := serialize(t, ethL(layers.EthernetTypeQinQ), dot1q(1, false, 200, layers.EthernetTypeDot1Q),
			dot1q(3, false, 10, layers.EthernetTypeARP), arpL(1))
		v := mustParse(t, b, ReasonNone)
		if v.Tags != 2 || v.OuterTPID != TypeQinQ || v.VID() != 200 || v.InnerTCI != 3<<13|10 ||
			v.EtherType != TypeARP || v.L3 != 22 {
			t.Errorf("got %+v", v)
		}
		if v.ARPSenderIP() != netip.AddrFrom4([4]byte(ipA)) {
			t.Errorf("ARP under two tags: sender %v", v.ARPSenderIP())
		}
	})
	t.Run("802.1Q in 802.1Q", func(t *testing.T) {
		b := serialize(t, ethL(layers.EthernetTypeDot1Q), dot1q(0, false, 4095, layers.EthernetTypeDot1Q),
			dot1q(0, false, 0, layers.EthernetTypeIPv6), gopacket.Payload(make([]byte, 40)))
		v := mustParse(t, b, ReasonNone)
		if v.Tags != 2 || v.OuterTPID != TypeDot1Q || v.VID() != 4095 || v.InnerTCI != 0 || v.EtherType != TypeIPv6 {
			t.Errorf("got %+v", v)
		}
	})
	t.Run("priority tag", func(t *testing.T) {
		b := serialize(t, ethL(layers.EthernetTypeDot1Q), dot1q(6, false, 0, layers.EthernetTypeARP), arpL(2))
		v := mustParse(t, b, ReasonNone)
		if v.Tags != 1 || v.VID() != 0 || v.PCP() != 6 {
			t.Errorf("got %+v", v)
		}
	})
	t.Run("three tags", func(t *testing.T) {
		for _, tpids := range [][3]uint16{{TypeDot1Q, TypeDot1Q, TypeDot1Q}, {TypeQinQ, TypeDot1Q, TypeQinQ}} {
			b := make([]byte, 64)
			binary.BigEndian.PutUint16(b[12:], tpids[0])
			binary.BigEndian.PutUint16(b[16:], tpids[1])
			binary.BigEndian.PutUint16(b[20:], tpids[2])
			binary.BigEndian.PutUint16(b[24:], TypeIPv4)
			v := mustParse(t, b, ReasonBadTag)
			if v.Tags != 2 {
				t.Errorf("Tags = %d at the third tag", v.Tags)
			}
		}
	})
	t.Run("truncated", func(t *testing.T) {
		b := make([]byte, 22)
		binary.BigEndian.PutUint16(b[12:], TypeDot1Q)
		binary.BigEndian.PutUint16(b[16:], TypeQinQ)
		binary.BigEndian.PutUint16(b[20:], TypeIPv4)
		for n := 14; n < 18; n++ { // first tag or its EtherType cut
			mustParse(t, b[:n], ReasonBadTag)
		}
		for n := 18; n < 22; n++ { // second tag cut
			mustParse(t, b[:n], ReasonBadTag)
		}
		// Both tags whole, then an IPv4 EtherType and no header.
		mustParse(t, b, ReasonBadIPHeader)
	})
}

func TestLLC(t *testing.T) {
	v := mustParse(t, seedFrames(t)["llc-stp"], ReasonNone)
	if !v.IsLLC() || v.EtherType != 38 || v.L3 != 14 {
		t.Errorf("802.3 frame: IsLLC %v EtherType %d", v.IsLLC(), v.EtherType)
	}
	if v := mustParse(t, arpFrame(t, 1), ReasonNone); v.IsLLC() {
		t.Error("ARP frame reported as LLC")
	}
}

func TestARP(t *testing.T) {
	for _, op := range []uint16{1, 2} {
		b := arpFrame(t, op)
		v := mustParse(t, b, ReasonNone)
		if v.EtherType != TypeARP || v.ARPOp() != op {
			t.Fatalf("op %d: EtherType %#x ARPOp %d", op, v.EtherType, v.ARPOp())
		}
		if v.ARPSenderMAC() != MAC(macA) || v.ARPTargetMAC() != (MAC{}) {
			t.Errorf("MACs %v %v", v.ARPSenderMAC(), v.ARPTargetMAC())
		}
		if v.ARPSenderIP() != netip.MustParseAddr("10.1.1.5") || v.ARPTargetIP() != netip.MustParseAddr("10.1.1.1") {
			t.Errorf("IPs %v %v", v.ARPSenderIP(), v.ARPTargetIP())
		}
		if v.L4 != 0 || v.SrcPort() != 0 {
			t.Errorf("ARP has L4 %d", v.L4)
		}
	}
	good := arpFrame(t, 1) // 60 bytes: 28 of ARP plus Ethernet padding
	mustParse(t, good[:14+ARPLen], ReasonNone)
	mustParse(t, good[:14+ARPLen-1], ReasonBadARP)
	mustParse(t, good[:14], ReasonBadARP)
	edits := map[string]func(a []byte){
		"htype 6 (IEEE 802)": func(a []byte) { a[1] = 6 },
		"ptype IPv6":         func(a []byte) { binary.BigEndian.PutUint16(a[2:], TypeIPv6) },
		"hlen 8":             func(a []byte) { a[4] = 8 },
		"plen 16":            func(a []byte) { a[5] = 16 },
	}
	for name, edit := range edits {
		b := arpFrame(t, 1)
		edit(b[14:])
		if r := new(View).Parse(b); r != ReasonBadARP {
			t.Errorf("%s: Parse = %v, want bad ARP", name, r)
		}
	}
}

func TestIPv4Fields(t *testing.T) {
	b := tcpFrame(t)
	v := mustParse(t, b, ReasonNone)
	if v.IHL != 20 || v.IPLen != 20+20+18 || v.Proto != ProtoTCP || v.L4 != 34 {
		t.Errorf("IHL %d IPLen %d Proto %d L4 %d", v.IHL, v.IPLen, v.Proto, v.L4)
	}
	if v.SrcIP() != 0x0a010105 || v.DstIP() != 0x0a010101 || v.TTL() != 64 || v.TOS() != 0x10 {
		t.Errorf("src %#x dst %#x ttl %d tos %#x", v.SrcIP(), v.DstIP(), v.TTL(), v.TOS())
	}
	if v.IPChecksum() == 0 || onesSum(b[14:34]) != 0xffff {
		t.Errorf("checksum field %#x does not sum the header to 0xffff", v.IPChecksum())
	}
	if v.DF || v.MoreFrag || v.FragOff != 0 {
		t.Errorf("flags DF %v MF %v off %d", v.DF, v.MoreFrag, v.FragOff)
	}
}

func TestIPv4Options(t *testing.T) {
	seeds := seedFrames(t)
	v := mustParse(t, seeds["ip-opt-tcp"], ReasonNone)
	if v.IHL != 24 || v.L4 != 14+24 || v.SrcPort() != 22 || v.DstPort() != 50000 {
		t.Errorf("router alert: IHL %d L4 %d ports %d %d", v.IHL, v.L4, v.SrcPort(), v.DstPort())
	}
	v = mustParse(t, seeds["ip-lsrr-udp"], ReasonNone)
	if v.IHL != 28 || v.L4 != 14+28 || v.SrcPort() != 53 || v.DstPort() != 5353 {
		t.Errorf("LSRR: IHL %d L4 %d ports %d %d", v.IHL, v.L4, v.SrcPort(), v.DstPort())
	}
	// The largest header: IHL 15, 40 bytes of NOP options.
	b := make([]byte, 14+60+8)
	binary.BigEndian.PutUint16(b[12:], TypeIPv4)
	ip := b[14:]
	ip[0], ip[9] = 0x4f, ProtoUDP
	binary.BigEndian.PutUint16(ip[2:], 68)
	for i := 20; i < 60; i++ {
		ip[i] = 1
	}
	binary.BigEndian.PutUint16(ip[60:], 7)
	binary.BigEndian.PutUint16(ip[62:], 9)
	binary.BigEndian.PutUint16(ip[64:], 8)
	v = mustParse(t, b, ReasonNone)
	if v.IHL != 60 || v.L4 != 74 || v.SrcPort() != 7 || v.DstPort() != 9 {
		t.Errorf("IHL 15: IHL %d L4 %d ports %d %d", v.IHL, v.L4, v.SrcPort(), v.DstPort())
	}
}

// ipEdit returns a copy of an untagged IPv4 frame with its IP header edited.
func ipEdit(b []byte, edit func(ip []byte)) []byte {
	c := append([]byte(nil), b...)
	edit(c[14:])
	return c
}

func TestBadIPHeader(t *testing.T) {
	b := udpFrame(t, 1, 2, "hello")
	cases := map[string][]byte{
		"version 6 under 0x0800": ipEdit(b, func(ip []byte) { ip[0] = 0x65 }),
		"version 0":              ipEdit(b, func(ip []byte) { ip[0] = 0x05 }),
		"IHL 4":                  ipEdit(b, func(ip []byte) { ip[0] = 0x44 }),
		"IHL 0":                  ipEdit(b, func(ip []byte) { ip[0] = 0x40 }),
		"19 bytes":               b[:14+19],
		"no header":              b[:14],
		"IHL 15 past the frame":  ipEdit(b, func(ip []byte) { ip[0] = 0x4f }), // 46 bytes of IP
	}
	for name, f := range cases {
		if r := new(View).Parse(f); r != ReasonBadIPHeader {
			t.Errorf("%s: Parse = %v, want bad IP header", name, r)
		}
	}
}

func TestBadIPLength(t *testing.T) {
	b := udpFrame(t, 1, 2, "hello") // 14 + 20 + 8 + 5 = 47 bytes, padded to 60
	set := func(n uint16) []byte {
		return ipEdit(b, func(ip []byte) { binary.BigEndian.PutUint16(ip[2:], n) })
	}
	cases := map[string][]byte{
		"total 0 (TSO)":            set(0),
		"total 19":                 set(19),
		"total below IHL":          ipEdit(set(22), func(ip []byte) { ip[0] = 0x46 }),
		"total past the frame":     set(60 - 14 + 1),
		"frame cut inside payload": b[:14+30],
	}
	for name, f := range cases {
		if r := new(View).Parse(f); r != ReasonBadIPLength {
			t.Errorf("%s: Parse = %v, want bad IP length", name, r)
		}
	}
	// Ethernet padding after the IP packet is not an error: the total
	// length, not the frame, bounds the packet.
	v := mustParse(t, b, ReasonNone)
	if v.IPLen != 33 || len(v.B) != 60 {
		t.Errorf("padded frame: IPLen %d len %d", v.IPLen, len(v.B))
	}
	// An IP total length that claims the padding too is still consistent.
	mustParse(t, set(60-14), ReasonNone)
}

func TestBadL4(t *testing.T) {
	setTot := func(b []byte, n int) []byte {
		return ipEdit(b, func(ip []byte) { binary.BigEndian.PutUint16(ip[2:], uint16(n)) })
	}
	tcp := tcpFrame(t)
	udp := udpFrame(t, 1, 2, "hello")
	icmp := icmpFrame(t, 8, 0)
	cases := map[string][]byte{
		"TCP 19 bytes":               setTot(tcp, 20+19),
		"TCP data offset 4":          ipEdit(tcp, func(ip []byte) { ip[20+12] = 4 << 4 }),
		"TCP data offset 0":          ipEdit(tcp, func(ip []byte) { ip[20+12] = 0 }),
		"TCP data offset past end":   ipEdit(tcp, func(ip []byte) { ip[20+12] = 15 << 4 }),
		"UDP 7 bytes":                setTot(udp, 20+7),
		"UDP length 7":               ipEdit(udp, func(ip []byte) { binary.BigEndian.PutUint16(ip[24:], 7) }),
		"UDP length 0":               ipEdit(udp, func(ip []byte) { binary.BigEndian.PutUint16(ip[24:], 0) }),
		"UDP length past IP payload": ipEdit(udp, func(ip []byte) { binary.BigEndian.PutUint16(ip[24:], 14) }),
		"ICMP 7 bytes":               setTot(icmp, 20+7),
		"ICMP 4 bytes":               setTot(icmp, 20+4),
		"first fragment 8-byte TCP":  ipEdit(setTot(tcp, 28), func(ip []byte) { ip[6] = 0x20 }),
	}
	for name, f := range cases {
		v := new(View)
		if r := v.Parse(f); r != ReasonBadL4 {
			t.Errorf("%s: Parse = %v, want bad L4", name, r)
		}
		if v.L4 != 0 || v.SrcPort() != 0 || v.TCPFlags() != 0 || v.ICMPType() != 0 {
			t.Errorf("%s: L4 fields set on a bad L4 header: L4 %d", name, v.L4)
		}
	}
	// The shortest valid headers.
	mustParse(t, setTot(tcp, 40), ReasonNone)
	mustParse(t, ipEdit(setTot(udp, 28), func(ip []byte) { binary.BigEndian.PutUint16(ip[24:], 8) }), ReasonNone)
	mustParse(t, setTot(icmp, 28), ReasonNone)
	// A UDP length shorter than the IP payload is allowed (trailing bytes).
	mustParse(t, ipEdit(udp, func(ip []byte) { binary.BigEndian.PutUint16(ip[24:], 8) }), ReasonNone)
}

func TestFragments(t *testing.T) {
	seeds := seedFrames(t)
	v := mustParse(t, seeds["frag-first"], ReasonNone)
	if !v.MoreFrag || v.FragOff != 0 || v.L4 != 34 || v.SrcPort() != 1000 || v.DstPort() != 2000 {
		t.Errorf("first fragment: MF %v off %d L4 %d ports %d %d", v.MoreFrag, v.FragOff, v.L4, v.SrcPort(), v.DstPort())
	}
	// The first fragment's UDP length covers the whole datagram: not an error.
	big := ipEdit(seeds["frag-first"], func(ip []byte) { binary.BigEndian.PutUint16(ip[24:], 1480) })
	mustParse(t, big, ReasonNone)
	// Without MF the same length is a truncated datagram.
	mustParse(t, ipEdit(big, func(ip []byte) { ip[6] = 0 }), ReasonBadL4)

	v = mustParse(t, seeds["frag-next"], ReasonNone)
	if v.MoreFrag || v.FragOff != 185 || v.L4 != 0 || v.Proto != ProtoUDP || v.SrcPort() != 0 || v.DstPort() != 0 {
		t.Errorf("last fragment: MF %v off %d L4 %d proto %d", v.MoreFrag, v.FragOff, v.L4, v.Proto)
	}
	// A middle fragment whose payload happens to look like a short TCP
	// header is not checked: its bytes are not a header.
	mid := ipEdit(tcpFrame(t), func(ip []byte) {
		binary.BigEndian.PutUint16(ip[6:], 0x2000|3)
		binary.BigEndian.PutUint16(ip[2:], 28)
	})
	v = mustParse(t, mid, ReasonNone)
	if !v.MoreFrag || v.FragOff != 3 || v.L4 != 0 || v.TCPFlags() != 0 {
		t.Errorf("middle fragment: MF %v off %d L4 %d", v.MoreFrag, v.FragOff, v.L4)
	}
	df := ipEdit(tcpFrame(t), func(ip []byte) { ip[6] = 0x40 })
	if v := mustParse(t, df, ReasonNone); !v.DF || v.MoreFrag || v.L4 == 0 {
		t.Errorf("DF: DF %v MF %v L4 %d", v.DF, v.MoreFrag, v.L4)
	}
}

func TestTCPFlags(t *testing.T) {
	ip := ip4(layers.IPProtocolTCP)
	cases := []struct {
		set  func(*layers.TCP)
		want uint8
	}{
		{func(c *layers.TCP) {}, 0x02},
		{func(c *layers.TCP) { c.ACK = true }, 0x12},
		{func(c *layers.TCP) { c.SYN, c.RST, c.ACK = false, true, true }, 0x14},
		{func(c *layers.TCP) { c.SYN, c.FIN, c.PSH, c.ACK = false, true, true, true }, 0x19},
		{func(c *layers.TCP) {
			c.FIN, c.RST, c.PSH, c.ACK, c.URG, c.ECE, c.CWR = true, true, true, true, true, true, true
		}, 0xff},
	}
	for _, c := range cases {
		seg := tcpL(1024, 443)
		c.set(seg)
		_ = seg.SetNetworkLayerForChecksum(ip)
		v := mustParse(t, serialize(t, ethL(layers.EthernetTypeIPv4), ip, seg), ReasonNone)
		if v.TCPFlags() != c.want || v.SrcPort() != 1024 || v.DstPort() != 443 {
			t.Errorf("flags %#02x, want %#02x (ports %d %d)", v.TCPFlags(), c.want, v.SrcPort(), v.DstPort())
		}
		if v.ICMPType() != 0 || v.ICMPCode() != 0 {
			t.Error("ICMP accessors read a TCP header")
		}
	}
	if v := mustParse(t, udpFrame(t, 1, 2, ""), ReasonNone); v.TCPFlags() != 0 {
		t.Error("TCP flags read a UDP header")
	}
}

func TestICMP(t *testing.T) {
	for _, tc := range [][2]uint8{{8, 0}, {0, 0}, {3, 3}, {3, 4}, {11, 0}, {5, 1}} {
		v := mustParse(t, icmpFrame(t, tc[0], tc[1]), ReasonNone)
		if v.Proto != ProtoICMP || v.ICMPType() != tc[0] || v.ICMPCode() != tc[1] {
			t.Errorf("type/code %d/%d, want %d/%d", v.ICMPType(), v.ICMPCode(), tc[0], tc[1])
		}
		if v.SrcPort() != 0 || v.DstPort() != 0 || v.TCPFlags() != 0 {
			t.Errorf("ICMP %d/%d: ports or TCP flags non-zero", tc[0], tc[1])
		}
	}
}

func TestFirstHopRedundancy(t *testing.T) {
	v := mustParse(t, hsrpFrame(t), ReasonNone)
	if v.Src() != (MAC{0, 0, 0x0c, 0x07, 0xac, 0x0a}) || !v.Dst().IsMulticast() ||
		v.DstIP() != 0xe0000002 || v.Proto != ProtoUDP || v.SrcPort() != 1985 || v.DstPort() != 1985 || v.TTL() != 1 {
		t.Errorf("HSRP: %+v", v)
	}
	v = mustParse(t, vrrpFrame(t), ReasonNone)
	if v.Src() != (MAC{0, 0, 0x5e, 0, 1, 1}) || v.DstIP() != 0xe0000012 || v.Proto != 112 ||
		v.L4 != 0 || v.TTL() != 255 {
		t.Errorf("VRRP: %+v", v)
	}
}

func TestParseResetsView(t *testing.T) {
	var v View
	v.Parse(seedFrames(t)["qinq-udp"])
	if v.Parse(arpFrame(t, 1)) != ReasonNone || v.Tags != 0 || v.L4 != 0 || v.InnerTCI != 0 || v.Proto != 0 {
		t.Errorf("state from the previous frame survived: %+v", v)
	}
}

func TestParseAllocs(t *testing.T) {
	frames := seedFrames(t)
	var v View
	var sink uint64
	for name, b := range frames {
		allocs := testing.AllocsPerRun(200, func() {
			v.Parse(b)
			sink += v.DstUint64() ^ v.SrcUint64() ^ uint64(v.VID())
			d, s := v.Dst(), v.Src()
			sink += uint64(d[5] ^ s[5])
			switch v.EtherType {
			case TypeARP:
				sink += uint64(v.ARPOp())
				sm, tm := v.ARPSenderMAC(), v.ARPTargetMAC()
				sink += uint64(sm[0]^tm[0]) + uint64(v.ARPSenderIP().As4()[0]^v.ARPTargetIP().As4()[3])
			case TypeIPv4:
				sink += uint64(v.SrcIP()^v.DstIP()) + uint64(v.TTL()^v.TOS()) + uint64(v.IPChecksum())
				sink += uint64(v.SrcPort()^v.DstPort()) + uint64(v.TCPFlags()^v.ICMPType()^v.ICMPCode())
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per Parse and accessors, want 0", name, allocs)
		}
	}
	_ = sink
}
