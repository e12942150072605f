package dataplane

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/syslog"
)

// Storm control (`storm-control broadcast|multicast|unicast level ...`):
// a port measures what it receives of each class per one-second interval,
// as a Catalyst does, and drops what is above the rising level until the
// interval ends. With a falling level below the rising one the class stays
// blocked, interval after interval, until what is offered falls below it.
// `storm-control action shutdown` err-disables the port instead, `action
// trap` logs %STORM_CONTROL-3-FILTERED when a storm starts.
//
// Each worker counts in its own plain integers against the coarse clock's
// second that it reads once per batch: a frame of a class with a level
// costs one add and one compare, and a port without storm control one nil
// test. A multi-queue port shares its levels among its queues' workers.

// StormClass is a class of received traffic storm control measures.
type StormClass uint8

// The classes, in the order of castClass (forward.go).
const (
	StormUnicast StormClass = iota
	StormMulticast
	StormBroadcast
	NumStormClasses
)

// String is the keyword of `storm-control CLASS level`.
func (c StormClass) String() string {
	return [...]string{"unicast", "multicast", "broadcast", "unknown"}[min(c, NumStormClasses)]
}

// StormUnit is how a level is given.
type StormUnit uint8

// The units: a percentage of the port's bandwidth (in hundredths of a
// percent), bits per second, packets per second.
const (
	StormPercent StormUnit = iota
	StormBPS
	StormPPS
)

// StormLevel is one class's thresholds. Rising and Falling are in the
// unit; a percentage in hundredths (2000 is 20.00%). Falling equal to
// Rising (or 0 when not configured) is no hysteresis.
type StormLevel struct {
	On      bool
	Unit    StormUnit
	Rising  uint64
	Falling uint64
}

// StormControl is the storm-control configuration of a port.
type StormControl struct {
	Levels   [NumStormClasses]StormLevel
	Shutdown bool // storm-control action shutdown
	Trap     bool // storm-control action trap
}

func (c *StormControl) any() bool {
	for _, l := range c.Levels {
		if l.On {
			return true
		}
	}
	return false
}

// portBitsPerSecond is the bandwidth a percentage level is of, by the
// port's type as its name says.
func portBitsPerSecond(name string) uint64 { return ifname.Speed(name) }

// perSecond returns a level's rising and falling thresholds per second in
// what the workers count (frames for pps, bytes otherwise), and whether
// they count bytes.
func (l StormLevel) perSecond(name string) (rising, falling uint64, bytes bool) {
	falling = l.Falling
	if falling == 0 || falling > l.Rising {
		falling = l.Rising
	}
	switch l.Unit {
	case StormPPS:
		return l.Rising, falling, false
	case StormBPS:
		return l.Rising / 8, falling / 8, true
	}
	bw := portBitsPerSecond(name) / 8
	return bw / 10000 * l.Rising, bw / 10000 * falling, true
}

// stormView is a port's storm control as its workers read it.
type stormView struct {
	name     string
	limit    [NumStormClasses]uint64 // per worker per second; 0 with on unset: no level
	falling  [NumStormClasses]uint64
	on       [NumStormClasses]bool
	hyst     [NumStormClasses]bool // falling below rising: blocked until under it
	bytes    [NumStormClasses]bool
	shutdown bool
	trap     bool
}

// view builds the worker's view of c for a port of queues queues.
func (c *StormControl) view(name string, queues int) *stormView {
	if !c.any() {
		return nil
	}
	q := uint64(max(queues, 1))
	v := &stormView{name: name, shutdown: c.Shutdown, trap: c.Trap}
	for i, l := range c.Levels {
		if !l.On {
			continue
		}
		if l.Unit == StormPercent && l.Rising >= 10000 {
			continue // 100%: no limit
		}
		r, f, b := l.perSecond(name)
		v.on[i], v.bytes[i] = true, b
		v.limit[i], v.falling[i] = r/q, f/q
		if r > 0 && r/q == 0 {
			v.limit[i] = 1
		}
		v.hyst[i] = f < r
	}
	return v
}

// stormCount is one worker's count of one class in the current interval.
type stormCount struct {
	second  int64
	count   uint64
	blocked bool // hysteresis: the class is blocked for this whole interval
	stormed bool // the storm's action was taken in this interval
}

// stormWorker is a worker's storm-control state; the published fields are
// read by Switch.StormStatus.
type stormWorker struct {
	c        [NumStormClasses]stormCount
	rate     [NumStormClasses]atomic.Uint64 // what the last whole interval offered
	rateAt   [NumStormClasses]atomic.Int64  // the second rate was published in
	blocking [NumStormClasses]atomic.Bool   // dropping now
}

