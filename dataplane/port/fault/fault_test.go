package fault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/mem"
)

// frameN is a 64-byte unicast IPv4-typed frame whose payload carries n.
func frameN(dst byte, n int) []byte {
	f := make([]byte, 64)
	f[0], f[5] = 0x02, dst
	f[6], f[11] = 0x02, 0xee
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	binary.BigEndian.PutUint32(f[20:], uint32(n))
	return f
}

func seqOf(f []byte) int { return int(binary.BigEndian.Uint32(f[20:])) }

func frames(count int) [][]byte {
	out := make([][]byte, count)
	for i := range out {
		out[i] = frameN(1, i)
	}
	return out
}

// wrap returns a mem port, the injector's wrapper of it, and the injector.
func wrap(t *testing.T, c Config, opts ...Option) (*mem.Port, port.Port, *Injector) {
	t.Helper()
	m := mem.New("m")
	inj := New(opts...)
	w := inj.Wrap(m)
	if err := inj.Set(c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return m, w, inj
}

// reader reads a port on a goroutine of its own (Read blocks), each frame
// with the time it came.
type reader struct {
	ch chan got
}

type got struct {
	f  []byte
	at time.Time
}

func startReader(p port.Port) *reader {
	r := &reader{ch: make(chan got, 1<<16)}
	go func() {
		bufs := make([][]byte, 64)
		for i := range bufs {
			bufs[i] = make([]byte, port.BufferSize)
		}
		sizes := make([]int, 64)
		for {
			n, err := p.Read(bufs, sizes, port.Headroom)
			now := time.Now()
			for i := range n {
				r.ch <- got{append([]byte(nil), bufs[i][port.Headroom:port.Headroom+sizes[i]]...), now}
			}
			if err != nil {
				close(r.ch)
				return
			}
		}
	}()
	return r
}

// until collects frames until none came for idle.
func (r *reader) until(idle time.Duration) []got {
	var out []got
	for {
		select {
		case g, ok := <-r.ch:
			if !ok {
				return out
			}
			out = append(out, g)
		case <-time.After(idle):
			return out
		}
	}
}

func seqs(fs [][]byte) []int {
	out := make([]int, len(fs))
	for i, f := range fs {
		out[i] = seqOf(f)
	}
	return out
}

// TestNoFaultsPassesThrough: without faults a wrapped port is its inner
// port, and a Write costs no allocation.
func TestNoFaultsPassesThrough(t *testing.T) {
	m, w, _ := wrap(t, Config{})
	fs := frames(3)
	if n, err := w.Write(fs); n != 3 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := m.Sent(); !slices.EqualFunc(got, fs, bytes.Equal) {
		t.Errorf("sent %d frames, want the 3 written", len(got))
	}
	m.Inject(fs...)
	r := startReader(w)
	if got := r.until(100 * time.Millisecond); len(got) != 3 {
		t.Errorf("read %d frames, want 3", len(got))
	}
	sink := mem.New("sink", mem.Sink())
	ws := New().Wrap(sink)
	if a := testing.AllocsPerRun(100, func() { _, _ = ws.Write(fs) }); a != 0 {
		t.Errorf("Write without faults: %v allocs, want 0", a)
	}
	if _, ok := ws.(port.BufferSizer); !ok {
		t.Error("wrapper is not a port.BufferSizer")
	}
	if _, ok := ws.(port.OffloadPort); !ok {
		t.Error("wrapper of an offload port is not a port.OffloadPort")
	}
	if _, ok := New().Wrap(plainPort{sink}).(port.OffloadPort); ok {
		t.Error("wrapper of a plain port claims offloads")
	}
}

// plainPort hides mem.Port's offload methods.
type plainPort struct{ port.Port }

// TestDropIsWithinBoundsAndRepeatsWithASeed: drop 30 loses 27-33% of
// 10000 frames each way; the same seed loses the same frames, another
// seed others.
func TestDropIsWithinBoundsAndRepeatsWithASeed(t *testing.T) {
	const total = 10000
	run := func(seed uint64, dir Direction) []int {
		c := Config{Seed: seed, Seeded: true}
		c.Edit(dir, func(f *Faults) { f.Drop = 30 })
		m, w, inj := wrap(t, c)
		var kept []int
		if dir == Out {
			for _, f := range frames(total) {
				_, _ = w.Write([][]byte{f})
			}
			kept = seqs(m.Sent())
		} else {
			m.Inject(frames(total)...)
			for _, g := range startReader(w).until(200 * time.Millisecond) {
				kept = append(kept, seqOf(g.f))
			}
		}
		lost := total - len(kept)
		if lost < total*27/100 || lost > total*33/100 {
			t.Errorf("drop 30 %v: lost %d of %d", dir, lost, total)
		}
		if s := inj.Stats(); s.Affected(KindDrop, dir) != uint64(lost) {
			t.Errorf("drop 30 %v: counted %d, lost %d", dir, s.Affected(KindDrop, dir), lost)
		}
		if !slices.IsSorted(kept) {
			t.Errorf("drop %v reordered frames", dir)
		}
		return kept
	}
	for _, dir := range []Direction{Out, In} {
		a, b, c := run(7, dir), run(7, dir), run(8, dir)
		if !slices.Equal(a, b) {
			t.Errorf("%v: seed 7 twice kept different frames", dir)
		}
		if slices.Equal(a, c) {
			t.Errorf("%v: seeds 7 and 8 kept the same frames", dir)
		}
	}
}

// TestDelayIsMeasured: delay 50 holds frames 50 ms each way, and keeps
// their order; jitter spreads them within its bounds. A loaded machine
// can only make a frame later: the floor holds on every try, the ceiling
// on the best of a few.
func TestDelayIsMeasured(t *testing.T) {
	const delay = 50 * time.Millisecond
	best := func(t *testing.T, try func() time.Duration) {
		t.Helper()
		least := time.Hour
		for range 5 {
			took := try()
			if took < delay {
				t.Fatalf("frames after %v, before the %v delay", took, delay)
			}
			if least = min(least, took); least <= delay+15*time.Millisecond {
				return
			}
		}
		t.Errorf("frames after %v at best, want %v", least, delay)
	}
	t.Run("out", func(t *testing.T) {
		best(t, func() time.Duration {
			m, w, inj := wrap(t, Config{Out: Faults{Delay: delay}})
			var at atomic.Int64
			m.OnWrite(func() { at.CompareAndSwap(0, time.Now().UnixNano()) })
			start := time.Now()
			if n, err := w.Write(frames(5)); n != 5 || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
			if len(m.Sent()) != 0 {
				t.Fatal("a delayed frame went out at once")
			}
			for m.TxFrames() < 5 && time.Since(start) < 5*time.Second {
				time.Sleep(time.Millisecond)
			}
			if got := seqs(m.Sent()); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
				t.Fatalf("sent %v, want 0-4 in order", got)
			}
			if d := inj.Stats().Out.Delayed; d != 5 {
				t.Errorf("Delayed = %d, want 5", d)
			}
			return time.Unix(0, at.Load()).Sub(start)
		})
	})
	t.Run("in", func(t *testing.T) {
		best(t, func() time.Duration {
			m, w, inj := wrap(t, Config{In: Faults{Delay: delay}})
			r := startReader(w)
			start := time.Now()
			m.Inject(frames(3)...)
			var fs []got
			for len(fs) < 3 && time.Since(start) < 5*time.Second {
				fs = append(fs, r.until(100*time.Millisecond)...)
			}
			if len(fs) != 3 {
				t.Fatalf("read %d frames, want 3", len(fs))
			}
			if order := []int{seqOf(fs[0].f), seqOf(fs[1].f), seqOf(fs[2].f)}; !slices.Equal(order, []int{0, 1, 2}) {
				t.Errorf("read %v, want 0-2 in order", order)
			}
			if d := inj.Stats().In.Delayed; d != 3 {
				t.Errorf("Delayed = %d, want 3", d)
			}
			return fs[0].at.Sub(start)
		})
	})
	t.Run("jitter", func(t *testing.T) {
		m, w, _ := wrap(t, Config{Out: Faults{Delay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond}, Seed: 1, Seeded: true})
		var times []time.Duration
		start := time.Now()
		done := make(chan struct{}, 100)
		m.OnWrite(func() { done <- struct{}{} })
		for _, f := range frames(50) {
			_, _ = w.Write([][]byte{f})
		}
		deadline := time.After(2 * time.Second)
		for m.TxFrames() < 50 {
			select {
			case <-done:
				times = append(times, time.Since(start))
			case <-deadline:
				t.Fatal("delayed frames never all went out")
			}
		}
		// Timing under load only delays more: the floor is exact, the
		// spread shows the jitter, the ceiling has slack.
		lo, hi := slices.Min(times), slices.Max(times)
		if lo < 10*time.Millisecond || hi > 80*time.Millisecond || hi-lo < 5*time.Millisecond {
			t.Errorf("frames went out after %v to %v, want within 10-30 ms and spread", lo, hi)
		}
	})
}

