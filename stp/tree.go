package stp

import (
	"sort"
	"time"
)

// Role is a port's spanning-tree role.
type Role uint8

// The roles.
const (
	RoleDisabled Role = iota
	RoleRoot
	RoleDesignated
	RoleAlternate
	RoleBackup
	// RoleMaster is an MSTI's role on a boundary port that is the CIST
	// root port: the MSTI's way out of the region.
	RoleMaster
)

var roleNames = [...]string{"Disabled", "Root", "Designated", "Alternate", "Backup", "Master"}

func (r Role) String() string { return roleNames[r] }

// State is a port's spanning-tree state. Under 802.1w discarding is
// Blocking.
type State uint8

// The states; the zero value is Blocking, where a port starts.
const (
	Blocking State = iota
	Listening
	Learning
	Forwarding
	Disabled
)

var stateNames = [...]string{"blocking", "listening", "learning", "forwarding", "disabled"}

func (s State) String() string { return stateNames[s] }

// Times are a bridge's protocol timers.
type Times struct {
	Hello, MaxAge, ForwardDelay time.Duration
}

// DefaultTimes are the 802.1D defaults: hello 2 s, max age 20 s, forward
// delay 15 s.
var DefaultTimes = Times{Hello: 2 * time.Second, MaxAge: 20 * time.Second, ForwardDelay: 15 * time.Second}

func ticks(d time.Duration) uint16     { return uint16(d * 256 / time.Second) }
func fromTicks(t uint16) time.Duration { return time.Duration(t) * time.Second / 256 }

// TreeConfig is the configuration of one spanning-tree instance.
type TreeConfig struct {
	Bridge BridgeID // this bridge: priority (plus VLAN when extended) and base MAC
	Times  Times    // the timers this bridge uses when it is the root
	Rapid  bool     // 802.1w (Rapid PVST+) instead of 802.1D
	// MST makes the instance the CIST of an MST bridge (802.1Q 13):
	// priority vectors carry the regional root and internal cost, and a
	// port is internal or at the region's boundary by what it hears.
	MST bool
	// MaxHops is the hop count an MST region's root sends in its CIST or
	// MSTI; 0 outside MST.
	MaxHops uint8
}

// PortConfig is one port's part in an instance.
type PortConfig struct {
	ID        uint16 // priority<<8 | port number
	Cost      uint32
	Edge      bool // portfast: forwards at once, sends no topology change
	RootGuard bool // superior BPDUs make it root-inconsistent instead of root
	LoopGuard bool // losing BPDUs on a root or alternate port makes it loop-inconsistent
}

// vector is a spanning-tree priority vector (802.1D 17.6): smaller is better.
// In the CIST of an MST bridge, cost is the external root path cost and
// regRoot and intCost the regional root and internal cost (802.1Q 13.10);
// elsewhere they stay zero and change no comparison.
type vector struct {
	root    BridgeID
	cost    uint32
	regRoot BridgeID
	intCost uint32
	bridge  BridgeID
	port    uint16
}

func (a vector) better(b vector) bool {
	if a.root != b.root {
		return a.root < b.root
	}
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.regRoot != b.regRoot {
		return a.regRoot < b.regRoot
	}
	if a.intCost != b.intCost {
		return a.intCost < b.intCost
	}
	if a.bridge != b.bridge {
		return a.bridge < b.bridge
	}
	return a.port < b.port
}

type treePort struct {
	cfg   PortConfig
	up    bool
	role  Role
	state State
	since time.Duration // when the state began

	info     bool // a BPDU's information is held
	msg      vector
	msgTimes Times
	msgAge   time.Duration
	msgFlags uint8
	msgHops  uint8
	expires  time.Duration

	internal   bool // MST CIST: the last BPDU came from a bridge of this region
	follow     bool // MSTI: a boundary port, whose role the CIST decides
	followRole Role
	followSt   State

	edge       bool // operationally edge: portfast and no BPDU heard since link up
	stp        bool // 802.1w port talking to an 802.1D bridge
	proposing  bool
	agreed     bool // send an agreement
	agreeValid bool // agreeVec holds the information last agreed to
	agreeVec   vector
	tcWhile    time.Duration // 802.1w: TC flag on what it sends until then
	tcAck      bool          // 802.1D: acknowledge a TCN in the next BPDU
	rootInc    bool
	loopInc    bool
	send       bool
	lastSent   time.Duration

	Sent, Received uint64
	toForwarding   int // transitions to forwarding
}

