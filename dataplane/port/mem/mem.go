// Package mem is an in-memory port backend for tests and benchmarks: frames
// are injected by the test and what the switch transmits is recorded (or, in
// sink mode, only counted, so a benchmark measures the switch and not the
// recorder). With the Offloads option it behaves as a TAP with virtio-net
// headers: injected frames carry a gso.Header and transmitted ones are
// recorded with theirs.
package mem

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
)

// DefaultBatch is the batch size of a mem port.
const DefaultBatch = 64

// Port is an in-memory port.
type Port struct {
	name  string
	batch int
	sink  bool

	supported port.Offload  // what SetOffload can enable
	enabled   atomic.Uint32 // port.Offload in effect
	mu        sync.Mutex
	cond      *sync.Cond
	rx        []rxFrame    // frames waiting to be read
	sent      [][]byte     // copies of transmitted frames (not in sink mode)
	sentHdr   []gso.Header // their headers (zero for Write)
	closed    bool

	txFrames atomic.Uint64
	txBytes  atomic.Uint64
	txErrors atomic.Uint64
	rxFrames atomic.Uint64
	onWrite  func() // test hook: called after every Write
}

type rxFrame struct {
	b []byte
	h gso.Header
}

var (
	_ port.Port        = (*Port)(nil)
	_ port.OffloadPort = (*Port)(nil)
	_ port.BufferSizer = (*Port)(nil)
)

// Option configures a Port.
type Option func(*Port)

// Sink makes the port count transmitted frames without keeping them.
func Sink() Option { return func(p *Port) { p.sink = true } }

// Offloads makes the port support the offloads o, as a vnet TAP whose
// kernel has them: SetOffload can enable them, and then Read delivers each
// frame's header in the headroom and WriteOffload takes frames with them.
// Without it the port supports none (SetOffload returns 0).
func Offloads(o port.Offload) Option { return func(p *Port) { p.supported = o } }

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
		p.rx = append(p.rx, rxFrame{b: append([]byte(nil), f...)})
	}
	p.mu.Unlock()
	p.cond.Broadcast()
}

// InjectOffload queues a frame with its virtio-net header (a super-frame, a
// partial checksum), as a kernel with offloads enabled hands it over. The
// frame is copied.
func (p *Port) InjectOffload(h gso.Header, frame []byte) {
	p.mu.Lock()
	p.rx = append(p.rx, rxFrame{b: append([]byte(nil), frame...), h: h})
	p.mu.Unlock()
	p.cond.Broadcast()
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
	withHdr := p.enabled.Load() != 0
	if withHdr && offset < gso.HeaderLen {
		return 0, fmt.Errorf("mem port %s: offset %d leaves no room for the virtio-net header", p.name, offset)
	}
	n := 0
	for n < len(bufs) && n < p.batch && len(p.rx) > 0 {
		f := p.rx[0]
		p.rx[0] = rxFrame{}
		p.rx = p.rx[1:]
		if len(bufs[n])-offset < len(f.b) {
			return n, fmt.Errorf("mem port %s: frame of %d bytes does not fit buffer of %d", p.name, len(f.b), len(bufs[n])-offset)
		}
		if withHdr {
			// Every frame gets one, a plain frame a zero header, as a TAP does.
			f.h.Encode(bufs[n][offset-gso.HeaderLen : offset])
		}
		sizes[n] = copy(bufs[n][offset:], f.b)
		n++
	}
	p.rxFrames.Add(uint64(n))
	return n, nil
}

// Write implements port.Port.
func (p *Port) Write(frames [][]byte) (int, error) { return p.write(frames, nil) }

// WriteOffload implements port.OffloadPort. A frame whose header the
// offloads in effect do not accept is dropped and counted in TxErrors, as
// a TAP refuses it.
func (p *Port) WriteOffload(frames [][]byte, hdrs []gso.Header) (int, error) {
	if len(hdrs) < len(frames) {
		return 0, fmt.Errorf("mem port %s: %d headers for %d frames", p.name, len(hdrs), len(frames))
	}
	return p.write(frames, hdrs)
}

func (p *Port) write(frames [][]byte, hdrs []gso.Header) (int, error) {
	on := port.Offload(p.enabled.Load())
	var bytes uint64
	sent := 0
	if !p.sink {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, port.ErrClosed
		}
	}
	for i, f := range frames {
		var h gso.Header
		if hdrs != nil {
			h = hdrs[i]
			if !on.Accepts(h) {
				p.txErrors.Add(1)
				continue
			}
		}
		sent++
		bytes += uint64(len(f))
		if !p.sink {
			p.sent = append(p.sent, append([]byte(nil), f...))
			p.sentHdr = append(p.sentHdr, h)
		}
	}
	if !p.sink {
		p.mu.Unlock()
	}
	p.txFrames.Add(uint64(sent))
	p.txBytes.Add(bytes)
	if p.onWrite != nil {
		p.onWrite()
	}
	return sent, nil
}

// SetOffload implements port.OffloadPort: it enables the offloads of want
// that the port supports (see Offloads).
func (p *Port) SetOffload(want port.Offload) (port.Offload, error) {
	o := want & p.supported
	if o&port.OffloadCsum == 0 {
		o = 0 // as on a TAP, segmentation needs checksum offload
	}
	p.enabled.Store(uint32(o))
	return o, nil
}

// Offload returns the offloads in effect.
func (p *Port) Offload() port.Offload { return port.Offload(p.enabled.Load()) }

// BufferSize implements port.BufferSizer: with a segmentation offload in
// effect a frame can be a 64 KiB super-frame.
func (p *Port) BufferSize() int {
	if p.Offload()&(port.OffloadTSO4|port.OffloadTSO6|port.OffloadUSO) != 0 {
		return port.Headroom + port.MaxSuperFrame
	}
	return port.BufferSize
}

// OnWrite sets a hook called after every Write (tests wait on it).
func (p *Port) OnWrite(fn func()) { p.onWrite = fn }

// Sent returns and forgets the frames transmitted so far.
func (p *Port) Sent() [][]byte {
	s, _ := p.SentOffload()
	return s
}

// SentOffload returns and forgets the frames transmitted so far with their
// virtio-net headers (zero for frames sent with Write).
func (p *Port) SentOffload() ([][]byte, []gso.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, h := p.sent, p.sentHdr
	p.sent, p.sentHdr = nil, nil
	return s, h
}

// TxErrors is the number of frames WriteOffload refused.
func (p *Port) TxErrors() uint64 { return p.txErrors.Load() }

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
