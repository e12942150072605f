package cli

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// TestGolden runs each testdata/*.txt through a batch session with echo and
// compares the transcript byte for byte.
//
// File format: free text, then "--- input" with one command per line, then
// "--- output". Input lines of the form "@send PORT DST SRC [VLAN]" inject a
// frame instead of running a command, "@advance 5m" moves both clocks.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			head, rest, ok := strings.Cut(string(data), "--- input\n")
			if !ok {
				t.Fatalf("%s: no --- input", file)
			}
			inText, want, ok := strings.Cut(rest, "--- output\n")
			if !ok {
				t.Fatalf("%s: no --- output", file)
			}
			r := newRig(t)
			var got strings.Builder
			var batch []string
			flush := func() {
				if len(batch) > 0 {
					got.WriteString(r.run(batch...).Output)
					batch = nil
				}
			}
			for _, l := range strings.Split(strings.TrimSuffix(inText, "\n"), "\n") {
				f := strings.Fields(l)
				switch {
				case len(f) > 0 && f[0] == "@send":
					flush()
					var vlan uint16
					if len(f) > 4 {
						var v int
						for _, c := range f[4] {
							v = v*10 + int(c-'0')
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
			if *update {
				if err := os.WriteFile(file, []byte(head+"--- input\n"+inText+"--- output\n"+got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got.String() != want {
				t.Errorf("transcript differs\n--- got\n%s\n--- want\n%s", got.String(), want)
			}
		})
	}
}
