// Package afpacket is the AF_PACKET port backend (`afpacket:IFNAME`): it
// attaches the switch to any existing netdev — a veth end, a dummy, a real
// NIC — through a packet socket, the way a bridge port would, and moves
// frames through the port.Port interface.
//
// Receive uses a TPACKET_V3 ring mapped into the process: the kernel fills
// blocks of frames and hands a block over when it is full or when its
// retire timer (Config.Timeout) fires, so one wake-up delivers a batch and
// Read copies frames out with no system call per frame. The kernel moves a
// received frame's 802.1Q tag into metadata before packet sockets see it;
// Read puts it back from the ring's frame header, so trunks work. Transmit
// is one sendmmsg(2) per batch, bypassing the qdisc by default
// (PACKET_QDISC_BYPASS). The socket ignores outgoing frames
// (PACKET_IGNORE_OUTGOING), so the switch never hears what it sends, and
// puts the netdev in promiscuous mode for as long as the port is open.
//
// Frames travel with virtio-net headers (PACKET_VNET_HDR), as on a vnet
// TAP: a host's stack behind a veth hands over partial checksums and TCP
// or UDP super-frames of up to 64 KiB, which the kernel never completes or
// segments for a packet socket. The port is a port.OffloadPort: with
// offloads on, the switch forwards them as they are (or segments them for
// ports that cannot take them); with offloads off, Read completes partial
// checksums and drops super-frames.
//
// The port follows the netdev's link state (administrative up and carrier,
// from rtnetlink) and reports changes through port.LinkNotifier; while the
// link is down Read waits and Write drops. When the netdev is deleted (or
// moved to another namespace) Read returns an error wrapping ErrDeviceGone.
// Re-attaching a netdev that comes back under the same name is not done
// here: the switch opens a new port for it.
package afpacket

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
)

// Limits and defaults of Config.
const (
	DefaultBatch     = 64
	DefaultBlockSize = 256 << 10 // 256 KiB: ~2000 small frames, 28 jumbo frames
	DefaultBlocks    = 32        // 8 MiB of ring per port
	DefaultTimeout   = 1         // ms; the latency of a frame that fills no block
	MaxBlockSize     = 16 << 20
	MaxBlocks        = 1024
	MaxTimeout       = 1000
	// ringFrameSize is the nominal frame size the kernel wants in the ring
	// request; with TPACKET_V3 frames are packed back to back in a block
	// and may be up to a block long.
	ringFrameSize = 2048
	// txTimeout bounds a send blocked on a full socket buffer, so Close
	// never waits long for a writer.
	txTimeoutMicros = 100_000
	// sndBuf is the socket send buffer: room for a few batches in flight.
	sndBuf = 4 << 20
)

// Config says which netdev to attach and how.
type Config struct {
	// Name is the netdev, at most 15 bytes. It must exist.
	Name string
	// Batch is the most frames one Read returns and one sendmmsg moves;
	// 0 means DefaultBatch.
	Batch int
	// BlockSize is the size of one receive ring block in bytes, a multiple
	// of the page size; 0 means DefaultBlockSize (grown to hold a frame of
	// the netdev's MTU).
	BlockSize int
	// Blocks is the number of ring blocks; 0 means DefaultBlocks.
	Blocks int
	// Timeout is the block retire timeout in milliseconds: how long a
	// frame may wait in a block that is not full; 0 means DefaultTimeout.
	Timeout int
	// NoVnet opens the socket without virtio-net headers
	// (PACKET_VNET_HDR): the port then offers no offloads, and a TCP
	// super-frame a host's stack hands the netdev (a veth with TSO on) is
	// dropped, since the kernel does not segment for packet sockets.
	NoVnet bool
	// NoBypass sends through the netdev's qdisc instead of straight to the
	// driver (PACKET_QDISC_BYPASS): slower, but traffic shaping on the
	// netdev applies and a full NIC queue pushes back instead of dropping.
	NoBypass bool
}

