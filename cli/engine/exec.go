package engine

import (
	"bytes"
	"errors"
	"io"
	"strings"
)

// Outcome says what became of one line.
type Outcome struct {
	Status Status
	// Pos is the byte offset in the line of the offending word for
	// StatusInvalid and StatusAmbiguous.
	Pos int
}

// Rejected reports whether the line was refused (the non-zero exit status
// of `l2sw exec`).
func (o Outcome) Rejected() bool { return o.Status != StatusOK && o.Status != StatusEmpty }

// plan is a parsed line ready to run.
type plan struct {
	st      *State
	v       *variant
	args    Args
	frame   Frame // mode + context the command runs in
	popTo   *Mode // parent-mode fallback: leave the sub-mode first
	filters []filter
}

// Exec parses and runs one line in st's current mode and writes everything
// IOS would print for it to out, with "\n" line ends, without the echo of
// the line itself and without the next prompt.
//
// promptWidth is the width of the prompt the line was typed after: the
// caret of "% Invalid input" is indented by it. A negative promptWidth means
// no echo precedes the output: the line is then printed above the caret.
func (e *Engine) Exec(st *State, line string, out io.Writer, promptWidth int) Outcome {
	in := tokenize(line)
	if len(in.toks) == 0 {
		return Outcome{Status: StatusEmpty}
	}
	from := st.Mode()
	e.mu.RLock()
	pl, o := e.plan(st, in)
	e.mu.RUnlock()
	if o.Status != StatusOK {
		e.writeError(out, in, o, promptWidth)
		return o
	}
	o = e.run(pl, out)
	if to := st.Mode(); to != from && e.opts.ModeChanged != nil {
		e.opts.ModeChanged(st, from, to)
	}
	return o
}

// plan resolves a line to a command (do, pipes, parent fallback included).
func (e *Engine) plan(st *State, in input) (*plan, Outcome) {
	frame := st.Frame()
	mode, level := frame.Mode, st.level
	if e.isDo(mode, level, in) {
		if len(in.toks) == 1 {
			return nil, Outcome{Status: StatusIncomplete}
		}
		in = in.slice(1, len(in.toks))
		frame, mode, level = Frame{Mode: e.exec}, e.exec, LevelPrivileged
	}
	cmdIn := in
	var pipeIns []input
	if mode.exec {
		if i := pipeSplit(in); i >= 0 {
			cmdIn = in.slice(0, i)
			rest := in.slice(i+1, len(in.toks))
			for {
				j := pipeSplit(rest)
				if j < 0 {
					pipeIns = append(pipeIns, rest)
					break
				}
				pipeIns = append(pipeIns, rest.slice(0, j))
				rest = rest.slice(j+1, len(rest.toks))
			}
		}
		if len(cmdIn.toks) == 0 {
			return nil, Outcome{Status: StatusInvalid, Pos: in.offs[0]}
		}
	}
	chain := modeChain(mode)
	p, at := e.parseChain(chain, level, cmdIn)
	switch p.status {
	case StatusOK:
	case StatusInvalid:
		if mode.exec && p.pos == 0 && !e.knownFirstWord(mode, cmdIn) {
			return nil, Outcome{Status: StatusUnknown}
		}
		return nil, Outcome{Status: StatusInvalid, Pos: cmdIn.offs[p.pos]}
	case StatusAmbiguous:
		return nil, Outcome{Status: StatusAmbiguous, Pos: cmdIn.offs[p.pos]}
	default:
		return nil, Outcome{Status: p.status}
	}
	pl := &plan{st: st, v: p.v, args: p.args, frame: frame}
	if at > 0 {
		pl.popTo = chain[at]
		pl.frame = Frame{Mode: chain[at]}
		for _, f := range st.stack {
			if f.Mode == chain[at] {
				pl.frame = f
			}
		}
	}
	for _, pin := range pipeIns {
		if len(pin.toks) == 0 {
			// "show x |" : IOS reports the missing pipe keyword.
			return nil, Outcome{Status: StatusIncomplete}
		}
		pp := e.simulate(e.pipe.variants, pin, len(pin.toks)).verdict()
		switch pp.status {
		case StatusOK:
		case StatusInvalid, StatusAmbiguous:
			return nil, Outcome{Status: pp.status, Pos: pin.offs[pp.pos]}
		default:
			return nil, Outcome{Status: pp.status}
		}
		f, err := newFilter(pp.v.cmd.Syntax, pp.args.String("line"))
		if err != nil {
			return nil, Outcome{Status: StatusInvalid, Pos: pin.offs[len(pin.toks)-1]}
		}
		pl.filters = append(pl.filters, f)
	}
	return pl, Outcome{Status: StatusOK}
}

// run executes a plan.
func (e *Engine) run(pl *plan, out io.Writer) Outcome {
	st, v := pl.st, pl.v
	if pl.popTo != nil {
		st.popTo(pl.popTo)
	}
	switch v.kind {
	case builtinExit:
		st.exitMode()
		return Outcome{Status: StatusOK}
	case builtinEnd:
		st.end()
		return Outcome{Status: StatusOK}
	}
	var buf bytes.Buffer
	c := &Ctx{Engine: e, State: st, Out: &buf, Form: v.form, Frame: pl.frame, buf: &buf}
	var err error
	if v.cmd.Run != nil {
		if pl.frame.Mode.config {
			e.configMu.Lock()
		}
		err = v.cmd.Run(c, pl.args)
		if pl.frame.Mode.config {
			e.configMu.Unlock()
		}
	}
	if err != nil {
		if msg := err.Error(); msg != "" || !errors.Is(err, ErrRejected) {
			buf.WriteString(strings.TrimSuffix(msg, "\n"))
			buf.WriteByte('\n')
		}
	} else if c.entered {
		if c.enter != nil && c.enter.Mode != nil {
			st.enter(c.enter.Mode, c.enter.Context)
		}
	} else if v.form == FormPlain && v.cmd.Enters != nil {
		var ctx any
		if v.cmd.ContextArg != "" {
			ctx = pl.args.Value(v.cmd.ContextArg)
		}
		st.enter(v.cmd.Enters, ctx)
	}
	if len(pl.filters) > 0 {
		applyFilters(pl.filters, buf.Bytes(), out)
	} else {
		out.Write(buf.Bytes())
	}
	if err != nil {
		return Outcome{Status: StatusFailed}
	}
	return Outcome{Status: StatusOK}
}

// writeError prints a parse error the IOS way.
func (e *Engine) writeError(out io.Writer, in input, o Outcome, promptWidth int) {
	var b strings.Builder
	switch o.Status {
	case StatusInvalid:
		indent := promptWidth + o.Pos
		if promptWidth < 0 {
			b.WriteString(in.line)
			b.WriteByte('\n')
			indent = o.Pos
		}
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString("^\n% Invalid input detected at '^' marker.\n\n")
	case StatusAmbiguous:
		pos := 0
		for i, off := range in.offs {
			if off == o.Pos {
				pos = i
			}
		}
		b.WriteString("% Ambiguous command:  \"" + ambiguousText(in, pos) + "\"\n")
	case StatusIncomplete:
		b.WriteString("% Incomplete command.\n\n")
	case StatusUnknown:
		b.WriteString("% Unknown command or computer name, or unable to find computer address\n")
	}
	io.WriteString(out, b.String())
}
