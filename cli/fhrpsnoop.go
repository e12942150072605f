package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/fhrpsnoop"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/syslog"
)

// This file holds the FHRP snooper, an l2sw extension: the switch
// watches the HSRP, VRRP and CARP adverts it forwards (a copy of each,
// the frame itself forwarded unchanged) and the ones a port's `fault
// reflect` sends back, keeps the table of speakers (package fhrpsnoop),
// logs a reflected advert and a group with two actives, and shows it all
// in `show platform fhrp`.
//
// Snooping is always on, with no command to turn it off: its cost is one
// punt per advert (about one a second per speaker, bounded by the punt
// queue like every punt), it is what the table needs to have the history
// when a pair starts to flap, and the HSRP and VRRP speakers listen on
// the same destinations anyway.

// fhrpDestinations are the adverts' group MACs: 224.0.0.2 (HSRP v1),
// 224.0.0.102 (HSRP v2), 224.0.0.18 (VRRP, CARP).
var fhrpDestinations = []packet.MAC{
	{0x01, 0x00, 0x5e, 0x00, 0x00, 0x02},
	{0x01, 0x00, 0x5e, 0x00, 0x00, 0x66},
	{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12},
}

// fhrpReflectLogInterval limits the REFLECTED message per speaker and
// port; the counters count every reflection.
const fhrpReflectLogInterval = 10 * time.Second

// fhrpSnooper is the table and what the runner counts about it.
type fhrpSnooper struct {
	mu      sync.Mutex
	table   *fhrpsnoop.Table
	dropped uint64 // frames the runner's queue had no room for
}

func newFHRPSnooper() *fhrpSnooper { return &fhrpSnooper{table: fhrpsnoop.New()} }

// snoopedFrame is a frame handed from the control plane to the runner.
type snoopedFrame struct {
	port      cam.PortID
	vlan      uint16
	reflected bool
	frame     []byte
}

// RunFHRPSnoop snoops the adverts the switch forwards and reflects until
// ctx is done; the daemon runs it. A Device nobody runs it for shows an
// empty table.
func (d *Device) RunFHRPSnoop(ctx context.Context) {
	ch := make(chan snoopedFrame, 256)
	handler := func(f dataplane.ControlFrame) {
		sf := snoopedFrame{port: f.Port, vlan: f.VLAN, reflected: f.Reflected, frame: append([]byte(nil), f.Frame...)}
		select {
		case ch <- sf:
		default:
			d.fhrp.mu.Lock()
			d.fhrp.dropped++
			d.fhrp.mu.Unlock()
		}
	}
	for _, dst := range fhrpDestinations {
		cancel, err := d.sw.ListenControl(dst, dataplane.ControlCopy, handler)
		if err != nil {
			d.sw.Log().Log("FHRP", syslog.Error, "SNOOP", "Cannot snoop adverts to %s: %v", dst, err)
			continue
		}
		defer cancel()
		cancelR, err := d.sw.ListenReflected(dst, handler)
		if err != nil {
			d.sw.Log().Log("FHRP", syslog.Error, "SNOOP", "Cannot see reflected adverts to %s: %v", dst, err)
			continue
		}
		defer cancelR()
	}
	names := map[cam.PortID]string{}
	for {
		select {
		case f := <-ch:
			name, ok := names[f.port]
			if st, err := d.sw.Status(name); !ok || err != nil || st.ID != f.port {
				// New, or removed and its id given to another port.
				names = d.portNamesByID()
				if name, ok = names[f.port]; !ok {
					continue // a port removed meanwhile
				}
			}
			d.snoop(name, f)
		case <-ctx.Done():
			return
		}
	}
}

// portNamesByID maps the switch's port ids to their names.
func (d *Device) portNamesByID() map[cam.PortID]string {
	m := map[cam.PortID]string{}
	for _, n := range d.sw.Ports() {
		if st, err := d.sw.Status(n); err == nil {
			m[st.ID] = n
		}
	}
	return m
}

// snoop gives one frame to the table and logs what it finds.
func (d *Device) snoop(port string, f snoopedFrame) {
	now := time.Duration(d.sw.ClockNanos())
	s := d.fhrp
	s.mu.Lock()
	var evs []fhrpsnoop.Event
	if f.reflected {
		evs, _ = s.table.ObserveReflected(port, f.vlan, f.frame, now)
	} else {
		evs, _ = s.table.Observe(port, f.vlan, f.frame, now)
	}
	s.mu.Unlock()
	for _, e := range evs {
		d.logFHRPEvent(e)
	}
}

// fhrpProto is a speaker's protocol and version as the table shows it.
func fhrpProto(a fhrpsnoop.Advert) string {
	if a.Proto == fhrpsnoop.CARP {
		return "CARP"
	}
	return fmt.Sprintf("%sv%d", a.Proto, a.Version)
}

// fhrpActive is what a protocol calls the router that forwards.
func fhrpActive(p fhrpsnoop.Proto, n int) string {
	w := "master"
	if p == fhrpsnoop.HSRP {
		w = "active"
	}
	if n != 1 {
		w += "s"
	}
	return w
}

