package hsrp

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// Each transition of the state machine, driven by one message or timer
// from a known state (RFC 2281 §5.5's events, and what IOS does where the
// RFC leaves room).

var peerMAC = [6]byte{2, 0, 0, 0, 0, 0x99}

// at drives one group through time and messages.
type at struct {
	t   *testing.T
	g   *Group
	now time.Duration
	out Output
}

func newAt(t *testing.T, c Config) *at { return &at{t: t, g: NewGroup(c), now: time.Hour} }

func (a *at) start() *at { a.out = a.g.Start(a.now); return a }

// advance moves time on in 10 ms steps, as a runner would.
func (a *at) advance(d time.Duration) *at {
	a.out = Output{}
	for end := a.now + d; a.now < end; {
		a.now += 10 * time.Millisecond
		o := a.g.Tick(a.now)
		a.out.Send = append(a.out.Send, o.Send...)
		a.out.Changes = append(a.out.Changes, o.Changes...)
	}
	return a
}

func (a *at) hear(op OpCode, st State, prio uint8, from netip.Addr) *at {
	a.out = a.g.Receive(a.now, Message{Version: 2, Op: op, State: st, Group: 1, Priority: prio, Hello: time.Second, Hold: 3 * time.Second, VIP: vip}, from, peerMAC)
	return a
}

func (a *at) want(s State) *at {
	a.t.Helper()
	if got := a.g.State(); got != s {
		a.t.Fatalf("state %s, want %s", got, s)
	}
	return a
}

func (a *at) sent(ops ...OpCode) *at {
	a.t.Helper()
	var got []OpCode
	for _, m := range a.out.Send {
		got = append(got, m.Op)
	}
	if !slices.Equal(got, ops) {
		a.t.Fatalf("sent %v, want %v", got, ops)
	}
	return a
}

// A group of priority 100 at ipA; higher is 110 (or 100 at ipB), lower 90.
func base(preempt bool) Config { return cfg(ipA, 100, preempt) }

// listening is a group in Listen under an active router of priority p.
func listening(t *testing.T, preempt bool, p uint8) *at {
	a := newAt(t, base(preempt)).start().want(Listen)
	a.hear(Hello, Active, p, ipB)
	return a
}

// speaking is a group in Speak with no standby router heard and an active
// router of priority 110 at ipB.
func speaking(t *testing.T) *at {
	a := listening(t, false, 110)
	a.hear(Hello, Active, 110, ipB) // keeps the active timer running
	for i := 0; i < 3 && a.g.State() == Listen; i++ {
		a.advance(time.Second)
		a.hear(Hello, Active, 110, ipB)
	}
	return a.want(Speak)
}

// standingBy is a group in Standby under an active router of 110 at ipB.
func standingBy(t *testing.T) *at {
	a := speaking(t)
	for i := 0; i < 4 && a.g.State() == Speak; i++ {
		a.advance(time.Second)
		a.hear(Hello, Active, 110, ipB)
	}
	return a.want(Standby)
}

func active(t *testing.T, preempt bool) *at {
	a := newAt(t, base(preempt)).start()
	a.advance(7 * time.Second)
	return a.want(Active)
}

