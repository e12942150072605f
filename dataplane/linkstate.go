package dataplane

import (
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
)

// watchLinkLocked subscribes to the link state of a backend that reports
// one (port.LinkNotifier, e.g. an AF_PACKET port whose veth peer can go
// down) and starts the port in the state the backend reports. Other
// backends are up while open. raw is the backend as attached, before the
// fault injector wrapped it.
func (sw *Switch) watchLinkLocked(p *swPort, raw port.Port) {
	ln, ok := raw.(port.LinkNotifier)
	if !ok {
		return
	}
	// The callback runs on the backend's goroutine and takes sw.mu, which
	// is held here: NotifyLink must not wait for it, and does not.
	p.linkUp = ln.NotifyLink(func(up bool) { sw.setLinkState(p, up) })
	p.backendDown = !p.linkUp
}

// setLinkState applies a backend's link change to p.
func (sw *Switch) setLinkState(p *swPort, up bool) {
	sw.applyLink(p, func() { p.backendDown = !up })
}

// setFlapState applies a `fault flap` link change to p: the link is down
// while either the backend or the flap says so.
func (sw *Switch) setFlapState(p *swPort, up bool) {
	sw.applyLink(p, func() { p.flapDown = !up })
}

// applyLink runs change on p under sw.mu and applies the link state that
// results, if p is still the port with its id: the receive worker keeps
// running, the snapshot stops (or resumes) forwarding to and from the
// port, addresses learned on it are flushed when it goes down, and the IOS
// link messages are logged unless the port is shut down anyway.
func (sw *Switch) applyLink(p *swPort, change func()) {
	sw.mu.Lock()
	if int(p.id) >= len(sw.ports) || sw.ports[p.id] != p {
		sw.mu.Unlock()
		return
	}
	change()
	up := !p.backendDown && !p.flapDown
	if p.linkUp == up {
		sw.mu.Unlock()
		return
	}
	p.linkUp = up
	shut := p.settings.Shutdown
	sw.publishLocked()
	sw.mu.Unlock()
	if !up {
		sw.cam.ClearDynamic(cam.Filter{Port: p.id})
	}
	if !shut {
		sw.logLinkState(p.name, up, false)
	}
}
