package engine

import (
	"io"
	"slices"
	"strings"
)

// helpScope is the part of a line `?` and TAB work on: the words of one
// command (or one pipe modifier) and the variants they are matched against.
type helpScope struct {
	in     input
	chains [][]*variant // current mode first, then parent fallbacks
	pipes  bool         // "|" may follow the command
}

// scope finds what a partial line is being typed into.
func (e *Engine) scope(st *State, line string) helpScope {
	in := tokenize(line)
	trailing := line == "" || isSpace(line[len(line)-1])
	mode, level := st.Mode(), st.level
	// "do" redirects only once a word follows it (or a space does).
	if (len(in.toks) > 1 || (len(in.toks) == 1 && trailing)) && e.isDo(mode, level, in) {
		in = in.slice(1, len(in.toks))
		mode, level = e.exec, LevelPrivileged
	}
	if mode.exec {
		last := len(in.toks)
		if !trailing {
			last-- // the word being typed may itself be "|"
		}
		for i := last - 1; i >= 0; i-- {
			if in.toks[i] == "|" {
				return helpScope{in: in.slice(i+1, len(in.toks)), chains: [][]*variant{e.pipe.variants}}
			}
		}
	}
	sc := helpScope{in: in, pipes: mode.exec}
	for _, m := range modeChain(mode) {
		sc.chains = append(sc.chains, visible(m, level))
	}
	return sc
}

// Help writes what IOS prints for `?` typed at the end of line (the echo of
// the line and "?" and the reprint after it are the terminal's business):
// the next words with help text when line ends in a space, else the words
// the last partial word can become. promptWidth places the caret of an
// error as in Exec. The outcome is StatusOK, or the error it printed
// (batch sessions count a refused "?" line as rejected).
func (e *Engine) Help(st *State, line string, out io.Writer, promptWidth int) Outcome {
	e.mu.RLock()
	defer e.mu.RUnlock()
	trailing := line == "" || isSpace(line[len(line)-1])
	sc := e.scope(st, line)
	n := len(sc.in.toks)
	upto := n
	if !trailing {
		upto = n - 1
	}
	var items []helpItem
	var words []helpItem
	var failed *sim
	cr := false
	for _, vs := range sc.chains {
		s := e.simulate(vs, sc.in, upto)
		found := false
		for _, p := range s.agenda[upto] {
			closure(p, func(nd *gnode, used uint64) {
				if p.v.cmd.Hidden {
					return
				}
				found = true
				if trailing {
					items = append(items, nd.tok.nextHelp(e)...)
				} else {
					it, _ := nd.tok.completions(e, sc.in.toks[n-1])
					words = append(words, it...)
				}
			}, func(uint64) {
				if trailing && !p.v.cmd.Hidden {
					found, cr = true, true
				}
			})
		}
		if trailing {
			for pos := 0; pos < upto; pos++ {
				for _, p := range s.agenda[pos] {
					closure(p, func(nd *gnode, used uint64) {
						if h := nd.tok.pendingHelp(e, sc.in, pos); len(h) > 0 && !p.v.cmd.Hidden {
							found = true
							items = append(items, h...)
						}
					}, nil)
				}
			}
		}
		if found || (!trailing && len(s.agenda[upto]) > 0) {
			failed = nil
			break
		}
		if failed == nil {
			failed = s
		}
	}
	var b strings.Builder
	o := Outcome{Status: StatusOK}
	switch {
	case failed != nil:
		v := failed.verdict()
		if v.status == StatusAmbiguous {
			o = Outcome{Status: StatusAmbiguous, Pos: sc.in.offs[min(v.pos, max(n-1, 0))]}
			b.WriteString("% Ambiguous command:  \"" + ambiguousText(sc.in, v.pos) + "\"\n")
		} else if n == 0 || (v.status == StatusInvalid && upto == 0) {
			o = Outcome{Status: StatusUnknown}
			b.WriteString("% Unrecognized command\n")
		} else {
			pos := sc.in.offs[min(v.pos, n-1)]
			o = Outcome{Status: StatusInvalid, Pos: pos}
			if promptWidth < 0 {
				// No echo precedes the output (a batch): show the line the
				// caret points into, as Exec does.
				b.WriteString(line + "?\n")
			}
			b.WriteString(strings.Repeat(" ", max(promptWidth, 0)+pos))
			b.WriteString("^\n% Invalid input detected at '^' marker.\n\n")
		}
	case trailing:
		if cr {
			if sc.pipes {
				items = append(items, helpItem{"|", "Output modifiers"})
			}
		}
		writeHelpColumns(&b, sortItems(items), cr, st.width)
		b.WriteByte('\n')
	default:
		words = sortItems(words)
		if len(words) == 0 {
			b.WriteString("% Unrecognized command\n")
			o = Outcome{Status: StatusUnknown}
			break
		}
		writeWordList(&b, words, st.width)
		b.WriteByte('\n')
	}
	io.WriteString(out, b.String())
	return o
}

