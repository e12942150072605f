package cli

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/internal/textfsmtest"
)

// parseFSM parses text with the ntc-templates template of folder, unchanged.
func parseFSM(t *testing.T, folder, text string) []map[string]any {
	return textfsmtest.Parse(t, folder, text)
}

// row finds the record whose field key equals val.
func row(t *testing.T, rows []map[string]any, key, val string) map[string]any {
	t.Helper()
	for _, r := range rows {
		if r[key] == val {
			return r
		}
	}
	t.Fatalf("no row with %s=%q in %v", key, val, rows)
	return nil
}

// want checks fields of a record; []string values compare as lists.
func want(t *testing.T, r map[string]any, fields map[string]any) {
	t.Helper()
	for k, v := range fields {
		got := r[k]
		if l, ok := v.([]string); ok {
			if !reflect.DeepEqual(got, l) {
				t.Errorf("%s = %#v, want %#v (row %v)", k, got, l, r)
			}
			continue
		}
		if got != v {
			t.Errorf("%s = %#v, want %#v (row %v)", k, got, v, r)
		}
	}
}

// labRig is a switch with a little of everything configured and learned.
func labRig(t *testing.T) *rig {
	r := newRig(t)
	r.out("configure terminal",
		"vlan 10", "name Users", "exit",
		"interface gi0/1", "description Host A", "switchport access vlan 10",
		"interface gi0/2", "switchport access vlan 10",
		"interface gi0/3", "description Uplink to core", "switchport mode trunk", "speed 100", "duplex full",
		"interface gi0/4", "shutdown",
		"mac address-table static 0011.2233.4455 vlan 10 interface gi0/2",
		"end")
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0000.0a01", 0))
	r.send("GigabitEthernet0/3", frame("ffff.ffff.ffff", "0000.0000.0b01", 10))
	r.send("GigabitEthernet0/3", frame("0000.0000.0a01", "0000.0000.0c01", 1))
	return r
}

func TestTextFSMMacAddressTable(t *testing.T) {
	r := labRig(t)
	rows := parseFSM(t, "show_mac_address_table", r.out("show mac address-table"))
	if len(rows) != len(cpuMACs)+4 {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(cpuMACs)+4, rows)
	}
	want(t, row(t, rows, "DESTINATION_ADDRESS", "0000.0000.0a01"), map[string]any{"VLAN_ID": "10", "TYPE": "DYNAMIC", "DESTINATION_PORT": []string{"Gi0/1"}})
	want(t, row(t, rows, "DESTINATION_ADDRESS", "0000.0000.0b01"), map[string]any{"VLAN_ID": "10", "TYPE": "DYNAMIC", "DESTINATION_PORT": []string{"Gi0/3"}})
	want(t, row(t, rows, "DESTINATION_ADDRESS", "0000.0000.0c01"), map[string]any{"VLAN_ID": "1", "TYPE": "DYNAMIC", "DESTINATION_PORT": []string{"Gi0/3"}})
	want(t, row(t, rows, "DESTINATION_ADDRESS", "0011.2233.4455"), map[string]any{"VLAN_ID": "10", "TYPE": "STATIC", "DESTINATION_PORT": []string{"Gi0/2"}})
	want(t, row(t, rows, "DESTINATION_ADDRESS", "0100.0ccc.cccc"), map[string]any{"VLAN_ID": "All", "TYPE": "STATIC", "DESTINATION_PORT": []string{"CPU"}})

	for cmd, n := range map[string]int{
		"show mac address-table dynamic":                               3,
		"show mac address-table vlan 10":                               3,
		"show mac address-table interface gi0/3 dynamic":               2,
		"show mac address-table address 0000.0000.0c01":                1,
		"show mac address-table static vlan 10":                        1,
		"show mac address-table dynamic vlan 4000":                     0,
		"show mac-address-table dynamic interface Gi0/1":               1,
		"show mac address-table vlan 10 interface gi0/2":               1,
		"show mac address-table address 0011.2233.4455 vlan 10 static": 1,
	} {
		if got := len(parseFSM(t, "show_mac_address_table", r.out(cmd))); got != n {
			t.Errorf("%s: %d rows, want %d", cmd, got, n)
		}
	}
}