// TestDuplicate: duplicate 100 sends every frame twice, right after
// itself, each way.
func TestDuplicate(t *testing.T) {
	m, w, inj := wrap(t, Config{In: Faults{Duplicate: 100}, Out: Faults{Duplicate: 100}})
	_, _ = w.Write(frames(3))
	if got := seqs(m.Sent()); !slices.Equal(got, []int{0, 0, 1, 1, 2, 2}) {
		t.Errorf("sent %v, want each frame twice", got)
	}
	m.Inject(frames(3)...)
	var in []int
	for _, g := range startReader(w).until(200 * time.Millisecond) {
		in = append(in, seqOf(g.f))
	}
	if !slices.Equal(in, []int{0, 0, 1, 1, 2, 2}) {
		t.Errorf("read %v, want each frame twice", in)
	}
	if s := inj.Stats(); s.In.Duplicated != 3 || s.Out.Duplicated != 3 {
		t.Errorf("Duplicated in %d out %d, want 3 and 3", s.In.Duplicated, s.Out.Duplicated)
	}
}

// TestCorrupt: corrupt 100 inverts one byte beyond the Ethernet header of
// every frame, never in the switch's buffer (a flood shares it), and
// counts it.
func TestCorrupt(t *testing.T) {
	m, w, inj := wrap(t, Config{Out: Faults{Corrupt: 100}, In: Faults{Corrupt: 100}})
	fs := frames(20)
	orig := make([][]byte, len(fs))
	for i, f := range fs {
		orig[i] = slices.Clone(f)
	}
	_, _ = w.Write(fs)
	for i := range fs {
		if !bytes.Equal(fs[i], orig[i]) {
			t.Fatalf("frame %d corrupted in the caller's buffer", i)
		}
	}
	check := func(dir string, got [][]byte) {
		t.Helper()
		if len(got) != len(orig) {
			t.Fatalf("%s: %d frames, want %d", dir, len(got), len(orig))
		}
		for i, g := range got {
			var diff []int
			for j := range g {
				if g[j] != orig[i][j] {
					diff = append(diff, j)
				}
			}
			if len(diff) != 1 || diff[0] < 14 || g[diff[0]] != ^orig[i][diff[0]] {
				t.Errorf("%s frame %d: bytes %v differ, want one inverted byte after the Ethernet header", dir, i, diff)
			}
		}
	}
	check("out", m.Sent())
	m.Inject(orig...)
	var in [][]byte
	for _, g := range startReader(w).until(200 * time.Millisecond) {
		in = append(in, g.f)
	}
	check("in", in)
	if s := inj.Stats(); s.Out.Corrupted != 20 || s.In.Corrupted != 20 {
		t.Errorf("Corrupted in %d out %d, want 20 and 20", s.In.Corrupted, s.Out.Corrupted)
	}
}

