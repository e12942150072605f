package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/examples"
	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/lab"
)

// TestLabs runs every scenario lab as a user would, twice: as written it
// must end PASS, and with --skip-fix it must end FAIL in its verify
// section, after the failure was reproduced, so that no lab can pass by
// reproducing nothing.
func TestLabs(t *testing.T) {
	netns.RequireRoot(t)
	for _, tool := range []string{"tcpdump", "socat", "ping", "arping"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the labs need %s (make test-deps installs it): %v", tool, err)
		}
	}
	labs, err := lab.List(examples.Labs())
	if err != nil {
		t.Fatal(err)
	}
	if len(labs) == 0 {
		t.Fatal("no labs")
	}
	out, err := exec.Command(l2swBin, "lab", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("lab list: %v\n%s", err, out)
	}
	listed := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(listed) != len(labs) {
		t.Fatalf("lab list shows %d labs, want %d:\n%s", len(listed), len(labs), out)
	}
	for i, l := range labs {
		if f := strings.Fields(listed[i]); len(f) == 0 || f[0] != l.Name {
			t.Fatalf("lab list line %d = %q, want the name %s first", i+1, listed[i], l.Name)
		}
		for _, skip := range []bool{false, true} {
			name := l.Name
			if skip {
				name += "/skip-fix"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				args := []string{"lab", "run", l.Name}
				if skip {
					args = append(args, "--skip-fix")
				}
				out, err := exec.Command(l2swBin, args...).CombinedOutput()
				text := string(out)
				lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
				last := lines[len(lines)-1]
				switch {
				case !skip && (err != nil || last != "PASS"):
					t.Fatalf("lab %s: exit %v, last line %q:\n%s", l.Name, err, last, text)
				case skip && (err == nil || last != "FAIL"):
					t.Fatalf("lab %s --skip-fix: exit %v, last line %q, want FAIL:\n%s", l.Name, err, last, text)
				case skip:
					v := strings.Index(text, "\n### verify")
					f := strings.Index(text, "\nFAILED: ")
					if v < 0 || f < v || strings.Contains(text, "\nerror: ") {
						t.Fatalf("lab %s --skip-fix failed before its verify section:\n%s", l.Name, text)
					}
				}
			})
		}
	}
}
