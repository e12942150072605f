package hsrp

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

var (
	ipA = netip.MustParseAddr("10.0.10.2")
	ipB = netip.MustParseAddr("10.0.10.3")
	vip = netip.MustParseAddr("10.0.10.1")
)

func TestVirtualMAC(t *testing.T) {
	if got := VirtualMAC(1, 1); got != [6]byte{0, 0, 0x0c, 0x07, 0xac, 0x01} {
		t.Errorf("v1 group 1: %x", got)
	}
	if got := VirtualMAC(2, 4095); got != [6]byte{0, 0, 0x0c, 0x9f, 0xff, 0xff} {
		t.Errorf("v2 group 4095: %x", got)
	}
	if got := VirtualMAC(2, 0x123); got != [6]byte{0, 0, 0x0c, 0x9f, 0xf1, 0x23} {
		t.Errorf("v2 group 0x123: %x", got)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
		a    Auth
		size int
	}{
		{"v1 default text", Message{Version: 1, Op: Hello, State: Active, Group: 1, Priority: 110, Hello: 3 * time.Second, Hold: 10 * time.Second, VIP: vip}, Auth{}, 20},
		{"v1 text", Message{Version: 1, Op: Coup, State: Standby, Group: 255, Priority: 1, Hello: time.Second, Hold: 3 * time.Second, VIP: vip}, Auth{Kind: AuthText, Key: "l2swkey"}, 20},
		{"v1 md5", Message{Version: 1, Op: Resign, State: Active, Group: 7, Priority: 100, Hello: time.Second, Hold: 3 * time.Second, VIP: vip}, Auth{Kind: AuthMD5, Key: "secret"}, 50},
		{"v2 none", Message{Version: 2, Op: Hello, State: Speak, Group: 4095, Priority: 255, Hello: 300 * time.Millisecond, Hold: time.Second, VIP: vip, ID: [6]byte{2, 0, 0, 0, 0, 1}}, Auth{}, 42},
		{"v2 text", Message{Version: 2, Op: Hello, State: Active, Group: 10, Priority: 90, Hello: 3 * time.Second, Hold: 10 * time.Second, VIP: vip}, Auth{Kind: AuthText, Key: "abc"}, 52},
		{"v2 md5", Message{Version: 2, Op: Hello, State: Standby, Group: 10, Priority: 90, Hello: 3 * time.Second, Hold: 10 * time.Second, VIP: vip}, Auth{Kind: AuthMD5, Key: "k"}, 72},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Encode(nil, &tc.m, tc.a, ipA)
			if len(b) != tc.size {
				t.Fatalf("%d bytes, want %d: %x", len(b), tc.size, b)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tc.m.Version || got.Op != tc.m.Op || got.State != tc.m.State || got.Group != tc.m.Group ||
				got.Priority != tc.m.Priority || got.Hello != tc.m.Hello || got.Hold != tc.m.Hold || got.VIP != tc.m.VIP || got.ID != tc.m.ID {
				t.Errorf("decoded %+v, want %+v", got, tc.m)
			}
			if !Check(b, &got, tc.a) {
				t.Errorf("the message does not pass its own authentication")
			}
			wrong := tc.a
			wrong.Key += "x"
			if tc.a.Kind == AuthNone {
				wrong.Kind = AuthText
			}
			if Check(b, &got, wrong) {
				t.Errorf("the message passes a wrong key")
			}
			if tc.a.Kind == AuthMD5 {
				if got.SenderIP != ipA {
					t.Errorf("MD5 sender %s", got.SenderIP)
				}
				// One bit changed anywhere outside the digest fails.
				b[2] ^= 0x01
				m2, err := Decode(b)
				if err == nil && Check(b, &m2, tc.a) {
					t.Errorf("a changed message still passes MD5")
				}
			}
		})
	}
}

