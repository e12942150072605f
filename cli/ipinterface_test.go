package cli

import (
	"strings"
	"testing"
)

// TestShowIPInterface: addresses, MTU, router ACLs and proxy ARP of the
// SVIs, and the switch ports without IP, in the IOS layout that Ansible's
// ios_facts and the ntc-templates template read.
func TestShowIPInterface(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "ip access-list extended R", "permit ip any any", "exit",
		"interface vlan 10", "ip address 10.0.10.1 255.255.255.0", "ip address 10.0.11.1 255.255.255.0 secondary",
		"ip access-group R in", "no ip proxy-arp", "ip mtu 1400",
		"interface vlan 30", "interface gi0/2", "shutdown", "end")
	got := r.out("show ip interface")
	for _, want := range []string{
		"GigabitEthernet0/1 is up, line protocol is up\n  Internet protocol processing disabled\n",
		"GigabitEthernet0/2 is administratively down, line protocol is down\n",
		"Vlan10 is up, line protocol is down\n  Internet address is 10.0.10.1/24\n  Broadcast address is 255.255.255.255\n",
		"  MTU is 1400 bytes\n", "  Directed broadcast forwarding is disabled\n  Secondary address 10.0.11.1/24\n",
		"  Outgoing access list is not set\n  Inbound  access list is R\n  Proxy ARP is disabled\n",
		"Vlan30 is up, line protocol is down\n  Internet protocol processing disabled\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("show ip interface lacks %q:\n%s", want, got)
		}
	}
	if one := r.out("show ip interface vlan 30"); one != "Vlan30 is up, line protocol is down\n  Internet protocol processing disabled\n" {
		t.Errorf("show ip interface vlan 30:\n%s", one)
	}
	if got := r.out("show ipv6 interface brief"); !strings.HasPrefix(got, "GigabitEthernet0/1     [up/up]\n    unassigned\nGigabitEthernet0/2     [administratively down/down]\n    unassigned\n") {
		t.Errorf("show ipv6 interface brief:\n%s", got)
	}
	if got := r.out("show ipv6 interface"); got != "" {
		t.Errorf("show ipv6 interface with IPv6 nowhere: %q", got)
	}
}
