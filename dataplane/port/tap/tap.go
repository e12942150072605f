// Package tap is the Linux TAP port backend (`tap:NAME`): it creates or
// attaches a TAP device, optionally with several queues, and moves Ethernet
// frames between it and the switch through the port.Port interface.
//
// A plain TAP moves one frame per read(2)/write(2). Read therefore blocks in
// the Go netpoller for the first frame and then keeps reading, without
// blocking, while more frames are already queued, up to len(bufs): the
// batching happens here and not in the kernel. The descriptor is
// non-blocking and registered with the netpoller (no goroutine per port, no
// poll(2) loop), so Close wakes a blocked Read at once.
//
// The descriptor keeps working when the TAP is moved into another network
// namespace. When the TAP is deleted the kernel detaches the descriptor
// (read/write fail with EBADFD, poll reports EPOLLERR) and Read returns an
// error wrapping ErrDeviceGone.
//
// Open paths: Config.Vnet selects one of two queueOpeners that return the
// same pollable *os.File. The virtio-net-header mode (openVnet, vnet.go, on
// x/sys/unix: IFF_VNET_HDR, then TUNSETOFFLOAD) is the default where the
// kernel has it; every frame then travels behind a 10-byte header, which
// Read leaves in the headroom just before the frame and Write adds with
// writev(2). Offloads stay off until the consumer calls SetOffload
// (port.OffloadPort), so a consumer that ignores them sees plain frames. The
// plain mode (openWater) uses songgao/water.
package tap

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/songgao/water"
	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
)

// Limits and defaults of Config.
const (
	DefaultMTU   = 1500
	MinMTU       = 68 // the IPv4 minimum; the kernel refuses less on Ethernet
	MaxMTU       = 9216
	DefaultBatch = 64
	MaxQueues    = 256 // the kernel's MAX_TAP_QUEUES
	MaxPoll      = 10 * time.Millisecond
)

// Config says which TAP to open and how.
type Config struct {
	// Name is the interface name, at most 15 bytes.
	Name string
	// MTU is set on the interface; 0 means DefaultMTU. Range MinMTU..MaxMTU.
	MTU int
	// Queues is the number of queues (descriptors); 0 means 1. More than
	// one opens the TAP with IFF_MULTI_QUEUE and the kernel spreads received
	// flows over the queues by hash.
	Queues int
	// Batch is the most frames one Read returns; 0 means DefaultBatch.
	Batch int
	// Vnet selects virtio-net headers (IFF_VNET_HDR); the zero value,
	// VnetAuto, uses them when the kernel can.
	Vnet VnetMode
	// Poll, when positive, is the longest a Read that finds its queue
	// empty keeps reading before it parks in the netpoller (busy-poll,
	// poll.go); 0 parks at once. At most MaxPoll.
	Poll time.Duration
}

