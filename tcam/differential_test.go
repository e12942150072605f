package tcam

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/l2sw/l2sw/tcam/acl"
)

// Port values that sit on the boundaries ACLs are written against.
var edgePorts = []uint16{0, 1, 22, 79, 80, 81, 1023, 1024, 1025, 65534, 65535}

func randPort(r *rand.Rand) uint16 {
	if r.IntN(3) > 0 {
		return edgePorts[r.IntN(len(edgePorts))]
	}
	return uint16(r.IntN(65536))
}

// A small address pool makes rules overlap a lot.
var addrPool = []uint32{0x0a000000, 0x0a000001, 0x0a0000ff, 0x0a010000, 0xc0a80101, 0xffffffff, 0}

func randAddr(r *rand.Rand) acl.Address {
	ip := addrPool[r.IntN(len(addrPool))] ^ uint32(r.IntN(4))
	switch r.IntN(6) {
	case 0:
		return acl.AnyAddress
	case 1:
		return acl.Host(ip)
	case 2: // non-contiguous wildcard
		return acl.NewAddress(ip, 0x00ff00ff&r.Uint32())
	default:
		l := r.IntN(33)
		return acl.NewAddress(ip, uint32((uint64(1)<<(32-l))-1))
	}
}

func randPortMatch(r *rand.Rand) acl.PortMatch {
	switch r.IntN(6) {
	case 0:
		return acl.PortMatch{Op: acl.PortEq, Lo: randPort(r)}
	case 1:
		return acl.PortMatch{Op: acl.PortNeq, Lo: randPort(r)}
	case 2:
		return acl.PortMatch{Op: acl.PortLt, Lo: randPort(r)}
	case 3:
		return acl.PortMatch{Op: acl.PortGt, Lo: randPort(r)}
	case 4:
		a, b := randPort(r), randPort(r)
		if a > b {
			a, b = b, a
		}
		return acl.PortMatch{Op: acl.PortRange, Lo: a, Hi: b}
	}
	return acl.PortMatch{}
}

var protoPool = []uint8{acl.ProtoTCP, acl.ProtoUDP, acl.ProtoICMP, acl.ProtoGRE}

func randACE(r *rand.Rand, seq uint32) acl.ACE {
	a := acl.ACE{Seq: seq, Kind: acl.Extended, Action: acl.Action(r.IntN(2)), ICMPType: -1, ICMPCode: -1,
		Src: randAddr(r), Dst: randAddr(r)}
	if r.IntN(4) == 0 {
		a.AnyProto = true
		return a
	}
	a.Proto = protoPool[r.IntN(len(protoPool))]
	switch a.Proto {
	case acl.ProtoTCP, acl.ProtoUDP:
		a.SrcPort, a.DstPort = randPortMatch(r), randPortMatch(r)
		if a.Proto == acl.ProtoTCP && r.IntN(4) == 0 {
			a.Established = true
		}
		if a.Proto == acl.ProtoTCP && r.IntN(6) == 0 {
			a.TCPFlags = acl.FlagSYN
		}
	case acl.ProtoICMP:
		if r.IntN(2) == 0 {
			a.ICMPType = int16(r.IntN(12))
			if r.IntN(2) == 0 {
				a.ICMPCode = int16(r.IntN(4))
			}
		}
	}
	return a
}

func randHeader(r *rand.Rand) Header {
	pick := func() uint32 {
		if r.IntN(4) == 0 {
			return r.Uint32()
		}
		return addrPool[r.IntN(len(addrPool))] ^ uint32(r.IntN(4)) ^ (uint32(r.IntN(2)) << 16)
	}
	h := Header{Src: pick(), Dst: pick(), Proto: protoPool[r.IntN(len(protoPool))], Flags: uint8(r.IntN(64))}
	if r.IntN(8) == 0 {
		h.Proto = uint8(r.IntN(256))
	}
	h.SrcPort, h.DstPort = randPort(r), randPort(r)
	if h.Proto == acl.ProtoICMP {
		h.SrcPort, h.DstPort = uint16(r.IntN(12)), uint16(r.IntN(4))
	}
	return h
}

// aceOracle is first-match over ACEs with the acl package's own semantics:
// it checks RulesForACE as well as the classifier.
func aceOracle(aces []acl.ACE, h *Header) int {
	for i := range aces {
		if aces[i].Matches(h.Proto, h.Src, h.Dst, h.SrcPort, h.DstPort, h.Flags) {
			return i
		}
	}
	return -1
}

