package fault

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port/mem"
)

// TestFlapTogglesTheLink: `flap 1s` takes the link down at once, up a
// second later, down again after another, counts each down, and brings
// the link back up when removed.
func TestFlapTogglesTheLink(t *testing.T) {
	inj := New()
	w := inj.Wrap(mem.New("m"))
	defer func() { _ = w.Close() }()
	var mu sync.Mutex
	var changes []bool
	inj.NotifyFlap(func(up bool) { mu.Lock(); changes = append(changes, up); mu.Unlock() })
	got := func() []bool { mu.Lock(); defer mu.Unlock(); return slices.Clone(changes) }
	if err := inj.Set(Config{Flap: time.Second}); err != nil {
		t.Fatal(err)
	}
	if c := got(); !slices.Equal(c, []bool{false}) {
		t.Fatalf("right after Set: link changes %v, want [down]", c)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(got()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if c := got(); !slices.Equal(c[:min(3, len(c))], []bool{false, true, false}) {
		t.Fatalf("link changes %v, want down, up, down", c)
	}
	if n := inj.Stats().Flaps; n < 2 {
		t.Errorf("%d flaps counted, want 2", n)
	}
	if err := inj.Set(Config{}); err != nil {
		t.Fatal(err)
	}
	if c := got(); c[len(c)-1] != true {
		t.Errorf("after removing the flap the link is down (%v)", c)
	}
	if err := (Config{Flap: 1500 * time.Millisecond}).Validate(); err == nil {
		t.Error("a flap of 1.5 s validated")
	}
}

// TestOnReflectSeesReflectedFrames: the observer sees each frame the
// reflection sends back, as sent.
func TestOnReflectSeesReflectedFrames(t *testing.T) {
	m, w, inj := wrap(t, Config{Reflect: ReflectMulticast})
	var mu sync.Mutex
	var seen [][]byte
	inj.OnReflect(func(f []byte) { mu.Lock(); seen = append(seen, append([]byte(nil), f...)); mu.Unlock() })
	r := startReader(w)
	mc := frameN(1, 7)
	mc[0] = 0x01
	m.Inject(mc)
	m.Inject(frameN(1, 8)) // unicast: not reflected
	for range 2 {
		select {
		case <-r.ch:
		case <-time.After(2 * time.Second):
			t.Fatal("frames not received")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || string(seen[0]) != string(mc) {
		t.Errorf("observer saw %x, want the multicast frame once", seen)
	}
}

// TestReflectKinds: each reflect kind sends back exactly its frames:
// multicast the group-addressed ones but broadcast, broadcast only
// broadcast, all every frame.
func TestReflectKinds(t *testing.T) {
	uni := frameN(1, 1)
	bcast := frameN(1, 2)
	copy(bcast, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	mcast := frameN(1, 3)
	copy(mcast, []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12})
	for _, c := range []struct {
		r    Reflect
		want []int
	}{{ReflectMulticast, []int{3}}, {ReflectBroadcast, []int{2}}, {ReflectAll, []int{1, 2, 3}}} {
		m, w, inj := wrap(t, Config{Reflect: c.r})
		m.Inject(uni, bcast, mcast)
		if got := startReader(w).until(200 * time.Millisecond); len(got) != 3 {
			t.Errorf("reflect %v: the switch read %d frames, want 3", c.r, len(got))
		}
		if got := seqs(m.Sent()); !slices.Equal(got, c.want) {
			t.Errorf("reflect %v: sent back %v, want %v", c.r, got, c.want)
		}
		if n := inj.Stats().Reflected; n != uint64(len(c.want)) {
			t.Errorf("reflect %v: counted %d", c.r, n)
		}
	}
}
