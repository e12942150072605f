package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/internal/textfsmtest"
)

// secureRig is a rig whose Gi0/1 is a secured access port.
func secureRig(t *testing.T, lines ...string) *rig {
	r := newRig(t)
	r.out(append([]string{"configure terminal", "interface gi0/1", "switchport mode access"}, append(lines, "end")...)...)
	return r
}

func TestPortSecurityRejectsDynamicPort(t *testing.T) {
	r := newRig(t)
	res := r.run("configure terminal", "interface gi0/2", "switchport port-security", "end")
	if !res.Rejected || !strings.Contains(res.Output, "Command rejected: GigabitEthernet0/2 is a dynamic port.") {
		t.Fatalf("port security on a dynamic port:\n%s", res.Output)
	}
	if strings.Contains(r.out("show running-config interface gi0/2"), "port-security") {
		t.Fatal("a refused line changed the config")
	}
}

// TestPortSecurityShutdownShowsAndRecovers: a second MAC on a maximum-1
// port err-disables it with the IOS messages; the shows report it in the
// IOS layouts; errdisable recovery brings it back.
func TestPortSecurityShutdownShowsAndRecovers(t *testing.T) {
	r := secureRig(t, "switchport port-security")
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0a00.000a", 0))
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0b00.000b", 0))
	logs := r.out("show logging")
	for _, want := range []string{
		"%PM-4-ERR_DISABLE: psecure-violation error detected on Gi0/1, putting Gi0/1 in err-disable state",
		"%PORT_SECURITY-2-PSECURE_VIOLATION: Security violation occurred, caused by MAC address 0000.0b00.000b on port GigabitEthernet0/1.",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("show logging lacks %q:\n%s", want, logs)
		}
	}
	wantIf := `Port Security              : Enabled
Port Status                : Secure-shutdown
Violation Mode             : Shutdown
Aging Time                 : 0 mins
Aging Type                 : Absolute
SecureStatic Address Aging : Disabled
Maximum MAC Addresses      : 1
Total MAC Addresses        : 0
Configured MAC Addresses   : 0
Sticky MAC Addresses       : 0
Last Source Address:Vlan   : 0000.0b00.000b:1
Security Violation Count   : 1
`
	if got := r.out("show port-security interface gi0/1"); got != wantIf {
		t.Errorf("show port-security interface:\n%s\nwant:\n%s", got, wantIf)
	}
	wantAll := `Secure Port  MaxSecureAddr  CurrentAddr  SecurityViolation  Security Action
                (Count)       (Count)          (Count)
---------------------------------------------------------------------------
      Gi0/1              1            0                  1         Shutdown
---------------------------------------------------------------------------
Total Addresses in System (excluding one mac per port)     : 0
Max Addresses limit in System (excluding one mac per port) : 4096
`
	if got := r.out("show port-security"); got != wantAll {
		t.Errorf("show port-security:\n%s\nwant:\n%s", got, wantAll)
	}
	wantErr := "\nPort      Name               Status       Reason               Err-disabled Vlans\n" +
		"Gi0/1                        err-disabled psecure-violation\n"
	if got := r.out("show interfaces status err-disabled"); got != wantErr {
		t.Errorf("show interfaces status err-disabled:\n%q\nwant:\n%q", got, wantErr)
	}
	rows := parseFSM(t, "show_interfaces_status", r.out("show interfaces status"))
	want(t, row(t, rows, "PORT", "Gi0/1"), map[string]any{"STATUS": "err-disabled", "VLAN_ID": "1"})
	if !strings.Contains(r.out("show interfaces gi0/1"), "GigabitEthernet0/1 is down, line protocol is down (err-disabled)") {
		t.Errorf("show interfaces:\n%s", r.out("show interfaces gi0/1"))
	}

	r.out("configure terminal", "errdisable recovery cause psecure-violation", "errdisable recovery interval 30", "end")
	rec := r.out("show errdisable recovery")
	for _, want := range []string{
		"ErrDisable Reason            Timer Status\n-----------------            --------------\narp-inspection               Disabled\n",
		"psecure-violation            Enabled\n",
		"storm-control                Disabled\n",
		"\nTimer interval: 30 seconds\n\nInterfaces that will be enabled at the next timeout:\n\n" +
			"Interface       Errdisable reason       Time left(sec)\n---------       -----------------       --------------\n" +
			"Gi0/1           psecure-violation                   30\n",
	} {
		if !strings.Contains(rec, want) {
			t.Errorf("show errdisable recovery lacks %q:\n%s", want, rec)
		}
	}
	cfg := r.out("show running-config")
	for _, line := range []string{"errdisable recovery cause psecure-violation\nerrdisable recovery interval 30\n", " switchport mode access\n switchport port-security\n"} {
		if !strings.Contains(cfg, line) {
			t.Errorf("running-config lacks %q", line)
		}
	}
	r.clk.Advance(31 * time.Second)
	r.sw.SecurityTick()
	if got := r.out("show port-security interface gi0/1"); !strings.Contains(got, "Port Status                : Secure-up") {
		t.Errorf("after recovery:\n%s", got)
	}
	if !strings.Contains(r.out("show logging"), "%PM-4-ERR_RECOVER: Attempting to recover from psecure-violation err-disable state on Gi0/1") {
		t.Error("no ERR_RECOVER message")
	}
}

