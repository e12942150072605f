package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	ngpcapgo "github.com/gopacket/gopacket/pcapgo"

	"github.com/l2sw/l2sw/cli/remote"
)

// echo is an ICMP echo request (or reply) between two hosts of one
// subnet, 98 bytes like a Linux ping.
func echo(t *testing.T, src, dst string, srcIP, dstIP net.IP, reply bool) []byte {
	t.Helper()
	s, _ := net.ParseMAC(src)
	d, _ := net.ParseMAC(dst)
	typ := layers.ICMPv4TypeEchoRequest
	if reply {
		typ = layers.ICMPv4TypeEchoReply
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&layers.Ethernet{SrcMAC: s, DstMAC: d, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: srcIP, DstIP: dstIP},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(uint8(typ), 0), Id: 1, Seq: 1},
		gopacket.Payload(make([]byte, 56)))
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	hostA = net.IP{10, 0, 0, 1}
	hostB = net.IP{10, 0, 0, 2}
)

// TestMonitorCapture: an EPC capture point on Gi0/1 both ways with an
// ICMP filter shows its configuration in the IOS-XE layout, captures a
// ping's request as Gi0/1 received it and the reply as Gi0/1 sent it (not
// the other ports' copies, not a non-IP frame), lists them in the brief
// and detailed displays, and exports a pcap file that reads back.
func TestMonitorCapture(t *testing.T) {
	r := newRig(t)
	r.out("monitor capture CAP interface gi0/1 both", "monitor capture CAP match ipv4 protocol icmp any any")
	want := `
Status Information for Capture CAP
  Target Type:
   Interface: GigabitEthernet0/1, Direction: BOTH
   Status : Inactive
  Filter Details:
   IPv4
    Source IP:  any
    Destination IP:  any
   Protocol: icmp
  Buffer Details:
   Buffer Type: LINEAR (default)
   Buffer Size (in MB): 10
  Limit Details:
   Number of Packets to capture: 0 (no limit)
   Packet Capture duration: 0 (no limit)
   Packet Size to capture: 0 (no limit)
   Packet sampling rate: 0 (no sampling)
`
	if got := r.out("show monitor capture CAP"); got != want {
		t.Errorf("show monitor capture CAP:\n%s\nwant:\n%s", got, want)
	}
	if got := r.out("monitor capture CAP start"); got != "Started capture point : CAP\n" {
		t.Errorf("start: %q", got)
	}
	if s := r.out("show monitor capture CAP"); !strings.Contains(s, "   Status : Active\n") {
		t.Errorf("active capture:\n%s", s)
	}
	const a, b = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
	r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0200.0000.000b", 0)) // b is learned on Gi0/2
	r.send("GigabitEthernet0/1", echo(t, a, b, hostA, hostB, false))
	r.send("GigabitEthernet0/1", frame("0200.0000.000b", "0200.0000.000a", 0)) // not IPv4: filtered
	r.send("GigabitEthernet0/2", echo(t, b, a, hostB, hostA, true))
	r.send("GigabitEthernet0/3", echo(t, "02:00:00:00:00:0c", b, net.IP{10, 0, 0, 3}, hostB, false)) // not through Gi0/1

	brief := r.out("show monitor capture CAP buffer brief")
	for _, re := range []string{
		`(?m)^  1   0\.000000   10\.0\.0\.1 -> 10\.0\.0\.2  ICMP 98 Echo \(ping\) request  id=0x0001, seq=1/256, ttl=64$`,
		`(?m)^  2   0\.000000   10\.0\.0\.2 -> 10\.0\.0\.1  ICMP 98 Echo \(ping\) reply    id=0x0001, seq=1/256, ttl=64$`,
	} {
		if !regexp.MustCompile(re).MatchString(brief) {
			t.Errorf("brief lacks %s:\n%s", re, brief)
		}
	}
	if n := strings.Count(brief, "ICMP"); n != 2 {
		t.Errorf("brief shows %d packets, want 2:\n%s", n, brief)
	}
	detail := r.out("show monitor capture CAP buffer detailed")
	for _, w := range []string{"Frame 1: 98 bytes on wire (784 bits), 98 bytes captured (784 bits) on interface GigabitEthernet0/1",
		"Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2", "Internet Control Message Protocol\n    Type: 8",
		"0000  02 00 00 00 00 0b 02 00 00 00 00 0a 08 00 45 00   ..............E."} {
		if !strings.Contains(detail, w) {
			t.Errorf("detailed lacks %q:\n%s", w, detail)
		}
	}

	stop := r.out("monitor capture CAP stop")
	if !strings.Contains(stop, "\tPackets received - 2\n") || !strings.HasSuffix(stop, "Stopped capture point : CAP\n") {
		t.Errorf("stop:\n%s", stop)
	}
	logs := logText(r)
	for _, w := range []string{"%BUFCAP-6-ENABLE: Capture Point CAP enabled.", "%BUFCAP-6-DISABLE: Capture Point CAP disabled."} {
		if !strings.Contains(logs, w) {
			t.Errorf("log lacks %s:\n%s", w, logs)
		}
	}
	r.send("GigabitEthernet0/1", echo(t, a, b, hostA, hostB, false)) // stopped: not captured

	if got := r.out("monitor capture CAP export flash:cap.pcap"); got != "Exported Successfully\n" {
		t.Errorf("export: %q", got)
	}
	f, err := os.Open(filepath.Join(filepath.Dir(r.path), "cap.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		data, _, err := pr.ReadPacketData()
		if err != nil {
			break
		}
		if len(data) != 98 {
			t.Errorf("exported packet %d: %d bytes", n+1, len(data))
		}
		n++
	}
	if n != 2 {
		t.Errorf("export holds %d packets, want 2", n)
	}

	r.out("monitor capture CAP clear")
	if got := r.out("show monitor capture CAP buffer brief"); strings.Contains(got, "ICMP") {
		t.Errorf("cleared buffer:\n%s", got)
	}
	r.out("no monitor capture CAP")
	if res := r.run("show monitor capture CAP"); !strings.Contains(res.Output, "Capture point CAP does not exist") {
		t.Errorf("deleted capture: %s", res.Output)
	}
}

// TestMonitorCaptureLimitAndACL: a capture with an access-list filter and
// `limit packets 2` keeps the two permitted packets, then stops by itself
// with the IOS-XE message.
func TestMonitorCaptureLimitAndACL(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "ip access-list extended CAPACL", "permit icmp any host 10.0.0.2", "end")
	r.out("monitor capture C2 interface gi0/1 in", "monitor capture C2 access-list CAPACL", "monitor capture C2 limit packets 2")
	if s := r.out("show monitor capture C2"); !strings.Contains(s, "   Access-list: CAPACL\n") ||
		!strings.Contains(s, "   Interface: GigabitEthernet0/1, Direction: IN\n") || !strings.Contains(s, "   Number of Packets to capture: 2\n") {
		t.Errorf("show:\n%s", s)
	}
	r.out("monitor capture C2 start")
	const a, b = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
	for range 2 {
		r.send("GigabitEthernet0/1", echo(t, a, b, hostA, net.IP{10, 0, 0, 9}, false)) // denied
		r.send("GigabitEthernet0/1", echo(t, a, b, hostA, hostB, false))
	}
	waitUntil(t, func() bool { return strings.Contains(r.out("show monitor capture C2"), "Status : Inactive") })
	if n := strings.Count(r.out("show monitor capture C2 buffer"), "-> 10.0.0.2"); n != 2 {
		t.Errorf("buffer holds %d packets to 10.0.0.2", n)
	}
	if logs := logText(r); !strings.Contains(logs, "%BUFCAP-6-DISABLE_ASYNC: Capture Point C2 disabled. Reason : Buffer Full") {
		t.Errorf("log:\n%s", logs)
	}
}

