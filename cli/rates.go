package cli

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
)

// Interface rates as IOS computes them: every 5 seconds the counters are
// sampled and each rate moves toward the last interval's rate by an
// exponential weight of the port's load-interval (default 300 s), so a
// burst shows at once and fades over the interval. The sampler also notes
// when a port last received and sent, for "Last input/output".

// rateSample is how often the rates are updated, as on IOS.
const rateSample = 5 * time.Second

// DefaultLoadInterval is IOS's `load-interval` default, in seconds.
const DefaultLoadInterval = 300

// portRate is one port's rates and last activity.
type portRate struct {
	at                    time.Time // of the last sample
	rxFrames, rxBytes     uint64
	txFrames, txBytes     uint64
	inBits, inPkts        float64 // per second
	outBits, outPkts      float64
	lastInput, lastOutput time.Time // the sample that first saw new frames
	seenInput, seenOutput bool
}

// rateMeter keeps the rates of every port.
type rateMeter struct {
	mu    sync.Mutex
	ports map[string]*portRate
}

// RunRates samples the interface rates every 5 s until ctx is done; the
// daemon runs it. A Device nobody runs it for shows zero rates.
func (d *Device) RunRates(ctx context.Context) {
	t := time.NewTicker(rateSample)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			d.sampleRates(d.opts.Now())
		case <-ctx.Done():
			return
		}
	}
}

// sampleRates takes one sample of every port's counters at now.
func (d *Device) sampleRates(now time.Time) {
	for _, name := range d.sw.Ports() {
		c, err := d.sw.Counters(name)
		if err != nil {
			continue
		}
		interval := d.loadInterval(name)
		d.rates.mu.Lock()
		d.rates.sample(name, now, c, interval)
		d.rates.mu.Unlock()
	}
}

func (m *rateMeter) sample(name string, now time.Time, c dataplane.PortCounters, interval int) {
	rxF, rxB, txF, txB := c.Get(dataplane.RxFrames), c.Get(dataplane.RxBytes), c.Get(dataplane.TxFrames), c.Get(dataplane.TxBytes)
	p := m.ports[name]
	if p == nil {
		m.ports[name] = &portRate{at: now, rxFrames: rxF, rxBytes: rxB, txFrames: txF, txBytes: txB}
		return
	}
	dt := now.Sub(p.at).Seconds()
	if dt <= 0 {
		return
	}
	if rxF < p.rxFrames || txF < p.txFrames { // clear counters: start again from here
		p.at, p.rxFrames, p.rxBytes, p.txFrames, p.txBytes = now, rxF, rxB, txF, txB
		return
	}
	w := math.Exp(-dt / float64(interval))
	ewma := func(old *float64, delta uint64, scale float64) {
		*old = *old*w + float64(delta)*scale/dt*(1-w)
	}
	ewma(&p.inBits, rxB-p.rxBytes, 8)
	ewma(&p.inPkts, rxF-p.rxFrames, 1)
	ewma(&p.outBits, txB-p.txBytes, 8)
	ewma(&p.outPkts, txF-p.txFrames, 1)
	if rxF > p.rxFrames {
		p.lastInput, p.seenInput = now, true
	}
	if txF > p.txFrames {
		p.lastOutput, p.seenOutput = now, true
	}
	p.at, p.rxFrames, p.rxBytes, p.txFrames, p.txBytes = now, rxF, rxB, txF, txB
}

// portRates returns a copy of a port's rates.
func (d *Device) portRates(name string) portRate {
	d.rates.mu.Lock()
	defer d.rates.mu.Unlock()
	if p := d.rates.ports[name]; p != nil {
		return *p
	}
	return portRate{}
}

// loadInterval is a port's `load-interval`.
func (d *Device) loadInterval(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p := d.ports[name]; p != nil && p.loadInterval != 0 {
		return p.loadInterval
	}
	return DefaultLoadInterval
}

// intervalWords names a load interval as show interfaces does: "5 minute",
// "30 second", "1 minute 30 second".
func intervalWords(s int) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%d second", s)
	case s%60 == 0:
		return fmt.Sprintf("%d minute", s/60)
	}
	return fmt.Sprintf("%d minute %d second", s/60, s%60)
}

// load is IOS's txload/rxload: the rate as a fraction of the bandwidth, in
// 255ths, at least 1.
func load(bits float64, bwKbit int) int {
	if bwKbit <= 0 {
		return 1
	}
	return max(1, min(255, int(math.Round(255*bits/(float64(bwKbit)*1000)))))
}

// lastActivity is "Last input" or "output": how long ago, or never.
func (d *Device) lastActivity(at time.Time, seen bool, frames uint64) string {
	switch {
	case seen:
		return iosDuration(d.opts.Now().Sub(at))
	case frames > 0:
		return "00:00:00" // counted before the first sample
	}
	return "never"
}

// installLoadInterval adds `load-interval` to interface configuration.
func (d *Device) installLoadInterval() {
	cmd := engine.Command{Syntax: "load-interval <30-600>", No: true, NoSyntax: "load-interval", Default: true, DefaultSyntax: "load-interval",
		Help: map[string]string{"load-interval": "Specify interval for load calculation for an interface", "<30-600>": "Load interval delay in seconds"},
		Run: func(c *engine.Ctx, a engine.Args) error {
			v := 0
			if c.Form == engine.FormPlain {
				v = a.Int("load-interval")
				if v%30 != 0 {
					return engine.Rejectf("%% Load interval must be a multiple of 30 seconds")
				}
			}
			d.editExtra(c, func(p *portExtra) { p.loadInterval = v })
			return nil
		}}
	must(d.eng.Install(d.modes.ifc, cmd))
	must(d.eng.Install(d.modes.ifRange, cmd))
}
