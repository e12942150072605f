package dataplane

import "strings"

// ifShortNames maps IOS interface type names to the short forms IOS uses in
// syslog messages and in the Ports column of show commands.
var ifShortNames = []struct{ long, short string }{
	{"TenGigabitEthernet", "Te"},
	{"TwentyFiveGigE", "Twe"},
	{"FortyGigabitEthernet", "Fo"},
	{"HundredGigE", "Hu"},
	{"GigabitEthernet", "Gi"},
	{"FastEthernet", "Fa"},
	{"Ethernet", "Et"},
	{"Port-channel", "Po"},
	{"Vlan", "Vl"},
}

// ShortIfName turns "GigabitEthernet0/1" into "Gi0/1"; unknown names pass
// through unchanged.
func ShortIfName(name string) string {
	for _, n := range ifShortNames {
		if strings.HasPrefix(name, n.long) {
			return n.short + name[len(n.long):]
		}
	}
	return name
}