func checkAgainstOracle(t *testing.T, c *Classifier, aces []acl.ACE, id2idx map[int32]int, r *rand.Rand, n int) {
	t.Helper()
	prog := newProgram(c, true, nil)
	for k := 0; k < n; k++ {
		h := randHeader(r)
		want := aceOracle(aces, &h)
		got := c.Lookup(&h)
		gotIdx := -1
		if got != nil {
			gotIdx = id2idx[got.ID]
		}
		// The verdict path (Binding.Classify) must agree with Lookup.
		if v := c.classify(&h); (v.bits&recFound != 0) != (got != nil) ||
			got != nil && (v.id != got.ID || v.prio != got.Priority || (v.bits&recPermit != 0) != got.Permit || (v.bits&recLog != 0) != got.Log) {
			t.Fatalf("header %+v: classify %+v, Lookup %+v", h, v, got)
		}
		if v, pv := c.classify(&h), prog.classify(&h); v != pv {
			t.Fatalf("header %+v: the program's classify %+v, the classifier's %+v", h, pv, v)
		}
		if gotIdx != want {
			t.Fatalf("header %+v: classifier %d, oracle %d (%v)", h, gotIdx, want, func() string {
				if want >= 0 {
					return aces[want].String()
				}
				return "none"
			}())
		}
	}
}

// newLayout builds a classifier as one tree or as the partitioned trees,
// whatever NewClassifier would choose, so both layouts are tested on sets
// of any size.
func newLayout(rules []Rule, single bool) *Classifier {
	c := build(rules, single)
	c.ar = newArena(&c.st, defaultSlack, 50, false)
	return c
}

func TestClassifierDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rounds := 60
	if testing.Short() {
		rounds = 15
	}
	for round := 0; round < rounds; round++ {
		n := 1 + r.IntN(300)
		aces := make([]acl.ACE, n)
		var rules []Rule
		id2idx := map[int32]int{}
		for i := range aces {
			aces[i] = randACE(r, uint32(10*(i+1)))
			rules = append(rules, RulesForACE(&aces[i], int32(i))...)
			id2idx[int32(i)] = i
		}
		lin := NewLinear(rules)
		for _, c := range []*Classifier{NewClassifier(rules), newLayout(rules, round%2 == 0)} {
			checkAgainstOracle(t, c, aces, id2idx, r, 1000)
			for k := 0; k < 500; k++ {
				h := randHeader(r)
				a, b := c.Lookup(&h), lin.Lookup(&h)
				if (a == nil) != (b == nil) || (a != nil && a.ID != b.ID) {
					t.Fatalf("classifier (single tree %v) vs linear differ on %+v", c.single, h)
				}
			}
		}
	}
}

// TestClassifierIncremental applies random inserts and deletes through the
// path-copying update and checks every version, and that old versions are
// not disturbed.
func TestClassifierIncremental(t *testing.T) {
	for _, single := range []bool{false, true} {
		t.Run(map[bool]string{false: "partitioned", true: "single"}[single], func(t *testing.T) {
			testClassifierIncremental(t, single)
		})
	}
}

func testClassifierIncremental(t *testing.T, single bool) {
	r := rand.New(rand.NewPCG(3, 4))
	var aces []acl.ACE
	var rules []Rule
	for i := 0; i < 200; i++ {
		aces = append(aces, randACE(r, uint32(100*(i+1))))
		rules = append(rules, RulesForACE(&aces[i], int32(i))...)
	}
	id2idx := func() map[int32]int {
		m := map[int32]int{}
		for i := range aces {
			m[int32(aces[i].Seq)] = i
		}
		return m
	}
	// Use the seq as ID so indices survive reordering.
	rules = rules[:0]
	for i := range aces {
		rules = append(rules, RulesForACE(&aces[i], int32(aces[i].Seq))...)
	}
	c := newLayout(rules, single)
	next := uint32(100*len(aces) + 1)
	steps := 300
	if testing.Short() {
		steps = 80
	}
	for step := 0; step < steps; step++ {
		old, oldACEs := c, append([]acl.ACE(nil), aces...)
		if r.IntN(2) == 0 && len(aces) > 0 {
			i := r.IntN(len(aces))
			for _, rl := range RulesForACE(&aces[i], int32(aces[i].Seq)) {
				c = c.Delete(rl)
			}
			aces = append(aces[:i], aces[i+1:]...)
		} else {
			seq := uint32(r.IntN(int(next))) | 1 // odd: never collides with existing multiples of 100
			a := randACE(r, seq)
			pos := 0
			for pos < len(aces) && aces[pos].Seq < seq {
				pos++
			}
			if pos < len(aces) && aces[pos].Seq == seq {
				continue
			}
			aces = append(aces[:pos], append([]acl.ACE{a}, aces[pos:]...)...)
			for _, rl := range RulesForACE(&a, int32(a.Seq)) {
				c = c.Insert(rl)
			}
		}
		checkAgainstOracle(t, c, aces, id2idx(), r, 300)
		if step%10 == 0 {
			m := map[int32]int{}
			for i := range oldACEs {
				m[int32(oldACEs[i].Seq)] = i
			}
			checkAgainstOracle(t, old, oldACEs, m, r, 100)
		}
	}
}

