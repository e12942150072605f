package tcam

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/l2sw/l2sw/counter"
	"github.com/l2sw/l2sw/tcam/acl"
)

// recycleFixture is a bound 10k-rule list (trees, not bit vectors) in a
// TCAM with the dataplane's shards, so its compactions recycle.
type recycleFixture struct {
	tc     *TCAM
	id     BindingID
	b      *Binding
	shards *counter.Shards
	aces   []acl.ACE // the ACL as committed, in sequence order
	hs     []Header
	step   int
}

func newRecycleFixture(t *testing.T) *recycleFixture {
	l, aces := loadList(t, "acl1_10k")
	f := &recycleFixture{shards: counter.NewShards(2), id: BindingID{FeatureRACL, "Vlan1", In}, aces: aces}
	f.tc = New(Config{Limits: Limits{Entries: 1 << 20, Masks: 1 << 20, EntriesPerMask: 8, RangeUnits: 32}, Shards: f.shards})
	if _, err := f.tc.Apply(f.id, l); err != nil {
		t.Fatal(err)
	}
	f.b = f.tc.Binding(f.id)
	s := loadSet(t, "acl1_10k")
	for i := 0; i < len(s.trace); i += len(s.trace) / 500 {
		f.hs = append(f.hs, headerOf(&s.trace[i]))
	}
	return f
}

// edit inserts a copy of an ACE at a fresh sequence number and deletes
// one inserted earlier, so the list keeps its size.
func (f *recycleFixture) edit(t *testing.T) {
	f.step++
	a := f.aces[(f.step*7919)%len(f.aces)]
	a.Seq += 5
	if _, err := f.tc.InsertACE(f.id, a); err != nil {
		t.Fatal(err)
	}
	if err := f.tc.DeleteACE(f.id, a.Seq); err != nil {
		t.Fatal(err)
	}
}

// storeOf names the arrays a version reads.
type storeOf struct{ refs, recs unsafe.Pointer }

func arraysOf(p *program) storeOf {
	return storeOf{unsafe.Pointer(unsafe.SliceData(p.cls.st.refs)), unsafe.Pointer(unsafe.SliceData(p.cls.st.recs))}
}

// editUntil edits until n compactions have happened and returns the
// arrays of every version published.
func (f *recycleFixture) editUntil(t *testing.T, n int) []storeOf {
	var seen []storeOf
	ar := f.b.current().cls.ar
	for k := 0; n > 0; k++ {
		if k > 20000 {
			t.Fatal("no compaction in 20000 edits")
		}
		f.edit(t)
		p := f.b.current()
		if p.cls.ar != ar {
			ar = p.cls.ar
			n--
			seen = append(seen, arraysOf(p))
		}
	}
	return seen
}

// checkVersion classifies the fixture's headers with p and compares the
// result with first match over aces.
func (f *recycleFixture) checkVersion(t *testing.T, p *program, aces []acl.ACE) {
	t.Helper()
	for i := range f.hs {
		h := &f.hs[i]
		got := verdictOf(p.classify(h), p)
		want := aceOracle(aces, h)
		if got.Matched != (want >= 0) || want >= 0 && got.Seq != aces[want].Seq {
			t.Fatalf("header %+v: the held version says %+v, its ACL says index %d", *h, got, want)
		}
	}
}

// A compaction recycles a retired store only once no reader can see it: a
// worker in the middle of a batch (its shard held) or a Lookup in flight
// keeps the version it loaded, and the arrays it reads, intact across any
// number of compactions; once it lets go, they are recycled.
func TestRecycleWaitsForReaders(t *testing.T) {
	for _, reader := range []string{"shard", "lookup"} {
		t.Run(reader, func(t *testing.T) {
			f := newRecycleFixture(t)
			// Past the first compaction: the version held below reads a
			// store that a compaction will retire (the built one is
			// replaced when the first edit reserves room).
			f.editUntil(t, 1)
			hold, release := f.shards.At(1).Lock, f.shards.At(1).Unlock
			if reader == "lookup" {
				hold, release = f.b.slow.RLock, f.b.slow.RUnlock
			}
			hold()
			held := f.b.current()
			heldArrays := arraysOf(held)
			for _, s := range f.editUntil(t, 4) {
				if s.refs == heldArrays.refs || s.recs == heldArrays.recs {
					t.Fatalf("a compaction reused the arrays a reader still holds")
				}
			}
			f.checkVersion(t, held, f.aces)
			release()
			// Reused arrays show up as the arrays of an earlier version.
			seen := f.editUntil(t, 4)
			reused := false
			for i := range seen {
				for j := range i {
					reused = reused || seen[i].refs == seen[j].refs || seen[i].recs == seen[j].recs
				}
			}
			if !reused {
				t.Fatalf("no store was recycled once the reader let go")
			}
			f.checkVersion(t, f.b.current(), f.aces)
		})
	}
}

// Workers classifying in batches, as the dataplane does, and Lookups,
// while the config loop edits and compacts: every verdict stays that of
// the unchanged ACL (the edits are copies of ACEs placed after their
// originals, so they never win), and the race detector sees each recycled
// array written only after its last reader is done.
func TestRecycleConcurrentReaders(t *testing.T) {
	f := newRecycleFixture(t)
	want := make([]Verdict, len(f.hs))
	for i := range f.hs {
		want[i] = f.b.Lookup(&f.hs[i])
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, 3)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh := f.shards.At(w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				sh.Lock()
				for i := range f.hs {
					if v := f.b.Classify(w, &f.hs[i]); v.Seq != want[i].Seq || v.Matched != want[i].Matched {
						errs <- "worker: verdict changed"
						sh.Unlock()
						return
					}
				}
				sh.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := range f.hs {
				if v := f.b.Lookup(&f.hs[i]); v.Seq != want[i].Seq || v.Matched != want[i].Matched {
					errs <- "Lookup: verdict changed"
					return
				}
			}
		}
	}()
	f.editUntil(t, 3)
	close(stop)
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatal(e)
	default:
	}
}

// A build reserves no room for updates (a list that is never edited costs
// its live bytes, not three times as many); the first update does, and
// later ones append without moving the store until it is compacted.
func TestRoomReservedOnFirstUpdate(t *testing.T) {
	// fw1: its refs outgrew their share of the room before a compaction.
	s := loadSet(t, "fw1_10k")
	c := NewClassifier(s.rules)
	capBytes := func(c *Classifier) int {
		return cap(c.st.refs)*int(unsafe.Sizeof(ref(0))) + cap(c.st.recs)*int(unsafe.Sizeof(leafRec{}))
	}
	live := c.st.bytes()
	if got := capBytes(c); got > live*3/2 {
		t.Fatalf("built store holds %d bytes for %d live", got, live)
	}
	r := s.rules[len(s.rules)/2]
	r.Priority++
	c = c.Insert(r)
	if got := capBytes(c); got < 2*live {
		t.Fatalf("after the first update the store holds %d bytes for %d live: no room", got, live)
	}
	ar, refs, recs := c.ar, unsafe.SliceData(c.st.refs), unsafe.SliceData(c.st.recs)
	for k, n := 0, 0; n < 16; k++ {
		r := s.rules[(k*7919)%len(s.rules)]
		r.Priority += 5
		c = c.Insert(r).Delete(r)
		if c.ar != ar {
			ar, refs, recs = c.ar, unsafe.SliceData(c.st.refs), unsafe.SliceData(c.st.recs)
			n++
		} else if unsafe.SliceData(c.st.refs) != refs || unsafe.SliceData(c.st.recs) != recs {
			t.Fatalf("update %d moved the store between compactions", k)
		}
	}
}
