package afpacket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Sentinel errors, for errors.Is; the returned errors also wrap the
// underlying syscall error.
var (
	// ErrInvalidConfig: the name or a ring parameter is out of range.
	ErrInvalidConfig = errors.New("invalid AF_PACKET configuration")
	// ErrNoDevice: no netdev of that name exists in this namespace.
	ErrNoDevice = errors.New("no such network interface")
	// ErrPermission: the process lacks root / CAP_NET_RAW.
	ErrPermission = errors.New("permission denied")
	// ErrDeviceGone: the netdev was deleted (or moved to another
	// namespace) while the port held it. Read and Write return it wrapped;
	// the switch takes the port down.
	ErrDeviceGone = errors.New("network interface is gone")
)

func openError(op string, err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%s: %w: a packet socket needs root or CAP_NET_RAW (%w)", op, ErrPermission, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// linkControl is an AF_INET datagram socket used as the handle for the
// interface ioctls; they act on the namespace the socket was created in.
type linkControl struct{ fd int }

func newLinkControl() (linkControl, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return linkControl{}, fmt.Errorf("opening ioctl socket: %w", err)
	}
	return linkControl{fd: fd}, nil
}

func (c linkControl) close() { _ = unix.Close(c.fd) }

func (c linkControl) ioctl(name string, req uint, what string) (*unix.Ifreq, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return nil, err
	}
	if err := unix.IoctlIfreq(c.fd, req, ifr); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return nil, fmt.Errorf("%w: create it first (ip link add ...): %w", ErrNoDevice, err)
		}
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	return ifr, nil
}

func (c linkControl) index(name string) (int, error) {
	ifr, err := c.ioctl(name, unix.SIOCGIFINDEX, "interface index (SIOCGIFINDEX)")
	if err != nil {
		return 0, err
	}
	return int(ifr.Uint32()), nil
}

func (c linkControl) mtu(name string) (int, error) {
	ifr, err := c.ioctl(name, unix.SIOCGIFMTU, "MTU (SIOCGIFMTU)")
	if err != nil {
		return 0, err
	}
	return int(ifr.Uint32()), nil
}

// flags returns the interface flags, IFF_RUNNING included.
func (c linkControl) flags(name string) (uint32, error) {
	ifr, err := c.ioctl(name, unix.SIOCGIFFLAGS, "flags (SIOCGIFFLAGS)")
	if err != nil {
		return 0, err
	}
	return uint32(ifr.Uint16()), nil
}

// up sets IFF_UP, keeping the other flags.
func (c linkControl) up(name string) error {
	ifr, err := c.ioctl(name, unix.SIOCGIFFLAGS, "flags (SIOCGIFFLAGS)")
	if err != nil {
		return err
	}
	flags := ifr.Uint16()
	if flags&unix.IFF_UP != 0 {
		return nil
	}
	ifr.SetUint16(flags | unix.IFF_UP)
	if err := unix.IoctlIfreq(c.fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return openError("setting link up (SIOCSIFFLAGS)", err)
	}
	return nil
}

// linkUp is the switch's idea of a link: administratively up, with carrier
// (the kernel's operational state up, or unknown for devices without one).
func linkUp(flags uint32) bool {
	return flags&unix.IFF_UP != 0 && flags&unix.IFF_RUNNING != 0
}

// linkWatch follows one netdev's link state through an rtnetlink socket
// subscribed to link events: a change is seen at once, with no polling.
type linkWatch struct {
	ifindex int
	file    *os.File // the netlink socket, non-blocking, on the netpoller
	raw     syscall.RawConn
	state   atomic.Bool
	fn      atomic.Pointer[func(bool)]
	once    sync.Once
	gone    func() // called once the netdev is unregistered
}

// newLinkWatch opens the netlink socket (in the caller's namespace, like
// ctl) and reads the link state once, after subscribing, so no change is
// missed in between.
func newLinkWatch(ifindex int, ctl linkControl, name string) (*linkWatch, bool, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, false, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_LINK}); err != nil {
		_ = unix.Close(fd)
		return nil, false, fmt.Errorf("subscribing to link events: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rtnetlink")
	raw, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, false, fmt.Errorf("netlink socket: %w", err)
	}
	flags, err := ctl.flags(name)
	if err != nil {
		_ = f.Close()
		return nil, false, err
	}
	return &linkWatch{ifindex: ifindex, file: f, raw: raw}, linkUp(flags), nil
}

// run reads link events until close. On a receive buffer overrun (ENOBUFS:
// events were lost) it asks the kernel for the link's current state.
func (w *linkWatch) run() {
	buf := make([]byte, 32<<10)
	for {
		var n int
		var rerr error
		err := w.raw.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return // closed
		}
		switch {
		case rerr == unix.ENOBUFS:
			w.request()
			continue
		case rerr == unix.EINTR:
			continue
		case rerr != nil:
			return
		}
		w.handle(buf[:n])
	}
}

// handle applies the link messages in one netlink datagram.
func (w *linkWatch) handle(b []byte) {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return
	}
	for _, m := range msgs {
		if len(m.Data) < unix.SizeofIfInfomsg {
			continue
		}
		index := int(int32(binary.NativeEndian.Uint32(m.Data[4:8])))
		if index != w.ifindex {
			continue
		}
		flags := binary.NativeEndian.Uint32(m.Data[8:12])
		switch m.Header.Type {
		case unix.RTM_NEWLINK:
			w.set(linkUp(flags))
		case unix.RTM_DELLINK:
			w.set(false)
			if w.gone != nil {
				w.gone()
			}
		}
	}
}

func (w *linkWatch) set(up bool) {
	if w.state.Swap(up) == up {
		return
	}
	if fn := w.fn.Load(); fn != nil {
		(*fn)(up)
	}
}

// request asks for an RTM_NEWLINK of our link; the answer arrives on the
// socket like an event.
func (w *linkWatch) request() {
	var req [unix.NLMSG_HDRLEN + unix.SizeofIfInfomsg]byte
	binary.NativeEndian.PutUint32(req[0:4], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:6], unix.RTM_GETLINK)
	binary.NativeEndian.PutUint16(req[6:8], unix.NLM_F_REQUEST)
	req[unix.NLMSG_HDRLEN] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(req[unix.NLMSG_HDRLEN+4:], uint32(w.ifindex))
	_ = w.raw.Write(func(fd uintptr) bool {
		err := unix.Sendto(int(fd), req[:], 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		return err != unix.EAGAIN
	})
}

// close stops run. It does not wait for it: run may be inside fn, and fn
// may wait for a lock the caller of Close holds (the switch closes its
// ports under its own lock). A call under way may finish after close.
func (w *linkWatch) close() {
	w.once.Do(func() { _ = w.file.Close() })
}
