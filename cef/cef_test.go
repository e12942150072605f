package cef

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/packet"
)

const (
	vl10 IfID = 10
	vl20 IfID = 20
)

var (
	ip     = netip.MustParseAddr
	pfx    = netip.MustParsePrefix
	sviMAC = packet.MAC{0xc8, 0x00, 0x84, 0xd3, 0x99, 0x46}
	hostA  = packet.MAC{0x00, 0x0e, 0xb6, 0x5d, 0x4e, 0xb0}
)

func u(s string) uint32 { return addrU32(ip(s)) }

func newTable(t testing.TB) *Table {
	t.Helper()
	tb := New(Config{Workers: 2})
	if err := tb.SetInterface(vl10, IfConfig{Name: "Vlan10", MAC: sviMAC, VLAN: 10, Addresses: []netip.Prefix{pfx("10.1.1.1/24")}}); err != nil {
		t.Fatal(err)
	}
	if err := tb.SetInterface(vl20, IfConfig{Name: "Vlan20", MAC: sviMAC, VLAN: 20, Tagged: true, Addresses: []netip.Prefix{pfx("10.2.2.1/24")}}); err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestConnectedReceiveAndGlean(t *testing.T) {
	tb := newTable(t)
	r := tb.Lookup(u("10.1.1.77"))
	if r.Entry.Kind != KindAttached || r.Adj.State != AdjGlean || r.Adj.If != vl10 || r.Entry.Prefix() != pfx("10.1.1.0/24") {
		t.Fatalf("connected: %+v %+v", r.Entry, r.Adj)
	}
	for _, a := range []string{"10.1.1.1", "10.1.1.0", "10.1.1.255", "255.255.255.255", "224.0.0.5"} {
		if r := tb.Lookup(u(a)); r.Entry.Kind != KindReceive || r.Adj.State != AdjPunt {
			t.Fatalf("%s: %+v", a, r.Entry)
		}
	}
	for _, a := range []string{"127.0.0.1", "239.1.1.1", "0.1.2.3"} {
		if r := tb.Lookup(u(a)); r.Entry.Kind != KindDrop || r.Adj.State != AdjDrop {
			t.Fatalf("%s: %+v", a, r.Entry)
		}
	}
	if r := tb.Lookup(u("8.8.8.8")); r.Entry.Kind != KindNoRoute || r.Adj.State != AdjDrop {
		t.Fatalf("no route: %+v", r.Entry)
	}
}

func TestARPResolveBuildsRewriteAndHostEntry(t *testing.T) {
	tb := newTable(t)
	tb.Resolve(vl10, ip("10.1.1.5"), hostA)
	r := tb.Lookup(u("10.1.1.5"))
	if r.Entry.Kind != KindHost || r.Entry.Len != 32 || r.Adj.State != AdjValid {
		t.Fatalf("host: %+v %+v", r.Entry, r.Adj)
	}
	if got := strings.ToUpper(hex.EncodeToString(r.Adj.Rewrite())); got != "000EB65D4EB0C80084D399460800" {
		t.Fatalf("rewrite %s", got)
	}
	// Tagged SVI: 802.1Q tag for VLAN 20.
	tb.Resolve(vl20, ip("10.2.2.9"), hostA)
	r = tb.Lookup(u("10.2.2.9"))
	if got := strings.ToUpper(hex.EncodeToString(r.Adj.Rewrite())); got != "000EB65D4EB0C80084D3994681000014"+"0800" {
		t.Fatalf("tagged rewrite %s", got)
	}
	// ARP entry ages out: adjacency incomplete, host entry stays (drops).
	tb.Unresolve(vl10, ip("10.1.1.5"))
	r = tb.Lookup(u("10.1.1.5"))
	if r.Entry.Kind != KindHost || r.Adj.State != AdjIncomplete || len(r.Adj.Rewrite()) != 0 {
		t.Fatalf("after unresolve: %+v %+v", r.Entry, r.Adj)
	}
	tb.Forget(vl10, ip("10.1.1.5"))
	if r := tb.Lookup(u("10.1.1.5")); r.Entry.Kind != KindAttached {
		t.Fatalf("after forget: %+v", r.Entry)
	}
}

func TestStaticRecursiveAndDistance(t *testing.T) {
	tb := newTable(t)
	// 10.9.0.0/16 via 10.1.1.2 (connected) ; 172.16.0.0/12 via 10.9.9.9 (recursive).
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("10.9.0.0/16"), NextHop: ip("10.1.1.2")}))
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("172.16.0.0/12"), NextHop: ip("10.9.9.9")}))
	r := tb.Lookup(u("172.20.1.1"))
	if r.Entry.Kind != KindNextHop || r.Entry.NextHop != u("10.1.1.2") || r.Entry.Via != u("10.9.9.9") || r.Adj.State != AdjIncomplete {
		t.Fatalf("recursive: %+v %+v", r.Entry, r.Adj)
	}
	tb.Resolve(vl10, ip("10.1.1.2"), hostA)
	if r := tb.Lookup(u("172.20.1.1")); r.Adj.State != AdjValid || r.Adj.DstMAC != hostA {
		t.Fatalf("after ARP: %+v", r.Adj)
	}
	// Floating static with a worse distance takes over when the better
	// one's next hop stops resolving.
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("192.168.0.0/16"), NextHop: ip("10.1.1.3"), Distance: 1}))
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("192.168.0.0/16"), NextHop: ip("10.2.2.3"), Distance: 200}))
	if r := tb.Lookup(u("192.168.1.1")); r.Entry.NextHop != u("10.1.1.3") {
		t.Fatalf("distance: %+v", r.Entry)
	}
	// Re-resolution: the recursive next hop moves when its route changes.
	must(t, tb.RemoveStatic(StaticRoute{Prefix: pfx("10.9.0.0/16"), NextHop: ip("10.1.1.2")}))
	if r := tb.Lookup(u("172.20.1.1")); r.Entry.Kind != KindNoRoute {
		t.Fatalf("recursive route without its next hop: %+v", r.Entry)
	}
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("10.9.0.0/16"), NextHop: ip("10.2.2.7")}))
	if r := tb.Lookup(u("172.20.1.1")); r.Entry.NextHop != u("10.2.2.7") || r.Entry.If != vl20 {
		t.Fatalf("re-resolved: %+v", r.Entry)
	}
	tb.RemoveInterface(vl10)
	if r := tb.Lookup(u("192.168.1.1")); r.Entry.NextHop != u("10.2.2.3") {
		t.Fatalf("floating static: %+v", r.Entry)
	}
	// Null0 and interface statics.
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("10.50.0.0/16"), If: Null0, HasIf: true}))
	if r := tb.Lookup(u("10.50.1.1")); r.Entry.Kind != KindNull || r.Adj.State != AdjDrop {
		t.Fatalf("null0: %+v", r.Entry)
	}
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("10.60.0.0/16"), If: vl20, HasIf: true}))
	if r := tb.Lookup(u("10.60.1.1")); r.Entry.Kind != KindAttached || r.Adj.State != AdjGlean || r.Adj.If != vl20 {
		t.Fatalf("interface static: %+v", r.Entry)
	}
	if err := tb.AddStatic(StaticRoute{Prefix: pfx("10.70.0.0/16"), If: 99, HasIf: true}); err == nil {
		t.Fatal("static via unknown interface accepted")
	}
	// A static whose next hop resolves only through itself is not installed.
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("11.0.0.0/8"), NextHop: ip("11.1.1.1")}))
	if r := tb.Lookup(u("11.2.2.2")); r.Entry.Kind != KindNoRoute {
		t.Fatalf("self-recursive static installed: %+v", r.Entry)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// oracleLookup is the naive oracle: a linear scan of prefixes.
func oracleLookup(rs map[pfxKey]string, a uint32) (pfxKey, bool) {
	for l := 32; l >= 0; l-- {
		k := pfxKey{a & mask(l), uint8(l)}
		if _, ok := rs[k]; ok {
			return k, true
		}
	}
	return pfxKey{}, false
}

func TestLPMDifferentialAgainstOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tb := New(Config{})
	must(t, tb.SetInterface(1, IfConfig{Name: "Vlan1", Addresses: []netip.Prefix{pfx("100.64.0.1/24")}}))
	oracle := map[pfxKey]string{}
	for _, e := range tb.Entries() {
		oracle[pfxKey{e.Addr, e.Len}] = "base"
	}
	var keys []pfxKey
	check := func(round int) {
		for i := 0; i < 3000; i++ {
			var a uint32
			if len(keys) > 0 && i%2 == 0 {
				k := keys[rng.IntN(len(keys))]
				a = k.a | rng.Uint32()&^mask(int(k.l))
			} else {
				a = rng.Uint32()
			}
			want, ok := oracleLookup(oracle, a)
			got := tb.Lookup(a).Entry
			if !ok {
				if got.Kind != KindNoRoute {
					t.Fatalf("round %d %s: got %v, want no route", round, u32Addr(a), got.Prefix())
				}
				continue
			}
			if got.Addr != want.a || got.Len != want.l {
				t.Fatalf("round %d %s: got %v, want %v", round, u32Addr(a), got.Prefix(), want.prefix())
			}
		}
	}
	for round := 0; round < 30; round++ {
		err := tb.Batch(func() error {
			for i := 0; i < 300; i++ {
				if len(keys) > 0 && rng.IntN(3) == 0 {
					j := rng.IntN(len(keys))
					k := keys[j]
					keys[j] = keys[len(keys)-1]
					keys = keys[:len(keys)-1]
					if err := tb.RemoveStatic(StaticRoute{Prefix: k.prefix(), If: Null0, HasIf: true}); err != nil {
						return err
					}
					delete(oracle, k)
					continue
				}
				l := []int{0, 1, 4, 8, 12, 15, 16, 17, 19, 20, 22, 23, 24, 24, 24, 25, 27, 28, 30, 32}[rng.IntN(20)]
				k := pfxKey{rng.Uint32() & mask(l), uint8(l)}
				if k.a>>24 == 0 || k.a>>24 == 127 || k.a>>28 >= 14 || k.a>>8 == u("100.64.0.0")>>8 || l < 8 {
					continue // keep clear of the special and connected entries
				}
				if _, dup := oracle[k]; dup {
					continue
				}
				if err := tb.AddStatic(StaticRoute{Prefix: k.prefix(), If: Null0, HasIf: true}); err != nil {
					return err
				}
				oracle[k] = "s"
				keys = append(keys, k)
			}
			return nil
		})
		must(t, err)
		check(round)
	}
	if tb.Len() != len(oracle) {
		t.Fatalf("Len %d, oracle %d", tb.Len(), len(oracle))
	}
	// Compaction keeps the answers.
	tb.mu.Lock()
	tb.compact()
	tb.commitLocked()
	tb.mu.Unlock()
	check(99)
}

