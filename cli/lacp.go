package cli

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/lacp"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// The LACP runner binds the members' state machines (package lacp) to the
// switch: LACPDUs heard on any port come through the control plane, the
// machines run every lacpTick and after each PDU, their PDUs go out with
// SendFrame on each member, and what they bundle is handed to the switch
// with SetBundled, with the IOS %EC messages.

// lacpTick is how often the machines run: well under the 1 s fast
// periodic time, so that the timers are kept to a tenth of a second.
const lacpTick = 100 * time.Millisecond

// lacpFrame is a received LACPDU and its port.
type lacpFrame struct {
	port  cam.PortID
	frame []byte
}

// lacpEpoch is the start of the runner's clock; the machines' time is the
// monotonic time since it.
var lacpEpoch = time.Now()

// lacpNow is the machines' clock.
func (d *Device) lacpNow() time.Duration {
	d.ec.mu.Lock()
	defer d.ec.mu.Unlock()
	return d.ec.clock()
}

// RunLACP runs the LACP machines of the EtherChannel members until ctx is
// done; the daemon runs it. It takes every LACPDU (0180.c200.0002) the
// switch receives, as a Catalyst does: slow-protocol frames are never
// forwarded.
func (d *Device) RunLACP(ctx context.Context) {
	rx := make(chan lacpFrame, 256)
	cancel, err := d.sw.ListenControl(packet.MAC(lacp.DstMAC), dataplane.ControlConsume, func(f dataplane.ControlFrame) {
		select {
		case rx <- lacpFrame{port: f.Port, frame: bytes.Clone(f.Frame)}:
		default: // the runner is behind: LACP resends
		}
	})
	if err != nil {
		d.sw.Log().Log("EC", syslog.Error, "LACP", "LACP not started: %v", err)
		return
	}
	defer cancel()
	t := time.NewTicker(lacpTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-rx:
			d.lacpReceive(d.lacpNow(), f)
			d.lacpStep(d.lacpNow())
		case <-t.C:
			// After a stall, the PDUs that waited are heard before the
			// timers run: a late runner must not time out a partner
			// that kept speaking.
			for drained := false; !drained; {
				select {
				case f := <-rx:
					d.lacpReceive(d.lacpNow(), f)
				default:
					drained = true
				}
			}
			d.lacpStep(d.lacpNow())
		}
	}
}

// lacpReceive hands a received frame to its member's machines.
func (d *Device) lacpReceive(now time.Duration, f lacpFrame) {
	e := d.ec
	e.mu.Lock()
	defer e.mu.Unlock()
	var name string
	var m *ecMember
	for n, mm := range e.members {
		if mm.group != 0 && mm.id == f.port && mm.lp != nil {
			name, m = n, mm
		}
	}
	if len(f.frame) > 14 && f.frame[14] == lacp.SubtypeMarker {
		if name != "" {
			e.marker[name]++
		}
		return
	}
	pdu, err := lacp.Parse(f.frame)
	if err != nil {
		if name != "" {
			e.rxErr[name]++
		}
		return
	}
	if m != nil {
		m.lp.Receive(now, pdu)
	}
}

// lacpSend is a PDU to transmit.
type lacpSend struct {
	port  cam.PortID
	frame []byte
}

// bundleChange is a member whose bundled state the switch must learn.
type bundleChange struct {
	name, po string
	bundled  bool
	noLACP   bool // suspended: its partner speaks no LACP
}

