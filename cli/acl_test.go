package cli

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/internal/pkttest"
	"github.com/l2sw/l2sw/tcam/acl"
)

// cfg runs lines in configuration mode and fails on a rejected line.
func (r *rig) cfg(lines ...string) string {
	r.t.Helper()
	return r.out(append(append([]string{"configure terminal"}, lines...), "end")...)
}

// rejected runs lines (the last one must be refused) and returns the output.
func (r *rig) rejected(lines ...string) string {
	r.t.Helper()
	res := r.run(append([]string{"configure terminal"}, lines...)...)
	last := res.Outcomes[len(res.Outcomes)-1]
	if !last.Rejected() {
		r.t.Fatalf("%q accepted:\n%s", lines[len(lines)-1], res.Output)
	}
	return res.Output
}

func TestACLNumberedAndNamedLists(t *testing.T) {
	r := newRig(t)
	r.cfg(
		"access-list 10 permit 10.1.1.0 0.0.0.255",
		"access-list 10 deny 10.1.2.3",
		"access-list 10 deny any log",
		"access-list 1300 permit host 192.168.0.1",
		"access-list 101 permit tcp host 10.1.1.1 any eq www",
		"access-list 101 permit udp any range 1000 2000 10.0.0.0 0.255.0.255 eq isakmp",
		"access-list 101 permit udp any any eq non500-isakmp",
		"access-list 101 deny icmp any any echo log",
		"access-list 101 permit icmp any any 3 4",
		"access-list 101 permit tcp any neq telnet any established",
		"access-list 101 permit tcp any any lt 1024 syn ack",
		"access-list 101 permit gre any any",
		"access-list 101 permit esp any any",
		"access-list 101 permit ahp any any",
		"access-list 101 permit 112 any any",
		"access-list 2000 deny ip any any log-input",
		"ip access-list extended WEB",
		" permit tcp any host 10.2.2.2 eq 443",
		" 5 remark web servers",
		" 7 deny tcp any gt 1023 host 10.2.2.2 eq 22",
		"ip access-list standard MGMT",
		" permit 10.9.0.0 0.0.255.255",
	)
	got := r.out("show access-lists")
	want := `Standard IP access list 10
    10 permit 10.1.1.0, wildcard bits 0.0.0.255
    20 deny   10.1.2.3
    30 deny   any log
Extended IP access list 101
    10 permit tcp host 10.1.1.1 any eq www
    20 permit udp any range 1000 2000 10.0.0.0 0.255.0.255 eq isakmp
    30 permit udp any any eq non500-isakmp
    40 deny icmp any any echo log
    50 permit icmp any any packet-too-big
    60 permit tcp any neq telnet any established
    70 permit tcp any any lt 1024 ack syn
    80 permit gre any any
    90 permit esp any any
    100 permit ahp any any
    110 permit 112 any any
Standard IP access list 1300
    10 permit 192.168.0.1
Extended IP access list 2000
    10 deny ip any any log-input
Standard IP access list MGMT
    10 permit 10.9.0.0, wildcard bits 0.0.255.255
Extended IP access list WEB
    7 deny tcp any gt 1023 host 10.2.2.2 eq 22
    10 permit tcp any host 10.2.2.2 eq 443
`
	if got != want {
		t.Errorf("show access-lists:\n%s\nwant:\n%s", got, want)
	}
	if got := r.out("show ip access-lists WEB"); got != "Extended IP access list WEB\n    7 deny tcp any gt 1023 host 10.2.2.2 eq 22\n    10 permit tcp any host 10.2.2.2 eq 443\n" {
		t.Errorf("show ip access-lists WEB:\n%s", got)
	}
	if got := r.out("show access-lists 10"); !strings.HasPrefix(got, "Standard IP access list 10\n") || strings.Count(got, "\n") != 4 {
		t.Errorf("show access-lists 10:\n%s", got)
	}
	if got := r.out("show access-lists NOPE"); got != "" {
		t.Errorf("missing list shows %q", got)
	}
}

