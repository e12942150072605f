package engine

import (
	"slices"
	"strings"
)

// binding is a persistent list of the arguments collected along a path.
type binding struct {
	name string
	val  any
	kw   bool
	prev *binding
}

// path is one live way through one command variant.
type path struct {
	at    *gnode // last token node matched (or the variant root)
	used  uint64 // any-order members already taken
	b     *binding
	v     *variant
	score int
}

type pathKey struct {
	v    *variant
	at   *gnode
	used uint64
	pos  int
}

type visitKey struct {
	n    *gnode
	used uint64
}

// closure calls tok for every token node reachable from p through
// junctions, and acc when the end of the command is reachable.
func closure(p path, tok func(n *gnode, used uint64), acc func(used uint64)) {
	seen := map[visitKey]bool{}
	var visit func(n *gnode, used uint64)
	visit = func(n *gnode, used uint64) {
		if n.bit >= 0 {
			if used&(1<<uint(n.bit)) != 0 {
				return
			}
			used |= 1 << uint(n.bit)
		}
		k := visitKey{n, used}
		if seen[k] {
			return
		}
		seen[k] = true
		if n.tok != nil {
			tok(n, used)
			return
		}
		if n.accept && acc != nil {
			acc(used)
		}
		for _, m := range n.next {
			visit(m, used)
		}
	}
	for _, m := range p.at.next {
		visit(m, p.used)
	}
}

// Status is the result of matching a line.
type Status uint8

// Match results, in the spirit of FRR's command_match.c.
const (
	StatusOK         Status = iota // a command matched and ran
	StatusEmpty                    // blank line
	StatusIncomplete               // a command could continue but cannot end here
	StatusAmbiguous                // a word abbreviates several keywords
	StatusInvalid                  // a word matches nothing (caret error)
	StatusUnknown                  // EXEC: the first word is no command at all
	StatusFailed                   // the handler rejected the line
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusEmpty:
		return "empty"
	case StatusIncomplete:
		return "incomplete"
	case StatusAmbiguous:
		return "ambiguous"
	case StatusInvalid:
		return "invalid"
	case StatusUnknown:
		return "unknown"
	case StatusFailed:
		return "failed"
	}
	return "Status(?)"
}

// sim is a run of the matcher over the words of an input.
type sim struct {
	e       *Engine
	in      input
	agenda  [][]path
	done    []path // paths that consumed every word and can end
	ambPos  int    // first word that was ambiguous, -1 if none
	failPos int    // furthest word no live path could take, -1 if none
	pending bool   // the last word starts a multi-word parameter
	upto    int    // words matched
}

// simulate matches the first upto words of in against vs.
func (e *Engine) simulate(vs []*variant, in input, upto int) *sim {
	s := &sim{e: e, in: in, agenda: make([][]path, upto+1), ambPos: -1, failPos: -1, upto: upto}
	filter := upto > 0 && !e.fullWalk.Load()
	for _, v := range vs {
		// A variant that cannot take the first word adds nothing to any
		// verdict: no candidate, no pending word, no help.
		if filter && !v.mayStart(in.toks[0]) {
			continue
		}
		s.agenda[0] = append(s.agenda[0], path{at: v.root, v: v})
	}
	type cand struct {
		p    path
		n    *gnode
		used uint64
		m    match
	}
	seen := map[pathKey]bool{}
	for pos := 0; pos <= upto; pos++ {
		ps := s.agenda[pos]
		if len(ps) == 0 {
			continue
		}
		if pos == upto {
			if upto == len(in.toks) {
				for _, p := range ps {
					closure(p, func(*gnode, uint64) {}, func(used uint64) {
						q := p
						q.used = used
						s.done = append(s.done, q)
					})
				}
			}
			break
		}
		var cands []cand
		best := strengthNone
		for _, p := range ps {
			closure(p, func(n *gnode, used uint64) {
				for _, m := range n.tok.matchAt(e, in, pos) {
					if pos+m.n > upto {
						continue
					}
					cands = append(cands, cand{p, n, used, m})
					best = max(best, m.str)
				}
			}, nil)
		}
		if len(cands) == 0 {
			s.failPos = max(s.failPos, pos)
			if pos == len(in.toks)-1 && pos < upto {
				// "interface gi": an interface type still waiting for
				// its number is incomplete, not invalid.
				for _, p := range ps {
					closure(p, func(n *gnode, _ uint64) {
						if n.tok.kind == kindInterface {
							if _, ok := e.ifaces.LookupType(in.toks[pos]); ok {
								s.pending = true
							}
						}
					}, nil)
				}
			}
			continue
		}
		keep := ""
		if best == strengthPartial {
			// Distinct keywords abbreviated by this word: visible ones
			// decide; hidden ones only when no visible one fits.
			var visible, hidden []string
			for _, c := range cands {
				if c.m.str != best {
					continue
				}
				if c.p.v.cmd.Hidden {
					hidden = appendUnique(hidden, c.n.tok.text)
				} else {
					visible = appendUnique(visible, c.n.tok.text)
				}
			}
			switch {
			case len(visible) == 1:
				keep = visible[0]
			case len(visible) == 0 && len(hidden) == 1:
				keep = hidden[0]
			default:
				if s.ambPos < 0 {
					s.ambPos = pos
				}
				continue
			}
		}
		for _, c := range cands {
			if c.m.str != best || (keep != "" && c.n.tok.text != keep) {
				continue
			}
			b := c.p.b
			t := c.n.tok
			if t.kind == kindKeyword {
				b = &binding{name: t.text, kw: true, prev: b}
				if t.group != "" {
					b = &binding{name: t.group, val: t.text, prev: b}
				}
			} else {
				b = &binding{name: t.name, val: c.m.value, prev: b}
			}
			np := path{at: c.n, used: c.used, b: b, v: c.p.v, score: c.p.score + int(best)}
			// Two routes to the same place of the same command are one
			// path: this bounds the work by words x graph nodes.
			k := pathKey{np.v, np.at, np.used, pos + c.m.n}
			if seen[k] {
				continue
			}
			seen[k] = true
			s.agenda[pos+c.m.n] = append(s.agenda[pos+c.m.n], np)
		}
	}
	return s
}