// TestReflectMulticastOnly: with reflect multicast a received multicast
// frame also goes back out of its port; unicast and broadcast do not.
// Every frame still reaches the switch.
func TestReflectMulticastOnly(t *testing.T) {
	m, w, inj := wrap(t, Config{Reflect: ReflectMulticast})
	uni := frameN(1, 1)
	bcast := frameN(1, 2)
	copy(bcast, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	mcast := frameN(1, 3)
	copy(mcast, []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}) // VRRP/CARP
	m.Inject(uni, bcast, mcast)
	if got := startReader(w).until(200 * time.Millisecond); len(got) != 3 {
		t.Errorf("the switch read %d frames, want 3", len(got))
	}
	sent := m.Sent()
	if len(sent) != 1 || !bytes.Equal(sent[0], mcast) {
		t.Errorf("reflected %d frames (%v), want the multicast one", len(sent), seqs(sent))
	}
	if r := inj.Stats().Reflected; r != 1 {
		t.Errorf("Reflected = %d, want 1", r)
	}
}

// TestReorder: reorder 30 lets later frames overtake some, loses none,
// and repeats with a seed.
func TestReorder(t *testing.T) {
	run := func() []int {
		m, w, inj := wrap(t, Config{Out: Faults{Reorder: 30}, Seed: 3, Seeded: true})
		// One Write: the frames meet the fault at one instant, so no
		// held frame's wait can run out on a slow machine before the
		// next frame overtakes it.
		_, _ = w.Write(frames(200))
		for start := time.Now(); m.TxFrames() < 200 && time.Since(start) < 5*time.Second; {
			time.Sleep(time.Millisecond)
		}
		got := seqs(m.Sent())
		if len(got) != 200 {
			t.Fatalf("sent %d frames, want 200", len(got))
		}
		if slices.IsSorted(got) {
			t.Error("no frame overtaken")
		}
		if r := inj.Stats().Out.Reordered; r < 30 || r > 90 {
			t.Errorf("Reordered = %d of 200 at 30%%", r)
		}
		return got
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Errorf("the same seed reordered differently:\n%v\n%v", a, b)
	}
}