func (c *Config) normalize() error {
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	if c.Queues == 0 {
		c.Queues = 1
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if err := port.ValidNetdevName(c.Name); err != nil {
		return fmt.Errorf("tap %q: %w: %v", c.Name, ErrInvalidConfig, err)
	}
	if c.MTU < MinMTU || c.MTU > MaxMTU {
		return fmt.Errorf("tap %s: %w: MTU %d out of range %d-%d", c.Name, ErrInvalidConfig, c.MTU, MinMTU, MaxMTU)
	}
	if c.Queues < 1 || c.Queues > MaxQueues {
		return fmt.Errorf("tap %s: %w: %d queues out of range 1-%d", c.Name, ErrInvalidConfig, c.Queues, MaxQueues)
	}
	if c.Batch < 1 {
		return fmt.Errorf("tap %s: %w: batch %d must be positive", c.Name, ErrInvalidConfig, c.Batch)
	}
	if c.Poll < 0 || c.Poll > MaxPoll {
		return fmt.Errorf("tap %s: %w: poll %v out of range 0-%v", c.Name, ErrInvalidConfig, c.Poll, MaxPoll)
	}
	if c.Vnet > VnetOff {
		return fmt.Errorf("tap %s: %w: %v", c.Name, ErrInvalidConfig, c.Vnet)
	}
	return nil
}

// device is what the queues of one TAP share.
type device struct {
	name    string
	mtu     int
	batch   int
	poll    time.Duration // Config.Poll
	created bool          // we created it; it vanishes when the last queue closes
	queues  []*Port

	vnet     bool          // frames travel behind a gso.HeaderLen virtio-net header
	hdrLen   int           // gso.HeaderLen in vnet mode, else 0
	offloads atomic.Uint32 // port.Offload in effect
	writers  *sync.Pool    // of *vnetWriter
}

// Port is one queue of an open TAP. The Port returned by Open is queue 0 and
// stands for the whole device; Queues gives the others.
//
// Read is for one goroutine per queue (the queue's receive worker). Write is
// safe from any number of goroutines: it writes on this queue's descriptor,
// and the kernel takes each write(2) as one whole frame, so frames from
// concurrent writers never interleave.
type Port struct {
	dev   *device
	index int
	file  *os.File
	raw   syscall.RawConn
	// fill is p.readAvailable bound once at Open, so Read passes the
	// netpoller a callback without allocating a closure per call.
	fill func(fd uintptr) bool

	// Read state, owned by the goroutine inside Read and handed to fill.
	rbufs  [][]byte
	rsizes []int
	roff   int
	rn     int
	rerr   error
	// rhdr and riov serve reads whose offset leaves no room for the
	// virtio-net header (vnet.go, readSplit).
	rhdr [gso.HeaderLen]byte
	riov [2]unix.Iovec
	// spin is the busy-poll state of the queue's reader (poll.go).
	spin spinner

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	rxFrames, txFrames, txErrors atomic.Uint64
}

var _ port.Port = (*Port)(nil)

// queueOpener creates or attaches one queue of a TAP and returns its
// descriptor as a non-blocking, netpoller-registered *os.File.
type queueOpener func(name string, multiQueue, persist bool) (*os.File, error)

// openWater opens a queue with songgao/water. water clears IFF_PERSIST on
// every attach (TUNSETPERSIST 0 unless asked), so persist must carry the
// device's previous state or a TAP made by `ip tuntap add` would vanish when
// we close it. Known water flaw: when TUNSETIFF fails it leaks the
// /dev/net/tun descriptor it opened (one per failed Open).
func openWater(name string, multiQueue, persist bool) (*os.File, error) {
	ifce, err := water.New(water.Config{
		DeviceType: water.TAP,
		PlatformSpecificParams: water.PlatformSpecificParams{
			Name:       name,
			MultiQueue: multiQueue,
			Persist:    persist,
		},
	})
	if err != nil {
		return nil, err
	}
	f, ok := ifce.ReadWriteCloser.(*os.File)
	if !ok {
		_ = ifce.Close()
		return nil, fmt.Errorf("water returned %T, want *os.File", ifce.ReadWriteCloser)
	}
	if got := ifce.Name(); got != name {
		_ = f.Close()
		return nil, fmt.Errorf("kernel named the device %q, want %q", got, name)
	}
	return f, nil
}

// Open creates the TAP cfg.Name, or attaches to it if it exists (a
// persistent TAP made with `ip tuntap add`), sets its MTU and brings it up.
// A TAP created here is not persistent: it disappears when the port is
// closed. An existing one is left in place.
func Open(cfg Config) (*Port, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	switch cfg.Vnet {
	case VnetOff:
		return open(cfg, openWater, false)
	case VnetOn:
		if !kernelHasVnet() {
			return nil, fmt.Errorf("tap %s: %w", cfg.Name, ErrNoVnet)
		}
	case VnetAuto:
		if !kernelHasVnet() {
			return open(cfg, openWater, false)
		}
	}
	return open(cfg, openVnet, true)
}

// open opens every queue with openQueue; vnet says that it opens them with
// virtio-net headers.
func open(cfg Config, openQueue queueOpener, vnet bool) (*Port, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	name := cfg.Name
	multi := cfg.Queues > 1

	ctl, err := newLinkControl()
	if err != nil {
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	defer ctl.close()

	existed, err := ctl.exists(name)
	if err != nil {
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	persist := false
	if existed {
		if persist, err = existingPersist(name, multi); err != nil {
			return nil, err
		}
	}

	dev := &device{name: name, mtu: cfg.MTU, batch: cfg.Batch, poll: cfg.Poll, created: !existed}
	if vnet {
		dev.vnet, dev.hdrLen, dev.writers = true, gso.HeaderLen, newVnetWriterPool()
	}
	for i := range cfg.Queues {
		f, err := openQueue(name, multi, persist)
		if err != nil {
			dev.closeAll()
			return nil, openError(name, err)
		}
		p, err := newQueue(dev, i, f)
		if err != nil {
			_ = f.Close()
			dev.closeAll()
			return nil, fmt.Errorf("tap %s: queue %d: %w", name, i, err)
		}
		dev.queues = append(dev.queues, p)
	}
	if err := ctl.setMTU(name, cfg.MTU); err != nil {
		dev.closeAll()
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	if err := ctl.up(name); err != nil {
		dev.closeAll()
		return nil, fmt.Errorf("tap %s: %w", name, err)
	}
	return dev.queues[0], nil
}

// existingPersist checks that an existing interface can be attached in the
// requested mode and reports whether it is persistent.
func existingPersist(name string, multi bool) (bool, error) {
	flags, ok := tunFlags(name)
	if !ok {
		if _, err := os.Stat("/sys/class/net/" + name); err == nil {
			return false, fmt.Errorf("tap %s: %w: the interface exists and is not a TUN/TAP device", name, ErrNotTap)
		}
		// sysfs shows another namespace; never risk destroying a device
		// we did not create.
		return true, nil
	}
	if flags&unix.IFF_TAP == 0 {
		return false, fmt.Errorf("tap %s: %w: the interface is a TUN (layer 3) device, not a TAP", name, ErrNotTap)
	}
	if isMulti := flags&unix.IFF_MULTI_QUEUE != 0; isMulti != multi {
		return false, fmt.Errorf("tap %s: %w: the TAP was created %s and cannot be attached %s",
			name, ErrNotTap, queueMode(isMulti), queueMode(multi))
	}
	persist := flags&unix.IFF_PERSIST != 0
	if !persist && !multi {
		// A non-persistent TAP exists only while a descriptor holds it, and
		// a single-queue TAP takes one: the kernel would answer EBUSY. Say
		// so without asking it, because water leaks a descriptor on every
		// failed attach.
		return false, openError(name, unix.EBUSY)
	}
	return persist, nil
}

func queueMode(multi bool) string {
	if multi {
		return "multi-queue"
	}
	return "single-queue"
}

func newQueue(dev *device, index int, f *os.File) (*Port, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	p := &Port{dev: dev, index: index, file: f, raw: raw}
	p.spin.max = dev.poll
	p.spin.budget = dev.poll
	p.fill = p.readAvailable
	return p, nil
}

func (d *device) closeAll() {
	for _, q := range d.queues {
		_ = q.closeQueue()
	}
}

// Read implements port.Port: it blocks until a frame is queued, then reads
// every frame that is already waiting, up to len(bufs) (and Batch).
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	n := min(len(bufs), len(sizes), p.dev.batch)
	if n == 0 {
		return 0, nil
	}
	p.rbufs, p.rsizes, p.roff, p.rn, p.rerr = bufs[:n], sizes[:n], offset, 0, nil
	err := p.raw.Read(p.fill)
	got, rerr := p.rn, p.rerr
	p.rbufs, p.rsizes, p.rerr = nil, nil, nil // keep no reference to the caller's buffers
	if got > 0 {
		// An error after some frames is reported by the next call, which
		// meets it again on its first read.
		p.rxFrames.Add(uint64(got))
		return got, nil
	}
	if err == nil {
		err = rerr
	} else if !p.closed.Load() {
		err = p.probe(err)
	}
	return 0, ioError(p.dev.name, "read", p.closed.Load(), err)
}

// probe replaces an error from the netpoller's wait (for a detached TAP
// epoll reports EPOLLERR, which Go calls "not pollable") with the
// descriptor's own errno. A zero-length read is safe: the kernel checks
// that the queue is attached before it looks at the length, and consumes no
// frame.
func (p *Port) probe(pollErr error) error {
	var readErr error
	if err := p.raw.Control(func(fd uintptr) { _, readErr = unix.Read(int(fd), nil) }); err != nil {
		return pollErr
	}
	if readErr == nil {
		return pollErr
	}
	return readErr
}

// readAvailable is the netpoller callback: it reads frames until the
// batch is full or the queue is empty. Returning false asks the netpoller
// to wait for readability, which it does only while nothing was read.
func (p *Port) readAvailable(fd uintptr) bool {
	h := p.dev.hdrLen // the virtio-net header lands in the headroom
	for p.rn < len(p.rbufs) {
		var n int
		var err error
		if p.roff >= h {
			n, err = unix.Read(int(fd), p.rbufs[p.rn][p.roff-h:])
		} else {
			n, err = p.readSplit(fd, p.rbufs[p.rn][p.roff:])
		}
		switch {
		case err == nil && n > h:
			p.rsizes[p.rn] = n - h
			if p.rn == 0 && p.spin.max > 0 {
				p.spin.arrived()
			}
			p.rn++
		case err == unix.EAGAIN:
			if p.rn > 0 {
				return true
			}
			if p.spin.max > 0 && !p.closed.Load() && p.spin.again() {
				continue // busy-poll: read again instead of parking
			}
			return false
		case err == unix.EINTR:
		case err == nil:
			// A TAP read returns 0 only for an empty buffer; stop rather
			// than spin on it.
			p.rerr = fmt.Errorf("zero-length read into a buffer of %d bytes", len(p.rbufs[p.rn])-p.roff)
			return true
		default:
			p.rerr = err
			return true
		}
	}
	return true
}

// Write implements port.Port. A frame the kernel refuses while the link is
// down (EIO: the TAP was set down, or was just moved to another namespace)
// or as malformed (EINVAL: shorter than an Ethernet header) is dropped and
// counted in Stats().TxErrors, as a NIC drops on a dead link; n then counts
// only the frames handed to the kernel and err stays nil.
func (p *Port) Write(frames [][]byte) (int, error) {
	if p.dev.vnet {
		return p.writeVnet(frames, nil)
	}
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	sent := 0
	for _, f := range frames {
		_, err := p.file.Write(f)
		if err == nil {
			sent++
			continue
		}
		if errors.Is(err, unix.EIO) || errors.Is(err, unix.EINVAL) {
			p.txErrors.Add(1)
			continue
		}
		p.txFrames.Add(uint64(sent))
		return sent, ioError(p.dev.name, "write", p.closed.Load(), err)
	}
	p.txFrames.Add(uint64(sent))
	return sent, nil
}

// BatchSize implements port.Port: the most frames one Read returns.
func (p *Port) BatchSize() int { return p.dev.batch }

// Close implements port.Port. Closing queue 0 (the Port Open returned)
// closes every queue and, if Open created the TAP, the TAP disappears.
// Closing another queue detaches only that queue. Close is idempotent; a
// blocked Read returns port.ErrClosed.
func (p *Port) Close() error {
	if p.index != 0 {
		return p.closeQueue()
	}
	var errs []error
	for _, q := range p.dev.queues {
		if err := q.closeQueue(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (p *Port) closeQueue() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		if err := p.file.Close(); err != nil {
			p.closeErr = fmt.Errorf("tap %s: closing queue %d: %w", p.dev.name, p.index, err)
		}
	})
	return p.closeErr
}

// String implements port.Port: "tap:NAME", or "tap:NAME queue I" for the
// queues after the first.
func (p *Port) String() string {
	if p.index == 0 {
		return "tap:" + p.dev.name
	}
	return fmt.Sprintf("tap:%s queue %d", p.dev.name, p.index)
}

// Name is the TAP's interface name.
func (p *Port) Name() string { return p.dev.name }

// MTU is the MTU Open set.
func (p *Port) MTU() int { return p.dev.mtu }

// Created reports whether Open created the TAP (it will disappear on Close)
// rather than attaching to one that existed.
func (p *Port) Created() bool { return p.dev.created }

// Queues returns one Port per queue, queue 0 (the Port Open returned)
// first, so the dataplane can run one receive worker per queue.
func (p *Port) Queues() []port.Port {
	qs := make([]port.Port, len(p.dev.queues))
	for i, q := range p.dev.queues {
		qs[i] = q
	}
	return qs
}

// Stats returns the device's counters summed over all its queues.
func (p *Port) Stats() port.Stats {
	var s port.Stats
	for _, q := range p.dev.queues {
		s.RxFrames += q.rxFrames.Load()
		s.TxFrames += q.txFrames.Load()
		s.TxErrors += q.txErrors.Load()
	}
	return s
}