// Out is a BPDU to send on a port.
type Out struct {
	Port int
	BPDU BPDU
}

// EventKind says what an Event reports.
type EventKind uint8

// The events.
const (
	EventState     EventKind = iota // Port's state changed to State
	EventNewRoot                    // this bridge's root changed (Port: the root port, -1 none)
	EventTopology                   // a topology change: flush (802.1w: all non-edge ports but Port; 802.1D: start short aging)
	EventRootGuard                  // Port became (On) or stopped being root-inconsistent
	EventLoopGuard                  // the same for loop-inconsistent
)

// Event is something the runner acts on or logs.
type Event struct {
	Kind  EventKind
	Port  int
	State State
	On    bool
}

// Tree is one spanning-tree instance (a VLAN's, under PVST+).
type Tree struct {
	cfg   TreeConfig
	ports map[int]*treePort
	order []int

	root      vector // the root priority vector of this bridge (port: the root port's ID)
	rootPort  int
	rootTimes Times
	rootAge   time.Duration
	rootHops  uint8

	tcUntil    time.Duration // 802.1D root: TC flag in configs until then
	tcActive   bool          // 802.1D: a topology change is in progress (short aging)
	tcnPending bool
	tcnSent    time.Duration
	tcCount    int
	lastTC     time.Duration
	lastTCPort int
	helloAt    time.Duration

	out    []Out
	events []Event
}

// NewTree returns an instance with no ports.
func NewTree(cfg TreeConfig) *Tree {
	t := &Tree{cfg: cfg, ports: map[int]*treePort{}, rootPort: -1, lastTCPort: -1}
	t.root = t.own()
	t.rootTimes = cfg.Times
	t.rootHops = cfg.MaxHops
	return t
}

// Config returns the instance's configuration.
func (t *Tree) Config() TreeConfig { return t.cfg }

// SetConfig changes the bridge ID, timers or mode; roles are recomputed.
func (t *Tree) SetConfig(cfg TreeConfig, now time.Duration) {
	t.cfg = cfg
	for _, p := range t.ports {
		p.send = true
	}
	t.recompute(now)
}

// SetPort adds or changes a port. up says the port can take part (link up,
// not shut down, not err-disabled).
func (t *Tree) SetPort(id int, cfg PortConfig, up bool, now time.Duration) {
	p := t.ports[id]
	if p != nil && p.cfg == cfg && p.up == up {
		return // nothing changed: the runner re-reads its ports every tick
	}
	if p == nil {
		p = &treePort{state: Disabled}
		t.ports[id] = p
		t.order = append(t.order, id)
		sort.Ints(t.order)
	}
	wasUp := p.up
	p.cfg, p.up = cfg, up
	if up && !wasUp {
		p.edge = cfg.Edge
		p.info, p.stp, p.proposing, p.agreed, p.agreeValid, p.rootInc, p.loopInc = false, false, false, false, false, false, false
		t.setState(id, p, Blocking, now)
		p.role = RoleDisabled
		p.send = true
	}
	if !cfg.Edge {
		p.edge = false
	} else if up && !p.info {
		p.edge = true
	}
	if !up && wasUp {
		t.leaving(id, p, now)
	}
	t.recompute(now)
}

// RemovePort takes a port out of the instance.
func (t *Tree) RemovePort(id int, now time.Duration) {
	p := t.ports[id]
	if p == nil {
		return
	}
	if p.up {
		t.leaving(id, p, now)
	}
	delete(t.ports, id)
	for i, o := range t.order {
		if o == id {
			t.order = append(t.order[:i:i], t.order[i+1:]...)
			break
		}
	}
	t.recompute(now)
}

func (t *Tree) leaving(id int, p *treePort, now time.Duration) {
	if p.state == Forwarding && !p.edge {
		t.topologyChange(id, now, false)
	}
	t.setState(id, p, Disabled, now)
	p.role, p.info, p.up = RoleDisabled, false, false
}