// A version 1 hello as RFC 2281 §5.1 lays it out, byte by byte.
func TestDecodeV1Wire(t *testing.T) {
	b := []byte{0, 0, 16, 3, 10, 120, 1, 0, 'c', 'i', 's', 'c', 'o', 0, 0, 0, 192, 168, 0, 1}
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Message{Version: 1, Op: Hello, State: Active, Hello: 3 * time.Second, Hold: 10 * time.Second, Priority: 120, Group: 1,
		VIP: netip.MustParseAddr("192.168.0.1"), AuthKind: AuthText, Text: "cisco"}
	if m != want {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
	if !Check(b, &m, Auth{}) {
		t.Error("the default text does not pass an unauthenticated v1 group")
	}
	if got := Encode(nil, &want, Auth{}, ipA); !slices.Equal(got, b) {
		t.Errorf("encoded %x\nwant    %x", got, b)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := Encode(nil, &Message{Version: 2, State: Active, Group: 1, VIP: vip}, Auth{}, ipA)
	for _, tc := range []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, ErrShort},
		{"short v1", make([]byte, 19), ErrShort},
		{"bad state", []byte{0, 0, 3, 3, 10, 100, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, ErrState},
		{"version", []byte{9, 9, 9}, ErrVersion},
		{"truncated TLV", good[:30], ErrTLV},
		{"trailing byte", append(slices.Clone(good), 3), ErrTLV},
	} {
		if _, err := Decode(tc.b); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(nil, &Message{Version: 1, State: Active, Group: 1, VIP: vip}, Auth{}, ipA))
	f.Add(Encode(nil, &Message{Version: 1, State: Active, Group: 1, VIP: vip}, Auth{Kind: AuthMD5, Key: "k"}, ipA))
	f.Add(Encode(nil, &Message{Version: 2, State: Standby, Group: 4095, VIP: vip}, Auth{Kind: AuthText, Key: "t"}, ipA))
	f.Add(Encode(nil, &Message{Version: 2, State: Speak, Group: 1}, Auth{Kind: AuthMD5, Key: "k"}, ipA))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		for _, a := range []Auth{{}, {Kind: AuthText, Key: "x"}, {Kind: AuthMD5, Key: "k"}} {
			Check(b, &m, a)
		}
		// What decodes re-encodes to something that decodes the same.
		re := Encode(nil, &m, Auth{}, ipA)
		m2, err := Decode(re)
		if err != nil {
			t.Fatalf("re-encoded %x: %v", re, err)
		}
		if m2.Group != m.Group || m2.State != m.State || m2.Priority != m.Priority {
			t.Fatalf("re-decoded %+v from %+v", m2, m)
		}
	})
}

// net connects groups: what one sends, the others receive.
type net struct {
	t      *testing.T
	now    time.Duration
	gs     []*Group
	macs   [][6]byte
	log    [][]Change
	up     []bool
	counts map[OpCode]int
}

func newNet(t *testing.T, cfgs ...Config) *net {
	n := &net{t: t, counts: map[OpCode]int{}}
	for i, c := range cfgs {
		n.gs = append(n.gs, NewGroup(c))
		n.macs = append(n.macs, [6]byte{2, 0, 0, 0, 0, byte(i + 1)})
		n.log = append(n.log, nil)
		n.up = append(n.up, false)
	}
	return n
}

func cfg(ip netip.Addr, prio uint8, preempt bool) Config {
	return Config{Version: 2, Group: 1, VIP: vip, Priority: prio, Preempt: preempt, Hello: time.Second, Hold: 3 * time.Second, TimersSet: true, IP: ip}
}

func (n *net) deliver(from int, out Output) {
	n.log[from] = append(n.log[from], out.Changes...)
	for _, m := range out.Send {
		n.counts[m.Op]++
		raw := Encode(nil, &m, n.gs[from].cfg.Auth, n.gs[from].cfg.IP)
		for to, g := range n.gs {
			if to == from || !n.up[to] {
				continue
			}
			dm, err := Decode(raw)
			if err != nil {
				n.t.Fatal(err)
			}
			if !Check(raw, &dm, g.cfg.Auth) {
				continue
			}
			n.deliver(to, g.Receive(n.now, dm, n.gs[from].cfg.IP, n.macs[from]))
		}
	}
}

func (n *net) start(i int) { n.up[i] = true; n.deliver(i, n.gs[i].Start(n.now)) }
func (n *net) stop(i int)  { n.deliver(i, n.gs[i].Stop(n.now)); n.up[i] = false }

// run advances time by d in 10 ms steps.
func (n *net) run(d time.Duration) {
	for end := n.now + d; n.now < end; {
		n.now += 10 * time.Millisecond
		for i, g := range n.gs {
			if n.up[i] {
				n.deliver(i, g.Tick(n.now))
			}
		}
	}
}

func (n *net) states() []State {
	var s []State
	for _, g := range n.gs {
		s = append(s, g.State())
	}
	return s
}

