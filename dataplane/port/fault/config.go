// Package fault wraps a port backend with the link faults a lab wants to
// inject: loss, delay with jitter, duplication, corruption, reordering, rate
// limiting, and the reflection of received frames back to their sender (the
// virtual switch that makes CARP and VRRP pairs flap). Random choices come
// from a seedable source, so a test can repeat a run exactly.
//
// A wrapped port without faults costs an atomic load per Write call and
// two per Read call (before and after it blocks), nothing per frame; the
// faults themselves run on a slower path that copies frames (see Port).
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Direction says which way through the port a fault acts on.
type Direction uint8

// Directions. Both is In|Out.
const (
	In   Direction = 1 << iota // frames the port receives (toward the switch)
	Out                        // frames the switch sends out of the port
	Both = In | Out
)

// String returns the CLI keyword: in, out or both.
func (d Direction) String() string {
	switch d {
	case In:
		return "in"
	case Out:
		return "out"
	case Both:
		return "both"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Reflect chooses which received frames are also sent back out of the port
// they came in on.
type Reflect uint8

// Reflect kinds. Multicast means group-addressed frames other than
// broadcast, as storm control counts them.
const (
	ReflectNone Reflect = iota
	ReflectMulticast
	ReflectBroadcast
	ReflectAll
)

// String returns the CLI keyword.
func (r Reflect) String() string {
	switch r {
	case ReflectNone:
		return "none"
	case ReflectMulticast:
		return "multicast"
	case ReflectBroadcast:
		return "broadcast"
	case ReflectAll:
		return "all"
	}
	return fmt.Sprintf("Reflect(%d)", uint8(r))
}

// Faults are the faults of one direction. The zero value is none.
type Faults struct {
	Drop      int           // percent of frames lost
	Delay     time.Duration // added latency, a multiple of a millisecond
	Jitter    time.Duration // the delay varies uniformly within ± Jitter
	Duplicate int           // percent of frames delivered twice
	Corrupt   int           // percent of frames with one byte after the Ethernet header inverted
	Reorder   int           // percent of frames held back behind the next one
	RateLimit int           // frames per second let through; 0: no limit
}

// IsZero reports whether f injects nothing.
func (f Faults) IsZero() bool { return f == Faults{} }

// Config is the fault configuration of one port.
type Config struct {
	In, Out Faults
	Reflect Reflect // ingress by nature: what the port receives is sent back
	// Flap, when not zero, takes the link down for Flap, up for Flap, and
	// so on (`fault flap S`): the switch sees a link that changes state.
	Flap time.Duration
	// Seed, when Seeded, seeds the port's random sources: a run with the
	// same configuration and the same frames makes the same choices.
	Seed   uint64
	Seeded bool
}

// Limits of the parameters (the CLI's ranges).
const (
	MaxDelay     = 10 * time.Second
	MaxRateLimit = 10_000_000
	MaxFlap      = time.Hour
)

// ErrBadConfig is wrapped by Validate's errors.
var ErrBadConfig = errors.New("bad fault configuration")

// Validate checks every parameter against its range.
func (c Config) Validate() error {
	for _, d := range []struct {
		dir Direction
		f   Faults
	}{{In, c.In}, {Out, c.Out}} {
		f := d.f
		for _, p := range []struct {
			name string
			v    int
		}{{"drop", f.Drop}, {"duplicate", f.Duplicate}, {"corrupt", f.Corrupt}, {"reorder", f.Reorder}} {
			if p.v < 0 || p.v > 100 {
				return fmt.Errorf("%s %d %v: %w: percent out of 0-100", p.name, p.v, d.dir, ErrBadConfig)
			}
		}
		if f.Delay < 0 || f.Delay > MaxDelay || f.Jitter < 0 || f.Jitter > MaxDelay {
			return fmt.Errorf("delay %v jitter %v %v: %w: out of 0-%v", f.Delay, f.Jitter, d.dir, ErrBadConfig, MaxDelay)
		}
		if f.RateLimit < 0 || f.RateLimit > MaxRateLimit {
			return fmt.Errorf("rate-limit %d %v: %w: out of 0-%d", f.RateLimit, d.dir, ErrBadConfig, MaxRateLimit)
		}
	}
	if c.Flap < 0 || c.Flap > MaxFlap || c.Flap%time.Second != 0 {
		return fmt.Errorf("flap %v: %w: whole seconds up to %v", c.Flap, ErrBadConfig, MaxFlap)
	}
	if c.Reflect > ReflectAll {
		return fmt.Errorf("reflect %v: %w", c.Reflect, ErrBadConfig)
	}
	return nil
}

// IsZero reports whether c injects no fault (a seed alone injects none).
func (c Config) IsZero() bool {
	return c.In.IsZero() && c.Out.IsZero() && c.Reflect == ReflectNone && c.Flap == 0
}

// Edit applies edit to the faults of each direction in d.
func (c *Config) Edit(d Direction, edit func(f *Faults)) {
	if d&In != 0 {
		edit(&c.In)
	}
	if d&Out != 0 {
		edit(&c.Out)
	}
}

// Kind names one fault of the CLI's `fault` family.
type Kind uint8

// Kinds, in the order the running configuration lists them.
const (
	KindDrop Kind = iota
	KindDelay
	KindDuplicate
	KindCorrupt
	KindReorder
	KindRateLimit
	KindReflect
	KindFlap
	NumKinds
)

var kindNames = [NumKinds]string{"drop", "delay", "duplicate", "corrupt", "reorder", "rate-limit", "reflect", "flap"}

// String returns the CLI keyword.
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Clear removes fault k in the directions d (reflect and flap have no
// direction).
func (c *Config) Clear(k Kind, d Direction) {
	switch k {
	case KindReflect:
		c.Reflect = ReflectNone
		return
	case KindFlap:
		c.Flap = 0
		return
	}
	c.Edit(d, func(f *Faults) {
		switch k {
		case KindDrop:
			f.Drop = 0
		case KindDelay:
			f.Delay, f.Jitter = 0, 0
		case KindDuplicate:
			f.Duplicate = 0
		case KindCorrupt:
			f.Corrupt = 0
		case KindReorder:
			f.Reorder = 0
		case KindRateLimit:
			f.RateLimit = 0
		}
	})
}

// Entry is one configured fault in one direction, or in both when they
// agree: a line of the running configuration, a row of the fault table.
type Entry struct {
	Kind   Kind
	Dir    Direction
	Value  int           // percent, milliseconds of delay, frames per second, seconds of a flap; for reflect a Reflect
	Jitter time.Duration // delay only
}

// value returns k's parameter in f, and its jitter for a delay.
func (f Faults) value(k Kind) (int, time.Duration) {
	switch k {
	case KindDrop:
		return f.Drop, 0
	case KindDelay:
		return int(f.Delay / time.Millisecond), f.Jitter
	case KindDuplicate:
		return f.Duplicate, 0
	case KindCorrupt:
		return f.Corrupt, 0
	case KindReorder:
		return f.Reorder, 0
	case KindRateLimit:
		return f.RateLimit, 0
	}
	return 0, 0
}

// Entries lists the configured faults in Kind order; a fault configured
// alike in both directions is one entry with Dir Both.
func (c Config) Entries() []Entry {
	var out []Entry
	for k := Kind(0); k < NumKinds; k++ {
		if k == KindReflect {
			if c.Reflect != ReflectNone {
				out = append(out, Entry{Kind: k, Dir: In, Value: int(c.Reflect)})
			}
			continue
		}
		if k == KindFlap {
			if c.Flap != 0 {
				out = append(out, Entry{Kind: k, Dir: Both, Value: int(c.Flap / time.Second)})
			}
			continue
		}
		iv, ij := c.In.value(k)
		ov, oj := c.Out.value(k)
		if iv == ov && ij == oj {
			if iv != 0 {
				out = append(out, Entry{Kind: k, Dir: Both, Value: iv, Jitter: ij})
			}
			continue
		}
		if iv != 0 {
			out = append(out, Entry{Kind: k, Dir: In, Value: iv, Jitter: ij})
		}
		if ov != 0 {
			out = append(out, Entry{Kind: k, Dir: Out, Value: ov, Jitter: oj})
		}
	}
	return out
}
