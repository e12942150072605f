package dataplane

import (
	"fmt"
	"sort"
	"time"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/syslog"
)

// The err-disabled state of a Catalyst port: a feature that finds a port
// misbehaving (port security, storm control, BPDU guard, ...) takes it out
// of forwarding with a cause; the port stays down until `shutdown` / `no
// shutdown`, or until the recovery timer of its cause (`errdisable
// recovery cause C`, `errdisable recovery interval S`) brings it back. The
// state is generic: any feature calls Switch.ErrDisable with its cause.

// ErrDisableCause is why a port was err-disabled, spelled as IOS spells it
// in `show interfaces status err-disabled` and `errdisable recovery cause`.
type ErrDisableCause string

// Causes raised by l2sw's features. The others of ErrDisableCauses are
// accepted by `errdisable recovery cause` and listed as IOS lists them.
const (
	CausePsecureViolation ErrDisableCause = "psecure-violation"
	CauseStormControl     ErrDisableCause = "storm-control"
	CauseBPDUGuard        ErrDisableCause = "bpduguard"
)

// ErrDisableCauses is every cause in the order of `show errdisable
// recovery` on a Catalyst 2960/3750 with IOS 15.
var ErrDisableCauses = []ErrDisableCause{
	"arp-inspection", "bpduguard", "channel-misconfig", "dhcp-rate-limit", "dtp-flap",
	"gbic-invalid", "inline-power", "l2ptguard", "link-flap", "mac-limit", "loopback",
	"pagp-flap", "port-mode-failure", "pppoe-ia-rate-limit", "psecure-violation",
	"security-violation", "sfp-config-mismatch", "small-frame", "storm-control", "udld", "vmps",
}

// Errdisable recovery interval limits and default (seconds), as IOS.
const (
	MinErrDisableInterval     = 30
	MaxErrDisableInterval     = 86400
	DefaultErrDisableInterval = 300
)

// errDisabled is one err-disabled port: why and since when (seconds of the
// switch clock).
type errDisabled struct {
	cause ErrDisableCause
	since int64
}

// errDisableState is the err-disable bookkeeping; under Switch.mu.
type errDisableState struct {
	ports    map[cam.PortID]errDisabled
	recovery map[ErrDisableCause]bool
	interval int64 // seconds; 0: the default
}

func (e *errDisableState) intervalOrDefault() int64 {
	if e.interval == 0 {
		return DefaultErrDisableInterval
	}
	return e.interval
}

// errDisabledLocked reports whether port id is err-disabled.
func (sw *Switch) errDisabledLocked(id cam.PortID) bool {
	_, ok := sw.sec.errdis.ports[id]
	return ok
}

// ErrDisable takes a port out of forwarding for cause, as IOS does on a
// violation, with `%PM-4-ERR_DISABLE`; detail, if not empty, is logged
// between that message and the link's down messages (the feature's own
// line, e.g. %PORT_SECURITY-2-PSECURE_VIOLATION). A port already
// err-disabled, shut down or gone is left as it is; the result says
// whether the port was err-disabled now.
func (sw *Switch) ErrDisable(name string, cause ErrDisableCause, detail func()) bool {
	sw.mu.Lock()
	p, err := sw.portLocked(name)
	if err != nil || p.settings.Shutdown || sw.errDisabledLocked(p.id) {
		sw.mu.Unlock()
		return false
	}
	return sw.errDisableLocked(p, cause, detail)
}

// errDisableLocked err-disables p; it releases sw.mu.
func (sw *Switch) errDisableLocked(p *swPort, cause ErrDisableCause, detail func()) bool {
	sw.sec.errdis.ports[p.id] = errDisabled{cause: cause, since: sw.clk.Nanos() / 1e9}
	wasUp := p.linkUp
	sw.publishLocked()
	sw.mu.Unlock()
	short := ifname.Short(p.name)
	sw.log.Log("PM", syslog.Warning, "ERR_DISABLE", "%s error detected on %s, putting %s in err-disable state", cause, short, short)
	if detail != nil {
		detail()
	}
	sw.cam.ClearDynamic(cam.Filter{Port: p.id})
	sw.psecPortDown(p.id)
	if wasUp {
		sw.log.Log("LINEPROTO", syslog.Notice, "UPDOWN", "Line protocol on Interface %s, changed state to down", p.name)
		sw.log.Log("LINK", syslog.Error, "UPDOWN", "Interface %s, changed state to down", p.name)
	}
	return true
}

// clearErrDisableLocked ends the err-disabled state of id (shutdown, or a
// recovery); it reports whether the port was err-disabled.
func (sw *Switch) clearErrDisableLocked(id cam.PortID) bool {
	if _, ok := sw.sec.errdis.ports[id]; !ok {
		return false
	}
	delete(sw.sec.errdis.ports, id)
	sw.psecPortUpLocked(id)
	return true
}

