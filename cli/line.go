package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/tcam/acl"
)

// The terminal lines of a Catalyst: the console and vty 0-15. The CLI keeps
// per-line settings (`line vty 0 15` sub-mode) and hands vty lines out to
// SSH sessions through remote.VTYLines: a session takes the lowest free
// line that its source may use (transport input, access-class) and gets its
// exec-timeout.

// vtyCount is the number of vty lines, 0-15 as on a Catalyst.
const vtyCount = 16

// defaultExecMinutes is the IOS default idle timeout of an EXEC session.
const defaultExecMinutes = 10

// Transports of `transport input`.
const (
	transportAll    = "all"
	transportNone   = "none"
	transportSSH    = "ssh"
	transportTelnet = "telnet"
)

// lineSettings is the configuration of one line.
type lineSettings struct {
	// execMin and execSec are `exec-timeout M S` as typed, so that the
	// line renders back the same (0 0: never).
	execMin, execSec int
	login            string // "" (default), "login", "local" (login local), "none" (no login)
	transport        string // "" (default: all), or one of the transport constants
	accessClass      string // inbound access-class list name, "" for none
}

func defaultLineSettings() lineSettings { return lineSettings{execMin: defaultExecMinutes} }

// execTimeout is the idle timeout of a session on the line; 0 never.
func (s lineSettings) execTimeout() time.Duration {
	return time.Duration(s.execMin)*time.Minute + time.Duration(s.execSec)*time.Second
}

// lineRange is the context of the config-line mode: the lines a `line`
// command selected.
type lineRange struct {
	console     bool
	first, last int
}

// lines is the line state of a Device; Device.mu guards it.
type lines struct {
	con   lineSettings
	vty   [vtyCount]lineSettings
	busy  [vtyCount]bool
	users [vtyCount]vtyUser
}

func newLines() *lines {
	l := &lines{con: defaultLineSettings()}
	for i := range l.vty {
		l.vty[i] = defaultLineSettings()
	}
	return l
}

// onConsole reports whether the session is on the console line, the only
// line where `enable` works without an enable secret.
func onConsole(st *engine.State) bool {
	line, _ := st.Values[remote.ValueLine].(string)
	return line == "console"
}

// installLines declares `line` and the config-line commands.
func (d *Device) installLines() {
	must(d.eng.Install(d.modes.config, engine.Command{
		Syntax: "line {console|vty}$kind <0-15>$first [<0-15>$last]", Enters: d.modes.line,
		Help: map[string]string{"console": "Primary terminal line", "vty": "Virtual terminal", "$first": "First Line number", "$last": "Last Line number"},
		Run: func(c *engine.Ctx, a engine.Args) error {
			r := lineRange{console: a.Keyword("console"), first: a.Int("first"), last: a.Int("first")}
			if a.Has("last") {
				r.last = a.Int("last")
			}
			if r.console && (r.first != 0 || r.last != 0) || r.last < r.first {
				return engine.Rejectf("%% Invalid line range")
			}
			c.Enter(d.modes.line, r)
			return nil
		}}))
	edit := func(c *engine.Ctx, f func(s *lineSettings)) {
		r, _ := c.State.Frame().Context.(lineRange)
		d.mu.Lock()
		defer d.mu.Unlock()
		if r.console {
			f(&d.lines.con)
			return
		}
		for i := r.first; i <= r.last && i < vtyCount; i++ {
			f(&d.lines.vty[i])
		}
	}
	must(d.eng.Install(d.eng.ExecMode(), engine.Command{Syntax: "show users", Level: engine.LevelUser,
		Help: map[string]string{"users": "Display information about terminal lines"},
		Run: func(c *engine.Ctx, _ engine.Args) error {
			c.Printf("%s", d.showUsers(c.State))
			return nil
		}}))
	must(d.eng.Install(d.modes.line,
		engine.Command{Syntax: "exec-timeout <0-35791>$min [<0-2147483>$sec]", No: true, NoSyntax: "exec-timeout",
			Help: map[string]string{"exec-timeout": "Set the EXEC timeout", "$min": "Timeout in minutes", "$sec": "Timeout in seconds"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				m, sec := defaultExecMinutes, 0
				if !c.Negated() {
					m, sec = a.Int("min"), a.Int("sec")
				}
				edit(c, func(s *lineSettings) { s.execMin, s.execSec = m, sec })
				return nil
			}},
		engine.Command{Syntax: "login [local]", No: true, NoSyntax: "login",
			Help: map[string]string{"login": "Enable password checking", "local": "Local password checking"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := "login"
				switch {
				case c.Negated():
					v = "none"
				case a.Keyword("local"):
					v = "local"
				}
				edit(c, func(s *lineSettings) { s.login = v })
				return nil
			}},
		engine.Command{Syntax: "transport input {all|none|ssh|telnet}", No: true, NoSyntax: "transport input",
			Help: map[string]string{"transport": "Define transport protocols for line", "input": "Define which protocols to use when connecting to the terminal server",
				"all": "All protocols", "none": "No protocols", "ssh": "TCP/IP SSH protocol", "telnet": "TCP/IP Telnet protocol"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := ""
				if !c.Negated() {
					for _, k := range []string{transportAll, transportNone, transportSSH, transportTelnet} {
						if a.Keyword(k) {
							v = k
						}
					}
					if v == transportAll {
						v = ""
					}
				}
				edit(c, func(s *lineSettings) { s.transport = v })
				return nil
			}},
		engine.Command{Syntax: "access-class WORD$acl in", No: true, NoSyntax: "access-class [WORD$acl] [in]",
			Help: map[string]string{"access-class": "Filter connections based on an IP access list", "$acl": "IP access list",
				"in": "Filter incoming connections"},
			Run: func(c *engine.Ctx, a engine.Args) error {
				v := ""
				if !c.Negated() {
					v = a.String("acl")
				}
				edit(c, func(s *lineSettings) { s.accessClass = v })
				return nil
			}},
	))
}

