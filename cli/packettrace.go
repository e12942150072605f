package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/dataplane/trace"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/packet"
)

// This file is the live packet trace in IOS-XE syntax: `debug platform
// condition interface IF {ingress|egress|both}`, `debug platform
// packet-trace packet N [circular]`, `debug platform condition
// start|stop`, `show platform packet-trace summary|packet N|all`. The
// tracer is attached to the pipeline only while it runs, so forwarding
// pays nothing otherwise.

// packetTrace is the Device's tracer and its attachment.
type packetTrace struct {
	mu     sync.Mutex
	t      *trace.Tracer
	detach func() // non-nil while attached
}

func (d *Device) tracer() *trace.Tracer {
	d.trace.mu.Lock()
	defer d.trace.mu.Unlock()
	if d.trace.t == nil {
		d.trace.t = trace.New(d.opts.Now)
	}
	return d.trace.t
}

// setTracing starts or stops the trace and attaches or detaches it.
func (d *Device) setTracing(on bool) {
	t := d.tracer()
	d.trace.mu.Lock()
	defer d.trace.mu.Unlock()
	switch {
	case on && d.trace.detach == nil:
		t.Start()
		d.trace.detach = d.sw.AddObserver(t)
	case !on && d.trace.detach != nil:
		d.trace.detach()
		d.trace.detach = nil
		t.Stop()
	}
}

// installPacketTrace adds the packet-trace commands to the engine.
func (d *Device) installPacketTrace() {
	help := map[string]string{"debug": "Debugging functions (see also 'undebug')", "platform": "platform",
		"condition": "Condition", "packet-trace": "Packet trace", "start": "Start conditional debug",
		"stop": "Stop conditional debug", "ingress": "Ingress only", "egress": "Egress only", "both": "Both ingress and egress",
		"packet": "Packet count", "<16-8192>": "Number of packets to trace, rounded to power of 2", "circular": "Save the last N packets",
		"summary": "Packet trace summary", "all": "All packets", "<0-8191>": "Packet index", "clear": "Reset functions",
		"statistics": "Packet trace statistics", "conditions": "Show conditional debug conditions"}
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "debug platform condition interface IFNAME$ifname {ingress|egress|both}$dir", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				st, err := d.sw.Status(a.Interface("ifname"))
				if err != nil {
					return engine.Rejectf("%% Invalid interface %s", a.Interface("ifname"))
				}
				dir := map[string]trace.Direction{"ingress": trace.Ingress, "egress": trace.Egress, "both": trace.Both}[a.String("dir")]
				d.tracer().SetCondition(st.ID, dir)
				return nil
			}},
		engine.Command{Syntax: "debug platform condition {start|stop}$op", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.setTracing(a.String("op") == "start")
				return nil
			}},
		engine.Command{Syntax: "debug platform packet-trace packet <16-8192> [circular]", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.tracer().SetLimit(a.Int("packet"), a.Keyword("circular"))
				return nil
			}},
		engine.Command{Syntax: "clear platform condition all", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.setTracing(false)
				d.tracer().ClearConditions()
				return nil
			}},
		engine.Command{Syntax: "clear platform packet-trace statistics", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error { d.tracer().Clear(); return nil }},
		engine.Command{Syntax: "show platform conditions", Help: help,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showConditions(), nil })},
		engine.Command{Syntax: "show platform packet-trace summary", Help: help,
			Run: out(func(*engine.Ctx, engine.Args) (string, error) { return d.showTraceSummary(), nil })},
		engine.Command{Syntax: "show platform packet-trace packet {<0-8191>$num|all}$which", Help: help,
			Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
				return d.showTracePackets(a.String("which") == "all", a.Int("num"))
			})},
	))
}

// portNames maps port numbers to interface names.
func (d *Device) portNames() map[cam.PortID]string {
	out := map[cam.PortID]string{}
	for _, n := range d.sw.Ports() {
		if st, err := d.sw.Status(n); err == nil {
			out[st.ID] = n
		}
	}
	return out
}

func (d *Device) showConditions() string {
	var b strings.Builder
	state := "Stop"
	if d.tracer().Running() {
		state = "Start"
	}
	fmt.Fprintf(&b, "Conditional Debug Global State: %s\n\n", state)
	b.WriteString("Conditions                                                      Direction\n")
	b.WriteString("----------------------------------------------------------------|---------\n")
	names := d.portNames()
	conds := d.tracer().Conditions()
	for _, n := range d.sw.Ports() {
		for id, dir := range conds {
			if names[id] == n {
				fmt.Fprintf(&b, "%-64s %s\n", n, directionWord(dir))
			}
		}
	}
	return b.String()
}

func directionWord(d trace.Direction) string {
	switch d {
	case trace.Ingress:
		return "ingress"
	case trace.Egress:
		return "egress"
	}
	return "both"
}

// traceInput is the Input column: the port, or the CPU for packets the
// switch sent itself.
func traceInput(p trace.Packet, names map[cam.PortID]string, long bool) string {
	if p.FromCPU {
		return "internal0/0/rp:0"
	}
	if long {
		return names[p.In]
	}
	return ifname.Short(names[p.In])
}

// traceOutput is the Output column.
func traceOutput(p trace.Packet, names map[cam.PortID]string, long bool) string {
	switch {
	case p.State == trace.StatePunt:
		return "internal0/0/rp:0"
	case len(p.Out) == 0:
		return "<none>"
	}
	outs := make([]string, len(p.Out))
	for i, o := range p.Out {
		outs[i] = names[o]
		if !long {
			outs[i] = ifname.Short(names[o])
		}
	}
	if long {
		return strings.Join(outs, ", ")
	}
	if len(outs) > 1 {
		return fmt.Sprintf("%s +%d", outs[0], len(outs)-1)
	}
	return outs[0]
}

