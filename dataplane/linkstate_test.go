package dataplane

import (
	"testing"

	"github.com/l2sw/l2sw/dataplane/port/mem"
)

// linkPort is a mem port whose link the test switches, as an AF_PACKET
// port follows its netdev's carrier.
type linkPort struct {
	*mem.Port
	up bool
	fn func(bool)
}

func (l *linkPort) NotifyLink(fn func(bool)) bool { l.fn = fn; return l.up }

// TestLinkNotifier: a backend that starts down leaves the port down, its
// changes take the port down and up with the IOS messages, a shut-down port
// logs nothing, and a removed port ignores late changes.
func TestLinkNotifier(t *testing.T) {
	sw := New(Config{})
	lp := &linkPort{Port: mem.New("a")}
	if err := sw.AddPort(ifName(1), lp); err != nil {
		t.Fatal(err)
	}
	status := func() PortStatus {
		t.Helper()
		st, err := sw.Status(ifName(1))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); st.LinkUp || st.Up {
		t.Fatalf("a port whose backend is down at attach: %+v", st)
	}
	lp.fn(true)
	lp.fn(true) // idempotent
	if st := status(); !st.LinkUp || !st.Up {
		t.Errorf("after link up: %+v", st)
	}
	up := "%LINK-3-UPDOWN: Interface " + ifName(1) + ", changed state to up"
	if n := len(sw.Log().Grep(up)); n != 1 {
		t.Errorf("%d %q messages, want 1", n, up)
	}
	lp.fn(false)
	if st := status(); st.LinkUp || st.Up {
		t.Errorf("after link down: %+v", st)
	}
	down := "%LINK-3-UPDOWN: Interface " + ifName(1) + ", changed state to down"
	if n := len(sw.Log().Grep(down)); n != 1 || len(sw.Log().Grep("%LINEPROTO-5-UPDOWN: Line protocol on Interface "+ifName(1)+", changed state to down")) != 1 {
		t.Errorf("%d %q messages, want 1, with LINEPROTO", n, down)
	}

	s := DefaultPortSettings()
	s.Shutdown = true
	if _, err := sw.SetPortSettings(ifName(1), s); err != nil {
		t.Fatal(err)
	}
	before := len(sw.Log().Grep("UPDOWN"))
	lp.fn(true)
	if st := status(); !st.LinkUp || st.Up || len(sw.Log().Grep("UPDOWN")) != before {
		t.Errorf("link up on a shut-down port: %+v, messages %q", st, sw.Log().Grep("UPDOWN"))
	}

	if err := sw.RemovePort(ifName(1)); err != nil {
		t.Fatal(err)
	}
	other := mem.New("b")
	if err := sw.AddPort(ifName(2), other); err != nil {
		t.Fatal(err)
	}
	lp.fn(false) // late: the port is gone
	if st, _ := sw.Status(ifName(2)); !st.LinkUp {
		t.Errorf("a removed port's link change reached another port: %+v", st)
	}
}
