package fhrpsnoop

import (
	"math"
	"net"
	"testing"
	"time"
)

const sec = time.Second

// only keeps the events of one kind.
func only(k EventKind, evs []Event) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func observe(t *testing.T, tb *Table, port string, f []byte, now time.Duration) []Event {
	t.Helper()
	evs, err := tb.Observe(port, 1, f, now)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestTableRowsAndRate: one CARP master advertising every second on Gi0/1
// is one row with its port, VLAN, state and about one advert per second.
func TestTableRowsAndRate(t *testing.T) {
	tb := New()
	for i := range 20 {
		if evs := observe(t, tb, "Gi0/1", carpFrame(t, byte(i)), time.Duration(i)*sec); len(evs) != 0 {
			t.Fatalf("advert %d: events %+v", i, evs)
		}
	}
	rows := tb.Speakers(19 * sec)
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	if r.Proto != CARP || r.Group != 7 || r.VLAN != 1 || r.Port != "Gi0/1" || r.Adverts != 20 || r.LastSeen != 19*sec ||
		r.Advert.State != StateMaster || r.Source.String() != "10.0.0.2" {
		t.Errorf("row %+v", r)
	}
	if math.Abs(r.Rate-1) > 0.11 {
		t.Errorf("rate %.2f adverts/s, want 1", r.Rate)
	}
	// Silent: the rate decays to zero, the row stays until it expires.
	if rows := tb.Speakers(40 * sec); len(rows) != 1 || rows[0].Rate != 0 {
		t.Errorf("after 21 s of silence: %+v", rows)
	}
	if rows := tb.Speakers(19*sec + Expiry + sec); len(rows) != 0 {
		t.Errorf("after the expiry: %+v", rows)
	}
}

// TestTableReflectedBack: an advert the port's fault sent back to its
// sender is flagged on that port, whether the reflection is heard before
// the advert (as the switch hears it) or after.
func TestTableReflectedBack(t *testing.T) {
	tb := New()
	observe(t, tb, "Gi0/1", carpFrame(t, 0), 0)
	// Before: the reflection, then the advert it reflected.
	f := carpFrame(t, 1)
	if evs, _ := tb.ObserveReflected("Gi0/1", 1, f, sec); len(evs) != 0 {
		t.Fatalf("events before the advert: %+v", evs)
	}
	evs := observe(t, tb, "Gi0/1", f, sec+time.Millisecond)
	if len(evs) != 1 || evs[0].Kind != EventReflected || evs[0].Port != "Gi0/1" || !evs[0].Back {
		t.Fatalf("events %+v, want one reflection on Gi0/1", evs)
	}
	// After.
	f = carpFrame(t, 2)
	observe(t, tb, "Gi0/1", f, 2*sec)
	evs, _ = tb.ObserveReflected("Gi0/1", 1, f, 2*sec+time.Millisecond)
	if len(evs) != 1 || evs[0].Kind != EventReflected {
		t.Fatalf("events %+v, want one reflection", evs)
	}
	// A reflection whose advert never comes is no event.
	if evs, _ := tb.ObserveReflected("Gi0/1", 1, carpFrame(t, 9), 3*sec); len(evs) != 0 {
		t.Errorf("events %+v", evs)
	}
	observe(t, tb, "Gi0/1", carpFrame(t, 9), 5*sec)
	if r := tb.Speakers(5 * sec)[0]; r.Reflected != 2 || r.Port != "Gi0/1" {
		t.Errorf("row %+v, want 2 reflections", r)
	}
	if rs := tb.Reflections(); len(rs) != 1 || rs[0] != (PortReflections{"Gi0/1", 2}) || tb.Stats().Reflected != 2 {
		t.Errorf("reflections %+v, stats %+v", rs, tb.Stats())
	}
}

// TestTableEchoOnAnotherPort: the same bytes back in on another port
// moments later are a reflection by that port, and the speaker stays
// where it is; a speaker that really moves (its next advert, elsewhere) is
// a move, not a reflection.
func TestTableEchoOnAnotherPort(t *testing.T) {
	tb := New()
	f := carpFrame(t, 1)
	observe(t, tb, "Gi0/1", f, 0)
	evs := observe(t, tb, "Gi0/3", f, 2*time.Millisecond)
	if len(evs) != 1 || evs[0].Kind != EventReflected || evs[0].Port != "Gi0/3" || evs[0].Back {
		t.Fatalf("events %+v, want a reflection by Gi0/3", evs)
	}
	observe(t, tb, "Gi0/2", carpFrame(t, 2), sec)
	r := tb.Speakers(sec)[0]
	if r.Port != "Gi0/2" || r.Moves != 1 || r.Reflected != 1 {
		t.Errorf("row %+v, want moved once to Gi0/2, one reflection", r)
	}
}

// TestTableDuplicateActive: two CARP masters of one VHID make one event
// naming both, until one has been silent past its hold time; then a new
// double makes another. HSRP active and standby are no double.
func TestTableDuplicateActive(t *testing.T) {
	tb := New()
	a, b := net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}
	observe(t, tb, "Gi0/1", carpFrom(t, a, 0), 0)
	evs := observe(t, tb, "Gi0/2", carpFrom(t, b, 0), 500*time.Millisecond)
	if len(evs) != 1 || evs[0].Kind != EventDuplicateActive || len(evs[0].Others) != 2 ||
		evs[0].Others[0].Port != "Gi0/1" || evs[0].Others[1].Port != "Gi0/2" {
		t.Fatalf("events %+v, want one duplicate naming both", evs)
	}
	for i := 1; i < 4; i++ {
		now := time.Duration(i) * sec
		if evs := only(EventDuplicateActive, append(observe(t, tb, "Gi0/1", carpFrom(t, a, byte(i)), now), observe(t, tb, "Gi0/2", carpFrom(t, b, byte(i)), now+time.Millisecond)...)); len(evs) != 0 {
			t.Fatalf("repeated events %+v", evs)
		}
	}
	if d := tb.Duplicates(4 * sec); len(d) != 1 || d[0] != (GroupKey{CARP, 1, 7}) {
		t.Errorf("duplicates %+v", d)
	}
	// b goes quiet; a alone for 10 s.
	for i := 4; i < 14; i++ {
		observe(t, tb, "Gi0/1", carpFrom(t, a, byte(i)), time.Duration(i)*sec)
	}
	if d := tb.Duplicates(14 * sec); len(d) != 0 {
		t.Errorf("duplicates with b silent: %+v", d)
	}
	if evs := only(EventDuplicateActive, observe(t, tb, "Gi0/2", carpFrom(t, b, 99), 14*sec)); len(evs) != 1 {
		t.Errorf("second double: %+v", evs)
	}

	h := New()
	observe(t, h, "Gi0/1", hsrpV1Frame(t, 16, 110), 0)
	f := hsrpV1Frame(t, 8, 100)
	f[29]++ // another source address (the IP checksum is not checked)
	if evs := observe(t, h, "Gi0/2", f, sec); len(evs) != 0 {
		t.Errorf("active and standby: %+v", evs)
	}
	if n := len(h.Speakers(sec)); n != 2 {
		t.Errorf("%d HSRP speakers, want 2", n)
	}
}

