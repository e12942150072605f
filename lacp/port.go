package lacp

import "time"

// Timer values of 802.1AX 6.4.4.
const (
	FastPeriodic  = 1 * time.Second  // Fast_Periodic_Time: partner asked for short timeouts
	SlowPeriodic  = 30 * time.Second // Slow_Periodic_Time
	ShortTimeout  = 3 * time.Second  // Short_Timeout_Time: three fast periods missed
	LongTimeout   = 90 * time.Second // Long_Timeout_Time
	AggregateWait = 2 * time.Second  // Aggregate_Wait_Time: links that come up together are selected together
)

// System is the actor system: its priority and MAC (the switch's base
// MAC), which together are the LACP system ID.
type System struct {
	Priority uint16
	MAC      [6]byte
}

// PortConfig is one port's LACP configuration.
type PortConfig struct {
	Port         uint16 // actor port number, unique in the system
	PortPriority uint16 // lacp port-priority (default 32768)
	Key          uint16 // operational key: the channel-group number, as IOS uses
	Active       bool   // mode active (else passive: speaks only when spoken to)
	Fast         bool   // lacp rate fast: ask the partner for a PDU every second
}

// RxState is the receive machine's state.
type RxState uint8

// Receive machine states (802.1AX 6.4.12); Initialize and LACP_Disabled
// collapse into Disabled, as LACP is either on for a port or not running.
const (
	RxDisabled  RxState = iota // port down
	RxExpired                  // no PDU within the timeout: partner kept, but out of sync
	RxDefaulted                // no partner: default (empty) partner information
	RxCurrent                  // partner information is current
)

var rxNames = [...]string{"disabled", "expired", "defaulted", "current"}

func (s RxState) String() string { return rxNames[s] }

// MuxState is the mux machine's state (802.1AX 6.4.15, coupled control).
type MuxState uint8

// Mux machine states.
const (
	MuxDetached MuxState = iota
	MuxWaiting
	MuxAttached
	MuxCollectingDistributing
)

var muxNames = [...]string{"detached", "waiting", "attached", "collecting-distributing"}

func (s MuxState) String() string { return muxNames[s] }

// Port is the LACP state of one aggregation port. Its methods take the
// current time; none blocks or starts anything.
type Port struct {
	sys  System
	cfg  PortConfig
	up   bool // link up (port_enabled)
	rx   RxState
	mux  MuxState
	sel  bool // the selection logic attached it to its aggregator
	ntt  bool // need to transmit
	part Info // partner operational information
	// matched: the partner's last PDU described us as we are, so its
	// Synchronization bit speaks of this link (6.4.9 recordPDU).
	matched bool

	currentWhile time.Duration // deadline of the receive timer
	waitWhile    time.Duration // deadline of the mux's aggregate wait
	lastTx       time.Duration
	lastRx       time.Duration
	sync, coll   bool // actor Synchronization; Collecting and Distributing (coupled)
	expired      bool

	// Counters, as show lacp counters reports them.
	RxPDUs, TxPDUs, RxErrors uint64
}

// NewPort returns a port in the disabled state.
func NewPort(sys System, cfg PortConfig) *Port {
	return &Port{sys: sys, cfg: cfg}
}

// Config returns the port's configuration.
func (p *Port) Config() PortConfig { return p.cfg }

// Reconfigure applies new settings; a change of what the actor says makes
// it say it again at once.
func (p *Port) Reconfigure(sys System, cfg PortConfig) {
	if sys != p.sys || cfg != p.cfg {
		if cfg.Key != p.cfg.Key || sys != p.sys {
			p.sel = false
		}
		p.sys, p.cfg, p.ntt = sys, cfg, true
	}
}

// SetLink tells the port its link went up or down.
func (p *Port) SetLink(now time.Duration, up bool) {
	if up == p.up {
		return
	}
	p.up = up
	if !up {
		p.rx, p.sel, p.matched, p.expired = RxDisabled, false, false, false
		p.part = Info{}
		p.detach()
		return
	}
	// PORT_DISABLED → EXPIRED: no partner heard yet; wait one short
	// timeout for one before defaulting.
	p.rx, p.expired = RxExpired, true
	p.part = Info{State: Timeout}
	p.currentWhile = now + ShortTimeout
	p.ntt = true
}

// Up reports whether the port's link is up.
func (p *Port) Up() bool { return p.up }

// Receive processes a decoded LACPDU the port received at now.
func (p *Port) Receive(now time.Duration, pdu PDU) {
	if !p.up {
		return
	}
	p.RxPDUs++
	p.lastRx = now
	old := p.part
	// update_Selected: a different partner (or aggregation) than the one
	// the port was selected with makes it unselected.
	if old.System != pdu.Actor.System || old.SystemPriority != pdu.Actor.SystemPriority ||
		old.Key != pdu.Actor.Key || old.Port != pdu.Actor.Port || old.PortPriority != pdu.Actor.PortPriority ||
		old.State&Aggregation != pdu.Actor.State&Aggregation || p.rx == RxDefaulted {
		p.sel = false
		if p.mux != MuxDetached {
			p.detach() // the aggregation it was attached for is gone
		}
	}
	// update_NTT: the partner's view of us is out of date.
	me := p.Actor()
	const mask = Activity | Timeout | Aggregation | Synchronization
	if pdu.Partner.System != me.System || pdu.Partner.SystemPriority != me.SystemPriority ||
		pdu.Partner.Key != me.Key || pdu.Partner.Port != me.Port || pdu.Partner.PortPriority != me.PortPriority ||
		pdu.Partner.State&mask != me.State&mask {
		p.ntt = true
	}
	// recordPDU.
	p.part = pdu.Actor
	p.matched = (pdu.Partner.System == me.System && pdu.Partner.SystemPriority == me.SystemPriority &&
		pdu.Partner.Key == me.Key && pdu.Partner.Port == me.Port && pdu.Partner.PortPriority == me.PortPriority &&
		pdu.Partner.State&Aggregation == me.State&Aggregation) || pdu.Actor.State&Aggregation == 0
	if !p.matched {
		p.part.State &^= Synchronization
	}
	p.rx, p.expired = RxCurrent, false
	p.currentWhile = now + p.timeout()
}

