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
	"github.com/l2sw/l2sw/counter"
	"sync"
)

// ErrNoBinding is returned for operations on an ACL that is not applied.
var ErrNoBinding = errors.New("no such ACL binding")

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

// Config configures a TCAM.
type Config struct {
	Limits  Limits
	Workers int // dataplane workers that count matches (one counter shard each), when Shards is nil
	// Shards, if set, are the dataplane's counter shards: worker i holds
	// Shards.At(i) while it classifies (see Binding.Classify). That lets
	// the bindings recycle the memory of retired classifier versions
	// (see recycler); without it they leave it to the GC.
	Shards *counter.Shards
}

// TCAM is the ACL TCAM of one switch: bindings, their programs and the
// shared resources. Mutations are serialised by an internal lock (one
// writer, the config loop, in practice); lookups go through Binding and
// take no lock.
type TCAM struct {
	mu        sync.Mutex
	limits    Limits
	shards    *counter.Shards
	lous      *louPool
	maskCount map[maskKey]int
	entries   int
	masks     int
	bindings  map[BindingID]*Binding
	order     []BindingID
	nextLabel uint16
	recycle   bool // the shards are the dataplane's (Config.Shards): see recycler
}

// New returns an empty TCAM.
func New(cfg Config) *TCAM {
	recycle := cfg.Shards != nil
	if cfg.Shards == nil {
		cfg.Shards = counter.NewShards(cfg.Workers)
	}
	if cfg.Limits.EntriesPerMask < 1 {
		cfg.Limits.EntriesPerMask = 1
	}
	return &TCAM{
		limits:    cfg.Limits,
		shards:    cfg.Shards,
		lous:      newLOUPool(cfg.Limits.RangeUnits),
		maskCount: map[maskKey]int{},
		bindings:  map[BindingID]*Binding{},
		recycle:   recycle,
	}
}

// Binding returns the binding id, or nil.
func (t *TCAM) Binding(id BindingID) *Binding {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bindings[id]
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

var _ fmt.Stringer = BindingID{}