func TestACLAbbreviationsAndModes(t *testing.T) {
	r := newRig(t)
	res := r.run("conf t", "ip access-l ext ABBR", "perm tc ho 10.0.0.1 an eq ww", "den ud an an ra snmp snmpt", "exi",
		"ip acc stan 5", "per any", "end", "sh acc")
	if res.Rejected {
		t.Fatalf("rejected:\n%s", res.Output)
	}
	for _, want := range []string{
		"Switch(config-ext-nacl)#perm tc", "Switch(config-std-nacl)#per any",
		"    10 permit tcp host 10.0.0.1 any eq www\n", "    20 deny udp any any range snmp snmptrap\n",
		"Standard IP access list 5\n    10 permit any\n",
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("missing %q in\n%s", want, res.Output)
		}
	}
	// `ip access-list standard 5` edits the numbered list, which stays numbered.
	if !strings.Contains(r.dev.RunningConfig(), "access-list 5 permit any\n") {
		t.Errorf("numbered list edited by name not saved as access-list 5:\n%s", r.dev.RunningConfig())
	}
}

func TestACLRejectedLinesChangeNothing(t *testing.T) {
	r := newRig(t)
	r.cfg("access-list 101 permit tcp any any eq www", "ip access-list extended WEB", "permit ip any any", "deny udp any any")
	before := r.dev.RunningConfig()
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"access-list 101 permit tcp any any eq bogus"}, "% Invalid input detected at '^' marker."},
		{[]string{"access-list 101 permit ip 10.0.0.0 any"}, "% Invalid input detected at '^' marker."},
		{[]string{"access-list 101 permit tcp any any eq 70000"}, "% Invalid input detected at '^' marker."},
		{[]string{"access-list 10 permit tcp any any"}, "% Invalid input detected at '^' marker."},
		{[]string{"access-list 100 permit tcp any any eq"}, "% Incomplete command."},
		{[]string{"access-list 100 permit udp any any eq d"}, "% Ambiguous command:"},
		{[]string{"access-list 3000 permit any"}, "% Invalid input detected at '^' marker."},
		{[]string{"access-list 101 permit tcp any any range 90 80"}, "% Invalid access list entry"},
		{[]string{"access-list 101 permit udp any any established"}, "% Invalid input detected at '^' marker."},
		{[]string{"ip access-list extended WEB", "10 permit tcp any any"}, "% Duplicate sequence number"},
		{[]string{"ip access-list standard WEB"}, "% Access-list type conflicts with prior definition"},
		{[]string{"ip access-list extended 10"}, "% Invalid access list name."},
		{[]string{"ip access-list resequence NONE 10 10"}, "% Access list NONE does not exist"},
		{[]string{"ip access-list resequence WEB 2147483600 100"}, "% Exceeded maximum sequence number."},
		{[]string{"interface gi0/1", "ip access-group WEB out"}, "% Outbound access lists are not supported on layer 2 ports"},
		{[]string{"interface vlan 10", "ip access-group WEB sideways"}, "% Invalid input detected at '^' marker."},
		{[]string{"vlan access-map M 70000"}, "% Invalid input detected at '^' marker."},
		{[]string{"vlan filter M vlan-list 5000"}, "% Invalid input detected at '^' marker."},
	} {
		out := r.rejected(tc.lines...)
		if !strings.Contains(out, tc.want) {
			t.Errorf("%q: want %q in\n%s", tc.lines, tc.want, out)
		}
		r.out("configure terminal", "no interface vlan 10", "end")
		if after := r.dev.RunningConfig(); after != before {
			t.Errorf("%q changed the configuration:\n%s", tc.lines, after)
		}
	}
	// The caret sits under the bad word.
	out := r.rejected("access-list 101 permit tcp any any eq bogus")
	if !strings.Contains(out, "Switch(config)#access-list 101 permit tcp any any eq bogus\n"+strings.Repeat(" ", len("Switch(config)#access-list 101 permit tcp any any eq "))+"^\n") {
		t.Errorf("caret misplaced:\n%s", out)
	}
}

