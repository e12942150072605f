package cli

import (
	"net/netip"
	"strings"
	"testing"
)

// l3Config touches every layer-3 configuration command.
var l3Config = []string{
	"configure terminal",
	"vlan 10", "vlan 20", "exit",
	"interface gi0/1", "switchport access vlan 10",
	"interface gi0/2", "switchport access vlan 20",
	"interface vlan 10", "description Users", "ip address 10.0.10.1 255.255.255.0",
	"ip address 10.0.11.1 255.255.255.0 secondary", "ip mtu 1400", "mtu 9000", "arp timeout 60",
	"no ip arp gratuitous update", "no ip proxy-arp",
	"interface Vlan20", "ip address 10.0.20.1 255.255.255.0", "shutdown",
	"interface Vlan30", "exit",
	"ip route 0.0.0.0 0.0.0.0 10.0.10.254",
	"ip route 192.168.0.0 255.255.0.0 Null0",
	"ip route 172.16.0.0 255.255.0.0 Vlan10 10.0.10.253 200",
	"arp 10.0.10.50 0011.2233.4455 arpa",
	"no ip routing",
	"end",
}

func TestL3RunningConfigRoundTrip(t *testing.T) {
	a := newRig(t)
	lines := append(append([]string{}, richConfig[:len(richConfig)-1]...), l3Config[1:]...)
	if res := a.run(lines...); res.Rejected {
		t.Fatalf("config rejected:\n%s", res.Output)
	}
	cfg := a.dev.RunningConfig()
	for _, want := range []string{
		"no ip routing\n!\n",
		" duplex half\n!\ninterface Vlan10\n",
		"interface Vlan10\n description Users\n mtu 9000\n ip address 10.0.10.1 255.255.255.0\n" +
			" ip address 10.0.11.1 255.255.255.0 secondary\n ip mtu 1400\n no ip proxy-arp\n" +
			" no ip arp gratuitous update\n arp timeout 60\n!\n",
		"interface Vlan20\n ip address 10.0.20.1 255.255.255.0\n shutdown\n!\n",
		"interface Vlan30\n no ip address\n!\n",
		"ip route 0.0.0.0 0.0.0.0 10.0.10.254\nip route 172.16.0.0 255.255.0.0 Vlan10 10.0.10.253 200\n" +
			"ip route 192.168.0.0 255.255.0.0 Null0\n!\nmac address-table",
		"arp 10.0.10.50 0011.2233.4455 ARPA\n!\nline con 0\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("running-config lacks %q:\n%s", want, cfg)
		}
	}
	b := newRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 {
		t.Fatalf("reloading the running-config: %v", errs)
	}
	if got := b.dev.RunningConfig(); got != cfg {
		t.Fatalf("round trip differs\n--- first\n%s\n--- reloaded\n%s", cfg, got)
	}
	if b.sw.IPRouting() {
		t.Error("no ip routing lost in the reload")
	}
	if n := len(b.sw.StaticRoutes()); n != 3 {
		t.Errorf("reloaded %d static routes, want 3", n)
	}
	// Undoing everything leaves no L3 lines (defaults are not written).
	undo := []string{"configure terminal",
		"no ip route 0.0.0.0 0.0.0.0 10.0.10.254", "no ip route 192.168.0.0 255.255.0.0 Null0",
		"no ip route 172.16.0.0 255.255.0.0 Vlan10 10.0.10.253", "no arp 10.0.10.50",
		"no interface vlan 10", "no interface Vlan20", "no interface vl30", "ip routing", "end"}
	if res := b.run(undo...); res.Rejected {
		t.Fatalf("undo rejected:\n%s", res.Output)
	}
	got := b.dev.RunningConfig()
	for _, bad := range []string{"Vlan", "ip route", "arp ", "ip routing"} {
		if strings.Contains(got, bad) {
			t.Errorf("running-config still has %q after undo:\n%s", bad, got)
		}
	}
}

func TestL3Rejections(t *testing.T) {
	r := newRig(t)
	for _, line := range []string{
		"ip route 10.1.0.0 255.0.255.0 10.0.0.1",    // non-contiguous mask
		"ip route 10.1.0.1 255.255.0.0 10.0.0.1",    // host bits set
		"no ip route 10.9.0.0 255.255.0.0 10.0.0.1", // not configured
		"no interface gi0/1",                        // physical ports stay
	} {
		if res := r.run("configure terminal", line, "end"); !res.Rejected {
			t.Errorf("%q accepted:\n%s", line, res.Output)
		}
	}
	if res := r.run("configure terminal", "interface vlan 5", "ip address 10.0.0.1 255.0.255.0", "end"); !res.Rejected {
		t.Errorf("bad interface mask accepted:\n%s", res.Output)
	}
	if res := r.run("clear arp-cache interface gi0/1"); !res.Rejected {
		t.Errorf("clear arp-cache on a port accepted:\n%s", res.Output)
	}
	if res := r.run("show interfaces vlan 99"); !res.Rejected {
		t.Errorf("show interfaces of a missing SVI accepted:\n%s", res.Output)
	}
}

