// Package mem is an in-memory port backend for tests and benchmarks: frames
// are injected by the test and what the switch transmits is recorded (or, in
// sink mode, only counted, so a benchmark measures the switch and not the
// recorder).
package mem

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/dataplane/port"
)

// DefaultBatch is the batch size of a mem port.
const DefaultBatch = 64

// Port is an in-memory port.
type Port struct {
	name  string
	batch int
	sink  bool

	mu     sync.Mutex
	cond   *sync.Cond
	rx     [][]byte // frames waiting to be read
	sent   [][]byte // copies of transmitted frames (not in sink mode)
	closed bool

	txFrames atomic.Uint64
	txBytes  atomic.Uint64
	rxFrames atomic.Uint64
	onWrite  func() // test hook: called after every Write
}

var _ port.Port = (*Port)(nil)

// Option configures a Port.
type Option func(*Port)

// Sink makes the port count transmitted frames without keeping them.
func Sink() Option { return func(p *Port) { p.sink = true } }

// Batch sets the batch size.
func Batch(n int) Option { return func(p *Port) { p.batch = n } }

// New returns a mem port.
func New(name string, opts ...Option) *Port {
	p := &Port{name: name, batch: DefaultBatch}
	for _, o := range opts {
		o(p)
	}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Inject queues frames to be received by the switch, in order. The frames are
// copied.
func (p *Port) Inject(frames ...[]byte) {
	p.mu.Lock()
	for _, f := range frames {
		p.rx = append(p.rx, append([]byte(nil), f...))
	}
	p.mu.Unlock()
	p.cond.Broadcast()
}

// Pending reports how many injected frames have not been read yet.
func (p *Port) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rx)
}

// Read implements port.Port.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.rx) == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return 0, port.ErrClosed
	}
	n := 0
	for n < len(bufs) && n < p.batch && len(p.rx) > 0 {
		f := p.rx[0]
		p.rx[0] = nil
		p.rx = p.rx[1:]
		if len(bufs[n])-offset < len(f) {
			return n, fmt.Errorf("mem port %s: frame of %d bytes does not fit buffer of %d", p.name, len(f), len(bufs[n])-offset)
		}
		sizes[n] = copy(bufs[n][offset:], f)
		n++
	}
	p.rxFrames.Add(uint64(n))
	return n, nil
}

// Write implements port.Port.
func (p *Port) Write(frames [][]byte) (int, error) {
	var bytes uint64
	for _, f := range frames {
		bytes += uint64(len(f))
	}
	if !p.sink {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, port.ErrClosed
		}
		for _, f := range frames {
			p.sent = append(p.sent, append([]byte(nil), f...))
		}
		p.mu.Unlock()
	}
	p.txFrames.Add(uint64(len(frames)))
	p.txBytes.Add(bytes)
	if p.onWrite != nil {
		p.onWrite()
	}
	return len(frames), nil
}

// OnWrite sets a hook called after every Write (tests wait on it).
func (p *Port) OnWrite(fn func()) { p.onWrite = fn }

// Sent returns and forgets the frames transmitted so far.
func (p *Port) Sent() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sent
	p.sent = nil
	return s
}

// TxFrames is the number of frames transmitted (kept in sink mode too).
func (p *Port) TxFrames() uint64 { return p.txFrames.Load() }

// TxBytes is the number of bytes transmitted.
func (p *Port) TxBytes() uint64 { return p.txBytes.Load() }

// BatchSize implements port.Port.
func (p *Port) BatchSize() int { return p.batch }

// Close implements port.Port.
func (p *Port) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
	return nil
}

// String implements port.Port.
func (p *Port) String() string { return "mem:" + p.name }
