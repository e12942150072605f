package cli

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/ifname"
	"github.com/l2sw/l2sw/syslog"
)

// This file holds the syslog configuration: `logging host`, `logging trap`,
// `logging source-interface`, `logging buffered`, and their part of `show
// logging` and the running configuration. Messages to a server leave from
// an SVI address through the switch's own routed path, as a switch's
// syslog does, so a server on a lab VLAN receives them.

// logConfig is the syslog configuration of a Device.
type logConfig struct {
	mu        sync.Mutex
	hosts     map[netip.Addr]*logHost
	trap      syslog.Severity
	trapOff   bool // `no logging trap`
	format    syslog.Format
	sourceVID uint16 // `logging source-interface VlanN`; 0: none
}

// logHost is one `logging host` server.
type logHost struct {
	port   uint16
	sport  uint16 // the datagrams' source port, an ephemeral one per server
	remote *syslog.Remote
}

// syslogSourcePorts is the range a server's source port is drawn from.
const syslogSourcePorts = 49152

var severityHelp = map[string]string{
	"<0-7>": "Logging severity level", "emergencies": "System is unusable (severity=0)",
	"alerts": "Immediate action needed (severity=1)", "critical": "Critical conditions (severity=2)",
	"errors": "Error conditions (severity=3)", "warnings": "Warning conditions (severity=4)",
	"notifications": "Normal but significant conditions (severity=5)",
	"informational": "Informational messages (severity=6)", "debugging": "Debugging messages (severity=7)",
}

const severities = "<0-7>|emergencies|alerts|critical|errors|warnings|notifications|informational|debugging"

// installLogging adds the syslog commands to the engine.
func (d *Device) installLogging() {
	d.logs = &logConfig{hosts: map[netip.Addr]*logHost{}, trap: syslog.DefaultTrapLevel}
	help := merge(severityHelp, map[string]string{
		"logging": "Modify message logging facilities", "host": "Set syslog server IP address and parameters",
		"A.B.C.D": "IP address of the syslog server", "transport": "Specify the transport protocol (default=UDP)",
		"udp": "Transport Protocol", "port": "Specify the UDP port of the syslog server (default=514)",
		"<1-65535>": "UDP port number", "trap": "Set syslog server logging level",
		"syslog-format": "Set the format of the messages sent to syslog servers",
		"rfc5424":       "RFC 5424 format", "rfc3164": "RFC 3164 format, as IOS sends it (default)",
		"source-interface": "Specify interface for source address in logging transactions",
		"buffered":         "Set buffered logging parameters", "<4096-2147483647>": "Logging buffer size",
	})
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "terminal monitor", Level: engine.LevelUser, Run: d.terminalMonitor(true),
			Help: map[string]string{"monitor": "Copy debug output to the current terminal line"}},
		engine.Command{Syntax: "terminal no monitor", Level: engine.LevelUser, Run: d.terminalMonitor(false),
			Help: map[string]string{"no": "Negate a command or set its defaults", "monitor": "Copy debug output to the current terminal line"}},
	))
	must(d.eng.Install(d.modes.config,
		engine.Command{Syntax: "logging host A.B.C.D$ip [transport udp [port <1-65535>$port]]", No: true,
			NoSyntax: "logging host A.B.C.D$ip [transport udp [port <1-65535>$port]]", Help: help, Run: d.loggingHost},
		engine.Command{Syntax: "logging A.B.C.D$ip", No: true, Hidden: true, Help: help, Run: d.loggingHost},
		engine.Command{Syntax: "logging trap {" + severities + "}$level", No: true, NoSyntax: "logging trap", Default: true, DefaultSyntax: "logging trap",
			Help: help, Run: func(c *engine.Ctx, a engine.Args) error {
				lc := d.logs
				lc.mu.Lock()
				defer lc.mu.Unlock()
				lc.trap, lc.trapOff = syslog.DefaultTrapLevel, c.Negated()
				if c.Form == engine.FormPlain {
					lc.trap, _ = syslog.ParseSeverity(a.String("level"))
				}
				for _, h := range lc.hosts {
					h.remote.SetLevel(lc.effectiveTrap())
				}
				return nil
			}},
		engine.Command{Syntax: "logging trap syslog-format {rfc5424|rfc3164}$format", No: true, NoSyntax: "logging trap syslog-format",
			Help: help, Run: func(c *engine.Ctx, a engine.Args) error {
				lc := d.logs
				lc.mu.Lock()
				defer lc.mu.Unlock()
				lc.format = syslog.FormatIOS
				if !c.Negated() && a.String("format") == "rfc5424" {
					lc.format = syslog.FormatRFC5424
				}
				for _, h := range lc.hosts {
					h.remote.SetFormat(lc.format)
				}
				return nil
			}},
		engine.Command{Syntax: "logging source-interface IFNAME$ifname", No: true, NoSyntax: "logging source-interface", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				vid := uint16(0)
				if !c.Negated() {
					v, ok := ifname.ParseSVI(a.Interface("ifname"))
					if !ok {
						return engine.Rejectf("%% Only VLAN interfaces have an address to send syslog from")
					}
					vid = v
				}
				d.logs.mu.Lock()
				d.logs.sourceVID = vid
				d.logs.mu.Unlock()
				return nil
			}},
		engine.Command{Syntax: "logging buffered [<4096-2147483647>$size] [" + severities + "]$level",
			No: true, NoSyntax: "logging buffered", Default: true, DefaultSyntax: "logging buffered", Help: help,
			Run: func(c *engine.Ctx, a engine.Args) error {
				size, level := syslog.DefaultBufferBytes, syslog.Debug
				if c.Form == engine.FormPlain {
					cur, curLevel := d.sw.Log().Buffered()
					size, level = cur, curLevel
					if a.Has("size") {
						size = a.Int("size")
					}
					if a.Has("level") {
						level, _ = syslog.ParseSeverity(a.String("level"))
					}
				}
				d.sw.Log().SetBuffered(size, level)
				return nil
			}},
	))
}