func (p *Port) timeout() time.Duration {
	if p.cfg.Fast {
		return ShortTimeout
	}
	return LongTimeout
}

// tickRx runs the receive machine's timers.
func (p *Port) tickRx(now time.Duration) {
	switch {
	case p.rx == RxCurrent && now >= p.currentWhile:
		// CURRENT → EXPIRED: the partner is out of sync and asked to
		// hurry (partner timeout short) for one short timeout.
		p.rx, p.expired = RxExpired, true
		p.part.State = p.part.State&^Synchronization | Timeout
		p.currentWhile = now + ShortTimeout
		p.ntt = true
	case p.rx == RxExpired && now >= p.currentWhile:
		// EXPIRED → DEFAULTED: the partner is gone.
		p.rx, p.expired, p.matched = RxDefaulted, false, false
		p.part = Info{}
		p.sel = false
	}
}

// Actor returns the actor's operational information, as sent.
func (p *Port) Actor() Info {
	st := Aggregation
	if p.cfg.Active {
		st |= Activity
	}
	if p.cfg.Fast {
		st |= Timeout
	}
	if p.sync {
		st |= Synchronization
	}
	if p.coll {
		st |= Collecting | Distributing
	}
	if p.rx == RxDefaulted {
		st |= Defaulted
	}
	if p.expired {
		st |= Expired
	}
	return Info{SystemPriority: p.sys.Priority, System: p.sys.MAC, Key: p.cfg.Key, PortPriority: p.cfg.PortPriority, Port: p.cfg.Port, State: st}
}

// Partner returns the partner's operational information (zero when
// defaulted).
func (p *Port) Partner() Info { return p.part }

// PartnerKnown reports whether a partner was heard and not yet forgotten.
func (p *Port) PartnerKnown() bool {
	return p.rx == RxCurrent || p.rx == RxExpired && p.part.System != [6]byte{}
}

// LastRx is when the last LACPDU arrived (for show lacp neighbor's age).
func (p *Port) LastRx() time.Duration { return p.lastRx }

// Rx returns the receive machine's state.
func (p *Port) Rx() RxState { return p.rx }

// Mux returns the mux machine's state.
func (p *Port) Mux() MuxState { return p.mux }

// Selected reports whether the selection logic attached the port.
func (p *Port) Selected() bool { return p.sel }

// Bundled reports whether the port collects and distributes: it carries
// the channel's frames.
func (p *Port) Bundled() bool { return p.mux == MuxCollectingDistributing }

// aggregatable reports whether the port can join an aggregation with its
// partner: both sides aggregatable and a partner heard.
func (p *Port) aggregatable() bool {
	return p.up && (p.rx == RxCurrent || p.rx == RxExpired) && p.part.System != [6]byte{} && p.part.State&Aggregation != 0
}

func (p *Port) detach() {
	if p.sync || p.coll {
		p.ntt = true
	}
	p.mux, p.sync, p.coll = MuxDetached, false, false
}

// tickMux runs the mux machine once.
func (p *Port) tickMux(now time.Duration) {
	for range 4 { // settle: several transitions may be due at once
		prev := p.mux
		switch p.mux {
		case MuxDetached:
			if p.sel {
				p.mux, p.waitWhile = MuxWaiting, now+AggregateWait
			}
		case MuxWaiting:
			if !p.sel {
				p.detach()
			} else if now >= p.waitWhile {
				p.mux, p.sync, p.ntt = MuxAttached, true, true
			}
		case MuxAttached:
			if !p.sel {
				p.detach()
			} else if p.part.State&Synchronization != 0 {
				p.mux, p.coll, p.ntt = MuxCollectingDistributing, true, true
			}
		case MuxCollectingDistributing:
			if !p.sel || p.part.State&Synchronization == 0 {
				p.mux, p.coll, p.ntt = MuxAttached, false, true
				if !p.sel {
					p.detach()
				}
			}
		}
		if p.mux == prev {
			return
		}
	}
}

// tickTx runs the periodic machine and the transmit machine: it returns
// the PDU to send now, if any.
func (p *Port) tickTx(now time.Duration) (PDU, bool) {
	if !p.up {
		return PDU{}, false
	}
	speaks := p.cfg.Active || p.rx == RxCurrent && p.part.State&Activity != 0
	if !speaks {
		p.ntt = false
		return PDU{}, false
	}
	period := SlowPeriodic
	if p.part.State&Timeout != 0 || p.rx != RxCurrent {
		period = FastPeriodic
	}
	if now-p.lastTx >= period || p.lastTx == 0 {
		p.ntt = true
	}
	if !p.ntt {
		return PDU{}, false
	}
	p.ntt, p.lastTx = false, now
	if p.lastTx == 0 {
		p.lastTx = 1 // 0 means never
	}
	p.TxPDUs++
	return PDU{Actor: p.Actor(), Partner: p.part}, true
}
