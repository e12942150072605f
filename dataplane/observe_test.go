package dataplane

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// recorder is an Observer that writes each decision as one line.
type recorder struct{ lines []string }

func (o *recorder) Observe(in cam.PortID, f []byte, d Decision) {
	s := fmt.Sprintf("%s %s", d.Stage, d.Verdict)
	if d.Reason != ReasonNone {
		s += " " + d.Reason.String()
	}
	switch d.Stage {
	case StageEgress:
		s += fmt.Sprintf(" port %d vlan %d tagged %v", d.Entry.Port, d.Entry.VLAN, d.Entry.Tagged)
	case StagePACL, StageRACLIn, StageRACLOut:
		s += fmt.Sprintf(" %s ace %d", d.Entry.ACL, d.Entry.ACE)
	case StageFIB:
		if d.Entry.FIB.Entry != nil {
			s += fmt.Sprintf(" /%d", d.Entry.FIB.Entry.Len)
		}
	}
	o.lines = append(o.lines, s)
}

func (o *recorder) take() string {
	s := strings.Join(o.lines, "\n")
	o.lines = nil
	return s
}

func expectTrace(t *testing.T, o *recorder, want ...string) {
	t.Helper()
	if got := o.take(); got != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// TestObserverSeesEveryStage: an attached observer gets each stage's
// decision in pipeline order, with the reason of a drop and the entry used;
// detached, it gets nothing.
func TestObserverSeesEveryStage(t *testing.T) {
	g := newL3Rig(t) // ports 1, 2 in VLAN 10, 3 in VLAN 20, 4 a trunk
	o := &recorder{}
	g.sw.SetObserver(o)
	ingress := []string{"ingress pass", "parse pass", "vlan pass"}
	learned := []string{"ingress pass", "parse pass", "vlan pass", "learn pass"}

	// Unknown unicast floods VLAN 10: port 2 untagged, the trunk tagged.
	g.send(1, udpFrame(t, macA, macB, 0, "flood"))
	expectTrace(t, o, append(learned, "l2 lookup flood",
		"egress forward port 1 vlan 10 tagged false", "egress forward port 3 vlan 10 tagged true")...)

	// Once macB is learned on port 2, the frame goes there alone.
	g.send(2, udpFrame(t, macB, macA, 0, "learn b"))
	o.take()
	g.send(1, udpFrame(t, macA, macB, 0, "known"))
	expectTrace(t, o, append(learned, "l2 lookup pass", "egress forward port 1 vlan 10 tagged false")...)

	// Drops carry their reason: a multicast source, a VLAN that does not exist.
	g.send(1, udpFrame(t, mac("0100.5e00.0001"), macB, 0, "bad source"))
	expectTrace(t, o, append(ingress, "learn drop invalid source mac")...)
	g.send(4, udpFrame(t, macC, macA, 999, "vlan 999"))
	expectTrace(t, o, "ingress pass", "parse pass", "vlan drop vlan not active")

	// A port ACL deny names the list and the entry.
	l := mustList(t, "P", acl.Extended, "10 deny udp any any eq 7", "20 permit ip any any")
	if _, err := g.sw.SetPortACL(ifName(1), l); err != nil {
		t.Fatal(err)
	}
	g.send(1, l4Frame(t, macA, macB, ipA, ipB, "udp", 7))
	expectTrace(t, o, append(learned, "port acl drop port acl deny P ace 10")...)

	// A routed packet passes the router, FIB, adjacency and rewrite stages
	// and leaves in VLAN 20.
	if _, err := g.sw.SetPortACL(ifName(1), nil); err != nil {
		t.Fatal(err)
	}
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	o.take()
	g.send(1, udpTo(t, macA, g.routerMAC(), ipA, ipB, 64, []byte("routed")))
	expectTrace(t, o, append(learned, "router pass", "fib pass /32", "adjacency pass", "rewrite pass",
		"l2 lookup pass", "egress forward port 2 vlan 20 tagged false")...)

	g.sw.SetObserver(nil)
	g.send(1, udpFrame(t, macA, macB, 0, "unobserved"))
	if got := o.take(); got != "" {
		t.Errorf("detached observer still saw:\n%s", got)
	}
}
