package cli

import (
	"strings"
	"testing"
)

// simConfig: Gi0/1, Gi0/2 in VLAN 10, Gi0/3 in VLAN 20, Gi0/4 a trunk
// (native 1); Vlan10 and Vlan20 route with an inbound router ACL on
// Vlan10; a host on Gi0/3 is known by ARP and in the MAC table.
var simConfig = []string{
	"configure terminal",
	"vlan 10", "vlan 20", "exit",
	"ip access-list extended NO-TELNET", "deny tcp any any eq 23", "permit ip any any", "exit",
	"interface gi0/1", "switchport access vlan 10",
	"interface gi0/2", "switchport access vlan 10",
	"interface gi0/3", "switchport access vlan 20",
	"interface gi0/4", "switchport mode trunk",
	"interface vlan 10", "ip address 10.0.10.1 255.255.255.0", "ip access-group NO-TELNET in",
	"interface vlan 20", "ip address 10.0.20.1 255.255.255.0",
	"exit",
	"arp 10.0.20.7 0000.0b00.000b arpa",
	"mac address-table static 0000.0b00.000b vlan 20 interface gi0/3",
	"end",
}

func simRig(t *testing.T) *rig {
	r := newRig(t)
	if res := r.run(simConfig...); res.Rejected {
		t.Fatalf("config rejected:\n%s", res.Output)
	}
	return r
}

// lastLine is the output's last non-empty line.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestShowPlatformForwardRouted: a routed UDP packet shows every routed
// stage, the ACE it hit, the prefix, the adjacency and the rewrite, and
// leaves on Gi0/3; nothing is learned and no ACL counter moves.
func TestShowPlatformForwardRouted(t *testing.T) {
	r := simRig(t)
	got := r.out("show platform forward interface gi0/1 vlan 10 0000.0a00.000a 001e.147a.0000 ip 10.0.10.5 10.0.20.7 udp 40000 53")
	for _, want := range []string{
		"Input interface : GigabitEthernet0/1, vlan 10 untagged\n",
		"Ethernet        : 0000.0a00.000a > 001e.147a.0000\n",
		"IPv4            : 10.0.10.5 > 10.0.20.7, udp 40000 > 53, ttl 64\n",
		"ingress          port forwarding\n",
		"vlan             vlan 10\n",
		"learn            0000.0a00.000a new, would be learned on GigabitEthernet0/1\n",
		"router           to the router mac\n",
		"router acl in    NO-TELNET entry 20 permit\n",
		"fib              10.0.20.7/32 (",
		"adjacency        Vlan20 10.0.20.7 (valid)\n",
		"rewrite          001e.147a.0000 > 0000.0b00.000b, ttl 63\n",
		"l2 lookup        vlan 20, destination on GigabitEthernet0/3\n",
		"egress           GigabitEthernet0/3, vlan 20 untagged\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if l := lastLine(got); l != "Result: forwarded to GigabitEthernet0/3" {
		t.Errorf("last line %q", l)
	}
	if m := r.out("show mac address-table address 0000.0a00.000a"); strings.Contains(m, "0000.0a00.000a") {
		t.Errorf("the simulated source was learned:\n%s", m)
	}
	if acl := r.out("show access-lists NO-TELNET"); strings.Contains(acl, "match") {
		t.Errorf("the simulation counted an ACL match:\n%s", acl)
	}
	if c := r.out("show interfaces gi0/3 counters"); strings.Count(c, " 0") < 2 {
		t.Logf("counters:\n%s", c)
	}
}

// TestShowPlatformForwardResults: the last line says where the frame
// went or why nowhere, for bridged, flooded, tagged, denied, punted and
// dropped frames.
func TestShowPlatformForwardResults(t *testing.T) {
	r := simRig(t)
	for _, c := range []struct{ cmd, stage, last string }{
		{"interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff",
			"l2 lookup        vlan 10, destination unknown or group: flood\n",
			"Result: forwarded to GigabitEthernet0/2, GigabitEthernet0/4"},
		{"interface gi0/4 vlan 10 0000.0c00.000c 0000.0a00.000a",
			"egress           GigabitEthernet0/1, vlan 10 untagged\n", // unknown: flooded, the tag popped
			"Result: forwarded to GigabitEthernet0/1, GigabitEthernet0/2"},
		{"interface gi0/1 vlan 20 0000.0a00.000a ffff.ffff.ffff",
			"vlan             vlan 20: dropped (vlan not allowed)\n",
			"Result: dropped: vlan not allowed"},
		{"interface gi0/3 vlan 20 0000.0a00.000a 0000.0b00.000b",
			"l2 lookup        destination on the input port: dropped (same port)\n",
			"Result: dropped: same port"},
		{"interface gi0/1 vlan 10 0000.0a00.000a 001e.147a.0000 ip 10.0.10.5 10.0.20.7 tcp 40000 23",
			"router acl in    NO-TELNET entry 10 deny: dropped (router acl deny)\n",
			"Result: dropped: router acl deny"},
		{"interface gi0/1 vlan 10 0000.0a00.000a 001e.147a.0000 ip 10.0.10.5 10.0.20.9 icmp 8 0",
			"adjacency        Vlan20 (glean): punted (glean)\n",
			"Result: punted: glean"},
		{"interface gi0/1 vlan 10 0000.0a00.000a 001e.147a.0000 ip 10.0.10.5 10.0.10.1 icmp 8 0",
			"adjacency        ",
			"Result: punted: receive"},
		{"interface gi0/1 vlan 10 0000.0a00.000a 001e.147a.0000 ip 10.0.10.5 192.0.2.1",
			"fib              ",
			"Result: punted: no route"},
		{"interface gi0/1 vlan 10 0000.0a00.000a 001e.147a.0000",
			"router           to the router mac: dropped (not ipv4)\n",
			"Result: dropped: not ipv4"},
		{"interface gi0/1 vlan 10 0100.0000.0001 ffff.ffff.ffff",
			"learn            0100.0000.0001 is a group address: dropped (invalid source mac)\n",
			"Result: dropped: invalid source mac"},
	} {
		got := r.out("show platform forward " + c.cmd)
		if !strings.Contains(got, c.stage) || lastLine(got) != c.last {
			t.Errorf("show platform forward %s: want %q and last line %q:\n%s", c.cmd, c.stage, c.last, got)
		}
	}
}

