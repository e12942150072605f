// Package golden runs golden-transcript tests: each testdata/*.txt file
// holds free header text, "--- input\n", the input, "--- output\n" and the
// expected transcript. A test supplies how to turn header and input into a
// transcript; `go test -update` rewrites the expected parts.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// Run checks every testdata/*.txt of the calling package's directory with
// transcript(t, head, input), one subtest per file.
func Run(t *testing.T, transcript func(t *testing.T, head, input string) string) {
	t.Helper()
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
			input, want, ok := strings.Cut(rest, "--- output\n")
			if !ok {
				t.Fatalf("%s: no --- output", file)
			}
			got := transcript(t, head, input)
			if *update {
				if err := os.WriteFile(file, []byte(head+"--- input\n"+input+"--- output\n"+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("transcript differs\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}
