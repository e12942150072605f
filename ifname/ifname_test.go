package ifname

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"GigabitEthernet0/1": "Gi0/1", "TenGigabitEthernet1/0/1": "Te1/0/1", "FastEthernet0/2": "Fa0/2",
		"Ethernet0": "Et0", "Port-channel1": "Po1", "Vlan10": "Vl10", "Null0": "Null0", "Loopback0": "Loopback0",
	} {
		if got := Short(in); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLessOrdersAsIOS(t *testing.T) {
	names := []string{"Vlan10", "GigabitEthernet0/10", "Port-channel1", "FastEthernet0/1", "GigabitEthernet0/2", "Vlan2", "GigabitEthernet1/0/1"}
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case Less(a, b):
			return -1
		case Less(b, a):
			return 1
		}
		return 0
	})
	want := "FastEthernet0/1 GigabitEthernet0/2 GigabitEthernet0/10 GigabitEthernet1/0/1 Port-channel1 Vlan2 Vlan10"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
}

func TestSVINames(t *testing.T) {
	if SVI(10) != "Vlan10" {
		t.Fatal(SVI(10))
	}
	for in, want := range map[string]uint16{"Vlan10": 10, "vlan 10": 10, "Vl4094": 4094, "vlan0": 0, "vlan4095": 0, "Gi0/1": 0, "vlanx": 0} {
		got, ok := ParseSVI(in)
		if got != want || ok != (want != 0) {
			t.Errorf("ParseSVI(%q) = %d, %v, want %d", in, got, ok, want)
		}
	}
}

func testSet() *Set {
	return NewSet(
		Type{Name: "GigabitEthernet", Ranges: []Range{{0, 0}, {1, 24}}},
		Type{Name: "Vlan", Ranges: []Range{{1, 4094}}},
		Type{Name: "Port-channel", Ranges: []Range{{1, 48}}},
	)
}

func TestSetParse(t *testing.T) {
	s := testSet()
	for in, want := range map[string]string{"gi0/1": "GigabitEthernet0/1", "GigabitEthernet0/24": "GigabitEthernet0/24", "Vlan10": "Vlan10", "po1": "Port-channel1", "v1": "Vlan1"} {
		if got, err := s.Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"gi0/25", "gi1/1", "gi0", "x0/1", "0/1", "", "vlan0", "gi0/01x"} {
		if got, err := s.Parse(in); !errors.Is(err, ErrBadInterface) {
			t.Errorf("Parse(%q) = %q, %v, want ErrBadInterface", in, got, err)
		}
	}
	if got, err := s.ParseSplit("Gi", "0/3"); err != nil || got != "GigabitEthernet0/3" {
		t.Errorf("ParseSplit = %q, %v", got, err)
	}
}

func TestSetParseRange(t *testing.T) {
	s := testSet()
	got, err := s.ParseRange("gi0/1 - 3, gi0/6,Gi0/2, po 1-2, vlan 10 - 11")
	if err != nil {
		t.Fatal(err)
	}
	want := "GigabitEthernet0/1 GigabitEthernet0/2 GigabitEthernet0/3 GigabitEthernet0/6 Port-channel1 Port-channel2 Vlan10 Vlan11"
	if strings.Join(got, " ") != want {
		t.Fatalf("range %v, want %s", got, want)
	}
	for _, in := range []string{"gi0/3-1", "gi0/1-30", "gi0/1,", "x1-2"} {
		if _, err := s.ParseRange(in); !errors.Is(err, ErrBadInterface) {
			t.Errorf("ParseRange(%q) = %v, want ErrBadInterface", in, err)
		}
	}
}

// FuzzParse: no input panics; a name Parse accepts is canonical (it parses
// to itself, keeps its short form's number part, and orders consistently);
// every name of an accepted range parses on its own.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"gi0/1", "GigabitEthernet0/24", "vlan 10", "po1-3", "gi0/1 - 4, gi0/6", "Port-channel-1", "-", ",", "gi0/99999999999999999999"} {
		f.Add(s)
	}
	s := testSet()
	f.Fuzz(func(t *testing.T, in string) {
		if name, err := s.Parse(in); err == nil {
			again, err := s.Parse(name)
			if err != nil || again != name {
				t.Fatalf("%q -> %q -> %q, %v", in, name, again, err)
			}
			if Less(name, name) {
				t.Fatalf("Less(%q, itself)", name)
			}
			if !strings.HasSuffix(name, strings.TrimLeft(Short(name), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")) {
				t.Fatalf("Short(%q) = %q", name, Short(name))
			}
		}
		names, err := s.ParseRange(in)
		if err != nil {
			return
		}
		for _, n := range names {
			if got, err := s.Parse(n); err != nil || got != n {
				t.Fatalf("range %q gave %q, which parses to %q, %v", in, n, got, err)
			}
		}
		ParseSVI(in)
	})
}

func TestSwitchSet(t *testing.T) {
	s := SwitchSet([]string{"GigabitEthernet0/1", "GigabitEthernet0/4", "FastEthernet0/2", "bogus"})
	for in, want := range map[string]string{"gi0/3": "GigabitEthernet0/3", "fa0/2": "FastEthernet0/2", "vlan 4094": "Vlan4094", "null0": "Null0"} {
		if got, err := s.Parse(strings.ReplaceAll(in, " ", "")); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"gi0/5", "fa0/1", "vlan0", "null1", "bogus1"} {
		if _, err := s.Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func TestSpeed(t *testing.T) {
	for name, want := range map[string]uint64{
		"Ethernet0/1":             10_000_000,
		"FastEthernet0/1":         100_000_000,
		"GigabitEthernet0/1":      1_000_000_000,
		"TenGigabitEthernet1/1":   10_000_000_000,
		"TwentyFiveGigE1/0/1":     25_000_000_000,
		"FortyGigabitEthernet1/1": 40_000_000_000,
		"HundredGigE1/0/1":        100_000_000_000,
		"Port-channel1":           1_000_000_000,
		"Vlan10":                  1_000_000_000,
		"bogus":                   1_000_000_000,
	} {
		if got := Speed(name); got != want {
			t.Errorf("Speed(%q) = %d, want %d", name, got, want)
		}
	}
}
