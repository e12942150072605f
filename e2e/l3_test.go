package e2e

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

// routedLab: Vlan10 10.0.10.1/24 and Vlan20 10.0.20.1/24 on the switch,
// host a (10.0.10.5) in VLAN 10 and host b (10.0.20.7) in VLAN 20, both
// with their default gateway on the SVI.
func routedLab(t *testing.T) (*lab, *host, *host) {
	t.Helper()
	l := newLab(t)
	for _, v := range []uint16{10, 20} {
		if err := l.sw.CreateSVI(v); err != nil {
			t.Fatal(err)
		}
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(v), 1}), 24)
		if err := l.sw.SetSVIAddress(v, p, false); err != nil {
			t.Fatal(err)
		}
	}
	a := l.addHost("a", access(10), "0200.0a00.0005", "10.0.10.5/24")
	a.ns.MustRun("ip", "route", "add", "default", "via", "10.0.10.1")
	b := l.addHost("b", access(20), "0200.1400.0007", "10.0.20.7/24")
	b.ns.MustRun("ip", "route", "add", "default", "via", "10.0.20.1")
	return l, a, b
}

func arpMAC(l *lab, ip string) (packet.MAC, arp.EntryType, bool) {
	es, err := l.sw.ARPEntries(dataplane.ARPFilter{IP: netip.MustParseAddr(ip)})
	if err != nil || len(es) == 0 {
		return packet.MAC{}, 0, false
	}
	return es[0].MAC, es[0].Type, true
}

func TestL3PingAndTracerouteAcrossVLANs(t *testing.T) {
	t.Parallel()
	l, a, b := routedLab(t)
	a.mustPing("10.0.10.1")
	a.mustPing("10.0.20.1") // the other SVI, through the receive entry
	a.mustPing("10.0.20.7")
	b.mustPing("10.0.10.5")
	out, err := a.ns.Run("traceroute", "-n", "-q", "1", "-w", "1", "-m", "4", "10.0.20.7")
	if err != nil {
		t.Fatalf("traceroute: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], " 1  10.0.10.1 ") || !strings.Contains(lines[2], " 2  10.0.20.7 ") {
		t.Errorf("traceroute does not show the SVI hop then b:\n%s", out)
	}
	if s := l.sw.L3Stats(); s.TimeExceeded == 0 || s.CEF.Forwarded == 0 || s.EchoReplies == 0 {
		t.Errorf("counters: %+v", s)
	}
	if ms, _ := l.sw.MACEntries(dataplane.MACFilter{StaticOnly: true}); len(ms) != 2 || ms[0].Port != "CPU" {
		t.Errorf("router MAC entries %+v", ms)
	}
}

// failover: b's address moves to standby s (another MAC), which announces
// it with arping; s knows the gateway's MAC already (static neighbour), so
// it never ARPs the router itself, as in the field outage.
func failover(t *testing.T, l *lab, a, b *host, mode string) *host {
	t.Helper()
	s := l.addHost("standby", access(20), "0200.1400.0099")
	s.staticNeigh("10.0.20.1", l.sw.RouterMAC())
	a.mustPing("10.0.20.7")
	if m, _, _ := arpMAC(l, "10.0.20.7"); m != b.mac {
		t.Fatalf("router has %v for b, want %v", m, b.mac)
	}
	b.ns.MustRun("ip", "addr", "del", "10.0.20.7/24", "dev", b.ifname)
	s.ns.AddAddr(s.ifname, "10.0.20.7/24")
	s.ns.MustRun("ip", "route", "add", "default", "via", "10.0.20.1")
	s.ns.MustRun("arping", "-c", "2", "-w", "2", mode, "-I", s.ifname, "10.0.20.7")
	return s
}

func TestL3GratuitousARPUpdate(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"-U", "-A"} {
		t.Run(mode, func(t *testing.T) {
			l, a, b := routedLab(t)
			s := failover(t, l, a, b, mode)
			if !poll(time.Second, func() bool { m, _, _ := arpMAC(l, "10.0.20.7"); return m == s.mac }) {
				m, _, _ := arpMAC(l, "10.0.20.7")
				t.Fatalf("gratuitous ARP did not move the entry within a second: %v", m)
			}
			a.mustPing("10.0.20.7")
		})
	}
}

func TestL3GratuitousARPRefusedUntilAged(t *testing.T) {
	t.Parallel()
	l, a, b := routedLab(t)
	if err := l.sw.SetGratuitousARPUpdate(20, false); err != nil {
		t.Fatal(err)
	}
	if err := l.sw.SetARPTimeout(20, 4*time.Second); err != nil {
		t.Fatal(err)
	}
	s := failover(t, l, a, b, "-U")
	if m, _, _ := arpMAC(l, "10.0.20.7"); m != b.mac {
		t.Fatalf("entry moved despite no ip arp gratuitous update: %v", m)
	}
	if err := a.ping("10.0.20.7", 1); err == nil {
		t.Error("standby reachable before the entry aged: the router should still send to the old MAC")
	}
	if l.sw.L3Stats().ARP.FilteredBy(arp.ReasonGratuitousRefused) == 0 {
		t.Error("refused gratuitous ARP not counted")
	}
	// The old entry ages (the old MAC does not answer the refresh), the
	// router ARPs afresh and the standby answers.
	if !poll(10*time.Second, func() bool { return a.ping("10.0.20.7", 1) == nil }) {
		m, typ, _ := arpMAC(l, "10.0.20.7")
		t.Fatalf("never recovered: entry %v %v", m, typ)
	}
	if m, _, _ := arpMAC(l, "10.0.20.7"); m != s.mac {
		t.Errorf("recovered to %v, want the standby %v", m, s.mac)
	}
}

