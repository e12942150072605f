package fault

import (
	"time"
)

// A link flap (Config.Flap) is no fault of the frames: the injector tells
// the switch that the link went down and came back, through the function
// given to NotifyFlap, and the switch stops forwarding to and from the
// port in between as it does when a cable is pulled. The flap starts with
// the link going down at once, so that `fault flap S` shows at the
// prompt; removing it brings the link back up.

// NotifyFlap sets the function that hears the link changes of a flap; it
// runs on the flap's goroutine and must not call back into the injector.
// Set it before configuring a flap.
func (f *Injector) NotifyFlap(fn func(up bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onLink = fn
}

// OnReflect sets the function that sees every frame the reflection sends
// back out of the port (the frame is valid only during the call): the
// switch's control plane hears that way what the port's peer hears back.
// It runs on the goroutine that read the frame, must copy what it keeps
// and must not block.
func (f *Injector) OnReflect(fn func(frame []byte)) {
	if fn == nil {
		f.onReflect.Store(nil)
		return
	}
	f.onReflect.Store(&fn)
}

// flapper is the goroutine of one configured flap.
type flapper struct {
	period time.Duration
	stop   chan struct{}
	done   chan struct{}
}

// setFlapLocked starts, changes or stops the flap to match period; f.mu is
// held.
func (f *Injector) setFlapLocked(period time.Duration) {
	if f.flap != nil && f.flap.period == period {
		return
	}
	if f.flap != nil {
		close(f.flap.stop)
		<-f.flap.done
		f.flap = nil
	}
	if period == 0 || f.onLink == nil {
		return
	}
	fl := &flapper{period: period, stop: make(chan struct{}), done: make(chan struct{})}
	f.flap = fl
	// Down before Set returns: the command that configured the flap
	// sees its first effect.
	f.flaps.Add(1)
	f.onLink(false)
	go f.runFlap(fl, f.onLink)
}

// runFlap toggles the link every period until stopped; a flap stopped
// while the link is down brings it back up. A closed port ends it as it
// is.
func (f *Injector) runFlap(fl *flapper, onLink func(up bool)) {
	defer close(fl.done)
	t := time.NewTicker(fl.period)
	defer t.Stop()
	up := false
	for {
		select {
		case <-t.C:
			up = !up
			if !up {
				f.flaps.Add(1)
			}
			onLink(up)
		case <-fl.stop:
			if !up {
				onLink(true)
			}
			return
		case <-f.done:
			return
		}
	}
}