// linesConfig renders the line stanzas of the running-config. vty lines
// with the same settings share a stanza, but IOS always starts a new one at
// vty 5 ("line vty 0 4", "line vty 5 15").
func (d *Device) linesConfig() string {
	d.mu.Lock()
	l := *d.lines
	d.mu.Unlock()
	var b strings.Builder
	b.WriteString("line con 0\n")
	b.WriteString(l.con.config())
	for first := 0; first < vtyCount; {
		last := first
		for last+1 < vtyCount && last+1 != 5 && l.vty[last+1] == l.vty[first] {
			last++
		}
		if first == last {
			fmt.Fprintf(&b, "line vty %d\n", first)
		} else {
			fmt.Fprintf(&b, "line vty %d %d\n", first, last)
		}
		b.WriteString(l.vty[first].config())
		first = last + 1
	}
	return b.String()
}

// config renders the settings' lines under a `line` stanza.
func (s lineSettings) config() string {
	var b strings.Builder
	if s.accessClass != "" {
		b.WriteString(" access-class " + s.accessClass + " in\n")
	}
	if s.execMin != defaultExecMinutes || s.execSec != 0 {
		fmt.Fprintf(&b, " exec-timeout %d %d\n", s.execMin, s.execSec)
	}
	switch s.login {
	case "login":
		b.WriteString(" login\n")
	case "local":
		b.WriteString(" login local\n")
	case "none":
		b.WriteString(" no login\n")
	}
	if s.transport != "" {
		b.WriteString(" transport input " + s.transport + "\n")
	}
	return b.String()
}

// admits reports whether a line with settings s takes an SSH connection
// from addr; d.mu is held.
func (d *Device) admitsLocked(s lineSettings, addr netip.Addr) bool {
	if s.transport == transportNone || s.transport == transportTelnet {
		return false
	}
	return s.accessClass == "" || d.accessClassPermits(s.accessClass, addr)
}