func (t *Tree) setState(id int, p *treePort, s State, now time.Duration) {
	if p.state == s {
		return
	}
	if s == Forwarding {
		p.toForwarding++
	}
	p.state, p.since = s, now
	t.events = append(t.events, Event{Kind: EventState, Port: id, State: s})
}

// own is this bridge's vector as the root of everything.
func (t *Tree) own() vector {
	v := vector{root: t.cfg.Bridge, bridge: t.cfg.Bridge}
	if t.cfg.MST {
		v.regRoot = t.cfg.Bridge
	}
	return v
}

// Receive gives the instance a BPDU heard on port id.
func (t *Tree) Receive(id int, b BPDU, now time.Duration) {
	t.receive(id, b, vector{root: b.Root, cost: b.Cost, bridge: b.Bridge, port: b.Port}, false, 0, now)
}

// ReceiveCIST gives the CIST of an MST bridge a BPDU heard on port id;
// internal says it came from a bridge of the same region (an MST BPDU
// with this region's configuration identifier). From outside the region
// the sender's Bridge field, its regional root, stands for its whole
// region (802.1Q 13.10).
func (t *Tree) ReceiveCIST(id int, b BPDU, internal bool, now time.Duration) {
	m := vector{root: b.Root, cost: b.Cost, regRoot: b.Bridge, bridge: b.Bridge, port: b.Port}
	var hops uint8
	if internal && b.MST != nil {
		m.intCost, m.bridge, hops = b.MST.IntCost, b.MST.CISTBridge, b.MST.Hops
	} else {
		internal = false
	}
	if p := t.ports[id]; p != nil && p.up {
		p.internal = internal
	}
	t.receive(id, b, m, internal, hops, now)
}

// ReceiveMSTI gives an MSTI the M-record r of an internal MST BPDU b heard
// on port id: the designated bridge and port are b's CIST bridge address
// and port number with r's priorities; the timers are the CIST's.
func (t *Tree) ReceiveMSTI(id int, b BPDU, r MRecord, now time.Duration) {
	if b.MST == nil {
		return
	}
	mac := b.MST.CISTBridge.MAC()
	bridge := MakeBridgeID(uint16(r.BridgePrio)<<8|r.MSTI(), mac)
	port := uint16(r.PortPrio)<<8 | b.Port&0x0fff
	mb := BPDU{Version: b.Version, Type: TypeRST, Flags: r.Flags &^ FlagMaster, Root: r.RegRoot, Cost: r.IntCost, Bridge: bridge, Port: port,
		MessageAge: b.MessageAge, MaxAge: b.MaxAge, HelloTime: b.HelloTime, ForwardDelay: b.ForwardDelay}
	t.receive(id, mb, vector{root: r.RegRoot, cost: r.IntCost, bridge: bridge, port: port}, true, r.Hops, now)
}

// Follow makes port id of an MSTI a boundary port (on) whose role and
// state are the CIST's (a CIST root port is the MSTI's master port), or
// an internal one again (!on), which the MSTI's own information decides.
func (t *Tree) Follow(id int, on bool, r Role, s State, now time.Duration) {
	p := t.ports[id]
	if p == nil {
		return
	}
	if r == RoleRoot {
		r = RoleMaster
	}
	if p.follow == on && (!on || (p.followRole == r && p.followSt == s)) {
		return
	}
	p.follow, p.followRole, p.followSt = on, r, s
	if on {
		p.info, p.proposing, p.agreed, p.agreeValid = false, false, false, false
	}
	t.recompute(now)
	t.flushSends(now)
}

