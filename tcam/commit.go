package tcam

import (
	"fmt"

	"github.com/l2sw/l2sw/tcam/acl"
)

// Result reports what a commit did.
type Result struct {
	State  State
	Events []Event
	Full   *FullError // set when a router ACL fell back to software
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
		b = newBinding(id, t.nextLabel, t.shards, t.recycle)
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
