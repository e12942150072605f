package packet

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// The differential oracle: whenever the view accepts a frame, gopacket must
// decode the same bytes to the same values for every field the view
// exposes. Where the two disagree on what is acceptable, RFCs decide; the
// view's stricter choices only narrow what is compared (the view is the one
// saying ReasonNone), and gopacket's quirks that do not are listed here:
//
//   - IPv4 options: gopacket validates the option list and stops decoding on
//     a malformed one; the view does not read options (a switch forwards
//     them untouched, RFC 791 leaves them to the hosts and routers that
//     process them), so the fixed header and the transport header are still
//     compared, from the IPv4 layer gopacket keeps and a direct decode of
//     its payload.
//   - First fragments: gopacket hands any packet with MF set or a non-zero
//     offset to a Fragment layer and decodes no transport header. The first
//     fragment carries that header (RFC 791), and ACLs match on it (RFC
//     1858), so the view reads it; the test decodes it directly.
//   - TCP options: gopacket validates them and reports an error while still
//     filling the fixed header; the view does not read options.
//   - Truncation: gopacket accepts an IP total length beyond the frame, a
//     zero total length (TSO captures), a UDP length beyond the payload or
//     of 0 (a jumbogram, which IPv4 does not have) and IP version != 4. The
//     view rejects each (RFC 791 / RFC 768), so those never reach a compare.
//   - gopacket's VRRPv2 decoder indexes its address list by the count field
//     without a bound check and panics (recovered into a DecodeFailure
//     layer) on a short advertisement. VRRP is forwarded untouched by the
//     switch, so the view does not read it; the comparison stops at IPv4.
//   - 802.3 frames: gopacket reports EtherType LLC and the length apart;
//     the view keeps the length in EtherType and says IsLLC.

func decodeOracle(b []byte) gopacket.Packet {
	return gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true})
}

// checkView parses b with the view (which must not panic), exercises the
// accessors its contract allows, and compares with gopacket on ReasonNone.
func checkView(tb testing.TB, b []byte) Reason {
	tb.Helper()
	var v View
	r := v.Parse(b)
	if r >= NumReasons {
		tb.Fatalf("Parse returned out-of-range reason %d", r)
	}
	// The forwarding path's two halves agree with Parse: ParseLink finds
	// the link-layer faults, ParseNetwork the rest, into the same view.
	var w View
	if lr := w.ParseLink(b); lr != ReasonNone {
		if lr != r || !lr.Link() {
			tb.Fatalf("ParseLink = %v, Parse = %v", lr, r)
		}
	} else if nr := w.ParseNetwork(); nr != r || nr.Link() {
		tb.Fatalf("ParseLink+ParseNetwork = %v, Parse = %v", nr, r)
	}
	if wb, vb := w.B, v.B; len(wb) != len(vb) || (len(wb) > 0 && &wb[0] != &vb[0]) {
		tb.Fatalf("ParseLink+ParseNetwork kept another frame")
	}
	if w.B, v.B = nil, nil; !reflect.DeepEqual(w, v) {
		tb.Fatalf("ParseLink+ParseNetwork filled %+v, Parse %+v", w, v)
	}
	v.B = b
	if r == ReasonRunt {
		if len(b) >= EthLen {
			tb.Fatalf("runt reported for a %d-byte frame", len(b))
		}
		return r
	}
	_, _, _ = v.Dst(), v.Src(), v.VID() // always valid past the Ethernet header
	if r != ReasonNone {
		return r
	}
	if v.L4 != 0 && (v.L4 < v.L3+IPv4Min || v.L4 > len(b)) {
		tb.Fatalf("L4 offset %d outside the frame (L3 %d, len %d)", v.L4, v.L3, len(b))
	}
	compareWithGopacket(tb, &v, decodeOracle(b))
	return r
}

