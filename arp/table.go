package arp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/l2sw/l2sw/packet"
)

// Errors returned (wrapped) by the configuration operations.
var (
	ErrBadAddress   = errors.New("invalid IPv4 address")
	ErrBadMAC       = errors.New("invalid hardware address")
	ErrOwnAddress   = errors.New("address is one of our own interface addresses")
	ErrBadTimeout   = errors.New("arp timeout out of range 0-2147483")
	ErrNoSuchStatic = errors.New("no static ARP entry")
)

// entry is the table's private record; Entry is the copy handed out.
type entry struct {
	Entry
	lastReq   int64 // last request we sent for this IP: solicitation and rate limit
	tries     int   // requests sent in the current resolution/refresh round
	holdUntil int64 // incomplete: no requests before this time
}

type ifState struct {
	cfg IfConfig
}

func (s *ifState) inSubnet(ip netip.Addr) bool {
	for _, p := range s.cfg.Addresses {
		if p.Masked().Contains(ip) {
			return true
		}
	}
	return false
}

func (s *ifState) isOwn(ip netip.Addr) bool {
	_, ok := s.ownMAC(ip)
	return ok
}

// ownMAC returns the MAC the SVI answers for ip with: its own for its
// addresses, the virtual MAC for an owned virtual address.
func (s *ifState) ownMAC(ip netip.Addr) (packet.MAC, bool) {
	for _, p := range s.cfg.Addresses {
		if p.Addr() == ip {
			return s.cfg.MAC, true
		}
	}
	for _, v := range s.cfg.Virtual {
		if v.IP == ip {
			return v.MAC, true
		}
	}
	return packet.MAC{}, false
}

// mustOwnMAC is ownMAC for an address known to be the SVI's.
func (s *ifState) mustOwnMAC(ip netip.Addr) packet.MAC {
	m, _ := s.ownMAC(ip)
	return m
}

// pending holds copies of the packets waiting for one address.
type pending struct {
	pkts     [][]byte
	released bool // taken by a resolution, not dropped, when removed
}

// Table is the ARP table of all SVIs. All methods are safe for concurrent
// use; time is always passed in (clock nanoseconds), never read.
type Table struct {
	mu      sync.RWMutex
	cfg     Config
	ifs     map[IfID]*ifState
	entries map[netip.Addr]*entry
	queue   *lru.Cache[netip.Addr, *pending]
	stats   Stats
	handler func(Event)
	events  []Event // raised under mu, delivered after unlocking
}

// New returns an empty table.
func New(cfg Config) *Table {
	cfg.fill()
	t := &Table{cfg: cfg, ifs: map[IfID]*ifState{}, entries: map[netip.Addr]*entry{}}
	q, err := lru.NewWithEvict(cfg.QueueAddresses, func(_ netip.Addr, p *pending) {
		// Called under t.mu (from Add/Remove/Purge).
		if !p.released {
			t.stats.QueueDrops += uint64(len(p.pkts))
		}
	})
	if err != nil {
		panic(fmt.Sprintf("arp: queue size %d: %v", cfg.QueueAddresses, err)) // fill() made it > 0
	}
	t.queue = q
	return t
}

// SetHandler installs the function called with every Event. It is called
// synchronously after the operation, outside the table lock, so it may call
// back into the table.
func (t *Table) SetHandler(h func(Event)) {
	t.mu.Lock()
	t.handler = h
	t.mu.Unlock()
}

// unlock releases mu and delivers the events raised meanwhile.
func (t *Table) unlock() {
	ev, h := t.events, t.handler
	t.events = nil
	t.mu.Unlock()
	if h != nil {
		for _, e := range ev {
			h(e)
		}
	}
}

func (t *Table) raise(kind EventKind, e *entry, old packet.MAC) {
	t.events = append(t.events, Event{Kind: kind, If: e.If, IfName: e.IfName, IP: e.IP, MAC: e.MAC, OldMAC: old, Type: e.Type})
}

// SetInterface adds or reconfigures an SVI. Its addresses become interface
// entries; dynamic entries that are no longer in one of its subnets are
// removed; static entries are re-attached to the interface whose subnet
// holds them.
func (t *Table) SetInterface(id IfID, cfg IfConfig, now int64) error {
	if cfg.Timeout < 0 || cfg.Timeout > MaxTimeoutSeconds*time.Second {
		return fmt.Errorf("interface %s: %w", cfg.Name, ErrBadTimeout)
	}
	for _, p := range cfg.Addresses {
		if !p.IsValid() || !p.Addr().Is4() {
			return fmt.Errorf("interface %s address %v: %w", cfg.Name, p, ErrBadAddress)
		}
	}
	for _, v := range cfg.Virtual {
		if !v.IP.Is4() {
			return fmt.Errorf("interface %s virtual address %v: %w", cfg.Name, v.IP, ErrBadAddress)
		}
	}
	cfg.Addresses = slices.Clone(cfg.Addresses)
	cfg.Virtual = slices.Clone(cfg.Virtual)
	t.mu.Lock()
	defer t.unlock()
	st := &ifState{cfg: cfg}
	t.ifs[id] = st
	for ip, e := range t.entries {
		if e.If != id {
			continue
		}
		switch {
		case e.Type == Interface && !st.isOwn(ip):
			t.removeLocked(e, EventRemoved)
		case (e.Type == Dynamic || e.Type == Incomplete) && !st.inSubnet(ip):
			t.removeLocked(e, EventRemoved)
		case e.Type == Interface && e.MAC != st.mustOwnMAC(ip):
			old := e.MAC
			e.MAC = st.mustOwnMAC(ip)
			t.raise(EventUpdated, e, old)
		default:
			e.IfName = cfg.Name
		}
	}
	own := make([]netip.Addr, 0, len(cfg.Addresses)+len(cfg.Virtual))
	for _, p := range cfg.Addresses {
		own = append(own, p.Addr())
	}
	for _, v := range cfg.Virtual {
		own = append(own, v.IP)
	}
	for _, ip := range own {
		if e, ok := t.entries[ip]; ok && e.Type == Interface && e.If == id {
			continue
		}
		if e, ok := t.entries[ip]; ok {
			t.removeLocked(e, EventRemoved)
		}
		e := &entry{Entry: Entry{IP: ip, MAC: st.mustOwnMAC(ip), If: id, IfName: cfg.Name, Type: Interface, Created: now, Updated: now}}
		t.entries[ip] = e
		t.raise(EventAdded, e, packet.MAC{})
	}
	t.rehomeStatics()
	return nil
}

