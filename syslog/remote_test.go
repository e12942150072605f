package syslog

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestDatagram(t *testing.T) {
	m := Message{Seq: 42, Time: time.Date(2026, 12, 6, 22, 55, 1, 123e6, time.UTC), Facility: "LINK", Severity: Error, Mnemonic: "UPDOWN",
		Text: "Interface GigabitEthernet0/1, changed state to down"}
	if got, want := string(Datagram(m, FormatIOS, "Switch")), "<187>42: *Dec  6 22:55:01.123: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down"; got != want {
		t.Errorf("IOS format:\n got %s\nwant %s", got, want)
	}
	if got, want := string(Datagram(m, FormatRFC5424, "Switch")), `<187>1 2026-12-06T22:55:01.123Z Switch - - LINK-3-UPDOWN [meta sequenceId="42"] %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down`; got != want {
		t.Errorf("RFC 5424:\n got %s\nwant %s", got, want)
	}
}

// TestRemote: the messages up to the trap level reach the server in order,
// numbered; failures are counted; Close sends what is queued.
func TestRemote(t *testing.T) {
	l := New()
	var mu sync.Mutex
	var got []string
	r := NewRemote(l, Warning, FormatIOS, func() string { return "sw" }, func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, string(b))
		return nil
	})
	l.Log("A", Notice, "N", "not sent: notice is above warnings")
	l.Log("A", Warning, "W", "one")
	l.Log("A", Error, "E", "two")
	r.Close(time.Second)
	l.Log("A", Error, "E", "after close")
	mu.Lock()
	if len(got) != 2 || got[0][:7] != "<188>2:" || got[1][:7] != "<187>3:" {
		t.Errorf("sent %q", got)
	}
	mu.Unlock()
	if s := r.Stats(); s.Sent != 2 || s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}

	r = NewRemote(l, Debug, FormatIOS, func() string { return "sw" }, func([]byte) error { return errors.New("no route") })
	l.Log("A", Error, "E", "lost")
	r.Close(time.Second)
	if s := r.Stats(); s.Failed != 1 {
		t.Errorf("failed sends: %+v", s)
	}
}

func TestBufferedBytesAndLevel(t *testing.T) {
	l := New()
	l.SetBuffered(MinBufferBytes, Warning)
	l.Log("A", Notice, "N", "not buffered")
	for range 100 {
		l.Log("A", Error, "E", "%080d", 0)
	}
	msgs := l.Messages()
	n := 0
	for _, m := range msgs {
		n += bufferedLen(m)
		if m.Severity > Warning {
			t.Errorf("buffered a %v message", m.Severity)
		}
	}
	if n > MinBufferBytes || n < MinBufferBytes-200 || len(msgs) == 100 {
		t.Errorf("%d messages of %d bytes in a %d-byte buffer", len(msgs), n, MinBufferBytes)
	}
	if st := l.Stats(); st.Logged != 101 || st.BufLogged != 100 || st.BufferSize != MinBufferBytes {
		t.Errorf("stats %+v", st)
	}
}

func TestParseSeverity(t *testing.T) {
	for w, want := range map[string]Severity{"0": Emergency, "7": Debug, "informational": Informational, "warnings": Warning} {
		if got, ok := ParseSeverity(w); !ok || got != want {
			t.Errorf("%q: %v %v", w, got, ok)
		}
	}
	for _, w := range []string{"8", "-1", "info", ""} {
		if _, ok := ParseSeverity(w); ok {
			t.Errorf("%q accepted", w)
		}
	}
}
