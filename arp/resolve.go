package arp

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// ResolveResult tells the routed path what to do with a packet whose next
// hop is an address of a connected subnet.
type ResolveResult struct {
	// Resolved: MAC is the next hop's address; forward now.
	Resolved bool
	MAC      packet.MAC
	// Send: send Request now (rate-limited: at most one per address per
	// Config.RetryInterval).
	Send    bool
	Request Request
	// Queued: a copy of the packet waits for the answer and comes back in
	// Decision.Released. Otherwise (hold-down, nil packet, queue full for
	// this address) the packet is dropped and counted.
	Queued bool
	// HeldDown: the address did not answer MaxRetries requests; packets to
	// it are dropped without asking again until the hold-down ends.
	HeldDown bool
}

// Resolve is called by the routed path when it needs the MAC of ip on SVI
// in and CEF has no valid adjacency. An unknown address gets an incomplete
// entry and a request; pkt (may be nil) is copied into the bounded queue.
func (t *Table) Resolve(in IfID, ip netip.Addr, pkt []byte, now int64) ResolveResult {
	t.mu.Lock()
	defer t.unlock()
	var r ResolveResult
	e, ok := t.entries[ip]
	if ok && e.Type != Incomplete {
		r.Resolved, r.MAC = true, e.MAC
		return r
	}
	if !ok {
		st := t.ifs[in]
		name := ""
		if st != nil {
			name = st.cfg.Name
		}
		e = &entry{Entry: Entry{IP: ip, If: in, IfName: name, Type: Incomplete, Created: now, Updated: now}}
		t.entries[ip] = e
		t.raise(EventIncomplete, e, packet.MAC{})
	}
	if !t.retry(e, now, &r) {
		if pkt != nil {
			t.stats.QueueDrops++
		}
		return r
	}
	if pkt != nil {
		r.Queued = t.enqueue(ip, pkt)
	}
	return r
}

// retry advances the resolution of an incomplete entry: it sends a request
// when the rate limit allows, gives up after MaxRetries and holds the address
// down. It reports whether the address is still being resolved.
func (t *Table) retry(e *entry, now int64, r *ResolveResult) bool {
	if e.holdUntil != 0 {
		if now < e.holdUntil {
			r.HeldDown = true
			return false
		}
		e.holdUntil, e.tries, e.lastReq = 0, 0, 0 // hold-down over: start again
	}
	if e.tries > 0 && now-e.lastReq < int64(t.cfg.RetryInterval) {
		return true
	}
	if e.tries >= t.cfg.MaxRetries {
		e.holdUntil = now + int64(t.cfg.HoldDown)
		t.stats.ResolutionFailed++
		t.queue.Remove(e.IP) // the waiting packets are dropped and counted
		r.HeldDown = true
		return false
	}
	e.tries++
	e.lastReq = now
	t.stats.RequestsTx++
	r.Send = true
	r.Request = Request{If: e.If, IfName: e.IfName, IP: e.IP}
	return true
}

func (t *Table) enqueue(ip netip.Addr, pkt []byte) bool {
	p, ok := t.queue.Get(ip)
	if !ok {
		p = &pending{}
		t.queue.Add(ip, p)
	}
	if len(p.pkts) >= t.cfg.QueuePackets {
		// Keep the oldest packets, as a hardware glean queue does; the
		// newcomer is the one dropped.
		t.stats.QueueDrops++
		return false
	}
	p.pkts = append(p.pkts, slices.Clone(pkt))
	t.stats.QueuedPackets++
	return true
}