// TestMonitorCaptureErrors: IOS error texts for bad input and for
// commands the capture point's state refuses.
func TestMonitorCaptureErrors(t *testing.T) {
	r := newRig(t)
	for _, c := range []struct{ line, want string }{
		{"monitor capture X interface gi0/1 sideways", "% Invalid input detected at '^' marker."},
		{"monitor capture X limit packets 0", "% Invalid input detected at '^' marker."},
		{"monitor capture X buffer size 101", "% Invalid input detected at '^' marker."},
		{"monitor capture X match ipv4 any", "% Incomplete command."},
		{"monitor capture X match ipv4 10.0.0.0/33 any", "% Invalid prefix 10.0.0.0/33"},
		{"monitor capture Y start", "Capture point Y does not exist"},
		{"show monitor capture Y", "Capture point Y does not exist"},
		{"monitor capture X interface gi0/1 both", ""},
		{"monitor capture X start", "Capture point X does not have a filter"},
		{"monitor capture Z match any", ""},
		{"monitor capture Z start", "Capture point Z does not have an attachment point"},
		{"monitor capture X export usb0:x.pcap", "%Error opening usb0:x.pcap (No such device)"},
		{"monitor capture X export flash:../x.pcap", "%Error opening flash:../x.pcap (Invalid argument)"},
	} {
		res := r.run(c.line)
		if c.want == "" {
			if res.Rejected {
				t.Errorf("%s: rejected:\n%s", c.line, res.Output)
			}
			continue
		}
		if !res.Rejected || !strings.Contains(res.Output, c.want) {
			t.Errorf("%s:\n%s\nwant %q", c.line, res.Output, c.want)
		}
	}
	r.out("monitor capture X match any", "monitor capture X start")
	if res := r.run("monitor capture X limit packets 5"); !res.Rejected || !strings.Contains(res.Output, "Capture point X is active") {
		t.Errorf("change while active:\n%s", res.Output)
	}
	if res := r.run("monitor capture X start"); !res.Rejected || !strings.Contains(res.Output, "already active") {
		t.Errorf("second start:\n%s", res.Output)
	}
	r.out("no monitor capture X")
	if res := r.run("monitor capture X stop"); !res.Rejected {
		t.Errorf("stop of a deleted capture:\n%s", res.Output)
	}
	// The abbreviations IOS users type.
	r.out("mon cap A int gi0/2 b", "mon cap A mat a", "mon cap A buf circ size 2", "mon cap A sta")
	if s := r.out("sh mon cap A"); !strings.Contains(s, "Buffer Type: CIRCULAR") || !strings.Contains(s, "Buffer Size (in MB): 2") {
		t.Errorf("abbreviated:\n%s", s)
	}
}

