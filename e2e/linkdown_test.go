package e2e

import (
	"testing"

	"github.com/l2sw/l2sw/dataplane"
)

// TestTAPDisappearsPortGoesDown: deleting a port's TAP under the running
// switch takes that port down with the IOS link messages, flushes what was
// learned on it, and the switch keeps forwarding between the other hosts.
func TestTAPDisappearsPortGoesDown(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(1), "0200.0000.0a01", "10.9.0.1/24")
	b := l.addHost("b", access(1), "0200.0000.0a02", "10.9.0.2/24")
	c := l.addHost("c", access(1), "0200.0000.0a03", "10.9.0.3/24")
	a.mustPing("10.9.0.3")
	a.mustPing("10.9.0.2")
	if l.macPort(1, b.mac) != b.port {
		t.Fatalf("b not learned on %s", b.port)
	}

	c.ns.MustRun("ip", "link", "del", "dev", c.ifname)
	want := "%LINK-3-UPDOWN: Interface " + c.port + ", changed state to down"
	if !poll(promptly, func() bool { return len(l.sw.Log().Grep(want)) == 1 }) {
		t.Fatalf("no %q in the log", want)
	}
	if len(l.sw.Log().Grep("%LINEPROTO-5-UPDOWN: Line protocol on Interface "+c.port+", changed state to down")) != 1 {
		t.Error("no LINEPROTO down message")
	}
	st, err := l.sw.Status(c.port)
	if err != nil || st.Up || st.LinkUp {
		t.Errorf("status of %s after its TAP vanished: %+v %v", c.port, st, err)
	}
	if p := l.macPort(1, c.mac); p != "" {
		t.Errorf("%s still learned on %s", c.mac, p)
	}
	// The others keep forwarding.
	if err := a.ping("10.9.0.2", 3); err != nil {
		t.Errorf("forwarding stopped after one port went down: %v", err)
	}
	entries, _ := l.sw.MACEntries(dataplane.MACFilter{Port: c.port})
	if len(entries) != 0 {
		t.Errorf("entries left on the dead port: %+v", entries)
	}
}