func (t *Tree) receive(id int, b BPDU, m vector, internal bool, hops uint8, now time.Duration) {
	p := t.ports[id]
	if p == nil || !p.up {
		return
	}
	if internal && t.cfg.MaxHops > 0 && hops == 0 {
		p.Received++
		return // it went round the region too many times (802.1Q 13.26.?: remaining hops)
	}
	p.Received++
	p.edge = false // a BPDU on a portfast port: it is not an edge after all
	if t.cfg.Rapid && b.Version < VersionRSTP {
		p.stp = true
	}
	if b.Type == TypeTCN {
		if p.role == RoleDesignated {
			p.tcAck, p.send = true, true
			t.topologyChange(id, now, true)
		}
		t.flushSends(now)
		return
	}
	age, maxAge := fromTicks(b.MessageAge), fromTicks(b.MaxAge)
	if age >= maxAge {
		return // it lived too long
	}
	p.info, p.msg, p.msgAge, p.msgFlags, p.msgHops = true, m, age, b.Flags, hops
	p.msgTimes = Times{Hello: fromTicks(b.HelloTime), MaxAge: maxAge, ForwardDelay: fromTicks(b.ForwardDelay)}
	if p.msgTimes.Hello <= 0 {
		p.msgTimes.Hello = time.Second
	}
	if t.cfg.Rapid && !p.stp {
		p.expires = now + 3*p.msgTimes.Hello
	} else {
		p.expires = now + maxAge - age
	}
	if p.loopInc {
		p.loopInc = false
		t.events = append(t.events, Event{Kind: EventLoopGuard, Port: id})
	}
	t.recompute(now)

	switch {
	case p.role == RoleDesignated:
		// An inferior designated BPDU: answer with ours (802.1w 17.21.8;
		// a root or alternate port's BPDU, as MST sends for its other
		// instances, needs no answer).
		if t.designatedVector(p).better(m) && (b.Type != TypeRST || (b.Flags&flagRoleMask)>>flagRoleShift == bpduRoleDesignated) {
			p.send = true
		}
		if t.cfg.Rapid && b.Type == TypeRST && b.Flags&FlagAgreement != 0 && p.state != Forwarding {
			p.proposing = false
			t.setState(id, p, Forwarding, now)
			if !p.edge {
				t.topologyChange(id, now, false)
			}
		}
	case p.role == RoleRoot:
		if b.Flags&FlagTCA != 0 {
			t.tcnPending = false
		}
		if !t.cfg.Rapid || p.stp {
			// 802.1D: the root's hello is relayed down the tree, with its TC flag.
			t.tcActiveSet(b.Flags&FlagTC != 0, id)
			for _, o := range t.order {
				if q := t.ports[o]; q.up && q.role == RoleDesignated {
					q.send = true
				}
			}
		} else if b.Flags&FlagProposal != 0 {
			// A repeated proposal with the information already agreed to
			// is answered without a new sync (802.1D-2004 17.29.3: agree
			// stays set while the designated information is the same).
			if !p.agreeValid || p.agreeVec != m {
				t.sync(id, now)
			}
			p.agreeValid, p.agreeVec = true, m
			p.agreed = true
			p.send = true
		}
	case p.role == RoleAlternate || p.role == RoleBackup:
		// 802.1w: a discarding port is in sync already, so it agrees to
		// the proposal of the designated port across.
		if t.cfg.Rapid && !p.stp && b.Flags&FlagProposal != 0 {
			p.agreed, p.send = true, true
		}
	}
	if t.cfg.Rapid && b.Flags&FlagTC != 0 && (p.role == RoleRoot || p.role == RoleDesignated) {
		t.topologyChange(id, now, true)
	}
	t.flushSends(now)
}

// sync puts every non-edge designated port that is not forwarding safely
// (or is) back to discarding, so that the root port may forward at once:
// the 802.1w answer to a proposal.
func (t *Tree) sync(rootID int, now time.Duration) {
	for _, o := range t.order {
		q := t.ports[o]
		if o == rootID || !q.up || q.edge || q.role != RoleDesignated {
			continue
		}
		// A port that does not forward is in sync already (a learning
		// one forwards no data): leaving it be lets a peer that keeps
		// proposing not hold it back forever.
		if q.state == Forwarding {
			t.setState(o, q, Blocking, now)
		}
		q.proposing, q.send = !q.stp, true
	}
	if p := t.ports[rootID]; p.state != Forwarding {
		t.setState(rootID, p, Forwarding, now)
		t.topologyChange(rootID, now, false)
	}
}

// tcActiveSet follows the TC flag of the root's configuration BPDUs.
func (t *Tree) tcActiveSet(on bool, port int) {
	if on == t.tcActive {
		return
	}
	t.tcActive = on
	if on {
		t.tcCount++
		t.lastTCPort = port
		t.events = append(t.events, Event{Kind: EventTopology, Port: port, On: true})
	}
}