func TestLoneRouterBecomesActive(t *testing.T) {
	n := newNet(t, cfg(ipA, 100, false))
	n.start(0)
	if n.gs[0].State() != Listen {
		t.Fatalf("after start: %s", n.gs[0].State())
	}
	n.run(2900 * time.Millisecond)
	if n.gs[0].State() != Listen {
		t.Fatalf("before the hold time: %s", n.gs[0].State())
	}
	n.run(200 * time.Millisecond)
	if n.gs[0].State() != Speak {
		t.Fatalf("after one hold time: %s", n.gs[0].State())
	}
	n.run(3 * time.Second)
	want := []Change{{Initial, Listen}, {Listen, Speak}, {Speak, Standby}, {Standby, Active}}
	if !slices.Equal(n.log[0], want) {
		t.Errorf("changes %v, want %v", n.log[0], want)
	}
	if c, _ := n.gs[0].StateChanges(); c != 4 {
		t.Errorf("%d state changes", c)
	}
}

func TestLearnStateLearnsVIPAndTimers(t *testing.T) {
	a := cfg(ipA, 100, false)
	b := cfg(ipB, 90, false)
	b.VIP, b.TimersSet, b.Hello, b.Hold = netip.Addr{}, false, 0, 0
	n := newNet(t, a, b)
	n.start(0)
	n.run(7 * time.Second)
	n.start(1)
	if n.gs[1].State() != Learn {
		t.Fatalf("b without a VIP starts in %s", n.gs[1].State())
	}
	n.run(1100 * time.Millisecond)
	if n.gs[1].VIP() != vip {
		t.Errorf("b learned VIP %s", n.gs[1].VIP())
	}
	if h, d := n.gs[1].Timers(); h != time.Second || d != 3*time.Second {
		t.Errorf("b learned timers %v %v", h, d)
	}
	// Its own timers (the 10 s default) ran from its start.
	n.run(12 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Active, Standby}) {
		t.Errorf("states %v (log b %v)", got, n.log[1])
	}
}

func TestTwoRoutersElectByPriorityThenIP(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pa, pb uint8
		want   []State
	}{
		{"priority", 110, 100, []State{Active, Standby}},
		{"priority other way", 100, 110, []State{Standby, Active}},
		{"tie: higher IP", 100, 100, []State{Standby, Active}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNet(t, cfg(ipA, tc.pa, false), cfg(ipB, tc.pb, false))
			n.start(0)
			n.start(1)
			n.run(10 * time.Second)
			if got := n.states(); !slices.Equal(got, tc.want) {
				t.Fatalf("states %v, want %v (logs %v %v)", got, tc.want, n.log[0], n.log[1])
			}
			act, stb := 0, 1
			if tc.want[0] != Active {
				act, stb = 1, 0
			}
			if p := n.gs[stb].ActivePeer(); p.IP != n.gs[act].cfg.IP {
				t.Errorf("standby sees active %v", p)
			}
			if p := n.gs[act].StandbyPeer(); p.IP != n.gs[stb].cfg.IP {
				t.Errorf("active sees standby %v", p)
			}
			// Stable: nothing changes over many hellos.
			l0, l1 := len(n.log[0]), len(n.log[1])
			n.run(20 * time.Second)
			if len(n.log[0]) != l0 || len(n.log[1]) != l1 {
				t.Errorf("unstable: %v %v", n.log[0][l0:], n.log[1][l1:])
			}
		})
	}
}

// Without preempt a later, higher-priority router does not take over.
func TestNoPreemptKeepsActive(t *testing.T) {
	n := newNet(t, cfg(ipA, 100, false), cfg(ipB, 150, false))
	n.start(0)
	n.run(7 * time.Second)
	n.start(1)
	n.run(10 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Active, Standby}) {
		t.Errorf("states %v", got)
	}
	if n.counts[Coup] != 0 {
		t.Errorf("%d coups", n.counts[Coup])
	}
}

// With preempt the higher-priority router sends a coup, the active
// resigns and becomes Speak, then Standby.
func TestPreemptCoupResign(t *testing.T) {
	n := newNet(t, cfg(ipA, 100, false), cfg(ipB, 150, true))
	n.start(0)
	n.run(7 * time.Second)
	n.start(1)
	n.run(2 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Speak, Active}) {
		t.Fatalf("states %v (logs %v %v)", got, n.log[0], n.log[1])
	}
	// The old active speaks for a hold time, then is standby.
	n.run(3500 * time.Millisecond)
	if got := n.states(); !slices.Equal(got, []State{Standby, Active}) {
		t.Fatalf("states %v (logs %v %v)", got, n.log[0], n.log[1])
	}
	if n.counts[Coup] != 1 || n.counts[Resign] != 1 {
		t.Errorf("coups %d resigns %d", n.counts[Coup], n.counts[Resign])
	}
	if !slices.Contains(n.log[0], Change{Active, Speak}) || !slices.Contains(n.log[1], Change{Listen, Active}) {
		t.Errorf("logs %v %v", n.log[0], n.log[1])
	}
}

