package cam

import "testing"

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
