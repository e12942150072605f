package cli

import "testing"

// The path costs by port type, IOS's short (802.1D-1998) and long
// (802.1t, which MST always uses) methods.
func TestPathCostsBySpeed(t *testing.T) {
	for _, c := range []struct {
		name        string
		short, long uint32
	}{
		{"Ethernet0/1", 100, 2_000_000},
		{"FastEthernet0/1", 19, 200_000},
		{"GigabitEthernet0/1", 4, 20_000},
		{"TenGigabitEthernet1/1", 2, 2_000},
		{"TwentyFiveGigE1/0/1", 2, 800},
		{"FortyGigabitEthernet1/1", 1, 500},
		{"HundredGigE1/0/1", 1, 200},
		{"Port-channel1", 4, 20_000},
	} {
		if got := defaultCost(c.name); got != c.short {
			t.Errorf("defaultCost(%s) = %d, want %d", c.name, got, c.short)
		}
		if got := longCost(c.name); got != c.long {
			t.Errorf("longCost(%s) = %d, want %d", c.name, got, c.long)
		}
	}
}