// logFHRPEvent writes the syslog line of a table event.
func (d *Device) logFHRPEvent(e fhrpsnoop.Event) {
	log := d.sw.Log()
	sp := e.Speaker
	who := fmt.Sprintf("%s group %d advert from %s (%s)", fhrpProto(sp.Advert), sp.Group, sp.Source, sp.Advert.SrcMAC)
	switch e.Kind {
	case fhrpsnoop.EventReflected:
		key := fmt.Sprintf("FHRP-REFLECTED %s %v", e.Port, sp.Key)
		if e.Back {
			log.LogLimited(key, fhrpReflectLogInterval, "FHRP", syslog.Warning, "REFLECTED",
				"%s in vlan %d reflected back to its sender on %s", who, sp.VLAN, e.Port)
		} else {
			log.LogLimited(key, fhrpReflectLogInterval, "FHRP", syslog.Warning, "REFLECTED",
				"%s in vlan %d, heard on %s, came back in on %s", who, sp.VLAN, sp.Port, e.Port)
		}
	case fhrpsnoop.EventMACInTurn:
		// In the words of the MAC table's own flap message.
		log.LogLimited("FHRP-VMAC_FLAP "+sp.Advert.SrcMAC.String(), fhrpReflectLogInterval, "FHRP", syslog.Warning, "VMAC_FLAP",
			"%s group %d virtual MAC %s in vlan %d is flapping between port %s and port %s",
			fhrpProto(sp.Advert), sp.Group, sp.Advert.SrcMAC, sp.VLAN, ifname.Short(e.From), ifname.Short(e.Port))
	case fhrpsnoop.EventDuplicateActive:
		parts := make([]string, len(e.Others))
		for i, o := range e.Others {
			parts[i] = fmt.Sprintf("%s on %s", o.Source, o.Port)
		}
		log.Log("FHRP", syslog.Warning, "DUPLICATE_ACTIVE", "%s group %d in vlan %d has %d %s: %s",
			fhrpProto(sp.Advert), sp.Group, sp.VLAN, len(e.Others), fhrpActive(sp.Proto, len(e.Others)), strings.Join(parts, ", "))
	}
}

// installFHRPSnoop adds `show platform fhrp` and `clear platform fhrp`.
func (d *Device) installFHRPSnoop() {
	help := map[string]string{
		"platform": "Show platform information",
		"fhrp":     "First-hop redundancy speakers seen in transit (l2sw extension)",
		"clear":    "Reset functions",
	}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "show platform fhrp", Level: engine.LevelUser, Help: help,
			Run: out(func(_ *engine.Ctx, _ engine.Args) (string, error) { return d.showPlatformFHRP(), nil })},
		engine.Command{Syntax: "clear platform fhrp", Help: help,
			Run: func(_ *engine.Ctx, _ engine.Args) error {
				d.fhrp.mu.Lock()
				d.fhrp.table.Clear()
				d.fhrp.dropped = 0
				d.fhrp.mu.Unlock()
				return nil
			}},
	))
}

// fhrpAge renders a time since as hh:mm:ss.
func fhrpAge(d time.Duration) string {
	s := int64(max(d, 0) / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// showPlatformFHRP is `show platform fhrp`: one row per speaker, then the
// reflecting ports and the groups with two actives or masters.
func (d *Device) showPlatformFHRP() string {
	now := time.Duration(d.sw.ClockNanos())
	s := d.fhrp
	s.mu.Lock()
	rows := s.table.Speakers(now)
	refl := s.table.Reflections()
	dups := s.table.Duplicates(now)
	st := s.table.Stats()
	dropped := s.dropped
	s.mu.Unlock()

	var b strings.Builder
	fmt.Fprintf(&b, "FHRP speakers seen in transit: %d\n", len(rows))
	fmt.Fprintf(&b, "Adverts %d, reflected %d, source MACs on two ports in turn %d, malformed %d, not snooped (queue full) %d\n\n",
		st.Adverts, st.Reflected, st.MACInTurn, st.Malformed, dropped)
	b.WriteString("Protocol Grp  Virtual IP      Virtual MAC    State    Pri Interface  Vlan Adv/s Last seen Source          Refl\n")
	for _, r := range rows {
		a := r.Advert
		vip := "unknown"
		if a.VIP.IsValid() {
			vip = a.VIP.String()
		}
		fmt.Fprintf(&b, "%-8s %-4d %-15s %s %-8s %3d %-10s %4d %5.1f %-9s %-15s %4d\n",
			fhrpProto(a), r.Group, vip, a.VirtualMAC(), a.State, a.Priority, ifname.Short(r.Port), r.VLAN, r.Rate,
			fhrpAge(now-r.LastSeen), r.Source, r.Reflected)
	}
	if len(refl) > 0 {
		b.WriteString("\nInterface  Reflected adverts\n")
		for _, p := range refl {
			fmt.Fprintf(&b, "%-10s %17d\n", ifname.Short(p.Port), p.Count)
		}
	}
	if len(dups) > 0 {
		b.WriteString("\nGroups with more than one active or master:\n")
		for _, g := range dups {
			var who []string
			proto := ""
			for _, r := range rows {
				if r.GroupKey() == g && r.Advert.State.Forwarding() && r.Live(now) {
					who = append(who, fmt.Sprintf("%s on %s", r.Source, ifname.Short(r.Port)))
					proto = fhrpProto(r.Advert)
				}
			}
			fmt.Fprintf(&b, "  %s %d in vlan %d: %s\n", proto, g.Group, g.VLAN, strings.Join(who, ", "))
		}
	}
	return b.String()
}
