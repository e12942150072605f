package dataplane

import (
	"fmt"

	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/dataplane/port/fault"
)

// Fault injection (DESIGN §11): every port's backend and queues are wrapped
// once, when the port is added, by one fault.Injector per port. The
// pipeline never knows: a port without faults costs an atomic load per
// batch written and two per batch read, and the faults act on the frames as the backend
// delivers and takes them, where a real link would.

// wrapFaults wraps p's backend and its queues (the backend itself when it
// has no Queues method) with a new injector, whose link flaps become p's
// link changes and whose reflected frames the reflection listeners hear
// (control_reflect.go).
func (sw *Switch) wrapFaults(p *swPort, backend port.Port, queues []port.Port) (*fault.Injector, port.Port, []port.Port) {
	inj := fault.New()
	inj.NotifyFlap(func(up bool) { sw.setFlapState(p, up) })
	inj.OnReflect(func(f []byte) { sw.reflectedFrame(p.id, f) })
	wb := inj.Wrap(backend)
	if _, multi := backend.(interface{ Queues() []port.Port }); !multi {
		return inj, wb, []port.Port{wb}
	}
	wq := make([]port.Port, len(queues))
	for i, q := range queues {
		wq[i] = inj.Wrap(q)
	}
	return inj, wb, wq
}

// SetPortFaults replaces the faults injected on an interface (`fault ...`
// in interface configuration). The zero Config removes them all.
func (sw *Switch) SetPortFaults(name string, c fault.Config) error {
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	sw.mu.Unlock()
	if err != nil {
		return err
	}
	if err := p.faults.Set(c); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// PortFaults returns the faults configured on an interface and what they
// did so far (`show platform faults`).
func (sw *Switch) PortFaults(name string) (fault.Config, fault.Stats, error) {
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	sw.mu.Unlock()
	if err != nil {
		return fault.Config{}, fault.Stats{}, err
	}
	return p.faults.Config(), p.faults.Stats(), nil
}