func (c *Config) normalize() error {
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.BlockSize == 0 {
		c.BlockSize = DefaultBlockSize
	}
	if c.Blocks == 0 {
		c.Blocks = DefaultBlocks
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	page := unix.Getpagesize()
	switch {
	case port.ValidNetdevName(c.Name) != nil:
		return fmt.Errorf("afpacket %q: %w: %v", c.Name, ErrInvalidConfig, port.ValidNetdevName(c.Name))
	case strings.ContainsAny(c.Name, ",="): // the port spec's separators
		return fmt.Errorf("afpacket %q: %w: interface name cannot contain ',' or '='", c.Name, ErrInvalidConfig)
	case c.Batch < 1:
		return fmt.Errorf("afpacket %s: %w: batch %d must be positive", c.Name, ErrInvalidConfig, c.Batch)
	case c.BlockSize < page || c.BlockSize > MaxBlockSize || c.BlockSize%page != 0:
		return fmt.Errorf("afpacket %s: %w: block size %d must be a multiple of %d up to %d", c.Name, ErrInvalidConfig, c.BlockSize, page, MaxBlockSize)
	case c.Blocks < 2 || c.Blocks > MaxBlocks:
		return fmt.Errorf("afpacket %s: %w: %d blocks out of range 2-%d", c.Name, ErrInvalidConfig, c.Blocks, MaxBlocks)
	case c.Timeout < 1 || c.Timeout > MaxTimeout:
		return fmt.Errorf("afpacket %s: %w: timeout %d ms out of range 1-%d", c.Name, ErrInvalidConfig, c.Timeout, MaxTimeout)
	}
	return nil
}

// Port is an open AF_PACKET port. Read is for one goroutine (the port's
// receive worker); Write is safe from any number of goroutines.
type Port struct {
	name    string
	ifindex int
	mtu     int
	batch   int

	fd    int    // the packet socket
	efd   int    // eventfd that wakes a Read blocked in ppoll on Close
	ring  []byte // the mmap'd receive ring
	bsize int
	nblk  int

	// Read state, owned by the goroutine inside Read.
	cur    int  // the block being read
	inBlk  bool // cur is handed to us and not yet returned
	left   int  // frames of cur not read yet
	pos    int  // offset in cur of the next frame's header
	pfds   [2]unix.PollFd
	rxDrop atomic.Uint64 // frames too large for the caller's buffer, or truncated

	vnet     bool          // every frame travels with a virtio-net header
	offloads atomic.Uint32 // port.Offload in effect

	tx sync.Pool // of *txScratch

	link    *linkWatch
	devGone atomic.Bool // the link watcher saw the netdev unregistered

	// mu is held shared by Read and Write for their whole call and
	// exclusively by Close, so the descriptors and the ring are never
	// released under a call that uses them.
	mu        sync.RWMutex
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	rxFrames, txFrames, txErrors atomic.Uint64
}

var (
	_ port.Port         = (*Port)(nil)
	_ port.BufferSizer  = (*Port)(nil)
	_ port.LinkNotifier = (*Port)(nil)
	_ port.OffloadPort  = (*Port)(nil)
)

// Open attaches the existing netdev cfg.Name: it sets the link up (as
// `no shutdown` on the switch port asks), opens a packet socket bound to
// it with a TPACKET_V3 receive ring, and enters promiscuous mode. It needs
// root or CAP_NET_RAW and CAP_NET_ADMIN, and acts in the calling thread's
// network namespace.
func Open(cfg Config) (*Port, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	name := cfg.Name
	ctl, err := newLinkControl()
	if err != nil {
		return nil, fmt.Errorf("afpacket %s: %w", name, err)
	}
	defer ctl.close()
	ifindex, err := ctl.index(name)
	if err != nil {
		return nil, fmt.Errorf("afpacket %s: %w", name, err)
	}
	mtu, err := ctl.mtu(name)
	if err != nil {
		return nil, fmt.Errorf("afpacket %s: %w", name, err)
	}
	if err := ctl.up(name); err != nil {
		return nil, fmt.Errorf("afpacket %s: %w", name, err)
	}

	p := &Port{name: name, ifindex: ifindex, mtu: mtu, batch: cfg.Batch, fd: -1, efd: -1, vnet: !cfg.NoVnet}
	// A block must hold the largest frame the netdev can deliver, behind
	// the ring's frame header and the virtio-net header: a super-frame with
	// headers, else a frame of its MTU with the Ethernet header and two
	// tags.
	need := mtu + 14 + 8 + 128
	if p.vnet {
		need = max(need, port.MaxSuperFrame+128+gso.HeaderLen)
	}
	page := unix.Getpagesize()
	p.bsize = cfg.BlockSize
	for p.bsize < need {
		p.bsize += page
	}
	p.nblk = cfg.Blocks
	batch := cfg.Batch
	vnet := p.vnet
	p.tx.New = func() any { return newTxScratch(batch, vnet) }

	if err := p.openSocket(cfg); err != nil {
		p.release()
		return nil, fmt.Errorf("afpacket %s: %w", name, err)
	}
	w, up, err := newLinkWatch(ifindex, ctl, name)
	if err != nil {
		p.release()
		return nil, fmt.Errorf("afpacket %s: %w", name, err)
	}
	p.link = w
	w.state.Store(up)
	w.gone = p.markGone
	go w.run()
	return p, nil
}

// markGone is called by the link watcher when the netdev is unregistered.
// A Read already waiting may have had its one socket error (ENETDOWN) when
// the netdev went down before the kernel unregistered it, and would hear
// nothing more: the eventfd wakes it.
func (p *Port) markGone() {
	p.devGone.Store(true)
	p.mu.RLock() // the eventfd is not closed (and its number not reused) under us
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return
	}
	one := [8]byte{1}
	_, _ = unix.Write(p.efd, one[:])
}

