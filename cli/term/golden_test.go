package term

import (
	"bytes"

	"strconv"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli/engine/enginetest"
	"github.com/l2sw/l2sw/internal/golden"
)

// TestGolden feeds each testdata/*.txt input to an interactive session of
// the demo command set and compares the transcript byte for byte.
//
// File format: "@level N" and "@secret S" header lines, then "--- input":
// one line per Enter (Go escapes allowed: \t TAB, \x1a Ctrl-Z, \x03 Ctrl-C,
// \x7f DEL, \x1b[A up; a line ending in \c gets no Enter), then "--- output":
// the transcript with CRLF shown as a newline and backspace as \b.
func TestGolden(t *testing.T) {
	golden.Run(t, func(t *testing.T, head, input string) string {
		e, cfg := enginetest.New()
		opts := Options{Level: 15}
		for _, l := range strings.Split(head, "\n") {
			if v, ok := strings.CutPrefix(l, "@level "); ok {
				opts.Level, _ = strconv.Atoi(v)
			}
			if v, ok := strings.CutPrefix(l, "@secret "); ok {
				cfg.Secret = v
			}
		}
		var in bytes.Buffer
		for _, l := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
			noEnter := strings.HasSuffix(l, `\c`)
			l = strings.TrimSuffix(l, `\c`)
			u, err := strconv.Unquote(`"` + strings.ReplaceAll(l, `"`, `\"`) + `"`)
			if err != nil {
				t.Fatalf("input line %q: %v", l, err)
			}
			in.WriteString(u)
			if !noEnter {
				in.WriteString("\n")
			}
		}
		var out bytes.Buffer
		s := New(e, &in, &out, opts)
		if err := s.Run(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		got := strings.ReplaceAll(out.String(), "\r\n", "\n")
		got = strings.ReplaceAll(got, "\b", `\b`)
		if strings.Contains(got, "\r") || strings.Contains(got, "\x1b") {
			t.Errorf("transcript has a lone CR or an escape sequence: %q", got)
		}
		return got
	})
}
