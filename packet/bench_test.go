package packet

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// The benchmark frame is what the pipeline sees most: an 802.1Q-tagged
// TCP segment whose ports an ACL reads.
func benchFrame(b *testing.B) []byte {
	return serialize(b, ethL(layers.EthernetTypeDot1Q), dot1q(0, false, 10, layers.EthernetTypeIPv4),
		ip4(layers.IPProtocolTCP), tcpL(49152, 443), gopacket.Payload(make([]byte, 64)))
}

func BenchmarkParse(b *testing.B) {
	f := benchFrame(b)
	var v View
	var sink uint64
	b.ReportAllocs()
	for b.Loop() {
		if v.Parse(f) != ReasonNone {
			b.Fatal("bench frame rejected")
		}
		sink += v.DstUint64() + uint64(v.VID()) + uint64(v.SrcIP()^v.DstIP()) + uint64(v.SrcPort()^v.DstPort()) + uint64(v.TCPFlags())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
	_ = sink
}

// BenchmarkGopacketDecode decodes the same frame the way the oracle does
// (NewPacket, NoCopy) and reads the same fields.
func BenchmarkGopacketDecode(b *testing.B) {
	f := benchFrame(b)
	var sink uint64
	b.ReportAllocs()
	for b.Loop() {
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true, Lazy: false})
		eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		d := p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		sink += uint64(eth.DstMAC[5]) + uint64(d.VLANIdentifier) + uint64(ip.SrcIP[3]^ip.DstIP[3]) + uint64(tcp.SrcPort^tcp.DstPort)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
	_ = sink
}

// BenchmarkGopacketDecodingLayerParser is gopacket at its fastest: reused
// layers, no Packet object.
func BenchmarkGopacketDecodingLayerParser(b *testing.B) {
	f := benchFrame(b)
	var (
		eth     layers.Ethernet
		d       layers.Dot1Q
		ip      layers.IPv4
		tcp     layers.TCP
		payload gopacket.Payload
		sink    uint64
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &d, &ip, &tcp, &payload)
	parser.IgnoreUnsupported = true // TLS on 443 is not decoded here
	decoded := make([]gopacket.LayerType, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		if err := parser.DecodeLayers(f, &decoded); err != nil {
			b.Fatal(err)
		}
		sink += uint64(eth.DstMAC[5]) + uint64(d.VLANIdentifier) + uint64(ip.SrcIP[3]^ip.DstIP[3]) + uint64(tcp.SrcPort^tcp.DstPort)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
	_ = sink
}