// openSocket creates the packet socket, its ring and its eventfd.
func (p *Port) openSocket(cfg Config) error {
	// Protocol 0 receives nothing until bind names the netdev, so no frame
	// of another interface lands in the ring.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return openError("socket(AF_PACKET)", err)
	}
	p.fd = fd
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fmt.Errorf("PACKET_VERSION TPACKET_V3: %w", err)
	}
	if p.vnet {
		// Before the ring: the kernel reserves room for the header in
		// every ring frame.
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			return fmt.Errorf("PACKET_VNET_HDR (open with vnet=off to do without offloads): %w", err)
		}
	}
	req := unix.TpacketReq3{
		Block_size:     uint32(p.bsize),
		Block_nr:       uint32(p.nblk),
		Frame_size:     ringFrameSize,
		Frame_nr:       uint32(p.bsize / ringFrameSize * p.nblk),
		Retire_blk_tov: uint32(cfg.Timeout),
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fmt.Errorf("PACKET_RX_RING (%d blocks of %d bytes): %w", p.nblk, p.bsize, err)
	}
	ring, err := unix.Mmap(fd, 0, p.bsize*p.nblk, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mapping the receive ring: %w", err)
	}
	p.ring = ring
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fmt.Errorf("PACKET_IGNORE_OUTGOING (Linux 4.20+): %w", err)
	}
	if !cfg.NoBypass {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1); err != nil {
			return fmt.Errorf("PACKET_QDISC_BYPASS: %w", err)
		}
	}
	// Best effort: a larger buffer lets a whole batch be in flight; the
	// kernel caps it at net.core.wmem_max without failing.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sndBuf)
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &unix.Timeval{Usec: txTimeoutMicros}); err != nil {
		return fmt.Errorf("SO_SNDTIMEO: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: p.ifindex}); err != nil {
		return openError("bind", err)
	}
	mreq := unix.PacketMreq{Ifindex: int32(p.ifindex), Type: unix.PACKET_MR_PROMISC}
	if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
		return fmt.Errorf("promiscuous mode (PACKET_ADD_MEMBERSHIP): %w", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	p.efd = efd
	p.pfds[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	p.pfds[1] = unix.PollFd{Fd: int32(efd), Events: unix.POLLIN}
	return nil
}

// release frees what Open acquired so far.
func (p *Port) release() error {
	var errs []error
	if p.link != nil {
		p.link.close()
	}
	if p.ring != nil {
		if err := unix.Munmap(p.ring); err != nil {
			errs = append(errs, fmt.Errorf("unmapping the ring: %w", err))
		}
		p.ring = nil
	}
	if p.fd >= 0 {
		if err := unix.Close(p.fd); err != nil {
			errs = append(errs, fmt.Errorf("closing the packet socket: %w", err))
		}
		p.fd = -1
	}
	if p.efd >= 0 {
		_ = unix.Close(p.efd)
		p.efd = -1
	}
	return errors.Join(errs...)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Offsets in a TPACKET_V3 block descriptor (struct tpacket_block_desc,
// whose header is struct tpacket_hdr_v1).
const (
	blkStatus   = 8
	blkNumPkts  = 12
	blkFirstPkt = 16
)

func (p *Port) block(i int) []byte { return p.ring[i*p.bsize : (i+1)*p.bsize] }

func blockStatus(b []byte) *uint32 { return (*uint32)(unsafe.Pointer(&b[blkStatus])) }

// Read implements port.Port: it blocks until the kernel hands over a ring
// block, then copies out every frame ready, up to len(bufs) (and Batch).
// Frames that do not fit the caller's buffer are dropped and counted
// (Drops).
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	n := min(len(bufs), len(sizes), p.batch)
	if n == 0 {
		return 0, nil
	}
	for {
		got, err := p.drain(bufs[:n], sizes[:n], offset)
		if err != nil {
			return 0, err
		}
		if got > 0 {
			p.rxFrames.Add(uint64(got))
			return got, nil
		}
		if err := p.wait(); err != nil {
			return 0, err
		}
	}
}

// drain copies frames from the blocks the kernel has handed over, returning
// each block to the kernel once its last frame is copied.
func (p *Port) drain(bufs [][]byte, sizes []int, offset int) (int, error) {
	got := 0
	// With offloads in effect each frame's header goes in front of it
	// (port.OffloadPort); without room for it, frames are made plain.
	off := port.Offload(p.offloads.Load())
	withHdr := off != 0 && offset >= gso.HeaderLen
	for got < len(bufs) {
		if p.left == 0 {
			if p.inBlk {
				atomic.StoreUint32(blockStatus(p.block(p.cur)), unix.TP_STATUS_KERNEL)
				p.cur = (p.cur + 1) % p.nblk
				p.inBlk = false
			}
			b := p.block(p.cur)
			if atomic.LoadUint32(blockStatus(b))&unix.TP_STATUS_USER == 0 {
				break
			}
			p.inBlk = true
			p.left = int(*(*uint32)(unsafe.Pointer(&b[blkNumPkts])))
			p.pos = int(*(*uint32)(unsafe.Pointer(&b[blkFirstPkt])))
			continue
		}
		b := p.block(p.cur)
		if p.pos < 0 || p.pos+unix.SizeofTpacket3Hdr > len(b) {
			return got, fmt.Errorf("afpacket %s: corrupt receive ring: frame header at %d in a block of %d", p.name, p.pos, len(b))
		}
		h := (*unix.Tpacket3Hdr)(unsafe.Pointer(&b[p.pos]))
		start, end := p.pos+int(h.Mac), p.pos+int(h.Mac)+int(h.Snaplen)
		if end > len(b) || (p.vnet && start-gso.HeaderLen < p.pos) {
			return got, fmt.Errorf("afpacket %s: corrupt receive ring: frame at %d-%d in a block of %d", p.name, start, end, len(b))
		}
		var hd gso.Header
		if p.vnet {
			hd, _ = gso.Decode(b[start-gso.HeaderLen : start])
		}
		dst := bufs[got][offset:]
		size, ok := copyFrame(dst, b[start:end], h)
		p.left--
		p.pos += int(h.Next_offset)
		if !ok || h.Snaplen != h.Len {
			p.rxDrop.Add(1)
			continue
		}
		if size > int(h.Snaplen) {
			hd = hd.Shift(size - int(h.Snaplen)) // the tag put back
		}
		if !hd.Plain() && !(withHdr && off.Accepts(hd)) {
			// The consumer cannot take it as it is: complete the checksum;
			// a super-frame cannot be segmented into one buffer.
			if hd.IsGSO() || gso.Checksum(dst[:size], hd) != nil {
				p.rxDrop.Add(1)
				continue
			}
			hd = gso.Header{}
		}
		if withHdr {
			hd.Encode(bufs[got][offset-gso.HeaderLen : offset])
		}
		sizes[got] = size
		got++
	}
	return got, nil
}

// copyFrame copies a received frame into dst, putting back the 802.1Q tag
// the kernel moved into the frame header. It reports the frame's length,
// or false if it does not fit.
func copyFrame(dst, frame []byte, h *unix.Tpacket3Hdr) (int, bool) {
	if h.Status&unix.TP_STATUS_VLAN_VALID == 0 {
		if len(frame) > len(dst) {
			return 0, false
		}
		return copy(dst, frame), true
	}
	if len(frame) < 12 || len(frame)+4 > len(dst) {
		return 0, false
	}
	tpid := uint16(0x8100)
	if h.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && h.Hv1.Vlan_tpid != 0 {
		tpid = h.Hv1.Vlan_tpid
	}
	copy(dst[:12], frame[:12])
	tci := uint16(h.Hv1.Vlan_tci)
	dst[12], dst[13], dst[14], dst[15] = byte(tpid>>8), byte(tpid), byte(tci>>8), byte(tci)
	copy(dst[16:], frame[12:])
	return len(frame) + 4, true
}

// wait blocks until a block may be ready, the port is closed, or the
// socket reports an error. A socket error while the netdev still exists
// means it went down (ENETDOWN): the kernel resumes delivery by itself when
// it comes back up, so wait clears the error and keeps waiting.
func (p *Port) wait() error {
	p.pfds[0].Revents, p.pfds[1].Revents = 0, 0
	_, err := unix.Ppoll(p.pfds[:], nil, nil)
	if p.closed.Load() {
		return port.ErrClosed
	}
	if err != nil && err != unix.EINTR {
		return fmt.Errorf("afpacket %s: ppoll: %w", p.name, err)
	}
	if p.devGone.Load() {
		return fmt.Errorf("afpacket %s: %w (deleted, or moved to another namespace)", p.name, ErrDeviceGone)
	}
	if p.pfds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
		soErr, _ := unix.GetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if p.gone() {
			return fmt.Errorf("afpacket %s: %w (deleted, or moved to another namespace): %w", p.name, ErrDeviceGone, unix.Errno(soErr))
		}
	}
	return nil
}

// gone reports whether the bound netdev was unregistered: the kernel then
// unbinds the socket, and getsockname no longer shows its index.
func (p *Port) gone() bool {
	sa, err := unix.Getsockname(p.fd)
	if err != nil {
		return true
	}
	ll, ok := sa.(*unix.SockaddrLinklayer)
	return !ok || ll.Ifindex != p.ifindex
}

// mmsghdr is struct mmsghdr: Go lays it out as C does on every Linux ABI.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// txScratch is one Write call's message vector: per frame one message of
// one iovec (the frame) or, with virtio-net headers, two (header, frame).
type txScratch struct {
	msgs []mmsghdr
	iovs []unix.Iovec
	hdrs [][gso.HeaderLen]byte
	vnet bool
}

func newTxScratch(n int, vnet bool) *txScratch {
	s := &txScratch{msgs: make([]mmsghdr, n), iovs: make([]unix.Iovec, 2*n), hdrs: make([][gso.HeaderLen]byte, n), vnet: vnet}
	for i := range s.msgs {
		if vnet {
			s.iovs[2*i].Base = &s.hdrs[i][0]
			s.iovs[2*i].SetLen(gso.HeaderLen)
			s.msgs[i].hdr.Iov = &s.iovs[2*i]
			s.msgs[i].hdr.SetIovlen(2)
		} else {
			s.msgs[i].hdr.Iov = &s.iovs[2*i+1]
			s.msgs[i].hdr.SetIovlen(1)
		}
	}
	return s
}

func sendmmsg(fd int, msgs []mmsghdr) (int, unix.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd), uintptr(unsafe.Pointer(&msgs[0])), uintptr(len(msgs)), 0, 0, 0)
	return int(r), e
}

