package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/syslog"
)

// Login protection of IOS (the "Login Enhancements" feature): `login
// block-for S attempts N within T` puts the switch in quiet mode for S
// seconds once N logins failed within T seconds, refusing every vty
// connection except those `login quiet-mode access-class` permits; `login
// delay` waits before answering a failed login; `login on-failure log` and
// `login on-success log` raise the %SEC_LOGIN messages. The console is never
// blocked. Time comes from Options.Now, so tests move the clock.

// defaultLoginDelay is the delay IOS applies once block-for is configured.
const defaultLoginDelay = time.Second

// loginConfig is the global login configuration.
type loginConfig struct {
	blockFor, within time.Duration // 0: no login block-for
	attempts         int
	delay            time.Duration // 0: the default (1 s with block-for, else none)
	quietACL         string        // login quiet-mode access-class
	failLog, okLog   bool
	failEvery        int // log every N-th failure (0 or 1: every one)
	okEvery          int
}

// loginState is the watch window and quiet mode; Device.mu guards it.
type loginState struct {
	cfg        loginConfig
	failures   []time.Time // failed logins in the watch window, oldest first
	quietUntil time.Time   // zero: normal mode
	totalFail  int
	totalOK    int
	quietTimer *time.Timer
}

// iosLogTime is how the SEC_LOGIN messages write their time stamp
// ("at 08:03:10 UTC Fri Jun 21 2019").
func iosLogTime(t time.Time) string { return t.UTC().Format("15:04:05 MST Mon Jan 2 2006") }

func (d *Device) loginCommands() []engine.Command {
	return []engine.Command{
		{Syntax: "login block-for <1-65535>$block attempts <1-65535>$attempts within <1-65535>$within", No: true, NoSyntax: "login block-for",
			Help: map[string]string{"login": "Enable secure login checking", "block-for": "Set quiet-mode active time period",
				"$block": "Quiet-mode active time period", "attempts": "Set max number of fail attempts", "$attempts": "Fail attempts",
				"within": "Watch period for fail attempts", "$within": "Interval of time to watch"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.mu.Lock()
				defer d.mu.Unlock()
				l := &d.login.cfg
				if c.Negated() {
					l.blockFor, l.attempts, l.within = 0, 0, 0
				} else {
					l.blockFor = time.Duration(a.Int("block")) * time.Second
					l.attempts = a.Int("attempts")
					l.within = time.Duration(a.Int("within")) * time.Second
				}
				d.login.failures = nil
				d.login.quietUntil = time.Time{}
				return nil
			}},
		{Syntax: "login delay <1-10>", No: true, NoSyntax: "login delay",
			Help: map[string]string{"delay": "Set delay between successive fail login", "<1-10>": "Seconds between login attempts"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.mu.Lock()
				defer d.mu.Unlock()
				d.login.cfg.delay = 0
				if !c.Negated() {
					d.login.cfg.delay = time.Duration(a.Int("delay")) * time.Second
				}
				return nil
			}},
		{Syntax: "login quiet-mode access-class WORD$acl", No: true, NoSyntax: "login quiet-mode access-class",
			Help: map[string]string{"quiet-mode": "Set restricted access-list for quiet-mode", "access-class": "Set access-class",
				"$acl": "Access list name or number"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.mu.Lock()
				defer d.mu.Unlock()
				d.login.cfg.quietACL = ""
				if !c.Negated() {
					d.login.cfg.quietACL = a.String("acl")
				}
				return nil
			}},
		{Syntax: "login {on-failure|on-success}$what log [every <1-65535>$every]", No: true, NoSyntax: "login {on-failure|on-success}$what log",
			Help: map[string]string{"on-failure": "Set options for failed login attempt", "on-success": "Set options for successful login attempt",
				"log": "Generate syslogs on login events", "every": "Every N logins", "$every": "Number of logins"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				d.mu.Lock()
				defer d.mu.Unlock()
				on, every := !c.Negated(), 0
				if on && a.Has("every") {
					every = a.Int("every")
				}
				if a.Keyword("on-failure") {
					d.login.cfg.failLog, d.login.cfg.failEvery = on, every
				} else {
					d.login.cfg.okLog, d.login.cfg.okEvery = on, every
				}
				return nil
			}},
	}
}

