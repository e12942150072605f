package cli

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/internal/golden"
)

// TestGolden runs each testdata/*.txt through a batch session with echo and
// compares the transcript byte for byte.
//
// File format: free text, then "--- input" with one command per line, then
// "--- output". Input lines of the form "@send PORT DST SRC [VLAN]" inject a
// frame instead of running a command, "@advance 5m" moves both clocks.
func TestGolden(t *testing.T) {
	golden.Run(t, func(t *testing.T, _, input string) string {
		r := newRig(t)
		var got strings.Builder
		var batch []string
		flush := func() {
			if len(batch) > 0 {
				got.WriteString(r.run(batch...).Output)
				batch = nil
			}
		}
		for _, l := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
			f := strings.Fields(l)
			switch {
			case len(f) > 0 && f[0] == "@send":
				flush()
				var vlan uint16
				if len(f) > 4 {
					v, err := strconv.Atoi(f[4])
					if err != nil {
						t.Fatalf("@send VLAN %q: %v", f[4], err)
					}
					vlan = uint16(v)
				}
				r.send(f[1], frame(f[2], f[3], vlan))
			case len(f) > 0 && f[0] == "@advance":
				flush()
				dur, err := time.ParseDuration(f[1])
				if err != nil {
					t.Fatal(err)
				}
				r.now = r.now.Add(dur)
				r.clk.Advance(dur)
			default:
				batch = append(batch, l)
			}
		}
		flush()
		return got.String()
	})
}
