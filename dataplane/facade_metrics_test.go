package dataplane

import (
	"testing"

	"github.com/l2sw/l2sw/cam"
)

// TestPortTotalsSurviveClearCounters: an exporter's counters keep counting
// through `clear counters`, which only moves the CLI's baseline.
func TestPortTotalsSurviveClearCounters(t *testing.T) {
	g := newRig(t, 2, cam.Config{})
	f := udpFrame(t, mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), 0, "x")
	g.send(1, f, f)
	if err := g.sw.ClearCounters(""); err != nil {
		t.Fatal(err)
	}
	g.send(1, f)
	tot := g.sw.PortTotals()
	if len(tot) != 2 || tot[0].Name != ifName(1) || !tot[0].Up {
		t.Fatalf("PortTotals = %+v", tot)
	}
	if got := tot[0].Counters.Get(RxFrames); got != 3 {
		t.Errorf("rx frames since start = %d, want 3", got)
	}
	if got := tot[1].Counters.Get(TxFrames); got != 3 {
		t.Errorf("tx frames of the flooded port = %d, want 3", got)
	}
	if c, _ := g.sw.Counters(ifName(1)); c.Get(RxFrames) != 1 {
		t.Errorf("the CLI's counters since clear = %d, want 1", c.Get(RxFrames))
	}
	if g.sw.MACCapacity() != cam.DefaultCapacity || g.sw.PuntQueueLen() != 0 || g.sw.FIBCapacity() <= 0 {
		t.Errorf("capacity %d, punt queue %d, FIB capacity %d", g.sw.MACCapacity(), g.sw.PuntQueueLen(), g.sw.FIBCapacity())
	}
}