func TestTextFSMInterfaces(t *testing.T) {
	r := labRig(t)
	rows := parseFSM(t, "show_interfaces", r.out("show interfaces"))
	if len(rows) != 4 {
		t.Fatalf("%d rows: %v", len(rows), rows)
	}
	want(t, row(t, rows, "INTERFACE", "GigabitEthernet0/1"), map[string]any{
		"LINK_STATUS": "up", "PROTOCOL_STATUS": "up (connected)", "HARDWARE_TYPE": "Gigabit Ethernet",
		"MAC_ADDRESS": "001e.147a.0001", "BIA": "001e.147a.0001", "DESCRIPTION": "Host A", "MTU": "1500",
		"BANDWIDTH": "1000000 Kbit", "DELAY": "10 usec", "DUPLEX": "Full-duplex", "SPEED": "1000Mb/s",
		"MEDIA_TYPE": "10/100/1000BaseTX", "INPUT_PACKETS": "1", "OUTPUT_PACKETS": "1", "ENCAPSULATION": "ARPA",
		"QUEUE_STRATEGY": "fifo", "INPUT_ERRORS": "0", "CRC": "0",
	})
	want(t, row(t, rows, "INTERFACE", "GigabitEthernet0/3"), map[string]any{
		"DESCRIPTION": "Uplink to core", "BANDWIDTH": "100000 Kbit", "SPEED": "100Mb/s", "INPUT_PACKETS": "2",
	})
	want(t, row(t, rows, "INTERFACE", "GigabitEthernet0/4"), map[string]any{
		"LINK_STATUS": "administratively down", "PROTOCOL_STATUS": "down (disabled)", "DUPLEX": "Auto-duplex", "SPEED": "Auto-speed",
	})
	one := parseFSM(t, "show_interfaces", r.out("show interfaces gi0/2"))
	if len(one) != 1 || one[0]["INTERFACE"] != "GigabitEthernet0/2" {
		t.Errorf("show interfaces gi0/2: %v", one)
	}
}

func TestTextFSMInterfacesStatus(t *testing.T) {
	r := labRig(t)
	r.out("configure terminal", "interface gi0/2", "description A very long description that IOS cuts", "end")
	rows := parseFSM(t, "show_interfaces_status", r.out("show interfaces status"))
	if len(rows) != 4 {
		t.Fatalf("%d rows: %v", len(rows), rows)
	}
	want(t, row(t, rows, "PORT", "Gi0/1"), map[string]any{"NAME": "Host A", "STATUS": "connected", "VLAN_ID": "10", "DUPLEX": "a-full", "SPEED": "a-1000", "TYPE": "10/100/1000BaseTX"})
	want(t, row(t, rows, "PORT", "Gi0/2"), map[string]any{"NAME": "A very long descri", "STATUS": "connected", "VLAN_ID": "10"})
	want(t, row(t, rows, "PORT", "Gi0/3"), map[string]any{"NAME": "Uplink to core", "VLAN_ID": "trunk", "DUPLEX": "full", "SPEED": "100"})
	want(t, row(t, rows, "PORT", "Gi0/4"), map[string]any{"NAME": "", "STATUS": "disabled", "VLAN_ID": "1", "DUPLEX": "auto", "SPEED": "auto"})
	// An access VLAN that was deleted leaves the port inactive.
	r.out("configure terminal", "no vlan 10", "end")
	rows = parseFSM(t, "show_interfaces_status", r.out("show interfaces gi0/1 status"))
	if len(rows) != 1 {
		t.Fatalf("rows %v", rows)
	}
	want(t, rows[0], map[string]any{"PORT": "Gi0/1", "STATUS": "inactive", "VLAN_ID": "10"})
}

func TestTextFSMVlan(t *testing.T) {
	r := newRigN(t, 12)
	r.out("configure terminal", "vlan 20", "name Servers", "interface gi0/12", "switchport access vlan 20", "end")
	for _, cmd := range []string{"show vlan brief", "show vlan"} {
		text := r.out(cmd)
		rows := parseFSM(t, "show_vlan", text)
		if len(rows) != 6 {
			t.Fatalf("%s: %d rows: %v", cmd, len(rows), rows)
		}
		var ports []string
		for i := 1; i <= 11; i++ {
			ports = append(ports, fmt.Sprintf("Gi0/%d", i))
		}
		want(t, row(t, rows, "VLAN_ID", "1"), map[string]any{"VLAN_NAME": "default", "STATUS": "active", "INTERFACES": ports})
		want(t, row(t, rows, "VLAN_ID", "20"), map[string]any{"VLAN_NAME": "Servers", "STATUS": "active", "INTERFACES": []string{"Gi0/12"}})
		want(t, row(t, rows, "VLAN_ID", "1003"), map[string]any{"VLAN_NAME": "token-ring-default", "STATUS": "act/unsup", "INTERFACES": []string{}})
		for _, l := range strings.Split(text, "\n") {
			if len(l) > 80 {
				t.Errorf("%s: line longer than 80 columns: %q", cmd, l)
			}
		}
	}
}

