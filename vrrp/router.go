package vrrp

import (
	"errors"
	"net/netip"
	"time"
)

// State is a virtual router's state (RFC 3768 §6.4, RFC 5798 §6.4).
type State uint8

// The states.
const (
	Init State = iota
	Backup
	Master
)

// String is the state as classic IOS writes it in syslog and `show vrrp`.
func (s State) String() string {
	switch s {
	case Init:
		return "Init"
	case Backup:
		return "Backup"
	case Master:
		return "Master"
	}
	return "Unknown"
}

// Config is one group's configuration as the state machine needs it.
type Config struct {
	Version  uint8 // 2 or 3
	VRID     uint8 // 1-255
	Priority uint8 // 1-254; 255 for the owner of the virtual address
	Preempt  bool
	// PreemptDelay is how long a backup that hears a lower-priority master
	// waits before it preempts (IOS `preempt delay minimum`).
	PreemptDelay time.Duration
	Interval     time.Duration // advertisement interval
	// Learn makes a VRRPv2 backup use the master's interval (IOS `timers
	// learn`); without it a v2 advert with another interval is dropped.
	// VRRPv3 backups always learn it (RFC 5798 §6.4.2).
	Learn bool
	Addrs []netip.Addr // the virtual addresses, primary first
	// Primary is the interface's primary address: the source of adverts
	// and the tie-breaker between equal priorities.
	Primary  netip.Addr
	AuthText string // VRRPv2 text authentication; "" for none
}

// Skew is the skew time of the configuration (RFC 3768 §6.1: (256 -
// priority)/256 s; RFC 5798 §6.1: scaled by the master's interval).
func (c *Config) skew(masterInterval time.Duration) time.Duration {
	if c.Version == 3 {
		return time.Duration(256-int(c.Priority)) * masterInterval / 256
	}
	return time.Duration(256-int(c.Priority)) * time.Second / 256
}

// MasterDownInterval is three master intervals plus the skew time.
func (c *Config) MasterDownInterval(masterInterval time.Duration) time.Duration {
	return 3*masterInterval + c.skew(masterInterval)
}

// wireInterval is the interval in the packet's unit: whole seconds
// (at least 1) in v2, centiseconds (at least 1) in v3.
func (c *Config) wireInterval() uint16 {
	if c.Version == 3 {
		return uint16(max(1, min(0x0fff, c.Interval/(10*time.Millisecond))))
	}
	return uint16(max(1, min(0xff, (c.Interval+time.Second/2)/time.Second)))
}

// intervalOf converts a packet's interval to a duration.
func intervalOf(version uint8, v uint16) time.Duration {
	if version == 3 {
		return time.Duration(v) * 10 * time.Millisecond
	}
	return time.Duration(v) * time.Second
}

// Reasons a received advertisement is ignored (counted by the caller).
var (
	ErrTTL       = errors.New("vrrp: TTL is not 255")
	ErrGroup     = errors.New("vrrp: advert for another group or version")
	ErrAuth      = errors.New("vrrp: authentication mismatch")
	ErrInterval  = errors.New("vrrp: advertisement interval mismatch")
	ErrNotActive = errors.New("vrrp: group not running")
)

// Output is what one event asks the caller to do.
type Output struct {
	// Send asks for an advertisement now (Router.Advert); Stop says it is
	// the priority-0 advert of a master that resigns.
	Send, Stop bool
	// Changed reports a state change From -> To: becoming Master the
	// caller takes the virtual addresses and sends gratuitous ARP;
	// leaving Master it gives them back.
	Changed  bool
	From, To State
	// Drop is why a received advertisement was ignored; nil if it counted.
	Drop error
}

func (o *Output) change(r *Router, now time.Time, to State) {
	if !o.Changed {
		o.From = r.state
	}
	o.Changed, o.To = true, to
	r.state, r.since = to, now
	r.Transitions++
}

