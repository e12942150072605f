package tap

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/gso"
	"github.com/l2sw/l2sw/dataplane/port"
)

// VnetMode selects whether a TAP exchanges virtio-net headers
// (IFF_VNET_HDR), which is what lets the kernel hand over TCP/UDP
// super-frames of up to 64 KiB with partial checksums instead of one
// MTU-sized frame per read(2).
type VnetMode uint8

// Vnet modes.
const (
	// VnetAuto (the default) uses headers when the kernel supports them.
	VnetAuto VnetMode = iota
	// VnetOn requires headers; Open fails without kernel support.
	VnetOn
	// VnetOff opens a plain TAP through songgao/water.
	VnetOff
)

// String names the mode as the port option spells it.
func (m VnetMode) String() string {
	switch m {
	case VnetAuto:
		return "auto"
	case VnetOn:
		return "on"
	case VnetOff:
		return "off"
	}
	return fmt.Sprintf("VnetMode(%d)", uint8(m))
}

// ErrNoVnet is returned by Open with VnetOn when the kernel's TUN driver
// does not offer IFF_VNET_HDR.
var ErrNoVnet = errors.New("the kernel's TUN driver does not support virtio-net headers (IFF_VNET_HDR)")

const tunDevice = "/dev/net/tun"

// kernelHasVnet asks the TUN driver (TUNGETFEATURES) whether it supports
// IFF_VNET_HDR.
func kernelHasVnet() bool {
	fd, err := unix.Open(tunDevice, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var features uint32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNGETFEATURES, uintptr(unsafe.Pointer(&features))); e != 0 {
		return false
	}
	return features&unix.IFF_VNET_HDR != 0
}

// openVnet opens one queue with IFF_VNET_HDR through x/sys/unix (water has
// no such option). The header size stays the kernel's default, 10 bytes
// (gso.HeaderLen). It does not touch IFF_PERSIST, so a persistent TAP stays
// persistent and one created here vanishes with its last descriptor; the
// persist argument is therefore unused. Offloads start off (TUNSETOFFLOAD 0),
// so the kernel completes checksums and segments before the frames reach us
// until SetOffload says otherwise.
func openVnet(name string, multiQueue, _ bool) (*os.File, error) {
	fd, err := unix.Open(tunDevice, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", tunDevice, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	flags := uint16(unix.IFF_TAP | unix.IFF_NO_PI | unix.IFF_VNET_HDR)
	if multiQueue {
		flags |= unix.IFF_MULTI_QUEUE
	}
	ifr.SetUint16(flags)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUNSETIFF: %w", err)
	}
	if got := ifr.Name(); got != name {
		unix.Close(fd)
		return nil, fmt.Errorf("kernel named the device %q, want %q", got, name)
	}
	if err := unix.IoctlSetInt(fd, unix.TUNSETOFFLOAD, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUNSETOFFLOAD 0: %w", err)
	}
	// os.NewFile sees the non-blocking flag and registers the descriptor
	// with the netpoller, as water's file is; newQueue takes it out.
	return os.NewFile(uintptr(fd), tunDevice), nil
}

