package engine

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// InterfaceType is one kind of interface the command set offers, with the
// numbers that exist: GigabitEthernet with Ranges {0-0},{1-24} is
// GigabitEthernet0/1 .. GigabitEthernet0/24.
type InterfaceType struct {
	Name   string     // canonical spelling, e.g. "GigabitEthernet", "Vlan", "Port-channel"
	Help   string     // `?` text, e.g. "GigabitEthernet IEEE 802.3z"
	Ranges []NumRange // one range per slash-separated number component
}

func (t InterfaceType) firstRangeLabel() string {
	if len(t.Ranges) == 0 {
		return "<cr>"
	}
	r := t.Ranges[0]
	return fmt.Sprintf("<%d-%d>", r.Lo, r.Hi)
}

// InterfaceSet is the pluggable interface namespace: it turns every IOS
// spelling (`gi0/1`, `Gi 0/1`, `vlan 10`) into the canonical name.
type InterfaceSet struct {
	types []InterfaceType
}

// NewInterfaceSet returns a set of the given types. Names must be distinct
// case-insensitively.
func NewInterfaceSet(types ...InterfaceType) *InterfaceSet {
	s := &InterfaceSet{types: slices.Clone(types)}
	slices.SortFunc(s.types, func(a, b InterfaceType) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// Types returns the interface types, sorted by name.
func (s *InterfaceSet) Types() []InterfaceType { return slices.Clone(s.types) }

// ErrBadInterface is wrapped by the interface parsing errors.
var ErrBadInterface = errors.New("invalid interface")

// lookupType resolves an abbreviated type name: an exact (case-insensitive)
// name wins, else the prefix must be unique.
func (s *InterfaceSet) lookupType(prefix string) (InterfaceType, bool) {
	if prefix == "" {
		return InterfaceType{}, false
	}
	var found []InterfaceType
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
	return InterfaceType{}, false
}

// Parse turns a one-word interface spelling (gi0/1, GigabitEthernet0/1,
// vlan10, Po1) into its canonical name.
func (s *InterfaceSet) Parse(w string) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no interface types", ErrBadInterface)
	}
	i := strings.IndexAny(w, "0123456789")
	if i <= 0 {
		return "", fmt.Errorf("%w: %q", ErrBadInterface, w)
	}
	return s.parseSplit(w[:i], w[i:])
}

// parseSplit parses the two-word spelling `Gi 0/1`.
func (s *InterfaceSet) parseSplit(typ, num string) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no interface types", ErrBadInterface)
	}
	t, ok := s.lookupType(typ)
	if !ok {
		return "", fmt.Errorf("%w: unknown type %q", ErrBadInterface, typ)
	}
	nums, err := t.parseNumbers(num)
	if err != nil {
		return "", err
	}
	return t.format(nums), nil
}

func (t InterfaceType) parseNumbers(num string) ([]int64, error) {
	parts := strings.Split(num, "/")
	if len(parts) != len(t.Ranges) {
		return nil, fmt.Errorf("%w: %s%s", ErrBadInterface, t.Name, num)
	}
	out := make([]int64, len(parts))
	for i, p := range parts {
		v, ok := parseNumber(p, t.Ranges[i:i+1])
		if !ok {
			return nil, fmt.Errorf("%w: %s%s", ErrBadInterface, t.Name, num)
		}
		out[i] = v
	}
	return out, nil
}

func (t InterfaceType) format(nums []int64) string {
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
func (s *InterfaceSet) ParseRange(text string) ([]string, error) {
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
		t, ok := s.lookupType(typ)
		if !ok {
			return nil, fmt.Errorf("%w: unknown type %q", ErrBadInterface, typ)
		}
		nums, err := t.parseNumbers(first[i:])
		if err != nil {
			return nil, err
		}
		end := nums[len(nums)-1]
		if isRange {
			v, ok := parseNumber(strings.TrimSpace(last), t.Ranges[len(nums)-1:])
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
