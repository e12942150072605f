package dataplane

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// VLANSet is a set of VLAN IDs 1-4094 as a bitmap, cheap to test per frame.
type VLANSet [64]uint64

// AllVLANs is 1-4094, the default allowed list of a trunk.
func AllVLANs() VLANSet {
	var s VLANSet
	for v := uint16(1); v <= MaxVLAN; v++ {
		s.Add(v)
	}
	return s
}

// MaxVLAN is the highest usable VLAN ID.
const MaxVLAN = 4094

// Has reports whether v is in the set.
func (s *VLANSet) Has(v uint16) bool { return v < 4096 && s[v>>6]&(1<<(v&63)) != 0 }

// Add puts v in the set.
func (s *VLANSet) Add(v uint16) {
	if v < 4096 {
		s[v>>6] |= 1 << (v & 63)
	}
}

// Remove takes v out of the set.
func (s *VLANSet) Remove(v uint16) {
	if v < 4096 {
		s[v>>6] &^= 1 << (v & 63)
	}
}

// Union adds every member of o.
func (s *VLANSet) Union(o VLANSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

// Minus removes every member of o.
func (s *VLANSet) Minus(o VLANSet) {
	for i := range s {
		s[i] &^= o[i]
	}
}

// Len is the number of members.
func (s *VLANSet) Len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// String renders the set the way IOS writes a VLAN list: "1,3-5,10",
// "none" when empty, "1-4094" for all.
func (s VLANSet) String() string {
	var b strings.Builder
	for v := 1; v <= MaxVLAN; v++ {
		if !s.Has(uint16(v)) {
			continue
		}
		end := v
		for end+1 <= MaxVLAN && s.Has(uint16(end+1)) {
			end++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(v))
		if end > v {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(end))
		}
		v = end
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// ParseVLANList reads an IOS VLAN list ("1,3-5,10", "all", "none").
func ParseVLANList(text string) (VLANSet, error) {
	var s VLANSet
	switch text {
	case "all":
		return AllVLANs(), nil
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

func parseVID(t string) (uint16, error) {
	n, err := strconv.Atoi(strings.TrimSpace(t))
	if err != nil || n < 1 || n > MaxVLAN {
		return 0, fmt.Errorf("%q is not a VLAN ID (1-%d)", t, MaxVLAN)
	}
	return uint16(n), nil
}
