package capture_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	ngpcapgo "github.com/gopacket/gopacket/pcapgo"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/capture"
	"github.com/l2sw/l2sw/dataplane/port/mem"
	"github.com/l2sw/l2sw/tcam/acl"
)

var (
	macA  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macB  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
	bcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// udp is a UDP datagram from 10.0.10.5:1000 to dstIP:dport.
func udp(t *testing.T, src, dst net.HardwareAddr, dstIP net.IP, dport uint16, vlan uint16) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 10, 5}, DstIP: dstIP}
	u := &layers.UDP{SrcPort: 1000, DstPort: layers.UDPPort(dport)}
	_ = u.SetNetworkLayerForChecksum(ip)
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	if vlan != 0 {
		eth.EthernetType = layers.EthernetTypeDot1Q
		return serialize(t, eth, &layers.Dot1Q{VLANIdentifier: vlan, Type: layers.EthernetTypeIPv4}, ip, u, gopacket.Payload("capture me"))
	}
	return serialize(t, eth, ip, u, gopacket.Payload("capture me"))
}

// lab is a running switch with three access ports in VLAN 10
// (GigabitEthernet0/1-3, port IDs 0-2) and an SVI 10.0.10.1/24.
type lab struct {
	sw    *dataplane.Switch
	ports []*mem.Port
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{sw: dataplane.New(dataplane.Config{})}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("GigabitEthernet0/%d", i)
		p := mem.New(name)
		l.ports = append(l.ports, p)
		if err := l.sw.AddPort(name, p); err != nil {
			t.Fatal(err)
		}
		s := dataplane.DefaultPortSettings()
		s.AccessVLAN = 10
		if _, err := l.sw.SetPortSettings(name, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.sw.CreateSVI(10); err != nil {
		t.Fatal(err)
	}
	if err := l.sw.SetSVIAddress(10, netip.MustParsePrefix("10.0.10.1/24"), false); err != nil {
		t.Fatal(err)
	}
	l.sw.Start()
	t.Cleanup(func() { _ = l.sw.Stop() })
	return l
}

// attach runs a session of cfg into sink while the test runs.
func (l *lab) attach(t *testing.T, cfg capture.Config, sink capture.Sink, onStop func()) *capture.Session {
	s := capture.NewSession(cfg, sink, nil, onStop)
	t.Cleanup(l.sw.AddObserver(s))
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func describe(ps []capture.Packet) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "port %d %s %d bytes %s\n", p.Port, p.Point, p.Len, p.Comment())
	}
	return b.String()
}

// TestCapturePointsAndFilter: ingress on Gi0/1, egress on Gi0/2, a UDP
// port 2000 filter. A flooded datagram is captured once as Gi0/1 received
// it and once as Gi0/2 sent it, byte for byte, never on Gi0/3 (no point
// there); a datagram to another port is not captured at all.
func TestCapturePointsAndFilter(t *testing.T) {
	l := newLab(t)
	m, err := capture.ParseMatch(strings.Fields("match ipv4 protocol udp any any eq 2000"))
	if err != nil {
		t.Fatal(err)
	}
	buf := capture.NewBuffer(1<<20, 0, false)
	l.attach(t, capture.Config{Ports: map[cam.PortID]capture.Point{0: capture.Ingress, 1: capture.Egress}, Match: m}, buf, nil)

	other := udp(t, macA, macB, net.IP{10, 0, 10, 7}, 3000, 0)
	want := udp(t, macA, macB, net.IP{10, 0, 10, 7}, 2000, 0)
	l.ports[0].Inject(other, want)
	waitFor(t, "the floods", func() bool { return len(buf.Packets()) >= 2 })
	time.Sleep(20 * time.Millisecond) // room for a wrong third packet
	got := buf.Packets()
	if d := describe(got); d != "port 0 ingress 60 bytes \nport 1 egress 60 bytes \n" {
		t.Fatalf("captured:\n%s", d)
	}
	for _, p := range got {
		if !bytes.Equal(p.Data, want) {
			t.Errorf("port %d %s: % x, want % x", p.Port, p.Point, p.Data, want)
		}
		if p.Time.IsZero() {
			t.Errorf("port %d: no timestamp", p.Port)
		}
	}
}

