package dataplane

import (
	"fmt"
	"github.com/l2sw/l2sw/counter"
	"slices"

	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// This file binds access lists to the pipeline (DESIGN §6): port ACLs on
// layer-2 ports (inbound), VLAN access maps on VLANs, router ACLs on SVIs
// in both directions. The TCAM compiles and counts; the switch decides
// where each binding sits in the pipeline and publishes that with the
// forwarding snapshot, so a frame sees either the old or the new set.

// aclRef is one applied access list as the forwarding snapshot holds it.
type aclRef struct {
	b *tcam.Binding
	l *acl.List // the list as applied (the caller no longer edits it): its name, and what to diff and undo against
}

// vaclEntry is one `vlan access-map` sequence in the snapshot.
type vaclEntry struct {
	lists []aclRef // `match ip address`: matches when one permits; empty matches all
	drop  bool
}

// vaclView is the VLAN filter of one VLAN in the snapshot.
type vaclView struct {
	name    string
	entries []vaclEntry
}

// VLANAccessMap is a `vlan access-map` as `vlan filter` applies it: its
// entries in sequence order. An IPv4 packet takes the action of the first
// entry one of whose lists permits it and is dropped when none does; other
// frames (ARP...) take the action of the first entry without match clauses
// and are forwarded when there is none, as IOS does for a map with IP
// match clauses only.
type VLANAccessMap struct {
	Name    string
	Entries []VLANAccessMapEntry
}

// VLANAccessMapEntry is one sequence of a VLAN access map.
type VLANAccessMapEntry struct {
	Seq     int
	Matches []*acl.List // the `match ip address` lists; empty: matches every packet
	Drop    bool        // `action drop`; otherwise forward
}

// aclState is the switch's ACL configuration. Guarded by sw.mu.
type aclState struct {
	tcam *tcam.TCAM
	port map[string]aclRef    // port ACLs by interface name
	svi  map[uint16][2]aclRef // router ACLs by VLAN, per direction
	vlan map[uint16]*vaclView // VLAN filters
}

func newACLState(shards *counter.Shards) *aclState {
	return &aclState{
		tcam: tcam.New(tcam.Config{Limits: tcam.PFC3Limits(), Shards: shards}),
		port: map[string]aclRef{},
		svi:  map[uint16][2]aclRef{},
		vlan: map[uint16]*vaclView{},
	}
}

// bind applies list at id, or removes the binding when list is nil or has
// no permit/deny entries: IOS filters nothing through an ACL that does
// not exist or is empty.
func (sw *Switch) bind(id tcam.BindingID, prev *acl.List, list *acl.List) (aclRef, tcam.Result, error) {
	t := sw.acl.tcam
	if list == nil || !list.HasRules() {
		if t.Binding(id) != nil {
			if err := t.Remove(id); err != nil {
				return aclRef{}, tcam.Result{}, err
			}
		}
		return aclRef{}, tcam.Result{State: tcam.Active}, nil
	}
	res, err := sw.program(id, prev, list)
	if err != nil {
		return aclRef{}, res, fmt.Errorf("apply access list %s to %s: %w", list.Name, id, err)
	}
	return newACLRef(t.Binding(id), list), res, nil
}

// program commits list at id, where prev (nil if none) is in force. A
// one-line edit (an entry added or removed, the rest unchanged) takes the
// TCAM's incremental path, so typing or pasting a long applied list costs
// microseconds per line instead of a recompile of the whole list.
func (sw *Switch) program(id tcam.BindingID, prev, list *acl.List) (tcam.Result, error) {
	t := sw.acl.tcam
	var res tcam.Result
	var err error
	b := t.Binding(id)
	wasSoftware := b != nil && b.State() == tcam.Inactive
	switch added, removed, ok := oneLineEdit(prev, list); {
	case ok && b != nil && added != nil:
		res, err = t.InsertACE(id, *added)
	case ok && b != nil && removed != nil && !wasSoftware:
		err = t.DeleteACE(id, removed.Seq)
		res.State = t.Binding(id).State()
	default:
		// A software-switched list that shrinks may fit again: the whole
		// list is offered to the TCAM, as the feature manager retries on
		// every change.
		res, err = t.Apply(id, list)
	}
	if wasSoftware && res.State == tcam.Inactive {
		res.Events = nil // reduced already, and said so once
	}
	sw.logTCAMEvents(res.Events)
	return res, err
}

// oneLineEdit reports whether list is prev with exactly one entry added or
// removed (remarks are entries too, but change no rule), and which.
func oneLineEdit(prev, list *acl.List) (added, removed *acl.ACE, ok bool) {
	if prev == nil || prev.Name != list.Name || prev.Kind != list.Kind {
		return nil, nil, false
	}
	long, short := list, prev
	if prev.Len() > list.Len() {
		long, short = prev, list
	}
	if long.Len() != short.Len()+1 {
		return nil, nil, false
	}
	i := 0
	for i < short.Len() && short.At(i) == long.At(i) {
		i++
	}
	for j := i; j < short.Len(); j++ {
		if short.At(j) != long.At(j+1) {
			return nil, nil, false
		}
	}
	e := long.At(i)
	if e.Action == acl.Remark {
		return nil, nil, false // nothing to program: a full apply keeps it simple
	}
	if long == list {
		return &e, nil, true
	}
	return nil, &e, true
}

// SetPortACL applies list inbound on the layer-2 port ifname (a port ACL);
// nil removes it. A list that does not fit is rejected with an error
// wrapping tcam.ErrTCAMFull, and the previous list stays in force. The
// switch keeps list: the caller edits a Clone from then on (as it must to
// be able to undo a refused edit anyway).
func (sw *Switch) SetPortACL(ifname string, list *acl.List) (tcam.Result, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if _, ok := sw.byName[ifname]; !ok {
		return tcam.Result{}, fmt.Errorf("port ACL on %s: %w", ifname, ErrNoSuchPort)
	}
	ref, res, err := sw.bind(tcam.BindingID{Feature: tcam.FeaturePACL, Interface: ifname, Dir: tcam.In}, sw.acl.port[ifname].l, list)
	if err != nil {
		return res, err
	}
	if ref.b == nil {
		delete(sw.acl.port, ifname)
	} else {
		sw.acl.port[ifname] = ref
	}
	sw.publishLocked()
	return res, nil
}

// SetSVIACL applies list on the SVI of vlan in direction dir (a router
// ACL); nil removes it. The switch keeps list, as SetPortACL does. It may
// be set before the SVI exists and takes effect when it does. A list that
// does not fit the TCAM is still applied, software switched (the result
// says Inactive).
func (sw *Switch) SetSVIACL(vlan uint16, dir tcam.Direction, list *acl.List) (tcam.Result, error) {
	if vlan < 1 || vlan > MaxVLAN {
		return tcam.Result{}, fmt.Errorf("router ACL on VLAN %d: %w", vlan, ErrBadVLAN)
	}
	if dir != tcam.In && dir != tcam.Out {
		return tcam.Result{}, fmt.Errorf("router ACL on Vlan%d: bad direction %v", vlan, dir)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	ref, res, err := sw.bind(tcam.BindingID{Feature: tcam.FeatureRACL, Interface: fmt.Sprintf("Vlan%d", vlan), Dir: dir}, sw.acl.svi[vlan][dir].l, list)
	if err != nil {
		return res, err
	}
	refs := sw.acl.svi[vlan]
	refs[dir] = ref
	if refs[tcam.In].b == nil && refs[tcam.Out].b == nil {
		delete(sw.acl.svi, vlan)
	} else {
		sw.acl.svi[vlan] = refs
	}
	sw.publishLocked()
	return res, nil
}

// vaclBindingID names the TCAM binding of one list of one access-map
// entry on one VLAN.
func vaclBindingID(vlan uint16, m string, seq int, list string) tcam.BindingID {
	return tcam.BindingID{Feature: tcam.FeatureVACL, Interface: fmt.Sprintf("Vlan%d %s %d %s", vlan, m, seq, list), Dir: tcam.In}
}

// SetVLANFilter applies the access map m to vlan, replacing the previous
// filter; nil removes it. The switch keeps m's lists, as SetPortACL does.
// The change is all or nothing: when one list does not fit the TCAM, the
// lists already applied are put back and the error wraps tcam.ErrTCAMFull.
func (sw *Switch) SetVLANFilter(vlan uint16, m *VLANAccessMap) (tcam.Result, error) {
	if vlan < 1 || vlan > MaxVLAN {
		return tcam.Result{}, fmt.Errorf("vlan filter on VLAN %d: %w", vlan, ErrBadVLAN)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	t := sw.acl.tcam
	old := sw.acl.vlan[vlan]

	// What each binding held before, to undo a partial change.
	type undo struct {
		id   tcam.BindingID
		prev *acl.List // nil: the binding did not exist
	}
	var undos []undo
	prevList := map[tcam.BindingID]*acl.List{}
	if old != nil {
		for _, e := range old.entries {
			for _, r := range e.lists {
				prevList[r.b.ID()] = r.l
			}
		}
	}
	rollback := func() {
		for i := len(undos) - 1; i >= 0; i-- {
			u := undos[i]
			if u.prev == nil {
				_ = t.Remove(u.id)
			} else {
				_, _ = t.Apply(u.id, u.prev)
			}
		}
	}

	var view *vaclView
	keep := map[tcam.BindingID]bool{}
	var total tcam.Result
	if m != nil {
		view = &vaclView{name: m.Name}
		entries := slices.Clone(m.Entries)
		slices.SortStableFunc(entries, func(a, b VLANAccessMapEntry) int { return a.Seq - b.Seq })
		for _, e := range entries {
			ve := vaclEntry{drop: e.Drop}
			for _, l := range e.Matches {
				if l == nil {
					continue
				}
				id := vaclBindingID(vlan, m.Name, e.Seq, l.Name)
				if keep[id] {
					continue
				}
				if !l.HasRules() {
					// An empty or undefined list permits nothing in a map:
					// IOS treats it as matching no packet.
					continue
				}
				res, err := sw.program(id, prevList[id], l)
				total.Events = append(total.Events, res.Events...)
				if err != nil {
					rollback()
					return total, fmt.Errorf("vlan filter %s on VLAN %d: %w", m.Name, vlan, err)
				}
				undos = append(undos, undo{id: id, prev: prevList[id]})
				keep[id] = true
				ve.lists = append(ve.lists, newACLRef(t.Binding(id), l))
			}
			if len(e.Matches) > 0 && len(ve.lists) == 0 {
				continue // every list empty or undefined: the entry matches nothing
			}
			view.entries = append(view.entries, ve)
		}
		sw.acl.vlan[vlan] = view
	} else {
		delete(sw.acl.vlan, vlan)
	}
	sw.publishLocked()
	// Only now that forwarding uses the new bindings may the stale ones go.
	for id := range prevList {
		if !keep[id] {
			_ = t.Remove(id)
		}
	}
	total.State = tcam.Active
	return total, nil
}

func newACLRef(b *tcam.Binding, l *acl.List) aclRef {
	return aclRef{b: b, l: l}
}

// refsLocked returns every applied list reference.
func (sw *Switch) refsLocked() []aclRef {
	var out []aclRef
	for _, r := range sw.acl.port {
		out = append(out, r)
	}
	for _, rs := range sw.acl.svi {
		for _, r := range rs {
			if r.b != nil {
				out = append(out, r)
			}
		}
	}
	for _, v := range sw.acl.vlan {
		for _, e := range v.entries {
			out = append(out, e.lists...)
		}
	}
	return out
}

// ACLMatches returns the match count of the entry with sequence number seq
// of the access list named name, summed over every place it is applied.
func (sw *Switch) ACLMatches(name string, seq uint32) uint64 {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	var n uint64
	for _, r := range sw.refsLocked() {
		if r.l.Name == name {
			n += r.b.Matches(sw.acl.tcam, seq)
		}
	}
	return n
}

// ClearACLCounters zeroes the match counters of the access list named
// name, or of every list when name is "".
func (sw *Switch) ClearACLCounters(name string) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for _, r := range sw.refsLocked() {
		if name == "" || r.l.Name == name {
			r.b.ClearCounters(sw.acl.tcam)
		}
	}
}
