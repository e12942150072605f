// Package tcam models a Catalyst ACL TCAM and classifies packets against
// IOS access lists: ACEs compile to ternary entries with range checkers
// (LOUs) for capacity accounting, commits are atomic and fail with a typed
// error when a resource runs out, and each bound ACL is served lock-free by
// an immutable first-match classifier: aggregated bit vectors for lists of
// up to 2048 rules, decision trees beyond.
//
// The hardware model and the software lookup are distinct on purpose: the
// entries (value/mask, LOUs, masks) say what a PFC would have to program and
// whether it fits; the Classifier (classifier.go: bit vectors in
// bitvector.go, decision trees in tree.go, treebuild.go, update.go) is
// what the dataplane actually runs, built from the same ACEs and checked
// against a linear first-match oracle (linear_test.go).
package tcam

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

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

// ErrNoBinding is returned for operations on an ACL that is not applied.
var ErrNoBinding = errors.New("no such ACL binding")

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

// Feature is the TCAM feature an ACL is bound for; it decides what happens
// when it does not fit.
type Feature uint8

// The features. Router ACLs fall back to software; VLAN and port ACLs are
// rejected.
const (
	FeatureRACL Feature = iota // `ip access-group` on an SVI
	FeatureVACL                // VLAN access map
	FeaturePACL                // `ip access-group` on a layer-2 port
)

// String returns the feature's short name.
func (f Feature) String() string {
	switch f {
	case FeatureRACL:
		return "RACL"
	case FeatureVACL:
		return "VACL"
	case FeaturePACL:
		return "PACL"
	}
	return fmt.Sprintf("feature(%d)", uint8(f))
}

// Direction is the traffic direction of a binding.
type Direction uint8

// The directions.
const (
	In Direction = iota
	Out
)

// String returns the IOS keyword.
func (d Direction) String() string {
	if d == In {
		return "in"
	}
	if d == Out {
		return "out"
	}
	return fmt.Sprintf("direction(%d)", uint8(d))
}

// Word returns "ingress" or "egress" as FM messages say it.
func (d Direction) Word() string {
	if d == Out {
		return "egress"
	}
	return "ingress"
}

// BindingID names where an ACL is applied.
type BindingID struct {
	Feature   Feature
	Interface string // IOS name, e.g. Vlan202 or GigabitEthernet0/1
	Dir       Direction
}

func (b BindingID) String() string {
	return fmt.Sprintf("%s %s %s", b.Feature, b.Interface, b.Dir)
}

// State is a binding's programming state as `show fm summary` prints it.
type State uint8

// The states.
const (
	Active   State = iota // in hardware
	Inactive              // software switched (router ACL that did not fit)
)