// stormDrop is the storm-control check of one frame of class cast and n
// bytes: it reports whether the frame was dropped.
func (r *Receiver) stormDrop(sv *stormView, cast castClass, n int, f []byte) bool {
	if !sv.on[cast] {
		return false
	}
	c := &r.storm.c[cast]
	if c.second != r.now {
		r.stormRoll(sv, cast)
	}
	if sv.bytes[cast] {
		c.count += uint64(n)
	} else {
		c.count++
	}
	if c.count <= sv.limit[cast] && !c.blocked {
		return false
	}
	r.stormExceeded(sv, cast, f)
	return true
}

// stormRoll starts a new interval for class cast: the last one's offered
// amount is published, and a blocked class with a falling level stays
// blocked while what was offered is not below it.
//
//go:noinline
func (r *Receiver) stormRoll(sv *stormView, cast castClass) {
	c := &r.storm.c[cast]
	whole := c.second == r.now-1
	if whole {
		r.storm.rate[cast].Store(c.count)
	} else {
		r.storm.rate[cast].Store(0) // an idle interval or more passed
	}
	r.storm.rateAt[cast].Store(r.now)
	c.blocked = sv.hyst[cast] && c.stormed && whole && c.count >= sv.falling[cast]
	c.stormed = c.blocked
	c.second, c.count = r.now, 0
	r.storm.blocking[cast].Store(c.blocked)
}

// stormExceeded drops a frame above the level; the first in an interval
// that is not already blocked starts the storm: the port err-disables
// (action shutdown) or, with action trap, the storm is logged.
//
//go:noinline
func (r *Receiver) stormExceeded(sv *stormView, cast castClass, f []byte) {
	r.drop(StageIngress, ReasonStormControl, f)
	c := &r.storm.c[cast]
	if c.stormed || r.dry {
		return
	}
	c.stormed = true
	c.blocked = sv.hyst[cast]
	r.storm.blocking[cast].Store(true)
	short := ifname.Short(sv.name)
	switch {
	case sv.shutdown:
		r.sw.ErrDisable(sv.name, CauseStormControl, func() {
			r.sw.log.Log("STORM_CONTROL", syslog.Error, "SHUTDOWN", "A packet storm was detected on %s. The interface has been disabled.", short)
		})
	case sv.trap:
		name := [...]string{"Unicast", "Multicast", "Broadcast"}[cast]
		r.sw.log.LogLimited("storm:"+short+name, time.Second, "STORM_CONTROL", syslog.Error, "FILTERED",
			"A %s storm detected on %s. A packet filter action has been applied on the interface.", name, short)
	}
}

// SetStormControl replaces the storm-control configuration of a port.
func (sw *Switch) SetStormControl(name string, c StormControl) error {
	for i, l := range c.Levels {
		if l.On && l.Unit == StormPercent && (l.Rising > 10000 || l.Falling > l.Rising) {
			return fmt.Errorf("%s: storm-control %s level: out of range", name, StormClass(i))
		}
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return err
	}
	if c == (StormControl{}) {
		delete(sw.sec.storm, p.id)
	} else {
		cc := c
		sw.sec.storm[p.id] = &cc
	}
	sw.publishLocked()
	return nil
}

// StormState is the state of one class of a port, for `show storm-control`.
type StormState struct {
	Level    StormLevel
	Blocking bool   // frames of the class are being dropped
	Current  uint64 // what the last interval offered, in the level's unit (percent: hundredths)
}

// StormStatus returns a port's storm-control configuration and, per
// class, its state summed over the port's workers.
func (sw *Switch) StormStatus(name string) (StormControl, [NumStormClasses]StormState, error) {
	var st [NumStormClasses]StormState
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return StormControl{}, st, err
	}
	var c StormControl
	if sc := sw.sec.storm[p.id]; sc != nil {
		c = *sc
	}
	var amount [NumStormClasses]uint64
	now := sw.clk.Nanos() / 1e9
	for r := range sw.workers {
		if r.in != p.id {
			continue
		}
		for i := range st {
			if now-r.storm.rateAt[i].Load() > 1 {
				continue // nothing of the class came since: a quiet interval
			}
			amount[i] += r.storm.rate[i].Load()
			st[i].Blocking = st[i].Blocking || r.storm.blocking[i].Load()
		}
	}
	for i, l := range c.Levels {
		st[i].Level = l
		switch l.Unit {
		case StormPPS:
			st[i].Current = amount[i]
		case StormBPS:
			st[i].Current = amount[i] * 8
		default:
			bw := portBitsPerSecond(p.name)
			st[i].Current = (amount[i]*8*10000 + bw/2) / bw
		}
	}
	return c, st, nil
}
