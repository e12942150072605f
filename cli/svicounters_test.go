package cli

import (
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// udpFrame is an Ethernet/IPv4/UDP frame.
func udpFrame(t *testing.T, src, dst net.HardwareAddr, sip, dip net.IP, payload string) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: sip, DstIP: dip}
	udp := &layers.UDP{SrcPort: 1000, DstPort: 2000}
	_ = udp.SetNetworkLayerForChecksum(ip)
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestShowInterfacesVlanCounters: `show interfaces VlanN` shows that
// SVI's own packets and bytes in and out and when it last received and
// sent, not the switch's layer-3 totals.
func TestShowInterfacesVlanCounters(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "vlan 10", "vlan 20", "exit",
		"interface gi0/1", "switchport access vlan 10", "interface gi0/2", "switchport access vlan 20",
		"interface vlan 10", "ip address 10.0.10.1 255.255.255.0", "no shutdown",
		"interface vlan 20", "ip address 10.0.20.1 255.255.255.0", "no shutdown", "exit",
		"arp 10.0.20.7 0000.0000.0b07 arpa", "end")
	r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0000.0000.0b07", 0)) // B is learned on gi0/2
	for _, vlan := range []string{"10", "20"} {
		out := r.out("show interfaces vlan " + vlan)
		for _, want := range []string{"  Last input never, output never, output hang never\n",
			"     0 packets input, 0 bytes, 0 no buffer\n", "     0 packets output, 0 bytes, 0 underruns\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("Vlan%s before traffic lacks %q:\n%s", vlan, want, out)
			}
		}
	}
	rm := r.sw.RouterMAC()
	router := net.HardwareAddr(rm[:])
	in := udpFrame(t, net.HardwareAddr{0, 0, 0, 0, 0x0a, 0x05}, router, net.IP{10, 0, 10, 5}, net.IP{10, 0, 20, 7}, "routed through the SVIs")
	r.dev.sampleSVIRates(r.now)
	r.send("GigabitEthernet0/1", in)
	r.send("GigabitEthernet0/1", in)
	r.dev.sampleSVIRates(r.now.Add(rateSample))
	r.clk.Advance(65 * time.Second)
	// 130 bytes in 5 s, weighted by 1-exp(-5/300): 3 bits/sec.
	bits := int64(130 * 8 / rateSample.Seconds() * (1 - math.Exp(-rateSample.Seconds()/DefaultLoadInterval)))
	v10, v20 := r.out("show interfaces vlan 10"), r.out("show interfaces vlan 20")
	for _, want := range []string{"  Last input 00:01:05, output never, output hang never\n",
		fmt.Sprintf("  5 minute input rate %d bits/sec, 0 packets/sec\n  5 minute output rate 0 bits/sec, 0 packets/sec\n", bits),
		"     2 packets input, 130 bytes, 0 no buffer\n", "     Received 0 broadcasts (0 IP multicasts)\n",
		"     0 packets output, 0 bytes, 0 underruns\n"} {
		if !strings.Contains(v10, want) {
			t.Errorf("Vlan10 lacks %q:\n%s", want, v10)
		}
	}
	for _, want := range []string{"  Last input never, output 00:01:05, output hang never\n",
		fmt.Sprintf("  5 minute input rate 0 bits/sec, 0 packets/sec\n  5 minute output rate %d bits/sec, 0 packets/sec\n", bits),
		"     0 packets input, 0 bytes, 0 no buffer\n", "     2 packets output, 130 bytes, 0 underruns\n"} {
		if !strings.Contains(v20, want) {
			t.Errorf("Vlan20 lacks %q:\n%s", want, v20)
		}
	}
	if len(in) != 65 {
		t.Fatalf("test frame is %d bytes, the wants above count 65", len(in))
	}
}