// loginDelay is the delay after a failed login; d.mu is held.
func (d *Device) loginDelayLocked() time.Duration {
	switch l := d.login.cfg; {
	case l.delay > 0:
		return l.delay
	case l.blockFor > 0:
		return defaultLoginDelay
	}
	return 0
}

// quietLocked reports whether the switch is in quiet mode at now, ending
// a quiet period that is over (with its QUIET_MODE_OFF message); d.mu is
// held.
func (d *Device) quietLocked(now time.Time) bool {
	s := d.login
	if s.quietUntil.IsZero() {
		return false
	}
	if now.Before(s.quietUntil) {
		return true
	}
	end := s.quietUntil
	s.quietUntil = time.Time{}
	s.failures = nil
	d.sw.Log().Log("SEC_LOGIN", syslog.Notice, "QUIET_MODE_OFF", "Quiet Mode is OFF, because block period timed out at %s", iosLogTime(end))
	return false
}

// quietPermitsLocked reports whether a connection from addr may log in
// now as far as quiet mode goes; d.mu is held.
func (d *Device) quietPermitsLocked(addr netip.Addr) bool {
	if !d.quietLocked(d.opts.Now()) {
		return true
	}
	// Without a quiet-mode list IOS applies sl_def_acl, which denies
	// every vty connection.
	return d.login.cfg.quietACL != "" && d.accessClassPermits(d.login.cfg.quietACL, addr)
}

// LoginAttempted logs a login and counts a failure toward quiet mode
// (remote.LoginWatcher). A right password is refused while the switch is
// in quiet mode for the source.
func (d *Device) LoginAttempted(a remote.LoginAttempt) (bool, time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.Now()
	s := d.login
	if a.OK && !d.quietPermitsLocked(a.Source) {
		a.OK = false
	}
	where := fmt.Sprintf("[user: %s] [Source: %s] [localport: %d]", a.User, a.Source, a.LocalPort)
	if a.OK {
		s.totalOK++
		if s.cfg.okLog && (s.cfg.okEvery <= 1 || s.totalOK%s.cfg.okEvery == 0) {
			d.sw.Log().Log("SEC_LOGIN", syslog.Notice, "LOGIN_SUCCESS", "Login Success %s at %s", where, iosLogTime(now))
		}
		return true, 0
	}
	s.totalFail++
	if s.cfg.failLog && (s.cfg.failEvery <= 1 || s.totalFail%s.cfg.failEvery == 0) {
		d.sw.Log().Log("SEC_LOGIN", syslog.Warning, "LOGIN_FAILED", "Login failed %s [Reason: Login Authentication Failed] at %s", where, iosLogTime(now))
	}
	if s.cfg.blockFor > 0 && !d.quietLocked(now) {
		// The watch window slides: only failures within the last T count.
		kept := s.failures[:0]
		for _, t := range s.failures {
			if now.Sub(t) < s.cfg.within {
				kept = append(kept, t)
			}
		}
		s.failures = append(kept, now)
		if len(s.failures) >= s.cfg.attempts {
			left := s.cfg.within - now.Sub(s.failures[0])
			s.quietUntil = now.Add(s.cfg.blockFor)
			acl := s.cfg.quietACL
			if acl == "" {
				acl = "sl_def_acl"
			}
			d.sw.Log().Log("SEC_LOGIN", syslog.Alert, "QUIET_MODE_ON", "Still timeleft for watching failures is %d secs, %s [Reason: Login Authentication Failed] [ACL: %s] at %s",
				int(left.Round(time.Second)/time.Second), where, acl, iosLogTime(now))
			// Say QUIET_MODE_OFF when the period ends even if nobody
			// tries to log in then.
			if s.quietTimer != nil {
				s.quietTimer.Stop()
			}
			s.quietTimer = time.AfterFunc(s.cfg.blockFor, func() {
				d.mu.Lock()
				defer d.mu.Unlock()
				d.quietLocked(d.opts.Now())
			})
		}
	}
	return false, d.loginDelayLocked()
}

var _ remote.LoginWatcher = (*Device)(nil)

