package tcam

import "sort"

// Linear is the reference matcher: a scan in priority order, the oracle of
// the differential tests. (A router ACL that does not fit the TCAM is
// software switched through the same Classifier, not through this.)
type Linear struct{ rules []Rule }

// NewLinear returns a linear matcher over a copy of rules.
func NewLinear(rules []Rule) *Linear {
	rs := append([]Rule(nil), rules...)
	sort.SliceStable(rs, func(i, j int) bool { return ruleLess(&rs[i], &rs[j]) })
	return &Linear{rules: rs}
}

// Lookup returns the first matching rule or nil.
func (l *Linear) Lookup(h *Header) *Rule {
	for i := range l.rules {
		if l.rules[i].Matches(h) {
			return &l.rules[i]
		}
	}
	return nil
}