// topologyChange handles a change detected on (received=false) or
// reported through (received=true) port id.
func (t *Tree) topologyChange(id int, now time.Duration, received bool) {
	t.lastTC, t.lastTCPort = now, id
	if t.cfg.Rapid {
		t.tcCount++
		until := now + 2*t.rootTimes.Hello
		for _, o := range t.order {
			q := t.ports[o]
			if !q.up || q.edge || (q.role != RoleDesignated && q.role != RoleRoot) {
				continue
			}
			if received && o == id {
				continue
			}
			if q.stp {
				if q.role == RoleRoot {
					t.tcnPending = true
				}
				continue
			}
			if q.tcWhile > now {
				continue // already telling (802.1w newTcWhile: only when it was zero)
			}
			q.tcWhile, q.send = until, true
		}
		t.events = append(t.events, Event{Kind: EventTopology, Port: id, On: true})
		return
	}
	if t.rootPort < 0 {
		if t.tcUntil <= now {
			t.tcCount++
		}
		t.tcUntil = now + t.rootTimes.MaxAge + t.rootTimes.ForwardDelay
		if !t.tcActive {
			t.tcActive = true
			t.events = append(t.events, Event{Kind: EventTopology, Port: id, On: true})
		}
		for _, o := range t.order {
			if q := t.ports[o]; q.up && q.role == RoleDesignated {
				q.send = true
			}
		}
		return
	}
	t.tcCount++
	t.tcnPending = true
	t.tcnSent = 0
	t.sendTCN(now)
}

func (t *Tree) sendTCN(now time.Duration) {
	if !t.tcnPending || t.rootPort < 0 {
		return
	}
	p := t.ports[t.rootPort]
	t.out = append(t.out, Out{Port: t.rootPort, BPDU: BPDU{Version: VersionSTP, Type: TypeTCN}})
	p.Sent++
	t.tcnSent = now
}

// Tick advances the instance's timers to now: it ages information out,
// moves ports through listening and learning, and sends hellos.
func (t *Tree) Tick(now time.Duration) {
	changed := false
	for _, o := range t.order {
		p := t.ports[o]
		if p.up && p.info && now >= p.expires {
			p.info = false
			if p.cfg.LoopGuard && (p.role == RoleRoot || p.role == RoleAlternate) {
				p.loopInc = true
				t.events = append(t.events, Event{Kind: EventLoopGuard, Port: o, On: true})
			}
			if p.rootInc {
				p.rootInc = false
				t.events = append(t.events, Event{Kind: EventRootGuard, Port: o})
			}
			changed = true
		}
	}
	if changed {
		t.recompute(now)
	}
	fd := t.rootTimes.ForwardDelay
	for _, o := range t.order {
		p := t.ports[o]
		if !p.up || p.follow || (p.role != RoleRoot && p.role != RoleDesignated) || p.rootInc || p.loopInc {
			continue
		}
		switch {
		case p.state == Blocking && (!t.cfg.Rapid || p.stp):
			t.setState(o, p, Listening, now)
		case p.state == Blocking && t.cfg.Rapid && now-p.since >= fd:
			t.setState(o, p, Learning, now) // no agreement came: the timers' way
		case p.state == Listening && now-p.since >= fd:
			t.setState(o, p, Learning, now)
		case p.state == Learning && now-p.since >= fd:
			t.setState(o, p, Forwarding, now)
			p.proposing = false
			if !p.edge {
				t.topologyChange(o, now, false)
			}
		}
	}
	if t.tcActive && t.rootPort < 0 && now >= t.tcUntil {
		t.tcActive = false
	}
	if t.tcnPending && now-t.tcnSent >= t.rootTimes.Hello {
		t.sendTCN(now)
	}
	hello := t.cfg.Times.Hello
	if now >= t.helloAt {
		t.helloAt = now + hello
		for _, o := range t.order {
			p := t.ports[o]
			if !p.up || p.role != RoleDesignated {
				continue
			}
			// 802.1D: only the root originates hellos; the others relay
			// them when the root port hears one (Receive). A bridge whose
			// root went silent still sends until the information ages out.
			if !t.cfg.Rapid && t.rootPort >= 0 && !t.ports[t.rootPort].info {
				continue
			}
			if t.cfg.Rapid || t.rootPort < 0 {
				p.send = true
			}
		}
	}
	t.flushSends(now)
}

