package cam

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/l2sw/l2sw/packet"
)

// TestLearnProbe: a probe's hash is used only for the key it was made
// for. A source probe (SetSourceProbe) learns its source where Lookup
// finds it; a probe of another frame, or one whose hash was spoiled,
// falls back to hashing, or is trusted only with its own key; the
// results are Learn's.
func TestLearnProbe(t *testing.T) {
	tb := New(Config{Capacity: 1 << 12})
	var p Probe
	tb.SetSourceProbe(&p, 10, hostA)
	if p.DKey != 0 || p.SHash != tb.hash(Key(10, hostA)) || p.DHash != p.SHash {
		t.Fatalf("source probe %+v", p)
	}
	if r := tb.LearnProbe(&p, 10, hostA, 3, 100); r != Learned {
		t.Fatalf("LearnProbe: %v, want Learned", r)
	}
	if port, ok := tb.Lookup(10, hostA); !ok || port != 3 {
		t.Fatalf("Lookup after LearnProbe: %v %v", port, ok)
	}
	if r := tb.LearnProbe(&p, 10, hostA, 3, 100); r != Refreshed {
		t.Errorf("second LearnProbe: %v, want Refreshed", r)
	}
	// A stale probe (another host's) must not steer this host's learn.
	if r := tb.LearnProbe(&p, 10, hostA+1, 2, 100); r != Learned {
		t.Fatalf("LearnProbe with a stale probe: %v", r)
	}
	if port, ok := tb.Lookup(10, hostA+1); !ok || port != 2 {
		t.Errorf("a host learned through a stale probe is not found: %v %v", port, ok)
	}
	// The hash is trusted for the probe's own key: a spoiled hash puts
	// the entry where Lookup does not look, which shows it was used.
	var bad Probe
	tb.SetSourceProbe(&bad, 10, hostA+2)
	bad.SHash ^= 1 << 63
	bad.SHash ^= tb.bmask // another bucket
	tb.LearnProbe(&bad, 10, hostA+2, 1, 100)
	if _, ok := tb.Lookup(10, hostA+2); ok {
		t.Error("LearnProbe ignored the probe's hash")
	}
	// Learn itself never takes a probe, and the invalid sources keep
	// their results.
	if r := tb.LearnProbe(&p, 10, 0, 1, 100); r != FilteredZero {
		t.Errorf("zero source: %v", r)
	}
	if r := tb.LearnProbe(&p, 10, 1<<40|1, 1, 100); r != InvalidSource {
		t.Errorf("group source: %v", r)
	}
}

// TestNilProbe: a worker whose tables fit the caches makes no probes and
// passes nil; both probe calls then hash for themselves and give Learn's
// and LearnLookup's results.
func TestNilProbe(t *testing.T) {
	tb := New(Config{Capacity: 1 << 12})
	if r := tb.LearnProbe(nil, 10, hostA, 3, 100); r != Learned {
		t.Fatalf("LearnProbe(nil): %v, want Learned", r)
	}
	r, port, ok := tb.LearnLookupProbe(nil, 10, hostA+1, hostA, 4, 100)
	if r != Learned || !ok || port != 3 {
		t.Fatalf("LearnLookupProbe(nil): %v %v %v, want Learned 3 true", r, port, ok)
	}
	if port, ok := tb.Lookup(10, hostA+1); !ok || port != 4 {
		t.Errorf("source learned through a nil probe: %v %v", port, ok)
	}
}

// TestLearnProbeIsLearn: LearnProbe, whose common case (a source known on
// its port and seen this second) is answered from the home line alone,
// gives Learn's results, statistics and entries in every case, against a
// twin table driven by Learn as the oracle: new sources, refreshes in the
// same and a later second, moves, static entries, a full table (small
// buckets overflow, so some sources live outside their home line),
// invalid VLANs and sources, and probes that are right, stale or absent.
func TestLearnProbeIsLearn(t *testing.T) {
	cfg := Config{Capacity: 64, Ways: 8}
	got, want := New(cfg), New(cfg)
	for _, tb := range []*Table{got, want} {
		if err := tb.AddStatic(10, packet.MACFromUint64(hostA+7), 1); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(5, 5))
	now := int64(100)
	var stale Probe
	for i := range 20000 {
		if rng.IntN(50) == 0 {
			now++
		}
		vlan := []uint16{10, 10, 10, 20, 0, MaxVLAN + 1}[rng.IntN(6)]
		mac := hostA + uint64(rng.IntN(120)) // more hosts than the capacity
		switch rng.IntN(40) {
		case 0:
			mac = 0
		case 1:
			mac |= 1 << 40
		}
		port := PortID(rng.IntN(3))
		var p *Probe
		switch rng.IntN(3) {
		case 0:
			p = new(Probe)
			got.SetSourceProbe(p, vlan, mac)
		case 1:
			p = &stale
		}
		g, w := got.LearnProbe(p, vlan, mac, port, now), want.Learn(vlan, mac, port, now)
		if g != w {
			t.Fatalf("op %d: LearnProbe(vlan %d, %x, port %d, %d) = %v, Learn = %v", i, vlan, mac, port, now, g, w)
		}
		if p != nil && p != &stale {
			stale = *p
		}
	}
	if g, w := got.Stats(), want.Stats(); g != w {
		t.Errorf("stats: LearnProbe %+v, Learn %+v", g, w)
	}
	g, w := got.Entries(Filter{}), want.Entries(Filter{})
	sortEntries(g)
	sortEntries(w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("entries differ:\nLearnProbe %v\nLearn      %v", g, w)
	}
}

func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.VLAN, b.VLAN), cmp.Compare(a.MAC.Uint64(), b.MAC.Uint64()))
	})
}