// monitorKey is the State value holding a session's `terminal monitor`
// subscription (its cancel function).
const monitorKey = "cli.monitor"

// notifier is a session that can print log messages between commands
// (term.Session); batch sessions (l2sw exec) cannot.
type notifier interface{ Notify(text string) bool }

// terminalMonitor is `terminal monitor` and `terminal no monitor`: the
// session prints the log messages as they come, as a vty with terminal
// monitor does.
func (d *Device) terminalMonitor(on bool) engine.Handler {
	return func(c *engine.Ctx, _ engine.Args) error {
		if cancel, ok := c.State.Values[monitorKey].(func()); ok {
			cancel()
			delete(c.State.Values, monitorKey)
		}
		n, ok := c.State.Term.(notifier)
		if !on || !ok {
			return nil
		}
		var once sync.Once
		var cancel func()
		subscribed := make(chan struct{})
		stop := func() { once.Do(func() { <-subscribed; cancel() }) }
		cancel = d.sw.Log().Subscribe(func(m syslog.Message) {
			if !n.Notify(m.String()) {
				go stop() // the session ended
			}
		})
		close(subscribed)
		c.State.Values[monitorKey] = stop
		return nil
	}
}

// effectiveTrap is the level the servers get: none below emergencies when
// trap logging is off.
func (lc *logConfig) effectiveTrap() syslog.Severity {
	if lc.trapOff {
		return -1
	}
	return lc.trap
}