func TestShutdownNoShutdownClearsErrDisable(t *testing.T) {
	r := secureRig(t, "switchport port-security")
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0a00.000a", 0))
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0b00.000b", 0))
	if st, _ := r.sw.Status("GigabitEthernet0/1"); st.ErrDisabled == "" {
		t.Fatal("not err-disabled")
	}
	r.out("configure terminal", "interface gi0/1", "shutdown", "no shutdown", "end")
	if st, _ := r.sw.Status("GigabitEthernet0/1"); st.ErrDisabled != "" || !st.Up {
		t.Fatalf("shutdown / no shutdown: %+v", st)
	}
}

// TestPortSecurityStickyRunningConfig: sticky addresses appear in the
// running-config and a saved config brings them back.
func TestPortSecurityStickyRunningConfig(t *testing.T) {
	r := secureRig(t, "switchport port-security maximum 3", "switchport port-security", "switchport port-security violation restrict",
		"switchport port-security mac-address 0000.0c00.000c", "switchport port-security mac-address sticky",
		"switchport port-security aging time 10", "switchport port-security aging type inactivity")
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0a00.000a", 0))
	want := `interface GigabitEthernet0/1
 switchport mode access
 switchport port-security maximum 3
 switchport port-security
 switchport port-security violation restrict
 switchport port-security mac-address 0000.0c00.000c
 switchport port-security mac-address sticky
 switchport port-security mac-address sticky 0000.0a00.000a
 switchport port-security aging time 10
 switchport port-security aging type inactivity
`
	cfg := r.out("show running-config interface gi0/1")
	if !strings.Contains(cfg, want) {
		t.Fatalf("running-config:\n%s\nwant:\n%s", cfg, want)
	}
	addr := r.out("show port-security address")
	for _, line := range []string{
		"Vlan    Mac Address       Type                          Ports   Remaining Age\n",
		"   1    0000.0a00.000a    SecureSticky                  Gi0/1        -\n",
		"   1    0000.0c00.000c    SecureConfigured              Gi0/1        -\n",
		"Total Addresses in System (excluding one mac per port)     : 1\n",
	} {
		if !strings.Contains(addr, line) {
			t.Errorf("show port-security address lacks %q:\n%s", line, addr)
		}
	}
	// Feeding the stanza back into a fresh switch gives the same config.
	r2 := newRig(t)
	r2.out(append([]string{"configure terminal"}, append(strings.Split(strings.TrimSpace(want), "\n"), "end")...)...)
	if got := r2.out("show running-config interface gi0/1"); !strings.Contains(got, want) {
		t.Fatalf("round trip:\n%s", got)
	}
	res := r.run("configure terminal", "interface gi0/1", "switchport port-security mac-address 0000.0d00.000d", "switchport port-security mac-address 0000.0e00.000e", "end")
	if !res.Rejected || !strings.Contains(res.Output, "Total secure mac-addresses on interface GigabitEthernet0/1 has reached maximum limit.") {
		t.Fatalf("past the maximum:\n%s", res.Output)
	}
	res = r.run("configure terminal", "interface gi0/1", "switchport port-security maximum 1", "end")
	if !res.Rejected || !strings.Contains(res.Output, "Maximum is less than number of currently secured mac-addresses.") {
		t.Fatalf("maximum below the addresses:\n%s", res.Output)
	}
	r.out("configure terminal", "interface gi0/1", "no switchport port-security mac-address sticky", "end")
	if strings.Contains(r.out("show running-config interface gi0/1"), "sticky") {
		t.Fatal("sticky off kept sticky lines")
	}
	r.out("clear port-security dynamic")
	if strings.Contains(r.out("show port-security address"), "0000.0a00.000a") {
		t.Fatal("clear port-security dynamic left the (formerly sticky) address")
	}
}

