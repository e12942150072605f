package cli

import (
	"strings"
	"testing"
)

// TestShowSwitchportAndTrunk: the layer-2 view of access and trunk ports
// (modes, access and native VLANs, allowed and active lists) in the
// Catalyst layouts.
func TestShowSwitchportAndTrunk(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "vlan 10", "name Users", "vlan 20", "exit", "interface gi0/1", "switchport access vlan 10",
		"interface gi0/3", "switchport mode trunk", "switchport trunk allowed vlan 1,10,20-30", "switchport trunk native vlan 20",
		"interface gi0/4", "switchport mode trunk", "shutdown", "end")
	sw := r.out("show interfaces switchport")
	for _, want := range []string{
		"Name: Gi0/1\nSwitchport: Enabled\nAdministrative Mode: static access\nOperational Mode: static access\n",
		"Access Mode VLAN: 10 (Users)\nTrunking Native Mode VLAN: 1 (default)\n",
		"Name: Gi0/3\nSwitchport: Enabled\nAdministrative Mode: trunk\nOperational Mode: trunk\n",
		"Trunking Native Mode VLAN: 20 (VLAN0020)\n", "Trunking VLANs Enabled: 1,10,20-30\n",
		"Name: Gi0/4\nSwitchport: Enabled\nAdministrative Mode: trunk\nOperational Mode: down\n",
	} {
		if !strings.Contains(sw, want) {
			t.Errorf("show interfaces switchport lacks %q:\n%s", want, sw)
		}
	}
	if one := r.out("show interfaces gi0/1 switchport"); !strings.HasPrefix(one, "Name: Gi0/1\n") || strings.Contains(one, "Gi0/2") {
		t.Errorf("one port:\n%s", one)
	}
	want := `
Port        Mode             Encapsulation  Status        Native vlan
Gi0/3       on               802.1q         trunking      20

Port        Vlans allowed on trunk
Gi0/3       1,10,20-30

Port        Vlans allowed and active in management domain
Gi0/3       1,10,20

Port        Vlans in spanning tree forwarding state and not pruned
Gi0/3       1,10,20
`
	if got := r.out("show interfaces trunk"); got != want {
		t.Errorf("show interfaces trunk (Gi0/4 is shut down):\n%s\nwant:\n%s", got, want)
	}
	if got := r.out("show interfaces gi0/1 trunk"); got != "" {
		t.Errorf("an access port's trunk table: %q", got)
	}
}
