package cli

import (
	"strings"
	"testing"
)

// TestStaticMulticastMAC: `mac address-table static` with a multicast MAC
// takes several interfaces, adds to the entry line by line, is shown and
// saved, sends frames to those ports only, and `no` removes ports or the
// entry.
func TestStaticMulticastMAC(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal",
		"mac address-table static 03bf.0a00.1464 vlan 1 interface gi0/2",
		"mac address-table static 03bf.0a00.1464 vlan 1 interface Gi0/3", "end")
	show := r.out("show mac address-table address 03bf.0a00.1464")
	if !strings.Contains(show, "   1    03bf.0a00.1464    STATIC      Gi0/2 Gi0/3\n") {
		t.Fatalf("show:\n%s", show)
	}
	rows := parseFSM(t, "show_mac_address_table", show)
	want(t, row(t, rows, "DESTINATION_ADDRESS", "03bf.0a00.1464"), map[string]any{"TYPE": "STATIC", "VLAN_ID": "1"})
	run := r.out("show running-config")
	line := "mac address-table static 03bf.0a00.1464 vlan 1 interface GigabitEthernet0/2 GigabitEthernet0/3\n"
	if !strings.Contains(run, line) {
		t.Fatalf("running-config lacks %q:\n%s", line, run)
	}
	r.send("GigabitEthernet0/1", frame("03bf.0a00.1464", "0200.0000.0001", 0))
	for p, n := range map[string]int{"GigabitEthernet0/2": 1, "GigabitEthernet0/3": 1, "GigabitEthernet0/4": 0} {
		if got := len(r.sent(p)); got != n {
			t.Errorf("%s got %d frames, want %d", p, got, n)
		}
	}
	if res := r.run("configure terminal", "mac address-table static 0200.0000.0009 vlan 1 interface gi0/2 gi0/3"); !res.Rejected {
		t.Fatalf("unicast MAC on two ports accepted:\n%s", res.Output)
	}
	r.out("configure terminal", "no mac address-table static 03bf.0a00.1464 vlan 1 interface gi0/2", "end")
	if show := r.out("show mac address-table address 03bf.0a00.1464"); !strings.Contains(show, "STATIC      Gi0/3\n") {
		t.Fatalf("after removing Gi0/2:\n%s", show)
	}
	r.out("configure terminal", "no mac address-table static 03bf.0a00.1464 vlan 1", "end")
	if show := r.out("show mac address-table address 03bf.0a00.1464"); !strings.Contains(show, "criterion: 0") {
		t.Fatalf("entry not removed:\n%s", show)
	}
	r.send("GigabitEthernet0/1", frame("03bf.0a00.1464", "0200.0000.0001", 0))
	if got := len(r.sent("GigabitEthernet0/4")); got != 1 {
		t.Fatalf("without the entry the frame floods: Gi0/4 got %d", got)
	}
}
