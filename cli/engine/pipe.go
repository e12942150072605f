package engine

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// pipeCommands are the output modifiers after "|" in EXEC commands.
var pipeCommands = []Command{
	{Syntax: "begin LINE$line", Help: map[string]string{"begin": "Begin with the line that matches", "LINE": "Regular Expression"}},
	{Syntax: "count [LINE$line]", Help: map[string]string{"count": "Count number of lines which match regexp", "LINE": "Regular Expression"}},
	{Syntax: "exclude LINE$line", Help: map[string]string{"exclude": "Exclude lines that match", "LINE": "Regular Expression"}},
	{Syntax: "include LINE$line", Help: map[string]string{"include": "Include lines that match", "LINE": "Regular Expression"}},
	{Syntax: "section LINE$line", Help: map[string]string{"section": "Filter a section of output", "LINE": "Regular Expression"}},
}

// filter is one output modifier, fed line by line (without "\n").
type filter interface {
	line(s string) []string
	finish() []string
}

// iosRegexp compiles an IOS regular expression: Go RE2 syntax plus IOS's
// "_", which matches a delimiter (start, end, space, comma, braces, parens).
func iosRegexp(expr string) (*regexp.Regexp, error) {
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\' && i+1 < len(expr):
			b.WriteByte(c)
			b.WriteByte(expr[i+1])
			i++
		case c == '_':
			b.WriteString(`(?:^|$|[,{}() \t])`)
		default:
			b.WriteByte(c)
		}
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("pipe regexp %q: %w", expr, err)
	}
	return re, nil
}

func newFilter(syntax, expr string) (filter, error) {
	kind, _, _ := strings.Cut(syntax, " ")
	var re *regexp.Regexp
	if expr != "" || kind != "count" {
		var err error
		if re, err = iosRegexp(expr); err != nil {
			return nil, err
		}
	}
	switch kind {
	case "include":
		return &grepFilter{re: re}, nil
	case "exclude":
		return &grepFilter{re: re, invert: true}, nil
	case "begin":
		return &beginFilter{re: re}, nil
	case "section":
		return &sectionFilter{re: re, in: -1}, nil
	case "count":
		return &countFilter{re: re}, nil
	}
	return nil, fmt.Errorf("pipe: unknown modifier %q", kind)
}

type grepFilter struct {
	re     *regexp.Regexp
	invert bool
}

func (f *grepFilter) line(s string) []string {
	if f.re.MatchString(s) != f.invert {
		return []string{s}
	}
	return nil
}
func (f *grepFilter) finish() []string { return nil }

type beginFilter struct {
	re *regexp.Regexp
	on bool
}

func (f *beginFilter) line(s string) []string {
	if !f.on && f.re.MatchString(s) {
		f.on = true
	}
	if f.on {
		return []string{s}
	}
	return nil
}
func (f *beginFilter) finish() []string { return nil }

// sectionFilter prints a matching line and the lines indented below it.
type sectionFilter struct {
	re *regexp.Regexp
	in int // indentation of the section being printed, -1 if none
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

func (f *sectionFilter) line(s string) []string {
	ind := indentOf(s)
	if f.in >= 0 && ind > f.in && strings.TrimSpace(s) != "" {
		return []string{s}
	}
	f.in = -1
	if f.re.MatchString(s) {
		f.in = ind
		return []string{s}
	}
	return nil
}
func (f *sectionFilter) finish() []string { return nil }

type countFilter struct {
	re *regexp.Regexp
	n  int
}

func (f *countFilter) line(s string) []string {
	if f.re == nil || f.re.MatchString(s) {
		f.n++
	}
	return nil
}
func (f *countFilter) finish() []string {
	return []string{fmt.Sprintf("Number of lines which match regexp = %d", f.n)}
}

// applyFilters runs the output through the modifiers in order.
func applyFilters(fs []filter, text []byte, out io.Writer) {
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(text) == 0 {
		lines = nil
	}
	for _, f := range fs {
		var next []string
		for _, l := range lines {
			next = append(next, f.line(strings.TrimSuffix(l, "\r"))...)
		}
		next = append(next, f.finish()...)
		lines = next
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	out.Write(b.Bytes())
}
