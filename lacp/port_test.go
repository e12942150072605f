package lacp

import (
	"encoding/hex"
	"testing"
	"time"
)

// link is a simulated pair of systems with their groups, joined port by
// port; it delivers each side's PDUs to the other's port of the same index
// while the link is up.
type link struct {
	a, b *Group
	up   []bool
	now  time.Duration
}

func newGroup(mac byte, key uint16, n int, active, fast bool) *Group {
	g := &Group{}
	for i := 0; i < n; i++ {
		g.Ports = append(g.Ports, NewPort(System{Priority: 32768, MAC: [6]byte{0, 0, 0, 0, 0, mac}},
			PortConfig{Port: uint16(i + 1), PortPriority: 32768, Key: key, Active: active, Fast: fast}))
	}
	return g
}

func newLink(a, b *Group) *link {
	l := &link{a: a, b: b, up: make([]bool, len(a.Ports)), now: time.Second}
	for i := range l.up {
		l.setUp(i, true)
	}
	return l
}

func (l *link) setUp(i int, up bool) {
	l.up[i] = up
	l.a.Ports[i].SetLink(l.now, up)
	l.b.Ports[i].SetLink(l.now, up)
}

// run advances both sides in steps of 100 ms for d.
func (l *link) run(d time.Duration) {
	for end := l.now + d; l.now < end; l.now += 100 * time.Millisecond {
		for _, s := range l.a.Tick(l.now) {
			if l.up[s.Port] {
				l.b.Ports[s.Port].Receive(l.now, s.PDU)
			}
		}
		for _, s := range l.b.Tick(l.now) {
			if l.up[s.Port] {
				l.a.Ports[s.Port].Receive(l.now, s.PDU)
			}
		}
	}
}

func bundled(g *Group) (n int) {
	for _, p := range g.Ports {
		if p.Bundled() {
			n++
		}
	}
	return n
}

func TestActiveActiveBundles(t *testing.T) {
	a, b := newGroup(1, 1, 2, true, true), newGroup(2, 9, 2, true, true)
	l := newLink(a, b)
	l.run(1 * time.Second)
	if bundled(a) != 0 {
		t.Fatal("bundled before the aggregate wait")
	}
	l.run(3 * time.Second)
	if bundled(a) != 2 || bundled(b) != 2 {
		t.Fatalf("bundled a=%d b=%d, want 2 and 2 (a0 %v/%v)", bundled(a), bundled(b), a.Ports[0].Rx(), a.Ports[0].Mux())
	}
	p := a.Ports[0].Partner()
	if p.System != [6]byte{0, 0, 0, 0, 0, 2} || p.Key != 9 || p.State&(Synchronization|Collecting|Distributing) != Synchronization|Collecting|Distributing {
		t.Errorf("partner %+v", p)
	}
	if a.Ports[0].Actor().State != Activity|Timeout|Aggregation|Synchronization|Collecting|Distributing {
		t.Errorf("actor state %v", a.Ports[0].Actor().State)
	}
}

func TestPassiveAnswersActive(t *testing.T) {
	a, b := newGroup(1, 1, 2, false, false), newGroup(2, 1, 2, true, false)
	l := newLink(a, b)
	l.run(5 * time.Second)
	if bundled(a) != 2 || bundled(b) != 2 {
		t.Fatalf("passive/active: bundled %d/%d", bundled(a), bundled(b))
	}
}

func TestPassivePassiveNeverBundles(t *testing.T) {
	a, b := newGroup(1, 1, 2, false, true), newGroup(2, 1, 2, false, true)
	l := newLink(a, b)
	l.run(10 * time.Second)
	if bundled(a)+bundled(b) != 0 {
		t.Fatal("two passive ends bundled")
	}
	if a.Ports[0].TxPDUs != 0 {
		t.Fatalf("passive port sent %d PDUs to a silent partner", a.Ports[0].TxPDUs)
	}
	if a.Ports[0].Rx() != RxDefaulted {
		t.Errorf("rx %v, want defaulted", a.Ports[0].Rx())
	}
}