func TestACLSequenceNumbers(t *testing.T) {
	r := newRig(t)
	r.cfg("ip access-list extended SEQ",
		"permit tcp any any eq 22", "permit tcp any any eq 23", "25 permit tcp any any eq 25",
		"permit tcp any any eq 22", // a duplicate entry is ignored, as IOS does
		"no 20", "no permit tcp any any eq 25", "no 99",
		"5 deny ip host 10.0.0.1 any",
		"remark the rest")
	want := "Extended IP access list SEQ\n    5 deny ip host 10.0.0.1 any\n    10 permit tcp any any eq 22\n"
	if got := r.out("show access-lists SEQ"); got != want {
		t.Errorf("after edits:\n%s\nwant:\n%s", got, want)
	}
	r.cfg("ip access-list resequence SEQ 100 5")
	want = "Extended IP access list SEQ\n    100 deny ip host 10.0.0.1 any\n    105 permit tcp any any eq 22\n"
	if got := r.out("show access-lists SEQ"); got != want {
		t.Errorf("after resequence:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(r.dev.RunningConfig(), "ip access-list extended SEQ\n deny ip host 10.0.0.1 any\n permit tcp any any eq 22\n remark the rest\n!\n") {
		t.Errorf("running-config:\n%s", r.dev.RunningConfig())
	}
	r.cfg("no ip access-list extended SEQ", "access-list 99 permit any", "access-list 99 deny host 1.1.1.1", "no access-list 99")
	if got := r.out("show access-lists"); got != "" {
		t.Errorf("lists left: %q", got)
	}
}

// aclLabConfig is a configuration using every ACL feature.
var aclLabConfig = []string{
	"platform acl tcam entries 2000",
	"platform acl tcam lous 16",
	"vlan 10", "vlan 20", "vlan 21", "vlan 22", "exit",
	"access-list 10 permit 10.1.1.0 0.0.0.255",
	"access-list 10 deny   any log",
	"access-list 101 permit tcp host 10.1.1.1 any eq www",
	"access-list 101 deny icmp any any echo",
	"access-list 101 permit ip any any",
	"ip access-list extended WEB",
	" remark web servers",
	" permit tcp any host 10.2.2.2 eq 443",
	" deny udp any range 1 100 any log",
	"ip access-list standard MGMT",
	" permit 10.9.0.0 0.0.255.255",
	"vlan access-map SEC 10",
	" match ip address WEB 101",
	" action drop",
	"vlan access-map SEC 20",
	" action forward",
	"vlan access-map OTHER",
	" match ip address MGMT",
	"vlan filter SEC vlan-list 20-22",
	"vlan filter OTHER vlan-list 10",
	"interface gi0/1", " ip access-group 101 in",
	"interface gi0/2", " switchport access vlan 10", " ip access-group WEB in",
	"interface vlan 10", " ip address 10.10.0.1 255.255.255.0", " ip access-group WEB in", " ip access-group 10 out",
}

func TestACLRunningConfigRoundTrip(t *testing.T) {
	r := newRig(t)
	r.cfg(aclLabConfig...)
	cfg := r.dev.RunningConfig()
	for _, want := range []string{
		"hostname Switch\n!\nplatform acl tcam entries 2000\nplatform acl tcam lous 16\n!\n",
		"vlan 22\n!\nvlan access-map OTHER 10\n match ip address MGMT\n action forward\n!\nvlan access-map SEC 10\n match ip address WEB 101\n action drop\n!\nvlan access-map SEC 20\n action forward\n!\nvlan filter OTHER vlan-list 10\nvlan filter SEC vlan-list 20-22\n!\ninterface GigabitEthernet0/1\n ip access-group 101 in\n!\n",
		"interface GigabitEthernet0/2\n switchport access vlan 10\n ip access-group WEB in\n!\n",
		"interface Vlan10\n ip address 10.10.0.1 255.255.255.0\n ip access-group WEB in\n ip access-group 10 out\n!\n",
		"ip access-list standard MGMT\n permit 10.9.0.0 0.0.255.255\n!\nip access-list extended WEB\n remark web servers\n permit tcp any host 10.2.2.2 eq 443\n deny udp any range 1 100 any log\n!\naccess-list 10 permit 10.1.1.0 0.0.0.255\naccess-list 10 deny   any log\naccess-list 101 permit tcp host 10.1.1.1 any eq www\naccess-list 101 deny icmp any any echo\naccess-list 101 permit ip any any\n!\nline con 0\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("running-config lacks\n%s\nin\n%s", want, cfg)
		}
	}
	if err := r.dev.Save(); err != nil {
		t.Fatal(err)
	}
	r2 := newRig(t)
	if err := r2.dev.LoadConfigFile(r.path); err != nil {
		t.Fatalf("load: %v", err)
	}
	if got := r2.dev.RunningConfig(); got != cfg {
		t.Errorf("round trip differs:\n%s\nwant:\n%s", got, cfg)
	}
	for _, cmd := range []string{"show access-lists", "show vlan access-map", "show vlan filter", "show fm summary", "show platform hardware capacity acl"} {
		if a, b := r.out(cmd), r2.out(cmd); a != b {
			t.Errorf("%s differs after reload:\n%s\nvs\n%s", cmd, b, a)
		}
	}
	if u := r2.sw.ACLUsage(); u.EntriesUsed == 0 || u.Limits.Entries != 2000 || u.Limits.RangeUnits != 16 {
		t.Errorf("reloaded TCAM usage %+v", u)
	}
	// Removing everything leaves a default configuration and an empty TCAM.
	r2.cfg("no platform acl tcam entries", "no platform acl tcam lous", "no vlan filter SEC", "no vlan filter OTHER vlan-list 10",
		"no vlan access-map SEC", "no vlan access-map OTHER 10",
		"interface gi0/1", "no ip access-group in", "interface gi0/2", "no ip access-group WEB in",
		"interface vlan 10", "no ip access-group in", "no ip access-group 10 out",
		"no access-list 10", "no access-list 101", "no ip access-list extended WEB", "no ip access-list standard MGMT")
	cfg2 := r2.dev.RunningConfig()
	for _, bad := range []string{"access-list", "access-group", "access-map", "platform", "filter"} {
		if strings.Contains(cfg2, bad) {
			t.Errorf("%q left in\n%s", bad, cfg2)
		}
	}
	if u := r2.sw.ACLUsage(); u.EntriesUsed != 0 || u.Limits != dataplane.DefaultACLLimits() {
		t.Errorf("TCAM after removing everything: %+v", u)
	}
}

