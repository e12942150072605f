package ifname

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Range is an inclusive range of numbers.
type Range struct{ Lo, Hi int64 }

// Has reports whether v is in r.
func (r Range) Has(v int64) bool { return v >= r.Lo && v <= r.Hi }

// Type is one interface type of a Set, with the numbers that exist:
// GigabitEthernet with Ranges {0-0},{1-24} is GigabitEthernet0/1 ..
// GigabitEthernet0/24.
type Type struct {
	Name   string  // canonical spelling, e.g. "GigabitEthernet", "Vlan", "Port-channel"
	Help   string  // `?` text, e.g. "GigabitEthernet IEEE 802.3z"
	Ranges []Range // one range per slash-separated number component
}

// Set is an interface namespace: it turns every IOS spelling (`gi0/1`,
// `Gi 0/1`, `vlan 10`) of its types into the canonical name.
type Set struct {
	types []Type
}

// NewSet returns a set of the given types. Names must be distinct
// case-insensitively.
func NewSet(types ...Type) *Set {
	s := &Set{types: slices.Clone(types)}
	slices.SortFunc(s.types, func(a, b Type) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// Types returns the interface types, sorted by name.
func (s *Set) Types() []Type {
	if s == nil {
		return nil
	}
	return slices.Clone(s.types)
}

// ErrBadInterface is wrapped by the interface parsing errors.
var ErrBadInterface = errors.New("invalid interface")

// LookupType resolves an abbreviated type name: an exact (case-insensitive)
// name wins, else the prefix must be unique.
func (s *Set) LookupType(prefix string) (Type, bool) {
	if s == nil || prefix == "" {
		return Type{}, false
	}
	var found []Type
	for _, t := range s.types {
		if strings.EqualFold(prefix, t.Name) {
			return t, true
		}
		if len(prefix) < len(t.Name) && strings.EqualFold(prefix, t.Name[:len(prefix)]) {
			found = append(found, t)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Type{}, false
}

// Parse turns a one-word interface spelling (gi0/1, GigabitEthernet0/1,
// vlan10, Po1) into its canonical name.
func (s *Set) Parse(w string) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no interface types", ErrBadInterface)
	}
	i := strings.IndexAny(w, "0123456789")
	if i <= 0 {
		return "", fmt.Errorf("%w: %q", ErrBadInterface, w)
	}
	return s.ParseSplit(w[:i], w[i:])
}

// ParseSplit parses the two-word spelling `Gi 0/1`.
func (s *Set) ParseSplit(typ, num string) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no interface types", ErrBadInterface)
	}
	t, ok := s.LookupType(typ)
	if !ok {
		return "", fmt.Errorf("%w: unknown type %q", ErrBadInterface, typ)
	}
	nums, err := t.parseNumbers(num)
	if err != nil {
		return "", err
	}
	return t.format(nums), nil
}

// number parses a decimal number that lies in one of ranges.
func number(w string, ranges []Range) (int64, bool) {
	if w == "" || len(w) > 18 || strings.Trim(w, "0123456789") != "" {
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

func (t Type) parseNumbers(num string) ([]int64, error) {
	parts := strings.Split(num, "/")
	if len(parts) != len(t.Ranges) {
		return nil, fmt.Errorf("%w: %s%s", ErrBadInterface, t.Name, num)
	}
	out := make([]int64, len(parts))
	for i, p := range parts {
		v, ok := number(p, t.Ranges[i:i+1])
		if !ok {
			return nil, fmt.Errorf("%w: %s%s", ErrBadInterface, t.Name, num)
		}
		out[i] = v
	}
	return out, nil
}

func (t Type) format(nums []int64) string {
	var b strings.Builder
	b.WriteString(t.Name)
	for i, n := range nums {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	return b.String()
}

// ParseRange parses an `interface range` list: comma-separated items of an
// interface optionally followed by `- N` (the last number component), in any
// spacing: `gi0/1 - 4, gi0/6`, `Gi0/1-2,Gi0/4`, `vlan 10 - 12`. It returns the
// canonical names in the order given, without duplicates.
func (s *Set) ParseRange(text string) ([]string, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no interface types", ErrBadInterface)
	}
	var out []string
	seen := map[string]bool{}
	for _, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		first, last, isRange := strings.Cut(item, "-")
		// A hyphen inside the type name (Port-channel) is not the range dash.
		if isRange && !strings.ContainsAny(first, "0123456789") {
			rest := last
			first2, last2, isRange2 := strings.Cut(rest, "-")
			first, last, isRange = first+"-"+first2, last2, isRange2
		}
		first = strings.TrimSpace(first)
		i := strings.IndexAny(first, "0123456789")
		if i <= 0 {
			return nil, fmt.Errorf("%w: range item %q", ErrBadInterface, item)
		}
		typ := strings.TrimSpace(first[:i])
		t, ok := s.LookupType(typ)
		if !ok {
			return nil, fmt.Errorf("%w: unknown type %q", ErrBadInterface, typ)
		}
		nums, err := t.parseNumbers(first[i:])
		if err != nil {
			return nil, err
		}
		end := nums[len(nums)-1]
		if isRange {
			v, ok := number(strings.TrimSpace(last), t.Ranges[len(nums)-1:])
			if !ok || v < end {
				return nil, fmt.Errorf("%w: range end %q", ErrBadInterface, last)
			}
			end = v
		}
		for v := nums[len(nums)-1]; v <= end; v++ {
			nums[len(nums)-1] = v
			name := t.format(nums)
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// SwitchSet is the interface namespace of a switch with these port
// names, its SVIs and Null0: one type per name prefix, with each number component ranging
// over the values the ports use.
func SwitchSet(ports []string) *Set {
	type acc struct {
		ranges []Range
	}
	byType := map[string]*acc{}
	var order []string
	for _, p := range ports {
		i := strings.IndexAny(p, "0123456789")
		if i <= 0 {
			continue
		}
		typ := p[:i]
		var nums []int64
		ok := true
		for _, part := range strings.Split(p[i:], "/") {
			var n int64
			if _, err := fmt.Sscanf(part, "%d", &n); err != nil || fmt.Sprint(n) != part {
				ok = false
				break
			}
			nums = append(nums, n)
		}
		if !ok {
			continue
		}
		a := byType[typ]
		if a == nil {
			a = &acc{}
			byType[typ] = a
			order = append(order, typ)
		}
		if a.ranges == nil {
			for _, n := range nums {
				a.ranges = append(a.ranges, Range{Lo: n, Hi: n})
			}
			continue
		}
		if len(a.ranges) != len(nums) {
			continue // mixed depths of one type: keep the first shape
		}
		for k, n := range nums {
			a.ranges[k].Lo = min(a.ranges[k].Lo, n)
			a.ranges[k].Hi = max(a.ranges[k].Hi, n)
		}
	}
	// Every switch has the SVIs and the Null0 route sink.
	for _, typ := range []string{"Vlan", "Null", "Port-channel"} {
		if byType[typ] == nil {
			byType[typ] = &acc{ranges: []Range{{Lo: 0, Hi: 0}}}
			switch typ {
			case "Vlan":
				byType[typ].ranges[0] = Range{Lo: 1, Hi: MaxVLAN}
			case "Port-channel":
				byType[typ].ranges[0] = Range{Lo: 1, Hi: MaxPortChannel}
			}
			order = append(order, typ)
		}
	}
	var types []Type
	for _, typ := range order {
		types = append(types, Type{Name: typ, Help: Help(typ), Ranges: byType[typ].ranges})
	}
	return NewSet(types...)
}
