// Package pkttest builds test frames with gopacket, so that tests of the
// pipeline, the CLI and the tables check the switch against packets made by
// an independent encoder rather than by the switch's own code.
package pkttest

import (
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Serialize encodes layers with lengths and checksums filled in.
func Serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// L4 builds an untagged IPv4 frame from sip to dip carrying a TCP SYN
// (proto "tcp") or a UDP datagram from port 40000 to dport, or an ICMP echo
// request (any other proto), with payload.
func L4(t testing.TB, src, dst net.HardwareAddr, sip, dip net.IP, proto string, dport uint16, payload string) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: sip.To4(), DstIP: dip.To4()}
	var l4 gopacket.SerializableLayer
	switch proto {
	case "tcp":
		ip.Protocol = layers.IPProtocolTCP
		tcp := &layers.TCP{SrcPort: 40000, DstPort: layers.TCPPort(dport), SYN: true, Window: 1000}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		l4 = tcp
	case "udp":
		ip.Protocol = layers.IPProtocolUDP
		udp := &layers.UDP{SrcPort: 40000, DstPort: layers.UDPPort(dport)}
		_ = udp.SetNetworkLayerForChecksum(ip)
		l4 = udp
	default:
		ip.Protocol = layers.IPProtocolICMPv4
		l4 = &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 1, Seq: 1}
	}
	return Serialize(t, eth, ip, l4, gopacket.Payload(payload))
}