// TestRateLimit: rate-limit 100 passes a 5-frame burst, then 100 frames a
// second of the clock.
func TestRateLimit(t *testing.T) {
	var now atomic.Int64
	m, w, inj := wrap(t, Config{Out: Faults{RateLimit: 100}}, WithClock(func() time.Duration { return time.Duration(now.Load()) }))
	_, _ = w.Write(frames(20))
	if n := len(m.Sent()); n != 5 {
		t.Errorf("a burst of 20 let %d through, want 5", n)
	}
	now.Add(int64(30 * time.Millisecond)) // 3 tokens
	_, _ = w.Write(frames(20))
	if n := len(m.Sent()); n != 3 {
		t.Errorf("30 ms later %d went through, want 3", n)
	}
	if s := inj.Stats(); s.Out.RateLimited != 32 {
		t.Errorf("RateLimited = %d, want 32", s.Out.RateLimited)
	}
}

// TestRemovingFaultsReturnsToTheInnerPort: once the faults are gone and
// what was queued is read, Read goes straight to the inner port again
// (the pump stops) and nothing is lost on the way.
func TestRemovingFaultsReturnsToTheInnerPort(t *testing.T) {
	m, wp, inj := wrap(t, Config{In: Faults{Delay: 20 * time.Millisecond}})
	w := wp.(*offloadPort).Port
	r := startReader(w)
	m.Inject(frames(1)...)
	m.Inject(frames(1)...) // the pump's
	if got := r.until(100 * time.Millisecond); len(got) != 2 {
		t.Fatalf("read %d, want 2", len(got))
	}
	if err := inj.Set(Config{}); err != nil {
		t.Fatal(err)
	}
	m.Inject(frames(2)...) // the pump's last Read takes one or both
	if got := r.until(100 * time.Millisecond); len(got) != 2 {
		t.Fatalf("after removal read %d, want 2", len(got))
	}
	m.Inject(frames(1)...)
	if got := r.until(100 * time.Millisecond); len(got) != 1 {
		t.Fatalf("read %d, want 1", len(got))
	}
	w.in.mu.Lock()
	pumping := w.in.pumping
	w.in.mu.Unlock()
	if w.rx.Load() != nil || pumping {
		t.Errorf("rx %v pumping %v: want the direct path back", w.rx.Load(), pumping)
	}
}

// TestCloseEndsAFaultyRead: Close while Read waits on the pump returns
// port.ErrClosed.
func TestCloseEndsAFaultyRead(t *testing.T) {
	m, w, _ := wrap(t, Config{In: Faults{Drop: 100}})
	r := startReader(w)
	m.Inject(frames(2)...)
	time.Sleep(50 * time.Millisecond)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-r.ch:
		for ok {
			_, ok = <-r.ch
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Read did not return after Close")
	}
	bufs, sizes := [][]byte{make([]byte, port.BufferSize)}, []int{0}
	if _, err := w.Read(bufs, sizes, port.Headroom); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Read after Close: %v, want port.ErrClosed", err)
	}
}

// TestValidate refuses parameters out of range.
func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{In: Faults{Drop: 101}}, {Out: Faults{Duplicate: -1}}, {In: Faults{Delay: 11 * time.Second}},
		{Out: Faults{RateLimit: MaxRateLimit + 1}}, {Reflect: ReflectAll + 1},
	} {
		if err := New().Set(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("Set(%+v) = %v, want ErrBadConfig", c, err)
		}
	}
}

// TestFaultsSetWhileAReadWaits: faults set while Read waits in the inner
// port apply to the frames that Read returns (a switch's receiver is
// always waiting there).
func TestFaultsSetWhileAReadWaits(t *testing.T) {
	m, w, inj := wrap(t, Config{})
	r := startReader(w)
	time.Sleep(20 * time.Millisecond)
	if err := inj.Set(Config{Reflect: ReflectAll, In: Faults{Duplicate: 100}}); err != nil {
		t.Fatal(err)
	}
	m.Inject(frames(1)...)
	if got := r.until(100 * time.Millisecond); len(got) != 2 {
		t.Errorf("read %d frames, want the frame and its duplicate", len(got))
	}
	if n := len(m.Sent()); n != 1 {
		t.Errorf("reflected %d frames, want 1", n)
	}
}
