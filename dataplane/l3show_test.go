package dataplane

import (
	"github.com/l2sw/l2sw/ifname"
	"net"
	"net/netip"
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

	want := map[string]IPInterfaceRow{
		"GigabitEthernet0/1": {Name: "GigabitEthernet0/1", LinkUp: true, ProtocolUp: true},
		"Vlan10":             {Name: "Vlan10", Addr: netip.MustParseAddr("10.0.10.1"), LinkUp: true, ProtocolUp: true},
		"Vlan20":             {Name: "Vlan20", Addr: netip.MustParseAddr("10.0.20.1"), AdminDown: true},
		"Vlan30":             {Name: "Vlan30", LinkUp: true},
	}
	rows := g.sw.IPInterfaces()
	if len(rows) != 7 {
		t.Fatalf("%d interfaces: %+v", len(rows), rows)
	}
	for i, r := range rows {
		if i > 0 && !ifname.Less(rows[i-1].Name, r.Name) {
			t.Errorf("%s listed before %s", rows[i-1].Name, r.Name)
		}
		if w, ok := want[r.Name]; ok && r != w {
			t.Errorf("row %+v, want %+v", r, w)
		}
	}

	st, err := g.sw.SVIStatus(10)
	if err != nil || !st.ProtocolUp || st.ARPTimeout != 4*time.Hour || st.MTU != 1500 || st.Addresses[0].Addr() != netip.MustParseAddr("10.0.10.1") {
		t.Errorf("SVI 10 status %+v, %v", st, err)
	}
	if es, err := g.sw.ARPEntries(ARPFilter{Interface: "Vlan10"}); err != nil || len(es) != 2 { // 10.0.10.1 (interface) and 10.0.10.5
		t.Errorf("ARP entries of Vlan10 %+v, %v", es, err)
	}
	if es := g.sw.CEFEntries(false); len(es) < 5 {
		t.Errorf("CEF entries %+v", es)
	}
	if e, ok := g.sw.CEFFind(netip.MustParsePrefix("10.0.10.5/32"), false, true); !ok || e.Kind != FIBHost || e.IfName != "Vlan10" {
		t.Errorf("CEF entry of 10.0.10.5: %+v %v", e, ok)
	}
	def := false
	for _, r := range g.sw.Routes() {
		if r.Prefix.Bits() == 0 && r.NextHop == netip.MustParseAddr("10.0.10.254") && r.Type == RouteStatic {
			def = true
		}
	}
	if !def {
		t.Errorf("no default route in %+v", g.sw.Routes())
	}
	if adjs := g.sw.Adjacencies(true); len(adjs) == 0 {
		t.Error("no adjacencies")
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
