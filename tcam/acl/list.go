package acl

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// MaxSeq is the largest IOS ACE sequence number.
const MaxSeq = 2147483647

// DefaultSeqStep is the default start and increment of sequence numbers.
const DefaultSeqStep = 10

// List errors.
var (
	ErrDuplicateSeq = errors.New("duplicate sequence number")
	ErrNoSuchSeq    = errors.New("no entry with this sequence number")
	ErrSeqExhausted = errors.New("sequence number above maximum")
	ErrKindMismatch = errors.New("entry kind does not match the list")
	ErrBadNumber    = errors.New("access list number out of range")
)

// KindOfNumber returns the kind of a numbered list: 1-99 and 1300-1999 are
// standard, 100-199 and 2000-2699 extended.
func KindOfNumber(n int) (Kind, error) {
	switch {
	case n >= 1 && n <= 99, n >= 1300 && n <= 1999:
		return Standard, nil
	case n >= 100 && n <= 199, n >= 2000 && n <= 2699:
		return Extended, nil
	}
	return 0, fmt.Errorf("access-list %d: %w", n, ErrBadNumber)
}

// List is one access list: its entries ordered by sequence number. It is a
// configuration object edited by one writer (the CLI); the tcam package
// compiles snapshots of it.
type List struct {
	Name     string
	Kind     Kind
	Numbered bool // created by `access-list N` (name is the number)
	entries  []ACE
	// rules counts the entries by their rule (the entry with Seq 0), built
	// on the first Has and kept up to date after: typing or loading a long
	// list checks every new line for a duplicate.
	rules map[ACE]int
}

// NewList returns an empty named list.
func NewList(name string, kind Kind) *List { return &List{Name: name, Kind: kind} }

// At returns entry i (0 <= i < Len) in sequence order, without copying the
// list as Entries does.
func (l *List) At(i int) ACE { return l.entries[i] }

// HasRules reports whether the list has an entry other than a remark: an
// access group naming a list without one filters nothing.
func (l *List) HasRules() bool {
	for i := range l.entries {
		if l.entries[i].Action != Remark {
			return true
		}
	}
	return false
}

// Clone returns an independent copy of l.
func (l *List) Clone() *List {
	c := *l
	c.entries = slices.Clone(l.entries)
	c.rules = nil
	return &c
}

func ruleOf(a ACE) ACE { a.Seq = 0; return a }

// Has reports whether an entry equal to ace, sequence number aside, is in
// the list (IOS ignores such a line). Its first call builds an index, so
// like the editing methods it belongs to the list's one writer.
func (l *List) Has(ace ACE) bool {
	if l.rules == nil {
		l.rules = make(map[ACE]int, len(l.entries))
		for _, e := range l.entries {
			l.rules[ruleOf(e)]++
		}
	}
	return l.rules[ruleOf(ace)] > 0
}

func (l *List) indexAdd(a ACE) {
	if l.rules != nil {
		l.rules[ruleOf(a)]++
	}
}

func (l *List) indexRemove(a ACE) {
	if l.rules == nil {
		return
	}
	k := ruleOf(a)
	if l.rules[k]--; l.rules[k] <= 0 {
		delete(l.rules, k)
	}
}

// ParseList builds a list from entry lines as typed in `ip access-list
// standard|extended NAME` mode (`[SEQ] permit|deny|remark ...`): lab
// scripts and tests write lists this way.
func ParseList(name string, kind Kind, lines ...string) (*List, error) {
	l := NewList(name, kind)
	for _, s := range lines {
		a, err := ParseLine(kind, s)
		if err != nil {
			return nil, fmt.Errorf("list %s: %q: %w", name, s, err)
		}
		if _, err := l.Add(a); err != nil {
			return nil, fmt.Errorf("list %s: %q: %w", name, s, err)
		}
	}
	return l, nil
}

// NewNumbered returns an empty numbered list; the kind follows from n.
func NewNumbered(n int) (*List, error) {
	k, err := KindOfNumber(n)
	if err != nil {
		return nil, err
	}
	return &List{Name: strconv.Itoa(n), Kind: k, Numbered: true}, nil
}

