package hsrp

import (
	"net/netip"
	"time"
)

// IOS defaults.
const (
	DefaultPriority = 100
	DefaultHello    = 3 * time.Second
	DefaultHold     = 10 * time.Second
)

// Config is one group's configuration as the state machine uses it.
type Config struct {
	Version  int // 1 or 2
	Group    uint16
	VIP      netip.Addr // invalid: learned from the active router (Learn state)
	Priority uint8      // the effective priority (configured less tracking)
	Preempt  bool
	// PreemptDelay is `preempt delay minimum`: no coup before the group
	// has been up this long.
	PreemptDelay time.Duration
	// Hello and Hold are the configured timers; TimersSet says they were
	// configured, else the active router's are learned.
	Hello, Hold time.Duration
	TimersSet   bool
	Auth        Auth
	// IP is the interface's primary address (the tie-break, the MD5 TLV's
	// sender); ID the interface MAC (the v2 identifier).
	IP netip.Addr
	ID [6]byte
}

// Peer is another router of the group as last heard.
type Peer struct {
	IP       netip.Addr // invalid: none known
	Priority uint8
	MAC      [6]byte       // the source MAC its hellos came from
	Expires  time.Duration // when its timer runs out
}

// Known reports whether the peer is known.
func (p Peer) Known() bool { return p.IP.IsValid() }

// Change is one state transition.
type Change struct{ From, To State }

// Output is what one call to the state machine asks its caller to do:
// send the messages in order and report the changes (a change to or from
// Active also moves the virtual gateway and, to Active, sends gratuitous
// ARP).
type Output struct {
	Send    []Message
	Changes []Change
}

type timer struct {
	at time.Duration
	on bool
}

func (t *timer) start(now, d time.Duration) { t.at, t.on = now+d, true }
func (t *timer) stop()                      { t.on = false }
func (t *timer) expired(now time.Duration) bool {
	if t.on && now >= t.at {
		t.on = false
		return true
	}
	return false
}

// Group is one HSRP group's state machine (RFC 2281 §5). Time is the
// caller's monotonic clock as a duration since any fixed origin.
type Group struct {
	cfg          Config
	state        State
	vip          netip.Addr
	hello, hold  time.Duration
	active       Peer
	standby      Peer
	activeTimer  timer
	standbyTimer timer
	helloTimer   timer
	readyAt      time.Duration
	changes      int
	lastChange   time.Duration
}

// NewGroup returns a group in the Initial state.
func NewGroup(cfg Config) *Group {
	g := &Group{}
	g.setConfig(cfg)
	return g
}

func (g *Group) setConfig(cfg Config) {
	if cfg.Version != 2 {
		cfg.Version = 1
	}
	if cfg.Hello <= 0 {
		cfg.Hello = DefaultHello
	}
	if cfg.Hold <= cfg.Hello {
		cfg.Hold = max(DefaultHold, 3*cfg.Hello)
	}
	g.cfg = cfg
	if cfg.VIP.IsValid() {
		g.vip = cfg.VIP
	}
	if cfg.TimersSet || g.hello == 0 {
		g.hello, g.hold = cfg.Hello, cfg.Hold
	}
}

// SetConfig changes the configuration of a running group (priority after
// tracking, preempt, timers, authentication); the state stays.
func (g *Group) SetConfig(cfg Config) { g.setConfig(cfg) }

// Config returns the group's configuration.
func (g *Group) Config() Config { return g.cfg }

// State is the current state.
func (g *Group) State() State { return g.state }

// VIP is the virtual IP in use: configured or learned.
func (g *Group) VIP() netip.Addr { return g.vip }

// Timers are the hello and hold times in use (configured or learned).
func (g *Group) Timers() (hello, hold time.Duration) { return g.hello, g.hold }

// ActivePeer is the active router when it is another; StandbyPeer the
// standby router when another.
func (g *Group) ActivePeer() Peer  { return g.active }
func (g *Group) StandbyPeer() Peer { return g.standby }

// StateChanges counts the transitions and says when the last was.
func (g *Group) StateChanges() (n int, last time.Duration) { return g.changes, g.lastChange }

// NextHello is when the next hello is due (ok false if none is).
func (g *Group) NextHello() (time.Duration, bool) { return g.helloTimer.at, g.helloTimer.on }

