package fault

import (
	"sync"
	"time"

	"github.com/l2sw/l2sw/dataplane/gso"
)

// egress is the transmit side of a Port with faults. Several workers may
// write at once; the faults serialize them on mu (only while faults are
// configured).
type egress struct {
	mu      sync.Mutex
	q       queue // delayed and held frames, copied: the switch reuses its buffers
	running bool  // the writer goroutine runs
	wake    chan struct{}

	list    [][]byte // frames of one Write that go at once
	hdrs    []gso.Header
	scratch [][]byte // corrupted copies: the caller's frame may be flooded to other ports too
}

// Write implements port.Port.
func (p *Port) Write(frames [][]byte) (int, error) {
	if p.tx.Load() == nil {
		return p.inner.Write(frames)
	}
	return p.writeFaulty(frames, nil)
}

// writeFaulty applies the transmit faults to frames (with their headers
// hdrs, nil for Write). Lost frames count as sent: they left the switch.
func (p *Port) writeFaulty(frames [][]byte, hdrs []gso.Header) (int, error) {
	e := &p.out
	e.mu.Lock()
	defer e.mu.Unlock()
	st := p.tx.Load()
	if st == nil {
		if hdrs != nil {
			return p.op.WriteOffload(frames, hdrs)
		}
		return p.inner.Write(frames)
	}
	now := p.inj.now()
	// While frames wait in the queue every frame goes through it, so that
	// none overtakes them.
	timed := st.timed() || e.q.Len() > 0
	list, hs, used := e.list[:0], e.hdrs[:0], 0
	for i, f := range frames {
		var h gso.Header
		if hdrs != nil {
			h = hdrs[i]
		}
		copies, pos, due, held := st.fate(f, h.Plain(), now, &p.inj.out)
		if copies == 0 {
			continue
		}
		if pos >= 0 {
			if used == len(e.scratch) {
				e.scratch = append(e.scratch, nil)
			}
			b := append(e.scratch[used][:0], f...)
			e.scratch[used] = b
			used++
			b[pos] ^= 0xff
			f = b
		}
		for range copies {
			if timed {
				if !e.q.push(due, held, h, f) {
					p.inj.out.overflow.Add(1)
				}
				continue
			}
			list, hs = append(list, f), append(hs, h)
		}
	}
	var err error
	sent := len(frames)
	e.hdrs = hs[:0]
	if len(list) > 0 {
		var w int
		if hdrs == nil {
			hs = nil
		}
		if w, err = p.write(list, hs); w < len(list) {
			sent = max(0, sent-(len(list)-w))
		}
	}
	clear(list)
	e.list = list[:0]
	if e.q.Len() > 0 {
		if !e.running {
			e.running = true
			go p.drainOut()
		}
		signal(e.wake)
	}
	return sent, err
}

// drainOut writes the queued frames as they come due and ends when the
// queue is empty.
func (p *Port) drainOut() {
	e := &p.out
	var (
		ents  []entry
		list  [][]byte
		hs    []gso.Header
		timer *time.Timer
	)
	for {
		e.mu.Lock()
		now := p.inj.now()
		for len(ents) < 64 {
			en, ok := e.q.pop(now, false)
			if !ok {
				break
			}
			ents = append(ents, en)
		}
		if len(ents) == 0 {
			due, ok := e.q.next()
			if !ok {
				e.running = false
				e.mu.Unlock()
				return
			}
			e.mu.Unlock()
			if !p.sleep(e.wake, max(due-now, 0), &timer) {
				e.mu.Lock()
				e.running = false
				e.mu.Unlock()
				return
			}
			continue
		}
		e.mu.Unlock()
		for _, en := range ents {
			list, hs = append(list, en.b), append(hs, en.hdr)
		}
		_, _ = p.write(list, hs) // a link that fails loses them, as a wire would
		e.mu.Lock()
		for _, en := range ents {
			e.q.recycle(en.b)
		}
		e.mu.Unlock()
		clear(ents)
		clear(list)
		ents, list, hs = ents[:0], list[:0], hs[:0]
	}
}
