package cli

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sirikothe/gotextfsm"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/stp"
)

// stpRig is a rig whose spanning-tree runner is driven by the test: Gi0/1
// a trunk towards a peer that is the root, Gi0/2-4 access ports in VLAN
// 10, Gi0/3 portfast. No goroutine runs; BPDUs go straight to the runner.
func stpRig(t *testing.T, lines ...string) *rig {
	t.Helper()
	r := newRigN(t, 4)
	cfg := []string{"configure terminal", "vlan 10", "exit", "interface GigabitEthernet0/1", "switchport mode trunk", "exit",
		"interface range GigabitEthernet0/2 - 4", "switchport access vlan 10", "exit",
		"interface GigabitEthernet0/3", "spanning-tree portfast", "exit"}
	r.out(append(append(cfg, lines...), "end")...)
	st := r.dev.stp
	st.mu.Lock()
	st.running = true
	st.syncLocked(st.now())
	st.mu.Unlock()
	return r
}

var (
	peerMAC  = [6]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	peerMAC2 = [6]byte{0x00, 0x22, 0x33, 0x44, 0x55, 0x66}
)

// peerBPDU is the root's configuration BPDU for vlan.
func peerBPDU(vlan uint16) stp.BPDU {
	id := stp.MakeBridgeID(4096+vlan, peerMAC)
	return stp.BPDU{Type: stp.TypeConfig, Root: id, Bridge: id, Port: 0x8001, MaxAge: 20 * 256, HelloTime: 2 * 256, ForwardDelay: 15 * 256}
}

// stpInject hands the runner a BPDU frame as received on ifname.
func (r *rig) stpInject(ifname string, f []byte) {
	r.t.Helper()
	st, err := r.sw.Status(ifname)
	if err != nil {
		r.t.Fatal(err)
	}
	s := r.dev.stp
	s.mu.Lock()
	s.receiveLocked(dataplane.ControlFrame{Port: st.ID, Frame: f}, s.now())
	s.mu.Unlock()
}

// stpPeerHello is what the root sends on Gi0/1: IEEE for VLAN 1, SSTP
// tagged for VLAN 10.
func (r *rig) stpPeerHello() {
	r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC, 0, 0, peerBPDU(1)))
	r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 10, 10, peerBPDU(10)))
}

// stpRun advances the clocks by d in ticks, the peer saying hello every
// two seconds.
func (r *rig) stpRun(d time.Duration, peer bool) {
	s := r.dev.stp
	for el := time.Duration(0); el < d; el += stpTick {
		if peer && el%(2*time.Second) == 0 {
			r.stpPeerHello()
		}
		r.clk.Advance(stpTick)
		r.now = r.now.Add(stpTick)
		s.mu.Lock()
		s.tickLocked(s.now())
		s.mu.Unlock()
	}
}

const wantSTPVLAN10 = `VLAN0010
  Spanning tree enabled protocol ieee
  Root ID    Priority    4106
             Address     0011.2233.4455
             Cost        4
             Port        1 (GigabitEthernet0/1)
             Hello Time   2 sec  Max Age 20 sec  Forward Delay 15 sec

  Bridge ID  Priority    32778  (priority 32768 sys-id-ext 10)
             Address     001e.147a.0000
             Hello Time   2 sec  Max Age 20 sec  Forward Delay 15 sec
             Aging Time  300 sec

Interface           Role Sts Cost      Prio.Nbr Type
------------------- ---- --- --------- -------- --------------------------------
Gi0/1               Root FWD 4         128.1    P2p
Gi0/2               Desg FWD 4         128.2    P2p
Gi0/3               Desg FWD 4         128.3    P2p Edge
Gi0/4               Desg FWD 4         128.4    P2p

`

