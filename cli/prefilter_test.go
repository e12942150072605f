package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/term"
)

// TestFirstWordPrefilterChangesNothing holds the engine's first-word
// prefilter to the full walk on the real command trees: two devices, one
// matching every line against every variant, get the same lines (the
// golden transcripts' inputs and, per line, its words cut short, a word
// replaced by junk, each first word abbreviated) and must answer each
// line, each "?" and each completion the same, byte for byte.
func TestFirstWordPrefilterChangesNothing(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden transcripts: %v", err)
	}
	var script []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(data), "--- input\n")
		input, _, _ := strings.Cut(rest, "--- output\n")
		for _, line := range strings.Split(input, "\n") {
			if strings.TrimSpace(line) != "" {
				script = append(script, line)
			}
		}
	}
	filtered, full := newRig(t), newRig(t)
	full.dev.Engine().SetFirstWordPrefilter(false)

	variants := func(line string) []string {
		w := strings.Fields(line)
		out := []string{line}
		if len(w) == 0 {
			return out
		}
		for n := 1; n < len(w); n++ {
			out = append(out, strings.Join(w[:n], " "))
		}
		for i := range w {
			junk := append([]string{}, w...)
			junk[i] = "zq9"
			out = append(out, strings.Join(junk, " "))
		}
		for n := 1; n < len(w[0]); n++ {
			out = append(out, strings.Join(append([]string{w[0][:n]}, w[1:]...), " "))
		}
		out = append(out, "no "+line, "do "+line, strings.ToUpper(line))
		return out
	}
	// Help and completion first, in both EXEC and configuration mode,
	// on states of their own: they change nothing.
	stF, stA := filtered.dev.Engine().NewState(engine.LevelPrivileged), full.dev.Engine().NewState(engine.LevelPrivileged)
	cfgF, cfgA := filtered.dev.Engine().NewState(engine.LevelPrivileged), full.dev.Engine().NewState(engine.LevelPrivileged)
	var sink strings.Builder
	filtered.dev.Engine().Exec(cfgF, "configure terminal", &sink, 0)
	full.dev.Engine().Exec(cfgA, "configure terminal", &sink, 0)
	checked := 0
	for _, line := range script {
		for _, l := range variants(line) {
			for _, q := range []string{l + "?", l + " ?"} {
				for _, pair := range [][2]*engine.State{{stF, stA}, {cfgF, cfgA}} {
					var a, b strings.Builder
					oa := filtered.dev.Engine().Help(pair[0], q, &a, 7)
					ob := full.dev.Engine().Help(pair[1], q, &b, 7)
					if a.String() != b.String() || oa.Status != ob.Status {
						t.Errorf("help %q: prefiltered %v\n%s\nfull walk %v\n%s", q, oa.Status, a.String(), ob.Status, b.String())
					}
					ca, oka := filtered.dev.Engine().Complete(pair[0], l)
					cb, okb := full.dev.Engine().Complete(pair[1], l)
					if ca != cb || oka != okb {
						t.Errorf("complete %q: prefiltered %q %v, full walk %q %v", l, ca, oka, cb, okb)
					}
					checked++
				}
			}
		}
	}
	// Then the lines themselves, each with its variants, through batch
	// sessions: same echo, same output, same errors, same state after.
	var lines []string
	for _, line := range script {
		lines = append(lines, variants(line)...)
	}
	ra := term.RunBatch(filtered.dev.Engine(), lines, term.BatchOptions{Echo: true})
	rb := term.RunBatch(full.dev.Engine(), lines, term.BatchOptions{Echo: true})
	if ra.Output != rb.Output {
		al, bl := strings.Split(ra.Output, "\n"), strings.Split(rb.Output, "\n")
		for i := 0; i < min(len(al), len(bl)); i++ {
			if al[i] != bl[i] {
				t.Fatalf("batch output differs at line %d:\nprefiltered: %q\nfull walk:   %q", i, al[i], bl[i])
			}
		}
		t.Fatalf("batch outputs differ in length: %d and %d lines", len(al), len(bl))
	}
	if checked < 1000 || len(lines) < 1000 {
		t.Fatalf("only %d help/complete checks and %d lines: the corpus is too small to say anything", checked, len(lines))
	}
	t.Logf("%d help/complete checks, %d lines", checked, len(lines))
}
