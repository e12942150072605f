package cli

import (
	"strings"
	"testing"
)

func TestShowInventoryAndVTP(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "vlan 10", "vlan 20", "end")
	serial := chassisSerial(r.sw.BaseMAC())
	if got, want := r.out("show inventory"), "NAME: \"1\", DESCR: \"l2sw software switch, 4 ports\"\nPID: L2SW-4T           , VID: V01  , SN: "+serial+"\n\n"; got != want {
		t.Errorf("show inventory:\n%q\nwant\n%q", got, want)
	}
	if !strings.Contains(r.out("show version"), "System serial number            : "+serial+"\n") {
		t.Error("show version and show inventory disagree on the serial number")
	}
	vtp := r.out("show vtp status")
	for _, want := range []string{"VTP Operating Mode                : Transparent\n", "Number of existing VLANs          : 3\n",
		"Device ID                       : " + r.sw.BaseMAC().String() + "\n", "Configuration Revision            : 0\n"} {
		if !strings.Contains(vtp, want) {
			t.Errorf("show vtp status lacks %q:\n%s", want, vtp)
		}
	}
}