func TestACLShowVLANAccessMapAndFilter(t *testing.T) {
	r := newRig(t)
	r.cfg(aclLabConfig...)
	want := `Vlan access-map "OTHER"  10
  Match clauses:
    ip  address: MGMT
  Action:
    forward
Vlan access-map "SEC"  10
  Match clauses:
    ip  address: WEB 101
  Action:
    drop
Vlan access-map "SEC"  20
  Match clauses:
  Action:
    forward
`
	if got := r.out("show vlan access-map"); got != want {
		t.Errorf("show vlan access-map:\n%s\nwant:\n%s", got, want)
	}
	if got := r.out("show vlan access-map OTHER"); !strings.HasPrefix(want, got) || got == "" {
		t.Errorf("show vlan access-map OTHER:\n%s", got)
	}
	if got := r.out("show vlan filter"); got != "VLAN Map OTHER is filtering VLANs:\n  10\nVLAN Map SEC is filtering VLANs:\n  20-22\n" {
		t.Errorf("show vlan filter:\n%s", got)
	}
	r.cfg("vlan access-map SEC 10", "no match ip address 101", "no action")
	if got := r.out("show vlan access-map SEC"); !strings.Contains(got, "    ip  address: WEB\n  Action:\n    forward\n") {
		t.Errorf("after no match/no action:\n%s", got)
	}
}

// matches reads the (N matches) counter of entry seq of list from show access-lists.
func matches(t *testing.T, r *rig, list string, seq int) int {
	t.Helper()
	out := r.out("show access-lists " + list)
	re := regexp.MustCompile(`(?m)^    ` + strconv.Itoa(seq) + ` .*?(?: \((\d+) match(?:es)?\))?$`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no entry %d in\n%s", seq, out)
	}
	if m[1] == "" {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestACLCountersAndClear(t *testing.T) {
	r := newRig(t)
	r.cfg("access-list 101 permit tcp any any eq www", "access-list 101 deny udp any any", "access-list 101 permit ip any any",
		"ip access-list extended OTHER", "deny ip any any",
		"interface gi0/1", "ip access-group 101 in")
	for i := 0; i < 3; i++ {
		r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "tcp", 80))
	}
	r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "icmp", 0))
	r.send("GigabitEthernet0/2", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53)) // no ACL on gi0/2
	if a, b, c := matches(t, r, "101", 10), matches(t, r, "101", 20), matches(t, r, "101", 30); a != 3 || b != 1 || c != 1 {
		t.Errorf("matches %d %d %d, want 3 1 1:\n%s", a, b, c, r.out("show access-lists"))
	}
	if !strings.Contains(r.out("show ip access-lists"), "    20 deny udp any any (1 match)\n") {
		t.Errorf("singular match:\n%s", r.out("show ip access-lists"))
	}
	r.out("clear access-list counters OTHER")
	if n := matches(t, r, "101", 10); n != 3 {
		t.Errorf("clearing another list cleared 101: %d", n)
	}
	r.out("clear ip access-list counters 101")
	if n := matches(t, r, "101", 10); n != 0 {
		t.Errorf("after clear: %d", n)
	}
	r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "tcp", 80))
	r.out("clear access-list counters")
	if n := matches(t, r, "101", 10); n != 0 {
		t.Errorf("after clear all: %d", n)
	}
	if res := r.run("clear access-list counters NOPE"); !res.Rejected || !strings.Contains(res.Output, "% Access list NOPE does not exist") {
		t.Errorf("clear of a missing list:\n%s", res.Output)
	}
}

