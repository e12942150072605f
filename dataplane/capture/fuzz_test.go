package capture_test

import (
	"strings"
	"testing"

	"github.com/l2sw/l2sw/dataplane/capture"
)

// FuzzParseMatch: any filter expression either fails with a SyntaxError or
// parses to a Match that renders back to an expression parsing to the same
// rendering; matching a frame with it never panics.
func FuzzParseMatch(f *testing.F) {
	for _, s := range []string{"match any", "m i a a", "match ipv4 host 10.0.0.1 10.0.0.0/8",
		"match ipv4 protocol udp any eq 53 host 10.0.0.2 eq 1000", "ipv4 protocol 89 any any", "match ipv4 any"} {
		f.Add(s, []byte{})
	}
	f.Fuzz(func(t *testing.T, expr string, frame []byte) {
		m, err := capture.ParseMatch(strings.Fields(expr))
		if err != nil {
			var se *capture.SyntaxError
			if !asSyntax(err, &se) {
				t.Fatalf("%q: error %v is not a SyntaxError", expr, err)
			}
			return
		}
		again, err := capture.ParseMatch(strings.Fields(m.String()))
		if err != nil || again.String() != m.String() {
			t.Fatalf("%q renders %q, which reads back as %q (%v)", expr, m.String(), again.String(), err)
		}
		m.Matches(frame)
	})
}

func asSyntax(err error, se **capture.SyntaxError) bool {
	s, ok := err.(*capture.SyntaxError)
	*se = s
	return ok
}