func appendUnique(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}

// parsed is the verdict on a whole input.
type parsed struct {
	status Status
	pos    int // word of an invalid or ambiguous error
	v      *variant
	args   Args
}

// progress orders failed verdicts: the one that got further explains the
// error better (used across a sub-mode and its parents).
func (p parsed) progress(n int) int {
	switch p.status {
	case StatusOK:
		return n + 2
	case StatusIncomplete:
		return n + 1
	}
	return p.pos
}

func (s *sim) verdict() parsed {
	if len(s.done) > 0 {
		best := s.done[0]
		for _, p := range s.done[1:] {
			if p.score > best.score || (p.score == best.score && p.v.order < best.v.order) {
				best = p
			}
		}
		return parsed{status: StatusOK, v: best.v, args: best.args()}
	}
	if s.ambPos >= 0 {
		return parsed{status: StatusAmbiguous, pos: s.ambPos}
	}
	if len(s.agenda[s.upto]) > 0 || s.pending {
		return parsed{status: StatusIncomplete}
	}
	return parsed{status: StatusInvalid, pos: max(s.failPos, 0)}
}

func (p path) args() Args {
	a := Args{vals: map[string]any{}, kws: map[string]bool{}}
	// Walk from the newest binding; the first value of a name wins, so
	// that a later repeat in the input overrides an earlier one.
	for b := p.b; b != nil; b = b.prev {
		if b.kw {
			a.kws[b.name] = true
			continue
		}
		if _, ok := a.vals[b.name]; !ok {
			a.vals[b.name] = b.val
		}
	}
	return a
}

// visible returns the variants of m that a session at level may use.
func visible(m *Mode, level int) []*variant {
	out := make([]*variant, 0, len(m.variants))
	for _, v := range m.variants {
		if v.level <= level {
			out = append(out, v)
		}
	}
	return out
}

// isDo reports whether the first word of in selects the built-in `do`.
func (e *Engine) isDo(m *Mode, level int, in input) bool {
	if !m.config || len(in.toks) == 0 {
		return false
	}
	// Most lines are no `do`: when no `do` variant can take the first
	// word, the answer is no without matching the mode's other commands.
	if !e.fullWalk.Load() && !slices.ContainsFunc(m.variants, func(v *variant) bool { return v.kind == builtinDo && v.mayStart(in.toks[0]) }) {
		return false
	}
	s := e.simulate(visible(m, level), input{line: in.line, toks: in.toks[:1], offs: in.offs[:1]}, 1)
	ps := s.agenda[1]
	if len(ps) == 0 {
		return false
	}
	for _, p := range ps {
		if p.v.kind != builtinDo {
			return false
		}
	}
	return true
}

// pipeSplit returns the index of the first standalone "|" word, or -1.
func pipeSplit(in input) int {
	return slices.Index(in.toks, "|")
}

// modeChain returns m and the config modes it falls back to.
func modeChain(m *Mode) []*Mode {
	chain := []*Mode{m}
	for p := m.Parent; p != nil && p.config && m.config; p = p.Parent {
		chain = append(chain, p)
	}
	return chain
}

// parseChain parses in within the first mode of chain that accepts it, or
// returns the most telling failure. The returned index says which mode.
func (e *Engine) parseChain(chain []*Mode, level int, in input) (parsed, int) {
	var best parsed
	bestAt := -1
	for i, m := range chain {
		p := e.simulate(visible(m, level), in, len(in.toks)).verdict()
		if p.status == StatusOK {
			return p, i
		}
		if bestAt < 0 || p.progress(len(in.toks)) > best.progress(len(in.toks)) {
			best, bestAt = p, i
		}
	}
	return best, bestAt
}

// knownFirstWord reports whether the first word of in abbreviates a command
// of m at any privilege level.
func (e *Engine) knownFirstWord(m *Mode, in input) bool {
	s := e.simulate(m.variants, input{line: in.line, toks: in.toks[:1], offs: in.offs[:1]}, 1)
	return len(s.agenda[1]) > 0 || s.ambPos >= 0
}

// ambiguousText is what IOS quotes: the line up to the ambiguous word.
func ambiguousText(in input, pos int) string {
	return strings.TrimLeft(in.line[:in.offs[pos]+len(in.toks[pos])], " \t")
}
