package tcam

import (
	"errors"
	"strconv"
	"testing"

	"github.com/l2sw/l2sw/tcam/acl"
)

func TestVerdictCarriesLog(t *testing.T) {
	tc := New(Config{Limits: PFC3Limits()})
	id := BindingID{FeatureRACL, "Vlan10", In}
	l := mustACL(t, "L", acl.Extended,
		"permit tcp any any eq 80 log",
		"deny tcp any any eq 81 log-input",
		"permit tcp any any eq 82",
	)
	if _, err := tc.Apply(id, l); err != nil {
		t.Fatal(err)
	}
	aces := l.Entries()
	if rs := RulesForACE(&aces[0], 0); len(rs) != 1 || !rs[0].Log {
		t.Fatalf("rule of a `log` ACE: %+v", rs)
	}
	if rs := RulesForACE(&aces[2], 2); len(rs) != 1 || rs[0].Log {
		t.Fatalf("rule of an ACE without log: %+v", rs)
	}
	b := tc.Binding(id)
	for _, c := range []struct {
		port    uint16
		matched bool
		log     bool
		seq     uint32
		permit  bool
	}{
		{80, true, true, 10, true},
		{81, true, true, 20, false},
		{82, true, false, 30, true},
		{83, false, false, 0, false}, // implicit deny never logs
	} {
		h := Header{Proto: 6, DstPort: c.port}
		v := b.Classify(0, &h)
		if v.Matched != c.matched || v.Log != c.log || v.Seq != c.seq || v.Permit != c.permit {
			t.Errorf("port %d: %+v", c.port, v)
		}
	}
	// An incrementally inserted ACE carries its log flag too.
	a, _ := acl.ParseLine(acl.Extended, "15 permit tcp any any eq 83 log")
	if _, err := tc.InsertACE(id, a); err != nil {
		t.Fatal(err)
	}
	h := Header{Proto: 6, DstPort: 83}
	if v := b.Classify(0, &h); !v.Log || v.Seq != 15 {
		t.Fatalf("inserted log ACE: %+v", v)
	}
}

func TestSetLimits(t *testing.T) {
	tc := New(Config{Limits: Limits{Entries: 100, Masks: 100, EntriesPerMask: 8, RangeUnits: 4}})
	if got := tc.Limits(); got.Entries != 100 || got.RangeUnits != 4 {
		t.Fatalf("Limits() = %+v", got)
	}
	// 10 entries, all with the same mask (exact dst port), plus two ACEs
	// with one LOU each.
	lines := []string{}
	for p := 1; p <= 10; p++ {
		lines = append(lines, "permit tcp any any eq "+strconv.Itoa(p))
	}
	lines = append(lines, "permit tcp any any range 1000 2000", "permit udp any range 5 9 any")
	l := mustACL(t, "S", acl.Extended, lines...)
	if _, err := tc.Apply(BindingID{FeatureVACL, "Vlan1", In}, l); err != nil {
		t.Fatal(err)
	}
	before := tc.Usage()
	if before.EntriesUsed != 12 || before.RangeUnitsUsed != 2 {
		t.Fatalf("usage %+v", before)
	}
	// 10 same-mask entries at 8 per mask: 2 masks, plus 2 LOU masks.
	if before.MasksUsed != 4 {
		t.Fatalf("masks %d, want 4", before.MasksUsed)
	}

	reject := func(l Limits, res Resource) {
		t.Helper()
		err := tc.SetLimits(l)
		var fe *FullError
		if !errors.Is(err, ErrTCAMFull) || !errors.As(err, &fe) || fe.Resource != res {
			t.Fatalf("SetLimits(%+v) = %v, want full %s", l, err, res)
		}
		if u := tc.Usage(); u != before {
			t.Fatalf("rejected SetLimits changed usage: %+v, was %+v", u, before)
		}
	}
	reject(Limits{Entries: 11, Masks: 100, EntriesPerMask: 8, RangeUnits: 4}, ResEntries)
	reject(Limits{Entries: 100, Masks: 3, EntriesPerMask: 8, RangeUnits: 4}, ResMasks)
	// With one entry per mask the 10 same-mask entries need 10 masks.
	reject(Limits{Entries: 100, Masks: 11, EntriesPerMask: 1, RangeUnits: 4}, ResMasks)
	reject(Limits{Entries: 100, Masks: 100, EntriesPerMask: 8, RangeUnits: 1}, ResRangeUnits)

	// Re-counting masks: 1 per mask gives 12 masks, 16 per mask gives 3.
	if err := tc.SetLimits(Limits{Entries: 12, Masks: 12, EntriesPerMask: 1, RangeUnits: 2}); err != nil {
		t.Fatal(err)
	}
	if u := tc.Usage(); u.MasksUsed != 12 || u.Limits.Masks != 12 || u.Limits.RangeUnits != 2 {
		t.Fatalf("after shrink: %+v", u)
	}
	if got := tc.Limits(); got.Entries != 12 || got.EntriesPerMask != 1 {
		t.Fatalf("Limits() after SetLimits = %+v", got)
	}
	if err := tc.SetLimits(Limits{Entries: 100, Masks: 100, EntriesPerMask: 16, RangeUnits: 2}); err != nil {
		t.Fatal(err)
	}
	if u := tc.Usage(); u.MasksUsed != 3 {
		t.Fatalf("masks at 16 per mask: %d, want 3", u.MasksUsed)
	}
	// The new limits are enforced: no third LOU is left, so a new range
	// is expanded into prefixes instead, and entries are capped.
	a, _ := acl.ParseLine(acl.Extended, "1000 permit tcp any any range 3000 3001")
	if _, err := tc.InsertACE(BindingID{FeatureVACL, "Vlan1", In}, a); err != nil {
		t.Fatal(err)
	}
	if u := tc.Usage(); u.RangeUnitsUsed != 2 || u.EntriesUsed != 13 {
		t.Fatalf("after insert under 2 LOUs: %+v", u)
	}
	// Removing everything and re-adding must see all units usable again,
	// and never more than the limit.
	if err := tc.Remove(BindingID{FeatureVACL, "Vlan1", In}); err != nil {
		t.Fatal(err)
	}
	if err := tc.SetLimits(Limits{Entries: 100, Masks: 100, EntriesPerMask: 8, RangeUnits: 3}); err != nil {
		t.Fatal(err)
	}
	l3 := mustACL(t, "T", acl.Extended,
		"permit tcp any any range 10 20", "permit tcp any any range 30 40",
		"permit tcp any any range 50 60", "permit tcp any any range 70 80")
	if _, err := tc.Apply(BindingID{FeatureVACL, "Vlan2", In}, l3); err != nil {
		t.Fatal(err)
	}
	if u := tc.Usage(); u.RangeUnitsUsed != 3 {
		t.Fatalf("LOUs %d, want the 3 of the limit", u.RangeUnitsUsed)
	}
}

