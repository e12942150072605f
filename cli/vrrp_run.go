package cli

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
	"github.com/l2sw/l2sw/vrrp"
)

// This file binds the VRRP state machines (package vrrp) to the switch:
// one goroutine hears the adverts sent to 224.0.0.18 through a control
// listener (a copy: the adverts are still flooded in their VLAN, byte for
// byte), runs the groups' timers, sends their adverts and gratuitous ARPs
// into their VLAN, hands the virtual addresses of the groups it is master
// of to the switch, and logs %VRRP-6-STATECHANGE.

// vrrpTick is the timer resolution of the runner: well under the skew
// time of any priority (1/256 s per step of priority in VRRPv2, scaled by
// the interval in VRRPv3) is not needed, 20 ms keeps 254 priorities apart
// at the default interval within a few ticks.
const vrrpTick = 20 * time.Millisecond

// vrrpReconcile is how often the runner rereads the SVIs (addresses,
// line protocol) when the configuration did not change.
const vrrpReconcile = 250 * time.Millisecond

// vrrpQueue bounds the adverts waiting for the runner.
const vrrpQueue = 256

// vrrpRx is one advert frame handed to the runner.
type vrrpRx struct {
	vlan  uint16
	frame []byte
}

// vrrpWork is what a step asks the runner to do once the lock is released.
type vrrpWork struct {
	frames   []vrrpFrame
	logs     []vrrpLog
	gateways []dataplane.VirtualGateway
	gwChange bool
}

// vrrpLog is one %VRRP-6 line.
type vrrpLog struct{ mnemonic, text string }

type vrrpFrame struct {
	vlan  uint16
	frame []byte
}

// RunVRRP runs the VRRP groups until ctx is done; then every master
// resigns (a priority-0 advert, as IOS sends when a group is removed) and
// the virtual addresses are given back.
func (d *Device) RunVRRP(ctx context.Context) error {
	rx := make(chan vrrpRx, vrrpQueue)
	handler := func(f dataplane.ControlFrame) {
		select {
		case rx <- vrrpRx{vlan: f.VLAN, frame: slices.Clone(f.Frame)}:
		default:
			d.vrrp.rxQueueFull.Add(1)
		}
	}
	// The listener is there only while some group is configured: without
	// one, adverts in transit are not copied to the control plane at all.
	var cancel func()
	defer func() {
		if cancel != nil {
			cancel()
		}
	}()
	listen := func() error {
		want := d.vrrpConfigured()
		switch {
		case want && cancel == nil:
			c, err := d.sw.ListenControl(packet.MAC(vrrp.GroupMAC), dataplane.ControlCopy, handler)
			if err != nil {
				return fmt.Errorf("vrrp: %w", err)
			}
			cancel = c
		case !want && cancel != nil:
			cancel()
			cancel = nil
		}
		return nil
	}
	if err := listen(); err != nil {
		return err
	}
	t := time.NewTicker(vrrpTick)
	defer t.Stop()
	var lastReconcile time.Time
	for {
		select {
		case <-ctx.Done():
			d.vrrpDo(d.vrrpStop(d.opts.Now()))
			return nil
		case f := <-rx:
			d.vrrpDo(d.vrrpReceive(d.opts.Now(), f.vlan, f.frame))
		case <-t.C:
			now := d.opts.Now()
			full := now.Sub(lastReconcile) >= vrrpReconcile
			if full {
				lastReconcile = now
				if err := listen(); err != nil {
					return err
				}
			}
			d.vrrpDo(d.vrrpStep(now, full))
		}
	}
}

// vrrpConfigured reports whether any group is configured or still has to
// resign.
func (d *Device) vrrpConfigured() bool {
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.groups) > 0 || len(s.removed) > 0
}

// vrrpDo carries out a step's work: frames, log lines, virtual gateways.
func (d *Device) vrrpDo(w vrrpWork) {
	for _, m := range w.logs {
		d.sw.Log().Log("VRRP", syslog.Informational, m.mnemonic, "%s", m.text)
	}
	if w.gwChange {
		// Before the frames: the new master owns the address when its
		// gratuitous ARP makes the hosts send to the virtual MAC.
		if err := d.sw.SetVirtualGateways("vrrp", w.gateways); err != nil {
			d.sw.Log().LogLimited("vrrp-gw", time.Minute, "VRRP", syslog.Error, "ERROR", "virtual gateways not installed: %v", err)
		}
	}
	for _, f := range w.frames {
		_ = d.sw.SendVLANFrame(f.vlan, f.frame) // a VLAN without forwarding ports drops it, as a switch would
	}
}

