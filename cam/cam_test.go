package cam

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/l2sw/l2sw/clock"
	"github.com/l2sw/l2sw/packet"
	"github.com/zeebo/xxh3"
)

const (
	hostA = 0x0011_857c_4d10
	hostB = 0x0011_857c_4d11
	hostC = 0x0011_857c_4d12
)

// recorder collects events.
type recorder struct{ events []Event }

func (r *recorder) handle(e Event) { r.events = append(r.events, e) }

func (r *recorder) count(k EventKind) int {
	n := 0
	for _, e := range r.events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func newRecorded(cfg Config) (*Table, *recorder) {
	t := New(cfg)
	r := &recorder{}
	t.SetEventHandler(r.handle)
	return t, r
}

func mustLookup(t *testing.T, tb *Table, vlan uint16, mac uint64, want PortID) {
	t.Helper()
	p, ok := tb.Lookup(vlan, mac)
	if !ok || p != want {
		t.Fatalf("Lookup(%d, %s) = %d,%v; want %d,true", vlan, packet.MACFromUint64(mac), p, ok, want)
	}
}

func mustMiss(t *testing.T, tb *Table, vlan uint16, mac uint64) {
	t.Helper()
	if p, ok := tb.Lookup(vlan, mac); ok {
		t.Fatalf("Lookup(%d, %s) = %d; want miss", vlan, packet.MACFromUint64(mac), p)
	}
}

// TestHashAvalanche: flipping any one key bit (MAC or VLAN) flips each
// output bit about half the time, so no part of the key is ignored by the
// bucket index or the home line whatever the table size.
func TestHashAvalanche(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const samples = 4000
	for in := range 60 {
		var flips [64]int
		for range samples {
			k := Key(uint16(1+r.IntN(MaxVLAN)), r.Uint64())
			d := hashKey(k) ^ hashKey(k^1<<in)
			for out := range 64 {
				flips[out] += int(d >> out & 1)
			}
		}
		for out, n := range flips {
			if p := float64(n) / samples; p < 0.45 || p > 0.55 {
				t.Fatalf("key bit %d flips hash bit %d with probability %.3f, want about 0.5", in, out, p)
			}
		}
	}
}

func TestKeyPacking(t *testing.T) {
	m := packet.MAC{0x00, 0x11, 0x85, 0x7c, 0x4d, 0x10}
	if got := Key(100, m.Uint64()); got != 100<<48|hostA {
		t.Fatalf("Key = %#x", got)
	}
	if Key(1, 1<<50|5) != Key(1, 5) {
		t.Fatal("bits above 48 of the MAC leak into the key")
	}
	v := packValue(0xfffe, System, -12345)
	if valuePort(v) != 0xfffe || valueType(v) != System || valueSeen(v) != -12345 {
		t.Fatalf("value round trip: %d %v %d", valuePort(v), valueType(v), valueSeen(v))
	}
	if valueSeen(withSeen(v, 1<<40)) != 1<<40 || valuePort(withSeen(v, 7)) != 0xfffe {
		t.Fatal("withSeen lost a field")
	}
}

func TestLearnRefreshMove(t *testing.T) {
	tb, rec := newRecorded(Config{})
	mustMiss(t, tb, 10, hostA)
	if r := tb.Learn(10, hostA, 1, 100); r != Learned {
		t.Fatalf("first learn: %v", r)
	}
	mustLookup(t, tb, 10, hostA, 1)
	mustMiss(t, tb, 20, hostA) // VLANs are separate tables
	if r := tb.Learn(10, hostA, 1, 100); r != Refreshed {
		t.Fatalf("same port same second: %v", r)
	}
	if r := tb.Learn(10, hostA, 1, 105); r != Refreshed {
		t.Fatalf("same port later: %v", r)
	}
	if e, _ := tb.LookupEntry(10, hostA); e.LastSeen != 105 || e.Type != Dynamic {
		t.Fatalf("entry after refresh: %+v", e)
	}
	if r := tb.Learn(10, hostA, 1, 103); r != Refreshed {
		t.Fatalf("stale clock: %v", r)
	}
	if e, _ := tb.LookupEntry(10, hostA); e.LastSeen != 105 {
		t.Fatalf("a stale clock moved last-seen backwards: %d", e.LastSeen)
	}
	if r := tb.Learn(10, hostA, 2, 106); r != Moved {
		t.Fatalf("other port: %v", r)
	}
	mustLookup(t, tb, 10, hostA, 2)
	if n := len(tb.Entries(MatchAll())); n != 1 {
		t.Fatalf("after a move the old entry must be gone: %d entries", n)
	}
	if rec.count(EventMove) != 1 {
		t.Fatalf("events: %+v", rec.events)
	}
	e := rec.events[0]
	if e.VLAN != 10 || e.MAC != packet.MACFromUint64(hostA) || e.Port != 2 || e.OldPort != 1 {
		t.Fatalf("move event: %+v", e)
	}
	s := tb.Stats()
	if s.Learned != 1 || s.Moved != 1 || s.Refreshed != 1 {
		t.Fatalf("stats: %+v", s)
	}
	if tb.Len() != 1 {
		t.Fatalf("Len = %d", tb.Len())
	}
}

func TestSourceFilters(t *testing.T) {
	tb, rec := newRecorded(Config{})
	if r := tb.Learn(1, 0, 3, 10); r != FilteredZero {
		t.Fatalf("zero source: %v", r)
	}
	if r := tb.Learn(1, 0x0100_5e00_0001, 3, 10); r != InvalidSource {
		t.Fatalf("multicast source: %v", r)
	}
	if r := tb.Learn(1, 0xffff_ffff_ffff, 3, 10); r != InvalidSource {
		t.Fatalf("broadcast source: %v", r)
	}
	if r := tb.Learn(0, hostA, 3, 10); r != InvalidVLAN {
		t.Fatalf("vlan 0: %v", r)
	}
	if r := tb.Learn(4095, hostA, 3, 10); r != InvalidVLAN {
		t.Fatalf("vlan 4095: %v", r)
	}
	if tb.Len() != 0 {
		t.Fatalf("something was learned: %+v", tb.Entries(MatchAll()))
	}
	mustMiss(t, tb, 1, 0)
	mustMiss(t, tb, 0, 0) // key 0 must never match an empty slot
	s := tb.Stats()
	if s.FilteredZero != 1 || s.InvalidSource != 2 {
		t.Fatalf("stats: %+v", s)
	}
	if rec.count(EventZeroFiltered) != 1 || rec.events[0].Port != 3 || !rec.events[0].MAC.IsZero() {
		t.Fatalf("events: %+v", rec.events)
	}
}

func TestZeroFilterEventRateLimitedPerPort(t *testing.T) {
	tb, rec := newRecorded(Config{})
	for i := 0; i < 100; i++ {
		tb.Learn(1, 0, 1, 50) // same second, same port: one event
	}
	if got := rec.count(EventZeroFiltered); got != 1 {
		t.Fatalf("100 zero frames in one second on one port: %d events, want 1", got)
	}
	tb.Learn(1, 0, 2, 50) // another port has its own limit
	if got := rec.count(EventZeroFiltered); got != 2 {
		t.Fatalf("second port: %d events, want 2", got)
	}
	tb.Learn(1, 0, 1, 51)
	tb.Learn(1, 0, 1, 51)
	if got := rec.count(EventZeroFiltered); got != 3 {
		t.Fatalf("next second: %d events, want 3", got)
	}
	if s := tb.Stats(); s.FilteredZero != 103 {
		t.Fatalf("every zero frame is counted: %d", s.FilteredZero)
	}
}

func TestStaticEntries(t *testing.T) {
	tb, rec := newRecorded(Config{})
	a := packet.MACFromUint64(hostA)
	tb.Learn(10, hostA, 1, 1)
	if err := tb.AddStatic(10, a, 5); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, tb, 10, hostA, 5) // replaced the dynamic entry
	if n := len(tb.Entries(MatchAll())); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
	if r := tb.Learn(10, hostA, 7, 2); r != StaticHit {
		t.Fatalf("static source on another port: %v", r)
	}
	if r := tb.Learn(10, hostA, 5, 2); r != StaticHit {
		t.Fatalf("static source on its port: %v", r)
	}
	mustLookup(t, tb, 10, hostA, 5)
	if rec.count(EventMove) != 0 || tb.Stats().Moved != 0 {
		t.Fatal("a static entry moved")
	}
	if n := tb.Age(1_000_000); n != 0 {
		t.Fatalf("static aged: %d", n)
	}
	if n := tb.ClearDynamic(MatchAll()); n != 0 {
		t.Fatalf("ClearDynamic removed a static entry: %d", n)
	}
	mustLookup(t, tb, 10, hostA, 5)
	e := tb.Entries(MatchAll())[0]
	if e.Type != Static || e.Type.String() != "STATIC" || e.Port != 5 {
		t.Fatalf("entry: %+v", e)
	}
	// Re-pointing a static entry.
	if err := tb.AddStatic(10, a, 6); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, tb, 10, hostA, 6)
	if c := tb.Counts(); c.Static != 1 || c.Total != 1 {
		t.Fatalf("counts: %+v", c)
	}
	if err := tb.RemoveSystem(10, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RemoveSystem of a static entry: %v", err)
	}
	if err := tb.RemoveStatic(10, a); err != nil {
		t.Fatal(err)
	}
	mustMiss(t, tb, 10, hostA)
	if err := tb.RemoveStatic(10, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	tb.Learn(10, hostA, 1, 3)
	if err := tb.RemoveStatic(10, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RemoveStatic of a dynamic entry: %v", err)
	}
	if c := tb.Counts(); c.Static != 0 || c.Dynamic != 1 {
		t.Fatalf("counts: %+v", c)
	}
}