func TestStormControlConfigAndShow(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "interface gi0/1", "storm-control broadcast level pps 1k 500", "storm-control multicast level 20.5 10",
		"storm-control unicast level bps 10m", "storm-control action trap", "end")
	cfg := r.out("show running-config interface gi0/1")
	for _, line := range []string{" storm-control broadcast level pps 1k 500\n", " storm-control multicast level 20.50 10.00\n",
		" storm-control unicast level bps 10m\n", " storm-control action trap\n"} {
		if !strings.Contains(cfg, line) {
			t.Errorf("running-config lacks %q:\n%s", line, cfg)
		}
	}
	want := "Interface  Filter State   Upper        Lower        Current\n" +
		"---------  -------------  -----------  -----------  ----------\n" +
		"Gi0/1      Forwarding          1k pps      500 pps       0 pps\n"
	if got := r.out("show storm-control"); got != want {
		t.Errorf("show storm-control:\n%s\nwant:\n%s", got, want)
	}
	if got := r.out("show storm-control gi0/1 multicast"); !strings.Contains(got, "Gi0/1      Forwarding          20.50%       10.00%       0.00%\n") {
		t.Errorf("show storm-control gi0/1 multicast:\n%s", got)
	}
	if got := r.out("show storm-control gi0/2"); !strings.Contains(got, "Gi0/2      Inactive           100.00%      100.00%       0.00%\n") {
		t.Errorf("show storm-control gi0/2:\n%s", got)
	}
	for _, bad := range []string{"storm-control broadcast level 100.5", "storm-control broadcast level 10 20", "storm-control broadcast level pps 1x", "storm-control broadcast level 1.234"} {
		if res := r.run("configure terminal", "interface gi0/1", bad, "end"); !res.Rejected {
			t.Errorf("%q accepted", bad)
		}
	}
	r.out("configure terminal", "interface gi0/1", "no storm-control broadcast level", "no storm-control action trap", "end")
	if strings.Contains(r.out("show running-config interface gi0/1"), "broadcast") {
		t.Error("no storm-control broadcast level left the line")
	}
	// A storm at 3 pps over a level of 2 pps.
	r.out("configure terminal", "interface gi0/2", "storm-control broadcast level pps 2", "storm-control action shutdown", "end")
	for range 3 {
		r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0000.0a00.000a", 0))
	}
	logs := r.out("show logging")
	for _, want := range []string{"%PM-4-ERR_DISABLE: storm-control error detected on Gi0/2, putting Gi0/2 in err-disable state",
		"%STORM_CONTROL-3-SHUTDOWN: A packet storm was detected on Gi0/2. The interface has been disabled."} {
		if !strings.Contains(logs, want) {
			t.Errorf("show logging lacks %q", want)
		}
	}
	if got := r.out("show interfaces status err-disabled"); !strings.Contains(got, "Gi0/2                        err-disabled storm-control\n") {
		t.Errorf("show interfaces status err-disabled:\n%s", got)
	}
}

func TestMACLearningAndLimitCommands(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "vlan 10", "exit", "no mac address-table learning vlan 10", "mac address-table limit maximum 100", "end")
	cfg := r.out("show running-config")
	for _, line := range []string{"no mac address-table learning vlan 10\n", "mac address-table limit maximum 100\n"} {
		if !strings.Contains(cfg, line) {
			t.Errorf("running-config lacks %q", line)
		}
	}
	if got := r.out("show mac address-table learning"); got != "VLAN  Learning Status\n----  ---------------\n1     yes\n10    no\n" {
		t.Errorf("show mac address-table learning:\n%s", got)
	}
	r.out("configure terminal", "interface gi0/1", "switchport access vlan 10", "end")
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0a00.000a", 0))
	if r.sw.MACCount() != 0 {
		t.Fatal("learned in a VLAN without learning")
	}
	r.out("configure terminal", "mac address-table learning vlan 10", "no mac address-table limit", "end")
	cfg = r.out("show running-config")
	if strings.Contains(cfg, "learning") || strings.Contains(cfg, "limit") {
		t.Errorf("defaults left lines:\n%s", cfg)
	}
}