// Len returns the number of entries (remarks included).
func (l *List) Len() int { return len(l.entries) }

// Entries returns a copy of the entries in order.
func (l *List) Entries() []ACE { return append([]ACE(nil), l.entries...) }

// Get returns the entry with sequence number seq.
func (l *List) Get(seq uint32) (ACE, bool) {
	i, ok := l.find(seq)
	if !ok {
		return ACE{}, false
	}
	return l.entries[i], true
}

func (l *List) find(seq uint32) (int, bool) {
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Seq >= seq })
	return i, i < len(l.entries) && l.entries[i].Seq == seq
}

// Add inserts ace. Seq 0 means "after the last entry" (last+10, or 10 for
// an empty list). It returns the entry as stored.
func (l *List) Add(ace ACE) (ACE, error) {
	if ace.Kind != l.Kind {
		return ace, fmt.Errorf("list %s: %w", l.Name, ErrKindMismatch)
	}
	if ace.Seq == 0 {
		next := uint64(DefaultSeqStep)
		if n := len(l.entries); n > 0 {
			next = uint64(l.entries[n-1].Seq) + DefaultSeqStep
		}
		if next > MaxSeq {
			return ace, fmt.Errorf("list %s: %w", l.Name, ErrSeqExhausted)
		}
		ace.Seq = uint32(next)
	}
	i, dup := l.find(ace.Seq)
	if dup {
		return ace, fmt.Errorf("list %s seq %d: %w", l.Name, ace.Seq, ErrDuplicateSeq)
	}
	l.entries = append(l.entries, ACE{})
	copy(l.entries[i+1:], l.entries[i:])
	l.entries[i] = ace
	l.indexAdd(ace)
	return ace, nil
}

// Delete removes the entry with sequence number seq (`no SEQ`).
func (l *List) Delete(seq uint32) (ACE, error) {
	i, ok := l.find(seq)
	if !ok {
		return ACE{}, fmt.Errorf("list %s seq %d: %w", l.Name, seq, ErrNoSuchSeq)
	}
	a := l.entries[i]
	l.entries = append(l.entries[:i], l.entries[i+1:]...)
	l.indexRemove(a)
	return a, nil
}

// DeleteMatching removes the first entry equal to ace ignoring its sequence
// number (`no permit ...`), and returns it.
func (l *List) DeleteMatching(ace ACE) (ACE, bool) {
	for i, e := range l.entries {
		s := e
		s.Seq = ace.Seq
		if s == ace {
			l.entries = append(l.entries[:i], l.entries[i+1:]...)
			l.indexRemove(e)
			return e, true
		}
	}
	return ACE{}, false
}

// Resequence renumbers the entries start, start+step, ...
// (`ip access-list resequence NAME START STEP`).
func (l *List) Resequence(start, step uint32) error {
	if start == 0 || step == 0 {
		return fmt.Errorf("list %s: resequence %d %d: %w", l.Name, start, step, ErrInvalidInput)
	}
	if n := len(l.entries); n > 0 && uint64(start)+uint64(step)*uint64(n-1) > MaxSeq {
		return fmt.Errorf("list %s: %w", l.Name, ErrSeqExhausted)
	}
	for i := range l.entries {
		l.entries[i].Seq = start + uint32(i)*step
	}
	return nil
}

// ConfigLines renders the list as `show running-config` does: numbered lists
// as `access-list N ...` lines, named lists as an `ip access-list KIND NAME`
// block with one-space-indented entries. Feeding these lines back to the
// parser rebuilds the same list (sequence numbers of named lists excepted:
// IOS does not print them and renumbers by 10).
func (l *List) ConfigLines() []string {
	var out []string
	if !l.Numbered {
		out = append(out, "ip access-list "+l.Kind.String()+" "+l.Name)
	}
	for _, e := range l.entries {
		if l.Numbered {
			out = append(out, "access-list "+l.Name+" "+e.String())
		} else {
			out = append(out, " "+e.String())
		}
	}
	return out
}