func TestStaticValidation(t *testing.T) {
	tb := New(Config{})
	a := packet.MACFromUint64(hostA)
	for _, c := range []struct {
		vlan uint16
		mac  packet.MAC
		port PortID
		err  error
	}{
		{0, a, 1, ErrInvalidVLAN},
		{4095, a, 1, ErrInvalidVLAN},
		{1, packet.MAC{}, 1, ErrInvalidMAC},
		{1, packet.BroadcastMAC, 1, ErrInvalidMAC},
		{1, a, NoPort, ErrInvalidPort},
	} {
		if err := tb.AddStatic(c.vlan, c.mac, c.port); !errors.Is(err, c.err) {
			t.Errorf("AddStatic(%d, %s, %d) = %v, want %v", c.vlan, c.mac, c.port, err, c.err)
		}
	}
	// A multicast static entry is legal configuration (IOS allows it).
	if err := tb.AddStatic(1, packet.MAC{0x01, 0, 0x5e, 0, 0, 1}, 2); err != nil {
		t.Fatal(err)
	}
}

func TestSystemEntries(t *testing.T) {
	tb := New(Config{})
	svi := packet.MACFromUint64(0x28af_fd99_82c7)
	if err := tb.AddSystem(1, svi, 100); err != nil {
		t.Fatal(err)
	}
	if r := tb.Learn(1, svi.Uint64(), 3, 1); r != StaticHit {
		t.Fatalf("frame from our own MAC: %v", r)
	}
	if err := tb.RemoveStatic(1, svi); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RemoveStatic must not delete a system entry: %v", err)
	}
	c := tb.Counts()
	if c.System != 1 || c.Static != 0 || len(c.PerVLAN) != 1 || c.PerVLAN[0].System != 1 {
		t.Fatalf("counts: %+v", c)
	}
	if got := System.String(); got != "STATIC" {
		t.Fatalf("System renders %q, IOS shows STATIC", got)
	}
	if err := tb.RemoveSystem(1, svi); err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 0 {
		t.Fatal("not removed")
	}
}