// TestCaptureDropsCarryReason: a drop capture on every port keeps the
// frame as it was received, with the stage and reason: a tagged frame on
// an access port (VLAN stage) and a routed packet to a null route, whose
// adjacency stage holds only the IPv4 packet but whose capture is the
// whole frame. Forwarded frames are not drops.
func TestCaptureDropsCarryReason(t *testing.T) {
	l := newLab(t)
	if err := l.sw.AddStaticRoute(dataplane.StaticRoute{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Interface: "Null0"}); err != nil {
		t.Fatal(err)
	}
	buf := capture.NewBuffer(1<<20, 0, false)
	l.attach(t, capture.Config{AllPorts: capture.Drop, Match: capture.MatchAny()}, buf, nil)

	tagged := udp(t, macA, bcast, net.IP{10, 0, 10, 255}, 2000, 30)
	rmac := l.sw.RouterMAC()
	nullRoute := udp(t, macA, net.HardwareAddr(rmac[:]), net.IP{192, 0, 2, 1}, 2000, 0)
	l.ports[0].Inject(udp(t, macA, macB, net.IP{10, 0, 10, 7}, 2000, 0)) // flooded: no drop
	l.ports[1].Inject(tagged)
	waitFor(t, "the vlan drop", func() bool { return len(buf.Packets()) >= 1 })
	l.ports[0].Inject(nullRoute)
	waitFor(t, "the null route drop", func() bool { return len(buf.Packets()) >= 2 })
	got := buf.Packets()
	want := "port 1 drop 60 bytes drop: vlan not allowed (stage vlan)\nport 0 drop 60 bytes drop: null route (stage adjacency)\n"
	if d := describe(got); d != want {
		t.Fatalf("captured:\n%swant:\n%s", d, want)
	}
	if !bytes.Equal(got[0].Data, tagged) || !bytes.Equal(got[1].Data, nullRoute) {
		t.Errorf("drops not as received:\n% x\n% x", got[0].Data, got[1].Data)
	}
}

// TestCaptureACLFilter: an access-list filter keeps what the list
// permits, first match wins.
func TestCaptureACLFilter(t *testing.T) {
	l := newLab(t)
	list, err := acl.ParseList("CAP", acl.Extended, "deny udp any any eq 3000", "permit udp any host 10.0.10.7")
	if err != nil {
		t.Fatal(err)
	}
	buf := capture.NewBuffer(1<<20, 0, false)
	l.attach(t, capture.Config{Ports: map[cam.PortID]capture.Point{0: capture.Ingress}, Match: capture.ACLMatch(list)}, buf, nil)
	l.ports[0].Inject(udp(t, macA, macB, net.IP{10, 0, 10, 7}, 3000, 0), udp(t, macA, macB, net.IP{10, 0, 10, 8}, 2000, 0),
		udp(t, macA, macB, net.IP{10, 0, 10, 7}, 2000, 0))
	waitFor(t, "the permitted packet", func() bool { return len(buf.Packets()) >= 1 })
	time.Sleep(20 * time.Millisecond)
	got := buf.Packets()
	if len(got) != 1 || got[0].Data[33] != 7 || got[0].Data[37] != byte(2000&0xff) {
		t.Fatalf("captured:\n%s", describe(got))
	}
}

// TestCaptureLimits: a linear buffer of 3 packets takes 3 and stops the
// session (onStop runs once); a circular one keeps the newest 3.
func TestCaptureLimits(t *testing.T) {
	l := newLab(t)
	linear := capture.NewBuffer(1<<20, 3, false)
	circular := capture.NewBuffer(1<<20, 3, true)
	var stops atomic.Int32
	s := l.attach(t, capture.Config{Ports: map[cam.PortID]capture.Point{0: capture.Ingress}, Match: capture.MatchAny()}, linear, func() { stops.Add(1) })
	l.attach(t, capture.Config{Ports: map[cam.PortID]capture.Point{0: capture.Ingress}, Match: capture.MatchAny()}, circular, nil)
	for i := range 10 {
		l.ports[0].Inject(udp(t, macA, macB, net.IP{10, 0, 10, 7}, uint16(2000+i), 0))
	}
	waitFor(t, "the last packet", func() bool {
		ps := circular.Packets()
		return len(ps) == 3 && ps[2].Data[37] == byte((2000+9)&0xff)
	})
	waitFor(t, "the stop", func() bool { return stops.Load() == 1 && s.Stopped() })
	if n := len(linear.Packets()); n != 3 {
		t.Errorf("linear buffer kept %d packets", n)
	}
	if first := linear.Packets()[0].Data[37]; first != byte(2000&0xff) {
		t.Errorf("linear buffer's first packet is to port ...%d", first)
	}
	if _, kept, shed := circular.Stats(); kept != 3 || shed != 7 {
		t.Errorf("circular buffer: kept %d, shed %d", kept, shed)
	}

	small := capture.NewBuffer(200, 0, false) // room for one 60-byte frame and its overhead
	p := capture.Packet{Data: make([]byte, 60), Len: 60}
	if !small.Add(p) || small.Add(p) {
		t.Errorf("a 200-byte buffer took the second packet")
	}
}

