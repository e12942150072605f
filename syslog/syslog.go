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

// Logger keeps and writes messages. Its zero value is not usable; use New.
type Logger struct {
	mu          sync.Mutex
	now         func() time.Time
	out         io.Writer
	buf         []Message // ring
	next        int
	full        bool
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
			l.buf = make([]Message, n)
		}
	}
}

// New returns a Logger.
func New(opts ...Option) *Logger {
	l := &Logger{now: time.Now, buf: make([]Message, DefaultBufferSize), lastByKey: map[string]time.Time{}, subscribers: map[int]func(Message){}}
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
	l.buf[l.next] = m
	l.next++
	if l.next == len(l.buf) {
		l.next, l.full = 0, true
	}
	l.logged++
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

// Messages returns the buffered messages, oldest first.
func (l *Logger) Messages() []Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Message
	if l.full {
		out = append(out, l.buf[l.next:]...)
	}
	return append(out, l.buf[:l.next]...)
}

// Stats are the counters `show logging` reports.
type Stats struct {
	Logged      uint64
	RateLimited uint64
	BufferSize  int
}

// Stats returns the logger's counters.
func (l *Logger) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Logged: l.logged, RateLimited: l.rateLimited, BufferSize: len(l.buf)}
}

// Clear empties the buffer (`clear logging`).
func (l *Logger) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.buf {
		l.buf[i] = Message{}
	}
	l.next, l.full = 0, false
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