// vrrpWant is the state machine configuration of group k, and whether the
// group can run: it needs a virtual address and an SVI that is up with an
// address of its own. When it cannot, up says whether the SVI can still
// send (a master losing its virtual address resigns with an advert; one
// whose SVI went down cannot).
func (d *Device) vrrpWant(k vrrpKey, c vrrpGroupConfig, v3 bool) (w vrrp.Config, ok, up bool) {
	st, err := d.sw.SVIStatus(k.vlan)
	if err != nil || st.Shutdown || !st.ProtocolUp || len(st.Addresses) == 0 {
		return vrrp.Config{}, false, false
	}
	if !c.ip.IsValid() {
		return vrrp.Config{}, false, true
	}
	w = vrrp.Config{Version: 2, VRID: k.vrid, Priority: uint8(c.prio()), Preempt: !c.noPreempt,
		PreemptDelay: time.Duration(c.preemptDelay) * time.Second, Interval: c.adv(), Learn: c.learn,
		Addrs: append([]netip.Addr{c.ip}, c.secondaries...), Primary: st.Addresses[0].Addr(), AuthText: c.authText}
	if v3 {
		w.Version, w.AuthText = 3, ""
	}
	for _, p := range st.Addresses {
		if p.Addr() == c.ip {
			w.Priority = vrrp.PriorityOwner // the address owner (RFC 3768 §3)
		}
	}
	return w, true, true
}

func sameConfig(a, b vrrp.Config) bool {
	return a.Version == b.Version && a.VRID == b.VRID && a.Priority == b.Priority && a.Preempt == b.Preempt &&
		a.PreemptDelay == b.PreemptDelay && a.Interval == b.Interval && a.Learn == b.Learn &&
		slices.Equal(a.Addrs, b.Addrs) && a.Primary == b.Primary && a.AuthText == b.AuthText
}