// DueForRefresh returns the requests the dataplane should send now:
// dynamic entries about to expire (within RefreshWindow of their timeout;
// IOS re-ARPs them with a unicast request to the known MAC, up to 4 times
// spaced RefreshWindow/4 apart) and incomplete entries whose next retry is
// due. Each returned request counts as sent. Sorted by IP.
func (t *Table) DueForRefresh(now int64) []Request {
	t.mu.Lock()
	defer t.unlock()
	var out []Request
	for _, e := range t.entries {
		switch e.Type {
		case Dynamic:
			st := t.ifs[e.If]
			if st == nil || st.cfg.Timeout == 0 {
				continue
			}
			expiry := e.Updated + int64(st.cfg.Timeout)
			window := min(int64(t.cfg.RefreshWindow), int64(st.cfg.Timeout))
			if now < expiry-window || now >= expiry {
				continue
			}
			if e.lastReq >= expiry-window && now-e.lastReq < window/4 {
				continue
			}
			e.lastReq = now
			t.stats.RequestsTx++
			out = append(out, Request{If: e.If, IfName: e.IfName, IP: e.IP, Unicast: e.MAC})
		case Incomplete:
			var r ResolveResult
			if t.retry(e, now, &r) && r.Send {
				out = append(out, r.Request)
			}
		}
	}
	slices.SortFunc(out, func(a, b Request) int { return a.IP.Compare(b.IP) })
	return out
}

// Age removes the dynamic entries whose interface timeout has passed (IOS
// `arp timeout`; 0 never ages) and incomplete entries that were not asked
// for during a whole hold-down. It raises EventAged for each and returns
// how many entries went.
func (t *Table) Age(now int64) int {
	t.mu.Lock()
	defer t.unlock()
	n := 0
	for _, e := range t.entries {
		switch e.Type {
		case Dynamic:
			st := t.ifs[e.If]
			if st == nil || st.cfg.Timeout == 0 || now < e.Updated+int64(st.cfg.Timeout) {
				continue
			}
		case Incomplete:
			if e.holdUntil != 0 && now < e.holdUntil {
				continue
			}
			if e.holdUntil == 0 && now-e.lastReq < int64(t.cfg.HoldDown) {
				continue
			}
		default:
			continue
		}
		t.removeLocked(e, EventAged)
		t.stats.EntriesAged++
		n++
	}
	return n
}

// Clear is `clear arp-cache` (all interfaces when all is true, else only
// interface in): dynamic entries are removed (EventRemoved) and, as IOS
// does, immediately re-ARPed: each becomes an incomplete entry
// (EventIncomplete) and a unicast request to its old MAC is returned, so
// a live host is back within a round trip. Static and interface entries
// stay.
func (t *Table) Clear(all bool, in IfID, now int64) []Request {
	t.mu.Lock()
	defer t.unlock()
	var out []Request
	for _, e := range t.entries {
		if e.Type != Dynamic || (!all && e.If != in) {
			continue
		}
		t.raise(EventRemoved, e, packet.MAC{})
		t.stats.EntriesCleared++
		old := e.MAC
		e.Type, e.MAC, e.Created, e.Updated = Incomplete, packet.MAC{}, now, now
		e.tries, e.lastReq, e.holdUntil = 1, now, 0
		t.stats.RequestsTx++
		t.raise(EventIncomplete, e, packet.MAC{})
		out = append(out, Request{If: e.If, IfName: e.IfName, IP: e.IP, Unicast: old})
	}
	slices.SortFunc(out, func(a, b Request) int { return a.IP.Compare(b.IP) })
	return out
}

// Filter selects entries for `show ip arp [IP|interface]`.
type Filter struct {
	IP    netip.Addr // valid: only this address
	If    IfID
	ByIf  bool // only entries on If
	Types []EntryType
}

// Entries returns copies of the selected entries sorted by IP address, the
// order of `show ip arp`.
func (t *Table) Entries(f Filter) []Entry {
	t.mu.RLock()
	out := make([]Entry, 0, len(t.entries))
	for _, e := range t.entries {
		if f.IP.IsValid() && e.IP != f.IP {
			continue
		}
		if f.ByIf && e.If != f.If {
			continue
		}
		if len(f.Types) > 0 && !slices.Contains(f.Types, e.Type) {
			continue
		}
		out = append(out, e.Entry)
	}
	t.mu.RUnlock()
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(a.IP.Compare(b.IP), cmp.Compare(a.If, b.If))
	})
	return out
}

// Timeout returns the ARP timeout of an interface (for `show interfaces`).
func (t *Table) Timeout(in IfID) (time.Duration, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	st, ok := t.ifs[in]
	if !ok {
		return 0, false
	}
	return st.cfg.Timeout, true
}