// Write implements port.Port with one sendmmsg(2) per Batch frames. Frames
// the medium refuses — the link is down (ENETDOWN), a frame exceeds the
// MTU (EMSGSIZE) or is malformed (EINVAL), the NIC queue is full (ENOBUFS)
// or the socket buffer stayed full for 100 ms (EAGAIN) — are dropped and
// counted in Stats().TxErrors, as a NIC drops them; n then counts only the
// frames handed to the kernel and err stays nil. A deleted netdev is an
// error wrapping ErrDeviceGone.
func (p *Port) Write(frames [][]byte) (int, error) { return p.writeHdrs(frames, nil) }

// WriteOffload implements port.OffloadPort: Write with a virtio-net header
// per frame, which the kernel turns into a GSO or partial-checksum packet.
func (p *Port) WriteOffload(frames [][]byte, hdrs []gso.Header) (int, error) {
	if len(hdrs) < len(frames) {
		return 0, fmt.Errorf("afpacket %s: %d headers for %d frames", p.name, len(hdrs), len(frames))
	}
	if !p.vnet {
		return 0, fmt.Errorf("afpacket %s: offloaded write on a port opened with vnet=off", p.name)
	}
	return p.writeHdrs(frames, hdrs)
}

func (p *Port) writeHdrs(frames [][]byte, hdrs []gso.Header) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	s := p.tx.Get().(*txScratch)
	sent, err := p.write(s, frames, hdrs)
	for i := 1; i < len(s.iovs); i += 2 {
		s.iovs[i].Base = nil // keep no reference to the caller's frames
	}
	p.tx.Put(s)
	p.txFrames.Add(uint64(sent))
	return sent, err
}

