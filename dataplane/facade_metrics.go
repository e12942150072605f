package dataplane

import "github.com/l2sw/l2sw/cef"

// This file is the read-only side of the switch API that an exporter (the
// metrics package) reads at scrape time. Every method here reads what the
// switch already keeps — atomics the workers publish once per batch, table
// lengths, channel lengths — so a scrape adds nothing to the per-frame path.

// PortTotals is one port's state and counters as an exporter reads them.
type PortTotals struct {
	Name   string
	LinkUp bool // the backend is alive
	Up     bool // forwarding: link up and not shut down
	// Counters count since the switch started; `clear counters` does not
	// reset them, as it does not reset the IF-MIB counters on IOS, so a
	// time series never jumps back because an operator cleared the CLI
	// view. A port number reused after RemovePort carries on from the
	// previous port's totals.
	Counters PortCounters
}

// PortTotals returns every port's state and counters, in IOS interface
// order, under one lock so the ports are read together.
func (sw *Switch) PortTotals() []PortTotals {
	names := sw.Ports()
	out := make([]PortTotals, 0, len(names))
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for _, n := range names {
		id, ok := sw.byName[n]
		if !ok {
			continue // removed between Ports and the lock
		}
		p := sw.ports[id]
		out = append(out, PortTotals{Name: p.name, LinkUp: p.linkUp, Up: p.linkUp && !p.settings.Shutdown,
			Counters: sw.rawCountersLocked(id)})
	}
	return out
}

// MACCapacity is the most entries the MAC address table holds.
func (sw *Switch) MACCapacity() int { return sw.cam.Capacity() }

// ARPCount is the number of ARP entries of every type (incomplete ones
// included).
func (sw *Switch) ARPCount() int { return sw.l3.arp.Len() }

// FIBCount is the number of installed FIB entries.
func (sw *Switch) FIBCount() int { return sw.l3.fib.Len() }

// FIBCapacity is the most FIB entries the forwarding table can address.
func (sw *Switch) FIBCapacity() int { return cef.MaxEntries }

// PuntQueueLen is how many punted frames wait for the control plane now;
// PuntQueueDepth is its capacity.
func (sw *Switch) PuntQueueLen() int { return len(sw.l3.punt.q) }