// TestL3ShowParsesWithTextFSM proves `show ip interface brief` reaches the
// dataplane renderer through the CLI in the layout ntc-templates parses.
func TestL3ShowParsesWithTextFSM(t *testing.T) {
	r := newRig(t)
	r.out(l3Config...)
	rows := parseFSM(t, "show_ip_interface_brief", r.out("show ip interface brief"))
	v10 := row(t, rows, "INTERFACE", "Vlan10")
	if v10["IP_ADDRESS"] != "10.0.10.1" || v10["STATUS"] != "up" {
		t.Errorf("Vlan10 row %v", v10)
	}
	v20 := row(t, rows, "INTERFACE", "Vlan20")
	if v20["STATUS"] != "administratively down" || v20["PROTO"] != "down" {
		t.Errorf("Vlan20 row %v", v20)
	}
	row(t, rows, "INTERFACE", "GigabitEthernet0/1")
	arpRows := parseFSM(t, "show_ip_arp", r.out("show ip arp"))
	if e := row(t, arpRows, "IP_ADDRESS", "10.0.10.50"); e["MAC_ADDRESS"] != "0011.2233.4455" || e["INTERFACE"] != "Vlan10" {
		t.Errorf("static ARP row %v", e)
	}
	// `show interfaces` lists the SVIs after the ports.
	all := r.out("show interfaces")
	if i, j := strings.Index(all, "GigabitEthernet0/4 is"), strings.Index(all, "Vlan10 is up"); i < 0 || j < i {
		t.Errorf("show interfaces lacks the SVIs after the ports:\n%s", all)
	}
}

func TestMaskBits(t *testing.T) {
	for _, tc := range []struct {
		mask string
		bits int
		ok   bool
	}{
		{"0.0.0.0", 0, true}, {"255.255.255.255", 32, true}, {"255.255.255.0", 24, true},
		{"255.255.254.0", 23, true}, {"128.0.0.0", 1, true},
		{"255.0.255.0", 0, false}, {"0.255.255.255", 0, false}, {"255.255.255.253", 0, false},
	} {
		n, ok := maskBits(netip.MustParseAddr(tc.mask))
		if ok != tc.ok || ok && n != tc.bits {
			t.Errorf("maskBits(%s) = %d %v, want %d %v", tc.mask, n, ok, tc.bits, tc.ok)
		}
		if ok && dottedMask(n) != tc.mask {
			t.Errorf("dottedMask(%d) = %s, want %s", n, dottedMask(n), tc.mask)
		}
	}
}

// FuzzMaskBits checks maskBits against the definition: a mask is valid iff
// it equals the dotted form of its own prefix length.
func FuzzMaskBits(f *testing.F) {
	f.Add(uint32(0xffffff00))
	f.Add(uint32(0xff00ff00))
	f.Add(uint32(0))
	f.Fuzz(func(t *testing.T, v uint32) {
		m := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		n, ok := maskBits(m)
		valid := false
		for k := 0; k <= 32; k++ {
			if dottedMask(k) == m.String() {
				valid = ok && n == k
				if !valid {
					t.Fatalf("maskBits(%s) = %d %v, want %d", m, n, ok, k)
				}
			}
		}
		if ok && !valid {
			t.Fatalf("maskBits(%s) accepted a non-contiguous mask as /%d", m, n)
		}
	})
}

// TestCEFPrefixAccountingCommand: `ip cef accounting per-prefix` turns the
// switch's per-prefix counting on and shows in the running-config; `no`
// takes both back.
func TestCEFPrefixAccountingCommand(t *testing.T) {
	r := newRig(t)
	if strings.Contains(r.out("show running-config"), "accounting") || r.sw.CEFPrefixAccounting() {
		t.Fatal("per-prefix accounting on by default")
	}
	r.out("configure terminal", "ip cef accounting per-prefix", "end")
	if !r.sw.CEFPrefixAccounting() || !strings.Contains(r.out("show running-config"), "\nip cef accounting per-prefix\n") {
		t.Fatalf("accounting %v, running-config:\n%s", r.sw.CEFPrefixAccounting(), r.out("show running-config"))
	}
	r.out("configure terminal", "no ip cef accounting per-prefix", "end")
	if r.sw.CEFPrefixAccounting() || strings.Contains(r.out("show running-config"), "accounting per-prefix") {
		t.Fatal("no ip cef accounting per-prefix left it on")
	}
}
