package fhrpsnoop

import (
	"cmp"
	"hash/maphash"
	"net/netip"
	"slices"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// Key names one speaker: a protocol's group in a VLAN, spoken for from
// one source address.
type Key struct {
	Proto  Proto
	VLAN   uint16
	Group  uint16
	Source netip.Addr
}

// GroupKey names a group: a protocol's group number in a VLAN.
type GroupKey struct {
	Proto Proto
	VLAN  uint16
	Group uint16
}

// Group returns the group k speaks in.
func (k Key) GroupKey() GroupKey { return GroupKey{k.Proto, k.VLAN, k.Group} }

// Speaker is one row of the table.
type Speaker struct {
	Key
	Advert    Advert // the last one
	Port      string // where its adverts come in
	FirstSeen time.Duration
	LastSeen  time.Duration
	Adverts   uint64  // received
	Rate      float64 // adverts per second over the last RateWindow
	Reflected uint64  // its adverts seen reflected
	Moves     uint64  // times its adverts came in on another port
}

// Event kinds.
type EventKind uint8

const (
	// EventReflected: a speaker's advert went back out of the port it came
	// in on (Port, the reflecting port, is the speaker's own), or came
	// back in on another port (Port) with the same bytes moments later.
	EventReflected EventKind = iota + 1
	// EventDuplicateActive: a group has two or more speakers announcing
	// active or master at once (Others).
	EventDuplicateActive
	// EventMACInTurn: adverts from one source MAC (a CARP or HSRP virtual
	// MAC) came in on Port, then on From, then on Port again within
	// MACTurnWindow: a reflection too slow to be told by its bytes, or
	// two masters sending from the virtual MAC.
	EventMACInTurn
)

// Event is something the runner logs.
type Event struct {
	Kind    EventKind
	Speaker Speaker   // whose advert; for a duplicate, the one that made it
	Port    string    // the reflecting port
	Back    bool      // EventReflected: sent back to the speaker on its own port (else: came back in on Port)
	From    string    // EventMACInTurn: the other port
	Others  []Speaker // EventDuplicateActive: every forwarding speaker of the group
}

// RateWindow is the span the adverts-per-second rate is taken over.
const RateWindow = 10 * time.Second

// echoWindow bounds the time between an advert and its reflection: a
// reflection is immediate, the speaker's next advert is an interval away.
const echoWindow = 500 * time.Millisecond

// MACTurnWindow bounds the time between a source MAC's moves for them to
// count as in turn (the MAC table's flap detection takes a similar span).
const MACTurnWindow = 15 * time.Second

// Expiry is how long a silent speaker stays in the table.
const Expiry = 10 * time.Minute

// Stats count what the table was given.
type Stats struct {
	Adverts   uint64 // decoded adverts received
	Malformed uint64 // frames to the adverts' addresses that did not decode
	Reflected uint64 // reflections detected
	MACInTurn uint64 // source MACs seen on two ports in turn
}

// Table is the table of speakers. It is not safe for concurrent use.
type Table struct {
	seed     maphash.Seed
	speakers map[Key]*speaker
	ports    map[string]uint64 // reflections per reflecting port
	pending  []pendingEcho     // reflections seen before their advert
	dup      map[GroupKey]bool // flagged, until the group has one active again
	macs     map[macKey]*macPorts
	stats    Stats
}

// macKey is a source MAC in a VLAN.
type macKey struct {
	vlan uint16
	mac  packet.MAC
}

// macPorts is where a source MAC's adverts came in last, and before.
type macPorts struct {
	port, prev string
	moved      time.Duration // when it came to port
	seen       time.Duration
}

type speaker struct {
	Speaker
	hash    uint64          // of the last advert's bytes
	arrival []time.Duration // within RateWindow, oldest first
}

type pendingEcho struct {
	port string
	hash uint64
	at   time.Duration
}

// New returns an empty table.
func New() *Table {
	return &Table{seed: maphash.MakeSeed(), speakers: map[Key]*speaker{}, ports: map[string]uint64{}, dup: map[GroupKey]bool{}, macs: map[macKey]*macPorts{}}
}

// key is the speaker key of an advert heard in vlan.
func key(a Advert, vlan uint16) Key {
	return Key{Proto: a.Proto, VLAN: vlan, Group: a.Group, Source: a.Source}
}

// Observe takes a frame the switch received on port, in vlan (the VLAN the
// port classified it into), at now. A frame that is no advert is ignored
// (ErrNotFHRP); a broken one is counted (ErrMalformed).
func (t *Table) Observe(port string, vlan uint16, f []byte, now time.Duration) ([]Event, error) {
	a, err := Decode(f)
	if err != nil {
		if err != ErrNotFHRP {
			t.stats.Malformed++
		}
		return nil, err
	}
	t.stats.Adverts++
	h := maphash.Bytes(t.seed, f)
	k := key(a, vlan)
	var evs []Event
	s := t.speakers[k]
	if s != nil && s.Port != port && s.hash == h && now-s.LastSeen <= s.echoWindow() {
		// The advert just seen on the speaker's port, again on another:
		// whatever is behind this port sent it back.
		s.Reflected++
		t.ports[port]++
		t.stats.Reflected++
		return []Event{{Kind: EventReflected, Speaker: s.Speaker, Port: port}}, nil
	}
	if s == nil {
		s = &speaker{Speaker: Speaker{Key: k, Port: port, FirstSeen: now}}
		t.speakers[k] = s
	} else if s.Port != port {
		s.Port = port
		s.Moves++
	}
	s.Advert, s.LastSeen, s.hash = a, now, h
	s.Adverts++
	s.arrival = append(s.arrival, now)
	s.rate(now)
	// A reflection of this very advert may have come first.
	t.prune(now)
	for i, p := range t.pending {
		if p.port == port && p.hash == h {
			t.pending = slices.Delete(t.pending, i, i+1)
			evs = append(evs, t.reflected(s, port))
			break
		}
	}
	if ev, ok := t.inTurn(vlan, a.SrcMAC, port, s, now); ok {
		evs = append(evs, ev)
	}
	if ev, ok := t.duplicates(k.GroupKey(), s, now); ok {
		evs = append(evs, ev)
	}
	return evs, nil
}

// inTurn follows the ports of a source MAC; a return to the port it left
// moments ago is an event.
func (t *Table) inTurn(vlan uint16, mac packet.MAC, port string, s *speaker, now time.Duration) (Event, bool) {
	k := macKey{vlan, mac}
	m := t.macs[k]
	if m == nil {
		if len(t.macs) > 4096 { // forget the silent ones before growing
			for k, o := range t.macs {
				if now-o.seen > Expiry {
					delete(t.macs, k)
				}
			}
		}
		t.macs[k] = &macPorts{port: port, moved: now, seen: now}
		return Event{}, false
	}
	m.seen = now
	if m.port == port {
		return Event{}, false
	}
	back := m.prev == port && now-m.moved <= MACTurnWindow
	from := m.port
	m.prev, m.port, m.moved = m.port, port, now
	if !back {
		return Event{}, false
	}
	t.stats.MACInTurn++
	return Event{Kind: EventMACInTurn, Speaker: s.Speaker, Port: port, From: from}, true
}

// ObserveReflected takes a frame that port's fault injection sent back
// out of port (the port's peer hears its own frame) at now.
func (t *Table) ObserveReflected(port string, vlan uint16, f []byte, now time.Duration) ([]Event, error) {
	a, err := Decode(f)
	if err != nil {
		return nil, err
	}
	h := maphash.Bytes(t.seed, f)
	if s := t.speakers[key(a, vlan)]; s != nil && s.Port == port && s.hash == h && now-s.LastSeen <= s.echoWindow() {
		return []Event{t.reflected(s, port)}, nil
	}
	// The reflection is sent before the switch forwards the frame: its
	// advert is still on its way.
	t.prune(now)
	t.pending = append(t.pending, pendingEcho{port: port, hash: h, at: now})
	return nil, nil
}

func (t *Table) reflected(s *speaker, port string) Event {
	s.Reflected++
	t.ports[port]++
	t.stats.Reflected++
	return Event{Kind: EventReflected, Speaker: s.Speaker, Port: port, Back: true}
}

// prune forgets reflections whose advert never came.
func (t *Table) prune(now time.Duration) {
	t.pending = slices.DeleteFunc(t.pending, func(p pendingEcho) bool { return now-p.at > echoWindow })
	if len(t.pending) > 64 {
		t.pending = slices.Delete(t.pending, 0, len(t.pending)-64)
	}
}

// echoWindow is how soon after s's advert the same bytes count as its
// echo: echoWindow, or half an interval when that is shorter, so that a
// speaker's next (identical) advert never does.
func (s *speaker) echoWindow() time.Duration {
	if iv := s.Advert.Interval; iv > 0 && iv/2 < echoWindow {
		return iv / 2
	}
	return echoWindow
}

// rate recomputes s's adverts per second at now: over the intervals
// between its arrivals in the last RateWindow while it is live, and
// decaying with the arrivals still in the window once it is silent.
func (s *speaker) rate(now time.Duration) {
	i := 0
	for i < len(s.arrival) && now-s.arrival[i] >= RateWindow {
		i++
	}
	s.arrival = slices.Delete(s.arrival, 0, i)
	n := len(s.arrival)
	switch {
	case n >= 2 && s.live(now):
		s.Rate = float64(n-1) / (s.arrival[n-1] - s.arrival[0]).Seconds()
	default:
		s.Rate = float64(n) / RateWindow.Seconds()
	}
}

// live reports whether s still holds the state it announced at now.
func (s *speaker) live(now time.Duration) bool { return s.Speaker.Live(now) }

// Live reports whether s still holds the state it announced at now: its
// hold time (three intervals, at least a second) has not run out.
func (s Speaker) Live(now time.Duration) bool {
	hold := max(s.Advert.Hold, 3*s.Advert.Interval, time.Second)
	return now-s.LastSeen <= hold+hold/4
}

// duplicates checks g after s's advert: two live forwarding speakers make
// an event, once until the group is back to one.
func (t *Table) duplicates(g GroupKey, s *speaker, now time.Duration) (Event, bool) {
	var fwd []Speaker
	for _, o := range t.speakers {
		if o.GroupKey() == g && o.Advert.State.Forwarding() && o.live(now) {
			fwd = append(fwd, o.Speaker)
		}
	}
	if len(fwd) < 2 {
		delete(t.dup, g)
		return Event{}, false
	}
	if t.dup[g] {
		return Event{}, false
	}
	t.dup[g] = true
	sortSpeakers(fwd)
	return Event{Kind: EventDuplicateActive, Speaker: s.Speaker, Others: fwd}, true
}

func sortSpeakers(ss []Speaker) {
	slices.SortFunc(ss, func(a, b Speaker) int {
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.VLAN, b.VLAN), cmp.Compare(a.Group, b.Group), a.Source.Compare(b.Source))
	})
}