func TestLookupZeroAllocs(t *testing.T) {
	tb := newTable(t)
	tb.Resolve(vl10, ip("10.1.1.5"), hostA)
	w := tb.Counters().Worker(0)
	a := u("10.1.1.5")
	glean, local := u("10.1.1.9"), u("10.1.1.1")
	if n := testing.AllocsPerRun(1000, func() {
		r := tb.Lookup(a)
		_ = r.Adj.Rewrite()
		w.Forwarded(r, 100)
		w.Dropped(DropGlean, tb.Lookup(glean), 100)
		w.Punted(tb.Lookup(local), 100)
		w.Dropped(DropBadHeader, Result{}, 100)
	}); n != 0 {
		t.Fatalf("lookup+count allocates %v", n)
	}
}

func TestCounters(t *testing.T) {
	tb := newTable(t)
	tb.Resolve(vl10, ip("10.1.1.5"), hostA)
	r := tb.Lookup(u("10.1.1.5"))
	tb.Counters().Worker(0).Forwarded(r, 100)
	tb.Counters().Worker(1).Forwarded(r, 50)
	tb.Counters().Worker(1).Dropped(DropGlean, tb.Lookup(u("10.1.1.9")), 60)
	if p, b := tb.Counters().Adjacency(r.Adj.ID); p != 2 || b != 150 {
		t.Fatalf("adjacency counters %d %d", p, b)
	}
	if p, b := tb.Counters().Prefix(r.Entry); p != 2 || b != 150 {
		t.Fatalf("prefix counters %d %d", p, b)
	}
	s := tb.Counters().Summary()
	if s.Forwarded != 2 || s.DropsBy(DropGlean) != 1 {
		t.Fatalf("summary %+v", s)
	}
}