func FuzzClassifier(f *testing.F) {
	f.Add(uint64(1), uint16(20), uint64(7))
	f.Add(uint64(99), uint16(300), uint64(8))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, pseed uint64) {
		r := rand.New(rand.NewPCG(seed, uint64(n)))
		aces := make([]acl.ACE, int(n)%400)
		var rules []Rule
		m := map[int32]int{}
		for i := range aces {
			aces[i] = randACE(r, uint32(i+1))
			rules = append(rules, RulesForACE(&aces[i], int32(i))...)
			m[int32(i)] = i
		}
		c := NewClassifier(rules)
		checkAgainstOracle(t, c, aces, m, rand.New(rand.NewPCG(pseed, 0)), 50)
	})
}

// TestClassifierArenaCompactionAndForks drives updates through compactions
// (no slack, so garbage past the live size compacts) and through updates of
// older versions (which must copy the shared store instead of appending over
// what newer versions appended), checking every version against the oracle.
func TestClassifierArenaCompactionAndForks(t *testing.T) {
	for _, single := range []bool{false, true} {
		t.Run(map[bool]string{false: "partitioned", true: "single"}[single], func(t *testing.T) {
			testClassifierArenaCompactionAndForks(t, single)
		})
	}
}

func testClassifierArenaCompactionAndForks(t *testing.T, single bool) {
	r := rand.New(rand.NewPCG(5, 6))
	type version struct {
		c    *Classifier
		aces []acl.ACE
	}
	idx := func(aces []acl.ACE) map[int32]int {
		m := map[int32]int{}
		for i := range aces {
			m[int32(aces[i].Seq)] = i
		}
		return m
	}
	var aces []acl.ACE
	var rules []Rule
	for i := 0; i < 150; i++ {
		aces = append(aces, randACE(r, uint32(100*(i+1))))
		rules = append(rules, RulesForACE(&aces[i], int32(aces[i].Seq))...)
	}
	c := newLayout(rules, single)
	c.ar.slack = 0
	// step applies one random insert or delete to v.
	step := func(v version) version {
		aces := append([]acl.ACE(nil), v.aces...)
		c := v.c
		if r.IntN(2) == 0 && len(aces) > 0 {
			i := r.IntN(len(aces))
			for _, rl := range RulesForACE(&aces[i], int32(aces[i].Seq)) {
				c = c.Delete(rl)
			}
			return version{c, append(aces[:i], aces[i+1:]...)}
		}
		seq := uint32(r.IntN(100*200)) | 1
		pos := 0
		for pos < len(aces) && aces[pos].Seq < seq {
			pos++
		}
		if pos < len(aces) && aces[pos].Seq == seq {
			return v
		}
		a := randACE(r, seq)
		for _, rl := range RulesForACE(&a, int32(a.Seq)) {
			c = c.Insert(rl)
		}
		return version{c, append(aces[:pos], append([]acl.ACE{a}, aces[pos:]...)...)}
	}
	steps := 400
	if testing.Short() {
		steps = 120
	}
	history := []version{{c, aces}}
	compactions, forks := 0, 0
	for s := 0; s < steps; s++ {
		cur := history[len(history)-1]
		next := step(cur)
		if next.c.ar != cur.c.ar && next.c.gen == 0 {
			compactions++
		}
		history = append(history, next)
		checkAgainstOracle(t, next.c, next.aces, idx(next.aces), r, 150)
		if s%7 == 3 {
			// Update an older version; then the newer ones must be intact.
			old := history[r.IntN(len(history)-1)]
			branch := step(old)
			if branch.c != old.c {
				forks++
			}
			checkAgainstOracle(t, branch.c, branch.aces, idx(branch.aces), r, 150)
			for _, v := range history[len(history)-3:] {
				checkAgainstOracle(t, v.c, v.aces, idx(v.aces), r, 50)
			}
			if s%2 == 1 {
				// Continue from the branch: it owns its own arena.
				history = append(history, branch)
			}
		}
		if len(history) > 40 {
			history = history[len(history)-40:]
		}
	}
	if compactions == 0 || forks == 0 {
		t.Fatalf("exercised %d compactions and %d forks, want both", compactions, forks)
	}
	t.Logf("%d compactions, %d forks", compactions, forks)
}