// lacpStep runs every member's machines to now, then sends their PDUs and
// applies what changed.
func (d *Device) lacpStep(now time.Duration) {
	ports := d.sw.Ports()
	index := map[string]int{}
	for i, p := range ports {
		index[p] = i
	}
	e := d.ec
	e.mu.Lock()
	status := map[string]dataplane.PortStatus{}
	for name, m := range e.members {
		if m.group == 0 {
			continue
		}
		st, err := d.sw.Status(name)
		if err != nil {
			continue
		}
		status[name] = st
		m.id = st.ID
	}
	sys := lacp.System{Priority: e.systemPriority(), MAC: d.sw.BaseMAC()}
	groups := map[int][]string{}
	for name, m := range e.members {
		if _, ok := status[name]; ok && m.group != 0 {
			groups[m.group] = append(groups[m.group], name)
		}
	}
	var sends []lacpSend
	var changes []bundleChange
	for g, names := range groups {
		slices.SortFunc(names, func(a, b string) int {
			if ifname.Less(a, b) {
				return -1
			}
			return 1
		})
		var grp lacp.Group
		var lnames []string
		for _, name := range names {
			m, st := e.members[name], status[name]
			want := st.Up
			if m.mode.lacp() {
				cfg := lacp.PortConfig{Port: 0x101 + uint16(st.ID), PortPriority: m.portPriority(), Key: uint16(g), Active: m.mode == modeActive, Fast: m.fast}
				if m.lp == nil {
					m.lp = lacp.NewPort(sys, cfg)
				}
				m.lp.Reconfigure(sys, cfg)
				m.lp.SetLink(now, st.Up)
				grp.Ports = append(grp.Ports, m.lp)
				lnames = append(lnames, name)
				continue
			}
			m.lp = nil
			if want != m.bundled {
				changes = append(changes, d.ec.changeLocked(name, m, want, d.opts.Now()))
			}
		}
		for _, s := range grp.Tick(now) {
			name := lnames[s.Port]
			src := d.portMAC(index[name])
			sends = append(sends, lacpSend{port: status[name].ID, frame: s.PDU.Append(nil, src)})
		}
		for i, p := range grp.Ports {
			name := lnames[i]
			m := e.members[name]
			if want := p.Bundled(); want != m.bundled {
				changes = append(changes, d.ec.changeLocked(name, m, want, d.opts.Now()))
			}
			// A link up whose partner never spoke LACP (or stopped):
			// suspended, said once, as IOS does.
			silent := p.Up() && p.Rx() == lacp.RxDefaulted
			if silent && !m.noLACP {
				changes = append(changes, bundleChange{name: name, bundled: false, noLACP: true})
			}
			m.noLACP = silent
		}
	}
	e.mu.Unlock()
	for _, s := range sends {
		_ = d.sw.SendFrame(s.port, s.frame) // a member that just went down: the machines notice
	}
	for _, c := range changes {
		if c.noLACP {
			d.sw.Log().Log("EC", syslog.Notice, "L3DONTBNDL2", "%s suspended: LACP currently not enabled on the remote port.", ifname.Short(c.name))
			continue
		}
		if err := d.sw.SetBundled(c.name, c.bundled); err != nil {
			continue
		}
		if c.bundled {
			d.sw.Log().Log("EC", syslog.Notice, "BUNDLED", "Interface %s joined port-channel %s", ifname.Short(c.name), ifname.Short(c.po))
		} else {
			d.sw.Log().Log("EC", syslog.Notice, "UNBUNDLED", "Interface %s left the port-channel %s", ifname.Short(c.name), ifname.Short(c.po))
		}
	}
}

// changeLocked records a member's new bundled state; e.mu is held.
func (e *ecState) changeLocked(name string, m *ecMember, bundled bool, at time.Time) bundleChange {
	m.bundled, m.since = bundled, at
	if bundled {
		e.last[m.group] = lastBundled{port: name, at: at}
	}
	return bundleChange{name: name, po: dataplane.PortChannelName(m.group), bundled: bundled}
}

// standbyLocked reports whether m waits in hot standby: its partner is
// the aggregation's but eight links are bundled already.
func (e *ecState) standbyLocked(m *ecMember) bool {
	var g lacp.Group
	for _, o := range e.members {
		if o.group == m.group && o.lp != nil {
			g.Ports = append(g.Ports, o.lp)
		}
	}
	return g.Standby(m.lp)
}
