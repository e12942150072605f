package fault

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// Injector holds the fault configuration and the counters of one switch
// port, and wraps each of the port's queues (Wrap). Set may be called at
// any time, from any goroutine.
type Injector struct {
	now func() time.Duration

	mu    sync.Mutex // around cfg and ports
	cfg   Config
	ports []*Port

	in, out   counts
	reflected atomic.Uint64
	flaps     atomic.Uint64

	onLink    func(up bool)                // NotifyFlap; under mu
	flap      *flapper                     // the running flap, if any; under mu
	onReflect atomic.Pointer[func([]byte)] // OnReflect
	offload   atomic.Uint32                // port.Offload in effect (SetOffload): whether received header bytes mean anything

	done      chan struct{} // closed when a wrapped port is closed
	closeOnce sync.Once
}

// Option configures an Injector.
type Option func(*Injector)

// WithClock makes the injector read time from now (a monotonic duration)
// instead of the system clock: rate-limit tests step it by hand. Delays
// still sleep in real time toward the times now reports.
func WithClock(now func() time.Duration) Option { return func(f *Injector) { f.now = now } }

// New returns an injector with no faults.
func New(opts ...Option) *Injector {
	start := time.Now()
	f := &Injector{now: func() time.Duration { return time.Since(start) }, done: make(chan struct{})}
	for _, o := range opts {
		o(f)
	}
	return f
}

// Set replaces the fault configuration. Frames already delayed keep their
// times; a Seeded configuration restarts the random sources from the seed,
// so the same Set and the same frames repeat the same choices.
func (f *Injector) Set(c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = c
	for _, p := range f.ports {
		p.configure(c)
	}
	f.setFlapLocked(c.Flap)
	return nil
}

// Config returns the fault configuration.
func (f *Injector) Config() Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// Stats returns what the faults did so far.
func (f *Injector) Stats() Stats {
	return Stats{In: f.in.load(), Out: f.out.load(), Reflected: f.reflected.Load(), Flaps: f.flaps.Load()}
}

// Wrap returns p with the injector's faults: a port.OffloadPort when p is
// one, and always a port.BufferSizer that reports p's buffer size.
//
// Offloads: a port with offloads in effect moves TCP/UDP super-frames, and
// the faults treat each as one frame, as the kernel handed it over (a
// dropped super-frame loses all its segments at once). Corrupt leaves alone
// frames whose checksum is still to be completed (a partial checksum or a
// super-frame): the checksum computed after the flip would cover it and no
// receiver would see a bad frame.
func (f *Injector) Wrap(p port.Port) port.Port {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &Port{inner: p, inj: f, index: len(f.ports)}
	w.op, _ = p.(port.OffloadPort)
	w.in.wake = make(chan struct{}, 1)
	w.in.room = make(chan struct{}, 1)
	w.out.wake = make(chan struct{}, 1)
	f.ports = append(f.ports, w)
	w.configure(f.cfg)
	if w.op != nil {
		return &offloadPort{w}
	}
	return w
}

func (f *Injector) shutdown() { f.closeOnce.Do(func() { close(f.done) }) }

// Port is one queue of a port with faults. Without faults Read and Write go
// straight to the inner port; an atomic load after the inner Read catches
// faults set while it waited, so they apply to its frames. With faults on the
// receive side a pump goroutine does the inner Reads and queues the frames
// that survive, copied, each with the time it is due; Read hands over what
// is due. Frames delayed or held on the transmit side are copied into a
// timed queue that a writer goroutine sends when due; the others are
// written at once. The goroutines run only while there is work.
type Port struct {
	inner port.Port
	op    port.OffloadPort // inner, if it is one
	inj   *Injector
	index int // among the injector's ports: separates the random streams

	rx atomic.Pointer[dirState] // nil: nothing to do on Read
	tx atomic.Pointer[dirState] // nil: nothing to do on Write

	in  ingress
	out egress
}

var (
	_ port.Port        = (*Port)(nil)
	_ port.BufferSizer = (*Port)(nil)
	_ port.OffloadPort = (*offloadPort)(nil)
)

// offloadPort is a Port over a port.OffloadPort.
type offloadPort struct{ *Port }

// SetOffload implements port.OffloadPort: the inner port's offloads.
func (o *offloadPort) SetOffload(want port.Offload) (port.Offload, error) {
	got, err := o.op.SetOffload(want)
	o.inj.offload.Store(uint32(got))
	return got, err
}

// WriteOffload implements port.OffloadPort.
func (o *offloadPort) WriteOffload(frames [][]byte, hdrs []gso.Header) (int, error) {
	st := o.tx.Load()
	if st == nil {
		return o.op.WriteOffload(frames, hdrs)
	}
	if len(hdrs) < len(frames) {
		return 0, fmt.Errorf("fault %s: %d headers for %d frames", o.inner, len(hdrs), len(frames))
	}
	return o.writeFaulty(frames, hdrs)
}

// BatchSize implements port.Port.
func (p *Port) BatchSize() int { return p.inner.BatchSize() }

// BufferSize implements port.BufferSizer: the inner port's.
func (p *Port) BufferSize() int {
	if bs, ok := p.inner.(port.BufferSizer); ok {
		return bs.BufferSize()
	}
	return port.BufferSize
}

// Close implements port.Port. It stops the injector's goroutines (frames
// still delayed are lost, as on a link taken down) and closes the inner
// port.
func (p *Port) Close() error {
	p.inj.shutdown()
	if err := p.inner.Close(); err != nil {
		return fmt.Errorf("fault: close %s: %w", p.inner, err)
	}
	return nil
}

// String implements port.Port: the inner port's description.
func (p *Port) String() string { return p.inner.String() }