func TestPreemptDelay(t *testing.T) {
	b := cfg(ipB, 150, true)
	b.PreemptDelay = 5 * time.Second
	n := newNet(t, cfg(ipA, 100, false), b)
	n.start(0)
	n.run(7 * time.Second)
	n.start(1)
	n.run(4500 * time.Millisecond)
	if n.gs[1].State() == Active {
		t.Fatalf("preempted before the delay")
	}
	n.run(5 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Standby, Active}) {
		t.Errorf("after the delay: %v", got)
	}
}

// The active router that stops resigns: the standby takes over at once.
func TestResignOnStop(t *testing.T) {
	n := newNet(t, cfg(ipA, 110, false), cfg(ipB, 100, false))
	n.start(0)
	n.start(1)
	n.run(10 * time.Second)
	n.stop(0)
	if n.gs[1].State() != Active {
		t.Errorf("standby after the resign: %s", n.gs[1].State())
	}
	if n.gs[0].State() != Initial {
		t.Errorf("stopped group: %s", n.gs[0].State())
	}
}

// The active router that vanishes: the standby takes over when its active
// timer (the hold time) runs out, not before.
func TestActiveTimerExpiry(t *testing.T) {
	n := newNet(t, cfg(ipA, 110, false), cfg(ipB, 100, false))
	n.start(0)
	n.start(1)
	n.run(10 * time.Second)
	n.up[0] = false // silent
	n.run(1900 * time.Millisecond)
	if n.gs[1].State() != Standby {
		t.Fatalf("took over early: %s", n.gs[1].State())
	}
	n.run(1200 * time.Millisecond)
	if n.gs[1].State() != Active {
		t.Errorf("after the hold time: %s", n.gs[1].State())
	}
	if p := n.gs[1].ActivePeer(); p.Known() {
		t.Errorf("still knows the old active %v", p)
	}
}

// Two actives (a healed partition): the lower one steps down to Speak.
func TestTwoActivesLowerStepsDown(t *testing.T) {
	n := newNet(t, cfg(ipA, 110, false), cfg(ipB, 100, false))
	n.start(0)
	n.run(7 * time.Second)
	n.up[0] = false
	n.start(1)
	n.run(7 * time.Second)
	n.up[0] = true
	if got := n.states(); !slices.Equal(got, []State{Active, Active}) {
		t.Fatalf("partitioned: %v", got)
	}
	n.run(5 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Active, Standby}) {
		t.Errorf("healed: %v (log b %v)", got, n.log[1])
	}
}

// A standby that hears a higher-priority standby goes back to Listen; a
// speaker hearing a higher speaker does too.
func TestThreeRoutersOneStandby(t *testing.T) {
	n := newNet(t, cfg(ipA, 120, false), cfg(ipB, 100, false), cfg(netip.MustParseAddr("10.0.10.4"), 110, false))
	n.start(0)
	n.start(1)
	n.start(2)
	n.run(15 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Active, Listen, Standby}) {
		t.Errorf("states %v", got)
	}
}

// Authentication mismatch: the routers do not hear each other, each
// becomes active.
func TestAuthMismatchIsolates(t *testing.T) {
	a, b := cfg(ipA, 110, false), cfg(ipB, 100, false)
	a.Auth, b.Auth = Auth{Kind: AuthMD5, Key: "one"}, Auth{Kind: AuthMD5, Key: "two"}
	n := newNet(t, a, b)
	n.start(0)
	n.start(1)
	n.run(10 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Active, Active}) {
		t.Errorf("states %v", got)
	}
}

// Tracking lowers the active router's priority below the standby's;
// the standby with preempt takes over.
func TestLoweredPriorityLetsPreemptTakeOver(t *testing.T) {
	n := newNet(t, cfg(ipA, 110, true), cfg(ipB, 100, true))
	n.start(0)
	n.start(1)
	n.run(10 * time.Second)
	c := n.gs[0].Config()
	c.Priority = 90
	n.gs[0].SetConfig(c)
	n.run(5 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Standby, Active}) {
		t.Fatalf("after tracking: %v", got)
	}
	c.Priority = 110
	n.gs[0].SetConfig(c)
	n.run(5 * time.Second)
	if got := n.states(); !slices.Equal(got, []State{Active, Standby}) {
		t.Errorf("after recovery: %v", got)
	}
}

func TestStateNames(t *testing.T) {
	for s, w := range map[State]string{Initial: "Init", Learn: "Learn", Listen: "Listen", Speak: "Speak", Standby: "Standby", Active: "Active"} {
		if s.String() != w {
			t.Errorf("%d: %s", s, s)
		}
	}
}
