package engine

import (
	"testing"
)

// The first-word prefilter of simulate: a variant is walked only when its
// first word can take the line's first word, and skipping the others
// changes no verdict.
func TestFirstWordPrefilter(t *testing.T) {
	e := New(Options{})
	ran := ""
	cmd := func(syntax string) Command {
		return Command{Syntax: syntax, Run: func(*Ctx, Args) error { ran = syntax; return nil }}
	}
	if err := e.Install(e.ExecMode(), cmd("ip route A.B.C.D"), cmd("[verbose] identify WORD"),
		cmd("WORD$free text"), cmd("idle")); err != nil {
		t.Fatal(err)
	}
	by := map[string]*variant{}
	for _, v := range e.ExecMode().variants {
		by[v.cmd.Syntax] = v
	}
	for _, c := range []struct {
		syntax, word string
		want         bool
	}{
		{"ip route A.B.C.D", "i", true}, {"ip route A.B.C.D", "IP", true}, {"ip route A.B.C.D", "ipx", false},
		{"ip route A.B.C.D", "int", false},
		{"[verbose] identify WORD", "ver", true}, {"[verbose] identify WORD", "iden", true}, {"[verbose] identify WORD", "ip", false},
		{"WORD$free text", "anything", true},
	} {
		if got := by[c.syntax].mayStart(c.word); got != c.want {
			t.Errorf("%q mayStart(%q) = %v, want %v", c.syntax, c.word, got, c.want)
		}
	}
	// Only the variants that may start with "ip" are seeded: ip route and
	// the argument-first one.
	s := e.simulate(visible(e.ExecMode(), LevelPrivileged), tokenize("ip route 10.0.0.1"), 3)
	if n := len(s.agenda[0]); n != 2 {
		t.Errorf("seeded %d variants for \"ip route ...\", want 2", n)
	}
	// Verdicts stay as before: "i" is still ambiguous between the
	// keywords that start with it, and the argument-first command takes
	// any other word.
	st := e.NewState(LevelPrivileged)
	var out discard
	if o := e.Exec(st, "i 1.2.3.4", &out, 0); o.Status != StatusAmbiguous {
		t.Errorf("\"i 1.2.3.4\": %v, want ambiguous", o.Status)
	}
	if o := e.Exec(st, "ip r 1.2.3.4", &out, 0); o.Status != StatusOK || ran != "ip route A.B.C.D" {
		t.Errorf("\"ip r 1.2.3.4\": %v ran %q", o.Status, ran)
	}
	if o := e.Exec(st, "zzz text", &out, 0); o.Status != StatusOK || ran != "WORD$free text" {
		t.Errorf("\"zzz text\": %v ran %q", o.Status, ran)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