func TestAgingGlobal(t *testing.T) {
	tb := New(Config{}) // default 300 s
	if tb.AgingTime() != 300 {
		t.Fatalf("default aging %d", tb.AgingTime())
	}
	tb.Learn(1, hostA, 1, 1000)
	tb.Learn(1, hostB, 1, 1100)
	if n := tb.Age(1299); n != 0 {
		t.Fatalf("aged too early: %d", n)
	}
	if n := tb.Age(1300); n != 1 {
		t.Fatalf("at 300 s: aged %d, want 1", n)
	}
	mustMiss(t, tb, 1, hostA)
	mustLookup(t, tb, 1, hostB, 1)
	// A refresh keeps an entry alive.
	tb.Learn(1, hostB, 1, 1390)
	if n := tb.Age(1401); n != 0 {
		t.Fatalf("refreshed entry aged: %d", n)
	}
	if n := tb.Age(1690); n != 1 {
		t.Fatalf("aged %d, want 1", n)
	}
	if s := tb.Stats(); s.Aged != 2 || tb.Len() != 0 {
		t.Fatalf("stats %+v len %d", s, tb.Len())
	}
	// Re-learning after aging works (the slot really is free).
	if r := tb.Learn(1, hostA, 2, 2000); r != Learned {
		t.Fatalf("relearn: %v", r)
	}
}

func TestAgingDisabled(t *testing.T) {
	tb := New(Config{AgingTime: -1})
	if tb.AgingTime() != 0 {
		t.Fatalf("negative config must disable aging, got %d", tb.AgingTime())
	}
	tb.Learn(1, hostA, 1, 0)
	if n := tb.Age(1 << 40); n != 0 {
		t.Fatalf("aging disabled but aged %d", n)
	}
	tb.SetAgingTime(10)
	if n := tb.Age(10); n != 1 {
		t.Fatalf("after enabling: aged %d", n)
	}
	tb.Learn(1, hostA, 1, 20)
	tb.SetAgingTime(0)
	if n := tb.Age(1 << 30); n != 0 {
		t.Fatalf("SetAgingTime(0) must disable aging, aged %d", n)
	}
}

func TestAgingPerVLAN(t *testing.T) {
	tb := New(Config{AgingTime: 300})
	tb.SetVLANAgingTime(20, 14400) // the field fix: CAM aging >= ARP timeout
	tb.SetVLANAgingTime(30, 0)     // never
	if a, ok := tb.VLANAgingTime(20); !ok || a != 14400 {
		t.Fatalf("VLANAgingTime(20) = %d,%v", a, ok)
	}
	if _, ok := tb.VLANAgingTime(10); ok {
		t.Fatal("VLAN 10 has no override")
	}
	for _, v := range []uint16{10, 20, 30} {
		tb.Learn(v, hostA, 1, 0)
	}
	if n := tb.Age(300); n != 1 {
		t.Fatalf("at 300: aged %d, want 1 (vlan 10 only)", n)
	}
	mustMiss(t, tb, 10, hostA)
	mustLookup(t, tb, 20, hostA, 1)
	if n := tb.Age(14400); n != 1 {
		t.Fatalf("at 14400: aged %d", n)
	}
	mustMiss(t, tb, 20, hostA)
	mustLookup(t, tb, 30, hostA, 1)
	tb.ClearVLANAgingTime(30)
	if tb.EffectiveAgingTime(30) != 300 {
		t.Fatalf("after clear: %d", tb.EffectiveAgingTime(30))
	}
	if n := tb.Age(14400); n != 1 {
		t.Fatalf("global applies again after clearing the override: aged %d", n)
	}
	// Per-VLAN override enables aging even when the global time is 0.
	tb.SetAgingTime(0)
	tb.SetVLANAgingTime(40, 10)
	tb.Learn(40, hostA, 1, 100)
	tb.Learn(41, hostA, 1, 100)
	if n := tb.Age(110); n != 1 {
		t.Fatalf("override with global 0: aged %d", n)
	}
	mustLookup(t, tb, 41, hostA, 1)
}

