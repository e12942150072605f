package dataplane

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/internal/pkttest"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// mustList builds an access list from IOS entry lines.
func mustList(t testing.TB, name string, kind acl.Kind, lines ...string) *acl.List {
	t.Helper()
	l, err := acl.ParseList(name, kind, lines...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var (
	ip1 = net.IP{10, 0, 0, 1}
	ip2 = net.IP{10, 0, 0, 2}
)

func TestPortACLFiltersAtLayer2(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	web := mustList(t, "WEB", acl.Extended, "permit tcp any host 10.0.0.2 eq www", "deny udp any any log")
	if _, err := g.sw.SetPortACL(ifName(1), web); err != nil {
		t.Fatal(err)
	}
	ok := l4Frame(t, macA, bcast, ip1, ip2, "tcp", 80)
	g.send(1, ok)
	g.expect(ok, 2, 3)
	for _, f := range [][]byte{l4Frame(t, macA, bcast, ip1, ip2, "tcp", 443), l4Frame(t, macA, bcast, ip1, ip2, "udp", 53), l4Frame(t, macA, bcast, ip1, ip2, "icmp", 0)} {
		g.send(1, f)
		g.expect(nil)
	}
	if n := g.counter(1, DropPACL); n != 3 {
		t.Errorf("drop port acl = %d, want 3", n)
	}
	// Non-IP traffic (ARP) is not subject to an IP port ACL; other ports are unfiltered.
	a := arpFrame(t, layers.ARPRequest, macA, bcast, macA, ip1, net.HardwareAddr{0, 0, 0, 0, 0, 0}, ip2)
	g.send(1, a)
	g.expect(a, 2, 3)
	udp := l4Frame(t, macB, bcast, ip2, ip1, "udp", 53)
	g.send(2, udp)
	g.expect(udp, 1, 3)

	if m := g.sw.ACLMatches("WEB", 10); m != 1 {
		t.Errorf("WEB 10 matches = %d, want 1", m)
	}
	if m := g.sw.ACLMatches("WEB", 20); m != 1 {
		t.Errorf("WEB 20 matches = %d, want 1", m)
	}
	g.sw.ClearACLCounters("")
	if m := g.sw.ACLMatches("WEB", 10); m != 0 {
		t.Errorf("after clear: %d", m)
	}
	// The log entry reached the control plane.
	g.cpu()
	if !hasLog(g, "%SEC-6-IPACCESSLOGP: list WEB denied udp 10.0.0.1(40000) -> 10.0.0.2(53), 1 packet") {
		t.Errorf("no IPACCESSLOGP line in %q", logText(g))
	}

	// Removing the ACL lets everything through again.
	if _, err := g.sw.SetPortACL(ifName(1), nil); err != nil {
		t.Fatal(err)
	}
	deny := l4Frame(t, macA, bcast, ip1, ip2, "tcp", 443)
	g.send(1, deny)
	g.expect(deny, 2, 3)
	if u := g.sw.ACLUsage(); u.EntriesUsed != 0 {
		t.Errorf("entries still used after removal: %+v", u)
	}
	if _, err := g.sw.SetPortACL("GigabitEthernet0/9", web); !errors.Is(err, ErrNoSuchPort) {
		t.Errorf("ACL on a missing port: %v", err)
	}
}

func TestEmptyOrRemarkOnlyACLFiltersNothing(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	l := mustList(t, "EMPTY", acl.Extended, "remark nothing yet")
	if _, err := g.sw.SetPortACL(ifName(1), l); err != nil {
		t.Fatal(err)
	}
	f := l4Frame(t, macA, bcast, ip1, ip2, "tcp", 22)
	g.send(1, f)
	g.expect(f, 2)
}

func TestVLANFilter(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	for i := 1; i <= 3; i++ {
		g.set(i, func(s *PortSettings) { s.AccessVLAN = 10 })
	}
	if err := g.sw.SetVLAN(10, ""); err != nil {
		t.Fatal(err)
	}
	block := mustList(t, "FROM-A", acl.Extended, "permit ip host 10.0.0.1 any", "deny ip any any")
	telnet := mustList(t, "TELNET", acl.Extended, "permit tcp any any eq telnet")
	m := &VLANAccessMap{Name: "GUARD", Entries: []VLANAccessMapEntry{
		{Seq: 20, Matches: []*acl.List{telnet}},            // forward telnet from anyone else
		{Seq: 10, Matches: []*acl.List{block}, Drop: true}, // drop everything from 10.0.0.1
	}}
	if _, err := g.sw.SetVLANFilter(10, m); err != nil {
		t.Fatal(err)
	}
	// Sequence 10 runs first even though it was given second.
	g.send(1, l4Frame(t, macA, bcast, ip1, ip2, "tcp", 23))
	g.expect(nil)
	tel := l4Frame(t, macB, bcast, ip2, ip1, "tcp", 23)
	g.send(2, tel)
	g.expect(tel, 1, 3)
	// Neither entry matches: the implicit drop at the end of the map.
	g.send(2, l4Frame(t, macB, bcast, ip2, ip1, "udp", 53))
	g.expect(nil)
	// ARP is not an IP packet: a map with only IP match clauses forwards it.
	a := arpFrame(t, layers.ARPRequest, macA, bcast, macA, ip1, net.HardwareAddr{0, 0, 0, 0, 0, 0}, ip2)
	g.send(1, a)
	g.expect(a, 2, 3)
	if g.counter(1, DropVACL) != 1 || g.counter(2, DropVACL) != 1 {
		t.Errorf("drop vlan filter counters %d %d", g.counter(1, DropVACL), g.counter(2, DropVACL))
	}
	// Other VLANs are unfiltered.
	g.set(3, func(s *PortSettings) { s.AccessVLAN = 1 })
	g.set(2, func(s *PortSettings) { s.AccessVLAN = 1 })
	u := l4Frame(t, macB, bcast, ip2, ip1, "udp", 53)
	g.send(2, u)
	g.expect(u, 3)

	if _, err := g.sw.SetVLANFilter(10, nil); err != nil {
		t.Fatal(err)
	}
	if u := g.sw.ACLUsage(); u.EntriesUsed != 0 || len(g.sw.ACLSummary()) != 0 {
		t.Errorf("filter removed but TCAM holds %+v %+v", u, g.sw.ACLSummary())
	}
}

func TestACLCapacityRejectsPortAndVLANACLsAndKeepsTheOldOne(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	if err := g.sw.SetACLLimits(tcam.Limits{Entries: 4, Masks: 8, EntriesPerMask: 8, RangeUnits: 4}); err != nil {
		t.Fatal(err)
	}
	small := mustList(t, "P", acl.Extended, "deny tcp any any eq 22", "permit ip any any")
	if _, err := g.sw.SetPortACL(ifName(1), small); err != nil {
		t.Fatal(err)
	}
	big := mustList(t, "P", acl.Extended, "deny tcp any any eq 22", "deny tcp any any eq 23", "deny tcp any any eq 25", "deny tcp any any eq 80", "permit ip any any")
	_, err := g.sw.SetPortACL(ifName(1), big)
	var full *tcam.FullError
	if !errors.Is(err, tcam.ErrTCAMFull) || !errors.As(err, &full) {
		t.Fatalf("oversized port ACL: %v", err)
	}
	if !hasLog(g, "%ACL-5-TCAMFULL: acl engine TCAM table is full") {
		t.Errorf("no TCAMFULL message: %q", logText(g))
	}
	// The old list still filters: 22 denied, 80 permitted.
	g.send(1, l4Frame(t, macA, bcast, ip1, ip2, "tcp", 22))
	g.expect(nil)
	web := l4Frame(t, macA, bcast, ip1, ip2, "tcp", 80)
	g.send(1, web)
	g.expect(web, 2)

	// A VLAN filter that does not fit changes nothing either, and undoes
	// the lists it had already placed.
	before := g.sw.ACLUsage()
	fits := mustList(t, "FITS", acl.Extended, "permit ip any any")
	m := &VLANAccessMap{Name: "M", Entries: []VLANAccessMapEntry{{Seq: 10, Matches: []*acl.List{fits}}, {Seq: 20, Matches: []*acl.List{big}}}}
	if _, err := g.sw.SetVLANFilter(1, m); !errors.Is(err, tcam.ErrTCAMFull) {
		t.Fatalf("oversized VLAN filter: %v", err)
	}
	if after := g.sw.ACLUsage(); after != before {
		t.Errorf("failed filter changed the TCAM: %+v -> %+v", before, after)
	}
	g.send(1, web)
	g.expect(web, 2)

	// Freeing space lets the bigger list in.
	if _, err := g.sw.SetPortACL(ifName(1), nil); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.SetACLLimits(tcam.Limits{Entries: 16, Masks: 16, EntriesPerMask: 8, RangeUnits: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.sw.SetPortACL(ifName(1), big); err != nil {
		t.Fatal(err)
	}
	g.send(1, web)
	g.expect(nil)
}

// rtrACLRig is the layer-3 rig with hosts A (port 1, VLAN 10) and B
// (port 3, VLAN 20) known to the router.
func rtrACLRig(t *testing.T) *rig {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	return g
}

func TestRouterACLInAndOut(t *testing.T) {
	g := rtrACLRig(t)
	in := mustList(t, "101", acl.Extended, "deny tcp any any eq 23", "deny icmp any host 10.0.10.1", "permit ip any any")
	if _, err := g.sw.SetSVIACL(10, tcam.In, in); err != nil {
		t.Fatal(err)
	}
	// Permitted and routed.
	f := l4Frame(t, macA, g.routerMAC(), ipA, ipB, "tcp", 80)
	g.send(1, f)
	if got := g.got(); len(got[3]) != 1 {
		t.Fatalf("permitted flow not routed: %v", got)
	}
	// Denied: dropped, and the CPU answers with administratively prohibited.
	g.send(1, l4Frame(t, macA, g.routerMAC(), ipA, ipB, "tcp", 23))
	if got := g.got(); len(got) != 0 {
		t.Fatalf("denied flow forwarded: %v", got)
	}
	g.cpu()
	got := g.got()
	if len(got[1]) != 1 {
		t.Fatalf("no ICMP back to the sender: %v", got)
	}
	icmp, ok := decode(got[1][0]).Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if !ok || icmp.TypeCode != layers.CreateICMPv4TypeCode(3, 13) {
		t.Fatalf("reply is not ICMP 3/13: %v", decode(got[1][0]))
	}
	// The inbound ACL filters traffic to the switch itself too.
	g.send(1, l4Frame(t, macA, g.routerMAC(), ipA, net.IP{10, 0, 10, 1}, "icmp", 0))
	g.cpu()
	if got := g.got(); len(got[1]) != 1 {
		t.Fatalf("want only the prohibited ICMP, got %v", got)
	} else if ic, _ := decode(got[1][0]).Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ic == nil || ic.TypeCode.Type() != 3 {
		t.Fatalf("ping to the SVI answered through a deny: %v", decode(got[1][0]))
	}
	if g.l3(l3DropACL) != 2 {
		t.Errorf("l3 drop acl = %d, want 2", g.l3(l3DropACL))
	}

	// Outbound on Vlan20: UDP out of it is denied, the rest passes.
	out := mustList(t, "OUT20", acl.Extended, "deny udp any any", "permit ip any any")
	if _, err := g.sw.SetSVIACL(20, tcam.Out, out); err != nil {
		t.Fatal(err)
	}
	g.send(1, l4Frame(t, macA, g.routerMAC(), ipA, ipB, "udp", 53))
	if got := g.got(); len(got) != 0 {
		t.Fatalf("outbound deny forwarded: %v", got)
	}
	g.send(1, f)
	if got := g.got(); len(got[3]) != 1 {
		t.Fatalf("outbound permit not routed: %v", got)
	}
	// Traffic into Vlan20 is bridged, not routed: the router ACL does not see it.
	g.send(4, retag(t, l4Frame(t, macC, macB, ipC, ipB, "udp", 53), 20))
	if got := g.got(); len(got[3]) != 1 {
		t.Fatalf("bridged traffic filtered by a router ACL: %v", got)
	}
	if m := g.sw.ACLMatches("OUT20", 10); m != 1 {
		t.Errorf("OUT20 seq 10 matches = %d", m)
	}
	// Removing both.
	for _, x := range []struct {
		v uint16
		d tcam.Direction
	}{{10, tcam.In}, {20, tcam.Out}} {
		if _, err := g.sw.SetSVIACL(x.v, x.d, nil); err != nil {
			t.Fatal(err)
		}
	}
	g.send(1, l4Frame(t, macA, g.routerMAC(), ipA, ipB, "udp", 53))
	if got := g.got(); len(got[3]) != 1 {
		t.Fatalf("after removal: %v", got)
	}
}

func TestRouterACLBeforeSVIExists(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	deny := mustList(t, "NOPE", acl.Extended, "deny ip any any")
	if _, err := g.sw.SetSVIACL(1, tcam.In, deny); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.CreateSVI(1); err != nil {
		t.Fatal(err)
	}
	s := g.sw.snap.Load()
	if s.l3 == nil || s.l3.svis[1] == nil || s.l3.svis[1].racl[tcam.In].b == nil {
		t.Fatal("router ACL configured before the SVI is not in force once it exists")
	}
}

func TestRouterACLOverflowIsSoftwareSwitched(t *testing.T) {
	g := rtrACLRig(t)
	if err := g.sw.SetACLLimits(tcam.Limits{Entries: 2, Masks: 8, EntriesPerMask: 8, RangeUnits: 4}); err != nil {
		t.Fatal(err)
	}
	l := mustList(t, "BIG", acl.Extended, "deny tcp any any eq 23", "deny tcp any any eq 25", "deny tcp any any eq 110", "permit ip any any")
	res, err := g.sw.SetSVIACL(10, tcam.In, l)
	if err != nil || res.State != tcam.Inactive {
		t.Fatalf("overflowing router ACL: %+v %v", res, err)
	}
	for _, want := range []string{
		"%FM-4-TCAM_ENTRY: Hardware TCAM entry capacity exceeded",
		"%FMCORE-4-RACL_REDUCED: Interface Vlan10 routed traffic will be software switched in ingress direction",
	} {
		if !hasLog(g, want) {
			t.Errorf("missing %q in %q", want, logText(g))
		}
	}
	sum := g.sw.ACLSummary()
	if len(sum) != 1 || sum[0].State != tcam.Inactive || sum[0].ID.Interface != "Vlan10" {
		t.Errorf("summary %+v", sum)
	}
	// Still filtering correctly on the software path.
	g.send(1, l4Frame(t, macA, g.routerMAC(), ipA, ipB, "tcp", 25))
	if got := g.got(); len(got) != 0 {
		t.Fatalf("software-switched deny forwarded: %v", got)
	}
	g.send(1, l4Frame(t, macA, g.routerMAC(), ipA, ipB, "tcp", 80))
	if got := g.got(); len(got[3]) != 1 {
		t.Fatalf("software-switched permit not routed: %v", got)
	}
}

func TestACLLogAggregatesPerFlow(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	l := mustList(t, "120", acl.Extended, "permit icmp any any log", "permit gre any any log", "permit ip any any")
	std := mustList(t, "10", acl.Standard, "deny 10.0.0.9 log", "permit any")
	if _, err := g.sw.SetPortACL(ifName(1), l); err != nil {
		t.Fatal(err)
	}
	if _, err := g.sw.SetPortACL(ifName(2), std); err != nil {
		t.Fatal(err)
	}
	ping := l4Frame(t, macA, bcast, ip1, ip2, "icmp", 0)
	for range 3 {
		g.send(1, ping)
	}
	gre := serialize(t, &layers.Ethernet{SrcMAC: macA, DstMAC: bcast, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolGRE, SrcIP: ip1, DstIP: ip2}, gopacket.Payload("gre"))
	g.send(1, gre)
	g.send(2, l4Frame(t, macB, bcast, net.IP{10, 0, 0, 9}, ip1, "udp", 9))
	g.cpu()
	for _, want := range []string{
		"%SEC-6-IPACCESSLOGDP: list 120 permitted icmp 10.0.0.1 -> 10.0.0.2 (8/0), 1 packet",
		"%SEC-6-IPACCESSLOGNP: list 120 permitted 47 10.0.0.1 -> 10.0.0.2, 1 packet",
		"%SEC-6-IPACCESSLOGS: list 10 denied 10.0.0.9 1 packet",
	} {
		if !hasLog(g, want) {
			t.Errorf("missing %q in %q", want, logText(g))
		}
	}
	if n := strings.Count(logText(g), "IPACCESSLOGDP"); n != 1 {
		t.Errorf("%d ICMP lines before the interval, want 1", n)
	}
	// After the interval the two later pings are reported together.
	g.clk.Advance(ACLLogInterval)
	g.sw.l3.cp.mu.Lock()
	g.sw.l3.cp.tick()
	g.sw.l3.cp.mu.Unlock()
	if !hasLog(g, "%SEC-6-IPACCESSLOGDP: list 120 permitted icmp 10.0.0.1 -> 10.0.0.2 (8/0), 2 packets") {
		t.Errorf("no aggregated line in %q", logText(g))
	}
}

func TestACLPathAllocatesNothing(t *testing.T) {
	g := rtrACLRig(t)
	lines := []string{"deny tcp any any eq 23"}
	for i := range 50 {
		lines = append(lines, "permit udp host 10.0.10."+strconv.Itoa(i+6)+" any range 1000 2000")
	}
	lines = append(lines, "permit ip any any")
	l := mustList(t, "A", acl.Extended, lines...)
	if _, err := g.sw.SetPortACL(ifName(1), l); err != nil {
		t.Fatal(err)
	}
	if _, err := g.sw.SetSVIACL(10, tcam.In, l); err != nil {
		t.Fatal(err)
	}
	if _, err := g.sw.SetSVIACL(20, tcam.Out, l); err != nil {
		t.Fatal(err)
	}
	f := l4Frame(t, macA, g.routerMAC(), ipA, ipB, "tcp", 80)
	g.send(1, f)
	if got := g.got(); len(got[3]) != 1 {
		t.Fatalf("not routed through three ACLs: %v", got)
	}
	g.assertNoAllocs("routing through three ACLs", 1, 3, f)
}

func hasLog(g *rig, s string) bool { return strings.Contains(logText(g), s) }

func logText(g *rig) string {
	return strings.Join(g.sw.Log().Grep(""), "\n")
}

// TestOneLineEditsAreIncrementalAndExact edits an applied list one line at
// a time (the CLI's pattern) and checks after every step that the binding
// classifies exactly as a first-match scan of the list as it now stands.
// BenchmarkPortACLOneLineEdit shows that such edits are incremental.
func TestOneLineEditsAreIncrementalAndExact(t *testing.T) {
	g := newRig(t, 1, cam.Config{})
	rng := rand.New(rand.NewPCG(7, 7))
	l := mustList(t, "EDIT", acl.Extended, "permit ip any any")
	if _, err := g.sw.SetPortACL(ifName(1), l); err != nil {
		t.Fatal(err)
	}
	b := g.sw.acl.port[ifName(1)].b
	b.Classify(0, &tcam.Header{Proto: 6})
	protos := []string{"tcp", "udp", "icmp", "ip"}
	for step := range 200 {
		l = l.Clone()
		if l.Len() > 3 && rng.IntN(3) == 0 {
			es := l.Entries()
			if _, err := l.Delete(es[rng.IntN(len(es))].Seq); err != nil {
				t.Fatal(err)
			}
		} else {
			line := fmt.Sprintf("%d %s %s 10.%d.0.0 0.0.%d.255 any", 1+rng.IntN(5000),
				[]string{"permit", "deny"}[rng.IntN(2)], protos[rng.IntN(len(protos))], rng.IntN(4), rng.IntN(4))
			a, err := acl.ParseLine(acl.Extended, line)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := l.Get(a.Seq); ok {
				continue
			}
			if _, err := l.Add(a); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := g.sw.SetPortACL(ifName(1), l); err != nil {
			t.Fatal(err)
		}
		if g.sw.acl.port[ifName(1)].b != b {
			t.Fatalf("step %d: the binding was replaced", step)
		}
		for range 50 {
			h := tcam.Header{Proto: []uint8{1, 6, 17, 47}[rng.IntN(4)], Src: uint32(10)<<24 | uint32(rng.IntN(5))<<16 | uint32(rng.IntN(1024)), Dst: rng.Uint32()}
			want, matched := false, false
			for _, a := range l.Entries() {
				if a.Action != acl.Remark && a.Matches(h.Proto, h.Src, h.Dst, h.SrcPort, h.DstPort, h.Flags) {
					want, matched = a.Action == acl.Permit, true
					break
				}
			}
			if v := b.Classify(0, &h); v.Permit != want || v.Matched != matched {
				t.Fatalf("step %d: %+v classified %+v, want permit %v\n%s", step, h, v, want, strings.Join(l.ConfigLines(), "\n"))
			}
		}
	}
}

// BenchmarkPortACLOneLineEdit adds and removes one entry of an applied
// 10k-entry port ACL, as typing into a big list does: the TCAM's
// incremental path, not a recompile of the list.
func BenchmarkPortACLOneLineEdit(b *testing.B) {
	g := newRig(b, 1, cam.Config{})
	base := acl.NewList("BIG", acl.Extended)
	for i := range 10000 {
		a, err := acl.ParseLine(acl.Extended, fmt.Sprintf("deny tcp host 10.%d.%d.1 any eq %d", i/250, i%250, 1000+i))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := base.Add(a); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := g.sw.SetPortACL(ifName(1), base); err != nil {
		b.Fatal(err)
	}
	extra, err := acl.ParseLine(acl.Extended, "15 permit udp any host 192.0.2.1 eq 53")
	if err != nil {
		b.Fatal(err)
	}
	plus := base.Clone()
	if _, err := plus.Add(extra); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l := plus
		if i%2 == 1 {
			l = base
		}
		if _, err := g.sw.SetPortACL(ifName(1), l); err != nil {
			b.Fatal(err)
		}
	}
}

// l4Frame builds an IPv4 frame carrying a TCP SYN, a UDP datagram (to
// dport) or an ICMP echo.
func l4Frame(t testing.TB, src, dst net.HardwareAddr, sip, dip net.IP, proto string, dport uint16) []byte {
	return pkttest.L4(t, src, dst, sip, dip, proto, dport, "acl test payload")
}
