package term

import (
	"errors"
	"strings"

	"github.com/l2sw/l2sw/cli/engine"
)

// BatchOptions configure RunBatch.
type BatchOptions struct {
	// Level is the starting privilege level; 0 means privileged EXEC, as
	// `l2sw exec` starts, and engine.LevelZero privilege level 0.
	Level int
	// Echo prints each prompt and line before its output, as a terminal
	// transcript. Without it only the output is printed, and a caret error
	// shows the line above the caret.
	Echo bool
	// Values are copied into the session's engine.State.Values (who runs
	// the batch and from where, for the command set).
	Values map[string]any
}

// BatchResult is the outcome of RunBatch.
type BatchResult struct {
	Output   string // "\n" line ends
	Rejected bool   // some line was refused (the exit status of `l2sw exec`)
	Outcomes []engine.Outcome
}

// RunBatch runs lines one after the other in a fresh session, stopping early
// if one of them ends the session (exit). A line that a handler reads as a
// secret (enable's password) is consumed from lines, not run.
func RunBatch(e *engine.Engine, lines []string, opts BatchOptions) BatchResult {
	level := opts.Level
	switch level {
	case 0:
		level = engine.LevelPrivileged
	case engine.LevelZero:
		level = 0
	}
	st := e.NewState(level)
	for k, v := range opts.Values {
		st.Values[k] = v
	}
	st.SetLength(0)
	var out strings.Builder
	bt := &batchTerm{out: &out}
	st.Term = bt
	var res BatchResult
	for len(lines) > 0 && !st.Closed() {
		line := lines[0]
		lines = lines[1:]
		bt.rest = &lines
		width := -1
		if opts.Echo {
			p := e.Prompt(st)
			out.WriteString(p + line + "\n")
			width = len(p)
		}
		var o engine.Outcome
		if i := strings.IndexByte(line, '?'); i >= 0 {
			// "?" asks for help wherever it is typed, as on a console: what
			// follows it on the line is not read.
			o = e.Help(st, line[:i], &out, width)
		} else {
			o = e.Exec(st, line, &out, width)
		}
		res.Outcomes = append(res.Outcomes, o)
		res.Rejected = res.Rejected || o.Rejected()
	}
	res.Output = out.String()
	return res
}

// batchTerm answers secret prompts from the remaining batch lines.
type batchTerm struct {
	out  *strings.Builder
	rest *[]string
}

var errNoInput = errors.New("term: no more batch input")

func (b *batchTerm) ReadSecret(prompt string) (string, error) {
	b.out.WriteString(prompt + "\n")
	if b.rest == nil || len(*b.rest) == 0 {
		return "", errNoInput
	}
	s := (*b.rest)[0]
	*b.rest = (*b.rest)[1:]
	return s, nil
}
