package syslog

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestFormatAndBuffer(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 1, 2, 345e6, time.UTC)
	var out bytes.Buffer
	l := New(WithClock(func() time.Time { return now }), WithWriter(&out), WithBufferSize(2))
	l.Log("LINK", Error, "UPDOWN", "Interface %s, changed state to %s", "GigabitEthernet0/2", "down")
	want := "*Mar  1 00:01:02.345: %LINK-3-UPDOWN: Interface GigabitEthernet0/2, changed state to down"
	if got := strings.TrimSpace(out.String()); got != want {
		t.Fatalf("written %q\nwant    %q", got, want)
	}
	l.Log("A", Notice, "B", "two")
	l.Log("A", Notice, "B", "three")
	msgs := l.Messages()
	if len(msgs) != 2 || msgs[0].Text != "two" || msgs[1].Text != "three" {
		t.Fatalf("ring kept %+v", msgs)
	}
	if len(l.Grep("three")) != 1 {
		t.Fatal("Grep")
	}
	l.Clear()
	if len(l.Messages()) != 0 {
		t.Fatal("Clear")
	}
}

func TestRateLimitPerKey(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(WithClock(func() time.Time { return now }))
	var seen int
	cancel := l.Subscribe(func(Message) { seen++ })
	if !l.LogLimited("gi0/2", time.Second, "SYS", Warning, "P2_WARN", "x") {
		t.Fatal("first message suppressed")
	}
	if l.LogLimited("gi0/2", time.Second, "SYS", Warning, "P2_WARN", "x") {
		t.Fatal("second message within interval kept")
	}
	if !l.LogLimited("gi0/3", time.Second, "SYS", Warning, "P2_WARN", "x") {
		t.Fatal("other key suppressed")
	}
	now = now.Add(time.Second)
	if !l.LogLimited("gi0/2", time.Second, "SYS", Warning, "P2_WARN", "x") {
		t.Fatal("message after interval suppressed")
	}
	st := l.Stats()
	if st.Logged != 3 || st.RateLimited != 1 || seen != 3 {
		t.Fatalf("stats %+v seen %d", st, seen)
	}
	cancel()
	l.Log("A", Notice, "B", "after cancel")
	if seen != 3 {
		t.Fatal("subscriber called after cancel")
	}
}
