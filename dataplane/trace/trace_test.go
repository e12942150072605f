package trace_test

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/dataplane/trace"
)

var (
	macA  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macB  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
	bcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	ipA   = net.IP{10, 0, 10, 5}
	ipB   = net.IP{10, 0, 20, 7}
)

func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func arpRequest(t *testing.T, src net.HardwareAddr, spa, tpa net.IP) []byte {
	return serialize(t, &layers.Ethernet{SrcMAC: src, DstMAC: bcast, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: src, SourceProtAddress: spa, DstHwAddress: make([]byte, 6), DstProtAddress: tpa})
}

func udp(t *testing.T, src, dst net.HardwareAddr, ttl uint8) []byte {
	ip := &layers.IPv4{Version: 4, TTL: ttl, Protocol: layers.IPProtocolUDP, SrcIP: ipA, DstIP: ipB}
	u := &layers.UDP{SrcPort: 1000, DstPort: 2000}
	_ = u.SetNetworkLayerForChecksum(ip)
	return serialize(t, &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}, ip, u, gopacket.Payload("trace me"))
}

// TestTraceFollowsRealFrames runs a switch with its workers and control
// plane, traces port 1 both ways, and checks a bridged-and-punted ARP, a
// routed packet, a TTL-expired one and the ICMP error the switch sends
// back for it: each one packet, in order, with its stages and result.
func TestTraceFollowsRealFrames(t *testing.T) {
	sw := dataplane.New(dataplane.Config{})
	ports := map[int]*mem.Port{}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		ports[i] = mem.New(name)
		if err := sw.AddPort(name, ports[i]); err != nil {
			t.Fatal(err)
		}
		s := dataplane.DefaultPortSettings()
		s.AccessVLAN = map[int]uint16{1: 10, 2: 10, 3: 20}[i]
		if _, err := sw.SetPortSettings(name, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []uint16{10, 20} {
		if err := sw.CreateSVI(v); err != nil {
			t.Fatal(err)
		}
		if err := sw.SetSVIAddress(v, netip.MustParsePrefix(fmt.Sprintf("10.0.%d.1/24", v)), false); err != nil {
			t.Fatal(err)
		}
	}
	sw.Start()
	defer func() { _ = sw.Stop() }()
	rmac := sw.RouterMAC()
	router := net.HardwareAddr(rmac[:])

	// Host B announces itself, untraced: its port has no condition.
	ports[3].Inject(arpRequest(t, macB, ipB, net.IP{10, 0, 20, 1}))
	waitFor(t, func() bool {
		_, ok := sw.MACPort(20, [6]byte(macB))
		es, _ := sw.ARPEntries(dataplane.ARPFilter{})
		return ok && len(es) >= 1
	})
	ports[3].Sent()

	tr := trace.New(nil)
	tr.SetCondition(cam.PortID(0), trace.Both) // GigabitEthernet0/1
	tr.Start()
	detach := sw.AddObserver(tr)
	defer detach()

	ports[1].Inject(arpRequest(t, macA, ipA, net.IP{10, 0, 10, 1}))
	waitFor(t, func() bool { return len(ports[1].Sent()) > 0 }) // the ARP reply
	ports[1].Inject(udp(t, macA, router, 64))
	waitFor(t, func() bool { return len(ports[3].Sent()) > 0 })
	ports[1].Inject(udp(t, macA, router, 1))
	waitFor(t, func() bool { return len(ports[1].Sent()) > 0 }) // time exceeded

	var got []string
	waitFor(t, func() bool {
		got = got[:0]
		for _, p := range tr.Packets() {
			got = append(got, summary(p))
		}
		return len(got) >= 5
	}, &got)
	want := []string{
		"in 0 FWD out [1]: ingress parse vlan learn router l2 lookup egress", // broadcast ARP: flooded, and a copy punted
		"cpu FWD out [0]: l2 lookup egress",                                  // the ARP reply
		"in 0 FWD out [2]: ingress parse vlan learn router fib adjacency rewrite l2 lookup egress",
		"in 0 PUNT ttl expired: ingress parse vlan learn router fib adjacency",
		"cpu FWD out [0]: fib adjacency rewrite l2 lookup egress", // time exceeded
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func summary(p trace.Packet) string {
	var stages []string
	for _, s := range p.Steps {
		if len(stages) == 0 || stages[len(stages)-1] != s.Stage.String() {
			stages = append(stages, s.Stage.String())
		}
	}
	who := fmt.Sprintf("in %d", p.In)
	if p.FromCPU {
		who = "cpu"
	}
	res := p.State.String()
	if p.State == trace.StateDrop || p.State == trace.StatePunt {
		res += " " + p.Reason.String()
	} else {
		res += fmt.Sprintf(" out %v", p.Out)
	}
	return who + " " + res + ": " + strings.Join(stages, " ")
}

func waitFor(t *testing.T, cond func() bool, seen ...*[]string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			for _, s := range seen {
				t.Logf("so far:\n%s", strings.Join(*s, "\n"))
			}
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
