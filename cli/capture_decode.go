package cli

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/capture"
)

// The packet display of `show monitor capture NAME buffer`: IOS-XE runs
// tshark over the buffer, so the brief form is tshark's one-line summary
// and the detailed form its protocol tree and hex dump. Decoding is
// gopacket's: this is the slow path, run by a show command.

// decoded is what the summary line needs of a packet.
type decoded struct {
	src, dst, proto, info string
}

// decodePacket names the endpoints, the top protocol and a tshark-like
// info text of frame b.
func decodePacket(b []byte) decoded {
	pkt := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	var d decoded
	eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if eth == nil {
		return decoded{src: "?", dst: "?", proto: "Frame", info: "Malformed Ethernet"}
	}
	d.src, d.dst = eth.SrcMAC.String(), eth.DstMAC.String()
	d.proto, d.info = fmt.Sprintf("0x%04x", uint16(eth.EthernetType)), "Ethernet II"
	if eth.EthernetType == layers.EthernetTypeLLC || eth.Length > 0 && eth.EthernetType < 0x0600 {
		d.proto, d.info = "LLC", "Logical-Link Control"
	}
	if q, ok := pkt.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q); ok {
		d.proto, d.info = fmt.Sprintf("0x%04x", uint16(q.Type)), fmt.Sprintf("802.1Q Virtual LAN, PRI: %d, DEI: %d, ID: %d", q.Priority, b2i(q.DropEligible), q.VLANIdentifier)
	}
	if a, ok := pkt.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
		d.proto = "ARP"
		spa, tpa := net.IP(a.SourceProtAddress), net.IP(a.DstProtAddress)
		switch {
		case a.Operation == layers.ARPRequest && spa.Equal(tpa):
			d.info = fmt.Sprintf("Gratuitous ARP for %s (Request)", spa)
		case a.Operation == layers.ARPRequest:
			d.info = fmt.Sprintf("Who has %s? Tell %s", tpa, spa)
		default:
			d.info = fmt.Sprintf("%s is at %s", spa, net.HardwareAddr(a.SourceHwAddress))
		}
		return d
	}
	ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if !ok {
		return d
	}
	d.src, d.dst = ip.SrcIP.String(), ip.DstIP.String()
	d.proto, d.info = "IPv4", ip.Protocol.String()
	switch t := pkt.TransportLayer().(type) {
	case *layers.TCP:
		d.proto = "TCP"
		d.info = fmt.Sprintf("%d -> %d [%s] Seq=%d", t.SrcPort, t.DstPort, tcpFlags(t), t.Seq)
		if t.ACK {
			d.info += fmt.Sprintf(" Ack=%d", t.Ack)
		}
		d.info += fmt.Sprintf(" Win=%d Len=%d", t.Window, len(t.Payload))
		return d
	case *layers.UDP:
		d.proto = "UDP"
		d.info = fmt.Sprintf("%d -> %d Len=%d", t.SrcPort, t.DstPort, max(int(t.Length)-8, 0))
		return d
	}
	if ic, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
		d.proto = "ICMP"
		d.info = icmpInfo(ic, ip)
	}
	if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		d.info = fmt.Sprintf("Fragmented IP protocol (proto=%s %d, off=%d, ID=%04x)", ip.Protocol, ip.Protocol, int(ip.FragOffset)*8, ip.Id)
	}
	return d
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// icmpInfo is tshark's ICMP info text.
func icmpInfo(ic *layers.ICMPv4, ip *layers.IPv4) string {
	typ := ic.TypeCode.Type()
	switch typ {
	case layers.ICMPv4TypeEchoRequest, layers.ICMPv4TypeEchoReply:
		what := "request"
		if typ == layers.ICMPv4TypeEchoReply {
			what = "reply  "
		}
		return fmt.Sprintf("Echo (ping) %s  id=0x%04x, seq=%d/%d, ttl=%d", what, ic.Id, ic.Seq, ic.Seq>>8|ic.Seq<<8, ip.TTL)
	case layers.ICMPv4TypeDestinationUnreachable:
		return "Destination unreachable (" + ic.TypeCode.String() + ")"
	case layers.ICMPv4TypeTimeExceeded:
		return "Time-to-live exceeded (Time to live exceeded in transit)"
	}
	return ic.TypeCode.String()
}

func tcpFlags(t *layers.TCP) string {
	var f []string
	for _, x := range []struct {
		on   bool
		name string
	}{{t.FIN, "FIN"}, {t.SYN, "SYN"}, {t.RST, "RST"}, {t.PSH, "PSH"}, {t.ACK, "ACK"}, {t.URG, "URG"}} {
		if x.on {
			f = append(f, x.name)
		}
	}
	return strings.Join(f, ", ")
}

// packetSummary is one line of the brief display:
//
//	1   0.000000   10.0.0.1 -> 10.0.0.2  ICMP 98 Echo (ping) request  id=0x0001, seq=1/256, ttl=64
func packetSummary(num int, p *capture.Packet, first time.Time) string {
	d := decodePacket(p.Data)
	return fmt.Sprintf("%3d %10.6f %10s -> %-9s %s %d %s", num, p.Time.Sub(first).Seconds(), d.src, d.dst, d.proto, p.Len, d.info)
}

