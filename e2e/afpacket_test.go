package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/port/afpacket"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/packet"
)

// addVethHost is addHost with the host on a veth pair instead of a TAP:
// the host's end is eth0 in a new namespace, the switch's end stays in that
// namespace too (the packet socket keeps working from any namespace once
// opened) and is attached with the afpacket backend.
func (l *lab) addVethHost(name string, s dataplane.PortSettings, mac string, cidrs ...string) *host {
	t := l.t
	t.Helper()
	hw, err := packet.ParseMAC(mac)
	if err != nil {
		t.Fatalf("host %s: %v", name, err)
	}
	ns := netns.New(t)
	t.Cleanup(l.stop) // runs before the namespace (and the veth) is deleted
	ns.DisableIPv6()
	ns.MustRun("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "sw")
	ns.MustRun("ip", "link", "set", "dev", "eth0", "address", hw.Colon())
	for _, c := range cidrs {
		ns.AddAddr("eth0", c)
	}
	ns.LinkUp("eth0")
	l.ports++
	portName := fmt.Sprintf("GigabitEthernet0/%d", l.ports)
	l.attachAfpacket(ns, "sw", portName, s)
	return &host{l: l, name: name, ns: ns, ifname: "eth0", port: portName, mac: hw}
}

// attachAfpacket opens ifname in ns with the afpacket backend and adds it
// to the switch as portName with settings s.
func (l *lab) attachAfpacket(ns *netns.NS, ifname, portName string, s dataplane.PortSettings) {
	t := l.t
	t.Helper()
	var p *afpacket.Port
	if err := ns.Do(func() error {
		var err error
		p, err = afpacket.Open(afpacket.Config{Name: ifname})
		return err
	}); err != nil {
		t.Fatalf("%s: %v", portName, err)
	}
	if err := l.sw.AddPort(portName, p); err != nil {
		_ = p.Close()
		t.Fatalf("%s: %v", portName, err)
	}
	if _, err := l.sw.SetPortSettings(portName, s); err != nil {
		t.Fatalf("%s: %v", portName, err)
	}
}

// TestAfpacketHostPingsTAPHost: a host on a veth attached with afpacket and
// a host on a TAP, in the same VLAN, reach each other through the switch,
// and each is learned on its own port.
func TestAfpacketHostPingsTAPHost(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	v := l.addVethHost("veth", access(10), "02:00:00:00:af:01", "10.61.0.1/24")
	tp := l.addHost("tap", access(10), "02:00:00:00:af:02", "10.61.0.2/24")
	l.addHost("other", access(20), "02:00:00:00:af:03", "10.61.0.3/24")
	v.mustPing("10.61.0.2")
	tp.mustPing("10.61.0.1")
	if got := l.macPort(10, v.mac); got != v.port {
		t.Errorf("the veth host is learned on %q, want %s", got, v.port)
	}
	if got := l.macPort(10, tp.mac); got != tp.port {
		t.Errorf("the TAP host is learned on %q, want %s", got, tp.port)
	}
	if err := v.ping("10.61.0.3", 2); err == nil {
		t.Error("the veth host reached a host in another VLAN")
	}
	// A burst of full-size frames (1500-byte IP packets, DF set), each way.
	if out, err := v.ns.Run("ping", "-n", "-q", "-c", "50", "-i", "0.01", "-s", "1472", "-M", "do", "-W", "1", "10.61.0.2"); err != nil {
		t.Errorf("full-size pings: %v\n%s", err, out)
	}
}

// TestAfpacketTrunkBetweenSwitches: two switches joined by a veth pair,
// attached with afpacket as trunk ports (native VLAN 99, allowed 10 and 20),
// carry VLANs 10 and 20 both ways, tagged on the wire, and keep them apart:
// the hosts of both VLANs share one subnet, so only the tags separate them.
func TestAfpacketTrunkBetweenSwitches(t *testing.T) {
	t.Parallel()
	l1, l2 := newLab(t), newLab(t)
	wire := netns.New(t)
	t.Cleanup(l1.stop)
	t.Cleanup(l2.stop)
	wire.DisableIPv6()
	wire.MustRun("ip", "link", "add", "trunk1", "type", "veth", "peer", "name", "trunk2")
	l1.ports++
	l1.attachAfpacket(wire, "trunk1", "GigabitEthernet0/1", trunk(99, 10, 20))
	l2.ports++
	l2.attachAfpacket(wire, "trunk2", "GigabitEthernet0/1", trunk(99, 10, 20))

	a10 := l1.addHost("a10", access(10), "02:00:00:01:0a:01", "10.62.0.1/24")
	a20 := l1.addVethHost("a20", access(20), "02:00:00:01:14:01", "10.62.0.3/24")
	b10 := l2.addVethHost("b10", access(10), "02:00:00:02:0a:01", "10.62.0.2/24")
	b20 := l2.addHost("b20", access(20), "02:00:00:02:14:01", "10.62.0.4/24")

	onWire := (&host{l: l1, name: "trunk1", ns: wire, ifname: "trunk1"}).capture()

	a10.mustPing("10.62.0.2")
	b10.mustPing("10.62.0.1")
	a20.mustPing("10.62.0.4")
	b20.mustPing("10.62.0.3")
	if err := a10.ping("10.62.0.4", 2); err == nil {
		t.Error("VLAN 10 reached VLAN 20 across the trunk")
	}
	if err := b20.ping("10.62.0.1", 2); err == nil {
		t.Error("VLAN 20 reached VLAN 10 across the trunk")
	}

	for _, c := range []struct {
		l    *lab
		vlan uint16
		h    *host
	}{{l1, 10, b10}, {l1, 20, b20}, {l2, 10, a10}, {l2, 20, a20}} {
		if got := c.l.macPort(c.vlan, c.h.mac); got != "GigabitEthernet0/1" {
			t.Errorf("%s is learned in VLAN %d on %q across the trunk, want GigabitEthernet0/1", c.h.name, c.vlan, got)
		}
	}
	// What switch 2 sent onto the wire came tagged with the sender's VLAN.
	for _, c := range []struct {
		h    *host
		vlan uint16
	}{{b10, 10}, {b20, 20}} {
		got := onWire.matching(func(f frameRecord) bool { return f.src() == c.h.mac })
		if len(got) == 0 {
			t.Errorf("no frame of %s crossed the wire", c.h.name)
		}
		for _, f := range got {
			if !f.tagged || f.vlan != c.vlan {
				t.Errorf("%s's frame crossed the trunk tagged=%v vlan %d, want VLAN %d: %v", c.h.name, f.tagged, f.vlan, c.vlan, f)
				break
			}
		}
	}
}

// tcpBetween runs iperf3 for a second from client to server's ip and
// returns the receiver's rate in Gbit/s.
func tcpBetween(t *testing.T, server, client *host, ip string) float64 {
	t.Helper()
	if _, err := exec.LookPath("iperf3"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but iperf3 is missing (make test-deps installs it)")
		}
		t.Skip("skipping: iperf3 is not installed (make test-deps)")
	}
	server.ns.Start("iperf3", "-s", "-1", "-B", ip)
	var out string
	var err error
	for range 20 { // until the server listens
		out, err = client.ns.Run("iperf3", "-c", ip, "-t", "1", "-J", "--connect-timeout", "1000")
		// With -J, iperf3 reports a refused connection in the JSON and
		// may exit 0.
		if !strings.Contains(out, "Connection refused") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("iperf3 %s -> %s: %v\n%s", client.name, server.name, err, out)
	}
	var res struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.End.SumReceived.BitsPerSecond == 0 {
		t.Fatalf("iperf3 %s -> %s: %v\n%s", client.name, server.name, err, out)
	}
	return res.End.SumReceived.BitsPerSecond / 1e9
}

