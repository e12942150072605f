package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/internal/shareddata"
)

// A small run of the scale command: the tables hold what was filled (MACs
// learned through the pipeline, routes sampled in the FIB via valid
// adjacencies, ClassBench ACEs programmed up to the TCAM entries asked
// for), the memory figures are sane, and the timed startup-config loads
// every route.
func TestScaleSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("fills tables of 10k entries: not in -short")
	}
	o := options{macs: 10000, routes: 10000, tcam: 1000, classbench: shareddata.Path(t, "data", "classbench")}
	rep, err := fill(o)
	if err != nil {
		t.Fatal(err)
	}
	sw := rep.sw
	if n := sw.MACCount(); n < o.macs {
		t.Errorf("MAC table holds %d, want at least %d", n, o.macs)
	}
	if n := sw.StaticRouteCount(); n != o.routes {
		t.Errorf("%d static routes configured, want %d", n, o.routes)
	}
	if n := sw.FIBCount(); n < o.routes {
		t.Errorf("FIB holds %d entries, want at least %d", n, o.routes)
	}
	if u := sw.ACLUsage(); u.EntriesUsed > o.tcam || u.EntriesUsed < o.tcam*9/10 {
		t.Errorf("TCAM entries in use %d, want at most and near %d", u.EntriesUsed, o.tcam)
	}
	names := []string{"process", "switch", "MAC table", "FIB", "TCAM"}
	if len(rep.steps) != len(names) {
		t.Fatalf("%d steps, want %v", len(rep.steps), names)
	}
	for i, s := range rep.steps {
		if s.name != names[i] {
			t.Errorf("step %d is %q, want %q", i, s.name, names[i])
		}
		if s.mem.rss <= 0 || s.mem.hwm < s.mem.rss || s.mem.heapInuse == 0 {
			t.Errorf("step %s: RSS %d, peak %d, heap %d", s.name, s.mem.rss, s.mem.hwm, s.mem.heapInuse)
		}
	}
	// 10k routes are a few MiB, not hundreds: the sampled figure is the
	// process's, so only a loose bound.
	if last := rep.steps[len(rep.steps)-1].mem.rss; last > 256<<20 {
		t.Errorf("RSS %s MiB after a small fill", mib(last))
	}
	var out bytes.Buffer
	rep.print(&out)
	for _, want := range []string{"MAC table", "FIB", "TCAM", "total: RSS "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	res, err := timeConfigLoad(2000)
	if err != nil {
		t.Fatal(err)
	}
	if res.fibRoutes != 2000 || res.rejected != 0 || res.took <= 0 {
		t.Fatalf("config load: %+v", res)
	}
}

// TestPackedFill: the packed fill programs exactly the entries asked for,
// eight to a mask, with no range units; every eight ACEs of a shape share
// a mask and differ in value.
func TestPackedFill(t *testing.T) {
	aces := packedACEs(1000)
	if len(aces) != 1000 {
		t.Fatalf("%d ACEs, want 1000", len(aces))
	}
	for i := 0; i+8 <= 992; i += 8 {
		seen := map[uint32]bool{}
		for _, a := range aces[i : i+8] {
			if a.Src.Wildcard != aces[i].Src.Wildcard || a.Dst.Wildcard != aces[i].Dst.Wildcard || a.AnyProto != aces[i].AnyProto {
				t.Fatalf("ACE %d: shape differs from its group's first", i)
			}
			seen[a.Src.IP] = true
		}
		if len(seen) != 8 {
			t.Fatalf("group at %d: %d distinct sources, want 8", i, len(seen))
		}
	}
	rep, err := fill(options{tcam: 1000, tcamFill: "packed"})
	if err != nil {
		t.Fatal(err)
	}
	if u := rep.sw.ACLUsage(); u.EntriesUsed != 1000 || u.MasksUsed != 125 || u.RangeUnitsUsed != 0 {
		t.Errorf("TCAM use %+v, want 1000 entries in 125 masks, no LOUs", u)
	}
}