// waitUntil polls cond for up to five seconds: a capture that fills stops
// on a goroutine of its own.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// logText is the switch's log, one message a line.
func logText(r *rig) string {
	var b strings.Builder
	for _, m := range r.sw.Log().Messages() {
		b.WriteString(m.String() + "\n")
	}
	return b.String()
}

// TestLiveCaptureStream: the switch side of `l2sw capture` writes pcapng
// with one interface per port; a frame Gi0/1 received and dropped is on
// Gi0/1's interface twice, as received and as a drop with its reason in
// the comment; the count ends the stream. Bad requests are refused
// before any byte.
func TestLiveCaptureStream(t *testing.T) {
	r := newRig(t)
	run, err := r.dev.StartCapture(remote.CaptureRequest{Interfaces: []string{"gi0/1"}, Points: []string{"ingress", "drop"}, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- run(context.Background(), pw); pw.Close() }()
	rd, err := ngpcapgo.NewNgReader(pr, ngpcapgo.DefaultNgReaderOptions) // reads the header: the capture is attached
	if err != nil {
		t.Fatal(err)
	}
	r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0011.2233.6666", 0))  // another port: not captured
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0011.2233.4455", 30)) // VLAN 30 on an access port
	var got []string
	for {
		data, ci, opts, err := rd.ReadPacketDataWithOptions()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		intf, _ := rd.Interface(ci.InterfaceIndex)
		got = append(got, fmt.Sprintf("%s %d %q", intf.Name, len(data), opts.Comments))
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	want := `GigabitEthernet0/1 64 []
GigabitEthernet0/1 64 ["drop: vlan not allowed (stage vlan)"]`
	if strings.Join(got, "\n") != want {
		t.Errorf("stream:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if n := rd.NInterfaces(); n != 4 {
		t.Errorf("%d interfaces, want one per port", n)
	}

	r.out("configure terminal", "ip access-list extended CAPACL", "permit icmp any any", "end")
	for _, ok := range []string{"", "CAPACL", "access-list CAPACL", "ipv4 protocol udp any any eq 53", "any"} {
		if _, err := r.dev.StartCapture(remote.CaptureRequest{Filter: ok}); err != nil {
			t.Errorf("filter %q: %v", ok, err)
		}
	}
	for _, bad := range []remote.CaptureRequest{{Filter: "NOPE"}, {Filter: "ipv4 any"}, {Interfaces: []string{"gi0/9"}}, {Interfaces: []string{"bogus"}}} {
		if _, err := r.dev.StartCapture(bad); err == nil {
			t.Errorf("%+v started", bad)
		}
	}
}
