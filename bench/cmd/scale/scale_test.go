package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/internal/shareddata"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
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

// TestTopUp: with the TCAM's masks run out by ClassBench lists, topUp
// fills free entries of the masks in use with siblings of bound ACEs (the
// same shape, another value) and takes no new mask or range unit.
func TestTopUp(t *testing.T) {
	sw, err := newSwitch(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := setupSVIs(sw); err != nil {
		t.Fatal(err)
	}
	const masks, want = 64, 512
	if err := sw.SetACLLimits(tcam.Limits{Entries: want, Masks: masks, EntriesPerMask: 8, RangeUnits: 32}); err != nil {
		t.Fatal(err)
	}
	bound, err := bindACLs(sw, shareddata.Path(t, "data", "classbench"), want)
	if err != nil {
		t.Fatal(err)
	}
	before := sw.ACLUsage()
	if before.MasksUsed != masks || before.EntriesUsed >= want {
		t.Fatalf("ClassBench fill: %+v, want its masks run out below %d entries", before, want)
	}
	added, err := topUp(sw, bound, want)
	if err != nil {
		t.Fatal(err)
	}
	after := sw.ACLUsage()
	if after.EntriesUsed <= before.EntriesUsed || after.EntriesUsed > want || after.MasksUsed != masks || after.RangeUnitsUsed != before.RangeUnitsUsed {
		t.Fatalf("top-up: %+v after %+v", after, before)
	}
	shapes := map[acl.ACE]bool{}
	rules := map[acl.ACE]bool{}
	for _, a := range bound {
		shapes[shapeOf(a)] = true
		a.Seq = 0
		rules[a] = true
	}
	for i := range added.Len() {
		a := added.At(i)
		a.Seq = 0
		if !shapes[shapeOf(a)] || rules[a] {
			t.Errorf("added %+v: not a sibling of a bound ACE", a)
		}
	}
	t.Logf("%d ClassBench ACEs, %d entries; %d siblings, %d entries", len(bound), before.EntriesUsed, added.Len(), after.EntriesUsed)
}

func TestSibling(t *testing.T) {
	base := acl.ACE{Kind: acl.Extended, Action: acl.Permit, AnyProto: true, Src: acl.AnyAddress, Dst: acl.AnyAddress, ICMPType: -1, ICMPCode: -1}
	a := base
	a.Src = acl.NewAddress(0x0a000000, 0x00ffffff) // 10.0.0.0/8
	if s, ok := sibling(a, 3); !ok || s.Src.IP != 0x09000000 || s.Src.Wildcard != a.Src.Wildcard || s.Dst != a.Dst {
		t.Errorf("sibling(10/8, 3) = %+v, %v; want 9.0.0.0/8 (the prefix's low bits ^ 3)", s.Src, ok)
	}
	b := base
	b.Dst = acl.NewAddress(0xc0a80101, 0) // host 192.168.1.1, source any
	if s, ok := sibling(b, 1); !ok || s.Dst.IP != 0xc0a80100 || s.Src != b.Src {
		t.Errorf("sibling(any, host, 1) = %+v, %v", s, ok)
	}
	c := base
	c.Src = acl.NewAddress(0x80000000, 0x7fffffff) // 128/1: one bit, one other value
	if _, ok := sibling(c, 2); ok {
		t.Error("sibling(128/1, 2): a /1 has no third value")
	}
	if _, ok := sibling(base, 1); ok {
		t.Error("sibling(any any): no prefix to vary")
	}
	if shapeOf(a) != shapeOf(mustSibling(t, a, 5)) {
		t.Error("a sibling has another shape")
	}
}

func mustSibling(t *testing.T, a acl.ACE, k uint32) acl.ACE {
	t.Helper()
	s, ok := sibling(a, k)
	if !ok {
		t.Fatalf("sibling(%+v, %d)", a, k)
	}
	return s
}