// Router is one virtual router: the state machine of one group on one
// interface. It is not safe for concurrent use.
type Router struct {
	cfg   Config
	state State
	since time.Time

	masterDown time.Time // Backup: when the master is declared down
	adverAt    time.Time // Master: when the next advert is due
	lowerSince time.Time // Backup: since when a lower-priority master is heard

	masterIP       netip.Addr
	masterPriority uint8
	masterInterval time.Duration // the interval the backup times the master with

	// Counters.
	AdvertsIn, AdvertsOut, Dropped, Transitions uint64
}

// New returns a router in Init with configuration c.
func New(c Config) *Router {
	c.Addrs = append([]netip.Addr(nil), c.Addrs...)
	return &Router{cfg: c, masterInterval: c.Interval}
}

// Config returns the router's configuration.
func (r *Router) Config() Config { return r.cfg }

// State returns the current state and when it was entered.
func (r *Router) State() (State, time.Time) { return r.state, r.since }

// Master returns the master's address and priority as last known (the
// router's own when it is master), invalid before any.
func (r *Router) Master() (netip.Addr, uint8) { return r.masterIP, r.masterPriority }

// MasterInterval is the advertisement interval the router times the
// master with: its own, or the one learned from the master's adverts.
func (r *Router) MasterInterval() time.Duration { return r.masterInterval }

// MasterDownInterval is the master-down interval with the current master
// interval.
func (r *Router) MasterDownInterval() time.Duration {
	return r.cfg.MasterDownInterval(r.masterInterval)
}

// MasterDownAt is when a backup declares the master down (zero unless
// Backup).
func (r *Router) MasterDownAt() time.Time {
	if r.state != Backup {
		return time.Time{}
	}
	return r.masterDown
}

// Next is the time of the router's next timer (zero in Init): the caller
// calls Tick then, or later.
func (r *Router) Next() time.Time {
	switch r.state {
	case Backup:
		return r.masterDown
	case Master:
		return r.adverAt
	}
	return time.Time{}
}

// Advert is the advertisement the router sends; stop gives it priority 0.
func (r *Router) Advert(stop bool) Advert {
	a := Advert{Version: r.cfg.Version, VRID: r.cfg.VRID, Priority: r.cfg.Priority,
		Interval: r.cfg.wireInterval(), Addrs: append([]netip.Addr(nil), r.cfg.Addrs...)}
	if stop {
		a.Priority = PriorityStop
	}
	if a.Version == 2 && r.cfg.AuthText != "" {
		a.AuthType, a.Auth = AuthText, TextAuth(r.cfg.AuthText)
	}
	return a
}

// Start is the Startup event (RFC 3768 §6.4.1): the owner becomes master
// at once, any other router backup and waits a master-down interval.
func (r *Router) Start(now time.Time) Output {
	var o Output
	if r.state != Init {
		return o
	}
	r.masterInterval = r.cfg.Interval
	if r.cfg.Priority == PriorityOwner {
		r.becomeMaster(now, &o)
		return o
	}
	o.change(r, now, Backup)
	r.masterDown = now.Add(r.MasterDownInterval())
	r.lowerSince = time.Time{}
	return o
}

// Shutdown is the Shutdown event: a master resigns with a priority-0
// advert, and the router goes back to Init.
func (r *Router) Shutdown(now time.Time) Output {
	var o Output
	if r.state == Master {
		o.Send, o.Stop = true, true
		r.AdvertsOut++
	}
	if r.state != Init {
		o.change(r, now, Init)
	}
	r.masterIP, r.masterPriority = netip.Addr{}, 0
	return o
}

func (r *Router) becomeMaster(now time.Time, o *Output) {
	o.change(r, now, Master)
	o.Send = true
	r.AdvertsOut++
	r.adverAt = now.Add(r.cfg.Interval)
	r.masterIP, r.masterPriority = r.cfg.Primary, r.cfg.Priority
	r.masterInterval = r.cfg.Interval
	r.lowerSince = time.Time{}
}