// readSplit reads one vnet-mode frame into buf with readv(2), its header
// into p.rhdr, for a Read whose offset has no room for the header in front
// of the frame. The header is then lost, which is harmless while offloads
// are off (port.OffloadPort requires the room when they are on).
func (p *Port) readSplit(fd uintptr, buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	p.riov[0].Base, p.riov[1].Base = &p.rhdr[0], &buf[0]
	p.riov[0].SetLen(gso.HeaderLen)
	p.riov[1].SetLen(len(buf))
	n, _, e := unix.Syscall(unix.SYS_READV, fd, uintptr(unsafe.Pointer(&p.riov[0])), 2)
	p.riov[1].Base = nil // keep no reference to the caller's buffer
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// tunOffloads maps port offloads to TUNSETOFFLOAD flags.
func tunOffloads(o port.Offload) int {
	var f int
	if o&port.OffloadCsum != 0 {
		f |= unix.TUN_F_CSUM
	}
	if o&port.OffloadTSO4 != 0 {
		f |= unix.TUN_F_TSO4 | unix.TUN_F_TSO_ECN
	}
	if o&port.OffloadTSO6 != 0 {
		f |= unix.TUN_F_TSO6 | unix.TUN_F_TSO_ECN
	}
	if o&port.OffloadUSO != 0 {
		f |= unix.TUN_F_USO4 | unix.TUN_F_USO6
	}
	return f
}

// SetOffload implements port.OffloadPort for the whole device (the TUN
// driver keeps offloads per device, not per queue). Segmentation offloads
// need checksum offload, so without OffloadCsum none is enabled. A kernel
// without USO (before 6.2) refuses its flags; the others are then enabled
// alone. A plain (water) TAP supports none and returns 0.
func (p *Port) SetOffload(want port.Offload) (port.Offload, error) {
	if !p.dev.vnet {
		return 0, nil
	}
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	want &= port.OffloadAll
	if want&port.OffloadCsum == 0 {
		want = 0
	}
	set := func(o port.Offload) error {
		var ioErr error
		if err := p.raw.Control(func(fd uintptr) { ioErr = unix.IoctlSetInt(int(fd), unix.TUNSETOFFLOAD, tunOffloads(o)) }); err != nil {
			return err
		}
		return ioErr
	}
	err := set(want)
	if err != nil && want&port.OffloadUSO != 0 {
		want &^= port.OffloadUSO
		err = set(want)
	}
	if err != nil {
		return p.dev.offload(), fmt.Errorf("tap %s: TUNSETOFFLOAD %v: %w", p.dev.name, want, err)
	}
	p.dev.offloads.Store(uint32(want))
	return want, nil
}

// Vnet reports whether the TAP exchanges virtio-net headers.
func (p *Port) Vnet() bool { return p.dev.vnet }

// Offload returns the offloads in effect.
func (p *Port) Offload() port.Offload { return p.dev.offload() }

func (d *device) offload() port.Offload { return port.Offload(d.offloads.Load()) }

// BufferSize implements port.BufferSizer: with offloads in effect a frame
// can be a 64 KiB super-frame.
func (p *Port) BufferSize() int {
	if p.dev.offload()&(port.OffloadTSO4|port.OffloadTSO6|port.OffloadUSO) != 0 {
		return port.Headroom + port.MaxSuperFrame
	}
	return port.BufferSize
}

// vnetWriter is the state of one vnet-mode Write: the callback handed to
// RawConn.Write is bound once per writer, and writers are pooled, so a
// Write allocates nothing and concurrent Writes share no state.
type vnetWriter struct {
	iov    [2]unix.Iovec
	hdr    [gso.HeaderLen]byte
	frames [][]byte
	hdrs   []gso.Header // nil: every frame goes with a zero header
	sent   int
	drops  int
	err    error
	do     func(fd uintptr) bool
}

func newVnetWriterPool() *sync.Pool {
	return &sync.Pool{New: func() any {
		w := &vnetWriter{}
		w.do = w.writeAll
		return w
	}}
}

// writeAll writes every frame with writev(2): header, then frame, as one
// TAP packet. A TAP write does not block, so it always returns true.
func (w *vnetWriter) writeAll(fd uintptr) bool {
	for i, f := range w.frames {
		if w.hdrs != nil {
			w.hdrs[i].Encode(w.hdr[:])
		} else {
			w.hdr = [gso.HeaderLen]byte{}
		}
		if len(f) == 0 {
			w.drops++
			continue
		}
		w.iov[0].Base, w.iov[1].Base = &w.hdr[0], &f[0]
		w.iov[0].SetLen(gso.HeaderLen)
		w.iov[1].SetLen(len(f))
		for {
			_, _, e := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), 2)
			switch e {
			case 0:
				w.sent++
			case unix.EINTR:
				continue
			case unix.EIO, unix.EINVAL, unix.EAGAIN:
				// Link down, malformed frame or header, or (never seen on
				// a TAP) a full queue: drop it as a NIC would.
				w.drops++
			default:
				w.err = e
				return true
			}
			break
		}
	}
	return true
}

// writeVnet sends frames with their headers (hdrs nil: zero headers).
func (p *Port) writeVnet(frames [][]byte, hdrs []gso.Header) (int, error) {
	if p.closed.Load() {
		return 0, port.ErrClosed
	}
	if hdrs != nil && len(hdrs) < len(frames) {
		return 0, fmt.Errorf("tap %s: %d headers for %d frames", p.dev.name, len(hdrs), len(frames))
	}
	w := p.dev.writers.Get().(*vnetWriter)
	w.frames, w.hdrs, w.sent, w.drops, w.err = frames, hdrs, 0, 0, nil
	err := p.raw.Write(w.do)
	sent, drops, werr := w.sent, w.drops, w.err
	w.frames, w.hdrs, w.err = nil, nil, nil // keep no reference to the caller's frames
	p.dev.writers.Put(w)
	p.txFrames.Add(uint64(sent))
	p.txErrors.Add(uint64(drops))
	if err == nil {
		err = werr
	}
	if err != nil {
		return sent, ioError(p.dev.name, "write", p.closed.Load(), err)
	}
	return sent, nil
}

// WriteOffload implements port.OffloadPort. On a plain TAP a frame whose
// header is not plain (partial checksum, super-frame) cannot be sent and is
// counted as a transmit error.
func (p *Port) WriteOffload(frames [][]byte, hdrs []gso.Header) (int, error) {
	if p.dev.vnet {
		return p.writeVnet(frames, hdrs)
	}
	if len(hdrs) < len(frames) {
		return 0, fmt.Errorf("tap %s: %d headers for %d frames", p.dev.name, len(hdrs), len(frames))
	}
	sent := 0
	for i := range frames {
		if !hdrs[i].Plain() {
			p.txErrors.Add(1)
			continue
		}
		n, err := p.Write(frames[i : i+1 : i+1])
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

var _ port.OffloadPort = (*Port)(nil)
var _ port.BufferSizer = (*Port)(nil)
