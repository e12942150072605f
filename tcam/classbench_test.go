package tcam

import (
	"path/filepath"
	"testing"

	"github.com/l2sw/l2sw/internal/shareddata"
	"github.com/l2sw/l2sw/tcam/classbench"
)

// classbenchDir locates shared/data/classbench/neurocuts beside the
// repository.
func classbenchDir(tb testing.TB) string {
	tb.Helper()
	return shareddata.Path(tb, "data", "classbench", "neurocuts")
}

type loadedSet struct {
	rules   []Rule
	trace   []classbench.Packet
	filters []classbench.Filter
}

func loadSet(tb testing.TB, name string) loadedSet {
	tb.Helper()
	dir := classbenchDir(tb)
	fs, err := classbench.LoadFilters(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	aces, err := classbench.ACEs(fs)
	if err != nil {
		tb.Fatal(err)
	}
	var rules []Rule
	for i := range aces {
		rules = append(rules, RulesForACE(&aces[i], int32(i))...)
	}
	tr, err := classbench.LoadTrace(filepath.Join(dir, name+"_trace"))
	if err != nil {
		tb.Fatal(err)
	}
	return loadedSet{rules: rules, trace: tr, filters: fs}
}

func headerOf(p *classbench.Packet) Header {
	return Header{Src: p.Src, Dst: p.Dst, SrcPort: p.Sport, DstPort: p.Dport, Proto: p.Proto}
}

var classbenchSets = []string{"acl1_1k", "fw1_1k", "ipc1_1k", "acl1_10k", "fw1_10k", "ipc1_10k"}

func TestClassBenchTraces(t *testing.T) {
	for _, name := range classbenchSets {
		t.Run(name, func(t *testing.T) {
			s := loadSet(t, name)
			c := NewClassifier(s.rules)
			st := c.Stats()
			t.Logf("%s: %d rules, %+v", name, len(s.rules), st)
			bad := 0
			for i := range s.trace {
				h := headerOf(&s.trace[i])
				r := c.Lookup(&h)
				if r == nil || int(r.ID) != s.trace[i].First || r.Permit != (s.trace[i].First%2 == 0) {
					if bad < 5 {
						t.Errorf("header %d %+v: got %+v want first %d", i, h, r, s.trace[i].First)
					}
					bad++
				}
			}
			if bad > 0 {
				t.Fatalf("%d/%d headers mismatched", bad, len(s.trace))
			}
		})
	}
}