func showTable(t *testing.T) *Table {
	tb := newTable(t)
	must(t, tb.SetInterface(vl10, IfConfig{Name: "Vlan10", MAC: sviMAC, VLAN: 10,
		Addresses: []netip.Prefix{pfx("10.1.1.1/24"), pfx("10.1.2.1/25")}}))
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("10.9.0.0/16"), NextHop: ip("10.1.1.2")}))
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("0.0.0.0/0"), NextHop: ip("10.2.2.254")}))
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("192.168.50.0/24"), If: Null0, HasIf: true}))
	tb.Resolve(vl10, ip("10.1.1.2"), hostA)
	tb.Resolve(vl10, ip("10.1.1.5"), hostA)
	return tb
}

// TestEntriesRows: the FIB rows `show ip cef` is rendered from (by the
// CLI), in address order, and Find's exact and longest matches.
func TestEntriesRows(t *testing.T) {
	tb := showTable(t)
	type row struct {
		kind    EntryKind
		nextHop string
		ifName  string
	}
	want := map[string]row{
		"0.0.0.0/0":          {KindNextHop, "10.2.2.254", "Vlan20"},
		"0.0.0.0/8":          {KindDrop, "", ""},
		"10.1.1.0/24":        {KindAttached, "", "Vlan10"},
		"10.1.1.1/32":        {KindReceive, "", "Vlan10"},
		"10.1.1.2/32":        {KindHost, "", "Vlan10"},
		"10.9.0.0/16":        {KindNextHop, "10.1.1.2", "Vlan10"},
		"192.168.50.0/24":    {KindNull, "", "Null0"},
		"255.255.255.255/32": {KindReceive, "", ""},
	}
	es := tb.Entries()
	for i := 1; i < len(es); i++ {
		if es[i-1].Addr > es[i].Addr || es[i-1].Addr == es[i].Addr && es[i-1].Len >= es[i].Len {
			t.Fatalf("entries out of order at %d: %v then %v", i, es[i-1].Prefix(), es[i].Prefix())
		}
	}
	for _, e := range es {
		w, ok := want[e.Prefix().String()]
		if !ok {
			continue
		}
		delete(want, e.Prefix().String())
		nh := ""
		if e.NextHop != 0 {
			nh = u32Addr(e.NextHop).String()
		}
		if e.Kind != w.kind || w.nextHop != "" && nh != w.nextHop || tb.EntryIfName(&e) != w.ifName {
			t.Errorf("%v: kind %v next hop %q if %q, want %+v", e.Prefix(), e.Kind, nh, tb.EntryIfName(&e), w)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing entries %v", want)
	}
	// An empty table holds only the IOS special entries, and no default.
	var specials []string
	for _, e := range New(Config{}).Entries() {
		specials = append(specials, e.Prefix().String())
	}
	if got := strings.Join(specials, " "); got != "0.0.0.0/8 0.0.0.0/32 127.0.0.0/8 224.0.0.0/4 224.0.0.0/24 240.0.0.0/4 255.255.255.255/32" {
		t.Fatalf("empty table entries %s", got)
	}

	e, ok := tb.Find(pfx("172.16.1.1/32"), false)
	if !ok || e.Prefix() != pfx("0.0.0.0/0") {
		t.Fatalf("find %v", e.Prefix())
	}
	e, ok = tb.Find(pfx("10.9.0.0/16"), true)
	if !ok || e.Kind != KindNextHop || u32Addr(e.NextHop) != ip("10.1.1.2") || tb.EntryAdjacency(&e).State != AdjValid {
		t.Fatalf("exact find %+v", e)
	}
	if _, ok := tb.Find(pfx("10.9.0.0/17"), true); ok {
		t.Fatal("exact find of a prefix not in the table")
	}
}

// TestAdjacenciesRows: the rows of `show adjacency`: sorted, with their
// users, rewrite and counters.
func TestAdjacenciesRows(t *testing.T) {
	tb := showTable(t)
	tb.Counters().Worker(0).Forwarded(tb.Lookup(u("10.9.1.1")), 1000)
	adjs := tb.Adjacencies()
	if len(adjs) != 3 {
		t.Fatalf("%d adjacencies: %+v", len(adjs), adjs)
	}
	a := adjs[0]
	if a.IfName != "Vlan10" || a.NextHopAddr() != ip("10.1.1.2") || a.Refs != 2 || a.State != AdjValid {
		t.Fatalf("first adjacency %+v", a)
	}
	if got := fmt.Sprintf("%X", a.Rewrite()); got != "000EB65D4EB0C80084D399460800" {
		t.Fatalf("rewrite %s", got)
	}
	if p, b := tb.Counters().Adjacency(a.ID); p != 1 || b != 1000 {
		t.Fatalf("counters %d %d", p, b)
	}
	last := adjs[2]
	if last.IfName != "Vlan20" || last.NextHopAddr() != ip("10.2.2.254") || last.State == AdjValid || len(last.Rewrite()) != 0 {
		t.Fatalf("unresolved adjacency %+v", last)
	}
}

// TestRoutesRows: the routes in use, one per prefix, as `show ip route`
// lists them.
func TestRoutesRows(t *testing.T) {
	tb := showTable(t)
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("172.16.5.0/24"), NextHop: ip("10.1.1.2")}))
	var got []string
	for _, r := range tb.Routes() {
		got = append(got, fmt.Sprintf("%v %v %d %v %s", r.Prefix, r.Type, r.Distance, r.NextHop, r.IfName))
	}
	want := []string{
		"0.0.0.0/0 static 1 10.2.2.254 ",
		"10.1.1.0/24 connected 0 invalid IP Vlan10",
		"10.1.1.1/32 local 0 invalid IP Vlan10",
		"10.1.2.0/25 connected 0 invalid IP Vlan10",
		"10.1.2.1/32 local 0 invalid IP Vlan10",
		"10.2.2.0/24 connected 0 invalid IP Vlan20",
		"10.2.2.1/32 local 0 invalid IP Vlan20",
		"10.9.0.0/16 static 1 10.1.1.2 ",
		"172.16.5.0/24 static 1 10.1.1.2 ",
		"192.168.50.0/24 static 1 invalid IP Null0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(New(Config{}).Routes()) != 0 {
		t.Fatal("an empty table has routes")
	}
}

