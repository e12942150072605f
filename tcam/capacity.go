package tcam

import (
	"errors"
	"fmt"
	"math"

	"github.com/l2sw/l2sw/tcam/acl"
)

// Limits are the TCAM resources.
type Limits struct {
	Entries        int // value/mask entries
	Masks          int // masks; each serves EntriesPerMask entries with that mask
	EntriesPerMask int
	RangeUnits     int // range checkers (LOUs)
}

// PFC3Limits are the Catalyst 6500 PFC3 ACL TCAM: 32K entries, 4K masks
// shared by 8 entries each, 32 LOUs.
func PFC3Limits() Limits {
	return Limits{Entries: 32768, Masks: 4096, EntriesPerMask: 8, RangeUnits: 32}
}

// Resource names a TCAM resource.
type Resource uint8

// The resources.
const (
	ResEntries Resource = iota
	ResMasks
	ResRangeUnits
)

// String returns the resource name as `show platform hardware capacity acl` words it.
func (r Resource) String() string {
	switch r {
	case ResEntries:
		return "entries"
	case ResMasks:
		return "masks"
	case ResRangeUnits:
		return "LOUs"
	}
	return fmt.Sprintf("resource(%d)", uint8(r))
}

// ErrTCAMFull is wrapped by every capacity failure.
var ErrTCAMFull = errors.New("acl engine TCAM table is full")

// FullError says which resource a commit ran out of.
type FullError struct {
	Binding  BindingID
	Resource Resource
	Need     int // total the commit would have used
	Limit    int
}

func (e *FullError) Error() string {
	if e.Binding.Interface == "" {
		// Not about one binding (SetLimits).
		return fmt.Sprintf("%d %s in use, limit %d: %v", e.Need, e.Resource, e.Limit, ErrTCAMFull)
	}
	return fmt.Sprintf("%s: %s needs %d %s, limit %d: %v", e.Binding, e.Binding.Feature, e.Need, e.Resource, e.Limit, ErrTCAMFull)
}

func (e *FullError) Unwrap() error { return ErrTCAMFull }

// Usage is the resource use of the TCAM.
type Usage struct {
	Limits
	EntriesUsed    int
	MasksUsed      int
	RangeUnitsUsed int
}

// Used returns the amount of r in use.
func (u Usage) Used(r Resource) int {
	switch r {
	case ResEntries:
		return u.EntriesUsed
	case ResMasks:
		return u.MasksUsed
	}
	return u.RangeUnitsUsed
}

// Limit returns the capacity of r.
func (u Usage) Limit(r Resource) int {
	switch r {
	case ResEntries:
		return u.Entries
	case ResMasks:
		return u.Masks
	}
	return u.RangeUnits
}

// Free returns the unused amount of r.
func (u Usage) Free(r Resource) int { return u.Limit(r) - u.Used(r) }

// Limits returns the current capacity model.
func (t *TCAM) Limits() Limits {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limits
}

// SetLimits changes the capacity model at runtime (`platform acl tcam ...`).
// The programmed entries stay as they are; masks are re-counted under the
// new EntriesPerMask. If the current use does not fit the new limits it
// returns a *FullError (wrapping ErrTCAMFull) naming the first resource that
// would overflow, and changes nothing: shrinking a TCAM under live ACLs
// must not silently drop entries.
func (t *TCAM) SetLimits(l Limits) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l.EntriesPerMask < 1 {
		l.EntriesPerMask = 1
	}
	masks := t.masks
	if l.EntriesPerMask != t.limits.EntriesPerMask {
		masks = 0
		for _, c := range t.maskCount {
			masks += (c + l.EntriesPerMask - 1) / l.EntriesPerMask
		}
	}
	var full *FullError
	switch {
	case t.entries > l.Entries:
		full = &FullError{Resource: ResEntries, Need: t.entries, Limit: l.Entries}
	case masks > l.Masks:
		full = &FullError{Resource: ResMasks, Need: masks, Limit: l.Masks}
	case t.lous.used() > l.RangeUnits:
		full = &FullError{Resource: ResRangeUnits, Need: t.lous.used(), Limit: l.RangeUnits}
	}
	if full != nil {
		return fmt.Errorf("set TCAM limits: %w", full)
	}
	t.lous.setLimit(l.RangeUnits)
	t.limits = l
	t.masks = masks
	return nil
}

// Usage returns the current resource use.
func (t *TCAM) Usage() Usage {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.usageLocked()
}

func (t *TCAM) usageLocked() Usage {
	return Usage{Limits: t.limits, EntriesUsed: t.entries, MasksUsed: t.masks, RangeUnitsUsed: t.lous.used()}
}

func (t *TCAM) addEntries(es []Entry) {
	per := t.limits.EntriesPerMask
	for i := range es {
		k := maskKey{Mask: es[i].Mask, SrcLOU: es[i].SrcLOU, DstLOU: es[i].DstLOU}
		c := t.maskCount[k]
		if c%per == 0 {
			t.masks++
		}
		t.maskCount[k] = c + 1
	}
	t.entries += len(es)
}

func (t *TCAM) removeEntries(es []Entry) {
	per := t.limits.EntriesPerMask
	for i := range es {
		k := maskKey{Mask: es[i].Mask, SrcLOU: es[i].SrcLOU, DstLOU: es[i].DstLOU}
		c := t.maskCount[k] - 1
		if c%per == 0 {
			t.masks--
		}
		if c == 0 {
			delete(t.maskCount, k)
		} else {
			t.maskCount[k] = c
		}
	}
	t.entries -= len(es)
}

// acquire compiles an ACE into hardware, taking its resources.
func (t *TCAM) acquire(b *Binding, a *acl.ACE, slot int32) compiledACE {
	c := compileACE(a, slot, b.label, t.lous)
	t.addEntries(c.entries)
	return c
}

// release returns an ACE's resources.
func (t *TCAM) release(c *compiledACE) {
	t.removeEntries(c.entries)
	for _, k := range c.lous {
		t.lous.release(k)
	}
}

// reacquire takes back the resources of an ACE compiled earlier (rollback).
func (t *TCAM) reacquire(c *compiledACE) {
	for _, k := range c.lous {
		idx, _ := t.lous.acquire(k)
		// Re-point entries at the unit index now assigned to k.
		for j := range c.entries {
			e := &c.entries[j]
			if k.Dst && e.DstLOU != NoLOU {
				e.DstLOU = idx
			} else if !k.Dst && e.SrcLOU != NoLOU {
				e.SrcLOU = idx
			}
		}
	}
	t.addEntries(c.entries)
}

// overflow returns the first exceeded resource.
func (t *TCAM) overflow(id BindingID) *FullError {
	switch {
	case t.entries > t.limits.Entries:
		return &FullError{Binding: id, Resource: ResEntries, Need: t.entries, Limit: t.limits.Entries}
	case t.masks > t.limits.Masks:
		return &FullError{Binding: id, Resource: ResMasks, Need: t.masks, Limit: t.limits.Masks}
	}
	return nil
}

// Estimate compiles aces alone under the range-checker limit of l with
// unbounded entries and masks, and returns what they would use (the
// question "how much of the TCAM would this ACL take?").
func Estimate(aces []acl.ACE, l Limits) Usage {
	l.Entries, l.Masks = math.MaxInt, math.MaxInt
	t := New(Config{Limits: l})
	b := newBinding(BindingID{Feature: FeatureVACL}, 1, t.shards, false)
	for i := range aces {
		t.acquire(b, &aces[i], int32(i))
	}
	return t.usageLocked()
}
