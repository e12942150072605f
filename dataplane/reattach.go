package dataplane

import (
	"errors"
	"fmt"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/syslog"
)

// A port whose device went away (a TAP deleted, a veth or container
// interface removed) stays configured, as an interface of a Catalyst whose
// module was pulled does: when a device of that name is back, the caller
// that knows how to open it hands the new backend to ReattachPort, and the
// port forwards again with its settings, ACLs and counters.

// ErrNotFailed is returned by ReattachPort for a port whose backend works.
var ErrNotFailed = errors.New("backend has not failed")

// ReattachPort gives interface name, whose backend failed (Status.Failed),
// the new backend. The old one is closed; the port keeps its number,
// settings and counters, comes up when the new backend's link is up, and
// logs the link change as a port coming up does.
func (sw *Switch) ReattachPort(name string, backend port.Port) error {
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	if err != nil {
		sw.mu.Unlock()
		return fmt.Errorf("reattach: %w", err)
	}
	if !p.failed {
		sw.mu.Unlock()
		return fmt.Errorf("reattach %s: %w", name, ErrNotFailed)
	}
	old := p.backend
	// A new swPort: the old one's link callbacks (from the closed backend)
	// then find it replaced and do nothing (applyLink checks).
	np := &swPort{id: p.id, name: p.name, backend: backend, settings: p.settings, linkUp: true, flapDown: p.flapDown}
	np.queues = []port.Port{backend}
	if mq, ok := backend.(interface{ Queues() []port.Port }); ok {
		np.queues = mq.Queues()
	}
	np.faults, np.backend, np.queues = sw.wrapFaults(np, backend, np.queues)
	if err := np.faults.Set(p.faults.Config()); err != nil { // the port's `fault` lines stay
		sw.log.Log("L2SW", syslog.Warning, "FAULT", "Interface %s: faults not restored: %v", name, err)
	}
	if op, ok := np.backend.(port.OffloadPort); ok {
		o, err := op.SetOffload(port.OffloadAll)
		if err != nil {
			sw.log.Log("L2SW", syslog.Warning, "OFFLOAD", "Interface %s: offloads %v: %v", name, o, err)
		}
		np.offload = o
	}
	sw.watchLinkLocked(np, backend)
	np.linkUp = np.linkUp && !np.flapDown
	sw.ports[p.id] = np
	sw.publishLocked()
	if sw.running {
		sw.startPortLocked(np)
	}
	up, shut := np.linkUp, np.settings.Shutdown
	sw.mu.Unlock()
	_ = old.Close()
	sw.cam.ClearDynamic(cam.Filter{Port: np.id})
	if up && !shut {
		sw.logLinkState(name, true, false)
	}
	return nil
}