// configure installs c; f.mu is held.
func (p *Port) configure(c Config) {
	src := func(dir uint64) *rand.Rand {
		if c.Seeded {
			return rand.New(rand.NewPCG(c.Seed, uint64(p.index)<<1|dir))
		}
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	p.out.mu.Lock()
	if c.Out.IsZero() {
		p.tx.Store(nil)
	} else {
		p.tx.Store(&dirState{f: c.Out, rnd: src(1)})
	}
	p.out.mu.Unlock()
	p.in.mu.Lock()
	// An inactive state still goes in when one is there: Read then hands
	// over what is queued and stops the pump before it clears rx.
	if st := (&dirState{f: c.In, reflect: c.Reflect, rnd: src(0)}); st.active() || p.rx.Load() != nil {
		p.rx.Store(st)
	}
	p.in.mu.Unlock()
	signal(p.in.wake)
}

// dirState is the faults of one direction with their random source and
// rate-limit bucket; the direction's mutex guards the mutable part.
type dirState struct {
	f       Faults
	reflect Reflect
	rnd     *rand.Rand

	tokens  float64
	last    time.Duration
	started bool
}

func (s *dirState) active() bool { return !s.f.IsZero() || s.reflect != ReflectNone }

// timed reports whether frames may have to wait (delay or reorder).
func (s *dirState) timed() bool { return s.f.Delay > 0 || s.f.Jitter > 0 || s.f.Reorder > 0 }

// take takes a token of the rate limit's bucket, which holds 50 ms of
// frames (at least one): a policer's burst.
func (s *dirState) take(now time.Duration) bool {
	rate := float64(s.f.RateLimit)
	burst := max(1, rate/20)
	if !s.started {
		s.tokens, s.last, s.started = burst, now, true
	}
	s.tokens = min(burst, s.tokens+float64(now-s.last)*rate/1e9)
	s.last = now
	if s.tokens >= 1 {
		s.tokens--
		return true
	}
	return false
}

// fate decides what happens to frame f: how many copies go on (0: lost),
// which byte to invert (-1: none), when it is due and whether it is held
// back for reordering. Every enabled fault draws from the random source for
// every frame it sees, so a seeded run is repeatable frame by frame.
func (s *dirState) fate(f []byte, plain bool, now time.Duration, c *counts) (copies, pos int, due time.Duration, held bool) {
	ft := &s.f
	if ft.RateLimit > 0 && !s.take(now) {
		c.rateLimited.Add(1)
		return 0, -1, 0, false
	}
	if ft.Drop > 0 && s.rnd.IntN(100) < ft.Drop {
		c.dropped.Add(1)
		return 0, -1, 0, false
	}
	pos = -1
	if ft.Corrupt > 0 && s.rnd.IntN(100) < ft.Corrupt && plain {
		if l2 := l2Len(f); len(f) > l2 {
			pos = l2 + s.rnd.IntN(len(f)-l2)
			c.corrupted.Add(1)
		}
	}
	copies = 1
	if ft.Duplicate > 0 && s.rnd.IntN(100) < ft.Duplicate {
		copies = 2
		c.duplicated.Add(1)
	}
	due = now
	if ft.Delay > 0 || ft.Jitter > 0 {
		d := ft.Delay
		if ft.Jitter > 0 {
			d += time.Duration(s.rnd.Int64N(int64(2*ft.Jitter)+1)) - ft.Jitter
		}
		due += max(d, 0)
		c.delayed.Add(1)
	}
	if ft.Reorder > 0 && s.rnd.IntN(100) < ft.Reorder {
		held = true
		c.reordered.Add(1)
	}
	return copies, pos, due, held
}

// l2Len is the length of f's Ethernet header with up to two tags: the
// corrupted byte lies beyond it, where a checksum covers it.
func l2Len(f []byte) int {
	n := packet.EthLen
	for i := 0; i < 2 && len(f) >= n+packet.TagLen; i++ {
		et := binary.BigEndian.Uint16(f[n-2:])
		if et != packet.TypeDot1Q && et != packet.TypeQinQ {
			break
		}
		n += packet.TagLen
	}
	return n
}

// reflects reports whether reflect r sends frame f back.
func reflects(r Reflect, f []byte) bool {
	if len(f) < packet.EthLen {
		return false
	}
	switch r {
	case ReflectAll:
		return true
	case ReflectBroadcast, ReflectMulticast:
		bcast := packet.MACUint64(f) == 0xffff_ffff_ffff
		if r == ReflectBroadcast {
			return bcast
		}
		return f[0]&1 != 0 && !bcast
	}
	return false
}

// signal wakes the goroutine waiting on ch, if any.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// sleep waits for a signal on wake or for d (d < 0: no timeout); false
// means the injector was shut down.
func (p *Port) sleep(wake chan struct{}, d time.Duration, t **time.Timer) bool {
	var tc <-chan time.Time
	if d >= 0 {
		if *t == nil {
			*t = time.NewTimer(d)
		} else {
			(*t).Reset(d)
		}
		tc = (*t).C
	}
	defer func() {
		if tc != nil {
			(*t).Stop()
		}
	}()
	select {
	case <-wake:
	case <-tc:
	case <-p.inj.done:
		return false
	}
	return true
}

// write sends frames to the inner port, with their headers when some
// header is not plain (hs may be nil).
func (p *Port) write(frames [][]byte, hs []gso.Header) (int, error) {
	if p.op != nil && hs != nil {
		for _, h := range hs {
			if !h.Plain() {
				return p.op.WriteOffload(frames, hs)
			}
		}
	}
	return p.inner.Write(frames)
}