func TestCapacityNoEviction(t *testing.T) {
	tb, rec := newRecorded(Config{Capacity: 16, Ways: 2})
	if tb.Buckets() != 8 || tb.Ways() != 2 {
		t.Fatalf("geometry %d x %d", tb.Buckets(), tb.Ways())
	}
	// Learn until refused; remember the survivors.
	var learned []uint64
	var refusedMAC uint64
	refused := 0
	for i := uint64(1); i <= 200; i++ {
		mac := 0x0200_0000_0000 | i
		switch r := tb.Learn(1, mac, PortID(i%4), 10); r {
		case Learned:
			learned = append(learned, mac)
		case NotLearnedFull:
			refused++
			refusedMAC = mac
			mustMiss(t, tb, 1, mac)
		default:
			t.Fatalf("learn %d: %v", i, r)
		}
	}
	if len(learned) > 16 || len(learned) < 8 {
		t.Fatalf("learned %d addresses into a 16-entry table", len(learned))
	}
	if tb.Len() != len(learned) || uint64(refused) != tb.Stats().NotLearnedFull {
		t.Fatalf("len %d learned %d refused %d stats %+v", tb.Len(), len(learned), refused, tb.Stats())
	}
	// Every early address is still there: newcomers never evict.
	for _, mac := range learned {
		mustLookup(t, tb, 1, mac, PortID((mac&0xff)%4))
	}
	// Full event is rate-limited: all refusals were in second 10.
	if got := rec.count(EventFull); got != 1 {
		t.Fatalf("EventFull raised %d times in one second", got)
	}
	if r := tb.Learn(1, refusedMAC, 1, 11); r != NotLearnedFull {
		t.Fatalf("a refused address got in later without anything leaving: %v", r)
	}
	if got := rec.count(EventFull); got != 2 {
		t.Fatalf("EventFull in the next second: %d", got)
	}
	// Known addresses still refresh and move while full.
	if r := tb.Learn(1, learned[0], 7, 12); r != Moved {
		t.Fatalf("move in a full table: %v", r)
	}
	if r := tb.Learn(1, learned[1], PortID((learned[1]&0xff)%4), 12); r != Refreshed {
		t.Fatalf("refresh in a full table: %v", r)
	}
}

func TestTableFullBeforeBucketsFull(t *testing.T) {
	// 4 buckets x 8 ways = 32 slots, capacity 5: the table limit bites first.
	tb := New(Config{Capacity: 5, Ways: 8})
	n := 0
	for i := uint64(1); i <= 50; i++ {
		if tb.Learn(1, 0x0200_0000_0000|i, 1, 1) == Learned {
			n++
		}
	}
	if n != 5 || tb.Len() != 5 {
		t.Fatalf("learned %d, len %d; want 5", n, tb.Len())
	}
	c := tb.Counts()
	if c.Capacity != 5 || c.Free != 0 || c.Dynamic != 5 {
		t.Fatalf("counts %+v", c)
	}
	// Aging frees room.
	tb.Age(1000)
	if tb.Learn(1, 0x0200_0000_0099, 1, 1000) != Learned {
		t.Fatal("not learned after aging freed the table")
	}
}

func TestAddStaticDisplacesOldestDynamicInFullBucket(t *testing.T) {
	tb := New(Config{Capacity: 2, Ways: 2}) // one bucket, two ways
	tb.Learn(1, hostA, 1, 5)
	tb.Learn(1, hostB, 1, 3) // least recently seen
	if r := tb.Learn(1, hostC, 1, 6); r != NotLearnedFull {
		t.Fatalf("third address: %v", r)
	}
	if err := tb.AddStatic(1, packet.MACFromUint64(hostC), 9); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, tb, 1, hostC, 9)
	mustLookup(t, tb, 1, hostA, 1)
	mustMiss(t, tb, 1, hostB)
	if tb.Stats().Displaced != 1 || tb.Len() != 2 {
		t.Fatalf("stats %+v len %d", tb.Stats(), tb.Len())
	}
	if err := tb.AddStatic(1, packet.MACFromUint64(hostB), 9); err != nil {
		t.Fatal(err)
	}
	if err := tb.AddStatic(1, packet.MACFromUint64(0x0011_0000_0001), 9); !errors.Is(err, ErrFull) {
		t.Fatalf("bucket of statics: %v", err)
	}
}