// RemoveInterface deletes an SVI and every dynamic, incomplete and interface
// entry on it; static entries stay (without interface until another SVI
// covers them).
func (t *Table) RemoveInterface(id IfID) {
	t.mu.Lock()
	defer t.unlock()
	delete(t.ifs, id)
	for _, e := range t.entries {
		if e.If == id && e.Type != Static {
			t.removeLocked(e, EventRemoved)
		}
	}
	t.rehomeStatics()
}

// rehomeStatics attaches every static entry to the SVI whose subnet holds it.
func (t *Table) rehomeStatics() {
	for _, e := range t.entries {
		if e.Type != Static {
			continue
		}
		id, name := t.ifFor(e.IP)
		if id != e.If || name != e.IfName {
			e.If, e.IfName = id, name
			t.raise(EventUpdated, e, e.MAC)
		}
	}
}

// ifFor finds the SVI whose subnet contains ip (lowest IfID on overlap, so
// the answer does not depend on map order).
func (t *Table) ifFor(ip netip.Addr) (IfID, string) {
	var best IfID
	name, found := "", false
	for id, s := range t.ifs {
		if s.inSubnet(ip) && (!found || id < best) {
			best, name, found = id, s.cfg.Name, true
		}
	}
	return best, name
}

func (t *Table) isOwnAnywhere(ip netip.Addr) bool {
	for _, s := range t.ifs {
		if s.isOwn(ip) {
			return true
		}
	}
	return false
}

// AddStatic installs `arp IP MAC arpa`. Unlike learning, a static entry may
// map a unicast IP to a multicast MAC (Microsoft NLB multicast mode).
func (t *Table) AddStatic(ip netip.Addr, mac packet.MAC, now int64) error {
	if !ip.Is4() || ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return fmt.Errorf("arp %v %v: %w", ip, mac, ErrBadAddress)
	}
	if mac.IsZero() || mac.IsBroadcast() {
		return fmt.Errorf("arp %v %v: %w", ip, mac, ErrBadMAC)
	}
	t.mu.Lock()
	defer t.unlock()
	if t.isOwnAnywhere(ip) {
		return fmt.Errorf("arp %v %v: %w", ip, mac, ErrOwnAddress)
	}
	id, name := t.ifFor(ip)
	old, had := t.entries[ip]
	e := &entry{Entry: Entry{IP: ip, MAC: mac, If: id, IfName: name, Type: Static, Created: now, Updated: now}}
	t.entries[ip] = e
	switch {
	case had && old.Type == Incomplete:
		t.raise(EventAdded, e, packet.MAC{})
		t.release(ip)
	case had && (old.MAC != mac || old.If != id):
		t.raise(EventUpdated, e, old.MAC)
	case !had:
		t.raise(EventAdded, e, packet.MAC{})
		t.release(ip)
	}
	return nil
}

// RemoveStatic deletes a static entry (`no arp IP`).
func (t *Table) RemoveStatic(ip netip.Addr) error {
	t.mu.Lock()
	defer t.unlock()
	e, ok := t.entries[ip]
	if !ok || e.Type != Static {
		return fmt.Errorf("no arp %v: %w", ip, ErrNoSuchStatic)
	}
	t.removeLocked(e, EventRemoved)
	return nil
}

// removeLocked deletes e and raises kind; queued packets for it are dropped.
func (t *Table) removeLocked(e *entry, kind EventKind) {
	delete(t.entries, e.IP)
	t.queue.Remove(e.IP)
	t.raise(kind, e, packet.MAC{})
}

// release takes the queued packets of ip out of the queue (resolved).
func (t *Table) release(ip netip.Addr) [][]byte {
	p, ok := t.queue.Peek(ip)
	if !ok {
		return nil
	}
	p.released = true
	t.queue.Remove(ip)
	return p.pkts
}

// Lookup returns the entry for ip. Incomplete entries are returned with
// Type Incomplete; callers forwarding a packet want Resolve.
func (t *Table) Lookup(ip netip.Addr) (Entry, bool) {
	t.mu.RLock()
	e, ok := t.entries[ip]
	var out Entry
	if ok {
		out = e.Entry
	}
	t.mu.RUnlock()
	return out, ok
}

// Stats returns a copy of the counters.
func (t *Table) Stats() Stats {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.stats
}

// Len returns the number of entries of every type.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.entries)
}