// loginConfigLines renders the global login lines of the running-config.
func (d *Device) loginConfigLines() string {
	d.mu.Lock()
	l := d.login.cfg
	d.mu.Unlock()
	var b strings.Builder
	if l.blockFor > 0 {
		fmt.Fprintf(&b, "login block-for %d attempts %d within %d\n", int(l.blockFor/time.Second), l.attempts, int(l.within/time.Second))
	}
	if l.delay > 0 {
		fmt.Fprintf(&b, "login delay %d\n", int(l.delay/time.Second))
	}
	if l.quietACL != "" {
		b.WriteString("login quiet-mode access-class " + l.quietACL + "\n")
	}
	for _, x := range []struct {
		on    bool
		every int
		what  string
	}{{l.failLog, l.failEvery, "on-failure"}, {l.okLog, l.okEvery, "on-success"}} {
		if !x.on {
			continue
		}
		b.WriteString("login " + x.what + " log")
		if x.every > 1 {
			fmt.Fprintf(&b, " every %d", x.every)
		}
		b.WriteString("\n")
	}
	if b.Len() > 0 {
		b.WriteString("!\n")
	}
	return b.String()
}

// showLogin renders `show login` as IOS does.
func (d *Device) showLogin() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.Now()
	quiet := d.quietLocked(now)
	s := d.login
	l := s.cfg
	var b strings.Builder
	switch delay := d.loginDelayLocked(); {
	case l.delay > 0:
		fmt.Fprintf(&b, "     A login delay of %d seconds is applied.\n", int(delay/time.Second))
	case delay > 0:
		fmt.Fprintf(&b, "     A default login delay of %d seconds is applied.\n", int(delay/time.Second))
	default:
		b.WriteString("     No login delay has been applied.\n")
	}
	if l.quietACL != "" {
		fmt.Fprintf(&b, "     Quiet-Mode access list %s is applied.\n", l.quietACL)
	} else {
		b.WriteString("     No Quiet-Mode access list has been configured.\n")
	}
	logLine := func(on bool, every int, what string) {
		switch {
		case !on:
			fmt.Fprintf(&b, "     No logging for %s login.\n", what)
		case every > 1:
			fmt.Fprintf(&b, "     Every %d %s login is logged.\n", every, what)
		default:
			fmt.Fprintf(&b, "     All %s login is logged.\n", what)
		}
	}
	logLine(l.okLog, l.okEvery, "successful")
	logLine(l.failLog, l.failEvery, "failed")
	b.WriteString("\n")
	if l.blockFor == 0 {
		b.WriteString("     Router NOT enabled to watch for login Attacks\n")
		return b.String()
	}
	b.WriteString("     Router enabled to watch for login Attacks.\n")
	fmt.Fprintf(&b, "     If more than %d login failures occur in %d seconds or less,\n", l.attempts, int(l.within/time.Second))
	fmt.Fprintf(&b, "     logins will be disabled for %d seconds.\n\n", int(l.blockFor/time.Second))
	if quiet {
		b.WriteString("     Router presently in Quiet-Mode.\n")
		fmt.Fprintf(&b, "     Will remain in Quiet-Mode for %d seconds.\n", int(s.quietUntil.Sub(now).Round(time.Second)/time.Second))
		if l.quietACL != "" {
			fmt.Fprintf(&b, "     Restricted logins filtered by applied ACL %s.\n", l.quietACL)
		} else {
			b.WriteString("     Denying logins from all sources.\n")
		}
	} else {
		b.WriteString("     Router presently in Normal-Mode.\n")
		left := l.within
		n := 0
		for _, t := range s.failures {
			if now.Sub(t) < l.within {
				n++
				if n == 1 {
					left = l.within - now.Sub(t)
				}
			}
		}
		fmt.Fprintf(&b, "     Current Watch Window remaining time %d seconds.\n", int(left.Round(time.Second)/time.Second))
		fmt.Fprintf(&b, "     Present login failure count %d.\n", n)
	}
	fmt.Fprintf(&b, "     Total login failures: %d.\n", s.totalFail)
	return b.String()
}

// installLogin declares the login protection commands and `show login`.
func (d *Device) installLogin() {
	must(d.eng.Install(d.modes.config, d.loginCommands()...))
	must(d.eng.Install(d.eng.ExecMode(), engine.Command{Syntax: "show login",
		Help: map[string]string{"login": "Display Secure Login Configurations and State"},
		Run: func(c *engine.Ctx, _ engine.Args) error {
			c.Printf("%s", d.showLogin())
			return nil
		}}))
}