func TestFlapDetection(t *testing.T) {
	tb, rec := newRecorded(Config{})
	tb.Learn(100, hostA, 1, 0)
	// One move is a host that relocated, not a flap.
	tb.Learn(100, hostA, 2, 1)
	if rec.count(EventFlap) != 0 {
		t.Fatal("a single move flapped")
	}
	tb.Learn(100, hostA, 1, 2)
	if rec.count(EventFlap) != 0 {
		t.Fatal("two moves flapped")
	}
	tb.Learn(100, hostA, 2, 3) // third move within 10 s
	if rec.count(EventFlap) != 1 {
		t.Fatalf("third move: %d flaps, events %+v", rec.count(EventFlap), rec.events)
	}
	last := rec.events[len(rec.events)-1]
	if last.Kind != EventFlap || last.VLAN != 100 || last.MAC != packet.MACFromUint64(hostA) || last.OldPort != 1 || last.Port != 2 {
		t.Fatalf("flap event %+v", last)
	}
	// Keeps flapping: held down for 10 s.
	for now := int64(4); now < 13; now++ {
		tb.Learn(100, hostA, PortID(1+now%2), now)
	}
	if rec.count(EventFlap) != 1 {
		t.Fatalf("flap not held down: %d", rec.count(EventFlap))
	}
	tb.Learn(100, hostA, 2, 13)
	tb.Learn(100, hostA, 1, 14)
	if rec.count(EventFlap) != 2 {
		t.Fatalf("flap after hold: %d", rec.count(EventFlap))
	}
	if tb.Stats().Flaps != 2 || rec.count(EventMove) != int(tb.Stats().Moved) {
		t.Fatalf("stats %+v", tb.Stats())
	}
	// Moves spread out beyond the window never flap.
	tb2, rec2 := newRecorded(Config{})
	tb2.Learn(1, hostB, 1, 0)
	for i := int64(1); i <= 10; i++ {
		tb2.Learn(1, hostB, PortID(1+i%2), i*11)
	}
	if rec2.count(EventFlap) != 0 || rec2.count(EventMove) != 10 {
		t.Fatalf("slow moves: %d flaps %d moves", rec2.count(EventFlap), rec2.count(EventMove))
	}
	// Disabled.
	tb3, rec3 := newRecorded(Config{FlapMoves: -1})
	tb3.Learn(1, hostB, 1, 0)
	for i := int64(1); i <= 10; i++ {
		tb3.Learn(1, hostB, PortID(1+i%2), i)
	}
	if rec3.count(EventFlap) != 0 {
		t.Fatal("flap detection disabled but raised")
	}
}

func TestClearDynamicFilters(t *testing.T) {
	tb := New(Config{})
	fill := func() {
		tb.ClearDynamic(MatchAll())
		for _, v := range []uint16{10, 20} {
			for _, m := range []uint64{hostA, hostB, hostC} {
				tb.Learn(v, m, PortID(m&0xf), 1) // A->0, B->1, C->2
			}
		}
	}
	if err := tb.AddStatic(10, packet.MACFromUint64(0x00aa_0000_0001), 1); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		f      Filter
		remove int
	}{
		{"all", MatchAll(), 6},
		{"vlan", ForVLAN(20), 3},
		{"interface", ForPort(1), 2},
		{"address", ForMAC(packet.MACFromUint64(hostC)), 2},
		{"address+vlan", Filter{VLAN: 10, MAC: packet.MACFromUint64(hostC), HasMAC: true, Port: NoPort}, 1},
		{"vlan+interface", Filter{VLAN: 10, Port: 0}, 1},
		{"type static", Filter{Port: NoPort, Type: Static, HasType: true}, 0},
		{"type dynamic", Filter{Port: NoPort, Type: Dynamic, HasType: true}, 6},
	}
	for _, c := range cases {
		fill()
		before := tb.Entries(MatchAll())
		if n := tb.ClearDynamic(c.f); n != c.remove {
			t.Errorf("%s: removed %d, want %d", c.name, n, c.remove)
		}
		after := tb.Entries(MatchAll())
		if len(before)-len(after) != c.remove {
			t.Errorf("%s: %d -> %d entries", c.name, len(before), len(after))
		}
		for _, e := range before {
			_, ok := tb.Lookup(e.VLAN, e.MAC.Uint64())
			gone := e.Type == Dynamic && c.f.match(Key(e.VLAN, e.MAC.Uint64()), packValue(e.Port, e.Type, 0)) && !(c.f.HasType && c.f.Type != Dynamic)
			if ok == gone {
				t.Errorf("%s: entry %+v present=%v", c.name, e, ok)
			}
		}
		if _, ok := tb.Lookup(10, 0x00aa_0000_0001); !ok {
			t.Errorf("%s: static entry cleared", c.name)
		}
		if tb.Len() != len(after) {
			t.Errorf("%s: Len %d, entries %d", c.name, tb.Len(), len(after))
		}
	}
}