// String returns ACTIVE or INACTIVE.
func (s State) String() string {
	switch s {
	case Active:
		return "ACTIVE"
	case Inactive:
		return "INACTIVE"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// EventKind is a TCAM event the switch turns into a syslog line.
type EventKind uint8

// The events.
const (
	EventTCAMFull      EventKind = iota // %ACL-5-TCAMFULL (VLAN/port ACL rejected)
	EventEntryCapacity                  // %FM-4-TCAM_ENTRY (router ACL did not fit)
	EventRACLReduced                    // %FMCORE-4-RACL_REDUCED (router ACL software switched)
)

// String returns the mnemonic.
func (k EventKind) String() string {
	switch k {
	case EventTCAMFull:
		return "TCAMFULL"
	case EventEntryCapacity:
		return "TCAM_ENTRY"
	case EventRACLReduced:
		return "RACL_REDUCED"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is one notification for the switch's log.
type Event struct {
	Kind     EventKind
	Binding  BindingID
	Resource Resource
}

// Facility, Severity, Mnemonic and Text give the IOS message fields, e.g.
// `%FMCORE-4-RACL_REDUCED: Interface Vlan202 routed traffic will be software switched in ingress direction`.
func (e Event) Facility() string {
	switch e.Kind {
	case EventTCAMFull:
		return "ACL"
	case EventEntryCapacity:
		return "FM"
	}
	return "FMCORE"
}

// Severity is the IOS severity number of the message.
func (e Event) Severity() int {
	if e.Kind == EventTCAMFull {
		return 5
	}
	return 4
}

// Mnemonic is the message mnemonic.
func (e Event) Mnemonic() string { return e.Kind.String() }

// Text is the message text.
func (e Event) Text() string {
	switch e.Kind {
	case EventTCAMFull:
		return "acl engine TCAM table is full"
	case EventEntryCapacity:
		return "Hardware TCAM entry capacity exceeded"
	}
	return fmt.Sprintf("Interface %s routed traffic will be software switched in %s direction", e.Binding.Interface, e.Binding.Dir.Word())
}

// String renders `%FAC-SEV-MNEMONIC: text`.
func (e Event) String() string {
	return fmt.Sprintf("%%%s-%d-%s: %s", e.Facility(), e.Severity(), e.Mnemonic(), e.Text())
}

// Result reports what a commit did.
type Result struct {
	State  State
	Events []Event
	Full   *FullError // set when a router ACL fell back to software
}

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

// Config configures a TCAM.
type Config struct {
	Limits  Limits
	Workers int // dataplane workers that count matches (one counter shard each)
}

// TCAM is the ACL TCAM of one switch: bindings, their programs and the
// shared resources. Mutations are serialised by an internal lock (one
// writer, the config loop, in practice); lookups go through Binding and
// take no lock.
type TCAM struct {
	mu        sync.Mutex
	limits    Limits
	workers   int
	lous      *louPool
	maskCount map[maskKey]int
	entries   int
	masks     int
	bindings  map[BindingID]*Binding
	order     []BindingID
	nextLabel uint16
}

// New returns an empty TCAM.
func New(cfg Config) *TCAM {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Limits.EntriesPerMask < 1 {
		cfg.Limits.EntriesPerMask = 1
	}
	return &TCAM{
		limits:    cfg.Limits,
		workers:   cfg.Workers,
		lous:      newLOUPool(cfg.Limits.RangeUnits),
		maskCount: map[maskKey]int{},
		bindings:  map[BindingID]*Binding{},
	}
}

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

// Binding returns the binding id, or nil.
func (t *TCAM) Binding(id BindingID) *Binding {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bindings[id]
}

// Apply binds list at id (replacing what was there) and commits it. For
// VLAN/port ACLs a change that does not fit returns a *FullError (wrapping
// ErrTCAMFull) with an EventTCAMFull, and the previous program stays
// active. A router ACL that does not fit is committed in software: the
// result has State Inactive, Full set, and the FM events.
func (t *TCAM) Apply(id BindingID, list *acl.List) (Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bindings[id]
	fresh := b == nil
	if fresh {
		t.nextLabel++
		b = newBinding(id, t.nextLabel, t.workers)
	}
	aces := list.Entries()
	oldHW := b.hardware
	if oldHW {
		for i := range b.aces {
			t.release(&b.aces[i])
		}
	}
	// Keep the slot (and so the counters) of entries that did not change.
	oldSlots := make(map[acl.ACE]int32, len(b.aces))
	for i := range b.aces {
		oldSlots[b.aces[i].ace] = b.aces[i].slot
	}
	newACEs := make([]compiledACE, 0, len(aces))
	kept := make(map[int32]bool, len(aces))
	for i := range aces {
		slot, ok := oldSlots[aces[i]]
		if !ok || kept[slot] {
			slot = b.allocSlot()
		}
		kept[slot] = true
		newACEs = append(newACEs, t.acquire(b, &aces[i], slot))
	}
	if full := t.overflow(id); full != nil {
		for i := range newACEs {
			t.release(&newACEs[i])
		}
		if id.Feature != FeatureRACL {
			if oldHW {
				for i := range b.aces {
					t.reacquire(&b.aces[i])
				}
			}
			for i := range newACEs {
				if !slotIn(b.aces, newACEs[i].slot) {
					b.freeSlot(newACEs[i].slot)
				}
			}
			if fresh {
				t.nextLabel--
			}
			return Result{State: b.State(), Events: []Event{{Kind: EventTCAMFull, Binding: id, Resource: full.Resource}}}, full
		}
		// Router ACL: software switched, still correct.
		for i := range newACEs {
			newACEs[i].entries = nil
			newACEs[i].lous = nil
		}
		t.commit(b, list.Name, newACEs, false, fresh, id)
		return Result{State: Inactive, Full: full, Events: []Event{
			{Kind: EventEntryCapacity, Binding: id, Resource: full.Resource},
			{Kind: EventRACLReduced, Binding: id, Resource: full.Resource},
		}}, nil
	}
	t.commit(b, list.Name, newACEs, true, fresh, id)
	return Result{State: Active}, nil
}

func slotIn(cs []compiledACE, slot int32) bool {
	for i := range cs {
		if cs[i].slot == slot {
			return true
		}
	}
	return false
}

func (t *TCAM) commit(b *Binding, name string, aces []compiledACE, hw, fresh bool, id BindingID) {
	live := make(map[int32]bool, len(aces))
	var rules []Rule
	for i := range aces {
		live[aces[i].slot] = true
		rules = append(rules, aces[i].rules...)
	}
	for i := range b.aces {
		if !live[b.aces[i].slot] {
			b.freeSlot(b.aces[i].slot)
		}
	}
	b.aces = aces
	b.reindex()
	b.aclName = name
	b.hardware = hw
	b.publish(NewClassifier(rules))
	if fresh {
		t.bindings[id] = b
		t.order = append(t.order, id)
	}
}

// Remove unbinds id, freeing its resources.
func (t *TCAM) Remove(id BindingID) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bindings[id]
	if b == nil {
		return fmt.Errorf("remove %s: %w", id, ErrNoBinding)
	}
	if b.hardware {
		for i := range b.aces {
			t.release(&b.aces[i])
		}
	}
	b.aces = nil
	b.reindex()
	b.publish(NewClassifier(nil))
	delete(t.bindings, id)
	for i, o := range t.order {
		if o == id {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
	return nil
}

// InsertACE adds one ACE to the ACL bound at id (the incremental path of a
// one-line edit): only that ACE is compiled, and the classifier is updated
// in place of a rebuild (see Classifier.Insert). Failure handling is
// Apply's.
func (t *TCAM) InsertACE(id BindingID, a acl.ACE) (Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bindings[id]
	if b == nil {
		return Result{}, fmt.Errorf("insert into %s: %w", id, ErrNoBinding)
	}
	slot := b.allocSlot()
	var c compiledACE
	if b.hardware {
		c = t.acquire(b, &a, slot)
		if full := t.overflow(id); full != nil {
			t.release(&c)
			if id.Feature != FeatureRACL {
				b.freeSlot(slot)
				return Result{State: Active, Events: []Event{{Kind: EventTCAMFull, Binding: id, Resource: full.Resource}}}, full
			}
			for i := range b.aces {
				t.release(&b.aces[i])
				b.aces[i].entries, b.aces[i].lous = nil, nil
			}
			c.entries, c.lous = nil, nil
			b.hardware = false
			t.insertSoftware(b, c)
			return Result{State: Inactive, Full: full, Events: []Event{
				{Kind: EventEntryCapacity, Binding: id, Resource: full.Resource},
				{Kind: EventRACLReduced, Binding: id, Resource: full.Resource},
			}}, nil
		}
	} else {
		c = compiledACE{ace: a, slot: slot, rules: RulesForACE(&a, slot)}
	}
	t.insertSoftware(b, c)
	return Result{State: b.State()}, nil
}

func (t *TCAM) insertSoftware(b *Binding, c compiledACE) {
	b.aces = append(b.aces, c)
	if c.ace.Action != acl.Remark {
		b.bySeq[c.ace.Seq] = len(b.aces) - 1
	}
	cls := b.current().cls
	for _, r := range c.rules {
		cls = cls.Insert(r)
	}
	b.publish(cls)
}

// DeleteACE removes the ACE with sequence number seq from the ACL bound at
// id, freeing its resources.
func (t *TCAM) DeleteACE(id BindingID, seq uint32) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bindings[id]
	if b == nil {
		return fmt.Errorf("delete from %s: %w", id, ErrNoBinding)
	}
	i, ok := b.bySeq[seq]
	if !ok || i >= len(b.aces) || b.aces[i].ace.Seq != seq || b.aces[i].ace.Action == acl.Remark {
		// Not indexed (a duplicate sequence number shadowed it): scan.
		i = -1
		for j := range b.aces {
			if b.aces[j].ace.Seq == seq && b.aces[j].ace.Action != acl.Remark {
				i = j
				break
			}
		}
	}
	if i >= 0 {
		c := &b.aces[i]
		if b.hardware {
			t.release(c)
		}
		cls := b.current().cls
		for _, r := range c.rules {
			cls = cls.Delete(r)
		}
		b.freeSlot(c.slot)
		delete(b.bySeq, seq)
		last := len(b.aces) - 1
		if i != last {
			b.aces[i] = b.aces[last]
			if j, ok := b.bySeq[b.aces[i].ace.Seq]; ok && j == last {
				b.bySeq[b.aces[i].ace.Seq] = i
			}
		}
		b.aces[last] = compiledACE{}
		b.aces = b.aces[:last]
		b.publish(cls)
		return nil
	}
	return fmt.Errorf("delete seq %d from %s: %w", seq, id, acl.ErrNoSuchSeq)
}

// BindingStatus is one line of `show fm summary`.
type BindingStatus struct {
	ID      BindingID
	ACL     string
	State   State
	Entries int
}

// Summary lists the bindings in the order they were first applied.
func (t *TCAM) Summary() []BindingStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]BindingStatus, 0, len(t.order))
	for _, id := range t.order {
		b := t.bindings[id]
		n := 0
		for i := range b.aces {
			n += len(b.aces[i].entries)
		}
		out = append(out, BindingStatus{ID: id, ACL: b.aclName, State: b.State(), Entries: n})
	}
	return out
}

// Estimate compiles aces alone under the range-checker limit of l with
// unbounded entries and masks, and returns what they would use (the
// question "how much of the TCAM would this ACL take?").
func Estimate(aces []acl.ACE, l Limits) Usage {
	l.Entries, l.Masks = math.MaxInt, math.MaxInt
	t := New(Config{Limits: l})
	b := newBinding(BindingID{Feature: FeatureVACL}, 1, 1)
	for i := range aces {
		t.acquire(b, &aces[i], int32(i))
	}
	return t.usageLocked()
}

// program is what readers of a binding see: published whole.
type program struct {
	cls      *Classifier
	hardware bool
	counters [][]*counterPage // per worker, see counterDir
	// bv is cls.bv when the bit vectors are the whole classifier (no
	// rules inserted since they were built): Classify goes to them
	// directly, one pointer and one call fewer per packet.
	bv   *bitvec
	live []uint64
}

// classify is cls.classify, straight to the bit vectors where they are
// all of it.
func (p *program) classify(h *Header) hit {
	if p.bv != nil {
		if i := p.bv.first(h, p.live); i >= 0 {
			return p.bv.meta[i]
		}
		return hit{}
	}
	return p.cls.classify(h)
}

func newProgram(c *Classifier, hardware bool, counters [][]*counterPage) *program {
	p := &program{cls: c, hardware: hardware, counters: counters}
	if c.bv != nil && c.delta == nil {
		p.bv, p.live = c.bv, c.live
	}
	return p
}

// Binding is one applied ACL. Classify is safe for concurrent use by the
// dataplane workers and takes no lock.
type Binding struct {
	id       BindingID
	label    uint16
	prog     atomic.Pointer[program]
	counters *counters

	// Writer side, guarded by TCAM.mu.
	aces      []compiledACE
	bySeq     map[uint32]int // sequence number -> index in aces (non-remarks)
	aclName   string
	hardware  bool
	freeSlots []int32
	nextSlot  int32
}

var _ fmt.Stringer = BindingID{}

func newBinding(id BindingID, label uint16, workers int) *Binding {
	b := &Binding{id: id, label: label, counters: newCounters(workers), bySeq: map[uint32]int{}}
	b.prog.Store(newProgram(NewClassifier(nil), false, b.counters.dirs()))
	return b
}

// reindex rebuilds bySeq after aces was replaced.
func (b *Binding) reindex() {
	b.bySeq = make(map[uint32]int, len(b.aces))
	for i := range b.aces {
		if b.aces[i].ace.Action != acl.Remark {
			b.bySeq[b.aces[i].ace.Seq] = i
		}
	}
}

func (b *Binding) current() *program { return b.prog.Load() }

func (b *Binding) publish(c *Classifier) {
	b.prog.Store(newProgram(c, b.hardware, b.counters.dirs()))
}

func (b *Binding) allocSlot() int32 {
	var s int32
	if n := len(b.freeSlots); n > 0 {
		s = b.freeSlots[n-1]
		b.freeSlots = b.freeSlots[:n-1]
	} else {
		s = b.nextSlot
		b.nextSlot++
		b.counters.grow(int(b.nextSlot))
	}
	b.counters.clearSlot(s)
	return s
}

func (b *Binding) freeSlot(s int32) { b.freeSlots = append(b.freeSlots, s) }

// ID returns where the binding is applied.
func (b *Binding) ID() BindingID { return b.id }

// State returns ACTIVE when the ACL is in hardware.
func (b *Binding) State() State {
	if b.current().hardware {
		return Active
	}
	return Inactive
}

// Verdict is the result of classifying one packet.
type Verdict struct {
	Permit   bool
	Matched  bool   // false: the implicit deny at the end
	Seq      uint32 // sequence number of the matching ACE
	Slot     int32  // counter slot of the matching ACE, -1 for the implicit deny
	Hardware bool   // false when the ACL is software switched
	Log      bool   // the matching ACE has a log option (false for the implicit deny)
}

// Classify looks the packet up and counts the match on worker's counter
// shard. It allocates nothing, takes no lock, and sees one whole version
// of the ACL.
func (b *Binding) Classify(worker int, h *Header) Verdict {
	r, p := b.match(worker, h)
	if r.bits&recFound == 0 {
		return Verdict{Slot: -1, Hardware: p.hardware}
	}
	return Verdict{Permit: r.bits&recPermit != 0, Matched: true, Seq: r.prio, Slot: r.id, Hardware: p.hardware, Log: r.bits&recLog != 0}
}

// Permits is Classify for the forwarding path, which only asks whether
// the packet passes and whether its ACE logs: two results that stay in
// registers. (A Verdict has more fields than the compiler keeps out of
// memory, and spilling it field by field and copying it whole stalled
// every packet on a failed store-to-load forward.)
func (b *Binding) Permits(worker int, h *Header) (permit, log bool) {
	r, _ := b.match(worker, h)
	return r.bits&recPermit != 0, r.bits&recLog != 0
}

// match looks h up in the current program and counts the match, if any,
// on worker's shard. A miss (the implicit deny) is the zero hit.
func (b *Binding) match(worker int, h *Header) (hit, *program) {
	p := b.prog.Load()
	// The worker's counter pages are fetched before the lookup, so the
	// loads overlap it instead of following it.
	pages := counterDir(p.counters, worker)
	r := p.classify(h)
	if r.bits&recFound != 0 {
		countMatch(pages, r.id)
	}
	return r, p
}

// Matches returns the summed match counter of the ACE with sequence number
// seq (for `show access-lists`).
func (b *Binding) Matches(t *TCAM, seq uint32) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range b.aces {
		if b.aces[i].ace.Seq == seq {
			return b.counters.sum(b.aces[i].slot)
		}
	}
	return 0
}

// ClearCounters zeroes every match counter of the binding
// (`clear access-list counters`).
func (b *Binding) ClearCounters(t *TCAM) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range b.aces {
		b.counters.clearSlot(b.aces[i].slot)
	}
}