func TestL3ShortARPTimeoutDrops(t *testing.T) {
	t.Parallel()
	l, a, b := routedLab(t)
	if err := l.sw.SetARPTimeout(20, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	a.mustPing("10.0.20.7")
	b.staticNeigh("10.0.20.1", l.sw.RouterMAC())
	b.ns.MustRun("ip", "link", "set", "dev", b.ifname, "arp", "off") // b stops answering refreshes
	if !poll(8*time.Second, func() bool { _, _, ok := arpMAC(l, "10.0.20.7"); return !ok }) {
		t.Fatal("ARP entry did not age")
	}
	before := l.sw.L3Stats().CEF
	_ = a.ping("10.0.20.7", 1)
	after := l.sw.L3Stats().CEF
	moved := after.DropsBy(cef.DropIncomplete) + after.DropsBy(cef.DropGlean) - before.DropsBy(cef.DropIncomplete) - before.DropsBy(cef.DropGlean)
	if moved == 0 {
		t.Errorf("no incomplete/glean drops counted: before %+v after %+v", before, after)
	}
	b.ns.MustRun("ip", "link", "set", "dev", b.ifname, "arp", "on")
	if !poll(5*time.Second, func() bool { return a.ping("10.0.20.7", 1) == nil }) {
		t.Error("not reachable again once b answers ARP")
	}
}

func TestL3WrongSubnetARPFiltered(t *testing.T) {
	t.Parallel()
	l, _, _ := routedLab(t)
	w := l.addHost("wrong", access(10), "0200.0a00.0066", "10.1.1.5/24")
	w.ns.MustRun("ip", "route", "add", "10.0.10.1/32", "dev", w.ifname)
	if out, err := w.ns.Run("arping", "-c", "2", "-w", "2", "-I", w.ifname, "10.0.10.1"); err == nil {
		t.Errorf("the SVI answered a wrong-subnet request:\n%s", out)
	}
	if l.sw.L3Stats().ARP.FilteredBy(arp.ReasonWrongCable) == 0 {
		t.Error("wrong cable filter counter did not move")
	}
	if len(l.sw.Log().Grep("wrong cable, interface Vlan10")) == 0 {
		t.Error("no debug line in the log")
	}
}

func TestL3StaticARPMulticastNLB(t *testing.T) {
	t.Parallel()
	l, a, _ := routedLab(t)
	nlbMAC, _ := packet.ParseMAC("0300.5e7f.0032")
	var nodes []*host
	for i, m := range []string{"0200.1400.0051", "0200.1400.0052"} {
		n := l.addHost("nlb"+string(rune('1'+i)), access(20), m, "10.0.20.50/24")
		n.ns.MustRun("ip", "link", "set", "dev", n.ifname, "promisc", "on")
		n.ns.MustRun("ip", "route", "add", "default", "via", "10.0.20.1")
		nodes = append(nodes, n)
	}
	if err := l.sw.AddStaticARP(netip.MustParseAddr("10.0.20.50"), nlbMAC); err != nil {
		t.Fatal(err)
	}
	txMulticast := func(n *host) uint64 { c := l.counters(n.port); return c.Get(dataplane.TxMulticast) }
	before := []uint64{txMulticast(nodes[0]), txMulticast(nodes[1])}
	a.mustPing("10.0.20.50")
	for i, n := range nodes {
		if got := txMulticast(n) - before[i]; got < 2 {
			t.Errorf("%s received %d routed multicast frames, want every echo", n.name, got)
		}
	}
}

func TestL3MTUFragNeededAndFragmentation(t *testing.T) {
	t.Parallel()
	l, a, b := routedLab(t)
	if err := l.sw.SetSVIMTU(20, 1000, true); err != nil {
		t.Fatal(err)
	}
	a.mustPing("10.0.20.7")
	out, _ := a.ns.Run("ping", "-n", "-c", "2", "-i", "0.3", "-W", "1", "-M", "do", "-s", "1400", "10.0.20.7")
	if !strings.Contains(out, "mtu = 1000") && !strings.Contains(out, "mtu=1000") {
		t.Errorf("no fragmentation needed with MTU 1000:\n%s", out)
	}
	if l.sw.L3Stats().FragNeeded == 0 {
		t.Error("frag-needed counter did not move")
	}
	if c := l.counters(a.port); c.Get(dataplane.Drops(dataplane.ReasonFragNeeded)) == 0 {
		t.Errorf("drop %q on %s did not move", dataplane.ReasonFragNeeded, a.port)
	}
	a.ns.MustRun("ip", "route", "flush", "cache") // forget the learned path MTU
	if out, err := a.ns.Run("ping", "-n", "-c", "2", "-i", "0.3", "-W", "2", "-M", "dont", "-s", "1400", "10.0.20.7"); err != nil {
		t.Errorf("large ping without DF not answered: %v\n%s", err, out)
	}
	if s := l.sw.L3Stats(); s.Fragmented == 0 || s.FragmentsOut < 2 {
		t.Errorf("not fragmented: %+v", s)
	}
	_ = b
}
