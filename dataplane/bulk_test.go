package dataplane

import (
	"net"
	"net/netip"
	"testing"
)

// Inside a Bulk, forwarding keeps using the FIB as it was before; the
// routes added inside appear all at once, in one publication, when it
// ends.
func TestBulkPublishesOnceAtTheEnd(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	g.learnHost(3, macB, ipB, net.IP{10, 0, 20, 1})
	fars := []net.IP{{192, 168, 3, 4}, {172, 16, 9, 9}, {198, 51, 100, 7}}
	routed := func() (n int) {
		for _, far := range fars {
			g.send(1, udpTo(t, macA, g.routerMAC(), ipA, far, 64, nil))
			g.cpu()
			for _, f := range g.got()[3] {
				if string(f) == string(udpTo(t, g.routerMAC(), macB, ipA, far, 63, nil)) {
					n++
				}
			}
		}
		return n
	}
	if n := routed(); n != 0 {
		t.Fatalf("%d routed before any route", n)
	}
	before := g.sw.l3.fib.Publications()
	err := g.sw.Bulk(func() error {
		for _, p := range []string{"192.168.0.0/16", "172.16.0.0/12", "198.51.100.0/24"} {
			if err := g.sw.AddStaticRoute(StaticRoute{Prefix: netip.MustParsePrefix(p), NextHop: netip.MustParseAddr("10.0.20.7")}); err != nil {
				return err
			}
			// Nested bulks publish nothing either.
			if err := g.sw.Bulk(func() error { return g.sw.AddStaticRoutes(nil) }); err != nil {
				return err
			}
			if n := routed(); n != 0 {
				t.Errorf("after adding %s inside the bulk: %d of %d routed, want the old FIB's 0", p, n, len(fars))
			}
		}
		if got := g.sw.l3.fib.Publications(); got != before {
			t.Errorf("%d publications inside the bulk, want 0", got-before)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.sw.l3.fib.Publications(); got != before+1 {
		t.Errorf("%d publications for the bulk, want 1", got-before)
	}
	if n := routed(); n != len(fars) {
		t.Errorf("after the bulk: %d of %d routed", n, len(fars))
	}
	// Outside a bulk, each change publishes.
	before = g.sw.l3.fib.Publications()
	for _, p := range []string{"203.0.113.0/24", "203.0.114.0/24"} {
		if err := g.sw.AddStaticRoute(StaticRoute{Prefix: netip.MustParsePrefix(p), NextHop: netip.MustParseAddr("10.0.20.7")}); err != nil {
			t.Fatal(err)
		}
	}
	if got := g.sw.l3.fib.Publications(); got != before+2 {
		t.Errorf("%d publications for two routes outside a bulk, want 2", got-before)
	}
}
