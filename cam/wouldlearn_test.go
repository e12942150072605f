package cam

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/l2sw/l2sw/packet"
)

// TestWouldLearnPredictsLearn: over random learns into a small table (so
// that buckets fill), static entries and every invalid source, WouldLearn
// returns what the Learn that follows it returns, and by itself changes
// no entry, statistic or event.
func TestWouldLearnPredictsLearn(t *testing.T) {
	tb, rec := newRecorded(Config{Capacity: 16, Ways: 2})
	if err := tb.AddStatic(1, packet.MACFromUint64(hostA), 3); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	macs := []uint64{0, hostA, hostB, 0x0100_5e00_0001, 0xffff_ffff_ffff}
	for i := range 40 {
		macs = append(macs, 0x0200_0000_0000|uint64(i))
	}
	seen := map[LearnResult]bool{}
	for step := range 2000 {
		vlan := uint16(rng.IntN(3)) // 0 is invalid
		mac := macs[rng.IntN(len(macs))]
		port := PortID(rng.IntN(4))
		now := int64(10 + step/100)
		entries, stats, events := tb.Entries(MatchAll()), tb.Stats(), len(rec.events)
		want := tb.WouldLearn(vlan, mac, port, now)
		if !slices.Equal(tb.Entries(MatchAll()), entries) || tb.Stats() != stats || len(rec.events) != events {
			t.Fatalf("step %d: WouldLearn(%d, %s, %d) changed the table", step, vlan, packet.MACFromUint64(mac), port)
		}
		seen[want] = true
		if got := tb.Learn(vlan, mac, port, now); got != want {
			t.Fatalf("step %d: WouldLearn(%d, %s, %d) = %v, Learn = %v", step, vlan, packet.MACFromUint64(mac), port, want, got)
		}
		if step%500 == 499 {
			tb.Age(now + 1000)
		}
	}
	for r := Refreshed; r <= InvalidVLAN; r++ {
		if !seen[r] {
			t.Errorf("no step predicted %v", r)
		}
	}
}