func TestTableCountsMalformed(t *testing.T) {
	tb := New()
	f := vrrpV2Frame(t, 100)
	f[44] ^= 0xff
	if _, err := tb.Observe("Gi0/1", 1, f, 0); err == nil {
		t.Fatal("a bad checksum decoded")
	}
	if _, err := tb.Observe("Gi0/1", 1, []byte{1, 2}, 0); err == nil {
		t.Fatal("a runt decoded")
	}
	if st := tb.Stats(); st.Malformed != 1 || st.Adverts != 0 {
		t.Errorf("stats %+v, want the bad advert counted, the runt ignored", st)
	}
}

// TestTableMACInTurn: two CARP masters sending from the one virtual MAC
// on Gi0/1 and Gi0/2 make it come in on the two ports in turn: an event
// at the first return; a single move is none.
func TestTableMACInTurn(t *testing.T) {
	tb := New()
	a, b := net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}
	kinds := func(evs []Event) (n int) {
		for _, e := range evs {
			if e.Kind == EventMACInTurn {
				n++
			}
		}
		return n
	}
	observe(t, tb, "Gi0/1", carpFrom(t, a, 0), 0)
	if evs := observe(t, tb, "Gi0/2", carpFrom(t, b, 0), sec); kinds(evs) != 0 {
		t.Fatalf("one move: %+v", evs)
	}
	evs := observe(t, tb, "Gi0/1", carpFrom(t, a, 1), 2*sec)
	if kinds(evs) != 1 {
		t.Fatalf("back on Gi0/1: %+v, want the MAC in turn", evs)
	}
	for _, e := range evs {
		if e.Kind == EventMACInTurn && (e.Port != "Gi0/1" || e.From != "Gi0/2" || e.Speaker.SourceMAC().String() != "0000.5e00.0007") {
			t.Errorf("event %+v", e)
		}
	}
	// Slow moves are not in turn.
	tb2 := New()
	observe(t, tb2, "Gi0/1", carpFrom(t, a, 0), 0)
	observe(t, tb2, "Gi0/2", carpFrom(t, a, 1), sec)
	if evs := observe(t, tb2, "Gi0/1", carpFrom(t, a, 2), sec+MACTurnWindow+sec); kinds(evs) != 0 {
		t.Errorf("a move back after the window: %+v", evs)
	}
	if tb.Stats().MACInTurn != 1 {
		t.Errorf("stats %+v", tb.Stats())
	}
}