// TestSetLimitsLOUIndexBeyondNewLimit shrinks the LOU pool while a unit
// with a high index is still in use: the pool must not hand out more units
// than the new limit.
func TestSetLimitsLOUIndexBeyondNewLimit(t *testing.T) {
	tc := New(Config{Limits: Limits{Entries: 1000, Masks: 1000, EntriesPerMask: 8, RangeUnits: 4}})
	id := BindingID{FeatureVACL, "Vlan1", In}
	l := mustACL(t, "S", acl.Extended,
		"permit tcp any any range 10 20", "permit tcp any any range 30 40",
		"permit tcp any any range 50 60", "permit tcp any any range 70 80")
	if _, err := tc.Apply(id, l); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint32{10, 20, 30} {
		if err := tc.DeleteACE(id, seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := tc.SetLimits(Limits{Entries: 1000, Masks: 1000, EntriesPerMask: 8, RangeUnits: 2}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"1 permit tcp any any range 100 200", "2 permit tcp any any range 300 400"} {
		a, _ := acl.ParseLine(acl.Extended, s)
		if _, err := tc.InsertACE(id, a); err != nil {
			t.Fatal(err)
		}
	}
	if u := tc.Usage(); u.RangeUnitsUsed != 2 {
		t.Fatalf("LOUs in use %d beyond the limit 2", u.RangeUnitsUsed)
	}
}

// TestDeleteACEBySeqIndex deletes through the sequence index after swaps
// and with a duplicated sequence number (InsertACE does not reject one).
func TestDeleteACEBySeqIndex(t *testing.T) {
	tc := New(Config{Limits: PFC3Limits()})
	id := BindingID{FeatureRACL, "Vlan10", In}
	l := mustACL(t, "D", acl.Extended,
		"permit tcp any any eq 1", "permit tcp any any eq 2",
		"permit tcp any any eq 3", "permit tcp any any eq 4")
	if _, err := tc.Apply(id, l); err != nil {
		t.Fatal(err)
	}
	dup, _ := acl.ParseLine(acl.Extended, "20 deny tcp any any eq 9")
	if _, err := tc.InsertACE(id, dup); err != nil {
		t.Fatal(err)
	}
	b := tc.Binding(id)
	seqOf := func(port uint16) uint32 {
		h := Header{Proto: 6, DstPort: port}
		return b.Classify(0, &h).Seq
	}
	// Both ACEs with seq 20 go, one per call, then the others.
	for _, seq := range []uint32{10, 20, 20, 40, 30} {
		if err := tc.DeleteACE(id, seq); err != nil {
			t.Fatalf("delete %d: %v", seq, err)
		}
	}
	if err := tc.DeleteACE(id, 20); !errors.Is(err, acl.ErrNoSuchSeq) {
		t.Fatalf("third delete of 20: %v", err)
	}
	for _, p := range []uint16{1, 2, 3, 4, 9} {
		if s := seqOf(p); s != 0 {
			t.Fatalf("port %d still matches seq %d", p, s)
		}
	}
	if u := tc.Usage(); u.EntriesUsed != 0 {
		t.Fatalf("entries left: %+v", u)
	}
}
