package dataplane

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// TestProbe: the switch's echo leaves from the egress SVI with the size
// and DF bit asked, and the reply, an ICMP error quoting a UDP probe, or
// nothing are told apart.
func TestProbe(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	g.got()
	dst := netip.AddrFrom4([4]byte(ipB.To4()))
	run := func(p Probe) <-chan ProbeResult {
		out := make(chan ProbeResult, 1)
		go func() {
			r, err := g.sw.Probe(context.Background(), p)
			if err != nil {
				t.Error(err)
			}
			out <- r
		}()
		return out
	}
	sent := func() gopacket.Packet {
		t.Helper()
		for range 500 {
			if fs := g.ports[ifName(3)].Sent(); len(fs) > 0 {
				return decode(fs[0])
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Fatal("no probe sent")
		return nil
	}
	answer := func(ls ...gopacket.SerializableLayer) {
		g.send(3, serialize(t, append([]gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: macB, DstMAC: g.routerMAC(), EthernetType: layers.EthernetTypeIPv4}}, ls...)...))
		g.cpu()
	}

	res := run(Probe{Dst: dst, Size: 200, DF: true})
	p := sent()
	ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	echo := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if !ip.SrcIP.Equal(net.IP{10, 0, 20, 1}) || ip.Length != 200 || ip.Flags&layers.IPv4DontFragment == 0 || echo.TypeCode.Type() != layers.ICMPv4TypeEchoRequest {
		t.Errorf("probe %v %v", ip, echo)
	}
	answer(&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: ipB, DstIP: ip.SrcIP},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: echo.Id, Seq: echo.Seq}, gopacket.Payload(echo.Payload))
	if r := <-res; r.Answer != AnswerEchoReply || r.From != dst || r.Source != netip.MustParseAddr("10.0.20.1") {
		t.Errorf("echo: %+v", r)
	}

	// A UDP probe with TTL 1, answered with time exceeded quoting it.
	res = run(Probe{Dst: dst, SrcVLAN: 10, TTL: 1, UDPPort: 33434})
	p = sent()
	ip = p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if u, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); !ok || u.DstPort != 33434 || ip.TTL != 1 || !ip.SrcIP.Equal(net.IP{10, 0, 10, 1}) {
		t.Fatalf("udp probe %v", p)
	}
	quote := ip.Contents
	quote = append(append([]byte(nil), quote...), ip.Payload[:8]...)
	answer(&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: ipB, DstIP: ip.SrcIP},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeTimeExceeded, 0)}, gopacket.Payload(quote))
	if r := <-res; r.Answer != AnswerTimeExceeded || r.From != dst {
		t.Errorf("time exceeded: %+v", r)
	}

	// Unanswered.
	if r := <-run(Probe{Dst: dst, Timeout: 30 * time.Millisecond}); r.Answer != AnswerNone {
		t.Errorf("unanswered: %+v", r)
	}
	if _, err := g.sw.Probe(context.Background(), Probe{Dst: dst, Size: 20}); err == nil {
		t.Error("a 20-byte probe was sent")
	}
}