func compareWithGopacket(tb testing.TB, v *View, pkt gopacket.Packet) {
	tb.Helper()
	b := v.B
	ls := pkt.Layers()
	if len(ls) == 0 {
		tb.Fatalf("gopacket found no Ethernet layer in % x", b)
	}
	eth, ok := ls[0].(*layers.Ethernet)
	if !ok {
		tb.Fatalf("gopacket's first layer is %v", ls[0].LayerType())
	}
	dst, src := v.Dst(), v.Src()
	if !bytes.Equal(eth.DstMAC, dst[:]) || !bytes.Equal(eth.SrcMAC, src[:]) {
		tb.Errorf("MACs: view %v %v, gopacket %v %v", v.Dst(), v.Src(), eth.DstMAC, eth.SrcMAC)
	}
	if v.DstUint64() != v.Dst().Uint64() || v.SrcUint64() != v.Src().Uint64() {
		tb.Errorf("Uint64 MACs disagree with MAC.Uint64 packing")
	}
	var tags []*layers.Dot1Q
	for _, l := range ls[1:] {
		d, ok := l.(*layers.Dot1Q)
		if !ok {
			break
		}
		tags = append(tags, d)
	}
	if len(tags) != v.Tags {
		tb.Fatalf("tags: view %d, gopacket %d", v.Tags, len(tags))
	}
	et := uint16(eth.EthernetType)
	if v.Tags > 0 {
		if v.OuterTPID != et {
			tb.Errorf("outer TPID: view %#x, gopacket %#x", v.OuterTPID, et)
		}
		if tci := dot1qTCI(tags[0]); tci != v.OuterTCI || tags[0].VLANIdentifier != v.VID() || tags[0].Priority != v.PCP() {
			tb.Errorf("outer TCI: view %#x (VID %d PCP %d), gopacket %#x", v.OuterTCI, v.VID(), v.PCP(), tci)
		}
		if v.Tags == 2 {
			if tci := dot1qTCI(tags[1]); tci != v.InnerTCI {
				tb.Errorf("inner TCI: view %#x, gopacket %#x", v.InnerTCI, tci)
			}
		}
		et = uint16(tags[len(tags)-1].Type)
	}
	if v.IsLLC() && v.Tags == 0 {
		if eth.EthernetType != layers.EthernetTypeLLC || eth.Length != v.EtherType {
			tb.Errorf("802.3 frame: view length %d, gopacket type %v length %d", v.EtherType, eth.EthernetType, eth.Length)
		}
		return
	}
	if et != v.EtherType {
		tb.Fatalf("EtherType: view %#x, gopacket %#x", v.EtherType, et)
	}
	if v.L3 != EthLen+TagLen*v.Tags {
		tb.Errorf("L3 offset %d with %d tags", v.L3, v.Tags)
	}
	switch v.EtherType {
	case TypeARP:
		compareARP(tb, v, pkt)
	case TypeIPv4:
		compareIPv4(tb, v, pkt)
	}
}

func dot1qTCI(d *layers.Dot1Q) uint16 {
	tci := uint16(d.Priority)<<13 | d.VLANIdentifier
	if d.DropEligible {
		tci |= 1 << 12
	}
	return tci
}

func compareARP(tb testing.TB, v *View, pkt gopacket.Packet) {
	tb.Helper()
	arp, _ := pkt.Layer(layers.LayerTypeARP).(*layers.ARP)
	if arp == nil {
		tb.Fatalf("view parsed ARP, gopacket did not: %v", pkt.ErrorLayer())
	}
	if arp.AddrType != layers.LinkTypeEthernet || arp.Protocol != layers.EthernetTypeIPv4 ||
		arp.HwAddressSize != 6 || arp.ProtAddressSize != 4 {
		tb.Errorf("view accepted ARP htype %v ptype %v hlen %d plen %d", arp.AddrType, arp.Protocol, arp.HwAddressSize, arp.ProtAddressSize)
	}
	if arp.Operation != v.ARPOp() {
		tb.Errorf("ARP op: view %d, gopacket %d", v.ARPOp(), arp.Operation)
	}
	sm, tm := v.ARPSenderMAC(), v.ARPTargetMAC()
	si, ti := v.ARPSenderIP().As4(), v.ARPTargetIP().As4()
	if !bytes.Equal(arp.SourceHwAddress, sm[:]) || !bytes.Equal(arp.DstHwAddress, tm[:]) ||
		!bytes.Equal(arp.SourceProtAddress, si[:]) || !bytes.Equal(arp.DstProtAddress, ti[:]) {
		tb.Errorf("ARP addresses: view %v %v %v %v, gopacket %v %v %v %v", sm, v.ARPSenderIP(), tm, v.ARPTargetIP(),
			net.HardwareAddr(arp.SourceHwAddress), net.IP(arp.SourceProtAddress),
			net.HardwareAddr(arp.DstHwAddress), net.IP(arp.DstProtAddress))
	}
}

// gopacketErr is the error gopacket stopped on, or "".
func gopacketErr(pkt gopacket.Packet) string {
	if e := pkt.ErrorLayer(); e != nil {
		return e.Error().Error()
	}
	return ""
}

