package e2e

import (
	"fmt"
	"testing"

	"github.com/l2sw/l2sw/dataplane"
)

// TestAccessVLANIsolation: three hosts in VLAN 10 reach each other; a fourth
// in VLAN 20 with an address in the same IP subnet reaches none of them, so
// only layer-2 separation can be what stops it.
func TestAccessVLANIsolation(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	hosts := []*host{
		l.addHost("a", access(10), "02:00:00:00:01:01", "10.0.0.1/24"),
		l.addHost("b", access(10), "02:00:00:00:01:02", "10.0.0.2/24"),
		l.addHost("c", access(10), "02:00:00:00:01:03", "10.0.0.3/24"),
	}
	d := l.addHost("d", access(20), "02:00:00:00:02:04", "10.0.0.4/24")
	capA := hosts[0].capture()
	// What the TAPs sent before they were moved (the host namespace's own
	// IPv6 chatter) must not count below.
	if err := l.sw.ClearCounters(""); err != nil {
		t.Fatal(err)
	}

	for i, src := range hosts {
		for j := range hosts {
			if i != j {
				src.mustPing(fmt.Sprintf("10.0.0.%d", j+1))
			}
		}
	}
	for i, h := range hosts {
		if err := d.ping(fmt.Sprintf("10.0.0.%d", i+1), 2); err == nil {
			t.Errorf("d (VLAN 20) reached %s (VLAN 10)", h.name)
		}
		if err := h.ping("10.0.0.4", 1); err == nil {
			t.Errorf("%s (VLAN 10) reached d (VLAN 20)", h.name)
		}
	}

	// The MAC table: a, b, c in VLAN 10 on their own ports, d in VLAN 20
	// only, and nothing learned in VLAN 10 on d's port (or the reverse).
	for _, h := range hosts {
		if got := l.macPort(10, h.mac); got != h.port {
			t.Errorf("%s (%s) in VLAN 10 is on %q, want %s", h.name, h.mac, got, h.port)
		}
		if got := l.macPort(20, h.mac); got != "" {
			t.Errorf("%s (%s) was learned in VLAN 20 on %s", h.name, h.mac, got)
		}
	}
	if got := l.macPort(20, d.mac); got != d.port {
		t.Errorf("d (%s) in VLAN 20 is on %q, want %s", d.mac, got, d.port)
	}
	if got := l.macPort(10, d.mac); got != "" {
		t.Errorf("d (%s) was learned in VLAN 10 on %s", d.mac, got)
	}
	all, err := l.sw.MACEntries(dataplane.MACFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if (e.VLAN == 10) == (e.Port == d.port) {
			t.Errorf("entry vlan %d %s on %s crosses the VLAN boundary; table:%s", e.VLAN, e.MAC, e.Port, macs(all))
		}
	}

	// Counters: d sent (its ARP requests were received), but nothing of
	// VLAN 10, not even a broadcast, ever left through d's port.
	dc := l.counters(d.port)
	if dc.Get(dataplane.RxBroadcast) == 0 {
		t.Errorf("d's port counted no broadcast received; d's ARP requests should have been")
	}
	if n := dc.Get(dataplane.TxFrames); n != 0 {
		t.Errorf("d's port (VLAN 20) transmitted %d frames; VLAN 10 leaked", n)
	}
	for _, h := range hosts {
		c := l.counters(h.port)
		if c.Get(dataplane.RxFrames) == 0 || c.Get(dataplane.TxFrames) == 0 {
			t.Errorf("%s's port: rx %d tx %d frames, want both > 0", h.name, c.Get(dataplane.RxFrames), c.Get(dataplane.TxFrames))
		}
		if n := c.Get(dataplane.DropVLANNotAllowed); n != 0 {
			t.Errorf("%s's port dropped %d frames as VLAN not allowed", h.name, n)
		}
	}
	if got := capA.matching(func(f frameRecord) bool { return f.src() == d.mac }); len(got) != 0 {
		t.Errorf("a received %d frames from d across the VLAN boundary", len(got))
	}
}
