package dataplane

import (
	"net/netip"
	"testing"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam"
)

// The IOS texts of TCAM events: the dataplane renders them, so they are
// tested here and not in tcam.
func TestTCAMEventLines(t *testing.T) {
	racl := tcam.BindingID{Feature: tcam.FeatureRACL, Interface: "Vlan202", Dir: tcam.In}
	for _, c := range []struct {
		e    tcam.Event
		want string
	}{
		{tcam.Event{Kind: tcam.EventTCAMFull, Binding: tcam.BindingID{Feature: tcam.FeaturePACL, Interface: "GigabitEthernet0/1", Dir: tcam.In}, Resource: tcam.ResEntries},
			"%ACL-5-TCAMFULL: acl engine TCAM table is full"},
		{tcam.Event{Kind: tcam.EventEntryCapacity, Binding: racl, Resource: tcam.ResEntries},
			"%FM-4-TCAM_ENTRY: Hardware TCAM entry capacity exceeded"},
		{tcam.Event{Kind: tcam.EventRACLReduced, Binding: racl, Resource: tcam.ResEntries},
			"%FMCORE-4-RACL_REDUCED: Interface Vlan202 routed traffic will be software switched in ingress direction"},
		{tcam.Event{Kind: tcam.EventRACLReduced, Binding: tcam.BindingID{Feature: tcam.FeatureRACL, Interface: "Vlan10", Dir: tcam.Out}},
			"%FMCORE-4-RACL_REDUCED: Interface Vlan10 routed traffic will be software switched in egress direction"},
	} {
		if got := TCAMEventLine(c.e); got != c.want {
			t.Errorf("%+v: %q want %q", c.e, got, c.want)
		}
	}
}

// The `debug arp` line of the wrong-cable filter: the dataplane renders
// it, so it is tested here and not in arp.
func TestWrongCableLine(t *testing.T) {
	hostA := packet.MAC{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	e := arp.Event{Kind: arp.EventFiltered, IfName: "Vlan10", IP: netip.MustParseAddr("10.1.1.5"), MAC: hostA,
		Reason: arp.ReasonWrongCable, Op: arp.OpRequest, TargetIP: netip.MustParseAddr("10.2.2.1")}
	if got, want := wrongCableLine(e), "IP ARP req filtered src 10.1.1.5 0011.2233.4455, dst 10.2.2.1 0000.0000.0000 wrong cable, interface Vlan10"; got != want {
		t.Errorf("line %q want %q", got, want)
	}
	e.IfName = "Vlan20"
	if got, want := wrongCableLine(e), "IP ARP req filtered src 10.1.1.5 0011.2233.4455, dst 10.2.2.1 0000.0000.0000 wrong cable, interface Vlan20"; got != want {
		t.Errorf("line %q want %q", got, want)
	}
	e.Op = arp.OpReply
	if got, want := wrongCableLine(e), "IP ARP rep filtered src 10.1.1.5 0011.2233.4455, dst 10.2.2.1 0000.0000.0000 wrong cable, interface Vlan20"; got != want {
		t.Errorf("line %q want %q", got, want)
	}
}
