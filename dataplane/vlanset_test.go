package dataplane

import "testing"

func TestVLANListParseAndString(t *testing.T) {
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
		s, err := ParseVLANList(in)
		if err != nil {
			t.Errorf("ParseVLANList(%q): %v", in, err)
			continue
		}
		if got := s.String(); got != want {
			t.Errorf("ParseVLANList(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "0", "4095", "5-3", "a", "1,,2", "1-", "-4", "1-2-3"} {
		if _, err := ParseVLANList(bad); err == nil {
			t.Errorf("ParseVLANList(%q) accepted", bad)
		}
	}
	all := AllVLANs()
	if all.Len() != 4094 || all.Has(0) || all.Has(4095) || !all.Has(4094) {
		t.Errorf("AllVLANs: len %d", all.Len())
	}
	var s VLANSet
	s.Add(7)
	s.Union(VLANSet{})
	o := VLANSet{}
	o.Add(7)
	s.Minus(o)
	if s.Len() != 0 {
		t.Error("Minus")
	}
}

// FuzzParseVLANList: no panic, and whatever parses renders to a list that
// parses back to the same set.
func FuzzParseVLANList(f *testing.F) {
	for _, s := range []string{"1,3-5,10", "all", "none", "4094", "1-4094", "2-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseVLANList(text)
		if err != nil {
			return
		}
		again, err := ParseVLANList(s.String())
		if err != nil || again != s {
			t.Fatalf("%q renders as %q, which parses to %v (%v)", text, s.String(), again.String(), err)
		}
	})
}