// TestACLUndefinedListFiltersNothing: an access-group naming a list that
// does not exist yet permits everything until the list is defined, and an
// edit of an applied list takes effect at once.
func TestACLUndefinedListFiltersNothing(t *testing.T) {
	r := newRig(t)
	r.cfg("interface gi0/1", "ip access-group LATER in")
	if u := r.sw.ACLUsage(); u.EntriesUsed != 0 {
		t.Fatalf("undefined list programmed: %+v", u)
	}
	r.cfg("ip access-list extended LATER", "remark nothing yet")
	if u := r.sw.ACLUsage(); u.EntriesUsed != 0 {
		t.Fatalf("remark-only list programmed: %+v", u)
	}
	r.cfg("ip access-list extended LATER", "deny udp any any")
	r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	if n := matches(t, r, "LATER", 20); n != 1 {
		t.Errorf("defined list not filtering: %d", n)
	}
	r.cfg("ip access-list extended LATER", "5 permit udp any any eq 53")
	r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	if n := matches(t, r, "LATER", 5); n != 1 {
		t.Errorf("edit not re-applied: %d", n)
	}
	r.cfg("no ip access-list extended LATER")
	if u := r.sw.ACLUsage(); u.EntriesUsed != 0 {
		t.Errorf("deleted list still programmed: %+v", u)
	}
	if !strings.Contains(r.dev.RunningConfig(), " ip access-group LATER in\n") {
		t.Errorf("access-group lost with the list")
	}
}

