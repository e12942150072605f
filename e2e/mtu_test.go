package e2e

import (
	"testing"

	"github.com/l2sw/l2sw/dataplane"
)

// TestJumboFramesNeedMTU: two Linux hosts with 9000-byte links ping each
// other with 4000-byte, don't-fragment echoes. At the default MTU the
// switch drops them at ingress as giants, counted on the sender's port;
// with `mtu 9198` on both ports they pass.
func TestJumboFramesNeedMTU(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(10), "02:00:00:00:0a:01", "10.0.9.1/24")
	b := l.addHost("b", access(10), "02:00:00:00:0a:02", "10.0.9.2/24")
	for _, h := range []*host{a, b} {
		h.ns.MustRun("ip", "link", "set", "dev", h.ifname, "mtu", "9000")
	}
	a.mustPing("10.0.9.2") // small frames pass, and ARP is settled
	jumbo := func() error {
		_, err := a.ns.Run("ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", "-M", "do", "-s", "4000", "10.0.9.2")
		return err
	}
	if err := jumbo(); err == nil {
		t.Fatal("4028-byte echoes crossed a 1500-byte MTU switch")
	}
	if c := l.counters(a.port); c.Get(dataplane.DropGiant) == 0 {
		t.Errorf("giants on %s did not move", a.port)
	}
	for _, h := range []*host{a, b} {
		s := access(10)
		s.MTU = dataplane.MaxPortMTU
		if _, err := l.sw.SetPortSettings(h.port, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := jumbo(); err != nil {
		t.Errorf("jumbo echoes with mtu %d: %v", dataplane.MaxPortMTU, err)
	}
}