// A partner that goes silent (its link down on its side only) expires
// after the short timeout and is defaulted, and the port leaves the bundle
// while the other stays.
func TestSilentPartnerTimesOut(t *testing.T) {
	a, b := newGroup(1, 1, 2, true, true), newGroup(2, 1, 2, true, true)
	l := newLink(a, b)
	l.run(4 * time.Second)
	if bundled(a) != 2 {
		t.Fatal("not bundled")
	}
	l.up[1] = false // frames stop, but neither side's link went down
	l.run(2 * time.Second)
	if !a.Ports[1].Bundled() {
		t.Fatal("left the bundle before the 3 s timeout")
	}
	l.run(2 * time.Second)
	if a.Ports[1].Bundled() || !a.Ports[0].Bundled() {
		t.Fatalf("after the timeout: port 1 bundled %v, port 0 %v", a.Ports[1].Bundled(), a.Ports[0].Bundled())
	}
	if a.Ports[1].Rx() != RxExpired {
		t.Errorf("rx %v, want expired", a.Ports[1].Rx())
	}
	l.run(4 * time.Second)
	if a.Ports[1].Rx() != RxDefaulted || a.Ports[1].PartnerKnown() {
		t.Errorf("rx %v known %v, want defaulted", a.Ports[1].Rx(), a.Ports[1].PartnerKnown())
	}
	l.up[1] = true
	l.run(4 * time.Second)
	if bundled(a) != 2 {
		t.Fatal("did not rejoin")
	}
}

func TestLinkDownLeavesAtOnce(t *testing.T) {
	a, b := newGroup(1, 1, 2, true, false), newGroup(2, 1, 2, true, false)
	l := newLink(a, b)
	l.run(4 * time.Second)
	l.setUp(0, false)
	l.run(100 * time.Millisecond)
	if a.Ports[0].Bundled() || !a.Ports[1].Bundled() {
		t.Fatal("link down: port 0 still bundled or port 1 left")
	}
}

// Ports cabled to two different partner systems: only those of one
// partner are bundled (IOS suspends the others).
func TestSelectionOnePartner(t *testing.T) {
	a := newGroup(1, 1, 3, true, true)
	b, c := newGroup(2, 1, 3, true, true), newGroup(3, 1, 3, true, true)
	now := time.Second
	for _, p := range a.Ports {
		p.SetLink(now, true)
	}
	for _, g := range []*Group{b, c} {
		for _, p := range g.Ports {
			p.SetLink(now, true)
		}
	}
	// a's ports 0 and 1 face b, port 2 faces c.
	peer := func(i int) *Port {
		if i == 2 {
			return c.Ports[i]
		}
		return b.Ports[i]
	}
	for ; now < 6*time.Second; now += 100 * time.Millisecond {
		for _, s := range a.Tick(now) {
			peer(s.Port).Receive(now, s.PDU)
		}
		for _, g := range []*Group{b, c} {
			for _, s := range g.Tick(now) {
				if (g == c) == (s.Port == 2) {
					a.Ports[s.Port].Receive(now, s.PDU)
				}
			}
		}
	}
	if !a.Ports[0].Bundled() || !a.Ports[1].Bundled() || a.Ports[2].Bundled() {
		t.Fatalf("bundled %v %v %v, want true true false", a.Ports[0].Bundled(), a.Ports[1].Bundled(), a.Ports[2].Bundled())
	}
	if a.Ports[2].Selected() {
		t.Error("the port to the other partner is selected")
	}
}

func TestMaxBundledStandby(t *testing.T) {
	a, b := newGroup(1, 1, 10, true, true), newGroup(2, 1, 10, true, true)
	l := newLink(a, b)
	l.run(5 * time.Second)
	if bundled(a) != MaxBundled {
		t.Fatalf("bundled %d, want %d", bundled(a), MaxBundled)
	}
	if !a.Standby(a.Ports[9]) || a.Standby(a.Ports[0]) {
		t.Error("standby flags")
	}
}

// FuzzGroupReceive feeds arbitrary LACPDUs at arbitrary times to a group
// of two ports: nothing panics, and a port that carries frames is always
// selected, in sync, and collecting and distributing.
func FuzzGroupReceive(f *testing.F) {
	std, _ := hex.DecodeString(standardFrame)
	f.Add(append(append([]byte{}, std...), std...), []byte{1, 30, 200})
	f.Fuzz(func(t *testing.T, frames, gaps []byte) {
		g := newGroup(1, 1, 2, true, true)
		now := time.Second
		for _, p := range g.Ports {
			p.SetLink(now, true)
		}
		for i := 0; len(frames) >= FrameLen; i++ {
			fr := frames[:FrameLen]
			frames = frames[FrameLen:]
			if pdu, err := Parse(fr); err == nil {
				g.Ports[int(pdu.Actor.Port)%2].Receive(now, pdu)
			}
			if i < len(gaps) {
				now += time.Duration(gaps[i]) * 50 * time.Millisecond
			}
			g.Tick(now)
			for _, p := range g.Ports {
				st := p.Actor().State
				if p.Bundled() && (!p.Selected() || st&Synchronization == 0 || st&(Collecting|Distributing) != Collecting|Distributing) {
					t.Fatalf("bundled port in state %v, selected %v", st, p.Selected())
				}
			}
		}
	})
}
