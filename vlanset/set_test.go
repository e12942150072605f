package vlanset

import (
	"slices"
	"testing"
)

func TestParseAndString(t *testing.T) {
	for in, want := range map[string]string{
		"1":            "1",
		"1,3-5,10":     "1,3-5,10",
		"10, 3-5 ,1":   "1,3-5,10",
		"5-5":          "5",
		"all":          "1-4094",
		"none":         "none",
		"4094,1-2,2-3": "1-3,4094",
		"100-102,103":  "100-103",
	} {
		s, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got := s.String(); got != want {
			t.Errorf("Parse(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "0", "4095", "5-3", "a", "1,,2", "1-", "-4", "1-2-3"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	all := All()
	if all.Len() != 4094 || all.Has(0) || all.Has(4095) || !all.Has(4094) {
		t.Errorf("AllVLANs: len %d", all.Len())
	}
	var s Set
	s.Add(7)
	s.Union(Set{})
	o := Set{}
	o.Add(7)
	s.Minus(o)
	if s.Len() != 0 {
		t.Error("Minus")
	}
}

// FuzzParse: no panic, and whatever parses renders to a list that
// parses back to the same set.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1,3-5,10", "all", "none", "4094", "1-4094", "2-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text)
		if err != nil {
			return
		}
		again, err := Parse(s.String())
		if err != nil || again != s {
			t.Fatalf("%q renders as %q, which parses to %v (%v)", text, s.String(), again.String(), err)
		}
	})
}

func TestConfigAndIDs(t *testing.T) {
	for in, want := range map[string]string{
		"none":           "none",
		"5":              "5",
		"34-35":          "34,35",
		"30-32,34-35,40": "30-32,34,35,40",
		"all":            "1-4094",
	} {
		s, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := s.Config(); got != want {
			t.Errorf("Parse(%q).Config() = %q, want %q", in, got, want)
		}
		again, err := Parse(s.Config())
		if err != nil || again != s {
			t.Errorf("Config %q does not parse back: %v", s.Config(), err)
		}
	}
	s, _ := Parse("10,3-5,1,4")
	if got := s.IDs(); !slices.Equal(got, []int{1, 3, 4, 5, 10}) {
		t.Errorf("IDs = %v", got)
	}
}

// ParseWord is the CLI's VLANLIST token: Parse without the keywords and the
// padding, which the command line cannot carry in one word.
func TestParseWord(t *testing.T) {
	for _, ok := range []string{"1", "1,3-5,10", "0005", "4094", "2-2,1"} {
		want, _ := Parse(ok)
		if got, good := ParseWord(ok); !good || got != want {
			t.Errorf("ParseWord(%q) = %v, %v", ok, got, good)
		}
	}
	for _, bad := range []string{"", "all", "none", " 1", "1, 2", "+5", "0", "4095", "5-3", "1,,2", "1-", "-4", "1-2-3", "99999999999999999999"} {
		if _, good := ParseWord(bad); good {
			t.Errorf("ParseWord(%q) accepted", bad)
		}
	}
}
