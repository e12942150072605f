package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestFaultFlapLink: `fault flap 3` takes a host's port down at once and
// up three seconds later, again and again, with the IOS link messages;
// pings fail while it is down and pass while it is up. `no fault flap`
// leaves it up.
func TestFaultFlapLink(t *testing.T) {
	t.Parallel()
	a, b, conf := faultLab(t)
	a.mustPing(b.ip())
	log := a.l.sw.Log()
	count := func(state string) int {
		return len(log.Grep("%LINK-3-UPDOWN: Interface " + a.port + ", changed state to " + state))
	}
	conf("fault flap 3")
	if n := count("down"); n != 1 || len(log.Grep("%LINEPROTO-5-UPDOWN: Line protocol on Interface "+a.port+", changed state to down")) != 1 {
		t.Fatalf("%d link down messages right after fault flap 3, want 1:\n%s", n, strings.Join(log.Grep("UPDOWN"), "\n"))
	}
	if err := a.ping(b.ip(), 1); err == nil {
		t.Error("a ping crossed the port while the flap held it down")
	}
	if !poll(10*time.Second, func() bool { return count("up") >= 1 }) {
		t.Fatal("the flap did not bring the link back up")
	}
	if err := a.ping(b.ip(), 1); err != nil {
		t.Errorf("no ping while the flap had the link up: %v", err)
	}
	if !poll(10*time.Second, func() bool { return count("down") >= 2 }) {
		t.Fatal("the flap did not take the link down a second time")
	}
	conf("no fault flap")
	if !poll(promptly, func() bool { return count("up") >= 2 }) {
		t.Fatal("no fault flap left the link down")
	}
	downs := count("down")
	time.Sleep(4 * time.Second)
	if n := count("down"); n != downs {
		t.Errorf("the link went down %d more times after no fault flap", n-downs)
	}
	a.mustPing(b.ip())
}