// accessClassPermits applies the list name to a connection from addr as
// IOS applies an access-class: a standard list matches the source, an
// extended one the source of a TCP connection to the switch; a list that
// does not exist or has no entries permits everything.
func (d *Device) accessClassPermits(name string, addr netip.Addr) bool {
	if !addr.Is4() && !addr.Is4In6() {
		return true // IPv4 lists do not filter IPv6 peers (ipv6 access-class does)
	}
	ip4 := addr.Unmap().As4()
	src := uint32(ip4[0])<<24 | uint32(ip4[1])<<16 | uint32(ip4[2])<<8 | uint32(ip4[3])
	// A list no interface uses is edited in place, under acl.mu.
	d.acl.mu.Lock()
	defer d.acl.mu.Unlock()
	l := d.acl.effective(name)
	if l == nil {
		return true
	}
	for _, e := range l.Entries() {
		if e.Action == acl.Remark {
			continue
		}
		if e.Matches(6, src, 0, 0, 22, 0) {
			return e.Action == acl.Permit
		}
	}
	return false
}

// PermitVTY reports whether some vty line would take an SSH connection
// from addr (remote.VTYLines): the switch refuses the others before the
// key exchange, as IOS resets a connection its access-class denies.
func (d *Device) PermitVTY(addr netip.Addr) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.quietPermitsLocked(addr) {
		return false // login block-for: quiet mode refuses the connection
	}
	for i := range d.lines.vty {
		if d.admitsLocked(d.lines.vty[i], addr) {
			return true
		}
	}
	return false
}

// OpenVTY takes the lowest free vty line that admits addr for an
// authenticated SSH session of user (remote.VTYLines).
func (d *Device) OpenVTY(addr netip.Addr, user string) (remote.VTY, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.Now()
	for i := range d.lines.vty {
		if d.lines.busy[i] || !d.admitsLocked(d.lines.vty[i], addr) {
			continue
		}
		d.lines.busy[i] = true
		d.lines.users[i] = vtyUser{name: user, addr: addr, lastInput: now}
		n := i
		return remote.VTY{Number: n, ExecTimeout: d.lines.vty[i].execTimeout(),
			Release: func() {
				d.mu.Lock()
				d.lines.busy[n] = false
				d.lines.users[n] = vtyUser{}
				d.mu.Unlock()
			},
			Input: func() {
				d.mu.Lock()
				d.lines.users[n].lastInput = d.opts.Now()
				d.mu.Unlock()
			}}, true
	}
	return remote.VTY{}, false
}

// vtyUser is who holds a busy vty line, for `show users`.
type vtyUser struct {
	name      string
	addr      netip.Addr
	lastInput time.Time
}

// showUsers renders `show users` as IOS does: the console (when it is the
// asking session) as line 0, vty N as line N+1, "*" on the asking session.
func (d *Device) showUsers(st *engine.State) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.Now()
	idle := func(t time.Time) string {
		s := max(0, int(now.Sub(t)/time.Second))
		return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	me, mine := st.Values[remote.ValueVTY].(int)
	var b strings.Builder
	b.WriteString("    Line       User       Host(s)              Idle       Location\n")
	row := func(mark string, abs int, line, user, when, loc string) {
		fmt.Fprintf(&b, "%s%3d %-9s %-10s %-20s %8s %s\n", mark, abs, line, user, "idle", when, loc)
	}
	if onConsole(st) {
		row("*", 0, "con 0", "", "00:00:00", "")
	}
	for i := range d.lines.vty {
		if !d.lines.busy[i] {
			continue
		}
		u := d.lines.users[i]
		mark, when := " ", idle(u.lastInput)
		if mine && me == i {
			mark, when = "*", "00:00:00"
		}
		row(mark, i+1, fmt.Sprintf("vty %d", i), u.name, when, u.addr.String())
	}
	b.WriteString("\n  Interface    User               Mode         Idle     Peer Address\n\n")
	return strings.ReplaceAll(b.String(), " \n", "\n")
}

var _ remote.VTYLines = (*Device)(nil)

// SSHConfig returns base with the device as the SSH server's
// authenticator, vty lines and login watcher, as `l2sw run --ssh` serves
// it.
func (d *Device) SSHConfig(base remote.SSHConfig) remote.SSHConfig {
	base.Auth = d
	base.Lines = d
	base.Login = d
	base.Policy = d.sshPolicy
	base.Started = d.sshStarted
	return base
}

// ConsoleExecTimeout is the exec-timeout of line con 0 (0: never), which
// the control socket applies to `l2sw console` sessions.
func (d *Device) ConsoleExecTimeout() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lines.con.execTimeout()
}
