package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// floodSender offers frames out of a host's interface at a paced rate of up
// to a few million frames a second: a packet socket bound to the interface
// that hands the kernel floodBatch frames per sendmmsg.
//
// It behaves like a wire, not like a socket: a frame the TAP's queue has no
// room for (the switch did not read fast enough, as a port's receive ring
// overruns) is dropped by the kernel and counted, never sent again, and the
// send buffer is large enough that the sender never waits for the switch.
//
// It keeps the interface's qdisc, on purpose. With PACKET_QDISC_BYPASS the
// TAP's refusal of a frame reaches sendmmsg as ENOBUFS and ends the call
// there, so that against a switch slower than the flood every refused frame
// costs a system call of its own: on a 2-CPU machine that held the offered
// rate near 360,000 frames a second and left the switch a fifth of a CPU
// (200,000 read); through the qdisc the TAP drops silently, the batch goes
// on, and the same machine offered 960,000 while the switch read 770,000.
// The drops are then read from the TAP's tx_dropped counter.
type floodSender struct {
	h      *host
	fd     int
	ifname string
	bufs   [][]byte
	iovs   []unix.Iovec
	msgs   []mmsghdr
}

// mmsghdr is struct mmsghdr: Go lays it out as C does on every Linux ABI.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// floodBatch is how many frames one sendmmsg hands the kernel: at 1 Mpps a
// batch is a quarter of a millisecond.
const floodBatch = 256

// floodBacklog bounds how far behind its schedule the sender may fall
// (descheduled on a loaded machine) and still catch up: beyond it the
// missed frames are given up, not sent in one burst, so the offered rate
// says what the machine reached and the flood stays smooth.
const floodBacklog = 5 * time.Millisecond

// floodStats is what a flood reached.
type floodStats struct {
	Target  int           // frames a second asked for
	Offered int           // frames handed to the interface
	Refused int           // of them, dropped by the interface, whose queue was full (its tx_dropped)
	Elapsed time.Duration // from the first frame to the last
}

// Rate is the offered rate reached, in frames a second.
func (s floodStats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Offered) / s.Elapsed.Seconds()
}

// Delivered is how many frames the interface queued for the switch.
func (s floodStats) Delivered() int { return s.Offered - s.Refused }

func (s floodStats) String() string {
	return fmt.Sprintf("offered %d frames in %v (%.0f pps of %d asked), %d queued for the switch, %d refused by the full TAP queue",
		s.Offered, s.Elapsed.Round(time.Millisecond), s.Rate(), s.Target, s.Delivered(), s.Refused)
}

// floodSender opens a flood socket on h's interface for frames of size
// bytes.
func (h *host) floodSender(size int) *floodSender {
	t := h.l.t
	t.Helper()
	s := &floodSender{h: h, fd: -1, ifname: h.ifname}
	err := h.ns.Do(func() error {
		ifi, err := net.InterfaceByName(h.ifname)
		if err != nil {
			return err
		}
		// Protocol 0: the socket sends only, the kernel queues nothing
		// received on it.
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		s.fd = fd
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
			return fmt.Errorf("bind to %s: %w", h.ifname, err)
		}
		// Frames wait in the TAP's queue charged to this socket: room for
		// more than the queue holds, so that a full queue drops (ENOBUFS)
		// before the sender would block.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 64<<20); err != nil {
			return fmt.Errorf("SO_SNDBUFFORCE: %w", err)
		}
		return nil
	})
	if err != nil {
		if s.fd >= 0 {
			unix.Close(s.fd)
		}
		t.Fatalf("%s: flood socket: %v", h.name, err)
	}
	t.Cleanup(func() { unix.Close(s.fd) })
	s.bufs = make([][]byte, floodBatch)
	s.iovs = make([]unix.Iovec, floodBatch)
	s.msgs = make([]mmsghdr, floodBatch)
	for i := range s.bufs {
		s.bufs[i] = make([]byte, size)
		s.iovs[i].Base = &s.bufs[i][0]
		s.iovs[i].SetLen(size)
		s.msgs[i].hdr.Iov = &s.iovs[i]
		s.msgs[i].hdr.SetIovlen(1)
	}
	return s
}

// flood offers frames at pps frames a second for d: fill(i, f) writes the
// i-th frame (i from 0) into f, whose previous contents are the frame of an
// earlier i. It paces by the clock, one batch at a time, sleeping while
// ahead, and reports what it reached.
func (s *floodSender) flood(pps int, d time.Duration, fill func(i int, f []byte)) floodStats {
	st := floodStats{Target: pps}
	dropped := s.txDropped()
	backlog := int(floodBacklog.Seconds() * float64(pps))
	start := time.Now()
	given := 0 // frames given up after a stall: the schedule moves on without them
	for {
		el := time.Since(start)
		if el >= d {
			break
		}
		due := int(el.Seconds()*float64(pps)) - given
		if due-st.Offered > backlog {
			given += due - st.Offered - backlog
			due = st.Offered + backlog
		}
		n := min(due-st.Offered, floodBatch)
		if n <= 0 {
			// Ahead of the schedule: wait for the next batch to be due.
			time.Sleep(time.Duration(float64(min(floodBatch, backlog/2+1)) / float64(pps) * float64(time.Second)))
			continue
		}
		for k := 0; k < n; k++ {
			fill(st.Offered+k, s.bufs[k])
		}
		refused, err := s.send(n)
		if err != nil {
			s.h.l.t.Errorf("%s: flood: %v", s.h.name, err)
			break
		}
		st.Offered += n
		st.Refused += refused
	}
	st.Elapsed = time.Since(start)
	// What the TAP dropped, beyond what sendmmsg was told of (ENOBUFS,
	// which leaves tx_dropped alone only if the qdisc refused it).
	st.Refused = max(st.Refused, s.txDropped()-dropped)
	return st
}

// txDropped is the interface's tx_dropped counter: frames its queue to the
// switch had no room for.
func (s *floodSender) txDropped() int {
	t := s.h.l.t
	out, err := s.h.ns.Run("ip", "-j", "-s", "link", "show", "dev", s.ifname)
	if err != nil {
		t.Fatalf("%s: %v\n%s", s.h.name, err, out)
	}
	var links []struct {
		Stats struct {
			TX struct {
				Dropped int `json:"dropped"`
			} `json:"tx"`
		} `json:"stats64"`
	}
	if err := json.Unmarshal([]byte(out), &links); err != nil || len(links) != 1 {
		t.Fatalf("%s: ip -s link: %v\n%s", s.h.name, err, out)
	}
	return links[0].Stats.TX.Dropped
}

// send hands the first n frames of the batch to the kernel and returns how
// many the interface refused.
func (s *floodSender) send(n int) (refused int, err error) {
	for i := 0; i < n; {
		r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msgs[i])), uintptr(n-i), 0, 0, 0)
		switch e {
		case 0:
			i += int(r)
		case unix.EINTR:
		case unix.ENOBUFS:
			// The frame at i met a full queue: lost, as on a wire.
			refused++
			i++
		case unix.EAGAIN:
			// The send buffer is full after all: wait for the switch.
			time.Sleep(50 * time.Microsecond)
		default:
			return refused, fmt.Errorf("sendmmsg: %w", e)
		}
	}
	return refused, nil
}