func compareIPv4(tb testing.TB, v *View, pkt gopacket.Packet) {
	tb.Helper()
	ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if ip == nil {
		tb.Fatalf("view parsed IPv4, gopacket did not: %s", gopacketErr(pkt))
	}
	// gopacket may stop after the IPv4 layer for reasons of the layers
	// above (see the VRRP quirk); only the IPv4 layer's own verdict counts
	// here, and the only complaint allowed is about options.
	optionsQuirk := false
	if err := new(layers.IPv4).DecodeFromBytes(v.B[v.L3:], gopacket.NilDecodeFeedback); err != nil {
		if !strings.Contains(err.Error(), "option") {
			tb.Fatalf("view parsed IPv4, gopacket failed: %v", err)
		}
		optionsQuirk = true
	}
	if ip.Version != 4 || int(ip.IHL)*4 != v.IHL || int(ip.Length) != v.IPLen || uint8(ip.Protocol) != v.Proto {
		tb.Errorf("IPv4: view IHL %d len %d proto %d, gopacket v%d IHL %d len %d proto %d",
			v.IHL, v.IPLen, v.Proto, ip.Version, ip.IHL*4, ip.Length, ip.Protocol)
	}
	if binary.BigEndian.Uint32(ip.SrcIP.To4()) != v.SrcIP() || binary.BigEndian.Uint32(ip.DstIP.To4()) != v.DstIP() {
		tb.Errorf("IPv4 addresses: view %#x %#x, gopacket %v %v", v.SrcIP(), v.DstIP(), ip.SrcIP, ip.DstIP)
	}
	if ip.TTL != v.TTL() || ip.TOS != v.TOS() || ip.Checksum != v.IPChecksum() {
		tb.Errorf("IPv4 TTL/TOS/checksum: view %d %#x %#x, gopacket %d %#x %#x", v.TTL(), v.TOS(), v.IPChecksum(), ip.TTL, ip.TOS, ip.Checksum)
	}
	if ip.FragOffset != v.FragOff || (ip.Flags&layers.IPv4DontFragment != 0) != v.DF || (ip.Flags&layers.IPv4MoreFragments != 0) != v.MoreFrag {
		tb.Errorf("IPv4 fragment: view off %d DF %v MF %v, gopacket off %d flags %v", v.FragOff, v.DF, v.MoreFrag, ip.FragOffset, ip.Flags)
	}
	l4 := ip.Payload
	if len(ip.Contents) != v.IHL || len(l4) != v.IPLen-v.IHL {
		tb.Errorf("IPv4 header/payload: view %d/%d, gopacket %d/%d", v.IHL, v.IPLen-v.IHL, len(ip.Contents), len(l4))
	}
	switch v.Proto {
	case ProtoTCP, ProtoUDP, ProtoICMP:
		if v.FragOff != 0 {
			if v.L4 != 0 || v.SrcPort() != 0 || v.DstPort() != 0 || v.TCPFlags() != 0 || v.ICMPType() != 0 {
				tb.Errorf("non-first fragment has L4 fields: L4 %d", v.L4)
			}
			return
		}
		if v.L4 != v.L3+v.IHL {
			tb.Fatalf("L4 offset %d, want %d", v.L4, v.L3+v.IHL)
		}
	default:
		if v.L4 != 0 || v.SrcPort() != 0 || v.TCPFlags() != 0 || v.ICMPType() != 0 {
			tb.Errorf("protocol %d has L4 fields", v.Proto)
		}
		return
	}
	// Decode the transport header directly where gopacket's packet decoder
	// does not (first fragment, IPv4 options quirk).
	direct := v.MoreFrag || optionsQuirk
	switch v.Proto {
	case ProtoTCP:
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if direct {
			tcp = new(layers.TCP)
			if err := tcp.DecodeFromBytes(l4, gopacket.NilDecodeFeedback); err != nil && !strings.Contains(err.Error(), "option") {
				tb.Fatalf("view parsed TCP, gopacket failed: %v", err)
			}
		} else if tcp == nil {
			tb.Fatalf("view parsed TCP, gopacket did not: %s", gopacketErr(pkt))
		} else if err := gopacketErr(pkt); err != "" && pkt.Layers()[len(pkt.Layers())-2] == tcp && !strings.Contains(err, "option") {
			tb.Fatalf("view parsed TCP, gopacket failed: %s", err)
		}
		var flags uint8
		for i, set := range []bool{tcp.FIN, tcp.SYN, tcp.RST, tcp.PSH, tcp.ACK, tcp.URG, tcp.ECE, tcp.CWR} {
			if set {
				flags |= 1 << i
			}
		}
		if uint16(tcp.SrcPort) != v.SrcPort() || uint16(tcp.DstPort) != v.DstPort() || flags != v.TCPFlags() {
			tb.Errorf("TCP: view %d>%d flags %#x, gopacket %d>%d flags %#x", v.SrcPort(), v.DstPort(), v.TCPFlags(), tcp.SrcPort, tcp.DstPort, flags)
		}
	case ProtoUDP:
		udp, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if direct {
			udp = new(layers.UDP)
			if err := udp.DecodeFromBytes(l4, gopacket.NilDecodeFeedback); err != nil {
				tb.Fatalf("view parsed UDP, gopacket failed: %v", err)
			}
		} else if udp == nil {
			tb.Fatalf("view parsed UDP, gopacket did not: %s", gopacketErr(pkt))
		}
		if uint16(udp.SrcPort) != v.SrcPort() || uint16(udp.DstPort) != v.DstPort() {
			tb.Errorf("UDP: view %d>%d, gopacket %d>%d", v.SrcPort(), v.DstPort(), udp.SrcPort, udp.DstPort)
		}
		if v.TCPFlags() != 0 || v.ICMPType() != 0 {
			tb.Errorf("UDP frame has TCP flags or ICMP type")
		}
	case ProtoICMP:
		icmp, _ := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if direct {
			icmp = new(layers.ICMPv4)
			if err := icmp.DecodeFromBytes(l4, gopacket.NilDecodeFeedback); err != nil {
				tb.Fatalf("view parsed ICMP, gopacket failed: %v", err)
			}
		} else if icmp == nil {
			tb.Fatalf("view parsed ICMP, gopacket did not: %s", gopacketErr(pkt))
		}
		if icmp.TypeCode.Type() != v.ICMPType() || icmp.TypeCode.Code() != v.ICMPCode() {
			tb.Errorf("ICMP: view %d/%d, gopacket %v", v.ICMPType(), v.ICMPCode(), icmp.TypeCode)
		}
		if v.SrcPort() != 0 || v.DstPort() != 0 {
			tb.Errorf("ICMP frame has ports")
		}
	}
}