// sortItems sorts by label in byte order (IOS: "<1-4094>", then upper case
// type names, then keywords, then "|") and drops duplicate labels.
func sortItems(items []helpItem) []helpItem {
	slices.SortStableFunc(items, func(a, b helpItem) int { return strings.Compare(a.label, b.label) })
	out := items[:0]
	for _, it := range items {
		if len(out) > 0 && out[len(out)-1].label == it.label {
			if out[len(out)-1].help == "" {
				out[len(out)-1].help = it.help
			}
			continue
		}
		if it.label == "<cr>" {
			continue
		}
		out = append(out, it)
	}
	return out
}

// writeHelpColumns writes "  label  help" rows, labels padded to the
// longest plus two, help wrapped at width under its own column.
func writeHelpColumns(b *strings.Builder, items []helpItem, cr bool, width int) {
	w := 0
	for _, it := range items {
		w = max(w, len(it.label))
	}
	col := 2 + w + 2
	for _, it := range items {
		if it.help == "" {
			b.WriteString("  " + it.label + "\n")
			continue
		}
		b.WriteString("  " + it.label + strings.Repeat(" ", col-2-len(it.label)))
		room := width - col
		if width <= 0 || room < 20 || len(it.help) <= room {
			b.WriteString(it.help + "\n")
			continue
		}
		lineLen := 0
		for i, word := range strings.Fields(it.help) {
			if i > 0 && lineLen+1+len(word) > room {
				b.WriteString("\n" + strings.Repeat(" ", col))
				lineLen = 0
			} else if i > 0 {
				b.WriteByte(' ')
				lineLen++
			}
			b.WriteString(word)
			lineLen += len(word)
		}
		b.WriteByte('\n')
	}
	if cr {
		b.WriteString("  <cr>\n")
	}
}

// writeWordList writes completions as IOS does for "sh?": each word
// followed by two spaces, wrapped at width.
func writeWordList(b *strings.Builder, items []helpItem, width int) {
	lineLen := 0
	for _, it := range items {
		if width > 0 && lineLen > 0 && lineLen+len(it.label)+2 > width {
			b.WriteByte('\n')
			lineLen = 0
		}
		b.WriteString(it.label + "  ")
		lineLen += len(it.label) + 2
	}
	b.WriteByte('\n')
}

// Complete returns line with its last, partial word completed (followed by
// a space) when exactly one keyword or interface name fits, as TAB does.
func (e *Engine) Complete(st *State, line string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if line == "" || isSpace(line[len(line)-1]) {
		return line, false
	}
	sc := e.scope(st, line)
	n := len(sc.in.toks)
	if n == 0 {
		return line, false
	}
	w := sc.in.toks[n-1]
	for _, vs := range sc.chains {
		s := e.simulate(vs, sc.in, n-1)
		var words []string
		exact := ""
		for _, p := range s.agenda[n-1] {
			closure(p, func(nd *gnode, used uint64) {
				if p.v.cmd.Hidden {
					return
				}
				_, ws := nd.tok.completions(e, w)
				for _, x := range ws {
					words = appendUnique(words, x)
					if strings.EqualFold(x, w) {
						exact = x
					}
				}
			}, nil)
		}
		if exact != "" {
			words = []string{exact}
		}
		if len(words) == 1 {
			return line[:sc.in.offs[n-1]] + words[0] + " ", true
		}
		if len(words) > 1 || len(s.agenda[n-1]) > 0 {
			return line, false
		}
	}
	return line, false
}