// vrrpStep runs the timers of every group at now and, when full or after
// a configuration change, first brings each group in line with its
// configuration and its SVI.
func (d *Device) vrrpStep(now time.Time, full bool) vrrpWork {
	s := d.vrrp
	var w vrrpWork
	s.mu.Lock()
	reconcile := full || s.dirty
	s.dirty = false
	removed := s.removed
	s.removed = nil
	type item struct {
		k vrrpKey
		g *vrrpGroup
		c vrrpGroupConfig
	}
	var items []item
	for _, k := range s.keysLocked(0) {
		items = append(items, item{k, s.groups[k], s.groups[k].cfg})
	}
	v3 := s.v3
	s.mu.Unlock()

	// The SVIs are read without the speaker's lock (the switch takes its
	// own); the groups are then changed under it.
	wants := make([]vrrp.Config, len(items))
	ok, up := make([]bool, len(items)), make([]bool, len(items))
	if reconcile {
		for i, it := range items {
			wants[i], ok[i], up[i] = d.vrrpWant(it.k, it.c, v3)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range removed {
		if g.r != nil {
			d.vrrpApply(&w, vrrpKey{g.vlan, g.r.Config().VRID}, g, g.r.Shutdown(now))
		}
	}
	for i, it := range items {
		g := it.g
		if s.groups[it.k] != g {
			continue // removed meanwhile; resigned next step
		}
		if reconcile {
			d.vrrpReconcileGroup(&w, now, it.k, g, wants[i], ok[i], up[i])
		}
		if g.r != nil {
			d.vrrpApply(&w, it.k, g, g.r.Tick(now))
		}
	}
	if w.gwChange || len(removed) > 0 {
		w.gwChange = true
		w.gateways = s.gatewaysLocked()
	}
	return w
}

// vrrpReconcileGroup starts, restarts, updates or stops one group.
func (d *Device) vrrpReconcileGroup(w *vrrpWork, now time.Time, k vrrpKey, g *vrrpGroup, want vrrp.Config, ok, up bool) {
	running := g.r != nil
	if running {
		if st, _ := g.r.State(); st == vrrp.Init {
			running = false
		}
	}
	switch {
	case !ok:
		if running {
			o := g.r.Shutdown(now)
			o.Send = o.Send && up
			d.vrrpApply(w, k, g, o)
		}
	case !running || g.r.Config().Version != want.Version:
		if running {
			d.vrrpApply(w, k, g, g.r.Shutdown(now))
		}
		g.r = vrrp.New(want)
		d.vrrpApply(w, k, g, g.r.Start(now))
	case !sameConfig(g.r.Config(), want):
		d.vrrpApply(w, k, g, g.r.Update(now, want))
	}
}

// vrrpApply turns a state machine's output into work: the advert to send,
// the syslog line of a state change, gratuitous ARPs of a new master.
func (d *Device) vrrpApply(w *vrrpWork, k vrrpKey, g *vrrpGroup, o vrrp.Output) {
	c := g.r.Config()
	if o.Send {
		a := g.r.Advert(o.Stop)
		if f, err := vrrp.Frame(&a, c.Primary); err == nil {
			w.frames = append(w.frames, vrrpFrame{k.vlan, f})
		}
	}
	if !o.Changed {
		return
	}
	w.gwChange = true
	if c.Version == 3 {
		// The unified VRRP of IOS-XE words it its own way.
		w.logs = append(w.logs, vrrpLog{"STATE", fmt.Sprintf("%s IPv4 group %d state %s -> %s",
			ifname.SVI(k.vlan), k.vrid, v3State(o.From), v3State(o.To))})
	} else {
		w.logs = append(w.logs, vrrpLog{"STATECHANGE", fmt.Sprintf("%s Grp %d state %s -> %s",
			ifname.Short(ifname.SVI(k.vlan)), k.vrid, o.From, o.To)})
	}
	if o.To == vrrp.Master {
		vmac := packet.MAC(vrrp.VirtualMAC(k.vrid))
		for _, ip := range c.Addrs {
			f := make([]byte, packet.EthLen+packet.ARPLen)
			// An announcement (sender = target = the virtual address) from
			// the virtual MAC, broadcast: hosts and the upstream repoint
			// their entries at once.
			packet.PutARP(f, packet.BroadcastMAC, vmac, 1, vmac, ip.As4(), packet.MAC{}, ip.As4())
			w.frames = append(w.frames, vrrpFrame{k.vlan, f})
		}
	}
}

// gatewaysLocked lists the virtual addresses of the groups this switch is
// master of.
func (s *vrrpSpeaker) gatewaysLocked() []dataplane.VirtualGateway {
	var gws []dataplane.VirtualGateway
	for _, k := range s.keysLocked(0) {
		g := s.groups[k]
		if g.r == nil {
			continue
		}
		if st, _ := g.r.State(); st != vrrp.Master {
			continue
		}
		for _, ip := range g.r.Config().Addrs {
			gws = append(gws, dataplane.VirtualGateway{VLAN: k.vlan, IP: ip, MAC: packet.MAC(vrrp.VirtualMAC(k.vrid))})
		}
	}
	return gws
}

// vrrpReceive hands an advert received in vlan to its group.
func (d *Device) vrrpReceive(now time.Time, vlan uint16, frame []byte) vrrpWork {
	var w vrrpWork
	rx, err := vrrp.ParseFrame(frame)
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.rxInvalid++ // CARP shares protocol 112 and lands here too
		return w
	}
	k := vrrpKey{vlan: vlan, vrid: rx.VRID}
	g := s.groups[k]
	if g == nil || g.r == nil {
		s.rxNoGroup++
		return w
	}
	if rx.Src == g.r.Config().Primary {
		s.rxOwn++ // our own advert reflected back to us: never a peer
		return w
	}
	o := g.r.Receive(now, rx.Src, rx.TTL, &rx.Advert)
	d.vrrpApply(&w, k, g, o)
	if w.gwChange {
		w.gateways = s.gatewaysLocked()
	}
	return w
}

// vrrpStop resigns every group (the runner is stopping).
func (d *Device) vrrpStop(now time.Time) vrrpWork {
	var w vrrpWork
	s := d.vrrp
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.removed {
		if g.r != nil {
			d.vrrpApply(&w, vrrpKey{g.vlan, g.r.Config().VRID}, g, g.r.Shutdown(now))
		}
	}
	s.removed = nil
	for _, k := range s.keysLocked(0) {
		if g := s.groups[k]; g.r != nil {
			d.vrrpApply(&w, k, g, g.r.Shutdown(now))
		}
	}
	w.gwChange, w.gateways = true, nil
	return w
}