// TestACLTCAMFullRejects: with a tiny TCAM, an edit that does not fit a
// port ACL or a VLAN filter is refused, the list keeps its old entries and
// the old program keeps filtering everywhere it is applied.
func TestACLTCAMFullRejects(t *testing.T) {
	r2 := newRig(t)
	r2.cfg("platform acl tcam entries 5",
		"ip access-list extended SMALL", "deny udp any any eq 53", "permit ip any any",
		"interface gi0/1", "ip access-group SMALL in",
		"interface gi0/2", "ip access-group SMALL in")
	used := r2.sw.ACLUsage().EntriesUsed
	before := r2.dev.RunningConfig()
	beforeShow := r2.out("show access-lists")
	out := r2.rejected("ip access-list extended SMALL", "5 deny tcp any any eq 22")
	if !strings.Contains(out, errTCAMFull) {
		t.Fatalf("no TCAMFULL line:\n%s", out)
	}
	if got := r2.dev.RunningConfig(); got != before {
		t.Errorf("rejected ACE changed the configuration:\n%s", got)
	}
	if got := r2.out("show access-lists"); got != beforeShow {
		t.Errorf("rejected ACE changed the list:\n%s", got)
	}
	if got := r2.sw.ACLUsage().EntriesUsed; got != used {
		t.Errorf("TCAM use %d after rollback, want %d", got, used)
	}
	// The old list still filters on both ports.
	r2.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	r2.send("GigabitEthernet0/2", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	if n := matches(t, r2, "SMALL", 10); n != 2 {
		t.Errorf("old ACL not filtering on both ports: %d matches", n)
	}
	if len(r2.sw.Log().Grep("%ACL-5-TCAMFULL")) == 0 {
		t.Errorf("TCAMFULL not logged")
	}
	// Applying a new list that does not fit is refused and the old one stays.
	r2.cfg("ip access-list extended BIG", "deny tcp any any eq 1", "deny tcp any any eq 2", "deny tcp any any eq 3", "deny tcp any any eq 4")
	out = r2.rejected("interface gi0/3", "ip access-group BIG in")
	if !strings.Contains(out, errTCAMFull) || strings.Contains(r2.dev.RunningConfig(), "ip access-group BIG") {
		t.Errorf("oversized port ACL accepted:\n%s", out)
	}
	out = r2.rejected("vlan access-map V", "match ip address BIG", "vlan filter V vlan-list 1")
	if !strings.Contains(out, errTCAMFull) || strings.Contains(r2.dev.RunningConfig(), "vlan filter V") {
		t.Errorf("oversized VLAN filter accepted:\n%s", out)
	}
	// Shrinking the TCAM under the programmed entries is refused too.
	out = r2.rejected("platform acl tcam entries 1")
	if !strings.Contains(out, "% ACL TCAM entries in use") {
		t.Errorf("shrink below use:\n%s", out)
	}
}

// TestACLRouterACLOverflow: a router ACL that does not fit is accepted,
// software switched, and shown INACTIVE by show fm summary.
func TestACLRouterACLOverflow(t *testing.T) {
	r := newRig(t)
	r.cfg("platform acl tcam entries 4",
		"ip access-list extended BIG", "deny tcp any any eq 23", "deny tcp any any eq 25", "deny tcp any any eq 110",
		"permit ip any any", "deny ip any any",
		"interface vlan 202", "ip address 10.20.2.1 255.255.255.0", "ip access-group 10 out")
	res := r.run("configure terminal", "interface vlan 202", "ip access-group BIG in", "end")
	if res.Rejected {
		t.Fatalf("router ACL overflow rejected:\n%s", res.Output)
	}
	for _, want := range []string{
		"%FM-4-TCAM_ENTRY: Hardware TCAM entry capacity exceeded",
		"%FMCORE-4-RACL_REDUCED: Interface Vlan202 routed traffic will be software switched in ingress direction",
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("session lacks %q:\n%s", want, res.Output)
		}
		if len(r.sw.Log().Grep(want)) == 0 {
			t.Errorf("log lacks %q", want)
		}
	}
	if !strings.Contains(r.dev.RunningConfig(), " ip access-group BIG in\n") {
		t.Errorf("router ACL not in running-config")
	}
	// `10 out` names no list: nothing is bound for it.
	if got := r.out("show fm summary"); got != "Interface: Vlan202 is up\n  TCAM screening for features: INACTIVE inbound\n" {
		t.Errorf("show fm summary:\n%s", got)
	}
	r.cfg("access-list 10 permit any")
	if got := r.out("show fm summary"); !strings.Contains(got, "INACTIVE inbound\n  TCAM screening for features: ACTIVE outbound\n") {
		t.Errorf("show fm summary:\n%s", got)
	}
	// Deleting the SVI takes its access groups with it.
	r.cfg("no interface vlan 202")
	if got := r.out("show fm summary"); got != "" {
		t.Errorf("fm summary after no interface: %q", got)
	}
	r.cfg("interface vlan 202")
	if strings.Contains(r.dev.RunningConfig(), "access-group") {
		t.Errorf("recreated SVI kept its access groups")
	}
}

func TestACLCapacityShow(t *testing.T) {
	r := newRig(t)
	r.cfg("platform acl tcam entries 100", "platform acl tcam masks 50", "platform acl tcam entries-per-mask 4",
		"access-list 101 permit tcp any any range 10 20", "interface gi0/1", "ip access-group 101 in")
	u := r.sw.ACLUsage()
	got := r.out("show platform hardware capacity acl")
	want := "ACL TCAM Resources\n" +
		"  Resource                     Used       Free      Total  Used%\n" +
		"  ACL TCAM entries      " + pad(u.EntriesUsed) + pad(100-u.EntriesUsed) + pad(100) + " " + pct(u.EntriesUsed, 100) + "\n" +
		"  ACL TCAM masks        " + pad(u.MasksUsed) + pad(50-u.MasksUsed) + pad(50) + " " + pct(u.MasksUsed, 50) + "\n" +
		"  LOUs (range checkers) " + pad(u.RangeUnitsUsed) + pad(32-u.RangeUnitsUsed) + pad(32) + " " + pct(u.RangeUnitsUsed, 32) + "\n" +
		"  Entries per mask: 4\n"
	if got != want || u.EntriesUsed == 0 || u.RangeUnitsUsed != 1 {
		t.Errorf("capacity (%+v):\n%s\nwant:\n%s", u, got, want)
	}
	if r.out("show tcam counts") != got {
		t.Errorf("show tcam counts differs")
	}
}