func TestTextFSMVersion(t *testing.T) {
	r := newRig(t)
	r.now = r.now.Add(3*24*time.Hour + 4*time.Hour + 5*time.Minute)
	rows := parseFSM(t, "show_version", r.out("show version"))
	if len(rows) != 1 {
		t.Fatalf("rows %v", rows)
	}
	want(t, rows[0], map[string]any{
		"VERSION": "15.0(2)SE", "SOFTWARE_IMAGE": "L2SW-UNIVERSALK9-M", "RELEASE": "fc1", "HOSTNAME": "Switch",
		"UPTIME": "3 days, 4 hours, 5 minutes", "UPTIME_DAYS": "3", "UPTIME_HOURS": "4", "UPTIME_MINUTES": "5",
		"RUNNING_IMAGE": "/l2sw-universalk9-mz.bin", "HARDWARE": []string{"L2SW-4T"}, "SERIAL": []string{"L2SW147A0000"},
		"CONFIG_REGISTER": "0xF", "MAC_ADDRESS": []string{"00:1E:14:7A:00:00"}, "RELOAD_REASON": "power-on",
	})
}

func TestTextFSMLogging(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "interface gi0/2", "shutdown", "end")
	rows := parseFSM(t, "show_logging", r.out("show logging"))
	if len(rows) != 3 {
		t.Fatalf("rows %v", rows)
	}
	want(t, rows[0], map[string]any{"MONTH": "Mar", "DAY": "1", "TIME": "00:01:02.345", "FACILITY": "LINK", "SEVERITY": "3", "MNEMONIC": "UPDOWN",
		"MESSAGE": []string{"Interface GigabitEthernet0/2, changed state to administratively down"}})
	want(t, rows[2], map[string]any{"FACILITY": "SYS", "SEVERITY": "5", "MNEMONIC": "CONFIG_I", "MESSAGE": []string{"Configured from console by console"}})
}

// TestTextFSMRunningConfigInterface: the template accepts only router-style
// sub-commands and no `end` line (see the reference README), so it is fed
// what IOS prints for a port with such lines, through `| exclude ^end`.
func TestTextFSMRunningConfigInterface(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "interface gi0/1", "description Link to R1", "shutdown", "speed 100", "end")
	rows := parseFSM(t, "show_running_config_interface", r.out("show running-config interface gi0/1 | exclude ^end"))
	if len(rows) != 1 {
		t.Fatalf("rows %v", rows)
	}
	want(t, rows[0], map[string]any{"INTERFACE": "GigabitEthernet0/1", "DESCRIPTION": "Link to R1"})
}

// TestPythonTextFSM runs Debian's python3-textfsm, the parser netmiko and
// Ansible use, on the MAC table and the interfaces output and checks it
// agrees with gotextfsm.
func TestPythonTextFSM(t *testing.T) {
	r := labRig(t)
	for folder, cmd := range map[string]string{
		"show_mac_address_table": "show mac address-table",
		"show_interfaces":        "show interfaces",
		"show_interfaces_status": "show interfaces status",
		"show_vlan":              "show vlan",
	} {
		text := r.out(cmd)
		pyRows := textfsmtest.ParsePython(t, folder, text)
		goRows := parseFSM(t, folder, text)
		if len(pyRows) != len(goRows) || len(pyRows) == 0 {
			t.Fatalf("%s: python %d rows, go %d rows", folder, len(pyRows), len(goRows))
		}
		for i := range pyRows {
			for k, v := range pyRows[i] {
				if fmt.Sprint(v) != fmt.Sprint(goRows[i][k]) {
					t.Errorf("%s row %d %s: python %v, go %v", folder, i, k, v, goRows[i][k])
				}
			}
		}
	}
}