// Speakers returns the table at now, by protocol, VLAN, group and source,
// after forgetting speakers silent for Expiry.
func (t *Table) Speakers(now time.Duration) []Speaker {
	out := make([]Speaker, 0, len(t.speakers))
	for k, s := range t.speakers {
		if now-s.LastSeen > Expiry {
			delete(t.speakers, k)
			continue
		}
		s.rate(now)
		out = append(out, s.Speaker)
	}
	sortSpeakers(out)
	return out
}

// Duplicates returns the groups with two forwarding speakers at now.
func (t *Table) Duplicates(now time.Duration) []GroupKey {
	var out []GroupKey
	seen := map[GroupKey]int{}
	for _, s := range t.speakers {
		if s.Advert.State.Forwarding() && s.live(now) {
			if seen[s.GroupKey()]++; seen[s.GroupKey()] == 2 {
				out = append(out, s.GroupKey())
			}
		}
	}
	slices.SortFunc(out, func(a, b GroupKey) int {
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.VLAN, b.VLAN), cmp.Compare(a.Group, b.Group))
	})
	return out
}

// PortReflections is a port and the reflections it made.
type PortReflections struct {
	Port  string
	Count uint64
}

// Reflections returns the reflecting ports, by name.
func (t *Table) Reflections() []PortReflections {
	out := make([]PortReflections, 0, len(t.ports))
	for p, n := range t.ports {
		out = append(out, PortReflections{p, n})
	}
	slices.SortFunc(out, func(a, b PortReflections) int { return cmp.Compare(a.Port, b.Port) })
	return out
}

// Stats returns the table's counters.
func (t *Table) Stats() Stats { return t.stats }

// Clear empties the table and its counters.
func (t *Table) Clear() {
	clear(t.speakers)
	clear(t.ports)
	clear(t.dup)
	clear(t.macs)
	t.pending = t.pending[:0]
	t.stats = Stats{}
}

// SourceMAC is the MAC a speaker's adverts come from.
func (s Speaker) SourceMAC() packet.MAC { return s.Advert.SrcMAC }