func TestEntriesSortedAndFiltered(t *testing.T) {
	tb := New(Config{})
	tb.Learn(30, 0x0000_0000_0005, 1, 7)
	tb.Learn(2, 0x00ff_0000_0001, 2, 7)
	tb.Learn(2, 0x0000_0000_0009, 1, 7)
	tb.Learn(30, 0x0000_0000_0001, 3, 7)
	_ = tb.AddStatic(2, packet.MACFromUint64(0x0000_0000_0003), 4)
	all := tb.Entries(MatchAll())
	want := []struct {
		vlan uint16
		mac  uint64
	}{{2, 3}, {2, 9}, {2, 0x00ff_0000_0001}, {30, 1}, {30, 5}}
	if len(all) != len(want) {
		t.Fatalf("entries %+v", all)
	}
	for i, w := range want {
		if all[i].VLAN != w.vlan || all[i].MAC.Uint64() != w.mac {
			t.Fatalf("entry %d = %+v, want vlan %d mac %#x", i, all[i], w.vlan, w.mac)
		}
	}
	if all[1].LastSeen != 7 || all[0].LastSeen != 0 || all[0].Type != Static {
		t.Fatalf("fields: %+v", all[:2])
	}
	if got := tb.Entries(Filter{Port: NoPort, Type: Static, HasType: true}); len(got) != 1 || got[0].Port != 4 {
		t.Fatalf("static filter: %+v", got)
	}
	if got := tb.Entries(ForPort(1)); len(got) != 2 || got[0].VLAN != 2 || got[1].VLAN != 30 {
		t.Fatalf("port filter: %+v", got)
	}
	if got := tb.Entries(ForVLAN(30)); len(got) != 2 {
		t.Fatalf("vlan filter: %+v", got)
	}
	if got := tb.Entries(Filter{VLAN: 2, MAC: packet.MACFromUint64(9), HasMAC: true, Port: NoPort}); len(got) != 1 || got[0].Port != 1 {
		t.Fatalf("exact filter: %+v", got)
	}
	if got := tb.Entries(ForVLAN(99)); len(got) != 0 {
		t.Fatalf("empty vlan: %+v", got)
	}
}

func TestCounts(t *testing.T) {
	tb := New(Config{Capacity: 1000})
	tb.Learn(1, hostA, 1, 0)
	tb.Learn(1, hostB, 1, 0)
	tb.Learn(5, hostA, 1, 0)
	_ = tb.AddStatic(5, packet.MACFromUint64(hostC), 2)
	c := tb.Counts()
	if c.Dynamic != 3 || c.Static != 1 || c.Total != 4 || c.Capacity != 1000 || c.Free != 996 {
		t.Fatalf("counts %+v", c)
	}
	if len(c.PerVLAN) != 2 || c.PerVLAN[0] != (VLANCount{VLAN: 1, Dynamic: 2}) || c.PerVLAN[1] != (VLANCount{VLAN: 5, Dynamic: 1, Static: 1}) {
		t.Fatalf("per vlan %+v", c.PerVLAN)
	}
}

func TestEventHandlerMayCallBack(t *testing.T) {
	tb := New(Config{})
	var seen PortID
	tb.SetEventHandler(func(e Event) {
		// Events are raised after the locks are released.
		seen, _ = tb.Lookup(e.VLAN, e.MAC.Uint64())
		tb.Learn(e.VLAN, hostC, 9, 0)
	})
	tb.Learn(1, hostA, 1, 0)
	tb.Learn(1, hostA, 2, 0)
	if seen != 2 {
		t.Fatalf("handler saw port %d", seen)
	}
	mustLookup(t, tb, 1, hostC, 9)
	tb.SetEventHandler(nil)
	tb.Learn(1, hostA, 3, 0) // no handler: no panic
}

func TestEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Dynamic.String(), "DYNAMIC"}, {Static.String(), "STATIC"}, {EntryType(9).String(), "UNKNOWN"},
		{Learned.String(), "learned"}, {Refreshed.String(), "refreshed"}, {Moved.String(), "moved"},
		{FilteredZero.String(), "filtered-zero"}, {InvalidSource.String(), "invalid-source"},
		{NotLearnedFull.String(), "not-learned-full"}, {StaticHit.String(), "static-hit"},
		{InvalidVLAN.String(), "invalid-vlan"}, {LearnResult(99).String(), "unknown"},
		{EventMove.String(), "move"}, {EventFlap.String(), "flap"}, {EventZeroFiltered.String(), "zero-filtered"},
		{EventFull.String(), "full"}, {EventKind(99).String(), "unknown"},
	} {
		if c.got != c.want {
			t.Errorf("got %q want %q", c.got, c.want)
		}
	}
}

func TestHotPathAllocs(t *testing.T) {
	tb := New(Config{})
	tb.SetEventHandler(func(Event) {})
	tb.Learn(1, hostA, 1, 10)
	now := int64(10)
	if n := testing.AllocsPerRun(1000, func() { tb.Lookup(1, hostA); tb.Lookup(1, hostB) }); n != 0 {
		t.Fatalf("Lookup allocates %v", n)
	}
	if n := testing.AllocsPerRun(1000, func() { tb.Learn(1, hostA, 1, now) }); n != 0 {
		t.Fatalf("Learn (refresh, same second) allocates %v", n)
	}
	if n := testing.AllocsPerRun(1000, func() { now++; tb.Learn(1, hostA, 1, now) }); n != 0 {
		t.Fatalf("Learn (refresh, new second) allocates %v", n)
	}
	if n := testing.AllocsPerRun(1000, func() { tb.Learn(1, 0, 1, now); tb.Learn(1, 0x0100_0000_0000, 1, now) }); n != 0 {
		t.Fatalf("Learn (filtered) allocates %v", n)
	}
}