func (d *Device) loggingHost(c *engine.Ctx, a engine.Args) error {
	ip := a.IP("ip")
	if !ip.Is4() || ip.IsUnspecified() || ip.IsMulticast() {
		return engine.Rejectf("%% Invalid syslog server address %v", ip)
	}
	port := uint16(514)
	if a.Has("port") {
		port = uint16(a.Int("port"))
	}
	lc := d.logs
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if old := lc.hosts[ip]; old != nil {
		go old.remote.Close(time.Second) // not under lc.mu: its last sends read the source interface
		delete(lc.hosts, ip)
	}
	if c.Negated() {
		return nil
	}
	h := &logHost{port: port, sport: uint16(syslogSourcePorts + rand.IntN(65536-syslogSourcePorts))}
	dst := netip.AddrPortFrom(ip, port)
	h.remote = syslog.NewRemote(d.sw.Log(), lc.effectiveTrap(), lc.format, d.Hostname, func(b []byte) error {
		lc.mu.Lock()
		src := lc.sourceVID
		lc.mu.Unlock()
		return d.sw.SendUDP(src, dst, h.sport, b)
	})
	lc.hosts[ip] = h
	return nil
}

// loggingConfig is the syslog part of the running configuration that IOS
// shows near the end, before the lines.
func (d *Device) loggingConfig() string {
	lc := d.logs
	lc.mu.Lock()
	defer lc.mu.Unlock()
	var b strings.Builder
	switch {
	case lc.trapOff:
		b.WriteString("no logging trap\n")
	case lc.trap != syslog.DefaultTrapLevel:
		fmt.Fprintf(&b, "logging trap %s\n", lc.trap)
	}
	if lc.format == syslog.FormatRFC5424 {
		b.WriteString("logging trap syslog-format rfc5424\n")
	}
	if lc.sourceVID != 0 {
		fmt.Fprintf(&b, "logging source-interface %s\n", ifname.SVI(lc.sourceVID))
	}
	for _, ip := range lc.sortedHosts() {
		fmt.Fprintf(&b, "logging host %v", ip)
		if p := lc.hosts[ip].port; p != 514 {
			fmt.Fprintf(&b, " transport udp port %d", p)
		}
		b.WriteString("\n")
	}
	if b.Len() == 0 {
		return ""
	}
	return b.String() + "!\n"
}

// bufferedConfig is the `logging buffered` line, shown when not default.
func (d *Device) bufferedConfig() string {
	size, level := d.sw.Log().Buffered()
	switch {
	case size == syslog.DefaultBufferBytes && level == syslog.Debug:
		return ""
	case level == syslog.Debug:
		return fmt.Sprintf("logging buffered %d\n!\n", size)
	}
	return fmt.Sprintf("logging buffered %d %s\n!\n", size, level)
}

func (lc *logConfig) sortedHosts() []netip.Addr {
	ips := make([]netip.Addr, 0, len(lc.hosts))
	for ip := range lc.hosts {
		ips = append(ips, ip)
	}
	slices.SortFunc(ips, func(a, b netip.Addr) int { return a.Compare(b) })
	return ips
}

// showTrapLogging is the trap part of `show logging`, one block per server,
// in the IOS layout.
func (d *Device) showTrapLogging(b *strings.Builder, logged uint64) {
	lc := d.logs
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.trapOff {
		b.WriteString("    Trap logging: disabled\n")
	} else {
		fmt.Fprintf(b, "    Trap logging: level %s, %d message lines logged\n", lc.trap, logged)
	}
	for _, ip := range lc.sortedHosts() {
		h := lc.hosts[ip]
		st := h.remote.Stats()
		fmt.Fprintf(b, "        Logging to %v  (udp port %d, audit disabled,\n              link up),\n", ip, h.port)
		fmt.Fprintf(b, "              %d message lines logged,\n              %d message lines rate-limited,\n", st.Sent, st.Dropped)
		b.WriteString("              0 message lines dropped-by-MD,\n              xml disabled, sequence number disabled\n              filtering disabled\n")
	}
	b.WriteString("        Logging Source-Interface:       VRF Name:\n")
	if lc.sourceVID != 0 {
		fmt.Fprintf(b, "        %-32s\n", ifname.SVI(lc.sourceVID))
	}
}
