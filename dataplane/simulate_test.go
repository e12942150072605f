package dataplane

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// switchState is everything a dry run must leave as it found it.
type switchState struct {
	Counters   map[string]PortCounters
	L3         L3Stats
	CEF        []CEFRow
	Adjs       []AdjacencyRow
	ACLMatches map[string]uint64
	MACs       []cam.Entry
	MACStats   MACStats
	MACGen     uint64
	ARP        []ARPEntry
	Punts      int
	Log        int
}

// state reads the switch's counters and tables; lists are the ACLs whose
// match counters count.
func (g *rig) state(t testing.TB, lists []*acl.List) switchState {
	t.Helper()
	st := switchState{Counters: map[string]PortCounters{}, ACLMatches: map[string]uint64{}}
	for i := 1; i <= len(g.ports); i++ {
		c, err := g.sw.Counters(ifName(i))
		if err != nil {
			t.Fatal(err)
		}
		st.Counters[ifName(i)] = c
	}
	st.L3 = g.sw.L3Stats()
	st.CEF = g.sw.CEFEntries(true)
	st.Adjs = g.sw.Adjacencies(true)
	for _, l := range lists {
		for _, a := range l.Entries() {
			st.ACLMatches[fmt.Sprintf("%s %d", l.Name, a.Seq)] = g.sw.ACLMatches(l.Name, a.Seq)
		}
	}
	st.MACs = g.sw.cam.Entries(cam.MatchAll())
	st.MACStats = g.sw.cam.Stats()
	st.MACGen = g.sw.cam.Generation()
	arps, err := g.sw.ARPEntries(ARPFilter{})
	if err != nil {
		t.Fatal(err)
	}
	st.ARP = arps
	st.Punts = len(g.sw.l3.punt.q)
	st.Log = len(g.sw.Log().Grep(""))
	return st
}

// queuedPunts returns the reasons of the punts waiting for the control
// plane, leaving them queued.
func (g *rig) queuedPunts() []puntReason {
	q := g.sw.l3.punt.q
	var ps []*puntPkt
	for len(q) > 0 {
		ps = append(ps, <-q)
	}
	var out []puntReason
	for _, p := range ps {
		out = append(out, p.reason)
		q <- p
	}
	return out
}

// simPunts is what a dry run says the control plane would have been
// handed, as the punt queue names it; the ACL punts (log, unreachables
// after a deny), which a per-worker budget rations, are left out.
func simPunts(res SimResult) []puntReason {
	var out []puntReason
	for _, d := range res.Decisions {
		if d.Verdict != Punt && !(d.Verdict == Consume && d.Reason == ReasonARP) {
			continue
		}
		switch d.Reason {
		case ReasonARP:
			out = append(out, puntARP)
		case ReasonReceive:
			out = append(out, puntReceive)
		case ReasonGlean, ReasonIncomplete:
			out = append(out, puntResolve)
		case ReasonNoRoute:
			out = append(out, puntNoRoute)
		case ReasonTTLExpired:
			out = append(out, puntTTL)
		case ReasonFragment:
			out = append(out, puntFragment)
		case ReasonFragNeeded:
			out = append(out, puntFragNeeded)
		}
	}
	return out
}

// simDrops is the set of drop reasons whose counters the frame of res
// would move on its ingress port.
func simDrops(res SimResult) map[Reason]bool {
	out := map[Reason]bool{}
	for _, d := range res.Decisions {
		if (d.Verdict == Drop || d.Verdict == Punt) && d.Reason.IsDrop() {
			out[d.Reason] = true
		}
	}
	return out
}

// simWorld is a random configuration and the random frames sent into it.
type simWorld struct {
	g     *rig
	rng   *rand.Rand
	hosts []net.HardwareAddr
	ips   []net.IP
	lists []*acl.List
	vlans []uint16
}

const simPorts = 6

var simACLLines = []string{
	"permit ip any any", "deny tcp any any eq 23", "deny udp any 10.0.20.0 0.0.0.255 range 1 1000",
	"permit icmp any any echo log", "deny ip host 10.0.10.5 any", "permit tcp any any established",
	"permit udp any any", "deny icmp any any", "permit ip 10.0.0.0 0.0.255.255 any log",
}