// Deadline is the earliest time Tick has work to do (ok false: none).
func (g *Group) Deadline() (time.Duration, bool) {
	var at time.Duration
	ok := false
	for _, t := range []*timer{&g.activeTimer, &g.standbyTimer, &g.helloTimer} {
		if t.on && (!ok || t.at < at) {
			at, ok = t.at, true
		}
	}
	return at, ok
}

// Start enables the group (event 1): Listen when the virtual IP is known,
// Learn when it must be learned.
func (g *Group) Start(now time.Duration) Output {
	var out Output
	if g.state != Initial {
		return out
	}
	g.readyAt = now + g.cfg.PreemptDelay
	g.activeTimer.start(now, g.hold)
	g.standbyTimer.start(now, g.hold)
	if g.vip.IsValid() {
		g.setState(now, Listen, &out)
	} else {
		g.setState(now, Learn, &out)
	}
	return out
}

// Stop disables the group (event 2): an active router resigns first.
func (g *Group) Stop(now time.Duration) Output {
	var out Output
	if g.state == Initial {
		return out
	}
	if g.state == Active {
		g.send(Resign, &out)
	}
	g.activeTimer.stop()
	g.standbyTimer.stop()
	g.helloTimer.stop()
	g.active, g.standby = Peer{}, Peer{}
	if !g.cfg.VIP.IsValid() {
		g.vip = netip.Addr{}
	}
	g.setState(now, Initial, &out)
	return out
}

// Tick runs the timers that have expired by now.
func (g *Group) Tick(now time.Duration) Output {
	var out Output
	activeExpired := g.activeTimer.expired(now)
	if activeExpired {
		g.active = Peer{}
	}
	// The standby timer first: a lone router in Speak, whose two timers
	// run out together, becomes Standby and then Active, as IOS logs it;
	// one in Listen speaks first (and the active timer starts again).
	if g.standbyTimer.expired(now) {
		g.standby = Peer{}
		switch g.state {
		case Listen:
			if g.vip.IsValid() {
				g.toSpeak(now, &out)
			}
		case Speak:
			g.toStandby(now, &out)
		}
	}
	if activeExpired && !g.activeTimer.on {
		switch g.state {
		case Learn:
			g.activeTimer.start(now, g.hold)
		case Listen:
			g.toSpeak(now, &out)
		case Speak:
			// Our speaking found no standby router better than us:
			// we are standby; and there is no active router either.
			g.toStandby(now, &out)
			g.toActive(now, &out)
		case Standby:
			g.toActive(now, &out)
		}
	}
	if g.helloTimer.expired(now) {
		switch g.state {
		case Speak, Standby, Active:
			g.send(Hello, &out)
			g.helloTimer.start(now, g.hello)
		}
	}
	return out
}

// higher reports whether a sender of priority p from ip outranks this
// router: higher priority, or equal priority and a higher address.
func (g *Group) higher(p uint8, ip netip.Addr) bool {
	if p != g.cfg.Priority {
		return p > g.cfg.Priority
	}
	return ip.Compare(g.cfg.IP) > 0
}

// Receive handles a message of this group from srcIP, srcMAC (already
// authenticated by the caller with Check).
func (g *Group) Receive(now time.Duration, m Message, srcIP netip.Addr, srcMAC [6]byte) Output {
	var out Output
	if g.state == Initial || m.Group != g.cfg.Group || srcIP == g.cfg.IP {
		return out
	}
	hold := g.hold
	if m.Hold > 0 {
		hold = m.Hold
	}
	higher := g.higher(m.Priority, srcIP)
	peer := Peer{IP: srcIP, Priority: m.Priority, MAC: srcMAC, Expires: now + hold}
	if m.State == Active && m.Op == Hello {
		if !g.cfg.VIP.IsValid() && m.VIP.IsValid() {
			g.vip = m.VIP
		}
		if !g.cfg.TimersSet && m.Hello > 0 && m.Hold > m.Hello {
			g.hello, g.hold = m.Hello, m.Hold
		}
	}
	switch m.Op {
	case Hello:
		switch m.State {
		case Active:
			g.helloFromActive(now, peer, higher, hold, &out)
		case Standby:
			g.helloFromStandby(now, peer, higher, hold, &out)
		case Speak:
			if higher && (g.state == Speak || g.state == Standby) {
				g.toListen(now, &out)
			}
		}
	case Coup:
		if g.state == Active && higher {
			g.send(Resign, &out)
			g.active = peer
			g.activeTimer.start(now, hold)
			g.toSpeak(now, &out)
		}
	case Resign:
		if g.active.IP == srcIP || m.State == Active {
			g.active = Peer{}
			switch g.state {
			case Standby:
				g.toActive(now, &out)
			case Listen:
				g.toSpeak(now, &out)
			}
		}
	}
	return out
}