// ErrDisabledCause returns the cause port name is err-disabled for, or ""
// when it is not.
func (sw *Switch) ErrDisabledCause(name string) ErrDisableCause {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	p, err := sw.portLocked(name)
	if err != nil {
		return ""
	}
	return sw.sec.errdis.ports[p.id].cause
}

// SetErrDisableRecovery turns the recovery timer of cause on or off
// (`[no] errdisable recovery cause C`).
func (sw *Switch) SetErrDisableRecovery(cause ErrDisableCause, on bool) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if on {
		sw.sec.errdis.recovery[cause] = true
	} else {
		delete(sw.sec.errdis.recovery, cause)
	}
}

// SetErrDisableInterval sets the recovery interval in seconds
// (`errdisable recovery interval S`); 0 restores the default.
func (sw *Switch) SetErrDisableInterval(seconds int) error {
	if seconds != 0 && (seconds < MinErrDisableInterval || seconds > MaxErrDisableInterval) {
		return fmt.Errorf("errdisable recovery interval %d: out of range %d-%d", seconds, MinErrDisableInterval, MaxErrDisableInterval)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.sec.errdis.interval = int64(seconds)
	return nil
}

// ErrDisableRecovery is the recovery configuration and the ports waiting
// for it, for `show errdisable recovery` and the running-config.
type ErrDisableRecovery struct {
	Enabled  map[ErrDisableCause]bool
	Interval int  // seconds
	Default  bool // the interval was not configured
	Pending  []ErrDisabledPort
}

// ErrDisabledPort is one err-disabled port.
type ErrDisabledPort struct {
	Name     string
	Cause    ErrDisableCause
	TimeLeft int // seconds until recovery; -1: no recovery for its cause
}

// ErrDisableRecoveryState returns the recovery configuration and every
// err-disabled port, in interface order.
func (sw *Switch) ErrDisableRecoveryState() ErrDisableRecovery {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	e := &sw.sec.errdis
	out := ErrDisableRecovery{Enabled: map[ErrDisableCause]bool{}, Interval: int(e.intervalOrDefault()), Default: e.interval == 0}
	for c := range e.recovery {
		out.Enabled[c] = true
	}
	now := sw.clk.Nanos() / 1e9
	for id, d := range e.ports {
		left := -1
		if e.recovery[d.cause] {
			left = int(max(0, d.since+e.intervalOrDefault()-now))
		}
		out.Pending = append(out.Pending, ErrDisabledPort{Name: sw.ports[id].name, Cause: d.cause, TimeLeft: left})
	}
	sort.Slice(out.Pending, func(i, j int) bool { return ifname.Less(out.Pending[i].Name, out.Pending[j].Name) })
	return out
}

// recoverErrDisabled brings back the err-disabled ports whose cause has
// recovery on and whose interval has passed at now (seconds), with
// `%PM-4-ERR_RECOVER`, and reports how many.
func (sw *Switch) recoverErrDisabled(now int64) int {
	sw.mu.Lock()
	e := &sw.sec.errdis
	var back []*swPort
	var causes []ErrDisableCause
	for id, d := range e.ports {
		if e.recovery[d.cause] && now-d.since >= e.intervalOrDefault() {
			delete(e.ports, id)
			sw.psecPortUpLocked(id)
			back = append(back, sw.ports[id])
			causes = append(causes, d.cause)
		}
	}
	if len(back) == 0 {
		sw.mu.Unlock()
		return 0
	}
	sw.publishLocked()
	up := make([]bool, len(back))
	for i, p := range back {
		up[i] = p.linkUp && !p.settings.Shutdown
	}
	sw.mu.Unlock()
	for i, p := range back {
		sw.log.Log("PM", syslog.Warning, "ERR_RECOVER", "Attempting to recover from %s err-disable state on %s", causes[i], ifname.Short(p.name))
		if up[i] {
			sw.logLinkState(p.name, true, false)
		}
	}
	return len(back)
}

// SecurityTick runs the once-a-second work of the security features at the
// switch clock's time: errdisable recovery, port-security aging, and
// keeping secure addresses out of the MAC table's aging. The
// switch runs it every second; tests call it after moving a manual clock.
func (sw *Switch) SecurityTick() {
	now := sw.clk.Nanos() / 1e9
	sw.recoverErrDisabled(now)
	sw.psecAge(now)
	sw.psecKeepFresh(now)
}

// runSecurityTimers calls SecurityTick every second until stop closes.
func (sw *Switch) runSecurityTimers(stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			sw.SecurityTick()
		}
	}
}
