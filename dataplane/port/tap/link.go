package tap

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// linkControl is an AF_INET datagram socket used only as the handle for the
// interface ioctls (SIOCGIFINDEX, SIOCSIFFLAGS, SIOCSIFMTU). They act on the
// network namespace the socket was created in: the caller's.
type linkControl struct{ fd int }

func newLinkControl() (linkControl, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return linkControl{}, fmt.Errorf("opening ioctl socket: %w", err)
	}
	return linkControl{fd: fd}, nil
}

func (c linkControl) close() { _ = unix.Close(c.fd) }

// exists reports whether an interface called name exists in this namespace.
func (c linkControl) exists(name string) (bool, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return false, err
	}
	switch err := unix.IoctlIfreq(c.fd, unix.SIOCGIFINDEX, ifr); {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.ENODEV):
		return false, nil
	default:
		return false, fmt.Errorf("SIOCGIFINDEX: %w", err)
	}
}

// setMTU sets the interface MTU.
func (c linkControl) setMTU(name string, mtu int) error {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	ifr.SetUint32(uint32(mtu))
	if err := unix.IoctlIfreq(c.fd, unix.SIOCSIFMTU, ifr); err != nil {
		return fmt.Errorf("setting MTU %d (SIOCSIFMTU): %w", mtu, err)
	}
	return nil
}

// up sets IFF_UP, keeping the other flags.
func (c linkControl) up(name string) error {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(c.fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("reading flags (SIOCGIFFLAGS): %w", err)
	}
	flags := ifr.Uint16()
	if flags&unix.IFF_UP != 0 {
		return nil
	}
	ifr.SetUint16(flags | unix.IFF_UP)
	if err := unix.IoctlIfreq(c.fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("setting link up (SIOCSIFFLAGS): %w", err)
	}
	return nil
}

// tunFlags reads the TUN/TAP flags of an existing device from sysfs
// (IFF_TAP, IFF_MULTI_QUEUE, IFF_PERSIST ...). ok is false when the device
// is not a TUN/TAP device or sysfs does not show it.
func tunFlags(name string) (flags uint32, ok bool) {
	b, err := os.ReadFile("/sys/class/net/" + name + "/tun_flags")
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 0, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}