func traceReason(p trace.Packet) string {
	if p.State != trace.StateDrop && p.State != trace.StatePunt {
		return ""
	}
	return fmt.Sprintf("%-3d (%s)", uint8(p.Reason), p.Reason)
}

func (d *Device) showTraceSummary() string {
	names := d.portNames()
	var b strings.Builder
	b.WriteString("Pkt   Input             Output            State  Reason\n")
	for _, p := range d.tracer().Packets() {
		line := fmt.Sprintf("%-5d %-17s %-17s %-6s %s", p.Num, traceInput(p, names, false), traceOutput(p, names, false), p.State, traceReason(p))
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

func (d *Device) showTracePackets(all bool, num int) (string, error) {
	names := d.portNames()
	var b strings.Builder
	found := false
	for _, p := range d.tracer().Packets() {
		if all || p.Num == num {
			found = true
			writeTracePacket(&b, p, names)
		}
	}
	if !found && !all {
		return "", engine.Rejectf("Packet %d not found", num)
	}
	return b.String(), nil
}

func writeTracePacket(b *strings.Builder, p trace.Packet, names map[cam.PortID]string) {
	fmt.Fprintf(b, "Packet: %-11d CBUG ID: %d\nSummary\n", p.Num, p.Num)
	fmt.Fprintf(b, "  Input     : %s\n  Output    : %s\n  State     : %s", traceInput(p, names, true), traceOutput(p, names, true), p.State)
	if r := traceReason(p); r != "" {
		b.WriteString(" " + r)
	}
	b.WriteString("\n  Timestamp\n")
	for _, ts := range []struct {
		name string
		at   time.Time
	}{{"Start", p.Start}, {"Stop", p.Stop}} {
		fmt.Fprintf(b, "    %-8s: %d ns (%s)\n", ts.name, ts.at.UnixNano(), ts.at.UTC().Format("01/02/2006 15:04:05.000000 MST"))
	}
	var v packet.View
	if v.Parse(p.Header); len(p.Header) >= packet.EthLen {
		fmt.Fprintf(b, "  Ethernet\n    Source      : %s\n    Destination : %s\n", v.Src(), v.Dst())
		if v.Tags > 0 {
			fmt.Fprintf(b, "    VLAN tag    : %d\n", v.VID())
		}
		if v.EtherType == packet.TypeIPv4 && v.IHL != 0 {
			fmt.Fprintf(b, "  IPv4\n    Source      : %s\n    Destination : %s\n    Protocol    : %d\n    TTL         : %d\n",
				u32IP(v.SrcIP()), u32IP(v.DstIP()), v.Proto, v.TTL())
		}
	}
	b.WriteString("Path Trace\n")
	for _, s := range p.Steps {
		writeStep(b, s, names)
	}
	b.WriteString("\n")
}

// u32IP is an IPv4 address held as a big-endian integer.
func u32IP(a uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
}

// writeStep renders one stage's decision as a Path Trace feature.
func writeStep(b *strings.Builder, s dataplane.Decision, names map[cam.PortID]string) {
	fmt.Fprintf(b, "  Feature: %s\n    Result      : %s", s.Stage, s.Verdict)
	if s.Reason != dataplane.ReasonNone {
		fmt.Fprintf(b, " (%s)", s.Reason)
	}
	b.WriteString("\n")
	e := s.Entry
	switch s.Stage {
	case dataplane.StageVLAN:
		if e.VLAN != 0 {
			fmt.Fprintf(b, "    VLAN        : %d\n", e.VLAN)
		}
	case dataplane.StageLearn:
		fmt.Fprintf(b, "    Learn       : %s\n", e.Learn)
	case dataplane.StagePACL, dataplane.StageVACL, dataplane.StageRACLIn, dataplane.StageRACLOut, dataplane.StageVACLOut:
		if e.ACL != "" {
			fmt.Fprintf(b, "    ACL         : %s\n", e.ACL)
			if e.ACE != 0 {
				fmt.Fprintf(b, "    Entry       : %d\n", e.ACE)
			} else {
				b.WriteString("    Entry       : implicit deny\n")
			}
		}
	case dataplane.StageFIB, dataplane.StageAdjacency, dataplane.StageRewrite:
		if e.FIB.Entry != nil {
			fmt.Fprintf(b, "    Prefix      : %s (%s)\n", e.FIB.Entry.Prefix(), e.FIB.Entry.Kind)
		}
		if a := e.FIB.Adj; a != nil && s.Stage != dataplane.StageFIB {
			fmt.Fprintf(b, "    Adjacency   : %s %s (%s)\n", a.IfName, a.NextHopAddr(), a.State)
			if s.Stage == dataplane.StageRewrite {
				fmt.Fprintf(b, "    Rewrite     : %s > %s\n", a.SrcMAC, a.DstMAC)
			}
		}
	case dataplane.StageMTU:
		fmt.Fprintf(b, "    MTU         : %d\n", e.MTU)
	case dataplane.StageL2Lookup:
		switch {
		case s.Verdict == dataplane.Flood:
			fmt.Fprintf(b, "    VLAN        : %d\n    Destination : unknown or group, flooded\n", e.VLAN)
		case e.Known:
			fmt.Fprintf(b, "    VLAN        : %d\n    Destination : %s\n", e.VLAN, names[e.Port])
		}
	case dataplane.StageEgress:
		tag := "untagged"
		if e.Tagged {
			tag = "tagged"
		}
		fmt.Fprintf(b, "    Output      : %s\n    VLAN        : %d %s\n", names[e.Port], e.VLAN, tag)
	}
}