// TestShowPlatformForwardErrors: malformed arguments get the IOS caret
// error; a missing argument is incomplete; an SVI is no input port; the
// command takes abbreviations and pipes, and needs enable.
func TestShowPlatformForwardErrors(t *testing.T) {
	r := simRig(t)
	const invalid = "% Invalid input detected at '^' marker."
	for _, c := range []struct{ cmd, want string }{
		{"show platform forward interface gi0/9 vlan 10 0000.0a00.000a ffff.ffff.ffff", invalid},
		{"show platform forward interface gi0/1 vlan 5000 0000.0a00.000a ffff.ffff.ffff", invalid},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.zzzz ffff.ffff.ffff", invalid},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff ip 10.0.10.300 10.0.10.1", invalid},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff ip 10.0.10.5 10.0.10.1 tcp 1 70000", invalid},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff ip 10.0.10.5 10.0.10.1 icmp 256 0", invalid},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff ip 10.0.10.5 10.0.10.1 sctp 1 2", invalid},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.000a", "% Incomplete command."},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff ip 10.0.10.5", "% Incomplete command."},
		{"show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff ip 10.0.10.5 10.0.10.1 udp 1", "% Incomplete command."},
	} {
		res := r.run(c.cmd)
		if !res.Rejected || !strings.Contains(res.Output, c.want) {
			t.Errorf("%s: %v\n%s", c.cmd, res.Rejected, res.Output)
		}
	}
	res := r.run("show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff ip 10.0.10.5 10.0.10.1 tcp 1 70000")
	if !strings.Contains(res.Output, "\n"+strings.Repeat(" ", strings.Index(res.Output, "70000"))+"^\n") {
		t.Errorf("caret not under 70000:\n%s", res.Output)
	}
	res = r.run("show platform forward interface vlan 10 vlan 10 0000.0a00.000a ffff.ffff.ffff")
	if !res.Rejected || !strings.Contains(res.Output, "% Vlan10 is not a switched interface") {
		t.Errorf("an SVI as input:\n%s", res.Output)
	}
	if got := r.out("sh plat forw int gi0/4 vl 20 0000.0a00.000a 0000.0b00.000b | include Result:"); got != "Result: forwarded to GigabitEthernet0/3\n" {
		t.Errorf("abbreviated, piped: %q", got)
	}
	res = r.run("disable", "show platform forward interface gi0/1 vlan 10 0000.0a00.000a ffff.ffff.ffff")
	if !res.Rejected {
		t.Errorf("ran in user EXEC:\n%s", res.Output)
	}
}

// TestShowPlatformForwardL2ACLs: the port ACL's and the VLAN filter's
// lines name the list, the entry hit and the action.
func TestShowPlatformForwardL2ACLs(t *testing.T) {
	r := simRig(t)
	r.out("configure terminal",
		"ip access-list extended WEB", "permit tcp any any eq 80", "exit",
		"interface gi0/2", "ip access-group WEB in", "exit",
		"vlan access-map NOUDP 10", "match ip address NO-TELNET", "action forward", "exit",
		"vlan filter NOUDP vlan-list 10", "end")
	for _, c := range []struct{ cmd, stage, last string }{
		{"interface gi0/2 vlan 10 0000.0a00.0002 0000.0a00.0001 ip 10.0.10.6 10.0.10.5 tcp 1024 80",
			"port acl         WEB entry 10 permit\n",
			"Result: forwarded to GigabitEthernet0/1, GigabitEthernet0/4"},
		{"interface gi0/2 vlan 10 0000.0a00.0002 0000.0a00.0001 ip 10.0.10.6 10.0.10.5 udp 1024 53",
			"port acl         WEB implicit deny: dropped (port acl deny)\n",
			"Result: dropped: port acl deny"},
		{"interface gi0/1 vlan 10 0000.0a00.0001 0000.0a00.0002 ip 10.0.10.5 10.0.10.6 tcp 1024 23",
			"vlan filter      access-map NOUDP, drop: dropped (vlan filter drop)\n",
			"Result: dropped: vlan filter drop"},
		{"interface gi0/1 vlan 10 0000.0a00.0001 0000.0a00.0002 ip 10.0.10.5 10.0.10.6 tcp 1024 22",
			"vlan filter      access-map NOUDP, forward\n",
			"Result: forwarded to GigabitEthernet0/2, GigabitEthernet0/4"},
	} {
		got := r.out("show platform forward " + c.cmd)
		if !strings.Contains(got, c.stage) || lastLine(got) != c.last {
			t.Errorf("show platform forward %s: want %q and last line %q:\n%s", c.cmd, c.stage, c.last, got)
		}
	}
}