func TestParseRateAndPercent(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "1k": 1000, "1.5m": 1500000, "10g": 10000000000, "20.5": 21} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "k", "1.55", "-1", "1e3", "11g", "0x10", "1..", "NaN", "inf"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) accepted", bad)
		}
	}
	for in, want := range map[string]uint64{"0": 0, "100": 10000, "20.5": 2050, "0.01": 1, "99.99": 9999} {
		if got, err := parsePercent(in); err != nil || got != want {
			t.Errorf("parsePercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ".5", "100.01", "1.234", "5.", "-1", "1000"} {
		if _, err := parsePercent(bad); err == nil {
			t.Errorf("parsePercent(%q) accepted", bad)
		}
	}
	if formatRate(1500000) != "1.5m" || formatRate(1234) != "1234" || formatRate(1000) != "1k" {
		t.Errorf("formatRate: %s %s %s", formatRate(1500000), formatRate(1234), formatRate(1000))
	}
}

// FuzzStormLevel: the level parser never panics, and what it accepts
// renders back to a line it parses to the same level.
func FuzzStormLevel(f *testing.F) {
	for _, s := range []string{"1k", "1.5m", "20.50", "100", "0", "10g", "1..", "9999999999999"} {
		f.Add(uint8(0), s, "")
		f.Add(uint8(2), s, "1")
	}
	f.Fuzz(func(t *testing.T, unit uint8, rise, fall string) {
		u := []uint8{0, 1, 2}[unit%3]
		l, err := parseStormLevel(stormUnits[u], rise, fall)
		if err != nil {
			return
		}
		back, err := parseStormLevel(stormUnits[u], levelConfig(l.Unit, l.Rising), "")
		if err != nil || back.Rising != l.Rising {
			t.Fatalf("%q renders %q, which parses to %v, %v", rise, levelConfig(l.Unit, l.Rising), back, err)
		}
	})
}

var stormUnits = [...]dataplane.StormUnit{dataplane.StormPercent, dataplane.StormBPS, dataplane.StormPPS}

func TestConsoleExecTimeoutFollowsLineCon(t *testing.T) {
	r := newRig(t)
	if got := r.dev.ConsoleExecTimeout(); got != 10*time.Minute {
		t.Fatalf("default console exec-timeout %v, want 10m", got)
	}
	r.out("configure terminal", "line con 0", "exec-timeout 1 30", "end")
	if got := r.dev.ConsoleExecTimeout(); got != 90*time.Second {
		t.Fatalf("exec-timeout 1 30: %v", got)
	}
	r.out("configure terminal", "line con 0", "exec-timeout 0 0", "end")
	if got := r.dev.ConsoleExecTimeout(); got != 0 {
		t.Fatalf("exec-timeout 0 0: %v", got)
	}
}

// TestSecureAddressesAreStaticInTheMACTable: as on a Catalyst, secure
// addresses (dynamic, sticky, configured) are STATIC in `show mac
// address-table` and counted static, absent from its dynamic form, spared
// by `clear mac address-table dynamic` and by the table's aging, and are
// typed by `show port-security address` alone; the running-config has them
// as port-security lines, not as `mac address-table static`.
func TestSecureAddressesAreStaticInTheMACTable(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal",
		"mac address-table aging-time 10",
		"interface gi0/1", "switchport mode access", "switchport port-security", "switchport port-security mac-address sticky",
		"interface gi0/2", "switchport mode access", "switchport port-security",
		"interface gi0/4", "switchport mode access", "switchport port-security", "switchport port-security mac-address 0000.0d00.000d",
		"end")
	learn := func() {
		r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0a00.000a", 0))
		r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0000.0b00.000b", 0))
		r.send("GigabitEthernet0/3", frame("ffff.ffff.ffff", "0000.0c00.000c", 0))
		r.send("GigabitEthernet0/4", frame("ffff.ffff.ffff", "0000.0d00.000d", 0))
	}
	learn()
	text := r.out("show mac address-table")
	rows := parseFSM(t, "show_mac_address_table", text)
	for mac, port := range map[string]string{"0000.0a00.000a": "Gi0/1", "0000.0b00.000b": "Gi0/2", "0000.0d00.000d": "Gi0/4"} {
		want(t, row(t, rows, "DESTINATION_ADDRESS", mac), map[string]any{"VLAN_ID": "1", "TYPE": "STATIC", "DESTINATION_PORT": []string{port}})
	}
	want(t, row(t, rows, "DESTINATION_ADDRESS", "0000.0c00.000c"), map[string]any{"VLAN_ID": "1", "TYPE": "DYNAMIC", "DESTINATION_PORT": []string{"Gi0/3"}})
	py := textfsmtest.ParsePython(t, "show_mac_address_table", text)
	if fmt.Sprint(py) != fmt.Sprint(rows) {
		t.Errorf("python3-textfsm:\n%v\ngotextfsm:\n%v", py, rows)
	}
	if got := r.out("show mac address-table dynamic"); !strings.Contains(got, "   1    0000.0c00.000c    DYNAMIC     Gi0/3\nTotal Mac Addresses for this criterion: 1\n") {
		t.Errorf("show mac address-table dynamic:\n%s", got)
	}
	if n := len(parseFSM(t, "show_mac_address_table", r.out("show mac address-table static vlan 1"))); n != 3 {
		t.Errorf("show mac address-table static vlan 1: %d rows, want the 3 secure addresses", n)
	}
	if got := r.out("show mac address-table count vlan 1"); !strings.Contains(got, "Dynamic Address Count  : 1\nStatic  Address Count  : 3\nTotal Mac Addresses    : 4\n") {
		t.Errorf("show mac address-table count vlan 1:\n%s", got)
	}
	addrs := r.out("show port-security address")
	for _, l := range []string{
		"   1    0000.0a00.000a    SecureSticky                  Gi0/1        -\n",
		"   1    0000.0b00.000b    SecureDynamic                 Gi0/2        -\n",
		"   1    0000.0d00.000d    SecureConfigured              Gi0/4        -\n",
	} {
		if !strings.Contains(addrs, l) {
			t.Errorf("show port-security address lacks %q:\n%s", l, addrs)
		}
	}
	run := r.out("show running-config")
	if !strings.Contains(run, " switchport port-security mac-address sticky 0000.0a00.000a\n") || strings.Contains(run, "mac address-table static") {
		t.Errorf("running-config:\n%s", run)
	}

	r.out("clear mac address-table dynamic")
	if got := len(parseFSM(t, "show_mac_address_table", r.out("show mac address-table vlan 1"))); got != 3 {
		t.Errorf("after clear mac address-table dynamic: %d entries in VLAN 1, want the 3 secure ones:\n%s", got, r.out("show mac address-table vlan 1"))
	}

	// Silent for twice the aging time: the dynamic entry ages out, the
	// secure ones stay.
	r.send("GigabitEthernet0/3", frame("ffff.ffff.ffff", "0000.0c00.000c", 0))
	for range 20 {
		r.clk.Advance(time.Second)
		r.sw.SecurityTick()
		r.sw.AgeNow()
	}
	got := r.out("show mac address-table vlan 1")
	if strings.Contains(got, "0000.0c00.000c") || len(parseFSM(t, "show_mac_address_table", got)) != 3 {
		t.Errorf("after 20 s of silence with an aging time of 10 s:\n%s", got)
	}

	// Port security off: what it learned is an ordinary dynamic entry
	// again, learned anew.
	r.out("configure terminal", "interface gi0/2", "no switchport port-security", "end")
	r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0000.0b00.000b", 0))
	want(t, row(t, parseFSM(t, "show_mac_address_table", r.out("show mac address-table interface gi0/2")), "DESTINATION_ADDRESS", "0000.0b00.000b"),
		map[string]any{"TYPE": "DYNAMIC"})
}