// Tick runs the timers that are due at now.
func (r *Router) Tick(now time.Time) Output {
	var o Output
	switch r.state {
	case Backup:
		if now.Before(r.masterDown) {
			return o
		}
		// A backup preempting a lower-priority master waits out the
		// preemption delay, counted from the first advert it ignored.
		if !r.lowerSince.IsZero() && r.cfg.PreemptDelay > 0 {
			if at := r.lowerSince.Add(r.cfg.PreemptDelay); now.Before(at) {
				r.masterDown = at
				return o
			}
		}
		r.becomeMaster(now, &o)
	case Master:
		if now.Before(r.adverAt) {
			return o
		}
		o.Send = true
		r.AdvertsOut++
		r.adverAt = now.Add(r.cfg.Interval)
	}
	return o
}

// Receive handles an advertisement for this group, sent from src with
// IP TTL ttl.
func (r *Router) Receive(now time.Time, src netip.Addr, ttl uint8, a *Advert) Output {
	var o Output
	if o.Drop = r.check(ttl, a); o.Drop != nil {
		r.Dropped++
		return o
	}
	r.AdvertsIn++
	learned := r.cfg.Interval
	if r.cfg.Version == 3 || r.cfg.Learn {
		learned = intervalOf(a.Version, a.Interval)
	}
	switch r.state {
	case Backup:
		switch {
		case a.Priority == PriorityStop:
			r.masterDown = now.Add(r.cfg.skew(r.masterInterval))
		case !r.cfg.Preempt || a.Priority >= r.cfg.Priority:
			r.masterIP, r.masterPriority, r.masterInterval = src, a.Priority, learned
			r.masterDown = now.Add(r.MasterDownInterval())
			r.lowerSince = time.Time{}
		default:
			// A lower-priority master: ignore it and let the master-down
			// timer run out, which preempts it.
			r.masterIP, r.masterPriority = src, a.Priority
			if r.lowerSince.IsZero() {
				r.lowerSince = now
			}
		}
	case Master:
		switch {
		case a.Priority == PriorityStop:
			o.Send = true
			r.AdvertsOut++
			r.adverAt = now.Add(r.cfg.Interval)
		case a.Priority > r.cfg.Priority || (a.Priority == r.cfg.Priority && addrGreater(src, r.cfg.Primary)):
			o.change(r, now, Backup)
			r.masterIP, r.masterPriority, r.masterInterval = src, a.Priority, learned
			r.masterDown = now.Add(r.MasterDownInterval())
			r.lowerSince = time.Time{}
		}
	}
	return o
}

// check validates an advert against the group (RFC 3768 §7.1).
func (r *Router) check(ttl uint8, a *Advert) error {
	if r.state == Init {
		return ErrNotActive
	}
	if ttl != TTL {
		return ErrTTL
	}
	if a.VRID != r.cfg.VRID || a.Version != r.cfg.Version {
		return ErrGroup
	}
	if a.Version == 2 {
		want := uint8(AuthNone)
		if r.cfg.AuthText != "" {
			want = AuthText
		}
		if a.AuthType != want || (want == AuthText && a.Auth != TextAuth(r.cfg.AuthText)) {
			return ErrAuth
		}
		if !r.cfg.Learn && a.Interval != r.cfg.wireInterval() {
			return ErrInterval
		}
	}
	return nil
}

// addrGreater compares IPv4 addresses as unsigned numbers.
func addrGreater(a, b netip.Addr) bool { return a.Compare(b) > 0 }

// Update applies a new configuration with the same version and VRID (a
// change of either is a Shutdown and a Start). A master announces the
// change at once; a backup that became the owner takes over.
func (r *Router) Update(now time.Time, c Config) Output {
	c.Addrs = append([]netip.Addr(nil), c.Addrs...)
	r.cfg = c
	var o Output
	switch r.state {
	case Master:
		r.masterIP, r.masterPriority = c.Primary, c.Priority
		r.masterInterval = c.Interval
		o.Send = true
		r.AdvertsOut++
		r.adverAt = now.Add(c.Interval)
	case Backup:
		if c.Priority == PriorityOwner {
			r.becomeMaster(now, &o)
		} else if c.Version == 2 && !c.Learn {
			r.masterInterval = c.Interval
		}
	}
	return o
}