// TestClassifierUpdateRoundsClassBench runs many one-rule insert/delete
// rounds on real rule sets with no compaction slack, so the store is
// compacted many times (with the rule table shared, and on the small set
// also remapped), and checks the classifier against the linear oracle at
// checkpoints, including a version kept from before the compactions.
func TestClassifierUpdateRoundsClassBench(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rounds int
		single bool // for the 1k sets, which NewClassifier gives bit vectors
	}{{"fw1_10k", 4000, false}, {"fw1_1k", 2500, false}, {"acl1_1k", 2500, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rounds := tc.rounds
			if testing.Short() {
				rounds /= 4
			}
			s := loadSet(t, tc.name)
			r := rand.New(rand.NewPCG(7, uint64(len(s.rules))))
			var hs []Header
			for i := 0; i < 300; i++ {
				hs = append(hs, headerOf(&s.trace[r.IntN(len(s.trace))]), randHeader(r))
			}
			check := func(c *Classifier, rules []Rule) {
				t.Helper()
				lin := NewLinear(rules)
				for i := range hs {
					a, b := c.Lookup(&hs[i]), lin.Lookup(&hs[i])
					if (a == nil) != (b == nil) || (a != nil && (a.ID != b.ID || a.Priority != b.Priority)) {
						t.Fatalf("header %+v: classifier %+v, linear %+v", hs[i], a, b)
					}
				}
			}
			c := NewClassifier(s.rules)
			if c.bv != nil {
				c = newLayout(s.rules, tc.single)
			}
			c.ar.slack = 0
			first := c
			compactions, remaps := 0, 0
			for i := 0; i < rounds; i++ {
				add := s.rules[r.IntN(len(s.rules))]
				add.Priority += 1 + uint32(r.IntN(3))
				add.ID = int32(len(s.rules) + i)
				ar, nRules := c.ar, len(c.st.rules)
				c = c.Insert(add)
				if i%(rounds/6) == 0 {
					check(c, append(append([]Rule(nil), s.rules...), add))
				}
				c = c.Delete(add)
				if c.ar != ar {
					compactions++
					if len(c.st.rules) < nRules {
						remaps++
					}
				}
				if c.Len() != len(s.rules) {
					t.Fatalf("round %d: %d rules, want %d", i, c.Len(), len(s.rules))
				}
			}
			check(c, s.rules)
			check(first, s.rules)
			if compactions < 2 {
				t.Fatalf("%d compactions, want several", compactions)
			}
			if tc.name == "fw1_1k" && remaps == 0 {
				t.Fatalf("no compaction remapped the rule table")
			}
			if tc.name == "acl1_1k" && !c.single {
				t.Fatalf("acl1_1k is not one tree")
			}
			t.Logf("%d compactions, %d of them remapping the rule table", compactions, remaps)
		})
	}
}

