package cli

import (
	"strings"
	"testing"
)

// TestPingRefusals: a source without an address, or not the switch's, is
// refused before anything is sent, with the IOS message.
func TestPingRefusals(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "interface vlan 10", "ip address 10.0.10.1 255.255.255.0", "end")
	for line, want := range map[string]string{
		"ping 10.0.10.9 source gi0/1":    "% Invalid source interface - GigabitEthernet0/1 has no IP address",
		"ping 10.0.10.9 source 10.9.9.9": "% Invalid source address- IP address not on any of our up interfaces",
		"traceroute 10.0.10.9 ttl 5 2":   "% Maximum TTL is less than the minimum TTL",
		"ping 10.0.10.9 size 20":         "% Invalid input detected at '^' marker.",
		"ping 10.0.10.9 source vlan 20":  "% Invalid source interface - Vlan20 has no IP address",
	} {
		res := r.run(line)
		if !res.Rejected || !strings.Contains(res.Output, want) {
			t.Errorf("%s:\n%s\nwant %q", line, res.Output, want)
		}
	}
}
