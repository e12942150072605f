package cli

import (
	"testing"

	"github.com/l2sw/l2sw/internal/textfsmtest"
)

// aclFSMRig is a switch with lists of every entry shape the templates model,
// with match counters from traffic.
func aclFSMRig(t *testing.T) *rig {
	r := newRig(t)
	r.cfg(
		"access-list 10 permit 10.1.1.0 0.0.0.255",
		"access-list 10 deny 10.1.2.3",
		"access-list 10 permit any log",
		"access-list 101 permit tcp host 10.1.1.1 any eq www",
		"access-list 101 permit udp any range 1000 2000 10.0.0.0 0.255.255.255 eq isakmp",
		"access-list 101 deny icmp any any echo log",
		"access-list 101 permit tcp any any established",
		"access-list 101 deny tcp any gt 1023 host 10.2.2.2 lt 1024",
		"access-list 101 permit gre any any",
		"access-list 101 permit ip any any",
		"ip access-list extended WEB",
		" remark web servers",
		" permit tcp any host 10.0.0.2 eq 443",
		" deny udp any any eq domain",
		"interface gi0/1", "ip access-group 101 in",
		"interface gi0/2", "ip access-group WEB in",
	)
	r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	r.send("GigabitEthernet0/1", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	r.send("GigabitEthernet0/2", ipFrame(t, "10.0.0.1", "10.0.0.2", "udp", 53))
	r.send("GigabitEthernet0/2", ipFrame(t, "10.0.0.1", "10.0.0.2", "tcp", 443))
	return r
}

// fsmRow finds the row of list name and sequence seq under the field names
// of the template.
func fsmRow(t *testing.T, rows []map[string]any, nameKey, name, seqKey, seq string) map[string]any {
	t.Helper()
	for _, r := range rows {
		if r[nameKey] == name && r[seqKey] == seq {
			return r
		}
	}
	t.Fatalf("no row %s %s in %v", name, seq, rows)
	return nil
}

func TestTextFSMShowIPAccessLists(t *testing.T) {
	r := aclFSMRig(t)
	text := r.out("show ip access-lists")
	rows := textfsmtest.ParsePython(t, "show_ip_access_lists", text)
	entries := 0
	for _, row := range rows {
		if row["LINE_NUM"] != "" {
			entries++
		}
	}
	if entries != 3+7+2 {
		t.Fatalf("%d entry rows, want 12:\n%s\n%v", entries, text, rows)
	}
	get := func(name, seq string) map[string]any {
		return fsmRow(t, rows, "ACL_NAME", name, "LINE_NUM", seq)
	}
	want(t, get("10", "10"), map[string]any{"ACL_TYPE": "Standard", "ACTION": "permit", "SRC_NETWORK": "10.1.1.0", "SRC_WILDCARD": "0.0.0.255"})
	want(t, get("10", "20"), map[string]any{"ACTION": "deny", "SRC_HOST": "10.1.2.3"})
	want(t, get("10", "30"), map[string]any{"SRC_ANY": "any", "LOG": "log"})
	want(t, get("101", "10"), map[string]any{"ACL_TYPE": "Extended", "PROTOCOL": "tcp", "SRC_HOST": "10.1.1.1", "DST_ANY": "any",
		"DST_PORT_MATCH": "eq", "DST_PORT": "www"})
	want(t, get("101", "20"), map[string]any{"PROTOCOL": "udp", "SRC_PORT_MATCH": "range", "SRC_PORT_RANGE_START": "1000",
		"SRC_PORT_RANGE_END": "2000", "DST_NETWORK": "10.0.0.0", "DST_WILDCARD": "0.255.255.255", "DST_PORT": "isakmp", "MATCHES": ""})
	want(t, get("101", "30"), map[string]any{"ACTION": "deny", "PROTOCOL": "icmp", "ICMP_TYPE": "echo", "LOG": "log"})
	want(t, get("101", "40"), map[string]any{"TCP_FLAG": "established"})
	want(t, get("101", "50"), map[string]any{"SRC_PORT_MATCH": "gt", "SRC_PORT": "1023", "DST_HOST": "10.2.2.2", "DST_PORT_MATCH": "lt", "DST_PORT": "1024"})
	want(t, get("101", "60"), map[string]any{"PROTOCOL": "gre"})
	want(t, get("101", "70"), map[string]any{"PROTOCOL": "ip", "MATCHES": "2"})
	// The remark took sequence 10; remarks are not listed.
	want(t, get("WEB", "20"), map[string]any{"DST_HOST": "10.0.0.2", "DST_PORT": "443", "MATCHES": "1"})
	want(t, get("WEB", "30"), map[string]any{"ACTION": "deny", "DST_PORT": "domain", "MATCHES": "1"})
}

func TestTextFSMShowAccessLists(t *testing.T) {
	r := aclFSMRig(t)
	text := r.out("show access-lists")
	rows := textfsmtest.ParsePython(t, "show_access_lists", text)
	if len(rows) != 12 {
		t.Fatalf("%d rows, want 12:\n%s\n%v", len(rows), text, rows)
	}
	get := func(name, seq string) map[string]any { return fsmRow(t, rows, "NAME", name, "SN", seq) }
	want(t, get("10", "10"), map[string]any{"TYPE": "Standard", "ACTION": "permit", "SOURCE": "10.1.1.0, wildcard bits 0.0.0.255"})
	want(t, get("10", "20"), map[string]any{"ACTION": "deny", "SOURCE": "10.1.2.3"})
	want(t, get("101", "10"), map[string]any{"TYPE": "Extended", "PROTOCOL": "tcp", "SOURCE": "host 10.1.1.1", "DESTINATION": "any",
		"OPERATOR_SOURCE_PORT": "eq", "SOURCE_PORT": "www"})
	want(t, get("101", "20"), map[string]any{"PROTOCOL": "udp", "SOURCE": "any", "OPERATOR_SOURCE_PORT": "range",
		"DESTINATION": "10.0.0.0 0.255.255.255", "DESTINATION_PORT": "isakmp"})
	want(t, get("101", "70"), map[string]any{"PROTOCOL": "ip", "MATCHES": "2"})
	// This template only captures the plural "(N matches)".
	want(t, get("WEB", "20"), map[string]any{"DESTINATION": "host 10.0.0.2", "SOURCE_PORT": "443"})
}