func TestTransitions(t *testing.T) {
	lowIP := netip.MustParseAddr("10.0.10.1") // below ipA: loses a tie
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Init -> Listen with a VIP", func(t *testing.T) { newAt(t, base(false)).start().want(Listen) }},
		{"Init -> Learn without", func(t *testing.T) {
			c := base(false)
			c.VIP = netip.Addr{}
			newAt(t, c).start().want(Learn).advance(5 * time.Second).want(Learn).sent()
		}},
		{"Learn -> Listen on the active's hello", func(t *testing.T) {
			c := base(false)
			c.VIP = netip.Addr{}
			a := newAt(t, c).start().hear(Hello, Active, 110, ipB).want(Listen)
			if a.g.VIP() != vip {
				t.Errorf("learned %s", a.g.VIP())
			}
		}},
		{"Listen -> Speak when the active timer expires", func(t *testing.T) {
			listening(t, false, 110).advance(3100 * time.Millisecond).want(Speak)
		}},
		{"Listen -> Speak when no standby is heard", func(t *testing.T) {
			a := listening(t, false, 110)
			for i := 0; i < 3; i++ {
				a.advance(time.Second).hear(Hello, Active, 110, ipB)
			}
			a.want(Speak)
		}},
		{"Listen -> Speak on a lower standby's hello", func(t *testing.T) {
			listening(t, false, 110).hear(Hello, Standby, 90, ipB).want(Speak).sent(Hello)
		}},
		{"Listen stays on a higher standby's hello", func(t *testing.T) {
			listening(t, false, 110).hear(Hello, Standby, 110, ipB).want(Listen).sent()
		}},
		{"Listen -> Speak on the active's resign", func(t *testing.T) {
			listening(t, false, 110).hear(Resign, Active, 110, ipB).want(Speak).sent(Hello)
		}},
		{"Listen -> Active by coup (preempt, lower active)", func(t *testing.T) {
			newAt(t, base(true)).start().hear(Hello, Active, 90, ipB).want(Active).sent(Coup, Hello)
		}},
		{"Listen stays under a lower active without preempt", func(t *testing.T) {
			listening(t, false, 90).hear(Hello, Active, 90, ipB).want(Listen).sent()
		}},
		{"Listen stays under an equal active of higher address", func(t *testing.T) {
			listening(t, true, 100).hear(Hello, Active, 100, ipB).want(Listen).sent()
		}},
		{"Listen -> Active by coup on a tie of lower address", func(t *testing.T) {
			a := newAt(t, base(true)).start()
			a.hear(Hello, Active, 100, lowIP).want(Active).sent(Coup, Hello)
		}},
		{"Speak -> Standby when the standby timer expires", func(t *testing.T) {
			a := speaking(t)
			for i := 0; i < 4 && a.g.State() == Speak; i++ {
				a.advance(time.Second).hear(Hello, Active, 110, ipB)
			}
			a.want(Standby)
		}},
		{"Speak -> Listen on a higher speaker", func(t *testing.T) {
			speaking(t).hear(Hello, Speak, 110, netip.MustParseAddr("10.0.10.4")).want(Listen)
		}},
		{"Speak -> Listen on a higher standby", func(t *testing.T) {
			speaking(t).hear(Hello, Standby, 110, netip.MustParseAddr("10.0.10.4")).want(Listen)
		}},
		{"Speak -> Standby on a lower standby", func(t *testing.T) {
			speaking(t).hear(Hello, Standby, 90, netip.MustParseAddr("10.0.10.4")).want(Standby).sent(Hello)
		}},
		{"Speak stays on a lower speaker", func(t *testing.T) {
			speaking(t).hear(Hello, Speak, 90, netip.MustParseAddr("10.0.10.4")).want(Speak).sent()
		}},
		{"Standby -> Active when the active timer expires", func(t *testing.T) {
			a := standingBy(t)
			a.advance(2900 * time.Millisecond).want(Standby)
			a.advance(200 * time.Millisecond).want(Active).sent(Hello)
		}},
		{"Standby -> Active on the active's resign", func(t *testing.T) {
			standingBy(t).hear(Resign, Active, 110, ipB).want(Active).sent(Hello)
		}},
		{"Standby -> Listen on a higher speaker", func(t *testing.T) {
			standingBy(t).hear(Hello, Speak, 120, netip.MustParseAddr("10.0.10.4")).want(Listen).sent()
		}},
		{"Standby -> Listen on a higher standby", func(t *testing.T) {
			standingBy(t).hear(Hello, Standby, 120, netip.MustParseAddr("10.0.10.4")).want(Listen)
		}},
		{"Standby stays on a lower speaker", func(t *testing.T) {
			standingBy(t).hear(Hello, Speak, 50, netip.MustParseAddr("10.0.10.4")).want(Standby).sent()
		}},
		{"Standby sends hellos every hello time", func(t *testing.T) {
			a := standingBy(t)
			a.advance(1050 * time.Millisecond).sent(Hello)
		}},
		{"Active -> Speak on a higher active", func(t *testing.T) {
			active(t, false).hear(Hello, Active, 110, ipB).want(Speak).sent(Hello)
		}},
		{"Active coups a lower active", func(t *testing.T) {
			active(t, false).hear(Hello, Active, 90, ipB).want(Active).sent(Coup)
		}},
		{"Active -> Speak on a higher router's coup, resigning", func(t *testing.T) {
			a := active(t, false).hear(Coup, Standby, 110, ipB).want(Speak).sent(Resign, Hello)
			if a.out.Send[0].State != Active {
				t.Errorf("the resign says state %s", a.out.Send[0].State)
			}
		}},
		{"Active ignores a lower router's coup", func(t *testing.T) {
			active(t, false).hear(Coup, Standby, 90, ipB).want(Active).sent()
		}},
		{"Active learns its standby and forgets it after the hold", func(t *testing.T) {
			a := active(t, false).hear(Hello, Standby, 90, ipB)
			if p := a.g.StandbyPeer(); p.IP != ipB || p.Priority != 90 || p.MAC != peerMAC {
				t.Fatalf("standby %+v", p)
			}
			a.advance(3100 * time.Millisecond)
			if a.g.StandbyPeer().Known() {
				t.Error("the standby was not forgotten")
			}
		}},
		{"Active -> Init on stop, resigning", func(t *testing.T) {
			a := active(t, false)
			a.out = a.g.Stop(a.now)
			a.want(Initial).sent(Resign)
		}},
		{"Listen -> Init on stop, silently", func(t *testing.T) {
			a := listening(t, false, 110)
			a.out = a.g.Stop(a.now)
			a.want(Initial).sent()
		}},
		{"Init ignores messages", func(t *testing.T) {
			newAt(t, base(true)).hear(Hello, Active, 1, ipB).want(Initial).sent()
		}},
		{"other groups and own messages are ignored", func(t *testing.T) {
			a := newAt(t, base(true)).start()
			a.out = a.g.Receive(a.now, Message{Version: 2, Op: Hello, State: Active, Group: 2, Priority: 1, VIP: vip}, ipB, peerMAC)
			a.want(Listen).sent()
			a.hear(Hello, Active, 1, ipA).want(Listen).sent()
		}},
	} {
		t.Run(tc.name, tc.run)
	}
}