// Readers look up while a writer changes routes and ARP state: under -race
// this proves the copy-on-write publication, and every answer must be one
// the table could have given (the stable prefixes never disappear).
func TestConcurrentLookupsDuringUpdates(t *testing.T) {
	tb := newTable(t)
	must(t, tb.AddStatic(StaticRoute{Prefix: pfx("172.16.0.0/12"), NextHop: ip("10.1.1.2")}))
	stop := make(chan struct{})
	done := make(chan error, 2)
	for w := 0; w < 2; w++ {
		go func(w int) {
			ctr, sh := tb.Counters().Worker(w), tb.Counters().Shard(w)
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for {
				select {
				case <-stop:
					done <- nil
					return
				default:
				}
				a := u("172.16.0.0") | rng.Uint32()&0x000fffff
				r := tb.Lookup(a)
				if r.Entry.Len < 12 || r.Entry.Kind != KindNextHop && r.Entry.Kind != KindNull {
					done <- fmt.Errorf("lookup %s: %+v", u32Addr(a), r.Entry)
					return
				}
				sh.Lock() // as a worker does for its batch
				ctr.Forwarded(r, 64)
				sh.Unlock()
			}
		}(w)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 300; i++ {
		p := netip.PrefixFrom(u32Addr(u("172.16.0.0")|rng.Uint32()&0x000fff00), 24)
		must(t, tb.AddStatic(StaticRoute{Prefix: p, If: Null0, HasIf: true}))
		if i%3 == 0 {
			tb.Resolve(vl10, ip("10.1.1.2"), hostA)
		} else {
			tb.Unresolve(vl10, ip("10.1.1.2"))
		}
		if i%2 == 0 {
			must(t, tb.RemoveStatic(StaticRoute{Prefix: p, If: Null0, HasIf: true}))
		}
	}
	close(stop)
	for w := 0; w < 2; w++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
