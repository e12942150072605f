package cef

import (
	"net/netip"
	"slices"

	"github.com/l2sw/l2sw/packet"
)

// Resolve is called when ARP resolves ip on interface in (the dataplane
// wires arp.EventAdded/EventUpdated here): the adjacency becomes valid with
// the new rewrite and a /32 host entry points to it.
func (t *Table) Resolve(in IfID, ip netip.Addr, mac packet.MAC) {
	if !ip.Is4() {
		return
	}
	t.mu.Lock()
	defer t.done()
	k := adjKey{in, addrU32(ip)}
	t.neighbors[k] = mac
	s := t.adjs[k]
	if s == nil {
		s = t.newAdj(&Adjacency{})
		t.adjs[k] = s
	}
	t.refreshAdj(k, s)
	hk := pfxKey{k.NH, 32}
	if _, ok := t.ifs[in]; ok {
		if cur, ok := t.hosts[hk]; !ok || cur != in {
			t.hosts[hk] = in
			t.dirty[hk] = struct{}{}
		}
	}
}

// Unresolve is called when the ARP entry of ip on in goes (aged, cleared,
// incomplete again): the adjacency becomes incomplete and traffic to it is
// dropped and counted until ARP answers again — the periodic CEF drops of
// a too short `arp timeout`.
func (t *Table) Unresolve(in IfID, ip netip.Addr) {
	if !ip.Is4() {
		return
	}
	t.mu.Lock()
	defer t.done()
	k := adjKey{in, addrU32(ip)}
	delete(t.neighbors, k)
	if s := t.adjs[k]; s != nil {
		t.refreshAdj(k, s)
	}
}

// Forget removes the host entry and, when no route uses it, the adjacency
// of ip on in (the ARP entry was deleted by configuration).
func (t *Table) Forget(in IfID, ip netip.Addr) {
	if !ip.Is4() {
		return
	}
	t.mu.Lock()
	defer t.done()
	k := adjKey{in, addrU32(ip)}
	delete(t.neighbors, k)
	hk := pfxKey{k.NH, 32}
	if t.hosts[hk] == in {
		delete(t.hosts, hk)
		t.dirty[hk] = struct{}{}
	}
	if s := t.adjs[k]; s != nil {
		t.refreshAdj(k, s)
	}
}

func (t *Table) newAdj(a *Adjacency) *adjSlot {
	s := &adjSlot{}
	if n := len(t.adjFree); n > 0 {
		a.ID = t.adjFree[n-1]
		t.adjFree = t.adjFree[:n-1]
		t.ownAdjByID()
		t.adjByID[a.ID] = s
	} else {
		// Appending writes beyond every published length: no copy needed.
		a.ID = uint32(len(t.adjByID))
		t.adjByID = append(t.adjByID, s)
	}
	s.id = a.ID
	a.build()
	s.cur.Store(a)
	return s
}

// ownAdjByID copies adjByID before an element a published snapshot reads
// is overwritten (an ID reused or freed); lookups index it lock-free.
func (t *Table) ownAdjByID() {
	if t.adjShared {
		t.adjByID = slices.Clone(t.adjByID)
		t.adjShared = false
	}
}

// refreshAdj publishes the adjacency version that matches the current
// interface configuration and ARP knowledge.
func (t *Table) refreshAdj(k adjKey, s *adjSlot) {
	old := s.cur.Load()
	a := &Adjacency{ID: old.ID, State: AdjIncomplete, If: k.If, NextHop: k.NH}
	if st, ok := t.ifs[k.If]; ok {
		a.IfName, a.SrcMAC, a.VLAN, a.Tagged = st.cfg.Name, st.cfg.MAC, st.cfg.VLAN, st.cfg.Tagged
		if mac, ok := t.neighbors[k]; ok {
			a.State, a.DstMAC = AdjValid, mac
		}
	} else {
		a.State, a.IfName = AdjDrop, old.IfName
	}
	a.build()
	if *a != *old {
		s.cur.Store(a)
	}
}

// adjFor returns the adjacency slot of (in, nh), creating it.
func (t *Table) adjFor(in IfID, nh uint32) *adjSlot {
	k := adjKey{in, nh}
	s := t.adjs[k]
	if s == nil {
		s = t.newAdj(&Adjacency{})
		t.adjs[k] = s
		t.refreshAdj(k, s)
	}
	return s
}

// release drops a FIB reference to s and deletes an adjacency nobody needs.
func (t *Table) release(s *adjSlot) {
	s.refs--
	if s.refs > 0 {
		return
	}
	a := s.cur.Load()
	k := adjKey{a.If, a.NextHop}
	if t.adjs[k] != s {
		return // glean/special slots are not in adjs
	}
	if _, known := t.neighbors[k]; known {
		return
	}
	delete(t.adjs, k)
	t.ownAdjByID()
	t.adjByID[a.ID] = nil
	t.adjFree = append(t.adjFree, a.ID)
}
