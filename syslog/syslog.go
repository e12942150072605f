// Package syslog formats and keeps IOS-style system messages
// (`*Mar  1 00:01:02.345: %FACILITY-SEVERITY-MNEMONIC: text`). Tables raise
// events; the switch turns them into messages here, where they are kept in a
// bounded buffer for `show logging`, copied to a writer (stderr), and
// rate-limited per message key so that an attack cannot flood the log.
package syslog

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Severity is the IOS severity level, 0 (emergencies) to 7 (debugging).
type Severity int

// The IOS severities.
const (
	Emergency Severity = iota
	Alert
	Critical
	Error
	Warning
	Notice
	Informational
	Debug
)

var severityNames = [...]string{"emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"}

// String returns the IOS keyword for the level (as in `logging buffered warnings`).
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// Message is one system message.
type Message struct {
	Seq      uint64 // the message's number since start, which IOS sends to syslog servers
	Time     time.Time
	Facility string // SW_MATM, SYS, LINK ...
	Severity Severity
	Mnemonic string // MACFLAP_NOTIF, P2_WARN, UPDOWN ...
	Text     string
}

// String renders the message as IOS prints it when the clock is not set by
// NTP (the leading '*').
func (m Message) String() string {
	return fmt.Sprintf("*%s: %%%s-%d-%s: %s", m.Time.Format("Jan _2 15:04:05.000"), m.Facility, int(m.Severity), m.Mnemonic, m.Text)
}

// DefaultBufferSize is the number of messages `show logging` keeps.
const DefaultBufferSize = 4096

// DefaultBufferBytes is the default `logging buffered` size, a Catalyst
// 3750's; MinBufferBytes and MaxBufferBytes bound it as IOS does.
const (
	DefaultBufferBytes = 4096
	MinBufferBytes     = 4096
	MaxBufferBytes     = 2147483647
)

// Logger keeps and writes messages. Its zero value is not usable; use New.
type Logger struct {
	mu          sync.Mutex
	now         func() time.Time
	out         io.Writer
	buf         []Message // oldest first
	maxMsgs     int
	maxBytes    int      // `logging buffered SIZE`: the rendered messages kept fit in it
	bytes       int      // rendered size of buf
	bufLevel    Severity // `logging buffered LEVEL`: the buffer keeps messages up to it
	bufLogged   uint64
	logged      uint64
	rateLimited uint64
	lastByKey   map[string]time.Time
	subscribers map[int]func(Message)
	nextSub     int
}

// Option configures a Logger.
type Option func(*Logger)

// WithClock sets the wall clock used for timestamps (tests pin it).
func WithClock(now func() time.Time) Option { return func(l *Logger) { l.now = now } }

// WithWriter copies every accepted message, one per line, to w (nil: none).
func WithWriter(w io.Writer) Option { return func(l *Logger) { l.out = w } }

// WithBufferSize sets how many messages are kept.
func WithBufferSize(n int) Option {
	return func(l *Logger) {
		if n > 0 {
			l.maxMsgs = n
		}
	}
}

// New returns a Logger.
func New(opts ...Option) *Logger {
	l := &Logger{now: time.Now, maxMsgs: DefaultBufferSize, maxBytes: DefaultBufferBytes, bufLevel: Debug,
		lastByKey: map[string]time.Time{}, subscribers: map[int]func(Message){}}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Log records a message unconditionally.
func (l *Logger) Log(fac string, sev Severity, mnemonic, format string, args ...any) {
	l.log(Message{Facility: fac, Severity: sev, Mnemonic: mnemonic, Text: fmt.Sprintf(format, args...)}, "", 0)
}

// LogLimited records a message unless one with the same key was accepted less
// than interval ago; suppressed messages are counted as rate-limited, as IOS
// does in `show logging`. It reports whether the message was kept.
func (l *Logger) LogLimited(key string, interval time.Duration, fac string, sev Severity, mnemonic, format string, args ...any) bool {
	return l.log(Message{Facility: fac, Severity: sev, Mnemonic: mnemonic, Text: fmt.Sprintf(format, args...)}, key, interval)
}

func (l *Logger) log(m Message, key string, interval time.Duration) bool {
	l.mu.Lock()
	now := l.now()
	if key != "" {
		if last, ok := l.lastByKey[key]; ok && now.Sub(last) < interval {
			l.rateLimited++
			l.mu.Unlock()
			return false
		}
		l.lastByKey[key] = now
	}
	m.Time = now
	l.logged++
	m.Seq = l.logged
	if m.Severity <= l.bufLevel {
		l.buf = append(l.buf, m)
		l.bytes += bufferedLen(m)
		l.bufLogged++
		l.trimLocked()
	}
	out := l.out
	subs := make([]func(Message), 0, len(l.subscribers))
	for _, s := range l.subscribers {
		subs = append(subs, s)
	}
	l.mu.Unlock()
	if out != nil {
		fmt.Fprintln(out, m.String())
	}
	for _, s := range subs {
		s(m)
	}
	return true
}

// Subscribe calls fn for every accepted message (a session with `terminal
// monitor`, a test) until the returned cancel is called. fn must not block.
func (l *Logger) Subscribe(fn func(Message)) (cancel func()) {
	l.mu.Lock()
	id := l.nextSub
	l.nextSub++
	l.subscribers[id] = fn
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		delete(l.subscribers, id)
		l.mu.Unlock()
	}
}

// bufferedLen is what a message takes in the buffer: its line.
func bufferedLen(m Message) int { return len(m.String()) + 1 }

// trimLocked drops the oldest messages beyond the buffer's limits.
func (l *Logger) trimLocked() {
	drop := 0
	for drop < len(l.buf) && (len(l.buf)-drop > l.maxMsgs || l.bytes > l.maxBytes) {
		l.bytes -= bufferedLen(l.buf[drop])
		drop++
	}
	if drop > 0 {
		l.buf = append(l.buf[:0:0], l.buf[drop:]...)
	}
}

// SetBuffered sets the buffer's size in bytes and the most verbose level it
// keeps (`logging buffered SIZE LEVEL`); a smaller size drops the oldest
// messages now.
func (l *Logger) SetBuffered(size int, level Severity) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxBytes, l.bufLevel = min(max(size, MinBufferBytes), MaxBufferBytes), level
	l.trimLocked()
}

// Buffered returns the settings of SetBuffered.
func (l *Logger) Buffered() (size int, level Severity) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxBytes, l.bufLevel
}

// Messages returns the buffered messages, oldest first.
func (l *Logger) Messages() []Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Message(nil), l.buf...)
}

// Stats are the counters `show logging` reports.
type Stats struct {
	Logged      uint64 // messages accepted
	BufLogged   uint64 // messages that went into the buffer
	RateLimited uint64
	BufferSize  int // bytes
	BufferLevel Severity
}

// Stats returns the logger's counters.
func (l *Logger) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Logged: l.logged, BufLogged: l.bufLogged, RateLimited: l.rateLimited, BufferSize: l.maxBytes, BufferLevel: l.bufLevel}
}

// Clear empties the buffer (`clear logging`).
func (l *Logger) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf, l.bytes = nil, 0
}

// Grep returns the rendered buffered messages that contain substr; tests use it.
func (l *Logger) Grep(substr string) []string {
	var out []string
	for _, m := range l.Messages() {
		if s := m.String(); strings.Contains(s, substr) {
			out = append(out, s)
		}
	}
	return out
}