func (p *Port) write(s *txScratch, frames [][]byte, hdrs []gso.Header) (int, error) {
	sent := 0
	skip := func(n int) {
		frames = frames[n:]
		if hdrs != nil {
			hdrs = hdrs[n:]
		}
	}
	for len(frames) > 0 {
		k := 0
		for k < len(s.msgs) && k < len(frames) {
			f := frames[k]
			if len(f) == 0 {
				break
			}
			if s.vnet {
				if hdrs != nil {
					hdrs[k].Encode(s.hdrs[k][:])
				} else {
					s.hdrs[k] = [gso.HeaderLen]byte{}
				}
			}
			s.iovs[2*k+1].Base = &f[0]
			s.iovs[2*k+1].SetLen(len(f))
			k++
		}
		if k == 0 { // an empty frame: nothing to send
			p.txErrors.Add(1)
			skip(1)
			continue
		}
		m, errno := sendmmsg(p.fd, s.msgs[:k])
		if m > 0 {
			sent += m
			skip(m)
			continue
		}
		switch errno {
		case unix.EINTR:
		case unix.EMSGSIZE, unix.EINVAL, unix.ENOBUFS:
			p.txErrors.Add(1)
			skip(1)
		case unix.ENETDOWN, unix.EAGAIN:
			p.txErrors.Add(uint64(len(frames)))
			return sent, nil
		case unix.ENXIO, unix.ENODEV:
			return sent, fmt.Errorf("afpacket %s: write: %w: %w", p.name, ErrDeviceGone, errno)
		default:
			if p.gone() {
				return sent, fmt.Errorf("afpacket %s: write: %w: %w", p.name, ErrDeviceGone, errno)
			}
			return sent, fmt.Errorf("afpacket %s: sendmmsg: %w", p.name, errno)
		}
	}
	return sent, nil
}

