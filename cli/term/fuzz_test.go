package term

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli/engine/enginetest"
)

// FuzzSession feeds any byte stream to an interactive session: no panic,
// the session ends at the end of input, and the output holds no escape
// sequence (netmiko does not strip them).
func FuzzSession(f *testing.F) {
	for _, s := range []string{"\n", "conf t\rint gi0/1\r\nshut\x1a", "sh?\t\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA\x1b[3~\x01\x05\x15\x0b\x17",
		"terminal length 2\nshow run\n \nq", "enable\nx\ny\nz\n", "\x00\x00\r\x00\n", "\x1b[1;5C\x1b[200~", "show history\n\x03"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		e, cfg := enginetest.New()
		cfg.Secret = "x"
		var out bytes.Buffer
		s := New(e, bytes.NewReader(in), &out, Options{Level: 1})
		if err := s.Run(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if strings.Contains(out.String(), "\x1b") {
			t.Fatalf("escape sequence in output %q", out.String())
		}
	})
}

// FuzzDecoder checks the keystroke decoder alone: no panic, and every
// CR, LF or CRLF outside escape sequences is exactly one Enter.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte("a\r\nb\rc\nd\n\r"))
	f.Add([]byte("\x1b[12;3~\x1bO\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var d decoder
		for _, b := range in {
			d.feed(b)
		}
		clean := bytes.Map(func(r rune) rune {
			if r == 0x1b || r == 0 {
				return -1
			}
			return r
		}, in)
		var d2 decoder
		enters := 0
		for _, b := range clean {
			if k, ok := d2.feed(b); ok && k.kind == keyEnter {
				enters++
			}
		}
		want := strings.Count(strings.ReplaceAll(string(clean), "\r\n", "\r"), "\r") +
			strings.Count(strings.ReplaceAll(string(clean), "\r\n", "\r"), "\n")
		if enters != want {
			t.Fatalf("%q: %d enters, want %d", clean, enters, want)
		}
	})
}

var _ io.Reader = (*bytes.Reader)(nil)