// designatedVector is what this bridge offers on port p.
func (t *Tree) designatedVector(p *treePort) vector {
	return vector{root: t.root.root, cost: t.root.cost, regRoot: t.root.regRoot, intCost: t.root.intCost, bridge: t.cfg.Bridge, port: p.cfg.ID}
}

// recompute selects the root port and every port's role (802.1D 8.6.8,
// 802.1w 17.19.21) and applies the states a role change implies.
func (t *Tree) recompute(now time.Duration) {
	own := t.own()
	best, bestPort := own, -1
	var bestTimes Times
	var bestAge time.Duration
	for _, o := range t.order {
		p := t.ports[o]
		if !p.up || !p.info || p.follow || p.loopInc || p.msg.bridge == t.cfg.Bridge {
			continue
		}
		c := p.msg
		switch {
		case !t.cfg.MST:
			c.cost += p.cfg.Cost
		case p.internal:
			c.intCost += p.cfg.Cost
		default:
			// A root port at the boundary makes this bridge the regional
			// root (802.1Q 13.10).
			c.cost += p.cfg.Cost
			c.regRoot, c.intCost = t.cfg.Bridge, 0
		}
		if p.cfg.RootGuard {
			if c.root < t.cfg.Bridge || p.rootInc {
				if !p.rootInc {
					p.rootInc = true
					t.events = append(t.events, Event{Kind: EventRootGuard, Port: o, On: true})
				}
				continue
			}
		}
		if c.better(best) || (c == best && bestPort >= 0 && p.cfg.ID < t.ports[bestPort].cfg.ID) {
			best, bestPort, bestTimes, bestAge = c, o, p.msgTimes, p.msgAge
		}
	}
	if best.root != t.root.root || bestPort != t.rootPort {
		t.rootPort = bestPort
		t.events = append(t.events, Event{Kind: EventNewRoot, Port: bestPort})
	}
	t.root = best
	if bestPort < 0 {
		t.rootTimes, t.rootAge = t.cfg.Times, 0
		t.tcnPending = false
		t.rootHops = t.cfg.MaxHops
	} else {
		t.rootTimes, t.rootAge = bestTimes, bestAge
		t.rootHops = t.cfg.MaxHops
		if bp := t.ports[bestPort]; bp.internal || !t.cfg.MST {
			t.rootHops = 0
			if bp.msgHops > 0 {
				t.rootHops = bp.msgHops - 1
			}
		}
	}
	// Roles: the blocking ones first, so that under 802.1w a new root port
	// forwards only after the old one stopped.
	roles := make(map[int]Role, len(t.order))
	for _, o := range t.order {
		p := t.ports[o]
		var r Role
		switch {
		case !p.up:
			r = RoleDisabled
		case p.follow:
			r = p.followRole
		case o == t.rootPort:
			r = RoleRoot
		case p.rootInc || p.loopInc:
			r = RoleDesignated
		case !p.info || t.designatedVector(p).better(p.msg):
			r = RoleDesignated
		case p.msg.bridge == t.cfg.Bridge:
			r = RoleBackup
		default:
			r = RoleAlternate
		}
		roles[o] = r
	}
	for pass := 0; pass < 2; pass++ {
		for _, o := range t.order {
			p, r := t.ports[o], roles[o]
			blocking := r == RoleAlternate || r == RoleBackup || r == RoleDisabled || p.rootInc || p.loopInc || (p.follow && p.followSt != Forwarding)
			if (pass == 0) != blocking {
				continue
			}
			t.applyRole(o, p, r, now)
		}
	}
}

