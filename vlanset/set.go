// Package vlanset is the leaf for VLAN IDs and IOS VLAN lists: the bitmap
// set the forwarding path tests per frame, the one parser of "1,3-5,10"
// lists, and their two IOS renderings (show and running-config). It imports
// nothing of the project, so the dataplane and the CLI share it.
package vlanset

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Max is the highest usable VLAN ID.
const Max = 4094

// Set is a set of VLAN IDs 1-4094 as a bitmap, cheap to test per frame.
type Set [64]uint64

// All is 1-4094, the default allowed list of a trunk.
func All() Set {
	var s Set
	for v := uint16(1); v <= Max; v++ {
		s.Add(v)
	}
	return s
}

// Has reports whether v is in the set.
func (s *Set) Has(v uint16) bool { return v < 4096 && s[v>>6]&(1<<(v&63)) != 0 }

// Add puts v in the set.
func (s *Set) Add(v uint16) {
	if v < 4096 {
		s[v>>6] |= 1 << (v & 63)
	}
}

// Remove takes v out of the set.
func (s *Set) Remove(v uint16) {
	if v < 4096 {
		s[v>>6] &^= 1 << (v & 63)
	}
}

// Union adds every member of o.
func (s *Set) Union(o Set) {
	for i := range s {
		s[i] |= o[i]
	}
}

// Minus removes every member of o.
func (s *Set) Minus(o Set) {
	for i := range s {
		s[i] &^= o[i]
	}
}

// Len is the number of members.
func (s *Set) Len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// IDs lists the members in ascending order.
func (s *Set) IDs() []int {
	out := make([]int, 0, s.Len())
	for v := 1; v <= Max; v++ {
		if s.Has(uint16(v)) {
			out = append(out, v)
		}
	}
	return out
}

// runs calls f for every maximal run lo..hi of consecutive members.
func (s *Set) runs(f func(lo, hi int)) {
	for v := 1; v <= Max; v++ {
		if !s.Has(uint16(v)) {
			continue
		}
		end := v
		for end < Max && s.Has(uint16(end+1)) {
			end++
		}
		f(v, end)
		v = end
	}
}

// String renders the set the way IOS shows a VLAN list: "1,3-5,10",
// "none" when empty, "1-4094" for all.
func (s Set) String() string {
	var b strings.Builder
	s.runs(func(lo, hi int) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(lo))
		if hi > lo {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(hi))
		}
	})
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// Config renders the set as IOS writes it in the running-config: runs of
// three or more as a range ("30-32"), pairs as two items ("34,35"), "none"
// when empty.
func (s Set) Config() string {
	var parts []string
	s.runs(func(lo, hi int) {
		switch {
		case hi == lo:
			parts = append(parts, strconv.Itoa(lo))
		case hi == lo+1:
			parts = append(parts, strconv.Itoa(lo), strconv.Itoa(hi))
		default:
			parts = append(parts, strconv.Itoa(lo)+"-"+strconv.Itoa(hi))
		}
	})
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// Parse reads an IOS VLAN list ("1,3-5,10", "all", "none"). Items may be
// padded with spaces ("10, 3-5 ,1"); a range must not be reversed.
func Parse(text string) (Set, error) {
	var s Set
	switch text {
	case "all":
		return All(), nil
	case "none":
		return s, nil
	}
	for _, part := range strings.Split(text, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseVID(lo)
		if err != nil {
			return s, fmt.Errorf("VLAN list %q: %w", text, err)
		}
		b := a
		if isRange {
			if b, err = parseVID(hi); err != nil {
				return s, fmt.Errorf("VLAN list %q: %w", text, err)
			}
			if b < a {
				return s, fmt.Errorf("VLAN list %q: range %d-%d is reversed", text, a, b)
			}
		}
		for v := a; v <= b; v++ {
			s.Add(v)
		}
	}
	return s, nil
}

// ParseWord reads a VLAN list typed as one CLI word: digits, commas and
// hyphens only ("1,3-5,10"); the keywords all and none and padded items are
// the command's business, not the list's.
func ParseWord(w string) (Set, bool) {
	for i := 0; i < len(w); i++ {
		if c := w[i]; (c < '0' || c > '9') && c != ',' && c != '-' {
			return Set{}, false
		}
	}
	s, err := Parse(w)
	return s, err == nil
}

func parseVID(t string) (uint16, error) {
	n, err := strconv.Atoi(strings.TrimSpace(t))
	if err != nil || n < 1 || n > Max {
		return 0, fmt.Errorf("%q is not a VLAN ID (1-%d)", t, Max)
	}
	return uint16(n), nil
}
