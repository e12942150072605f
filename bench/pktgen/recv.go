package pktgen

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The receive ring: TPACKET_V3 blocks that the kernel fills with many
// frames each and hands over whole, so a full block costs one look at its
// status word and no system call.
const (
	ringBlock  = 1 << 20
	ringBlocks = 32
	ringFrame  = 2048 // only for the request's validation; V3 packs frames
	ringRetire = 10   // ms after which the kernel hands over a partly filled block
)

// Receiver counts a Stream's frames arriving on one interface. It is for
// one goroutine.
type Receiver struct {
	fd     int
	stream Stream
	ring   []byte
}

// NewReceiver opens a TPACKET_V3 receive ring on ifname in the caller's
// thread's network namespace. Frames the interface sends are not seen.
func NewReceiver(ifname string, s Stream) (*Receiver, error) {
	if err := s.normalize(); err != nil {
		return nil, err
	}
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("pktgen: receiver: %w", err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("pktgen: receiver: socket: %w", err)
	}
	r := &Receiver{fd: fd, stream: s}
	fail := func(what string, err error) (*Receiver, error) {
		r.Close()
		return nil, fmt.Errorf("pktgen: receiver: %s: %w", what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("PACKET_VERSION", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fail("PACKET_IGNORE_OUTGOING", err)
	}
	req := unix.TpacketReq3{
		Block_size: ringBlock, Block_nr: ringBlocks,
		Frame_size: ringFrame, Frame_nr: ringBlock / ringFrame * ringBlocks,
		Retire_blk_tov: ringRetire,
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fail("PACKET_RX_RING", err)
	}
	if r.ring, err = unix.Mmap(fd, 0, ringBlock*ringBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fail("mmap", err)
	}
	// Bound last, so that the ring sees only frames from here on.
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return fail("bind "+ifname, err)
	}
	// Frames that arrived between socket(2) and bind(2) on other
	// interfaces: forget them.
	_, _ = unix.GetsockoptTpacketStatsV3(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	return r, nil
}

// Close unmaps the ring and closes the socket.
func (r *Receiver) Close() error {
	if r.ring != nil {
		_ = unix.Munmap(r.ring)
		r.ring = nil
	}
	return unix.Close(r.fd)
}

// Received is what a Run counted.
type Received struct {
	Frames uint64 // the stream's frames
	Other  uint64 // any other frame
	Drops  uint64 // frames the kernel dropped because the ring was full
	// First and Last are the kernel's receive times of the first and the
	// last of the stream's frames.
	First, Last time.Time
}

// Rate is the stream's frames per second between its first and last frame.
func (r Received) Rate() float64 {
	d := r.Last.Sub(r.First)
	if r.Frames < 2 || d <= 0 {
		return 0
	}
	return float64(r.Frames-1) / d.Seconds()
}

// Run counts frames until ctx is done or, once the stream's first frame
// has arrived, none of its frames arrived for idle (0: only ctx ends it).
func (r *Receiver) Run(ctx context.Context, idle time.Duration) (Received, error) {
	var out Received
	var lastSeen time.Time
	pfd := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN | unix.POLLERR}}
	for blk := 0; ; {
		desc := (*unix.TpacketBlockDesc)(unsafe.Pointer(&r.ring[blk*ringBlock]))
		hdr := (*unix.TpacketHdrV1)(unsafe.Pointer(&desc.Hdr[0]))
		status := (*uint32)(unsafe.Pointer(&hdr.Block_status))
		if atomic.LoadUint32(status)&unix.TP_STATUS_USER != 0 {
			before := out.Frames
			r.block(blk, hdr, &out)
			atomic.StoreUint32(status, unix.TP_STATUS_KERNEL)
			blk = (blk + 1) % ringBlocks
			if out.Frames != before {
				lastSeen = time.Now()
			}
			continue
		}
		if ctx.Err() != nil || (idle > 0 && !lastSeen.IsZero() && time.Since(lastSeen) > idle) {
			break
		}
		if _, err := unix.Poll(pfd, 50); err != nil && err != unix.EINTR {
			return out, fmt.Errorf("pktgen: poll: %w", err)
		}
	}
	st, err := unix.GetsockoptTpacketStatsV3(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return out, fmt.Errorf("pktgen: PACKET_STATISTICS: %w", err)
	}
	out.Drops = uint64(st.Drops)
	return out, nil
}

// block counts the frames of one block the kernel handed over.
func (r *Receiver) block(blk int, hdr *unix.TpacketHdrV1, out *Received) {
	base := blk * ringBlock
	off := int(hdr.Offset_to_first_pkt)
	for range hdr.Num_pkts {
		ph := (*unix.Tpacket3Hdr)(unsafe.Pointer(&r.ring[base+off]))
		start := base + off + int(ph.Mac)
		f := r.ring[start : start+int(ph.Snaplen)]
		if r.stream.matches(f) {
			t := time.Unix(int64(ph.Sec), int64(ph.Nsec))
			if out.Frames == 0 {
				out.First = t
			}
			out.Last = t
			out.Frames++
		} else {
			out.Other++
		}
		off += int(ph.Next_offset)
	}
}
