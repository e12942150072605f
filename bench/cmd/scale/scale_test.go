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