// TestRefreshStoresNothing proves the read-mostly property: the common learn
// leaves the value word untouched.
func TestRefreshStoresNothing(t *testing.T) {
	tb := New(Config{})
	tb.Learn(1, hostA, 1, 10)
	bk, _, _ := tb.bucket(Key(1, hostA))
	before := make([]uint64, 2*len(bk))
	for i := range bk {
		before[2*i], before[2*i+1] = bk[i].key.Load(), bk[i].val.Load()
	}
	for range 100 {
		tb.Learn(1, hostA, 1, 10)
	}
	for i := range bk {
		if bk[i].key.Load() != before[2*i] || bk[i].val.Load() != before[2*i+1] {
			t.Fatalf("slot %d changed by a same-second refresh", i)
		}
	}
	if tb.Stats().Refreshed != 0 {
		t.Fatal("a same-second refresh counted a store")
	}
}

func TestRunSweeper(t *testing.T) {
	tb := New(Config{AgingTime: 10})
	clk := clock.NewManual(100 * time.Second)
	tb.Learn(1, hostA, 1, clock.Seconds(clk))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { tb.RunSweeper(clk, time.Millisecond, stop); close(done) }()
	clk.Advance(10 * time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for tb.Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // waiting for the goroutine, not for timing logic
	}
	close(stop)
	<-done
	if tb.Len() != 0 {
		t.Fatal("sweeper never aged the entry")
	}
}

func TestDefaultsAndGeometry(t *testing.T) {
	tb := New(Config{})
	if tb.Capacity() != 65536 || tb.Ways() != 8 || tb.Buckets() != 8192 {
		t.Fatalf("defaults: cap %d ways %d buckets %d", tb.Capacity(), tb.Ways(), tb.Buckets())
	}
	tb = New(Config{Capacity: 10, Ways: 4}) // 3 buckets round up to 4
	if tb.Buckets() != 4 {
		t.Fatalf("buckets %d", tb.Buckets())
	}
	tb = New(Config{Capacity: 1, Ways: 100})
	if tb.Ways() != maxWays || tb.Buckets() != 1 {
		t.Fatalf("ways %d buckets %d", tb.Ways(), tb.Buckets())
	}
}

// TestHashIsXXH3 pins hashKey to the published xxHash (XXH3-64 of the key's
// 8 little-endian bytes).
func TestHashIsXXH3(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := []uint64{0, 1, 0xffffffffffffffff, Key(1, 0x001122334455), Key(4094, 0xfffffffffffe)}
	for range 10000 {
		keys = append(keys, rng.Uint64())
	}
	var b [8]byte
	for _, k := range keys {
		binary.LittleEndian.PutUint64(b[:], k)
		if got, want := hashKey(k), xxh3.Hash(b[:]); got != want {
			t.Fatalf("hashKey(%#x) = %#x, xxh3 %#x", k, got, want)
		}
	}
}

// TestLearnLookupIsLearnThenLookup checks the one-call pair against the
// two calls on a second table, over random traffic with moves, new
// sources, zero and multicast sources, unknown and zero destinations.
func TestLearnLookupIsLearnThenLookup(t *testing.T) {
	a, b := New(Config{Capacity: 256, Ways: 8}), New(Config{Capacity: 256, Ways: 8})
	rng := rand.New(rand.NewPCG(5, 6))
	mac := func() uint64 {
		switch rng.IntN(20) {
		case 0:
			return 0
		case 1:
			return 0x010000000000 | uint64(rng.IntN(4)) // multicast
		}
		return 0x020000000000 | uint64(rng.IntN(300))
	}
	for i := range 20000 {
		vlan := uint16(1 + rng.IntN(3))
		src, dst, port, now := mac(), mac(), PortID(rng.IntN(4)), int64(i/100)
		r1, p1, ok1 := a.LearnLookup(vlan, src, dst, port, now)
		r2 := b.Learn(vlan, src, port, now)
		p2, ok2 := b.Lookup(vlan, dst)
		if r1 != r2 || p1 != p2 || ok1 != ok2 {
			t.Fatalf("frame %d (vlan %d %#x -> %#x on %d): LearnLookup %v %v %v, Learn+Lookup %v %v %v", i, vlan, src, dst, port, r1, p1, ok1, r2, p2, ok2)
		}
	}
	if a.Len() != b.Len() {
		t.Errorf("tables differ: %d vs %d entries", a.Len(), b.Len())
	}
}

