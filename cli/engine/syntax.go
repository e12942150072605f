package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrSyntax is wrapped by errors in a command's declared syntax string.
var ErrSyntax = errors.New("bad command syntax")

// gnode is a node of a compiled command graph. Token nodes consume words;
// the others are junctions. A junction with bit >= 0 guards one member of an
// any-order set: it may be passed once per path.
type gnode struct {
	tok    *token
	next   []*gnode
	accept bool
	bit    int
}

// synElem is one element of a parsed syntax string.
type synElem struct {
	tok      *token
	alts     [][]synElem
	optional bool
	set      bool
}

// syntaxParser parses a syntax string into elements.
type syntaxParser struct {
	atoms []string
	pos   int
	help  func(key string) string
}

func lexSyntax(s string) []string {
	var out []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '[' || c == ']' || c == '{' || c == '}' || c == '|':
			flush()
			out = append(out, string(c))
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// parseSyntax parses a whole syntax string. help maps a keyword, a parameter
// label or "$name" to its help text.
func parseSyntax(s string, help func(string) string) ([]synElem, error) {
	p := &syntaxParser{atoms: lexSyntax(s), help: help}
	seq, err := p.seq()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.atoms) {
		return nil, fmt.Errorf("%w: unexpected %q in %q", ErrSyntax, p.atoms[p.pos], s)
	}
	if len(seq) == 0 {
		return nil, fmt.Errorf("%w: empty syntax", ErrSyntax)
	}
	return seq, nil
}

func (p *syntaxParser) peek() string {
	if p.pos < len(p.atoms) {
		return p.atoms[p.pos]
	}
	return ""
}

func (p *syntaxParser) seq() ([]synElem, error) {
	var out []synElem
	lastKeyword := ""
	for p.pos < len(p.atoms) {
		a := p.peek()
		switch a {
		case "]", "}", "|":
			return out, nil
		case "[", "{":
			el, err := p.group()
			if err != nil {
				return nil, err
			}
			out = append(out, el)
			lastKeyword = ""
		default:
			p.pos++
			t, err := p.leaf(a, lastKeyword)
			if err != nil {
				return nil, err
			}
			if t.kind == kindKeyword {
				lastKeyword = t.text
			} else {
				lastKeyword = ""
			}
			out = append(out, synElem{tok: t})
		}
	}
	return out, nil
}

// group parses [..], {..} and the any-order set [{..}], and an optional
// $name after the closing bracket.
func (p *syntaxParser) group() (synElem, error) {
	open := p.peek()
	p.pos++
	set := false
	if open == "[" && p.peek() == "{" {
		set = true
		p.pos++
	}
	closeWith := map[string]string{"[": "]", "{": "}"}[open]
	var el synElem
	el.optional = open == "["
	el.set = set
	for {
		alt, err := p.seq()
		if err != nil {
			return el, err
		}
		if len(alt) > 0 {
			el.alts = append(el.alts, alt)
		}
		switch p.peek() {
		case "|":
			p.pos++
			continue
		case "}":
			if set {
				p.pos++
				if p.peek() != "]" {
					return el, fmt.Errorf("%w: [{ closed without }]", ErrSyntax)
				}
				p.pos++
				return el, p.groupName(&el)
			}
		}
		if p.peek() != closeWith {
			return el, fmt.Errorf("%w: %q not closed", ErrSyntax, open)
		}
		p.pos++
		if len(el.alts) == 0 {
			return el, fmt.Errorf("%w: empty group", ErrSyntax)
		}
		return el, p.groupName(&el)
	}
}

// groupName applies a `$name` atom glued after a group: the chosen keyword
// of each alternative becomes the value of that argument.
func (p *syntaxParser) groupName(el *synElem) error {
	a := p.peek()
	if !strings.HasPrefix(a, "$") {
		return nil
	}
	p.pos++
	name := a[1:]
	if name == "" {
		return fmt.Errorf("%w: empty $name", ErrSyntax)
	}
	for _, alt := range el.alts {
		if alt[0].tok != nil && alt[0].tok.kind == kindKeyword {
			alt[0].tok.group = name
		}
	}
	return nil
}