func (t *Tree) applyRole(id int, p *treePort, r Role, now time.Duration) {
	old := p.role
	p.role = r
	if r != RoleRoot {
		p.agreeValid = false
	}
	if !p.up {
		return
	}
	if p.follow {
		t.setState(id, p, p.followSt, now)
		return
	}
	if r == RoleAlternate || r == RoleBackup || p.rootInc || p.loopInc {
		if p.state == Forwarding || p.state == Learning {
			if p.state == Forwarding && !p.edge && !t.cfg.Rapid {
				t.topologyChange(id, now, false)
			}
		}
		t.setState(id, p, Blocking, now)
		p.proposing = false
		return
	}
	if old != r {
		p.send = true
	}
	if p.edge && r == RoleDesignated {
		t.setState(id, p, Forwarding, now)
		return
	}
	if !t.cfg.Rapid || p.stp {
		if p.state == Blocking {
			t.setState(id, p, Listening, now) // the timers move it on (Tick)
		}
		return
	}
	switch r {
	case RoleRoot:
		if p.state != Forwarding && old != RoleRoot {
			t.setState(id, p, Forwarding, now)
			t.topologyChange(id, now, false)
		}
	case RoleDesignated:
		if p.state != Forwarding && !p.proposing {
			p.proposing, p.send = true, true
			if p.state != Blocking {
				t.setState(id, p, Blocking, now)
			}
		}
	}
}

// flushSends builds the BPDUs of the ports that have something to say.
func (t *Tree) flushSends(now time.Duration) {
	for _, o := range t.order {
		p := t.ports[o]
		if !p.send {
			continue
		}
		p.send = false
		if !p.up || p.follow || p.role == RoleDisabled || ((p.role == RoleAlternate || p.role == RoleBackup) && !p.agreed) {
			continue
		}
		if (p.role == RoleRoot || p.role == RoleAlternate || p.role == RoleBackup) && !(t.cfg.Rapid && !p.stp) {
			continue // an 802.1D root port sends only TCNs
		}
		t.out = append(t.out, Out{Port: o, BPDU: t.bpdu(p, now)})
		p.Sent++
		p.lastSent = now
	}
}

func (t *Tree) bpdu(p *treePort, now time.Duration) BPDU {
	b := BPDU{Root: t.root.root, Cost: t.root.cost, Bridge: t.cfg.Bridge, Port: p.cfg.ID,
		MaxAge: ticks(t.rootTimes.MaxAge), HelloTime: ticks(t.rootTimes.Hello), ForwardDelay: ticks(t.rootTimes.ForwardDelay)}
	if t.rootPort >= 0 {
		b.MessageAge = ticks(t.rootAge + time.Second)
	}
	if t.cfg.MST {
		b.Bridge = t.root.regRoot // the region speaks as its regional root
	}
	if !t.cfg.Rapid || p.stp {
		b.Version, b.Type = VersionSTP, TypeConfig
		if (t.rootPort < 0 && now < t.tcUntil) || (t.rootPort >= 0 && t.tcActive) {
			b.Flags |= FlagTC
		}
		if p.tcAck {
			b.Flags |= FlagTCA
			p.tcAck = false
		}
		if t.cfg.Rapid && now < p.tcWhile {
			b.Flags |= FlagTC
		}
		return b
	}
	b.Version, b.Type = VersionRSTP, TypeRST
	if t.cfg.MST {
		b.Version = VersionMSTP
		b.MST = &MST{IntCost: t.root.intCost, CISTBridge: t.cfg.Bridge, Hops: t.rootHops}
	}
	switch p.role {
	case RoleMaster:
		b.Flags |= bpduRoleRoot<<flagRoleShift | FlagMaster
	case RoleRoot:
		b.Flags |= bpduRoleRoot << flagRoleShift
	case RoleDesignated:
		b.Flags |= bpduRoleDesignated << flagRoleShift
	default:
		b.Flags |= bpduRoleAlternate << flagRoleShift
	}
	if p.role == RoleDesignated && p.proposing && p.state != Forwarding {
		b.Flags |= FlagProposal
	}
	if p.agreed && p.role != RoleDesignated {
		b.Flags |= FlagAgreement
		p.agreed = false
	}
	if p.state == Learning || p.state == Forwarding {
		b.Flags |= FlagLearning
	}
	if p.state == Forwarding {
		b.Flags |= FlagForwarding
	}
	if now < p.tcWhile {
		b.Flags |= FlagTC
	}
	return b
}

// PortBPDU is the BPDU port id would send now, whatever its role: the MST
// bridge asks each instance for its part of a port's one BPDU. An
// agreement or TC acknowledgement it carries counts as sent.
func (t *Tree) PortBPDU(id int, now time.Duration) (BPDU, bool) {
	p := t.ports[id]
	if p == nil || !p.up {
		return BPDU{}, false
	}
	return t.bpdu(p, now), true
}