func sortedSeeds(tb testing.TB) [][]byte {
	m := seedFrames(tb)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([][]byte, len(names))
	for i, n := range names {
		out[i] = m[n]
	}
	return out
}

func TestSeedsAgreeWithGopacket(t *testing.T) {
	for name, b := range seedFrames(t) {
		t.Run(name, func(t *testing.T) {
			if r := checkView(t, b); r != ReasonNone {
				t.Fatalf("seed frame parsed as %v", r)
			}
		})
	}
}

// TestDifferentialMutations runs the oracle over deterministic mutations of
// the seeds: byte flips aimed at the header fields, truncations and
// extensions. It is the fuzz target's work done in every plain `go test`.
func TestDifferentialMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	seeds := sortedSeeds(t)
	rounds := 20000
	if testing.Short() {
		rounds = 2000
	}
	counts := make([]int, NumReasons)
	for i := 0; i < rounds; i++ {
		b := append([]byte(nil), seeds[rng.IntN(len(seeds))]...)
		for k := rng.IntN(4); k >= 0; k-- {
			switch rng.IntN(5) {
			case 0, 1: // a byte in the headers
				j := rng.IntN(min(len(b), 80))
				b[j] = byte(rng.Uint32())
			case 2: // a nibble or flag bit, where most parsing decisions are made
				j := rng.IntN(min(len(b), 80))
				b[j] ^= 1 << rng.IntN(8)
			case 3:
				b = b[:rng.IntN(len(b)+1)]
			case 4: // turn a field into a tag, ARP or IPv4 EtherType
				if len(b) >= 24 {
					j := 12 + 4*rng.IntN(3)
					binary.BigEndian.PutUint16(b[j:], []uint16{TypeDot1Q, TypeQinQ, TypeARP, TypeIPv4}[rng.IntN(4)])
				}
			}
			if len(b) == 0 {
				break
			}
		}
		counts[checkView(t, b)]++
	}
	for r, n := range counts {
		if n == 0 {
			t.Errorf("mutations never produced %v: the generator misses a branch", Reason(r))
		}
	}
	t.Logf("reasons over %d mutated frames: %v", rounds, counts)
}

func FuzzParseVsGopacket(f *testing.F) {
	for _, b := range sortedSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add(make([]byte, 13))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkView(t, b)
	})
}