func pad(n int) string    { return strings.Repeat(" ", 11-len(strconv.Itoa(n))) + strconv.Itoa(n) }
func pct(a, b int) string { s := strconv.Itoa(a*100/b) + "%"; return strings.Repeat(" ", 6-len(s)) + s }

// TestACLKeywordTablesMatchCodec: every port and ICMP keyword the engine
// offers is one the tcam/acl parser accepts, with the value the help
// text gives, and the codec renders no keyword the engine lacks.
func TestACLKeywordTablesMatchCodec(t *testing.T) {
	num := regexp.MustCompile(`(\d+)\)$`)
	for proto, names := range map[string][]keywordHelp{"tcp": tcpPortNames, "udp": udpPortNames} {
		known := map[string]bool{}
		for _, k := range names {
			known[k.name] = true
			a, err := acl.ParseLine(acl.Extended, "permit "+proto+" any any eq "+k.name)
			if err != nil {
				t.Errorf("%s %s: %v", proto, k.name, err)
				continue
			}
			m := num.FindStringSubmatch(k.help)
			if m == nil || strconv.Itoa(int(a.DstPort.Lo)) != m[1] {
				t.Errorf("%s %s = %d, help says %q", proto, k.name, a.DstPort.Lo, k.help)
			}
		}
		for p := 0; p < 5000; p++ {
			a, _ := acl.ParseLine(acl.Extended, "permit "+proto+" any any eq "+strconv.Itoa(p))
			w := strings.Fields(a.String())
			if name := w[len(w)-1]; name != strconv.Itoa(p) && !known[name] {
				t.Errorf("codec names %s port %d %q; the CLI does not offer it", proto, p, name)
			}
		}
	}
	known := map[string]bool{}
	for _, k := range icmpNames {
		known[k.name] = true
		if _, err := acl.ParseLine(acl.Extended, "permit icmp any any "+k.name); err != nil {
			t.Errorf("icmp %s: %v", k.name, err)
		}
	}
	for ty := 0; ty < 64; ty++ {
		for code := -1; code < 20; code++ {
			line := "permit icmp any any " + strconv.Itoa(ty)
			if code >= 0 {
				line += " " + strconv.Itoa(code)
			}
			a, err := acl.ParseLine(acl.Extended, line)
			if err != nil {
				t.Fatal(err)
			}
			w := strings.Fields(a.String())
			if name := w[len(w)-1]; name[0] < '0' || name[0] > '9' {
				if name != "any" && !known[name] {
					t.Errorf("codec names icmp %d/%d %q; the CLI does not offer it", ty, code, name)
				}
			}
		}
	}
}

// TestACLHelp: `?` lists the port keywords from the same graph.
func TestACLHelp(t *testing.T) {
	r := newRig(t)
	st := r.dev.Engine().NewState(engine.LevelPrivileged)
	var b strings.Builder
	r.dev.Engine().Exec(st, "configure terminal", &b, -1)
	b.Reset()
	r.dev.Engine().Help(st, "access-list 101 permit udp any any eq ", &b, 0)
	for _, want := range []string{"<0-65535>", "isakmp", "non500-isakmp", "Internet Security Association"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("? lacks %q:\n%s", want, b.String())
		}
	}
}

// FuzzACLEntryLine feeds arbitrary entry lines to config-ext-nacl: no
// panic, and an accepted entry prints back as a line that parses to the
// same entry.
func FuzzACLEntryLine(f *testing.F) {
	for _, s := range []string{"permit tcp any any eq www", "10 deny udp host 1.2.3.4 range 1 9 any log",
		"permit icmp any any 3 4", "deny ip 10.0.0.0 0.255.0.255 any", "remark x y", "permit tcp any any established syn",
		"permit 200 any any log-input", "no 10", "no permit ip any any"} {
		f.Add(s)
	}
	r := newRig(f)
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n\r|?") {
			return
		}
		st := r.dev.Engine().NewState(engine.LevelPrivileged)
		var b strings.Builder
		r.dev.Engine().Exec(st, "configure terminal", &b, -1)
		r.dev.Engine().Exec(st, "ip access-list extended FUZZ", &b, -1)
		r.dev.Engine().Exec(st, line, &b, -1)
		r.dev.acl.mu.Lock()
		l := r.dev.acl.lists["FUZZ"]
		r.dev.acl.mu.Unlock()
		for _, a := range l.Entries() {
			back, err := acl.ParseLine(acl.Extended, a.String())
			back.Seq = a.Seq
			if err != nil || back != a {
				t.Fatalf("%q stored %+v, prints %q, parses %+v %v", line, a, a.String(), back, err)
			}
		}
		r.dev.Engine().Exec(st, "end", &b, -1)
		r.dev.Engine().Exec(st, "configure terminal", &b, -1)
		r.dev.Engine().Exec(st, "no ip access-list extended FUZZ", &b, -1)
	})
}