// SetOffload implements port.OffloadPort. With virtio-net headers the
// kernel hands over whatever the netdev received — super-frames from a
// veth peer's TSO or a NIC's GRO, partial checksums — and takes the same
// back, so every offload is supported; segmentation needs checksum
// offload. A port opened with vnet=off supports none.
func (p *Port) SetOffload(want port.Offload) (port.Offload, error) {
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	if !p.vnet {
		return 0, nil
	}
	want &= port.OffloadAll
	if want&port.OffloadCsum == 0 {
		want = 0
	}
	p.offloads.Store(uint32(want))
	return want, nil
}

// Offload returns the offloads in effect.
func (p *Port) Offload() port.Offload { return port.Offload(p.offloads.Load()) }

// BatchSize implements port.Port.
func (p *Port) BatchSize() int { return p.batch }

// BufferSize implements port.BufferSizer: a buffer holds the headroom and
// a frame of the netdev's MTU with two tags, or port.BufferSize if larger;
// with segmentation offloads in effect, a super-frame.
func (p *Port) BufferSize() int {
	if p.Offload()&(port.OffloadTSO4|port.OffloadTSO6|port.OffloadUSO) != 0 {
		return port.Headroom + port.MaxSuperFrame
	}
	return max(port.BufferSize, port.Headroom+p.mtu+14+8)
}