func (p *syntaxParser) leaf(a, lastKeyword string) (*token, error) {
	label, name, _ := strings.Cut(a, "$")
	if label == "" {
		return nil, fmt.Errorf("%w: bare $ in %q", ErrSyntax, a)
	}
	t := &token{text: label}
	defName := ""
	switch {
	case strings.HasPrefix(label, "<") && strings.HasSuffix(label, ">"):
		t.kind = kindRange
		rs, err := parseRanges(label[1 : len(label)-1])
		if err != nil {
			return nil, err
		}
		t.ranges = rs
		defName = "number"
	case label == "WORD":
		t.kind, defName = kindWord, "word"
	case label == "LINE":
		t.kind, defName = kindLine, "line"
	case label == "MAC" || label == "H.H.H":
		t.kind, t.text, defName = kindMAC, "H.H.H", "mac"
	case label == "A.B.C.D":
		t.kind, defName = kindIPv4, "ipv4"
	case label == "VLANLIST":
		t.kind, t.text, defName = kindVLANList, "WORD", "vlanlist"
		t.ranges = []NumRange{{Lo: 1, Hi: 4094}}
	case label == "IFNAME":
		t.kind, defName = kindInterface, "interface"
	case label == "IFRANGE":
		t.kind, defName = kindInterfaceRange, "range"
	default:
		if name != "" {
			return nil, fmt.Errorf("%w: keyword %q cannot be named", ErrSyntax, label)
		}
		if strings.ContainsAny(label, "<>$") {
			return nil, fmt.Errorf("%w: bad keyword %q", ErrSyntax, label)
		}
		t.kind = kindKeyword
		t.name = label
		t.help = p.help(label)
		return t, nil
	}
	switch {
	case name != "":
		t.name = name
	case lastKeyword != "":
		t.name = lastKeyword
	default:
		t.name = defName
	}
	if h := p.help("$" + t.name); h != "" {
		t.help = h
	} else if h := p.help(label); h != "" {
		t.help = h
	} else {
		t.help = p.help(t.text)
	}
	return t, nil
}

// parseRanges parses "1-4094" or "0,10-1000000".
func parseRanges(s string) ([]NumRange, error) {
	var out []NumRange
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseInt(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: range <%s>: %v", ErrSyntax, s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseInt(hi, 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("%w: range <%s>", ErrSyntax, s)
			}
		}
		out = append(out, NumRange{Lo: a, Hi: b})
	}
	return out, nil
}

// compiler turns elements into a graph.
type compiler struct{ bits int }

// compile returns the entry and exit junctions of seq.
func (c *compiler) compile(seq []synElem) (entry, exit *gnode, err error) {
	entry = &gnode{bit: -1}
	cur := entry
	for _, el := range seq {
		if el.tok != nil {
			n := &gnode{tok: el.tok, bit: -1}
			cur.next = append(cur.next, n)
			cur = n
			continue
		}
		in := &gnode{bit: -1}
		out := &gnode{bit: -1}
		cur.next = append(cur.next, in)
		if el.set {
			// in is the hub: every member returns to it, each member once.
			in.next = append(in.next, out)
			for _, alt := range el.alts {
				if c.bits >= 64 {
					return nil, nil, fmt.Errorf("%w: more than 64 any-order members", ErrSyntax)
				}
				guard := &gnode{bit: c.bits}
				c.bits++
				ae, ax, err := c.compile(alt)
				if err != nil {
					return nil, nil, err
				}
				in.next = append(in.next, guard)
				guard.next = append(guard.next, ae)
				ax.next = append(ax.next, in)
			}
		} else {
			for _, alt := range el.alts {
				ae, ax, err := c.compile(alt)
				if err != nil {
					return nil, nil, err
				}
				in.next = append(in.next, ae)
				ax.next = append(ax.next, out)
			}
			if el.optional {
				in.next = append(in.next, out)
			}
		}
		cur = out
	}
	return entry, cur, nil
}

// checkLastOnly rejects LINE and IFRANGE anywhere but at the end of a
// command: they swallow the rest of the line.
func checkLastOnly(root *gnode) error {
	seen := map[*gnode]bool{}
	var walk func(n *gnode) error
	walk = func(n *gnode) error {
		if seen[n] {
			return nil
		}
		seen[n] = true
		if n.tok != nil && (n.tok.kind == kindLine || n.tok.kind == kindInterfaceRange) {
			if reachesToken(n, map[*gnode]bool{}) {
				return fmt.Errorf("%w: %s must end the command", ErrSyntax, n.tok.text)
			}
		}
		for _, m := range n.next {
			if err := walk(m); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// reachesToken reports whether a token node follows n through junctions.
func reachesToken(n *gnode, seen map[*gnode]bool) bool {
	for _, m := range n.next {
		if seen[m] {
			continue
		}
		seen[m] = true
		if m.tok != nil || reachesToken(m, seen) {
			return true
		}
	}
	return false
}
