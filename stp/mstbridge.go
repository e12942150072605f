package stp

import (
	"sort"
	"time"
)

// Peer is what a port of an MST bridge has heard from the other end.
type Peer uint8

// The peers.
const (
	PeerNone     Peer = iota // no BPDU heard since the link came up
	PeerInternal             // an MST bridge of this region
	PeerRegion               // an MST bridge of another region
	PeerRSTP                 // an 802.1w bridge
	PeerSTP                  // an 802.1D bridge
	PeerPVST                 // a PVST+ or Rapid PVST+ bridge (Cisco SSTP BPDUs)
)

var peerNames = [...]string{"none", "internal", "region", "RSTP", "STP", "PVST"}

func (p Peer) String() string { return peerNames[p] }

// Boundary reports whether a port with this peer is at the region's
// boundary, where the MSTIs follow the CIST.
func (p Peer) Boundary() bool { return p != PeerNone && p != PeerInternal }

// MSTBridge is the spanning tree of an MST bridge (IEEE 802.1Q-2005, one
// region): the CIST, instance 0 (the IST inside the region), and the
// MSTIs, each a Tree on the same 802.1w machinery, with one BPDU per port
// carrying them all. At the region's boundary the MSTIs' ports take the
// CIST's role and state, so that the region is one bridge to the outside.
type MSTBridge struct {
	region MSTConfigID
	cist   *Tree
	mstis  map[uint16]*Tree
	ids    []uint16 // the MSTIs, in order
	peers  map[int]Peer
	out    []Out
	events []InstanceEvent
}

// InstanceEvent is an event of one instance (0: the CIST).
type InstanceEvent struct {
	Instance uint16
	Event
}

// NewMSTBridge returns an MST bridge of the given region whose CIST has
// configuration cist (MST and Rapid are set here).
func NewMSTBridge(region MSTConfigID, cist TreeConfig) *MSTBridge {
	cist.MST, cist.Rapid = true, true
	return &MSTBridge{region: region, cist: NewTree(cist), mstis: map[uint16]*Tree{}, peers: map[int]Peer{}}
}

// Region is the bridge's MST configuration identifier.
func (m *MSTBridge) Region() MSTConfigID { return m.region }

// SetRegion changes the region; the ports find out again, from the next
// BPDU each hears, which peers are inside it.
func (m *MSTBridge) SetRegion(id MSTConfigID, now time.Duration) {
	if id == m.region {
		return
	}
	m.region = id
	for port, p := range m.peers {
		if p == PeerInternal || p == PeerRegion {
			m.peers[port] = PeerNone
		}
	}
	m.syncFollow(now)
}

// Instance returns instance n (0: the CIST), nil if there is none.
func (m *MSTBridge) Instance(n uint16) *Tree {
	if n == 0 {
		return m.cist
	}
	return m.mstis[n]
}

// Instances lists the instances, the CIST (0) first.
func (m *MSTBridge) Instances() []uint16 { return append([]uint16{0}, m.ids...) }

// SetCIST changes the CIST's bridge ID or timers.
func (m *MSTBridge) SetCIST(cfg TreeConfig, now time.Duration) {
	cfg.MST, cfg.Rapid = true, true
	if cfg != m.cist.Config() {
		m.cist.SetConfig(cfg, now)
	}
}

// SetInstance creates MSTI n (1-4094) or changes its configuration; its
// timers are the CIST's.
func (m *MSTBridge) SetInstance(n uint16, cfg TreeConfig, now time.Duration) {
	cfg.Rapid, cfg.MST = true, false
	cfg.Times = m.cist.Config().Times
	t := m.mstis[n]
	if t == nil {
		m.mstis[n] = NewTree(cfg)
		m.ids = append(m.ids, n)
		sort.Slice(m.ids, func(i, j int) bool { return m.ids[i] < m.ids[j] })
		return
	}
	if t.Config() != cfg {
		t.SetConfig(cfg, now)
	}
}

// RemoveInstance deletes MSTI n.
func (m *MSTBridge) RemoveInstance(n uint16) {
	if m.mstis[n] == nil {
		return
	}
	delete(m.mstis, n)
	for i, x := range m.ids {
		if x == n {
			m.ids = append(m.ids[:i:i], m.ids[i+1:]...)
			break
		}
	}
}

// SetPort adds or changes port id in instance n (0: the CIST, which every
// port of the bridge belongs to).
func (m *MSTBridge) SetPort(n uint16, id int, cfg PortConfig, up bool, now time.Duration) {
	t := m.Instance(n)
	if t == nil {
		return
	}
	if n == 0 && !up {
		delete(m.peers, id)
	}
	t.SetPort(id, cfg, up, now)
	m.syncFollow(now)
}

// RemovePort takes port id out of instance n.
func (m *MSTBridge) RemovePort(n uint16, id int, now time.Duration) {
	if t := m.Instance(n); t != nil {
		t.RemovePort(id, now)
	}
	if n == 0 {
		delete(m.peers, id)
	}
}

// Peer is what port id has heard.
func (m *MSTBridge) Peer(id int) Peer { return m.peers[id] }

