package engine

import (
	"github.com/l2sw/l2sw/ifname"
	"net/netip"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/vlanset"
)

// tokenKind is the type of one node of a command graph.
type tokenKind uint8

const (
	kindKeyword tokenKind = iota
	kindRange
	kindWord
	kindLine
	kindMAC
	kindIPv4
	kindVLANList
	kindInterface
	kindInterfaceRange
)

func (k tokenKind) String() string {
	switch k {
	case kindKeyword:
		return "keyword"
	case kindRange:
		return "range"
	case kindWord:
		return "WORD"
	case kindLine:
		return "LINE"
	case kindMAC:
		return "MAC"
	case kindIPv4:
		return "A.B.C.D"
	case kindVLANList:
		return "VLANLIST"
	case kindInterface:
		return "IFNAME"
	case kindInterfaceRange:
		return "IFRANGE"
	}
	return "tokenKind(" + strconv.Itoa(int(k)) + ")"
}

// strength ranks how well one input word matches one token. At every word
// position only the candidates of the best strength survive, which is how a
// keyword beats a WORD and an exact keyword beats a longer one (`ip` vs `ipv6`).
type strength uint8

const (
	strengthNone    strength = iota
	strengthAny              // WORD, LINE: accept anything
	strengthTyped            // number, address, interface ...
	strengthPartial          // keyword prefix
	strengthExact            // keyword spelled out
)

func (s strength) String() string {
	switch s {
	case strengthNone:
		return "none"
	case strengthAny:
		return "any"
	case strengthTyped:
		return "typed"
	case strengthPartial:
		return "partial"
	case strengthExact:
		return "exact"
	}
	return "strength(" + strconv.Itoa(int(s)) + ")"
}

// NumRange is an inclusive range of integers.
// NumRange is an inclusive range of numbers (<1-4094>).
type NumRange = ifname.Range

// token is one leaf of a command's syntax.
type token struct {
	kind   tokenKind
	text   string // keyword text (lower case as declared) or the parameter label
	name   string // argument name
	group  string // for keywords of a named {a|b}$name group
	help   string
	ranges []NumRange
}

// label is what `?` shows for the token.
func (t *token) label() string { return t.text }

// match is one way a token consumes input words starting at a position.
type match struct {
	n     int // words consumed
	value any
	str   strength
}

// input is a tokenised command line; offs are byte offsets into line.
type input struct {
	line string
	toks []string
	offs []int
}

func tokenize(line string) input {
	in := input{line: line}
	i := 0
	for i < len(line) {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			break
		}
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		in.toks = append(in.toks, line[i:j])
		in.offs = append(in.offs, i)
		i = j
	}
	return in
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// slice returns the words [from, to) with the same line and offsets.
func (in input) slice(from, to int) input {
	return input{line: in.line, toks: in.toks[from:to], offs: in.offs[from:to]}
}

// rest returns the raw text from word i to the end of the last word.
func (in input) rest(i int) string {
	last := len(in.toks) - 1
	return in.line[in.offs[i] : in.offs[last]+len(in.toks[last])]
}

// matchAt returns the ways t consumes in.toks[pos:]; e supplies interface types.
func (t *token) matchAt(e *Engine, in input, pos int) []match {
	w := in.toks[pos]
	switch t.kind {
	case kindKeyword:
		if len(w) > len(t.text) {
			return nil
		}
		if strings.EqualFold(w, t.text) {
			return []match{{n: 1, value: t.text, str: strengthExact}}
		}
		if strings.EqualFold(w, t.text[:len(w)]) {
			return []match{{n: 1, value: t.text, str: strengthPartial}}
		}
	case kindRange:
		if v, ok := parseNumber(w, t.ranges); ok {
			return []match{{n: 1, value: v, str: strengthTyped}}
		}
	case kindWord:
		return []match{{n: 1, value: w, str: strengthAny}}
	case kindLine:
		return []match{{n: len(in.toks) - pos, value: in.rest(pos), str: strengthAny}}
	case kindMAC:
		if m, err := packet.ParseDottedMAC(w); err == nil {
			return []match{{n: 1, value: m, str: strengthTyped}}
		}
	case kindIPv4:
		if a, err := netip.ParseAddr(w); err == nil && a.Is4() {
			return []match{{n: 1, value: a, str: strengthTyped}}
		}
	case kindVLANList:
		if l, ok := parseVLANList(w); ok {
			return []match{{n: 1, value: l, str: strengthTyped}}
		}
	case kindInterface:
		if name, err := e.ifaces.Parse(w); err == nil {
			return []match{{n: 1, value: name, str: strengthTyped}}
		}
		if pos+1 < len(in.toks) {
			if name, err := e.ifaces.ParseSplit(w, in.toks[pos+1]); err == nil {
				return []match{{n: 2, value: name, str: strengthTyped}}
			}
		}
	case kindInterfaceRange:
		if l, err := e.ifaces.ParseRange(in.rest(pos)); err == nil {
			return []match{{n: len(in.toks) - pos, value: l, str: strengthTyped}}
		}
	}
	return nil
}

