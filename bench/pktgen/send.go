package pktgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DefaultBatch is how many frames one sendmmsg(2) hands the kernel.
const DefaultBatch = 256

// Sender sends a Stream's frames out of one interface, a batch per system
// call. It is for one goroutine.
type Sender struct {
	fd     int
	stream Stream
	frames [][]byte
	iov    []unix.Iovec
	msgs   []mmsghdr
}

// mmsghdr is struct mmsghdr, which x/sys/unix does not define.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

// NewSender opens an AF_PACKET socket on ifname (in the caller's thread's
// network namespace) that bypasses the qdisc, with batch frames per system
// call (0: DefaultBatch).
func NewSender(ifname string, s Stream, batch int) (*Sender, error) {
	if err := s.normalize(); err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("pktgen: sender: %w", err)
	}
	// Protocol 0: the socket sends only and is never handed received frames.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("pktgen: sender: socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pktgen: sender: PACKET_QDISC_BYPASS: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pktgen: sender: bind %s: %w", ifname, err)
	}
	snd := &Sender{fd: fd, stream: s}
	for i := range s.Flows {
		snd.frames = append(snd.frames, s.Frame(i))
	}
	snd.iov = make([]unix.Iovec, batch)
	snd.msgs = make([]mmsghdr, batch)
	for i := range snd.msgs {
		f := snd.frames[i%len(snd.frames)]
		snd.iov[i].Base = &f[0]
		snd.iov[i].SetLen(len(f))
		snd.msgs[i].hdr.Iov = &snd.iov[i]
		snd.msgs[i].hdr.SetIovlen(1)
	}
	return snd, nil
}

// Close closes the socket.
func (s *Sender) Close() error { return unix.Close(s.fd) }

// Limits bound a Send; zero fields are unbounded. Send ends at the first
// limit reached, or when ctx is done.
type Limits struct {
	Frames   uint64        // frames to send
	Duration time.Duration // how long to send
	Rate     float64       // frames per second at most; paced per batch
}

// Sent is what a Send did.
type Sent struct {
	Frames  uint64        // frames the kernel took
	Refused uint64        // refusals (ENOBUFS: the device's queue was full), one frame each, retried after a pause
	Elapsed time.Duration // from the first batch to the end
}

// Rate is the frames per second the kernel took.
func (s Sent) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Frames) / s.Elapsed.Seconds()
}

// Send sends frames until a limit is reached. A refused batch is retried,
// not counted as sent, so Frames is exactly what left the socket.
func (s *Sender) Send(ctx context.Context, lim Limits) (Sent, error) {
	var out Sent
	start := time.Now()
	var deadline time.Time
	if lim.Duration > 0 {
		deadline = start.Add(lim.Duration)
	}
	for ctx.Err() == nil {
		n := uint64(len(s.msgs))
		if lim.Frames > 0 {
			if out.Frames >= lim.Frames {
				break
			}
			n = min(n, lim.Frames-out.Frames)
		}
		now := time.Now()
		if !deadline.IsZero() && !now.Before(deadline) {
			break
		}
		if lim.Rate > 0 {
			// Ahead of the rate: wait until the frames sent so far are due.
			due := start.Add(time.Duration(float64(out.Frames) / lim.Rate * float64(time.Second)))
			if d := due.Sub(now); d > 0 {
				time.Sleep(d)
			}
			n = min(n, max(1, uint64(lim.Rate/1000))) // about a millisecond's worth per call
		}
		r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msgs[0])), uintptr(n), 0, 0, 0)
		switch {
		case e == 0:
			out.Frames += uint64(r)
		case e == unix.ENOBUFS:
			// The device's queue is full. Spinning on it would take the
			// CPU from whatever drains the queue (on a small machine, the
			// system measured), so pause for about a timer tick.
			out.Refused++
			time.Sleep(20 * time.Microsecond)
		case e == unix.EINTR || e == unix.EAGAIN:
		default:
			out.Elapsed = time.Since(start)
			return out, fmt.Errorf("pktgen: sendmmsg: %w", error(e))
		}
	}
	out.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return out, err
	}
	return out, nil
}