// NotifyLink implements port.LinkNotifier: the link is up while the netdev
// is administratively up and has carrier (IFF_UP and IFF_RUNNING).
func (p *Port) NotifyLink(fn func(up bool)) bool {
	p.link.fn.Store(&fn)
	return p.link.state.Load()
}

// LinkUp reports the netdev's link state as last seen.
func (p *Port) LinkUp() bool { return p.link.state.Load() }

// Close implements port.Port: it leaves promiscuous mode, unmaps the ring
// and closes the socket. A blocked Read returns port.ErrClosed. Close is
// idempotent; the netdev itself is left in place.
func (p *Port) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		one := [8]byte{1}
		_, _ = unix.Write(p.efd, one[:])
		p.link.close()
		p.mu.Lock()
		p.closeErr = p.release()
		p.mu.Unlock()
		if p.closeErr != nil {
			p.closeErr = fmt.Errorf("afpacket %s: %w", p.name, p.closeErr)
		}
	})
	return p.closeErr
}

// String implements port.Port: "afpacket:NAME".
func (p *Port) String() string { return "afpacket:" + p.name }

// Name is the netdev's name.
func (p *Port) Name() string { return p.name }

// MTU is the netdev's MTU when the port was opened.
func (p *Port) MTU() int { return p.mtu }

// Stats returns the port's counters.
func (p *Port) Stats() port.Stats {
	return port.Stats{RxFrames: p.rxFrames.Load(), TxFrames: p.txFrames.Load(), TxErrors: p.txErrors.Load()}
}

// Drops is the number of received frames dropped because they did not fit
// the caller's buffer or the ring truncated them.
func (p *Port) Drops() uint64 { return p.rxDrop.Load() }
