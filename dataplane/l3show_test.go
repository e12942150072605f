package dataplane

import (
	"bytes"
	"github.com/l2sw/l2sw/internal/textfsmtest"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestShowL3Templates(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	if err := g.sw.SetSVIShutdown(20, true); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.CreateSVI(30); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.AddStaticRoute(StaticRoute{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("10.0.10.254")}); err != nil {
		t.Fatal(err)
	}

	var b bytes.Buffer
	if err := g.sw.WriteShowIPInterfaceBrief(&b); err != nil {
		t.Fatal(err)
	}
	rows := textfsmtest.Parse(t, "show_ip_interface_brief", b.String())
	want := map[string][3]string{
		"GigabitEthernet0/1": {"unassigned", "up", "up"},
		"Vlan10":             {"10.0.10.1", "up", "up"},
		"Vlan20":             {"10.0.20.1", "administratively down", "down"},
		"Vlan30":             {"unassigned", "up", "down"},
	}
	if len(rows) != 7 {
		t.Fatalf("%d rows:\n%s", len(rows), b.String())
	}
	for _, r := range rows {
		if w, ok := want[r["INTERFACE"].(string)]; ok && (r["IP_ADDRESS"] != w[0] || r["STATUS"] != w[1] || r["PROTO"] != w[2]) {
			t.Errorf("row %v, want %v", r, w)
		}
	}

	b.Reset()
	if err := g.sw.WriteShowInterfaceVlan(&b, 10); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "  ARP type: ARPA, ARP Timeout 04:00:00\n") {
		t.Errorf("show interfaces vlan 10:\n%s", b.String())
	}
	rows = textfsmtest.Parse(t, "show_interfaces", b.String())
	if len(rows) != 1 || rows[0]["INTERFACE"] != "Vlan10" || rows[0]["IP_ADDRESS"] != "10.0.10.1" || rows[0]["MTU"] != "1500" || rows[0]["LINK_STATUS"] != "up" {
		t.Errorf("parsed %v", rows)
	}

	b.Reset()
	if err := g.sw.WriteShowIPARP(&b, ARPFilter{Interface: "Vlan10"}); err != nil {
		t.Fatal(err)
	}
	rows = textfsmtest.Parse(t, "show_ip_arp", b.String())
	if len(rows) != 2 { // 10.0.10.1 (interface) and 10.0.10.5
		t.Errorf("show ip arp:\n%s", b.String())
	}

	for _, detail := range []bool{false} {
		b.Reset()
		if err := g.sw.WriteShowIPCEF(&b, netip.Prefix{}, false, detail); err != nil {
			t.Fatal(err)
		}
		rows = textfsmtest.Parse(t, "show_ip_cef", b.String())
		if len(rows) < 5 {
			t.Errorf("show ip cef:\n%s", b.String())
		}
	}
	b.Reset()
	if err := g.sw.WriteShowIPRoute(&b, netip.Prefix{}); err != nil {
		t.Fatal(err)
	}
	rows = textfsmtest.Parse(t, "show_ip_route", b.String())
	if len(rows) < 3 || !strings.Contains(b.String(), "Gateway of last resort is 10.0.10.254 to network 0.0.0.0") {
		t.Errorf("show ip route (%d rows):\n%s", len(rows), b.String())
	}
	b.Reset()
	if err := g.sw.WriteShowIPRoute(&b, netip.MustParsePrefix("10.0.10.5/32")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Routing entry for 10.0.10.0/24") {
		t.Errorf("show ip route 10.0.10.5:\n%s", b.String())
	}
	b.Reset()
	if err := g.sw.WriteShowAdjacency(&b, true); err != nil {
		t.Fatal(err)
	}
	textfsmtest.Parse(t, "show_adjacency", b.String())
	b.Reset()
	if err := g.sw.WriteShowIPTraffic(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "ARP statistics:") || !strings.Contains(b.String(), "CEF statistics:") {
		t.Errorf("show ip traffic:\n%s", b.String())
	}
	if got := arpTimeoutClock(90 * time.Minute); got != "01:30:00" {
		t.Errorf("timeout clock %s", got)
	}
}

func TestClearARPCacheReARPs(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	if err := g.sw.ClearARPCache("Vlan10"); err != nil {
		t.Fatal(err)
	}
	got := g.got()
	if len(got[1]) != 1 { // unicast re-ARP to the old MAC
		t.Fatalf("re-ARP: %v", got)
	}
	if es, _ := g.sw.ARPEntries(ARPFilter{IP: netip.MustParseAddr("10.0.10.5")}); len(es) != 1 || es[0].Type.String() != "incomplete" {
		t.Errorf("after clear: %+v", es)
	}
}
