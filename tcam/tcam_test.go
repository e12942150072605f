package tcam

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/l2sw/l2sw/tcam/acl"
)

func mustACL(t testing.TB, name string, kind acl.Kind, lines ...string) *acl.List {
	t.Helper()
	l := acl.NewList(name, kind)
	for _, s := range lines {
		a, err := acl.ParseLine(kind, s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if _, err := l.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestPrefixExpansion(t *testing.T) {
	cases := []struct {
		lo, hi uint16
		n      int
	}{
		{1024, 65535, 6}, {0, 1023, 1}, {80, 80, 1}, {1, 65534, 30}, {0, 65535, 1}, {1600, 1649, 3},
	}
	for _, c := range cases {
		ps := prefixes(c.lo, c.hi)
		if len(ps) != c.n {
			t.Errorf("[%d,%d]: %d prefixes, want %d", c.lo, c.hi, len(ps), c.n)
		}
		// The blocks must cover exactly [lo, hi].
		for v := 0; v <= 65535; v++ {
			in := 0
			for _, p := range ps {
				if uint16(v)&p.mask == p.value {
					in++
				}
			}
			want := 0
			if v >= int(c.lo) && v <= int(c.hi) {
				want = 1
			}
			if in != want {
				t.Fatalf("[%d,%d]: port %d covered %d times", c.lo, c.hi, v, in)
			}
		}
	}
}

func TestCompileCountsLOUsAndExpansion(t *testing.T) {
	l := mustACL(t, "X", acl.Extended,
		"permit tcp any any eq 80",                       // 1 entry, no LOU
		"permit tcp any any lt 1024",                     // one prefix block, no LOU
		"permit tcp any gt 1023 any range 1600 1649",     // 2 LOUs, 1 entry
		"permit tcp any gt 1023 any range 1600 1649",     // shares both LOUs
		"permit tcp any any neq 22",                      // 1 LOU
		"permit tcp any any established",                 // 2 entries
		"permit udp any range 1 65534 any range 1 65534", // out of LOUs: 30 x 30
	)
	tc := New(Config{Limits: Limits{Entries: 100000, Masks: 100000, EntriesPerMask: 8, RangeUnits: 3}})
	res, err := tc.Apply(BindingID{FeatureVACL, "Vlan10", In}, l)
	if err != nil || res.State != Active {
		t.Fatalf("apply: %v %+v", err, res)
	}
	u := tc.Usage()
	if u.RangeUnitsUsed != 3 {
		t.Errorf("LOUs used %d, want 3", u.RangeUnitsUsed)
	}
	if want := 1 + 1 + 1 + 1 + 1 + 2 + 900; u.EntriesUsed != want {
		t.Errorf("entries %d, want %d", u.EntriesUsed, want)
	}
	if err := tc.Remove(BindingID{FeatureVACL, "Vlan10", In}); err != nil {
		t.Fatal(err)
	}
	if u := tc.Usage(); u.EntriesUsed != 0 || u.MasksUsed != 0 || u.RangeUnitsUsed != 0 {
		t.Fatalf("remove left %+v", u)
	}
}

func TestVACLFullKeepsPreviousProgram(t *testing.T) {
	tc := New(Config{Limits: Limits{Entries: 4, Masks: 100, EntriesPerMask: 8, RangeUnits: 0}})
	id := BindingID{FeaturePACL, "GigabitEthernet0/1", In}
	small := mustACL(t, "A", acl.Extended, "deny tcp any any eq 23", "permit ip any any")
	if _, err := tc.Apply(id, small); err != nil {
		t.Fatal(err)
	}
	big := mustACL(t, "A", acl.Extended, "deny tcp any any gt 1023", "permit ip any any")
	res, err := tc.Apply(id, big)
	var fe *FullError
	if !errors.Is(err, ErrTCAMFull) || !errors.As(err, &fe) || fe.Resource != ResEntries {
		t.Fatalf("want entries full, got %v", err)
	}
	// The text (%ACL-5-TCAMFULL) is the switch's: dataplane/events_test.go.
	if len(res.Events) != 1 || res.Events[0] != (Event{Kind: EventTCAMFull, Binding: id, Resource: ResEntries}) {
		t.Fatalf("events %+v", res.Events)
	}
	b := tc.Binding(id)
	h := Header{Proto: 6, DstPort: 23}
	if v := b.Classify(0, &h); v.Permit || v.Seq != 10 {
		t.Fatalf("old program must stay: %+v", v)
	}
	h.DstPort = 2000
	if v := b.Classify(0, &h); !v.Permit || !v.Hardware {
		t.Fatalf("old program must stay: %+v", v)
	}
	if u := tc.Usage(); u.EntriesUsed != 2 {
		t.Fatalf("usage after failed commit %+v", u)
	}
	if _, err := tc.InsertACE(id, acl.ACE{Seq: 15, Kind: acl.Extended, Action: acl.Deny, Src: acl.AnyAddress, Dst: acl.AnyAddress, ICMPType: -1, ICMPCode: -1, Proto: 6, DstPort: acl.PortMatch{Op: acl.PortGt, Lo: 1023}}); !errors.Is(err, ErrTCAMFull) {
		t.Fatalf("incremental insert must fail too: %v", err)
	}
}

func TestRACLFallsBackToSoftwareAndRecovers(t *testing.T) {
	tc := New(Config{Limits: Limits{Entries: 10, Masks: 100, EntriesPerMask: 8, RangeUnits: 0}})
	hog := BindingID{FeatureVACL, "Vlan100", In}
	if _, err := tc.Apply(hog, mustACL(t, "HOG", acl.Extended, "permit tcp any any gt 1023")); err != nil {
		t.Fatal(err)
	}
	id := BindingID{FeatureRACL, "Vlan202", In}
	l := mustACL(t, "R", acl.Extended, "deny tcp any any gt 1023", "permit ip any any")
	res, err := tc.Apply(id, l)
	if err != nil || res.State != Inactive || res.Full == nil {
		t.Fatalf("want software fallback, got %+v %v", res, err)
	}
	// The texts (%FM-4-TCAM_ENTRY, %FMCORE-4-RACL_REDUCED) are the
	// switch's: dataplane/events_test.go.
	want := []Event{
		{Kind: EventEntryCapacity, Binding: id, Resource: res.Full.Resource},
		{Kind: EventRACLReduced, Binding: id, Resource: res.Full.Resource},
	}
	if len(res.Events) != len(want) {
		t.Fatalf("events %+v want %+v", res.Events, want)
	}
	for i, e := range res.Events {
		if e != want[i] {
			t.Errorf("event %d: %+v want %+v", i, e, want[i])
		}
	}
	b := tc.Binding(id)
	h := Header{Proto: 6, DstPort: 5000}
	if v := b.Classify(0, &h); v.Permit || !v.Matched || v.Hardware {
		t.Fatalf("software classifier must still deny: %+v", v)
	}
	if s := tc.Summary(); len(s) != 2 || s[1].State != Inactive {
		t.Fatalf("summary %+v", s)
	}
	if err := tc.Remove(hog); err != nil {
		t.Fatal(err)
	}
	res, err = tc.Apply(id, l)
	if err != nil || res.State != Active || b.State() != Active {
		t.Fatalf("re-apply after freeing space: %+v %v", res, err)
	}
}

func TestCountersAndIncrementalEdits(t *testing.T) {
	tc := New(Config{Limits: PFC3Limits(), Workers: 2})
	id := BindingID{FeatureRACL, "Vlan10", Out}
	l := mustACL(t, "C", acl.Extended, "permit tcp any any eq 80", "deny ip any any")
	tc.Apply(id, l)
	b := tc.Binding(id)
	h := Header{Proto: 6, DstPort: 80}
	b.Classify(0, &h)
	b.Classify(1, &h)
	h.DstPort = 81
	b.Classify(1, &h)
	if b.Matches(tc, 10) != 2 || b.Matches(tc, 20) != 1 {
		t.Fatalf("counters %d %d", b.Matches(tc, 10), b.Matches(tc, 20))
	}
	// Re-applying the same list keeps counters of unchanged entries.
	tc.Apply(id, l)
	if b.Matches(tc, 10) != 2 {
		t.Fatal("re-apply lost counters")
	}
	a, _ := acl.ParseLine(acl.Extended, "15 permit tcp any any eq 81")
	if _, err := tc.InsertACE(id, a); err != nil {
		t.Fatal(err)
	}
	if v := b.Classify(0, &h); !v.Permit || v.Seq != 15 {
		t.Fatalf("inserted ACE not used: %+v", v)
	}
	if err := tc.DeleteACE(id, 15); err != nil {
		t.Fatal(err)
	}
	if v := b.Classify(0, &h); v.Permit || v.Seq != 20 {
		t.Fatalf("deleted ACE still used: %+v", v)
	}
	b.ClearCounters(tc)
	if b.Matches(tc, 10) != 0 || b.Matches(tc, 20) != 0 {
		t.Fatal("clear failed")
	}
	if u := tc.Usage(); u.EntriesUsed != 2 {
		t.Fatalf("usage %+v", u)
	}
	allocs := testing.AllocsPerRun(1000, func() { b.Classify(1, &h) })
	if allocs != 0 {
		t.Fatalf("Classify allocates %v", allocs)
	}
}

// TestCountersAcrossPages counts matches of ACEs whose slots sit on later
// counter pages, including pages added by an incremental insert after the
// binding was applied: the program published with the insert must count
// into them.
func TestCountersAcrossPages(t *testing.T) {
	tc := New(Config{Limits: Limits{Entries: 1 << 20, Masks: 1 << 20, EntriesPerMask: 8, RangeUnits: 32}, Workers: 2})
	id := BindingID{FeatureRACL, "Vlan10", In}
	var lines []string
	for i := range 700 {
		lines = append(lines, fmt.Sprintf("permit tcp any host 10.0.%d.%d", i/256, i%256))
	}
	if _, err := tc.Apply(id, mustACL(t, "P", acl.Extended, lines...)); err != nil {
		t.Fatal(err)
	}
	b := tc.Binding(id)
	h := Header{Proto: 6, Dst: 0x0a000000 | 2<<8 | 150} // ACE 2*256+150+1
	for w := range 3 {                                  // worker 2 shares shard 0
		b.Classify(w, &h)
	}
	seq := uint32(10 * (2*256 + 150 + 1))
	if got := b.Matches(tc, seq); got != 3 {
		t.Fatalf("ACE %d on page 1: %d matches, want 3", seq, got)
	}
	for i := range 400 {
		a, err := acl.ParseLine(acl.Extended, fmt.Sprintf("%d permit udp any host 10.9.%d.%d", 100000+i, i/256, i%256))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tc.InsertACE(id, a); err != nil {
			t.Fatal(err)
		}
	}
	h = Header{Proto: 17, Dst: 0x0a090000 | 1<<8 | 140} // the 397th insert, slot 1096: page 2
	if v := b.Classify(1, &h); !v.Permit || v.Seq != 100396 || v.Slot < 2*counterPageSize {
		t.Fatalf("verdict %+v, want seq 100396 on page 2", v)
	}
	if got := b.Matches(tc, 100396); got != 1 {
		t.Fatalf("inserted ACE: %d matches, want 1", got)
	}
}

// TestPermitsIsClassify: the forwarding path's Permits answers and counts
// exactly as Classify does, on random lists with log options served by the
// bit vectors and by the trees.
func TestPermitsIsClassify(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{300, 2100} {
		l := acl.NewList("P", acl.Extended)
		for i := range n {
			a := randACE(r, uint32(10*(i+1)))
			if r.IntN(5) == 0 {
				a.Log = acl.Log
			}
			if _, err := l.Add(a); err != nil {
				t.Fatal(err)
			}
		}
		id := BindingID{FeatureRACL, "Vlan10", In}
		viaPermits, viaClassify := New(Config{Limits: PFC3Limits(), Workers: 2}), New(Config{Limits: PFC3Limits(), Workers: 2})
		for _, tc := range []*TCAM{viaPermits, viaClassify} {
			if _, err := tc.Apply(id, l); err != nil {
				t.Fatal(err)
			}
		}
		bp, bc := viaPermits.Binding(id), viaClassify.Binding(id)
		permits, logs := 0, 0
		for range 5000 {
			h := randHeader(r)
			w := r.IntN(3)
			permit, log := bp.Permits(w, &h)
			if v := bc.Classify(w, &h); permit != v.Permit || log != v.Log {
				t.Fatalf("%d ACEs, header %+v: Permits %v, %v; Classify %+v", n, h, permit, log, v)
			}
			if permit {
				permits++
			}
			if log {
				logs++
			}
		}
		if permits == 0 || logs == 0 {
			t.Fatalf("%d ACEs: %d permits, %d logged: the headers test too little", n, permits, logs)
		}
		for _, a := range l.Entries() {
			if p, c := bp.Matches(viaPermits, a.Seq), bc.Matches(viaClassify, a.Seq); p != c {
				t.Fatalf("%d ACEs: ACE %d counted %d matches through Permits, %d through Classify", n, a.Seq, p, c)
			}
		}
	}
}

// TestLookupIsClassifyUncounted: Lookup returns Classify's verdict on
// random lists and headers and leaves every match counter at zero.
func TestLookupIsClassifyUncounted(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	l := acl.NewList("L", acl.Extended)
	for i := range 500 {
		a := randACE(r, uint32(10*(i+1)))
		if r.IntN(5) == 0 {
			a.Log = acl.Log
		}
		if _, err := l.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	id := BindingID{FeatureRACL, "Vlan10", In}
	looked, classified := New(Config{Limits: PFC3Limits(), Workers: 2}), New(Config{Limits: PFC3Limits(), Workers: 2})
	for _, tc := range []*TCAM{looked, classified} {
		if _, err := tc.Apply(id, l); err != nil {
			t.Fatal(err)
		}
	}
	bl, bc := looked.Binding(id), classified.Binding(id)
	matched := 0
	for range 5000 {
		h := randHeader(r)
		v, want := bl.Lookup(&h), bc.Classify(0, &h)
		if v != want {
			t.Fatalf("header %+v: Lookup %+v, Classify %+v", h, v, want)
		}
		if v.Matched {
			matched++
		}
	}
	if matched == 0 {
		t.Fatal("no header matched an entry: the test tests too little")
	}
	for _, a := range l.Entries() {
		if n := bl.Matches(looked, a.Seq); n != 0 {
			t.Fatalf("ACE %d counted %d matches through Lookup", a.Seq, n)
		}
	}
}