// largeACLConfig is a startup-config whose interface uses a list of n
// entries defined after it, as running-config orders them.
func largeACLConfig(n int) string {
	var b strings.Builder
	b.WriteString("interface GigabitEthernet0/1\n ip access-group BIG in\n!\nip access-list extended BIG\n")
	for i := range n {
		fmt.Fprintf(&b, " deny tcp any host 10.%d.%d.1 eq %d\n", i/250, i%250, 1000+i%5000)
	}
	b.WriteString(" permit ip any any\n!\nend\n")
	return b.String()
}

func TestLoadConfigProgramsACLsOnceAtTheEnd(t *testing.T) {
	r := newRig(t)
	if errs := r.dev.LoadConfig(strings.NewReader(largeACLConfig(300))); len(errs) != 0 {
		t.Fatalf("load: %v", errs)
	}
	sum := r.sw.ACLSummary()
	if len(sum) != 1 || sum[0].ACL != "BIG" || sum[0].ID.Interface != "GigabitEthernet0/1" {
		t.Fatalf("after load the TCAM holds %+v", sum)
	}
	if u := r.sw.ACLUsage(); u.EntriesUsed < 301 {
		t.Errorf("list not programmed whole: %+v", u)
	}
	// A list that does not fit at boot is reported and left unprogrammed;
	// the configuration keeps it.
	r2 := newRig(t)
	errs := r2.dev.LoadConfig(strings.NewReader("platform acl tcam entries 100\n" + largeACLConfig(300)))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "GigabitEthernet0/1") || !errors.Is(errs[0], dataplane.ErrTCAMFull) {
		t.Fatalf("load into a small TCAM: %v", errs)
	}
	if !strings.Contains(r2.dev.RunningConfig(), " ip access-group BIG in\n") {
		t.Error("the access-group left the configuration")
	}
	if u := r2.sw.ACLUsage(); u.EntriesUsed != 0 {
		t.Errorf("a failed list holds entries: %+v", u)
	}
}

// BenchmarkLoadConfigLargeACL loads a startup-config with a 10k-entry list
// applied to a port: one compile at the end, not one per line.
func BenchmarkLoadConfigLargeACL(b *testing.B) {
	cfg := largeACLConfig(10000)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		r := newRig(b)
		b.StartTimer()
		if errs := r.dev.LoadConfig(strings.NewReader(cfg)); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
}

// ipFrame builds an untagged IPv4 broadcast frame from sip to dip carrying
// TCP, UDP (to dport) or an ICMP echo.
func ipFrame(t testing.TB, sip, dip string, proto string, dport uint16) []byte {
	t.Helper()
	return pkttest.L4(t, net.HardwareAddr{0, 0, 0, 0, 0x0a, 0x01}, net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		net.ParseIP(sip), net.ParseIP(dip), proto, dport, "acl cli test")
}

// TestACLKeywordHelp: the keywords the CLI offers are the grammar's, and
// each has exactly one `?` text.
func TestACLKeywordHelp(t *testing.T) {
	for name, c := range map[string]struct {
		names []string
		help  map[string]string
	}{
		"tcp port": {acl.TCPPortKeywords(), tcpPortHelp},
		"udp port": {acl.UDPPortKeywords(), udpPortHelp},
		"icmp":     {acl.ICMPKeywords(), icmpHelpTexts},
		"protocol": {otherProtocolNames(), protocolHelp},
	} {
		for _, n := range c.names {
			if c.help[n] == "" {
				t.Errorf("%s keyword %q has no help text", name, n)
			}
		}
		if len(c.help) != len(c.names) {
			t.Errorf("%s: %d help texts for %d keywords", name, len(c.help), len(c.names))
		}
	}
}