// writePacketDetail is one packet of the detailed display: the frame, a
// line per layer with its main fields, and the hex dump.
func writePacketDetail(b *strings.Builder, num int, p *capture.Packet, first time.Time, names map[cam.PortID]string) {
	fmt.Fprintf(b, "Frame %d: %d bytes on wire (%d bits), %d bytes captured (%d bits) on interface %s\n",
		num, p.Len, p.Len*8, len(p.Data), len(p.Data)*8, names[p.Port])
	fmt.Fprintf(b, "    Arrival Time: %s\n", p.Time.UTC().Format("Jan _2, 2006 15:04:05.000000000 MST"))
	fmt.Fprintf(b, "    [Time since reference or first frame: %.9f seconds]\n", p.Time.Sub(first).Seconds())
	fmt.Fprintf(b, "    Frame Number: %d\n    Frame Length: %d bytes (%d bits)\n    Capture Length: %d bytes (%d bits)\n",
		num, p.Len, p.Len*8, len(p.Data), len(p.Data)*8)
	if c := p.Comment(); c != "" {
		fmt.Fprintf(b, "    Comment: %s\n", c)
	}
	pkt := gopacket.NewPacket(p.Data, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true})
	var protos []string
	for _, l := range pkt.Layers() {
		protos = append(protos, strings.ToLower(l.LayerType().String()))
	}
	fmt.Fprintf(b, "    [Protocols in frame: %s]\n", strings.Join(protos, ":"))
	for _, l := range pkt.Layers() {
		switch l := l.(type) {
		case *layers.Ethernet:
			fmt.Fprintf(b, "Ethernet II, Src: %s, Dst: %s\n    Destination: %s\n    Source: %s\n    Type: %s (0x%04x)\n",
				l.SrcMAC, l.DstMAC, l.DstMAC, l.SrcMAC, l.EthernetType, uint16(l.EthernetType))
		case *layers.Dot1Q:
			fmt.Fprintf(b, "802.1Q Virtual LAN, PRI: %d, DEI: %d, ID: %d\n    Type: %s (0x%04x)\n",
				l.Priority, b2i(l.DropEligible), l.VLANIdentifier, l.Type, uint16(l.Type))
		case *layers.ARP:
			fmt.Fprintf(b, "Address Resolution Protocol (%s)\n    Sender MAC address: %s\n    Sender IP address: %s\n    Target MAC address: %s\n    Target IP address: %s\n",
				map[uint16]string{layers.ARPRequest: "request", layers.ARPReply: "reply"}[l.Operation],
				net.HardwareAddr(l.SourceHwAddress), net.IP(l.SourceProtAddress), net.HardwareAddr(l.DstHwAddress), net.IP(l.DstProtAddress))
		case *layers.IPv4:
			fmt.Fprintf(b, "Internet Protocol Version 4, Src: %s, Dst: %s\n    Total Length: %d\n    Identification: 0x%04x (%d)\n    Time to Live: %d\n    Protocol: %s (%d)\n    Header Checksum: 0x%04x\n",
				l.SrcIP, l.DstIP, l.Length, l.Id, l.Id, l.TTL, l.Protocol, l.Protocol, l.Checksum)
		case *layers.ICMPv4:
			fmt.Fprintf(b, "Internet Control Message Protocol\n    Type: %d\n    Code: %d\n    Checksum: 0x%04x\n",
				l.TypeCode.Type(), l.TypeCode.Code(), l.Checksum)
			if t := l.TypeCode.Type(); t == layers.ICMPv4TypeEchoRequest || t == layers.ICMPv4TypeEchoReply {
				fmt.Fprintf(b, "    Identifier (BE): %d (0x%04x)\n    Sequence Number (BE): %d (0x%04x)\n", l.Id, l.Id, l.Seq, l.Seq)
			}
		case *layers.UDP:
			fmt.Fprintf(b, "User Datagram Protocol, Src Port: %d, Dst Port: %d\n    Length: %d\n    Checksum: 0x%04x\n",
				l.SrcPort, l.DstPort, l.Length, l.Checksum)
		case *layers.TCP:
			fmt.Fprintf(b, "Transmission Control Protocol, Src Port: %d, Dst Port: %d, Seq: %d, Len: %d\n    Flags: [%s]\n    Window: %d\n",
				l.SrcPort, l.DstPort, l.Seq, len(l.Payload), tcpFlags(l), l.Window)
		case gopacket.Payload:
			fmt.Fprintf(b, "Data (%d bytes)\n", len(l))
		}
	}
	b.WriteString("\n")
	writeHexDump(b, p.Data)
	b.WriteString("\n")
}

// writeHexDump is tshark's -x dump: offset, 16 bytes, their ASCII.
func writeHexDump(b *strings.Builder, data []byte) {
	for off := 0; off < len(data); off += 16 {
		row := data[off:min(off+16, len(data))]
		fmt.Fprintf(b, "%04x  ", off)
		for i := range 16 {
			if i < len(row) {
				fmt.Fprintf(b, "%02x ", row[i])
			} else {
				b.WriteString("   ")
			}
		}
		b.WriteString("  ")
		for _, c := range row {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b.WriteByte(c)
		}
		b.WriteString("\n")
	}
}
