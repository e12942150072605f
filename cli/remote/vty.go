package remote

import (
	"io"
	"net/netip"
	"sync"
	"time"
)

// ValueVTY is the engine.State.Values key of an SSH session's vty line
// number (int), set when SSHConfig.Lines handed one out.
const ValueVTY = "remote.vty"

// VTYLines hands out the switch's vty lines to SSH sessions, as IOS gives
// each incoming connection a free `line vty`; cli.Device implements it from
// its `line vty` configuration (transport input, access-class,
// exec-timeout).
type VTYLines interface {
	// PermitVTY reports whether any vty line would take a connection from
	// addr. It is asked before the key exchange: a refused peer learns
	// nothing and costs nothing.
	PermitVTY(addr netip.Addr) bool
	// OpenVTY takes the lowest free line that admits addr for user, once
	// the user has authenticated; ok is false when none is free.
	OpenVTY(addr netip.Addr, user string) (line VTY, ok bool)
}

// VTY is a vty line held by a session.
type VTY struct {
	Number int
	// ExecTimeout ends the session after that long without input; 0 never.
	ExecTimeout time.Duration
	// Release frees the line; the server calls it once, when the
	// connection ends.
	Release func()
	// Input, when set, is called when the session's user types something
	// (`show users` idle time).
	Input func()
}

// addrOf returns the IP address of a network address, or the zero Addr.
func addrOf(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(s)
	return a.Unmap()
}

// idleReader ends a session that sends nothing for a while (IOS
// exec-timeout): each read that returns data restarts the timer, and when it
// fires, expire runs (it closes the channel, which ends the pending read).
// It also reports input to onInput, if set.
type idleReader struct {
	r       io.Reader
	timeout time.Duration
	onInput func()
	mu      sync.Mutex
	timer   *time.Timer // nil without a timeout
}

// newIdleReader wraps r; stop ends the watch (call it when the session
// ends, so no timer outlives it).
func newIdleReader(r io.Reader, timeout time.Duration, expire, onInput func()) (_ io.Reader, stop func()) {
	if timeout <= 0 && onInput == nil {
		return r, func() {}
	}
	ir := &idleReader{r: r, timeout: timeout, onInput: onInput}
	if timeout > 0 {
		ir.timer = time.AfterFunc(timeout, expire)
	}
	return ir, func() {
		if ir.timer != nil {
			ir.timer.Stop()
		}
	}
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		if ir.timer != nil {
			ir.mu.Lock()
			ir.timer.Reset(ir.timeout)
			ir.mu.Unlock()
		}
		if ir.onInput != nil {
			ir.onInput()
		}
	}
	if err != nil && ir.timer != nil {
		ir.timer.Stop()
	}
	return n, err
}
