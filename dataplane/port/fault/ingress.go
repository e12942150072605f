package fault

import (
	"sync"
	"time"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
)

// ingress is the receive side of a Port with faults. At most one
// goroutine reads the inner port at a time: the caller of Read while rx is
// nil, the pump otherwise (Read starts it, and returns to the inner port
// only once the pump has stopped), as backends need not allow concurrent
// Reads.
type ingress struct {
	mu      sync.Mutex
	q       queue // frames received, each with its virtio-net header bytes, waiting to be due
	pumping bool  // the pump goroutine runs
	stop    bool  // the pump ends after its current Read
	err     error // what the pump's last Read returned; sticky
	wake    chan struct{}
	room    chan struct{} // Read took frames from a full queue
	timer   *time.Timer   // Read's

	refl  [][]byte // reflected frames of a batch (pump)
	reflH []gso.Header
}

// Read implements port.Port.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if p.rx.Load() == nil {
		n, err := p.inner.Read(bufs, sizes, offset)
		if n == 0 || offset < gso.HeaderLen || p.rx.Load() == nil {
			return n, err
		}
		// Faults came while this Read waited: they apply to its frames.
		p.in.mu.Lock()
		p.received(p.rx.Load(), bufs[:n], sizes[:n], offset)
		if err != nil && p.in.err == nil {
			p.in.err = err
		}
		p.in.mu.Unlock()
	}
	return p.readFaulty(bufs, sizes, offset)
}

func (p *Port) readFaulty(bufs [][]byte, sizes []int, offset int) (int, error) {
	in := &p.in
	for {
		in.mu.Lock()
		st := p.rx.Load()
		if st == nil {
			in.mu.Unlock()
			return p.Read(bufs, sizes, offset) // faults set during that Read apply to it
		}
		active := st.active()
		if active {
			in.stop = false
			if !in.pumping && in.err == nil {
				in.pumping = true
				go p.pump()
			}
		} else if in.pumping {
			in.stop = true
		}
		now := p.inj.now()
		n := 0
		for n < len(bufs) && n < len(sizes) {
			// Without faults any more, what is queued goes at once.
			e, ok := in.q.pop(now, !active)
			if !ok {
				break
			}
			hdr, f := e.b[:gso.HeaderLen], e.b[gso.HeaderLen:]
			if len(f) <= len(bufs[n])-offset {
				if offset >= gso.HeaderLen {
					copy(bufs[n][offset-gso.HeaderLen:offset], hdr)
				}
				sizes[n] = copy(bufs[n][offset:], f)
				n++
			}
			in.q.recycle(e.b)
		}
		if n > 0 {
			in.mu.Unlock()
			signal(in.room)
			return n, nil
		}
		if in.err != nil && !in.pumping {
			err := in.err
			in.mu.Unlock()
			return 0, err
		}
		if !active && !in.pumping && in.q.Len() == 0 {
			p.rx.Store(nil) // back to reading the inner port directly
			in.mu.Unlock()
			continue
		}
		wait := time.Duration(-1)
		if due, ok := in.q.next(); ok && active {
			wait = max(due-now, 0)
		}
		in.mu.Unlock()
		if !p.sleep(in.wake, wait, &in.timer) {
			return 0, port.ErrClosed
		}
	}
}

// pump reads the inner port, applies the receive faults and queues what is
// left, until Read asks it to stop or the inner port fails.
func (p *Port) pump() {
	in := &p.in
	const off = port.Headroom
	batch := max(p.inner.BatchSize(), 1)
	size := p.BufferSize()
	bufs := make([][]byte, batch)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	sizes := make([]int, batch)
	for {
		// Backpressure: while the queue is full the frames wait in the
		// inner port (a TAP's kernel queue), not in memory here.
		in.mu.Lock()
		for in.q.Len()+batch > maxQueued && !in.stop {
			in.mu.Unlock()
			select {
			case <-in.room:
			case <-p.inj.done:
				in.mu.Lock()
				in.pumping = false
				in.mu.Unlock()
				signal(in.wake)
				return
			}
			in.mu.Lock()
		}
		if in.stop {
			in.pumping, in.stop = false, false
			in.mu.Unlock()
			signal(in.wake)
			return
		}
		in.mu.Unlock()
		for _, b := range bufs {
			// A backend without offloads in effect writes no header:
			// zero reads as a plain frame.
			clear(b[off-gso.HeaderLen : off])
		}
		n, err := p.inner.Read(bufs, sizes, off)
		in.mu.Lock()
		if n > 0 {
			p.received(p.rx.Load(), bufs[:n], sizes[:n], off)
		}
		done := err != nil || in.stop
		if err != nil {
			in.err = err
		}
		if done {
			in.pumping, in.stop = false, false
		}
		in.mu.Unlock()
		signal(in.wake)
		if done {
			return
		}
	}
}

// received applies the receive faults to a batch the pump read and queues
// the frames that go on; in.mu is held. With st inactive (the faults were
// just removed) the frames are queued as they are, due at once.
func (p *Port) received(st *dirState, bufs [][]byte, sizes []int, off int) {
	in := &p.in
	now := p.inj.now()
	if st != nil && st.reflect != ReflectNone {
		// Sent back as received, before any other fault touches them.
		refl, hs := in.refl[:0], in.reflH[:0]
		for i, b := range bufs {
			if f := b[off : off+sizes[i]]; reflects(st.reflect, f) {
				var h gso.Header
				if p.inj.offload.Load() != 0 {
					h, _ = gso.Decode(b[off-gso.HeaderLen : off])
				}
				refl, hs = append(refl, f), append(hs, h)
			}
		}
		if len(refl) > 0 {
			if w, _ := p.write(refl, hs); w > 0 {
				p.inj.reflected.Add(uint64(w))
				if obs := p.inj.onReflect.Load(); obs != nil {
					for _, f := range refl[:w] {
						(*obs)(f)
					}
				}
			}
		}
		clear(refl)
		in.refl, in.reflH = refl[:0], hs[:0]
	}
	for i, b := range bufs {
		raw := b[off-gso.HeaderLen : off+sizes[i]]
		if st == nil || !st.active() {
			if !in.q.push(now, false, gso.Header{}, raw) {
				p.inj.in.overflow.Add(1)
			}
			continue
		}
		var h gso.Header // no offloads in effect: the header bytes mean nothing
		if p.inj.offload.Load() != 0 {
			h, _ = gso.Decode(raw)
		}
		f := raw[gso.HeaderLen:]
		copies, pos, due, held := st.fate(f, h.Plain(), now, &p.inj.in)
		if pos >= 0 {
			f[pos] ^= 0xff // the pump's own buffer
		}
		for range copies {
			if !in.q.push(due, held, gso.Header{}, raw) {
				p.inj.in.overflow.Add(1)
			}
		}
	}
}