func (g *Group) helloFromActive(now time.Duration, peer Peer, higher bool, hold time.Duration, out *Output) {
	switch g.state {
	case Active:
		if higher {
			// Two active routers: the lower steps down.
			g.active = peer
			g.activeTimer.start(now, hold)
			g.toSpeak(now, out)
		} else {
			g.send(Coup, out)
		}
		return
	case Learn:
		g.active = peer
		g.activeTimer.start(now, hold)
		if g.vip.IsValid() {
			g.toListen(now, out)
		}
		return
	}
	g.active = peer
	g.activeTimer.start(now, hold)
	if g.standby.IP == peer.IP {
		// The standby router took over: the role of standby is free.
		g.standby = Peer{}
		g.standbyTimer.stop()
		if g.state == Listen {
			g.toSpeak(now, out)
		}
	}
	if !higher && g.cfg.Preempt && now >= g.readyAt && g.vip.IsValid() {
		g.send(Coup, out)
		g.toActive(now, out)
	}
}

func (g *Group) helloFromStandby(now time.Duration, peer Peer, higher bool, hold time.Duration, out *Output) {
	switch g.state {
	case Active, Listen, Learn:
		g.standby = peer
		g.standbyTimer.start(now, hold)
		if g.state == Listen && !higher {
			g.toSpeak(now, out)
		}
	case Speak:
		if higher {
			g.standby = peer
			g.toListen(now, out)
			g.standbyTimer.start(now, hold)
		} else {
			g.toStandby(now, out)
		}
	case Standby:
		if higher {
			g.standby = peer
			g.toListen(now, out)
			g.standbyTimer.start(now, hold)
		}
	}
}

func (g *Group) setState(now time.Duration, s State, out *Output) {
	if s == g.state {
		return
	}
	out.Changes = append(out.Changes, Change{From: g.state, To: s})
	g.state = s
	g.changes++
	g.lastChange = now
}

func (g *Group) toListen(now time.Duration, out *Output) {
	g.helloTimer.stop()
	if !g.activeTimer.on {
		g.activeTimer.start(now, g.hold)
	}
	if !g.standbyTimer.on {
		g.standbyTimer.start(now, g.hold)
	}
	g.setState(now, Listen, out)
}

func (g *Group) toSpeak(now time.Duration, out *Output) {
	g.standby = Peer{}
	g.standbyTimer.start(now, g.hold)
	// Speaking lasts a hold time; with no active router heard, the
	// active timer runs out with it (Speak, Standby, Active at once).
	if !g.active.Known() {
		g.activeTimer.start(now, g.hold)
	}
	g.setState(now, Speak, out)
	g.send(Hello, out)
	g.helloTimer.start(now, g.hello)
}

// toStandby leaves the active timer as it is: running while an active
// router is heard (or was being waited for in Speak), stopped only when it
// just ran out, and then the caller goes on to Active.
func (g *Group) toStandby(now time.Duration, out *Output) {
	g.standby = Peer{}
	g.standbyTimer.stop()
	g.setState(now, Standby, out)
	g.send(Hello, out)
	g.helloTimer.start(now, g.hello)
}

func (g *Group) toActive(now time.Duration, out *Output) {
	g.active = Peer{}
	g.activeTimer.stop()
	if g.state == Standby || !g.standby.Known() {
		g.standby = Peer{}
	}
	g.standbyTimer.start(now, g.hold)
	g.setState(now, Active, out)
	g.send(Hello, out)
	g.helloTimer.start(now, g.hello)
}

// send queues a message of op in the current state.
func (g *Group) send(op OpCode, out *Output) {
	out.Send = append(out.Send, Message{Version: g.cfg.Version, Op: op, State: g.state, Group: g.cfg.Group,
		Priority: g.cfg.Priority, Hello: g.hello, Hold: g.hold, VIP: g.vip, ID: g.cfg.ID})
}

// Clone returns a copy of the group (for rendering outside its owner's
// lock).
func (g *Group) Clone() *Group {
	c := *g
	return &c
}
