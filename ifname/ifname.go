// Package ifname is IOS interface naming: the interface types and their
// short forms (GigabitEthernet/Gi), parsing of every spelling a user types
// (gi0/1, Gi 0/1, vlan 10, ranges like gi0/1 - 4, gi0/6), the order IOS
// lists interfaces in, and the SVI names. It is a leaf: the CLI, the
// dataplane and the command line all name interfaces through it.
package ifname

import (
	"strconv"
	"strings"
)

// kind is what IOS knows of an interface type.
type kind struct {
	name, short, help string
	order             int    // listing order of types (show commands)
	bps               uint64 // nominal speed; 0: not a physical port type
}

// kinds are the interface types, longest name first where one name is a
// prefix of another (TenGigabitEthernet before GigabitEthernet before
// Ethernet), so that Short matches the right one.
var kinds = []kind{
	{"TenGigabitEthernet", "Te", "Ten Gigabit Ethernet", 3, 10_000_000_000},
	{"TwentyFiveGigE", "Twe", "", 4, 25_000_000_000},
	{"FortyGigabitEthernet", "Fo", "", 5, 40_000_000_000},
	{"HundredGigE", "Hu", "", 6, 100_000_000_000},
	{"GigabitEthernet", "Gi", "GigabitEthernet IEEE 802.3z", 2, 1_000_000_000},
	{"FastEthernet", "Fa", "FastEthernet IEEE 802.3", 1, 100_000_000},
	{"Ethernet", "Et", "", 0, 10_000_000},
	{"Port-channel", "Po", "Ethernet Channel of interfaces", 7, 0},
	{"Vlan", "Vl", "Catalyst Vlans", 8, 0},
	{"Null", "Null", "Null interface", 0, 0}, // Null0 keeps its name everywhere
}

// Speed is the nominal speed in bit/s of a port by its (full) name's
// type, FastEthernet0/1 100 Mb/s, GigabitEthernet0/1 1 Gb/s and so on:
// what IOS takes a port's bandwidth, path costs and storm-control
// percentages of. A name of no physical port type (Port-channel, Vlan, an
// unknown one) is taken as 1 Gb/s, as the emulated ports are.
func Speed(name string) uint64 {
	for _, k := range kinds {
		if strings.HasPrefix(name, k.name) && k.bps != 0 {
			return k.bps
		}
	}
	return 1_000_000_000
}

func kindOf(typ string) (kind, bool) {
	for _, k := range kinds {
		if k.name == typ {
			return k, true
		}
	}
	return kind{}, false
}

// Short turns "GigabitEthernet0/1" into "Gi0/1", the form of syslog
// messages and of the Ports columns; unknown names pass through unchanged.
func Short(name string) string {
	for _, k := range kinds {
		if strings.HasPrefix(name, k.name) {
			return k.short + name[len(k.name):]
		}
	}
	return name
}

// Help is the `?` text of an interface type.
func Help(typ string) string {
	if k, ok := kindOf(typ); ok && k.help != "" {
		return k.help
	}
	return typ + " interface"
}

// Less orders interface names as IOS lists them: by type, then by each
// number of the slot/port path numerically (Gi0/2 before Gi0/10).
func Less(a, b string) bool {
	ta, na := split(a)
	tb, nb := split(b)
	if ta != tb {
		oa, ob := order(ta), order(tb)
		if oa != ob {
			return oa < ob
		}
		return ta < tb
	}
	for i := 0; i < len(na) && i < len(nb); i++ {
		if na[i] != nb[i] {
			return na[i] < nb[i]
		}
	}
	return len(na) < len(nb)
}

// order is the listing rank of a type; unranked types sort first, by name.
func order(typ string) int {
	k, _ := kindOf(typ)
	return k.order
}

// split cuts a name into its type and its numbers (Gi0/1.100 → Gi, 0 1 100).
func split(s string) (string, []int) {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return s, nil
	}
	var nums []int
	for _, part := range strings.FieldsFunc(s[i:], func(r rune) bool { return r == '/' || r == '.' || r == ':' }) {
		n, _ := strconv.Atoi(part)
		nums = append(nums, n)
	}
	return s[:i], nums
}

// MaxVLAN is the highest VLAN an SVI can have.
const MaxVLAN = 4094

// MaxPortChannel is the highest Port-channel number (channel-group 1-48).
const MaxPortChannel = 48

// SVI is the name of the SVI of vlan (Vlan10).
func SVI(vlan uint16) string { return "Vlan" + strconv.Itoa(int(vlan)) }

// ParseSVI returns the VLAN of an SVI name in any spelling (Vlan10,
// vlan 10, Vl10).
func ParseSVI(name string) (uint16, bool) {
	n := strings.ToLower(strings.ReplaceAll(name, " ", ""))
	for _, p := range []string{"vlan", "vl"} {
		if rest, ok := strings.CutPrefix(n, p); ok {
			v, err := strconv.Atoi(rest)
			if err != nil || v < 1 || v > MaxVLAN {
				return 0, false
			}
			return uint16(v), true
		}
	}
	return 0, false
}