// Hops is the remaining hop count this bridge sends in the instance.
func (t *Tree) Hops() uint8 { return t.rootHops }

// Outbox returns the BPDUs to send since the last call.
func (t *Tree) Outbox() []Out {
	o := t.out
	t.out = nil
	return o
}

// Events returns what happened since the last call.
func (t *Tree) Events() []Event {
	e := t.events
	t.events = nil
	return e
}

// ShortAging reports whether an 802.1D topology change is in progress,
// during which the bridge ages its addresses in forward-delay time.
func (t *Tree) ShortAging() bool { return t.tcActive }

// Status is what the show commands print of an instance.
type Status struct {
	Bridge     BridgeID
	Times      Times // this bridge's own timers
	Root       BridgeID
	RootCost   uint32
	RootPort   int    // -1: this bridge is the root
	RootPortID uint16 // the root port's ID
	RootTimes  Times  // the timers in use (the root's)
	TCCount    int
	LastTC     time.Duration
	LastTCPort int // -1 none
	TCActive   bool
	// MST: the CIST's regional root and internal root path cost (RootCost
	// is then the external one), the remaining hops this bridge sends.
	RegionalRoot BridgeID
	InternalCost uint32
	Hops         uint8
	Ports        []PortStatus
}

// PortStatus is one port of an instance.
type PortStatus struct {
	Port             int
	Config           PortConfig
	Role             Role
	State            State
	Edge             bool // operationally edge
	P2P              bool
	STPCompat        bool // an 802.1w port that speaks 802.1D to its peer
	RootInconsistent bool
	LoopInconsistent bool
	DesignatedRoot   BridgeID
	DesignatedCost   uint32
	DesignatedBridge BridgeID
	DesignatedPort   uint16
	Internal         bool // MST CIST: the peer is in this region
	Boundary         bool // MSTI: a boundary port following the CIST
	Sent, Received   uint64
	ToForwarding     int // transitions to the forwarding state
}

// Status returns the instance's state; ports in order of their ids. Ports
// that are down are left out.
func (t *Tree) Status() Status {
	s := Status{Bridge: t.cfg.Bridge, Times: t.cfg.Times, Root: t.root.root, RootCost: t.root.cost, RootPort: t.rootPort,
		RootTimes: t.rootTimes, TCCount: t.tcCount, LastTC: t.lastTC, LastTCPort: t.lastTCPort, TCActive: t.tcActive,
		RegionalRoot: t.root.regRoot, InternalCost: t.root.intCost, Hops: t.rootHops}
	if t.rootPort >= 0 {
		s.RootPortID = t.ports[t.rootPort].cfg.ID
	}
	for _, o := range t.order {
		p := t.ports[o]
		if !p.up {
			continue
		}
		ps := PortStatus{Port: o, Config: p.cfg, Role: p.role, State: p.state, Edge: p.edge, P2P: true, STPCompat: p.stp,
			RootInconsistent: p.rootInc, LoopInconsistent: p.loopInc, Sent: p.Sent, Received: p.Received, ToForwarding: p.toForwarding,
			Internal: p.internal, Boundary: p.follow}
		if p.role == RoleDesignated || !p.info {
			d := t.designatedVector(p)
			ps.DesignatedRoot, ps.DesignatedCost, ps.DesignatedBridge, ps.DesignatedPort = d.root, d.cost, d.bridge, d.port
		} else {
			ps.DesignatedRoot, ps.DesignatedCost, ps.DesignatedBridge, ps.DesignatedPort = p.msg.root, p.msg.cost, p.msg.bridge, p.msg.port
		}
		s.Ports = append(s.Ports, ps)
	}
	return s
}

// Migrate restarts 802.1w's protocol migration on a port (`clear
// spanning-tree detected-protocols`): it speaks RSTP again until it hears
// an 802.1D BPDU.
func (t *Tree) Migrate(id int, now time.Duration) {
	p := t.ports[id]
	if p == nil || !t.cfg.Rapid || !p.stp {
		return
	}
	p.stp, p.send = false, true
	t.recompute(now)
	t.flushSends(now)
}
