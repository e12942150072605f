package dataplane

import (
	"errors"
	"testing"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/packet"
)

func TestMACTableAPI(t *testing.T) {
	g := newRig(t, 3, cam.Config{})
	g.set(3, func(s *PortSettings) { s.AccessVLAN = 20 })
	g.send(1, udpFrame(t, macA, bcast, 0, "a"))
	g.send(2, udpFrame(t, macB, bcast, 0, "b"))
	g.send(3, udpFrame(t, macC, bcast, 0, "c"))
	staticMAC, _ := packet.ParseMAC("0011.2233.4455")
	if err := g.sw.AddStaticMAC(1, staticMAC, ifName(2)); err != nil {
		t.Fatal(err)
	}
	if err := g.sw.AddStaticMAC(1, staticMAC, "GigabitEthernet9/9"); !errors.Is(err, ErrNoSuchPort) {
		t.Errorf("static on a missing port: %v", err)
	}
	all, _ := g.sw.MACEntries(MACFilter{})
	if len(all) != 4 {
		t.Fatalf("entries %+v", all)
	}
	st, _ := g.sw.MACEntries(MACFilter{StaticOnly: true})
	if len(st) != 1 || st[0].MAC != staticMAC || st[0].Port != ifName(2) || !st[0].Static {
		t.Errorf("static entries %+v", st)
	}
	onPort2, _ := g.sw.MACEntries(MACFilter{Port: ifName(2)})
	if len(onPort2) != 2 {
		t.Errorf("entries on port 2: %+v", onPort2)
	}
	vlan20, _ := g.sw.MACEntries(MACFilter{VLAN: 20})
	if len(vlan20) != 1 || vlan20[0].Port != ifName(3) {
		t.Errorf("vlan 20: %+v", vlan20)
	}
	if n, _ := g.sw.ClearDynamicMACs(MACFilter{Port: ifName(2)}); n != 1 {
		t.Errorf("cleared %d on port 2, want 1 (the static stays)", n)
	}
	if n, _ := g.sw.ClearDynamicMACs(MACFilter{}); n != 2 {
		t.Errorf("cleared %d, want 2", n)
	}
	if c := g.sw.MACCounts(); c.Total != 1 || c.Static != 1 {
		t.Errorf("counts %+v", c)
	}
	g.sw.SetMACAgingTime(0)
	g.sw.SetVLANMACAgingTime(20, 60)
	if g.sw.MACAgingTime() != 0 {
		t.Error("global aging")
	}
	if v, ok := g.sw.VLANMACAgingTime(20); !ok || v != 60 {
		t.Error("vlan aging")
	}
	if err := g.sw.RemoveStaticMAC(1, staticMAC); err != nil || g.sw.MACCount() != 0 {
		t.Errorf("remove static: %v, %d left", err, g.sw.MACCount())
	}
}
