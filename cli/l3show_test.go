package cli

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

var (
	sviMAC = packet.MAC{0xc8, 0x00, 0x84, 0xd3, 0x99, 0x46}
	hostMA = packet.MAC{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	nlbMAC = packet.MAC{0x03, 0xbf, 0x0a, 0x01, 0x01, 0x63}
)

func addr(s string) netip.Addr     { return netip.MustParseAddr(s) }
func prefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestShowIPARPLayout(t *testing.T) {
	const min = int64(time.Minute)
	now := 43*min + 5e9
	entries := []dataplane.ARPEntry{
		{IP: addr("10.1.1.1"), MAC: sviMAC, IfName: "Vlan10", Type: dataplane.ARPInterface},
		{IP: addr("10.1.1.5"), MAC: hostMA, IfName: "Vlan10", Type: dataplane.ARPDynamic},
		{IP: addr("10.1.1.99"), MAC: nlbMAC, IfName: "Vlan10", Type: dataplane.ARPStatic},
		{IP: addr("10.1.2.1"), MAC: sviMAC, IfName: "Vlan10", Type: dataplane.ARPInterface},
		{IP: addr("10.2.2.1"), MAC: sviMAC, IfName: "Vlan20", Type: dataplane.ARPInterface},
		{IP: addr("10.2.2.77"), IfName: "Vlan20", Type: dataplane.ARPIncomplete},
	}
	var buf bytes.Buffer
	if err := writeShowIPARP(&buf, entries, now); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	wantLines := []string{
		"Protocol  Address          Age (min)  Hardware Addr   Type   Interface",
		"Internet  10.1.1.1                -   c800.84d3.9946  ARPA   Vlan10",
		"Internet  10.1.1.5               43   0011.2233.4455  ARPA   Vlan10",
		"Internet  10.1.1.99               -   03bf.0a01.0163  ARPA   Vlan10",
		"Internet  10.1.2.1                -   c800.84d3.9946  ARPA   Vlan10",
		"Internet  10.2.2.1                -   c800.84d3.9946  ARPA   Vlan20",
		"Internet  10.2.2.77              43   Incomplete      ARPA",
	}
	if got := strings.TrimSuffix(out, "\n"); got != strings.Join(wantLines, "\n") {
		t.Fatalf("show ip arp:\n%s\nwant:\n%s", out, strings.Join(wantLines, "\n"))
	}
	rows := parseFSM(t, "show_ip_arp", out)
	if len(rows) != 6 {
		t.Fatalf("rows %d: %v", len(rows), rows)
	}
	if rows[1]["IP_ADDRESS"] != "10.1.1.5" || rows[1]["AGE"] != "43" || rows[1]["MAC_ADDRESS"] != "0011.2233.4455" ||
		rows[1]["TYPE"] != "ARPA" || rows[1]["INTERFACE"] != "Vlan10" || rows[0]["AGE"] != "-" {
		t.Fatalf("row %v", rows[1])
	}
	if rows[5]["MAC_ADDRESS"] != "Incomplete" || rows[5]["INTERFACE"] != "" {
		t.Fatalf("incomplete row %v", rows[5])
	}
}

func TestShowIPTrafficLayout(t *testing.T) {
	var s dataplane.L3Stats
	s.ARP.RequestsRx, s.ARP.RepliesTx = 1, 1
	s.CEF.Forwarded = 7
	var buf bytes.Buffer
	if err := writeShowIPTraffic(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Rcvd: 1 requests, 0 replies", "Sent: 0 requests, 1 replies", "CEF statistics:\n  7 switched, 0 punted\n", " 0 no route,"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// cefRows is the FIB of an SVI 10.1.1.1/24 + 10.1.2.1/25 on Vlan10, statics
// to 10.9.0.0/16 via 10.1.1.2, a default via 10.2.2.254 and 192.168.50.0/24
// to Null0, with the special entries (as cef's own tests build it).
func cefRows() []dataplane.CEFRow {
	nh := func(p, via, ifn string) dataplane.CEFRow {
		return dataplane.CEFRow{Prefix: prefix(p), Kind: dataplane.FIBNextHop, NextHop: addr(via), IfName: ifn}
	}
	k := func(p string, kind dataplane.FIBKind, ifn string) dataplane.CEFRow {
		return dataplane.CEFRow{Prefix: prefix(p), Kind: kind, IfName: ifn, NextHop: addr("0.0.0.0")}
	}
	return []dataplane.CEFRow{
		nh("0.0.0.0/0", "10.2.2.254", "Vlan20"),
		k("0.0.0.0/8", dataplane.FIBDrop, ""),
		k("0.0.0.0/32", dataplane.FIBReceive, ""),
		k("10.1.1.0/24", dataplane.FIBAttached, "Vlan10"),
		k("10.1.1.1/32", dataplane.FIBReceive, "Vlan10"),
		k("10.1.1.2/32", dataplane.FIBHost, "Vlan10"),
		nh("10.9.0.0/16", "10.1.1.2", "Vlan10"),
		k("127.0.0.0/8", dataplane.FIBDrop, ""),
		k("192.168.50.0/24", dataplane.FIBNull, "Null0"),
		k("255.255.255.255/32", dataplane.FIBReceive, ""),
	}
}

func TestShowIPCEFLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := writeShowIPCEF(&buf, cefRows()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Prefix               Next Hop             Interface\n",
		"0.0.0.0/0            10.2.2.254           Vlan20\n",
		"0.0.0.0/8            drop\n",
		"10.1.1.0/24          attached             Vlan10\n",
		"10.1.1.1/32          receive              Vlan10\n",
		"10.1.1.2/32          attached             Vlan10\n",
		"10.9.0.0/16          10.1.1.2             Vlan10\n",
		"192.168.50.0/24      0.0.0.0              Null0\n",
		"255.255.255.255/32   receive\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	rows := parseFSM(t, "show_ip_cef", out)
	if len(rows) != strings.Count(out, "\n")-1 {
		t.Fatalf("parsed %d rows of %d lines", len(rows), strings.Count(out, "\n")-1)
	}
	if r := row(t, rows, "IP_ADDRESS", "10.9.0.0"); r["PREFIX_LENGTH"] != "16" || fmt.Sprint(r["NEXTHOP"]) != "[10.1.1.2]" || fmt.Sprint(r["INTERFACE"]) != "[Vlan10]" {
		t.Fatalf("row %v", r)
	}

	// Without a default route IOS prints "no route" (ntc sample6).
	buf.Reset()
	specials := []dataplane.CEFRow{
		{Prefix: prefix("0.0.0.0/8"), Kind: dataplane.FIBDrop},
		{Prefix: prefix("0.0.0.0/32"), Kind: dataplane.FIBReceive},
		{Prefix: prefix("127.0.0.0/8"), Kind: dataplane.FIBDrop},
		{Prefix: prefix("224.0.0.0/4"), Kind: dataplane.FIBDrop},
		{Prefix: prefix("224.0.0.0/24"), Kind: dataplane.FIBReceive},
		{Prefix: prefix("240.0.0.0/4"), Kind: dataplane.FIBDrop},
		{Prefix: prefix("255.255.255.255/32"), Kind: dataplane.FIBReceive},
	}
	if err := writeShowIPCEF(&buf, specials); err != nil {
		t.Fatal(err)
	}
	want := "Prefix               Next Hop             Interface\n0.0.0.0/0            no route\n0.0.0.0/8            drop\n0.0.0.0/32           receive\n127.0.0.0/8          drop\n224.0.0.0/4          drop\n224.0.0.0/24         receive\n240.0.0.0/4          drop\n255.255.255.255/32   receive\n"
	if buf.String() != want {
		t.Fatalf("empty table:\n%s\nwant (ntc sample6):\n%s", buf.String(), want)
	}
	if rows := parseFSM(t, "show_ip_cef", buf.String()); fmt.Sprint(rows[0]["NEXTHOP"]) != "[no route]" || len(rows) != 8 {
		t.Fatalf("empty table rows %v", rows)
	}

	buf.Reset()
	e := cefRows()[6]
	if err := writeCEFPrefix(&buf, e, true); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "10.9.0.0/16, epoch 0\n  nexthop 10.1.1.2 Vlan10\n" {
		t.Fatalf("detail without per-prefix accounting:\n%s", buf.String())
	}
	buf.Reset()
	e.Packets, e.Bytes, e.Accounting = 3, 300, true
	if err := writeCEFPrefix(&buf, e, true); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "10.9.0.0/16, epoch 0\n  3 packets, 300 bytes switched through the prefix\n  nexthop 10.1.1.2 Vlan10\n" {
		t.Fatalf("detail:\n%s", buf.String())
	}
}

func TestShowAdjacencyLayout(t *testing.T) {
	rw := []byte{0x00, 0x0e, 0xb6, 0x5d, 0x4e, 0xb0, 0xc8, 0x00, 0x84, 0xd3, 0x99, 0x46, 0x08, 0x00}
	adjs := []dataplane.AdjacencyRow{
		{IfName: "Vlan10", NextHop: addr("10.1.1.2"), Refs: 2, State: dataplane.AdjValid, Rewrite: rw, Packets: 1, Bytes: 1000},
		{IfName: "Vlan10", NextHop: addr("10.1.1.5"), Refs: 1, State: dataplane.AdjValid, Rewrite: rw},
		{IfName: "Vlan20", NextHop: addr("10.2.2.254"), Refs: 1, State: dataplane.AdjIncomplete},
	}
	var buf bytes.Buffer
	if err := writeShowAdjacency(&buf, adjs, true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "IP       Vlan10                    10.1.1.2(2)\n                                   1 packets, 1000 bytes\n") ||
		!strings.Contains(out, "                                   000EB65D4EB0C80084D399460800\n") ||
		!strings.Contains(out, "IP       Vlan20                    10.2.2.254(1) (incomplete)\n") {
		t.Fatalf("show adjacency detail:\n%s", out)
	}
	rows := parseFSM(t, "show_adjacency", out)
	if len(rows) != 3 {
		t.Fatalf("rows %v\n%s", rows, out)
	}
	if rows[0]["INTERFACE"] != "Vlan10" || rows[0]["ENDPOINT"] != "10.1.1.2" || fmt.Sprint(rows[0]["REWRITE_HEADERS"]) != "[000EB65D4EB0C80084D399460800]" {
		t.Fatalf("row %v", rows[0])
	}
	if rows[2]["ENDPOINT"] != "10.2.2.254" || fmt.Sprint(rows[2]["REWRITE_HEADERS"]) != "[]" {
		t.Fatalf("incomplete row %v", rows[2])
	}
	buf.Reset()
	if err := writeShowAdjacency(&buf, adjs, false); err != nil {
		t.Fatal(err)
	}
	if rows := parseFSM(t, "show_adjacency", buf.String()); len(rows) != 3 {
		t.Fatalf("brief rows %v", rows)
	}
}

func TestShowIPRouteLayout(t *testing.T) {
	st := func(p, nh, ifn string) dataplane.RouteRow {
		r := dataplane.RouteRow{Prefix: prefix(p), Type: dataplane.RouteStatic, Distance: 1, IfName: ifn}
		if nh != "" {
			r.NextHop = addr(nh)
		}
		return r
	}
	c := func(p string, typ dataplane.RouteType, ifn string) dataplane.RouteRow {
		return dataplane.RouteRow{Prefix: prefix(p), Type: typ, IfName: ifn}
	}
	routes := []dataplane.RouteRow{
		st("0.0.0.0/0", "10.2.2.254", ""),
		c("10.1.1.0/24", dataplane.RouteConnected, "Vlan10"), c("10.1.1.1/32", dataplane.RouteLocal, "Vlan10"),
		c("10.1.2.0/25", dataplane.RouteConnected, "Vlan10"), c("10.1.2.1/32", dataplane.RouteLocal, "Vlan10"),
		c("10.2.2.0/24", dataplane.RouteConnected, "Vlan20"), c("10.2.2.1/32", dataplane.RouteLocal, "Vlan20"),
		st("10.9.0.0/16", "10.1.1.2", ""), st("172.16.5.0/24", "10.1.1.2", ""), st("192.168.50.0/24", "", "Null0"),
	}
	var buf bytes.Buffer
	if err := writeShowIPRoute(&buf, routes); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Gateway of last resort is 10.2.2.254 to network 0.0.0.0\n\n",
		"S*    0.0.0.0/0 [1/0] via 10.2.2.254\n",
		"      10.0.0.0/8 is variably subnetted, 7 subnets, 4 masks\n",
		"C        10.1.1.0/24 is directly connected, Vlan10\n",
		"L        10.1.1.1/32 is directly connected, Vlan10\n",
		"S        10.9.0.0/16 [1/0] via 10.1.1.2\n",
		"S     192.168.50.0/24 is directly connected, Null0\n",
		"      172.16.0.0/24 is subnetted, 1 subnets\nS        172.16.5.0 [1/0] via 10.1.1.2\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	rows := parseFSM(t, "show_ip_route", out)
	if len(rows) != 10 {
		t.Fatalf("rows %d: %v\n%s", len(rows), rows, out)
	}
	byNet := map[string]map[string]any{}
	for _, r := range rows {
		byNet[fmt.Sprint(r["NETWORK"], "/", r["PREFIX_LENGTH"])] = r
	}
	if r := byNet["10.9.0.0/16"]; r["PROTOCOL"] != "S" || r["DISTANCE"] != "1" || r["NEXTHOP_IP"] != "10.1.1.2" {
		t.Fatalf("static row %v", r)
	}
	if r := byNet["0.0.0.0/0"]; r["FLAG"] != "*" {
		t.Fatalf("default row %v", r)
	}
	if r := byNet["192.168.50.0/24"]; r["NEXTHOP_IF"] != "Null0" {
		t.Fatalf("null0 row %v", r)
	}
	if r := byNet["172.16.5.0/24"]; r["NEXTHOP_IP"] != "10.1.1.2" || r["DISTANCE"] != "1" {
		t.Fatalf("inherited mask row %v (%v)", r, byNet)
	}
	buf.Reset()
	if err := writeShowIPRoute(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Gateway of last resort is not set\n") {
		t.Fatalf("empty:\n%s", buf.String())
	}
	buf.Reset()
	if err := writeShowIPRouteEntry(&buf, routes, prefix("10.9.1.1/32")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "Routing entry for 10.9.0.0/16\n  Known via \"static\", distance 1, metric 0\n") {
		t.Fatalf("show ip route 10.9.1.1:\n%s", buf.String())
	}
}

// TestL3ShowsThroughTheSwitch: the rest of the layer-3 shows parse with
// their ntc templates when the switch fills them.
func TestL3ShowsThroughTheSwitch(t *testing.T) {
	r := newRig(t)
	r.out(l3Config...)
	rows := parseFSM(t, "show_interfaces", r.out("show interfaces vlan 10"))
	if len(rows) != 1 || rows[0]["INTERFACE"] != "Vlan10" || rows[0]["IP_ADDRESS"] != "10.0.10.1" || rows[0]["LINK_STATUS"] != "up" {
		t.Errorf("show interfaces vlan 10 parsed %v", rows)
	}
	if rows := parseFSM(t, "show_ip_route", r.out("show ip route")); len(rows) < 3 {
		t.Errorf("show ip route rows %v", rows)
	}
	if rows := parseFSM(t, "show_ip_cef", r.out("show ip cef")); len(rows) < 5 {
		t.Errorf("show ip cef rows %v", rows)
	}
	parseFSM(t, "show_adjacency", r.out("show adjacency detail"))
	if out := r.out("show ip traffic"); !strings.Contains(out, "ARP statistics:") || !strings.Contains(out, "CEF statistics:") {
		t.Errorf("show ip traffic:\n%s", out)
	}
	if got := arpTimeoutClock(90 * time.Minute); got != "01:30:00" {
		t.Errorf("timeout clock %s", got)
	}
}