// parseNTC parses text with a template from ntc-templates (copied into
// testdata/ntc from networktocode/ntc-templates d0bc5a4, Apache-2.0).
func parseNTC(t *testing.T, name, text string) []map[string]any {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/ntc/" + name + ".textfsm")
	if err != nil {
		t.Fatal(err)
	}
	fsm := gotextfsm.TextFSM{}
	if err := fsm.ParseString(string(tmpl)); err != nil {
		t.Fatal(err)
	}
	out := gotextfsm.ParserOutput{}
	if err := out.ParseTextString(text, fsm, true); err != nil {
		t.Fatalf("%s rejects our output: %v\n%s", name, err, text)
	}
	return out.Dict
}

// TestSTPShowSpanningTree: a non-root bridge after two forward delays, in
// the IOS layout, which the ntc template parses; the BPDUs it sends.
func TestSTPShowSpanningTree(t *testing.T) {
	r := stpRig(t)
	sentBPDUs := map[string][][]byte{}
	r.dev.stp.txHook = func(name string, f []byte) { sentBPDUs[name] = append(sentBPDUs[name], append([]byte(nil), f...)) }
	if got := r.out("show spanning-tree vlan 10"); !strings.Contains(got, "Gi0/2               Desg LIS 4") {
		t.Errorf("before the forward delays ports must block:\n%s", got)
	}
	r.stpRun(31*time.Second, true)
	if got := r.out("show spanning-tree vlan 10"); got != wantSTPVLAN10 {
		t.Errorf("show spanning-tree vlan 10:\n%s\nwant:\n%s", got, wantSTPVLAN10)
	}
	rows := parseNTC(t, "cisco_ios_show_spanning-tree", r.out("show spanning-tree"))
	if len(rows) != 5 { // VLAN 1: Gi0/1; VLAN 10: four ports
		t.Fatalf("ntc rows: %v", rows)
	}
	if rows[1]["VLAN_ID"] != "10" || rows[1]["INTERFACE"] != "Gi0/1" || rows[1]["ROLE"] != "Root" || rows[1]["STATUS"] != "FWD" ||
		rows[1]["COST"] != "4" || rows[1]["PORT_PRIORITY"] != "128" || rows[1]["PORT_ID"] != "1" || rows[1]["TYPE"] != "P2p" {
		t.Errorf("ntc row: %v", rows[1])
	}
	roots := parseNTC(t, "cisco_ios_show_spanning-tree_root", r.out("show spanning-tree root"))
	if len(roots) != 2 || roots[1]["VLAN_ID"] != "VLAN0010" || roots[1]["PRIORITY"] != "4106" || roots[1]["ROOT_ID"] != "0011.2233.4455" ||
		roots[1]["ROOT_COST"] != "4" || roots[1]["ROOT_PORT"] != "Gi0/1" || roots[1]["FWD_DLY"] != "15" {
		t.Errorf("show spanning-tree root: %v", roots)
	}
	// The designated access ports send 802.1D BPDUs untagged, with this
	// bridge's vector; the root port sends none.
	for _, name := range []string{"GigabitEthernet0/2", "GigabitEthernet0/1"} {
		var bpdus []stp.Frame
		for _, f := range sentBPDUs[name] {
			if fr, err := stp.ParseFrame(f); err == nil {
				bpdus = append(bpdus, fr)
			}
		}
		switch name {
		case "GigabitEthernet0/2":
			if len(bpdus) < 10 {
				t.Fatalf("%s sent %d BPDUs in 31 s", name, len(bpdus))
			}
			b := bpdus[len(bpdus)-1]
			if b.Encap != stp.EncapIEEE || b.VID != 0 || b.BPDU.Root != peerBPDU(10).Root || b.BPDU.Cost != 4 ||
				b.BPDU.Bridge != stp.MakeBridgeID(32778, [6]byte{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x00}) || b.BPDU.Port != 0x8002 {
				t.Errorf("%s BPDU: %+v", name, b)
			}
		case "GigabitEthernet0/1":
			for _, b := range bpdus {
				if b.BPDU.Type != stp.TypeTCN {
					t.Errorf("the root port sent %+v", b)
				}
			}
		}
	}
}
