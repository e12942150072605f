package lacp

import "time"

// Send is one LACPDU a Group wants transmitted.
type Send struct {
	Port int // index of the port in the Group's list
	PDU  PDU
}

// Group is one channel-group's ports: the selection logic runs across
// them, as the ports of one key share one aggregator.
type Group struct {
	Ports []*Port
}

// Tick advances every port's machines to now and returns the LACPDUs to
// send. The runner calls it a few times a second and after every received
// PDU.
func (g *Group) Tick(now time.Duration) []Send {
	for _, p := range g.Ports {
		p.tickRx(now)
	}
	g.selectPorts()
	var out []Send
	for i, p := range g.Ports {
		p.tickMux(now)
		if pdu, ok := p.tickTx(now); ok {
			out = append(out, Send{Port: i, PDU: pdu})
		}
	}
	return out
}

// MaxBundled is how many links IOS bundles at most; the others wait in
// hot standby.
const MaxBundled = 8

// selectPorts is the selection logic (802.1AX 6.4.14): the aggregator takes
// the partner of the best port (lowest port priority, then port number)
// that has an aggregatable partner; ports with that same partner system
// and key are selected, up to MaxBundled of them in that order, and the
// others (a different partner, none, an individual one) are not.
func (g *Group) selectPorts() {
	var best *Port
	for _, p := range g.Ports {
		if p.aggregatable() && (best == nil || less(p, best)) {
			best = p
		}
	}
	n := 0
	for _, p := range g.Ports {
		p.sel = false
	}
	if best == nil {
		return
	}
	for n < MaxBundled {
		var next *Port
		for _, p := range g.Ports {
			if !p.sel && p.aggregatable() && samePartner(p.part, best.part) && (next == nil || less(p, next)) {
				next = p
			}
		}
		if next == nil {
			break
		}
		next.sel = true
		n++
	}
}

func less(a, b *Port) bool {
	if a.cfg.PortPriority != b.cfg.PortPriority {
		return a.cfg.PortPriority < b.cfg.PortPriority
	}
	return a.cfg.Port < b.cfg.Port
}

func samePartner(a, b Info) bool {
	return a.System == b.System && a.SystemPriority == b.SystemPriority && a.Key == b.Key
}

// Standby reports whether p has a partner of the aggregation but was left
// out of it by MaxBundled (IOS flag H).
func (g *Group) Standby(p *Port) bool {
	return !p.sel && p.aggregatable() && g.partnerOf() != nil && samePartner(p.part, *g.partnerOf())
}

// partnerOf returns the partner the aggregator is bound to, if any.
func (g *Group) partnerOf() *Info {
	for _, p := range g.Ports {
		if p.sel {
			return &p.part
		}
	}
	return nil
}