// TestAfpacketTCP: TCP crosses afpacket ports both ways — from a veth
// host's stack (partial checksums, TSO super-frames) to a TAP host and
// another veth host, and over a veth trunk between two switches, tagged —
// at more than a plain-frame rate, so super-frames went through whole.
func TestAfpacketTCP(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	v1 := l.addVethHost("v1", access(10), "02:00:00:00:ac:01", "10.63.0.1/24")
	v2 := l.addVethHost("v2", access(10), "02:00:00:00:ac:02", "10.63.0.2/24")
	tp := l.addHost("tap", access(10), "02:00:00:00:ac:03", "10.63.0.3/24")
	for _, c := range []struct {
		from, to *host
		ip       string
	}{{v1, tp, "10.63.0.3"}, {tp, v1, "10.63.0.1"}, {v1, v2, "10.63.0.2"}} {
		gbps := tcpBetween(t, c.to, c.from, c.ip)
		t.Logf("TCP %s -> %s: %.2f Gbit/s", c.from.name, c.to.name, gbps)
		if gbps < 0.2 {
			t.Errorf("TCP %s -> %s: %.2f Gbit/s", c.from.name, c.to.name, gbps)
		}
	}

	l1, l2 := newLab(t), newLab(t)
	wire := netns.New(t)
	t.Cleanup(l1.stop)
	t.Cleanup(l2.stop)
	wire.DisableIPv6()
	wire.MustRun("ip", "link", "add", "trunk1", "type", "veth", "peer", "name", "trunk2")
	l1.ports++
	l1.attachAfpacket(wire, "trunk1", "GigabitEthernet0/1", trunk(99, 10, 20))
	l2.ports++
	l2.attachAfpacket(wire, "trunk2", "GigabitEthernet0/1", trunk(99, 10, 20))
	a := l1.addVethHost("a", access(20), "02:00:00:01:ac:01", "10.64.0.1/24")
	b := l2.addHost("b", access(20), "02:00:00:02:ac:01", "10.64.0.2/24")
	for _, c := range []struct {
		from, to *host
		ip       string
	}{{a, b, "10.64.0.2"}, {b, a, "10.64.0.1"}} {
		gbps := tcpBetween(t, c.to, c.from, c.ip)
		t.Logf("TCP over the trunk %s -> %s: %.2f Gbit/s", c.from.name, c.to.name, gbps)
		if gbps < 0.2 {
			t.Errorf("TCP over the trunk %s -> %s: %.2f Gbit/s", c.from.name, c.to.name, gbps)
		}
	}
}