// TestClassifierCatchAllDefault checks the rule kept out of the trees (the
// best rule matching everything) through inserts and deletes of several
// such rules at priorities before, between and after the others.
func TestClassifierCatchAllDefault(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var rules []Rule
	for i := range 120 {
		a := randACE(r, uint32(10*(i+1)))
		rules = append(rules, RulesForACE(&a, int32(i))...)
	}
	any := func(prio uint32, id int32, permit bool) Rule {
		return Rule{Priority: prio, ID: id, Permit: permit, SrcPortHi: 0xffff, DstPortHi: 0xffff}
	}
	check := func(c *Classifier, rules []Rule, what string) {
		t.Helper()
		lin := NewLinear(rules)
		for k := 0; k < 400; k++ {
			h := randHeader(r)
			a, b := c.Lookup(&h), lin.Lookup(&h)
			if (a == nil) != (b == nil) || (a != nil && a.ID != b.ID) {
				t.Fatalf("%s: header %+v: classifier %+v, linear %+v", what, h, a, b)
			}
		}
		if c.Len() != len(rules) {
			t.Fatalf("%s: Len %d, want %d", what, c.Len(), len(rules))
		}
	}
	without := func(rules []Rule, id int32) []Rule {
		var out []Rule
		for _, x := range rules {
			if x.ID != id {
				out = append(out, x)
			}
		}
		return out
	}
	for _, single := range []bool{false, true} {
		cur := append(append([]Rule(nil), rules...), any(605, 1000, true), any(1205, 1001, false))
		c := newLayout(cur, single)
		if c.def == nil || c.def.ID != 1000 {
			t.Fatalf("default %+v, want ID 1000", c.def)
		}
		check(c, cur, "built")
		steps := []struct {
			what string
			ins  bool
			rule Rule
		}{
			{"insert a better catch-all", true, any(305, 1002, false)},
			{"insert a worse one", true, any(905, 1003, true)},
			{"delete the default", false, any(305, 1002, false)},
			{"delete a catch-all in a tree", false, any(605, 1000, true)},
			{"insert one before every rule", true, any(1, 1004, true)},
			{"delete it", false, any(1, 1004, true)},
		}
		for _, st := range steps {
			if st.ins {
				c = c.Insert(st.rule)
				cur = append(cur, st.rule)
			} else {
				c = c.Delete(st.rule)
				cur = without(cur, st.rule.ID)
			}
			check(c, cur, st.what)
		}
	}
}

// TestBitvecUpdates drives a bit-vector classifier through inserts and
// deletes (of its own rules, of inserted ones, of rules it does not have)
// across several rebuilds, checking every version against the linear
// oracle, and that a version kept from the start is not disturbed.
func TestBitvecUpdates(t *testing.T) {
	for _, name := range []string{"acl1_1k", "fw1_1k", "ipc1_1k"} {
		t.Run(name, func(t *testing.T) {
			s := loadSet(t, name)
			r := rand.New(rand.NewPCG(11, uint64(len(s.rules))))
			var hs []Header
			for i := 0; i < 200; i++ {
				hs = append(hs, headerOf(&s.trace[r.IntN(len(s.trace))]), randHeader(r))
			}
			check := func(c *Classifier, rules []Rule, step int) {
				t.Helper()
				lin := NewLinear(rules)
				for i := range hs {
					a, b := c.Lookup(&hs[i]), lin.Lookup(&hs[i])
					if (a == nil) != (b == nil) || (a != nil && (a.ID != b.ID || a.Priority != b.Priority)) {
						t.Fatalf("step %d, header %+v: classifier %+v, linear %+v", step, hs[i], a, b)
					}
					if v := c.classify(&hs[i]); (v.bits&recFound != 0) != (b != nil) || (b != nil && (v.id != b.ID || v.prio != b.Priority || (v.bits&recPermit != 0) != b.Permit)) {
						t.Fatalf("step %d: classify %+v and Lookup %+v disagree on %+v", step, v, b, hs[i])
					}
				}
				if c.Len() != len(rules) {
					t.Fatalf("step %d: Len %d, want %d", step, c.Len(), len(rules))
				}
			}
			c := NewClassifier(s.rules)
			if c.bv == nil {
				t.Fatal("not bit vectors")
			}
			first, rules := c, slices.Clone(s.rules)
			rebuilds := 0
			steps := 600
			if testing.Short() {
				steps = 200
			}
			for step := range steps {
				bv := c.bv
				switch op := r.IntN(5); {
				case op < 2: // insert a variant of a rule, or a random one
					add := rules[r.IntN(len(rules))]
					if op == 1 {
						a := randACE(r, 0)
						if rs := RulesForACE(&a, 0); len(rs) > 0 {
							add = rs[0]
						}
					}
					add.Priority = uint32(r.IntN(int(rules[len(rules)-1].Priority) + 10))
					add.ID = int32(100000 + step)
					c = c.Insert(add)
					rules = append(rules, add)
				case op < 4 && len(rules) > 1: // delete a rule
					i := r.IntN(len(rules))
					c = c.Delete(rules[i])
					rules = slices.Delete(rules, i, i+1)
				default: // delete a rule that is not there
					gone := rules[r.IntN(len(rules))]
					gone.ID = -1
					c = c.Delete(gone)
				}
				if c.bv != bv {
					rebuilds++
				}
				if step%20 == 0 || c.bv != bv {
					check(c, rules, step)
				}
			}
			check(c, rules, steps)
			check(first, s.rules, -1)
			if rebuilds < 2 {
				t.Fatalf("%d rebuilds, want several", rebuilds)
			}
			t.Logf("%d rebuilds", rebuilds)
		})
	}
}