// helpItem is one row of `?` output.
type helpItem struct{ label, help string }

// nextHelp lists what `?` shows when t is the next token to type.
func (t *token) nextHelp(e *Engine) []helpItem {
	if t.kind == kindInterface || t.kind == kindInterfaceRange {
		var out []helpItem
		for _, it := range e.ifaces.Types() {
			out = append(out, helpItem{it.Name, it.Help})
		}
		return out
	}
	return []helpItem{{t.label(), t.help}}
}

// pendingHelp lists what `?` shows when words in.toks[pos:] were typed into t
// but t needs more (a multi-word parameter cut short, or LINE that goes on).
func (t *token) pendingHelp(e *Engine, in input, pos int) []helpItem {
	switch t.kind {
	case kindLine:
		return []helpItem{{t.label(), t.help}}
	case kindInterface:
		if pos == len(in.toks)-1 {
			if it, ok := e.ifaces.LookupType(in.toks[pos]); ok {
				return []helpItem{{firstRangeLabel(it), it.Name + " interface number"}}
			}
		}
	case kindInterfaceRange:
		return []helpItem{{"-", "hyphen"}, {",", "comma"}, {"<cr>", ""}}
	}
	return nil
}

// completions lists what the partial word w can still become for t: full
// keywords, canonical interface names, or the parameter label when w is a
// plausible start of a value.
func (t *token) completions(e *Engine, w string) (items []helpItem, words []string) {
	switch t.kind {
	case kindKeyword:
		if len(w) <= len(t.text) && strings.EqualFold(w, t.text[:len(w)]) {
			return []helpItem{{t.text, t.help}}, []string{t.text}
		}
		return nil, nil
	case kindInterface, kindInterfaceRange:
		if name, err := e.ifaces.Parse(w); err == nil {
			return []helpItem{{name, ""}}, []string{name}
		}
		for _, it := range e.ifaces.Types() {
			if len(w) <= len(it.Name) && strings.EqualFold(w, it.Name[:len(w)]) {
				items = append(items, helpItem{it.Name, it.Help})
				words = append(words, it.Name)
			}
		}
		return items, words
	case kindWord, kindLine:
		return []helpItem{{t.label(), t.help}}, nil
	case kindRange:
		if w == "" || allDigits(w) {
			return []helpItem{{t.label(), t.help}}, nil
		}
	case kindMAC:
		if strings.Trim(strings.ToLower(w), "0123456789abcdef.") == "" {
			return []helpItem{{t.label(), t.help}}, nil
		}
	case kindIPv4:
		if strings.Trim(w, "0123456789.") == "" {
			return []helpItem{{t.label(), t.help}}, nil
		}
	case kindVLANList:
		if strings.Trim(w, "0123456789,-") == "" {
			return []helpItem{{t.label(), t.help}}, nil
		}
	}
	return nil, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parseNumber(w string, ranges []NumRange) (int64, bool) {
	if !allDigits(w) || len(w) > 18 {
		return 0, false
	}
	v, err := strconv.ParseInt(w, 10, 64)
	if err != nil {
		return 0, false
	}
	for _, r := range ranges {
		if r.Has(v) {
			return v, true
		}
	}
	return 0, false
}

// parseVLANList parses `1,3-5,10` into the sorted, de-duplicated list.
// The VLANLIST token's range is always 1-4094, the vlanset leaf's.
func parseVLANList(w string) ([]int, bool) {
	s, ok := vlanset.ParseWord(w)
	if !ok {
		return nil, false
	}
	return s.IDs(), true
}
