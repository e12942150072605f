package tap

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/dataplane/port"
)

// The queue's reader waits for frames the way a plain copy loop does: in
// the kernel, in its own thread. Through the Go netpoller, every frame that
// finds an idle reader costs an epoll event on some other thread, which
// then makes the reader's goroutine runnable and hands it to a thread
// again: at 64-byte frames that was a tenth of the CPU and a fifth of the
// frames/s of a copy loop. Here, a Read that finds the queue empty calls
// poll(2) itself (a blocking system call: the runtime gives its P to other
// goroutines meanwhile) on the queue and on an eventfd that Close signals.
// Frames that are already queued are read without it, so under load a
// frame costs one read(2), as in the copy loop. The first frame read after
// a wait ends the Read: the queue was empty until just then, so another
// read(2) would most likely only find it empty again, and an idle port's
// frame costs poll(2), read(2) and the next Read's empty read(2).

// detachPoller returns a descriptor for the same open TAP queue as f that
// the Go netpoller does not watch, and closes f. os.NewFile registers a
// descriptor with the netpoller when it is non-blocking, so the copy is
// wrapped while blocking and made non-blocking afterwards (the flag belongs
// to the open file, which both descriptors share; f's Close removes f's
// descriptor from the netpoller's epoll set first).
func detachPoller(f *os.File) (*os.File, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	var fd int
	var dupErr error
	if err := raw.Control(func(old uintptr) { fd, dupErr = unix.FcntlInt(old, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		dupErr = err
	}
	_ = f.Close()
	if dupErr != nil {
		return nil, fmt.Errorf("duplicating the queue descriptor: %w", dupErr)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("queue descriptor: %w", err)
	}
	nf := os.NewFile(uintptr(fd), tunDevice)
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = nf.Close()
		return nil, fmt.Errorf("queue descriptor: %w", err)
	}
	return nf, nil
}

// newWake returns the eventfd that wakes a waiting Read, also kept out of
// the netpoller (created blocking; it is only polled and written).
func newWake() (*os.File, syscall.RawConn, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("eventfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "eventfd")
	raw, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, raw, nil
}

// signalWake makes the eventfd readable for good, so that a Read waiting in
// poll(2), or about to, returns. It runs after closed is set.
func (p *Port) signalWake() {
	one := uint64(1)
	_ = p.wakeRaw.Control(func(fd uintptr) {
		_, _ = unix.Write(int(fd), (*[8]byte)(unsafe.Pointer(&one))[:])
	})
}

// readWithWake runs with the eventfd held open (Control) and holds the
// queue's descriptor open in turn for the read loop.
func (p *Port) readWithWake(wfd uintptr) {
	p.wfd = int(wfd)
	if err := p.raw.Control(p.fill); err != nil {
		p.rerr = err
	}
}

// readLoop reads frames into the Read's buffers, waiting in poll(2) while
// the queue is empty, until it has at least one frame, an error, or Close
// was called.
func (p *Port) readLoop(fd uintptr) {
	for !p.readAvailable(fd) {
		if p.closed.Load() {
			p.rerr = port.ErrClosed
			return
		}
		if err := p.wait(fd); err != nil {
			p.rerr = err
			return
		}
		p.woken = true
	}
}

// wait blocks until the queue has a frame (or an error to report) or the
// eventfd is signalled.
func (p *Port) wait(fd uintptr) error {
	p.pfds[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	p.pfds[1] = unix.PollFd{Fd: int32(p.wfd), Events: unix.POLLIN}
	for {
		_, err := unix.Poll(p.pfds[:], -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		if p.pfds[1].Revents != 0 {
			return port.ErrClosed
		}
		// Readable, or POLLERR for a detached queue: the next read says
		// which (EBADFD).
		return nil
	}
}