// TestBitvecFromEmpty builds a list line by line from an empty classifier
// (as an ACL bound empty and then edited): the rules inserted beside the
// empty bit vectors are folded into new vectors as they accumulate, and a
// short list's vectors stay small.
func TestBitvecFromEmpty(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	c := NewClassifier(nil)
	if c.bv == nil || c.Lookup(&Header{}) != nil {
		t.Fatalf("empty classifier: bv %v", c.bv != nil)
	}
	var rules []Rule
	for i := range 150 {
		a := randACE(r, uint32(10*(i+1)))
		for _, rl := range RulesForACE(&a, int32(i)) {
			c = c.Insert(rl)
			rules = append(rules, rl)
		}
		if i%10 == 9 {
			lin := NewLinear(rules)
			for range 300 {
				h := randHeader(r)
				a, b := c.Lookup(&h), lin.Lookup(&h)
				if (a == nil) != (b == nil) || (a != nil && a.ID != b.ID) {
					t.Fatalf("after %d ACEs, header %+v: classifier %+v, linear %+v", i+1, h, a, b)
				}
			}
		}
	}
	if c.bv == nil || len(c.bv.rules) < 100 {
		t.Fatalf("150 ACEs inserted one by one: bit vectors hold %d rules, want them folded in", len(c.bv.rules))
	}
	if st := NewClassifier(rules[:10]).Stats(); st.Bytes > 64<<10 {
		t.Fatalf("10 rules take %d bytes", st.Bytes)
	}
}

// TestBitvecVerifiesOddRules: rules the bit vectors only approximate (a
// non-contiguous wildcard, a value with bits outside its mask, a partial
// protocol mask, TCP flags) are confirmed against the full rule.
func TestBitvecVerifiesOddRules(t *testing.T) {
	rules := []Rule{
		{Priority: 10, ID: 1, SrcIP: 0x0a000001, SrcMask: 0xff00ffff, SrcPortHi: 0xffff, DstPortHi: 0xffff},                 // 10.x.0.1
		{Priority: 20, ID: 2, SrcIP: 0x0b000005, SrcMask: 0xffffff00, SrcPortHi: 0xffff, DstPortHi: 0xffff},                 // never matches
		{Priority: 30, ID: 3, Proto: 4, ProtoMask: 0xfe, SrcPortHi: 0xffff, DstPortHi: 0xffff},                              // protocols 4-5
		{Priority: 40, ID: 4, Proto: 6, ProtoMask: 0xff, FlagsValue: 2, FlagsMask: 2, SrcPortHi: 0xffff, DstPortHi: 0xffff}, // SYN
		{Priority: 50, ID: 5, SrcPortHi: 0xffff, DstPortHi: 0xffff},
	}
	c := NewClassifier(rules)
	if c.bv == nil {
		t.Fatal("not bit vectors")
	}
	for _, tc := range []struct {
		h    Header
		want int32
	}{
		{Header{Src: 0x0a070001}, 1},
		{Header{Src: 0x0a070101}, 5},
		{Header{Src: 0x0b000005}, 5},
		{Header{Src: 0x0b000000}, 5},
		{Header{Proto: 5}, 3},
		{Header{Proto: 8}, 5},
		{Header{Proto: 6, Flags: 2}, 4},
		{Header{Proto: 6, Flags: 0x10}, 5},
		{Header{Proto: 17, Flags: 2}, 5},
	} {
		if got := c.Lookup(&tc.h); got == nil || got.ID != tc.want {
			t.Errorf("%+v: got %+v, want rule %d", tc.h, got, tc.want)
		}
	}
	lin := NewLinear(rules)
	r := rand.New(rand.NewPCG(15, 16))
	for range 2000 {
		h := randHeader(r)
		h.Src ^= r.Uint32() & 0x00ff0000
		if a, b := c.Lookup(&h), lin.Lookup(&h); a.ID != b.ID {
			t.Fatalf("%+v: classifier %d, linear %d", h, a.ID, b.ID)
		}
	}
}