// TestGenerationMarksInvalidatingChanges: the generation stays put while
// entries are learned and refreshed (a remembered lookup stays right) and
// moves on every change that can make a remembered port wrong: a move, a
// static entry over a dynamic one, removal, aging and clearing.
func TestGenerationMarksInvalidatingChanges(t *testing.T) {
	tb := New(Config{AgingTime: 300})
	g := tb.Generation()
	same := func(what string) {
		t.Helper()
		if n := tb.Generation(); n != g {
			t.Fatalf("%s changed the generation %d -> %d", what, g, n)
		}
	}
	moved := func(what string) {
		t.Helper()
		n := tb.Generation()
		if n == g {
			t.Fatalf("%s left the generation at %d", what, g)
		}
		g = n
	}
	tb.Learn(10, hostA, 1, 100)
	tb.Learn(10, hostB, 2, 100)
	same("learning new addresses")
	tb.Learn(10, hostA, 1, 150)
	tb.LearnLookup(10, hostA, hostB, 1, 160)
	same("refreshing and looking up")
	tb.Learn(10, hostA, 3, 170)
	moved("a move")
	if err := tb.AddStatic(10, packet.MACFromUint64(hostB), 4); err != nil {
		t.Fatal(err)
	}
	moved("a static entry over a dynamic one")
	if err := tb.RemoveStatic(10, packet.MACFromUint64(hostB)); err != nil {
		t.Fatal(err)
	}
	moved("removing a static entry")
	tb.Learn(10, hostC, 2, 170)
	same("learning")
	if tb.Age(200) != 0 {
		t.Fatal("aged an entry early")
	}
	same("an aging pass that removes nothing")
	if n := tb.Age(470); n != 2 { // hostA and hostC, both last seen at 170
		t.Fatalf("Age removed %d entries, want 2", n)
	}
	moved("aging")
	tb.Learn(10, hostA, 1, 500)
	same("learning")
	if tb.ClearDynamic(ForMAC(packet.MACFromUint64(hostB))) != 0 {
		t.Fatal("cleared an absent address")
	}
	same("clearing nothing")
	if tb.ClearDynamic(ForMAC(packet.MACFromUint64(hostA))) != 1 {
		t.Fatal("clear by address removed nothing")
	}
	moved("clearing an address")
}

// TestKeysOutsideTheirHomeLine: in a full bucket some keys sit outside
// their home line, where the home-line fast path of Learn, Lookup and
// LearnLookup does not find them; the full probe must.
func TestKeysOutsideTheirHomeLine(t *testing.T) {
	tb := New(Config{Capacity: 8, Ways: 8}) // one bucket of two lines
	macs := make([]uint64, 8)
	for i := range macs {
		macs[i] = hostA + uint64(i)
		if r := tb.Learn(10, macs[i], 1, 100); r != Learned {
			t.Fatalf("learn %d: %v", i, r)
		}
	}
	away := 0
	for _, m := range macs {
		k := Key(10, m)
		h := hashKey(k)
		if _, ok := tb.homeProbe(k, h); !ok {
			away++
		}
		mustLookup(t, tb, 10, m, 1)
		if r, p, ok := tb.LearnLookup(10, m, m, 1, 100); r != Refreshed || !ok || p != 1 {
			t.Errorf("LearnLookup of %x: %v %d %v", m, r, p, ok)
		}
		if r := tb.Learn(10, m, 1, 101); r != Refreshed {
			t.Errorf("refresh in a new second of %x: %v", m, r)
		}
	}
	if away == 0 {
		t.Fatal("every key is in its home line: the test does not reach the full probe")
	}
	if r := tb.Learn(10, macs[7], 2, 102); r != Moved {
		t.Errorf("move: %v", r)
	}
	mustLookup(t, tb, 10, macs[7], 2)
}

// TestStatsCountBeforeChangeShows: a reader that sees an entry gone (or
// there) also sees it counted, even while Age is still scanning the rest of
// a large table. The e2e aging test polls exactly like this.
func TestStatsCountBeforeChangeShows(t *testing.T) {
	tb := New(Config{Capacity: 1 << 22})
	// An address in the first buckets, so the scan has most of the table
	// still ahead when it removes it.
	var mac uint64
	for m := uint64(0x020000000001); ; m++ {
		if hashKey(Key(1, m))&tb.bmask < tb.bmask/64 {
			mac = m
			break
		}
	}
	for round := range 20 {
		now := int64(1000 * (round + 1))
		before := tb.Stats()
		if r := tb.Learn(1, mac, 1, now); r != Learned {
			t.Fatalf("round %d: learn: %v", round, r)
		}
		if s := tb.Stats(); s.Learned != before.Learned+1 {
			t.Fatalf("round %d: learned %d, want %d", round, s.Learned, before.Learned+1)
		}
		done := make(chan struct{})
		go func() {
			tb.Age(now + 300)
			close(done)
		}()
		for {
			if _, ok := tb.Lookup(1, mac); !ok {
				break
			}
		}
		if s := tb.Stats(); s.Aged != before.Aged+1 {
			t.Fatalf("round %d: the entry is gone but Aged = %d, want %d", round, s.Aged, before.Aged+1)
		}
		<-done
	}
}