func newSimWorld(t *testing.T, seed uint64) *simWorld {
	w := &simWorld{g: newRig(t, simPorts, cam.Config{Capacity: 64, Ways: 4}), rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), vlans: []uint16{1, 10, 20, 30, 40}}
	g, rng := w.g, w.rng
	for i := range 12 {
		w.hosts = append(w.hosts, net.HardwareAddr{0, 0x11, 0x22, 0, 0, byte(i + 1)})
	}
	for _, v := range []uint16{10, 20, 30} {
		if v == 30 && rng.IntN(3) == 0 {
			continue // trunks may allow a VLAN that does not exist
		}
		if err := g.sw.SetVLAN(v, ""); err != nil {
			t.Fatal(err)
		}
		for _, h := range []byte{1, 5, 6, 50, 254, 255} {
			w.ips = append(w.ips, net.IP{10, 0, byte(v), h})
		}
		w.ips = append(w.ips, net.IP{192, 168, byte(v), 9})
	}
	w.ips = append(w.ips, net.IP{172, 16, 1, 1}, net.IP{8, 8, 8, 8}, net.IP{255, 255, 255, 255}, net.IP{224, 0, 0, 5})
	pick := func(vs ...uint16) uint16 { return vs[rng.IntN(len(vs))] }
	for i := 1; i <= simPorts; i++ {
		g.set(i, func(s *PortSettings) {
			if rng.IntN(5) < 3 {
				s.Mode, s.AccessVLAN = ModeAccess, pick(1, 10, 10, 20, 20, 30)
			} else {
				s.Mode, s.NativeVLAN = ModeTrunk, pick(1, 1, 10, 20)
				if rng.IntN(2) == 0 {
					var a VLANSet
					for _, v := range w.vlans {
						if rng.IntN(2) == 0 {
							a.Add(v)
						}
					}
					s.Allowed = a
				}
			}
			s.Shutdown = rng.IntN(12) == 0
		})
	}
	for _, v := range []uint16{10, 20, 30, 1} {
		if (v == 30 || v == 1) && rng.IntN(2) == 0 {
			continue
		}
		c := DefaultSVIConfig(v)
		c.Addresses = []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(v), 1}), 24)}
		c.Shutdown = rng.IntN(10) == 0
		if rng.IntN(3) == 0 {
			c.IPMTU = 576
		}
		if err := g.sw.SetSVI(c); err != nil {
			t.Fatal(err)
		}
	}
	if rng.IntN(10) == 0 {
		g.sw.SetIPRouting(false)
	}
	for _, r := range []StaticRoute{
		{Prefix: netip.MustParsePrefix("192.168.10.0/24"), NextHop: netip.MustParseAddr("10.0.10.254")},
		{Prefix: netip.MustParsePrefix("192.168.20.0/24"), NextHop: netip.MustParseAddr("10.0.20.254")},
		{Prefix: netip.MustParsePrefix("192.168.30.0/24"), NextHop: netip.MustParseAddr("10.0.30.254")},
		{Prefix: netip.MustParsePrefix("172.16.0.0/16"), Interface: "Null0"},
		{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("10.0.20.254")},
	} {
		if rng.IntN(3) > 0 {
			_ = g.sw.AddStaticRoute(r) // a next hop in no subnet is refused or unresolved: both are cases
		}
	}
	for _, v := range []byte{10, 20, 30} {
		if rng.IntN(3) > 0 {
			_ = g.sw.AddStaticARP(netip.AddrFrom4([4]byte{10, 0, v, 254}), packet.MAC(w.hosts[rng.IntN(len(w.hosts))]))
		}
		if rng.IntN(4) == 0 {
			_ = g.sw.AddStaticARP(netip.AddrFrom4([4]byte{10, 0, v, 50}), packet.MAC{0x01, 0x00, 0x5e, 0x7f, 0x00, v}) // NLB
		}
	}
	for range rng.IntN(3) {
		_ = g.sw.AddStaticMAC(pick(1, 10, 20), packet.MAC(w.hosts[rng.IntN(len(w.hosts))]), ifName(rng.IntN(simPorts)+1))
	}
	list := func(name string) *acl.List {
		var lines []string
		for range 1 + rng.IntN(4) {
			lines = append(lines, simACLLines[rng.IntN(len(simACLLines))])
		}
		l := mustList(t, name, acl.Extended, lines...)
		w.lists = append(w.lists, l)
		return l
	}
	if rng.IntN(2) == 0 {
		if _, err := g.sw.SetPortACL(ifName(rng.IntN(simPorts)+1), list("PACL")); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []tcam.Direction{tcam.In, tcam.Out} {
		if rng.IntN(2) == 0 {
			if _, err := g.sw.SetSVIACL(pick(10, 20), d, list(fmt.Sprintf("RACL%d", d))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rng.IntN(4) == 0 {
		m := &VLANAccessMap{Name: "VMAP", Entries: []VLANAccessMapEntry{{Seq: 10, Matches: []*acl.List{list("VACL")}}, {Seq: 20, Drop: rng.IntN(2) == 0}}}
		if _, err := g.sw.SetVLANFilter(pick(10, 20), m); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// frame returns a random frame and the port to receive it on.
func (w *simWorld) frame() (int, []byte) {
	rng := w.rng
	host := func() net.HardwareAddr { return w.hosts[rng.IntN(len(w.hosts))] }
	ip := func() [4]byte { return [4]byte(w.ips[rng.IntN(len(w.ips))].To4()) }
	var dst, src net.HardwareAddr
	switch n := rng.IntN(20); {
	case n < 7:
		dst = w.g.routerMAC()
	case n < 11:
		dst = bcast
	case n < 13:
		dst = net.HardwareAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}
	default:
		dst = host()
	}
	switch n := rng.IntN(30); {
	case n == 0:
		src = make(net.HardwareAddr, 6)
	case n == 1:
		src = net.HardwareAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}
	case n == 2:
		src = dst // to itself
	default:
		src = host()
	}
	b := make([]byte, 2048)
	tag := -1 // untagged
	if n := rng.IntN(10); n < 4 {
		tag = int(w.vlans[rng.IntN(len(w.vlans))])
	} else if n == 4 {
		tag = 0 // priority-tagged
	}
	put := func(etherType uint16) int {
		if tag < 0 {
			return packet.PutEthernet(b, packet.MAC(dst), packet.MAC(src), etherType)
		}
		return packet.PutEthernetTagged(b, packet.MAC(dst), packet.MAC(src), uint16(tag), etherType)
	}
	var n int
	switch k := rng.IntN(20); {
	case k < 3: // ARP
		l2 := put(packet.TypeARP)
		packet.PutARP(b[l2-packet.EthLen:], packet.MAC(dst), packet.MAC(src), uint16(1+rng.IntN(2)), packet.MAC(src), ip(), packet.MAC{}, ip())
		put(packet.TypeARP) // PutARP's own header went over the end of ours
		n = l2 + packet.ARPLen
	case k < 7: // not IP
		n = put(0x88b5) + 20
	default:
		l2 := put(packet.TypeIPv4)
		payload := 18
		if rng.IntN(7) == 0 {
			payload = 1000
		}
		proto := []uint8{packet.ProtoTCP, packet.ProtoUDP, packet.ProtoICMP, 89}[rng.IntN(4)]
		l4 := map[uint8]int{packet.ProtoTCP: 20, packet.ProtoUDP: 8, packet.ProtoICMP: 8, 89: 0}[proto]
		m := b[l2 : l2+packet.IPv4Min+l4+payload]
		ttl := []uint8{64, 64, 64, 64, 64, 64, 1, 0}[rng.IntN(8)]
		packet.PutIPv4Header(m, packet.IPv4Header{ID: uint16(rng.Uint32()), TTL: ttl, Proto: proto, Src: ip(), Dst: ip()})
		if rng.IntN(2) == 0 {
			m[packet.IPv4Flags] |= packet.IPv4DF
		}
		t := m[packet.IPv4Min:]
		switch proto {
		case packet.ProtoTCP, packet.ProtoUDP:
			binary.BigEndian.PutUint16(t[0:], []uint16{23, 53, 80, 500, 40000}[rng.IntN(5)])
			binary.BigEndian.PutUint16(t[2:], []uint16{23, 53, 80, 500, 40000}[rng.IntN(5)])
			if proto == packet.ProtoTCP {
				t[12], t[13] = 0x50, []byte{0x02, 0x10, 0x12}[rng.IntN(3)]
			}
		case packet.ProtoICMP:
			t[0] = []byte{packet.ICMPEcho, packet.ICMPEchoReply, packet.ICMPUnreachable}[rng.IntN(3)]
		}
		m[packet.IPv4Checksum], m[packet.IPv4Checksum+1] = 0, 0
		binary.BigEndian.PutUint16(m[packet.IPv4Checksum:], packet.Checksum(m[:packet.IPv4Min]))
		if rng.IntN(30) == 0 {
			m[packet.IPv4Checksum] ^= 0xff
		}
		n = l2 + len(m)
	}
	n = max(n, 60)
	if rng.IntN(40) == 0 {
		n = rng.IntN(n) // cut short
	}
	return rng.IntN(simPorts) + 1, b[:n]
}

// TestSimulateIsTheRealPath is the differential test of the simulated
// trace: over random configurations (access and trunk ports, allowed
// lists, SVIs, static routes and ARP, port, VLAN and router ACLs, static
// and learned MACs) and random frames, a dry run changes no counter, MAC
// or ARP entry, and then the same frame really received leaves on exactly
// the ports, with exactly the bytes, and moves exactly the drop counters
// and punts the dry run said it would.
func TestSimulateIsTheRealPath(t *testing.T) {
	seeds, frames := 30, 400
	if testing.Short() {
		seeds, frames = 6, 200
	}
	outcomes := map[string]int{}
	for seed := range uint64(seeds) {
		w := newSimWorld(t, seed)
		g := w.g
		for i := range frames {
			in, f := w.frame()
			before := g.state(t, w.lists)
			res, err := g.sw.Simulate(ifName(in), f)
			if err != nil {
				t.Fatal(err)
			}
			if after := g.state(t, w.lists); !reflect.DeepEqual(before, after) {
				t.Fatalf("seed %d frame %d: the dry run changed the switch:\nbefore %+v\nafter  %+v\nframe %x", seed, i, before, after, f)
			}
			g.send(in, f)
			got := g.got()
			punts := g.queuedPunts()
			after := g.state(t, w.lists)

			want := map[int][][]byte{}
			for _, e := range res.Egress {
				want[int(e.Port)+1] = append(want[int(e.Port)+1], e.Frame)
				if e.Name != ifName(int(e.Port)+1) {
					t.Fatalf("egress port %d named %s", e.Port, e.Name)
				}
			}
			drops := map[Reason]bool{}
			name := ifName(in)
			for why := Reason(1); why < NumReasons; why++ {
				if after.Counters[name][Drops(why)] != before.Counters[name][Drops(why)] {
					drops[why] = true
				}
			}
			var realPunts []puntReason
			for _, p := range punts {
				if p != puntACLDeny && p != puntACLLog {
					realPunts = append(realPunts, p)
				}
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(drops, simDrops(res)) || !slices.Equal(realPunts, simPunts(res)) {
				t.Fatalf("seed %d frame %d in %s %x:\nsent to %v, simulated %v\ndrops %v, simulated %v\npunts %v, simulated %v\n%s",
					seed, i, name, f, portsOf(got), portsOf(want), drops, simDrops(res), realPunts, simPunts(res), describe(res))
			}
			outcomes[res.Verdict.String()+" "+res.Reason.String()]++
			g.cpu()
			g.got()
			if w.rng.IntN(50) == 0 {
				g.clk.Advance(time.Duration(w.rng.IntN(400)) * time.Second)
				g.sw.AgeNow()
				g.sw.AgeARP()
				g.got()
			}
		}
	}
	// The frames must reach the interesting outcomes, or the test tests little.
	for _, want := range []string{"forward ", "drop vlan not allowed", "drop same port", "drop invalid source mac",
		"punt glean", "punt receive", "punt no route", "punt ttl expired", "drop router acl deny", "drop port acl deny",
		"drop null route", "drop not ipv4", "punt fragment", "punt fragmentation needed", "flood ", "drop port down",
		"punt arp", "drop vlan filter drop", "drop svi down"} {
		if outcomes[want] == 0 {
			t.Errorf("no frame's outcome was %q", want)
		}
	}
	var keys []string
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%6d %s", outcomes[k], k)
	}
}

func describe(res SimResult) string {
	var b strings.Builder
	for _, d := range res.Decisions {
		fmt.Fprintf(&b, "  %s %s %s %+v\n", d.Stage, d.Verdict, d.Reason, d.Entry)
	}
	fmt.Fprintf(&b, "  result %s %s", res.Verdict, res.Reason)
	return b.String()
}

// TestSimulateRoutedStages: a routed frame's dry run reports the stages of
// the routed path with the entries used, and the rewritten frame that
// would leave, while the frame really sent later still learns its source.
func TestSimulateRoutedStages(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	l := mustList(t, "IN", acl.Extended, "deny tcp any any eq 23", "permit ip any any")
	if _, err := g.sw.SetSVIACL(10, tcam.In, l); err != nil {
		t.Fatal(err)
	}
	f := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("routed"))
	res, err := g.sw.Simulate(ifName(1), f)
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, d := range res.Decisions {
		stages = append(stages, d.Stage.String()+" "+d.Verdict.String())
		if d.Worker != SimWorker {
			t.Errorf("decision of worker %d", d.Worker)
		}
	}
	want := []string{"ingress pass", "parse pass", "vlan pass", "learn pass", "router pass", "router acl in pass",
		"fib pass", "adjacency pass", "rewrite pass", "l2 lookup pass", "egress forward"}
	if !slices.Equal(stages, want) {
		t.Fatalf("stages %q, want %q", stages, want)
	}
	if d := res.Decisions[3]; d.Entry.Learn != cam.Learned {
		t.Errorf("learn: %v, want learned (the first frame from A)", d.Entry.Learn)
	}
	if d := res.Decisions[5]; d.Entry.ACL != "IN" || d.Entry.ACE != 20 {
		t.Errorf("router acl in: %+v", d.Entry)
	}
	if res.Verdict != Forward || len(res.Egress) != 1 || res.Egress[0].Name != ifName(3) {
		t.Fatalf("outcome %v %v, egress %+v", res.Verdict, res.Reason, res.Egress)
	}
	if _, ok := g.sw.MACPort(10, packet.MAC(macA)); ok {
		t.Fatal("the dry run learned its source")
	}
	g.send(1, f)
	got := g.got()
	if len(got[3]) != 1 || !bytes.Equal(got[3][0], res.Egress[0].Frame) {
		t.Fatalf("sent %x, simulated %x", got[3], res.Egress[0].Frame)
	}
	if _, ok := g.sw.MACPort(10, packet.MAC(macA)); !ok {
		t.Fatal("the real frame did not learn its source")
	}
	if n := g.sw.ACLMatches("IN", 20); n != 1 {
		t.Fatalf("ACE 20 matched %d times, want 1 (the real frame only)", n)
	}
}

// TestSimulateErrors: an unknown interface and a frame too long for a
// buffer are refused.
func TestSimulateErrors(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	if _, err := g.sw.Simulate("GigabitEthernet0/9", udpFrame(t, macA, macB, 0, "x")); err == nil || !strings.Contains(err.Error(), "no such interface") {
		t.Errorf("unknown interface: %v", err)
	}
	if _, err := g.sw.Simulate(ifName(1), make([]byte, 70000)); err == nil {
		t.Error("a 70000-byte frame was simulated")
	}
}

// FuzzSimulate: a dry run of any bytes on any port of the FuzzPipeline
// switch neither panics nor changes a counter, MAC or ARP entry, and its
// result is consistent: a frame forwarded has egress frames, one dropped
// or punted has none.
func FuzzSimulate(f *testing.F) {
	g := newL3Rig(f)
	rmac := g.routerMAC()
	l := mustList(f, "F", acl.Extended, "deny tcp any any eq 23 log", "permit icmp any any echo log", "permit ip any any log")
	if _, err := g.sw.SetPortACL(ifName(2), l); err != nil {
		f.Fatal(err)
	}
	for _, d := range []tcam.Direction{tcam.In, tcam.Out} {
		if _, err := g.sw.SetSVIACL(10, d, l); err != nil {
			f.Fatal(err)
		}
	}
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	f.Add(uint8(1), l4Frame(f, macB, rmac, net.IP{10, 0, 10, 6}, net.IP{10, 0, 20, 7}, "tcp", 23))
	f.Add(uint8(0), udpTo(f, macA, rmac, ipA, ipB, 64, []byte("routed")))
	f.Add(uint8(0), udpFrame(f, macA, macB, 0, "bridged"))
	f.Add(uint8(3), udpFrame(f, macC, bcast, 20, "tagged broadcast on the trunk"))
	f.Add(uint8(1), arpFrame(f, 1, macB, bcast, macB, net.IP{10, 0, 10, 6}, net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.IP{10, 0, 10, 1}))
	f.Add(uint8(2), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, p uint8, frame []byte) {
		before := g.state(t, []*acl.List{l})
		res, err := g.sw.Simulate(ifName(int(p%4)+1), frame)
		if err != nil {
			return // too long
		}
		if after := g.state(t, []*acl.List{l}); !reflect.DeepEqual(before, after) {
			t.Fatalf("the dry run of %x changed the switch", frame)
		}
		if (res.Verdict == Forward) != (len(res.Egress) > 0) || ((res.Verdict == Drop || res.Verdict == Punt) && res.Reason == ReasonNone) {
			t.Fatalf("result %v %v with %d egress frames", res.Verdict, res.Reason, len(res.Egress))
		}
	})
}

// TestSimulateWhileForwarding: dry runs from several goroutines beside
// running workers and configuration changes keep their answer and race
// with nothing (run under -race).
func TestSimulateWhileForwarding(t *testing.T) {
	g := newL3Rig(t)
	if err := g.sw.AddStaticARP(netip.MustParseAddr("10.0.20.7"), packet.MAC(macB)); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.AddStaticMAC(20, packet.MAC(macB), ifName(3)); err != nil {
		t.Fatal(err)
	}
	g.sw.Start()
	defer func() {
		if err := g.sw.Stop(); err != nil {
			t.Error(err)
		}
	}()
	routed := udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("routed"))
	l := mustList(t, "P", acl.Extended, "permit ip any any log")
	stop := make(chan struct{})
	var busy sync.WaitGroup
	busy.Add(2)
	go func() { // traffic
		defer busy.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			g.ports[ifName(1)].Inject(routed, udpFrame(t, macC, bcast, 0, "flood"))
			if i%16 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	go func() { // configuration
		defer busy.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var list *acl.List
			if i%2 == 0 {
				list = l
			}
			if _, err := g.sw.SetPortACL(ifName(2), list); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var sims sync.WaitGroup
	for range 3 {
		sims.Add(1)
		go func() {
			defer sims.Done()
			for range 300 {
				res, err := g.sw.Simulate(ifName(1), routed)
				if err != nil {
					t.Error(err)
					return
				}
				if res.Verdict != Forward || len(res.Egress) != 1 || res.Egress[0].Port != 2 {
					t.Errorf("routed frame simulated %v %v to %+v", res.Verdict, res.Reason, res.Egress)
					return
				}
			}
		}()
	}
	sims.Wait()
	close(stop)
	busy.Wait()
}
