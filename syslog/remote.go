package syslog

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Messages to syslog servers (`logging host`). IOS sends each message in
// one UDP datagram, facility local7, as
//
//	<189>42: *Dec  6 22:55:01.123: %LINK-3-UPDOWN: Interface ..., changed state to down
//
// (PRI, the message's number, then the line as the buffer shows it); with
// `logging trap syslog-format rfc5424` in the RFC 5424 layout instead.

// Format is the layout of a datagram to a syslog server.
type Format uint8

// The formats.
const (
	FormatIOS     Format = iota // RFC 3164 as IOS sends it
	FormatRFC5424               // RFC 5424
)

// FacilityLocal7 is the syslog facility IOS sends with (`logging facility local7`).
const FacilityLocal7 = 23

// DefaultTrapLevel is the most verbose severity sent to servers by default
// (`logging trap informational`).
const DefaultTrapLevel = Informational

// Datagram renders m for a syslog server in format f; host is the
// switch's hostname (RFC 5424's HOSTNAME).
func Datagram(m Message, f Format, host string) []byte {
	pri := FacilityLocal7*8 + int(m.Severity)
	if f == FormatRFC5424 {
		tag := fmt.Sprintf("%s-%d-%s", m.Facility, int(m.Severity), m.Mnemonic)
		return fmt.Appendf(nil, "<%d>1 %s %s - - %s [meta sequenceId=\"%d\"] %%%s: %s", pri,
			m.Time.UTC().Format("2006-01-02T15:04:05.000Z"), nilValue(host), tag, m.Seq, tag, m.Text)
	}
	return fmt.Appendf(nil, "<%d>%d: %s", pri, m.Seq, m.String())
}

func nilValue(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// RemoteQueue is how many messages wait for a slow server before the
// newest are dropped and counted: logging never blocks the switch.
const RemoteQueue = 256

// Remote sends the messages of a Logger at or above a severity to one
// server through send, on its own goroutine.
type Remote struct {
	level  atomic.Int32
	format atomic.Uint32
	host   func() string
	send   func([]byte) error
	q      chan Message
	cancel func()
	stop   chan struct{} // closed by Close; q is never closed, a late subscriber call may still send
	done   chan struct{}
	once   sync.Once

	sent, dropped, failed atomic.Uint64
}

// RemoteStats are a server's counters for `show logging`.
type RemoteStats struct {
	Sent    uint64 // message lines logged
	Dropped uint64 // lost to a full queue
	Failed  uint64 // send returned an error (no route, no address)
}

// NewRemote starts forwarding l's messages up to level in format f;
// hostname is asked at each message (it changes with `hostname`).
func NewRemote(l *Logger, level Severity, f Format, hostname func() string, send func([]byte) error) *Remote {
	r := &Remote{host: hostname, send: send, q: make(chan Message, RemoteQueue), stop: make(chan struct{}), done: make(chan struct{})}
	r.SetLevel(level)
	r.SetFormat(f)
	go r.run()
	r.cancel = l.Subscribe(func(m Message) {
		if m.Severity > Severity(r.level.Load()) {
			return
		}
		select {
		case r.q <- m:
		default:
			r.dropped.Add(1)
		}
	})
	return r
}

// SetLevel changes the most verbose severity sent (`logging trap LEVEL`).
func (r *Remote) SetLevel(s Severity) { r.level.Store(int32(s)) }

// SetFormat changes the datagrams' layout.
func (r *Remote) SetFormat(f Format) { r.format.Store(uint32(f)) }

func (r *Remote) run() {
	defer close(r.done)
	for {
		select {
		case m := <-r.q:
			r.deliver(m)
		case <-r.stop:
			for {
				select {
				case m := <-r.q:
					r.deliver(m)
				default:
					return
				}
			}
		}
	}
}

func (r *Remote) deliver(m Message) {
	if err := r.send(Datagram(m, Format(r.format.Load()), r.host())); err != nil {
		r.failed.Add(1)
		return
	}
	r.sent.Add(1)
}

// Stats returns the server's counters.
func (r *Remote) Stats() RemoteStats {
	return RemoteStats{Sent: r.sent.Load(), Dropped: r.dropped.Load(), Failed: r.failed.Load()}
}

// Close stops forwarding once the queued messages are sent or timeout
// passes.
func (r *Remote) Close(timeout time.Duration) {
	r.once.Do(func() {
		r.cancel()
		close(r.stop)
		select {
		case <-r.done:
		case <-time.After(timeout):
		}
	})
}

// ParseSeverity reads an IOS severity: a number 0-7 or its keyword.
func ParseSeverity(w string) (Severity, bool) {
	if n, err := strconv.Atoi(w); err == nil && n >= 0 && n < len(severityNames) {
		return Severity(n), true
	}
	for i, name := range severityNames {
		if name == w {
			return Severity(i), true
		}
	}
	return 0, false
}