// SetPeer records what port id has heard when the runner knows better
// than a BPDU's format: PVST+ BPDUs on a boundary port.
func (m *MSTBridge) SetPeer(id int, p Peer, now time.Duration) {
	if m.peers[id] != p {
		m.peers[id] = p
		m.syncFollow(now)
	}
}

// Receive gives the bridge a BPDU heard on port id.
func (m *MSTBridge) Receive(id int, b BPDU, now time.Duration) {
	internal := b.MST != nil && b.MST.Config == m.region
	peer := PeerRSTP
	switch {
	case b.Type == TypeTCN || b.Version < VersionRSTP:
		peer = PeerSTP
	case internal:
		peer = PeerInternal
	case b.MST != nil:
		peer = PeerRegion
	}
	if m.peers[id] != PeerPVST || peer == PeerInternal {
		m.peers[id] = peer
	}
	m.cist.ReceiveCIST(id, b, internal, now)
	m.syncFollow(now)
	if internal {
		for _, r := range b.MST.MSTIs {
			if t := m.mstis[r.MSTI()]; t != nil {
				t.ReceiveMSTI(id, b, r, now)
			}
		}
	}
	m.syncFollow(now)
	m.Flush(now)
}

// syncFollow has the MSTIs' boundary ports take the CIST's role and state.
func (m *MSTBridge) syncFollow(now time.Duration) {
	if len(m.mstis) == 0 {
		return
	}
	for _, ps := range m.cist.Status().Ports {
		boundary := m.peers[ps.Port].Boundary()
		state := ps.State
		if ps.RootInconsistent || ps.LoopInconsistent {
			state = Blocking
		}
		for _, n := range m.ids {
			m.mstis[n].Follow(ps.Port, boundary, ps.Role, state, now)
		}
	}
}

// Tick advances every instance's timers.
func (m *MSTBridge) Tick(now time.Duration) {
	m.cist.Tick(now)
	m.syncFollow(now)
	for _, n := range m.ids {
		m.mstis[n].Tick(now)
	}
	m.Flush(now)
}

// Migrate restarts protocol migration on port id (`clear spanning-tree
// detected-protocols`).
func (m *MSTBridge) Migrate(id int, now time.Duration) {
	if m.peers[id] == PeerSTP || m.peers[id] == PeerRSTP {
		m.peers[id] = PeerNone
	}
	m.cist.Migrate(id, now)
	m.syncFollow(now)
	m.Flush(now)
}

// Flush gathers what the instances want to say into one BPDU per port:
// the CIST's, with this region's identifier and an M-record per MSTI.
func (m *MSTBridge) Flush(now time.Duration) {
	want := map[int]bool{}
	cist := map[int]BPDU{}
	for _, o := range m.cist.Outbox() {
		want[o.Port] = true
		cist[o.Port] = o.BPDU
	}
	msti := make(map[uint16]map[int]BPDU, len(m.ids))
	for _, n := range m.ids {
		got := map[int]BPDU{}
		for _, o := range m.mstis[n].Outbox() {
			want[o.Port] = true
			got[o.Port] = o.BPDU
		}
		msti[n] = got
	}
	for _, e := range m.cist.Events() {
		m.events = append(m.events, InstanceEvent{0, e})
	}
	for _, n := range m.ids {
		for _, e := range m.mstis[n].Events() {
			m.events = append(m.events, InstanceEvent{n, e})
		}
	}
	if len(want) == 0 {
		return
	}
	ports := make([]int, 0, len(want))
	for p := range want {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	status := map[int]PortStatus{}
	for _, ps := range m.cist.Status().Ports {
		status[ps.Port] = ps
	}
	for _, port := range ports {
		ps, ok := status[port]
		if !ok {
			continue
		}
		b, ok := cist[port]
		if !ok {
			// Only an MSTI has news: the CIST's part goes along, unless
			// the port speaks 802.1D, which has no room for the MSTIs.
			if ps.STPCompat || ps.Role == RoleDisabled {
				continue
			}
			if b, ok = m.cist.PortBPDU(port, now); !ok {
				continue
			}
		}
		if b.MST != nil {
			b.MST.Config = m.region
			for _, n := range m.ids {
				t := m.mstis[n]
				rb, ok := msti[n][port]
				if !ok {
					if rb, ok = t.PortBPDU(port, now); !ok {
						continue // the port carries none of the MSTI's VLANs
					}
				}
				b.MST.MSTIs = append(b.MST.MSTIs, MRecord{Flags: rb.Flags, RegRoot: rb.Root, IntCost: rb.Cost,
					BridgePrio: uint8(rb.Bridge.Priority()>>8) & 0xf0, PortPrio: uint8(rb.Port>>8) & 0xf0, Hops: t.Hops()})
			}
		}
		m.out = append(m.out, Out{Port: port, BPDU: b})
	}
}

// Outbox returns the BPDUs to send since the last call.
func (m *MSTBridge) Outbox() []Out {
	o := m.out
	m.out = nil
	return o
}

// Events returns what happened in the instances since the last call.
func (m *MSTBridge) Events() []InstanceEvent {
	e := m.events
	m.events = nil
	return e
}
