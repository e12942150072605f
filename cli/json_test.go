package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/ifname"
)

// TestExecJSONMatchesText: every row of the JSON MAC table and drop
// counters is a row of the text show, and the counts agree.
func TestExecJSONMatchesText(t *testing.T) {
	r := labRig(t)
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0100.0000.0001", 0)) // multicast source: dropped
	out, rejected := r.dev.ExecJSON([]string{"show mac address-table", "sh platform drops"})
	if rejected {
		t.Fatalf("rejected:\n%s", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d JSON lines:\n%s", len(lines), out)
	}
	var macs struct {
		Command string   `json:"command"`
		Rows    []MACRow `json:"mac_address_table"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &macs); err != nil || macs.Command != "show mac address-table" {
		t.Fatalf("%v %q", err, lines[0])
	}
	text := r.out("show mac address-table")
	if !strings.Contains(text, fmt.Sprintf("Total Mac Addresses for this criterion: %d\n", len(macs.Rows))) {
		t.Errorf("%d JSON rows, text:\n%s", len(macs.Rows), text)
	}
	for _, m := range macs.Rows {
		vlan, port := fmt.Sprint(m.VLAN), ifname.Short(m.Port)
		if m.AllVLANs {
			vlan = "All"
		}
		row := fmt.Sprintf("%4s    %-14s    %-8s    %s\n", vlan, m.MAC, strings.ToUpper(m.Type), port)
		if !strings.Contains(text, row) {
			t.Errorf("JSON row %+v is not in the text (%q)", m, row)
		}
	}
	var drops struct {
		V platformDrops `json:"platform_drops"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &drops); err != nil {
		t.Fatal(err)
	}
	dtext := r.out("show platform drops")
	var invalid uint64
	for _, d := range drops.V.Drops {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(d.Reason) + ` +` + fmt.Sprint(d.Packets) + `$`).MatchString(dtext) {
			t.Errorf("JSON drop %+v not in the text:\n%s", d, dtext)
		}
		if d.Reason == "invalid source mac" {
			invalid = d.Packets
		}
	}
	if invalid != 1 || len(drops.V.Interfaces) != 1 || drops.V.Interfaces[0].Interface != "GigabitEthernet0/1" {
		t.Errorf("the multicast source drop: %d, interfaces %+v", invalid, drops.V.Interfaces)
	}
	if out, rejected := r.dev.ExecJSON([]string{"show vlan"}); !rejected || !strings.Contains(out, `"error":"show vlan\n`) {
		t.Errorf("show vlan --json: %v %s", rejected, out)
	}
}
