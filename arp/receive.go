package arp

import "github.com/l2sw/l2sw/packet"

// Receive decides what to do with a received ARP frame and applies it to the
// table. The rules follow IOS:
//
//   - A request for one of our addresses is answered and its sender learned
//     (created, refreshed, or moved to the new MAC).
//   - A reply is accepted only when its target IP is ours (or it is a
//     gratuitous reply, sender IP == target IP); it is learned like a request.
//   - A request for another host never creates an entry (else every
//     broadcast on a big VLAN would fill the table), but refreshes or
//     updates an existing dynamic entry of its sender: the frame is fresh
//     proof of where that IP lives. With proxy ARP on and a route elsewhere
//     (Config.ProxyResolver), we answer with our own MAC.
//   - A sender outside every subnet of the SVI is filtered ("wrong cable").
//   - Gratuitous ARP (announcement, gratuitous reply) never creates an entry
//     (IOS installs entries from gratuitous ARP only with
//     `ip arp gratuitous local`, which l2sw does not model); it refreshes an
//     existing entry with the same MAC, and moves one to a new MAC only with
//     `ip arp gratuitous update` on. With it off the entry keeps the old MAC
//     (and is not refreshed) until it ages out: the failover outage of §4.
//   - A probe (sender 0.0.0.0) is never learned; a probe for our address is
//     answered, which is how the prober learns the address is taken.
//   - A multicast or zero sender MAC is never installed dynamically.
//   - Static and interface entries are never changed by ARP.
func (t *Table) Receive(p Packet, now int64) Decision {
	t.mu.Lock()
	defer t.unlock()
	var d Decision
	switch p.Op {
	case OpRequest:
		t.stats.RequestsRx++
	case OpReply:
		t.stats.RepliesRx++
	default:
		return t.filter(d, ReasonBadOp, p, "")
	}
	st, ok := t.ifs[p.If]
	if !ok || len(st.cfg.Addresses) == 0 {
		return t.filter(d, ReasonUnknownInterface, p, "")
	}
	e := t.entries[p.SenderIP]
	d.Gratuitous = t.classify(p, e, now)
	if d.Gratuitous != NotGratuitous {
		t.stats.GratuitousRx[d.Gratuitous]++
	}
	targetOurs := st.isOwn(p.TargetIP)

	if d.Gratuitous == Probe {
		if p.Op == OpRequest && targetOurs {
			t.reply(&d, st.mustOwnMAC(p.TargetIP), false)
		}
		d.Reason = ReasonProbe
		return d
	}
	if p.SenderMAC.IsZero() {
		return t.filter(d, ReasonZeroSender, p, st.cfg.Name)
	}
	if p.SenderMAC.IsMulticast() {
		return t.filter(d, ReasonMulticastSender, p, st.cfg.Name)
	}
	if !p.SenderIP.Is4() || !st.inSubnet(p.SenderIP) {
		return t.filter(d, ReasonWrongCable, p, st.cfg.Name)
	}
	if st.isOwn(p.SenderIP) {
		if p.SenderMAC == st.mustOwnMAC(p.SenderIP) {
			return d // our own frame looped back
		}
		return t.filter(d, ReasonDuplicateAddress, p, st.cfg.Name)
	}
	if p.Op == OpReply && !targetOurs && p.SenderIP != p.TargetIP {
		return t.filter(d, ReasonReplyNotForUs, p, st.cfg.Name)
	}
	if p.Op == OpRequest && targetOurs {
		t.reply(&d, st.mustOwnMAC(p.TargetIP), false)
	}

	if e != nil && (e.Type == Static || e.Type == Interface) {
		d.Reason = ReasonConfigured
		return d
	}
	complete := e != nil && e.Type == Dynamic
	switch {
	case d.Gratuitous != NotGratuitous:
		switch {
		case !complete && e == nil:
			d.Reason = ReasonGratuitousNoEntry
		case !complete: // an address we are resolving: the answer we wanted
			d.Change = Created
		case e.MAC == p.SenderMAC:
			d.Change = Refreshed
		case st.cfg.GratuitousUpdate:
			d.Change = Updated
		default:
			d = t.filter(d, ReasonGratuitousRefused, p, st.cfg.Name)
		}
	case targetOurs: // request to us, or reply to us
		switch {
		case !complete:
			d.Change = Created
		case e.MAC == p.SenderMAC:
			d.Change = Refreshed
		default:
			d.Change = Updated
		}
	default: // request for another host
		d.Reason = ReasonNotForUs
		if complete {
			if e.MAC == p.SenderMAC {
				d.Change = Refreshed
			} else {
				d.Change = Updated
			}
		}
		if p.Op == OpRequest && st.cfg.ProxyARP && t.cfg.ProxyResolver != nil &&
			!st.inSubnet(p.TargetIP) && t.cfg.ProxyResolver(p.If, p.TargetIP) {
			t.reply(&d, st.cfg.MAC, true)
		}
	}
	t.apply(&d, e, st, p, now)
	return d
}

func (t *Table) reply(d *Decision, mac packet.MAC, proxy bool) {
	d.Reply, d.ReplyMAC, d.Proxy = true, mac, proxy
	t.stats.RepliesTx++
	if proxy {
		t.stats.ProxyRepliesTx++
	}
}

// filter marks d as dropped for r, counts it and raises EventFiltered.
func (t *Table) filter(d Decision, r Reason, p Packet, ifName string) Decision {
	d.Filtered, d.Reason = true, r
	t.stats.Filtered[r]++
	t.events = append(t.events, Event{Kind: EventFiltered, If: p.If, IfName: ifName, IP: p.SenderIP,
		MAC: p.SenderMAC, Reason: r, Op: p.Op, TargetIP: p.TargetIP, TargetMAC: p.TargetMAC})
	return d
}

// classify sorts a frame into the gratuitous shapes. A reply counts as
// solicited when we asked for its sender within SolicitWindow (incomplete
// entry, refresh or clear).
func (t *Table) classify(p Packet, e *entry, now int64) Gratuitous {
	switch {
	case p.SenderIP.IsUnspecified():
		return Probe
	case p.Op == OpRequest && p.SenderIP == p.TargetIP:
		return Announcement
	case p.Op == OpReply && p.SenderIP == p.TargetIP:
		return GratuitousReply
	case p.Op == OpReply:
		if e != nil && e.lastReq != 0 && now-e.lastReq <= int64(t.cfg.SolicitWindow) {
			return NotGratuitous
		}
		return GratuitousReply
	}
	return NotGratuitous
}

func (t *Table) apply(d *Decision, e *entry, st *ifState, p Packet, now int64) {
	switch d.Change {
	case Created:
		if e == nil {
			e = &entry{Entry: Entry{IP: p.SenderIP, Created: now}}
			t.entries[p.SenderIP] = e
		}
		e.MAC, e.If, e.IfName, e.Type, e.Updated = p.SenderMAC, p.If, st.cfg.Name, Dynamic, now
		e.tries, e.holdUntil = 0, 0
		t.raise(EventAdded, e, packet.MAC{})
		d.Released = t.release(p.SenderIP)
	case Refreshed:
		e.Updated, e.tries = now, 0
	case Updated:
		old := e.MAC
		e.MAC, e.If, e.IfName, e.Updated, e.tries = p.SenderMAC, p.If, st.cfg.Name, now, 0
		t.raise(EventUpdated, e, old)
	}
}