// TestNgWriterCommentsReadBack: packets written with NgWriter read back
// with the fork's NgReader on their port's interface, the interface
// names kept, a drop's comment and the directions in the EPB flags.
func TestNgWriterCommentsReadBack(t *testing.T) {
	var b bytes.Buffer
	w, err := capture.NewNgWriter(&b, []capture.Interface{{Port: 0, Name: "GigabitEthernet0/1"}, {Port: 4, Name: "GigabitEthernet0/5"}}, "l2sw test")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 123456789, time.UTC)
	in := []capture.Packet{
		{Time: at, Port: 4, Point: capture.Egress, Len: 60, Data: bytes.Repeat([]byte{1}, 60)},
		{Time: at.Add(time.Millisecond), Port: 0, Point: capture.Drop, Stage: dataplane.StageVLAN, Reason: dataplane.ReasonVLANNotAllowed, Len: 64, Data: bytes.Repeat([]byte{2}, 64)},
	}
	for i := range in {
		if err := w.WritePacket(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WritePacket(&capture.Packet{Port: 9, Data: []byte{0}}); err == nil {
		t.Error("a packet on a port without an interface was written")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := ngpcapgo.NewNgReader(&b, ngpcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		data, ci, opts, err := r.ReadPacketDataWithOptions()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		intf, _ := r.Interface(ci.InterfaceIndex)
		got = append(got, fmt.Sprintf("%s %d %v dir=%d %q", intf.Name, len(data), ci.Timestamp.UTC().Format(time.StampNano), opts.Flags.Direction, opts.Comments))
	}
	want := []string{
		`GigabitEthernet0/5 60 Mar  1 00:00:00.123456789 dir=2 []`,
		`GigabitEthernet0/1 64 Mar  1 00:00:00.124456789 dir=1 ["drop: vlan not allowed (stage vlan)"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("read back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseMatch: the EPC filter words, abbreviated, read and render back.
func TestParseMatch(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"match any", "match any"},
		{"any", "match any"},
		{"m i a a", "match ipv4 any any"},
		{"match ipv4 host 10.0.0.1 10.0.0.0/8", "match ipv4 host 10.0.0.1 10.0.0.0/8"},
		{"match ipv4 10.1.2.3/24 0.0.0.0/0", "match ipv4 10.1.2.0/24 any"},
		{"match ipv4 protocol udp any eq 53 host 10.0.0.2 eq 1000", "match ipv4 protocol udp any eq 53 host 10.0.0.2 eq 1000"},
		{"ipv4 protocol icmp any any", "match ipv4 protocol icmp any any"},
		{"ipv4 protocol 89 any any", "match ipv4 protocol 89 any any"},
	} {
		m, err := capture.ParseMatch(strings.Fields(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if m.String() != c.want {
			t.Errorf("%q renders %q, want %q", c.in, m.String(), c.want)
		}
	}
	for _, bad := range []string{"", "match", "match ipv4 any", "match ipv4 host 1.2.3 any", "match ipv4 any any eq 80",
		"match ipv4 protocol icmp any eq 1 any", "match any any", "match ipv4 protocol gre any any", "match ipv4 any any extra"} {
		if _, err := capture.ParseMatch(strings.Fields(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if name, ok := capture.ParseACLName([]string{"access-list", "CAP"}); !ok || name != "CAP" {
		t.Errorf("access-list CAP: %q %v", name, ok)
	}
}

// TestCircularBufferWraps: a circular buffer that grows, wraps and sheds
// keeps the newest packets in order, each with its own bytes.
func TestCircularBufferWraps(t *testing.T) {
	b := capture.NewBuffer(1<<20, 100, true)
	for i := range 1000 {
		if !b.Add(capture.Packet{Len: 2, Data: []byte{byte(i), byte(i >> 8)}}) {
			t.Fatal("a circular buffer refused a packet")
		}
		if i == 30 { // before it wraps: grows in order
			if ps := b.Packets(); len(ps) != 31 || ps[30].Data[0] != 30 {
				t.Fatalf("after 31 packets: %d kept", len(ps))
			}
		}
	}
	ps := b.Packets()
	for i, p := range ps {
		if n := int(p.Data[0]) | int(p.Data[1])<<8; n != 900+i {
			t.Fatalf("packet %d is number %d, want %d", i, n, 900+i)
		}
	}
	if _, kept, shed := b.Stats(); kept != 100 || shed != 900 {
		t.Errorf("kept %d, shed %d", kept, shed)
	}
	b.Clear()
	if len(b.Packets()) != 0 {
		t.Error("cleared buffer keeps packets")
	}
}
