package cli

import (
	"fmt"
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

// stpAltOnGi04 makes a second bridge with a better ID than ours, on the
// same root, appear on Gi0/4: the port becomes an alternate.
func (r *rig) stpAltOnGi04() {
	b := peerBPDU(10)
	b.Bridge, b.Cost, b.Port = stp.MakeBridgeID(8192+10, peerMAC2), 4, 0x8003
	r.stpInject("GigabitEthernet0/4", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC2, 0, 0, b))
}

// TestSTPShowSummaryRootBlocked: summary, root, blockedports and
// interface in the IOS layouts.
func TestSTPShowSummaryRootBlocked(t *testing.T) {
	r := stpRig(t)
	r.stpRun(31*time.Second, true)
	r.stpAltOnGi04()
	want := map[string]string{
		"show spanning-tree summary": `Switch is in pvst mode
Root bridge for: none
Extended system ID           is enabled
Portfast Default             is disabled
PortFast BPDU Guard Default  is disabled
Portfast BPDU Filter Default is disabled
Loopguard Default            is disabled
EtherChannel misconfig guard is enabled
UplinkFast                   is disabled
BackboneFast                 is disabled
Configured Pathcost method used is short

Name                   Blocking Listening Learning Forwarding STP Active
---------------------- -------- --------- -------- ---------- ----------
VLAN0001                      0         0        0          1          1
VLAN0010                      1         0        0          3          4
---------------------- -------- --------- -------- ---------- ----------
2 vlans                       1         0        0          4          5
`,
		"show spanning-tree blockedports": `
Name                 Blocked Interfaces List
-------------------- ------------------------------------
VLAN0010             Gi0/4

Number of blocked ports (segments) in the system : 1

`,
		"show spanning-tree root": `                                        Root    Hello Max Fwd
Vlan                   Root ID          Cost    Time  Age Dly  Root Port
---------------- -------------------- --------- ----- --- ---  ------------
VLAN0001          4097 0011.2233.4455         4     2  20  15  Gi0/1
VLAN0010          4106 0011.2233.4455         4     2  20  15  Gi0/1
`,
		"show spanning-tree interface gi0/4": `Vlan                Role Sts Cost      Prio.Nbr Type
------------------- ---- --- --------- -------- --------------------------------
VLAN0010            Altn BLK 4         128.4    P2p
`,
		"show spanning-tree vlan 99":          "Spanning tree instance(s) for vlan 99 does not exist.\n",
		"show spanning-tree interface gi0/99": "",
	}
	for cmd, w := range want {
		if w == "" {
			continue
		}
		if got := r.out(cmd); got != w {
			t.Errorf("%s:\n%q\nwant:\n%q", cmd, got, w)
		}
	}
	detail := r.out("show spanning-tree vlan 10 detail")
	for _, line := range []string{
		" VLAN0010 is executing the ieee compatible Spanning Tree protocol\n",
		"  Bridge Identifier has priority 32768, sysid 10, address 001e.147a.0000\n",
		"  Current root has priority 4106, address 0011.2233.4455\n  Root port is 1 (GigabitEthernet0/1), cost of root path is 4\n",
		" Port 4 (GigabitEthernet0/4) of VLAN0010 is alternate blocking\n   Port path cost 4, Port priority 128, Port Identifier 128.4.\n",
		"   Designated bridge has priority 8202, address 0022.3344.5566\n   Designated port id is 128.3, designated path cost 4\n",
		" Port 3 (GigabitEthernet0/3) of VLAN0010 is designated forwarding\n",
		"   The port is in the portfast mode\n",
	} {
		if !strings.Contains(detail, line) {
			t.Errorf("detail lacks %q:\n%s", line, detail)
		}
	}
	// The data plane follows: Gi0/4 takes no frame of VLAN 10.
	c0, _ := r.sw.Counters("GigabitEthernet0/4")
	r.send("GigabitEthernet0/4", frame("ffff.ffff.ffff", "0200.0000.0004", 0))
	c1, _ := r.sw.Counters("GigabitEthernet0/4")
	if c1.Get(dataplane.Drops(dataplane.ReasonSTPBlocked)) != c0.Get(dataplane.Drops(dataplane.ReasonSTPBlocked))+1 {
		t.Error("a frame received on the blocked port was not dropped as stp blocked")
	}
}

// TestSTPConfigCommands: priorities, root primary, timers, the interface
// options; refused lines change nothing; the running config says it all
// and reads back the same.
func TestSTPConfigCommands(t *testing.T) {
	r := stpRig(t)
	r.stpRun(time.Second, true)
	res := r.run("configure terminal", "spanning-tree vlan 10 priority 100")
	if !res.Rejected || !strings.Contains(res.Output, "% Bridge Priority must be in increments of 4096.") {
		t.Errorf("priority 100: %s", res.Output)
	}
	res = r.run("configure terminal", "interface gi0/2", "spanning-tree port-priority 100")
	if !res.Rejected || !strings.Contains(res.Output, "% Port Priority in increments of 16 is required") {
		t.Errorf("port-priority 100: %s", res.Output)
	}
	if strings.Contains(r.out("show running-config"), "priority") {
		t.Error("a refused line changed the configuration")
	}
	// The peer is root with 4096: root primary goes below it.
	r.out("configure terminal", "spanning-tree vlan 10 root primary", "spanning-tree vlan 20 root secondary", "end")
	lines := []string{"configure terminal",
		"errdisable recovery cause bpduguard", "errdisable recovery interval 60",
		"spanning-tree mode rapid-pvst", "spanning-tree portfast default",
		"spanning-tree vlan 10 hello-time 1", "spanning-tree vlan 10 forward-time 4", "spanning-tree vlan 10 max-age 6",
		"no spanning-tree vlan 30",
		"interface gi0/2", "spanning-tree bpduguard enable", "spanning-tree guard root", "spanning-tree cost 19",
		"spanning-tree vlan 10 port-priority 64", "exit",
		"interface gi0/1", "spanning-tree portfast trunk", "spanning-tree bpdufilter enable", "spanning-tree guard loop",
		"spanning-tree vlan 10 cost 100", "spanning-tree port-priority 32", "end"}
	r.out(lines...)
	run := r.out("show running-config")
	for _, want := range []string{
		"errdisable recovery cause bpduguard\nerrdisable recovery interval 60\nspanning-tree mode rapid-pvst\nspanning-tree portfast default\nspanning-tree extend system-id\nno spanning-tree vlan 30\nspanning-tree vlan 10 priority 0\nspanning-tree vlan 20 priority 28672\nspanning-tree vlan 10 hello-time 1\nspanning-tree vlan 10 forward-time 4\nspanning-tree vlan 10 max-age 6\n!\n",
		"interface GigabitEthernet0/1\n switchport mode trunk\n spanning-tree portfast trunk\n spanning-tree bpdufilter enable\n spanning-tree guard loop\n spanning-tree vlan 10 cost 100\n spanning-tree port-priority 32\n",
		"interface GigabitEthernet0/2\n switchport access vlan 10\n spanning-tree bpduguard enable\n spanning-tree guard root\n spanning-tree cost 19\n spanning-tree vlan 10 port-priority 64\n",
	} {
		if !strings.Contains(run, want) {
			t.Errorf("running-config lacks\n%s\nin:\n%s", want, run)
		}
	}
	// Read back into a fresh device: the same configuration.
	r2 := newRigN(t, 4)
	if errs := r2.dev.LoadConfig(strings.NewReader(run)); len(errs) > 0 {
		t.Fatalf("reload: %v", errs)
	}
	if got := r2.out("show running-config"); stripBytes(got) != stripBytes(run) {
		t.Errorf("round trip:\n%s\nwant:\n%s", got, run)
	}
	// The no forms take everything back.
	r.out("configure terminal", "no spanning-tree vlan 10 priority", "no spanning-tree vlan 20 root", "no spanning-tree vlan 10 hello-time",
		"no spanning-tree vlan 10 forward-time", "no spanning-tree vlan 10 max-age", "spanning-tree vlan 30", "spanning-tree mode pvst",
		"no spanning-tree portfast default", "no errdisable recovery cause bpduguard", "no errdisable recovery interval",
		"interface gi0/2", "no spanning-tree bpduguard", "no spanning-tree guard", "no spanning-tree cost", "no spanning-tree vlan 10 port-priority", "exit",
		"interface gi0/1", "no spanning-tree portfast", "no spanning-tree bpdufilter", "no spanning-tree guard", "no spanning-tree vlan 10 cost", "no spanning-tree port-priority", "end")
	run = r.out("show running-config")
	if n := strings.Count(run, "spanning-tree"); n != 3 || !strings.Contains(run, "spanning-tree mode pvst\nspanning-tree extend system-id\n!\n") {
		t.Errorf("after the no forms %d spanning-tree lines:\n%s", n, run)
	}
}

// stripBytes drops the "Current configuration : N bytes" line.
func stripBytes(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "Current configuration") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSTPBPDUGuardErrDisable: a BPDU on a portfast port with bpduguard
// err-disables it with the IOS messages and blocks it in the data plane;
// recovery after the interval brings it back.
func TestSTPBPDUGuardErrDisable(t *testing.T) {
	r := stpRig(t, "interface gi0/3", "spanning-tree bpduguard enable", "exit", "errdisable recovery cause bpduguard", "errdisable recovery interval 30")
	r.stpRun(time.Second, true)
	r.stpInject("GigabitEthernet0/3", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC2, 0, 0, peerBPDU(10)))
	log := r.sw.Log()
	for _, want := range []string{
		"%SPANTREE-2-BLOCK_BPDUGUARD: Received BPDU on port Gi0/3 with BPDU Guard enabled. Disabling port.",
		"%PM-4-ERR_DISABLE: bpduguard error detected on Gi0/3, putting Gi0/3 in err-disable state",
	} {
		if len(log.Grep(want)) != 1 {
			t.Errorf("log lacks %q", want)
		}
	}
	if r.sw.ErrDisabledCause("GigabitEthernet0/3") == "" {
		t.Fatal("not err-disabled")
	}
	if got := r.out("show interfaces status"); !strings.Contains(got, "err-disabled") {
		t.Errorf("show interfaces status:\n%s", got)
	}
	if got := r.out("show interfaces gi0/3"); !strings.Contains(got, "GigabitEthernet0/3 is down, line protocol is down (err-disabled)") {
		t.Errorf("show interfaces:\n%s", got)
	}
	if len(log.Grep("%LINK-3-UPDOWN: Interface GigabitEthernet0/3, changed state to down")) != 1 {
		t.Error("no LINK down")
	}
	if got := r.out("show spanning-tree interface gi0/3"); got != "no spanning tree info available for GigabitEthernet0/3\n" {
		t.Errorf("show spanning-tree interface of an err-disabled port: %q", got)
	}
	c0, _ := r.sw.Counters("GigabitEthernet0/3")
	r.send("GigabitEthernet0/3", frame("ffff.ffff.ffff", "0200.0000.0003", 0))
	c1, _ := r.sw.Counters("GigabitEthernet0/3")
	if c1.Get(dataplane.Forwarded) != c0.Get(dataplane.Forwarded) || c1.Get(dataplane.Drops(dataplane.ReasonPortDown)) != c0.Get(dataplane.Drops(dataplane.ReasonPortDown))+1 {
		t.Error("the err-disabled port still forwards")
	}
	r.stpRun(31*time.Second, true)
	r.sw.SecurityTick() // the switch's recovery timer (errdisable.go)
	r.stpRun(3*time.Second, true)
	if len(log.Grep("%PM-4-ERR_RECOVER: Attempting to recover from bpduguard err-disable state on Gi0/3")) != 1 {
		t.Error("no recovery message")
	}
	if r.sw.ErrDisabledCause("GigabitEthernet0/3") != "" {
		t.Error("still err-disabled after the interval")
	}
	if got := r.out("show spanning-tree interface gi0/3"); !strings.Contains(got, "VLAN0010            Desg FWD 4         128.3    P2p Edge") {
		t.Errorf("after the recovery:\n%s", got)
	}
}

// TestSTPRapidProposalAgreement: under rapid-pvst, a proposal from the
// root on Gi0/1 makes it forward at once, and it answers with an
// agreement; the designated ports propose in turn.
func TestSTPRapidProposalAgreement(t *testing.T) {
	r := stpRig(t, "spanning-tree mode rapid-pvst")
	var sent []stp.Frame
	r.dev.stp.txHook = func(name string, f []byte) {
		if fr, err := stp.ParseFrame(f); err == nil && name == "GigabitEthernet0/1" && fr.PVID == 10 {
			sent = append(sent, fr)
		}
	}
	r.stpRun(stpTick, false)
	b := peerBPDU(10)
	b.Version, b.Type, b.Flags = stp.VersionRSTP, stp.TypeRST, stp.FlagProposal|3<<2
	r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 10, 10, b))
	if got := r.out("show spanning-tree vlan 10 interface gi0/1"); !strings.Contains(got, "VLAN0010            Root FWD 4         128.1    P2p") {
		t.Errorf("after the proposal:\n%s", got)
	}
	agreed := false
	for _, f := range sent {
		agreed = agreed || (f.BPDU.Type == stp.TypeRST && f.BPDU.Flags&stp.FlagAgreement != 0 && f.VID == 10)
	}
	if !agreed {
		t.Errorf("no agreement sent on Gi0/1: %+v", sent)
	}
	if got := r.out("show spanning-tree vlan 10"); !strings.Contains(got, "Spanning tree enabled protocol rstp") {
		t.Errorf("rapid-pvst:\n%s", got)
	}
}

// TestSTPInterfacesTrunk: show interfaces trunk leaves the VLANs in which
// spanning tree blocks the trunk out of its forwarding list.
func TestSTPInterfacesTrunk(t *testing.T) {
	r := stpRig(t)
	r.stpRun(time.Second, true)
	got := r.out("show interfaces trunk")
	if !strings.Contains(got, "Port        Vlans in spanning tree forwarding state and not pruned\nGi0/1       none\n") {
		t.Errorf("listening trunk:\n%s", got)
	}
	r.stpRun(31*time.Second, true)
	got = r.out("show interfaces trunk")
	if !strings.Contains(got, "Port        Vlans in spanning tree forwarding state and not pruned\nGi0/1       1,10\n") {
		t.Errorf("forwarding trunk:\n%s", got)
	}
}

// TestSTPRootGuardAndFilter: a superior BPDU on a root-guard port blocks
// it as root-inconsistent with the IOS message and show type; a
// bpdufilter port neither hears nor sends BPDUs.
func TestSTPRootGuardAndFilter(t *testing.T) {
	r := stpRig(t, "interface gi0/2", "spanning-tree guard root", "exit", "interface gi0/4", "spanning-tree bpdufilter enable", "exit")
	var filtered int
	r.dev.stp.txHook = func(name string, f []byte) {
		if name == "GigabitEthernet0/4" {
			filtered++
		}
	}
	r.stpRun(31*time.Second, true)
	b := peerBPDU(10)
	b.Root, b.Bridge = stp.MakeBridgeID(10, peerMAC2), stp.MakeBridgeID(10, peerMAC2)
	r.stpInject("GigabitEthernet0/2", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC2, 0, 0, b))
	r.stpInject("GigabitEthernet0/4", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC2, 0, 0, b))
	if len(r.sw.Log().Grep("%SPANTREE-2-ROOTGUARD_BLOCK: Root guard blocking port GigabitEthernet0/2 on VLAN0010.")) != 1 {
		t.Error("no ROOTGUARD_BLOCK message")
	}
	got := r.out("show spanning-tree vlan 10")
	for _, want := range []string{
		"Gi0/2               Desg BKN*4         128.2    P2p *ROOT_Inc\n",
		"Root ID    Priority    4106\n", // the filtered port heard nothing
		"Gi0/4               Desg FWD 4         128.4    P2p\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if filtered != 0 {
		t.Errorf("the bpdufilter port sent %d BPDUs", filtered)
	}
	// The superior information ages out: the guard lets go.
	r.stpRun(25*time.Second, true)
	if len(r.sw.Log().Grep("%SPANTREE-2-ROOTGUARD_UNBLOCK: Root guard unblocking port GigabitEthernet0/2 on VLAN0010.")) != 1 {
		t.Error("no ROOTGUARD_UNBLOCK message")
	}
}

// TestSTPTopologyChangeShortAging: while the root's BPDUs carry the TC
// flag (802.1D), addresses age in forward-delay time (15 s) instead of
// 300 s, and show spanning-tree says so; under 802.1w a TC flushes the
// addresses of the other ports at once.
func TestSTPTopologyChangeShortAging(t *testing.T) {
	r := stpRig(t)
	r.stpRun(31*time.Second, true)
	r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0200.0000.0002", 0))
	learned := func() bool {
		es, _ := r.sw.MACEntries(dataplane.MACFilter{VLAN: 10})
		for _, e := range es {
			if e.MAC.String() == "0200.0000.0002" {
				return true
			}
		}
		return false
	}
	if !learned() {
		t.Fatal("not learned")
	}
	tc := func() {
		b := peerBPDU(10)
		b.Flags = stp.FlagTC
		r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 10, 10, b))
	}
	tc()
	if got := r.out("show spanning-tree vlan 10"); !strings.Contains(got, "Aging Time   15 sec") {
		t.Errorf("no short aging shown:\n%s", got)
	}
	for i := 0; i < 10; i++ { // 20 s of TC-flagged hellos
		tc()
		r.stpRun(2*time.Second, false)
	}
	if learned() {
		t.Error("an address idle for 20 s survived the topology change")
	}
	r.stpRun(2*time.Second, true) // the flag is gone: normal aging again
	if got := r.out("show spanning-tree vlan 10"); !strings.Contains(got, "Aging Time  300 sec") {
		t.Errorf("aging not back to 300:\n%s", got)
	}

	// 802.1w: a TC from the root flushes the other ports at once.
	r = stpRig(t, "spanning-tree mode rapid-pvst")
	b := peerBPDU(10)
	b.Version, b.Type, b.Flags = stp.VersionRSTP, stp.TypeRST, stp.FlagProposal|3<<2|stp.FlagForwarding|stp.FlagLearning
	for i := 0; i < 16; i++ { // the root's hellos while Gi0/2 goes forwarding by the timers
		r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 10, 10, b))
		r.stpRun(2*time.Second, false)
	}
	if got := r.out("show spanning-tree vlan 10 interface gi0/2"); !strings.Contains(got, "Desg FWD") {
		t.Fatalf("Gi0/2 under rapid-pvst:\n%s", got)
	}
	r.send("GigabitEthernet0/2", frame("ffff.ffff.ffff", "0200.0000.0002", 0))
	if !learned() {
		t.Fatal("not learned under rapid-pvst")
	}
	b.Flags = 3<<2 | stp.FlagForwarding | stp.FlagLearning | stp.FlagTC
	r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 10, 10, b))
	if learned() {
		t.Error("an 802.1w topology change did not flush Gi0/2's addresses")
	}
}

// TestSTPPortfastWarningAndMigration: portfast warns as IOS does; a
// rapid-pvst port that heard an 802.1D peer shows Peer(STP) until
// `clear spanning-tree detected-protocols`.
func TestSTPPortfastWarningAndMigration(t *testing.T) {
	r := stpRig(t, "spanning-tree mode rapid-pvst")
	res := r.run("configure terminal", "interface gi0/1", "spanning-tree portfast")
	if !strings.Contains(res.Output, "%Warning: portfast should only be enabled on ports connected to a single\n host.") ||
		!strings.Contains(res.Output, "%Portfast has been configured on GigabitEthernet0/1 but will only\n have effect when the interface is in a non-trunking mode.\n") {
		t.Errorf("portfast on a trunk:\n%s", res.Output)
	}
	r.out("configure terminal", "interface gi0/1", "no spanning-tree portfast", "end")
	r.stpPeerHello() // 802.1D BPDUs
	if got := r.out("show spanning-tree vlan 10 interface gi0/1"); !strings.Contains(got, "P2p Peer(STP)") {
		t.Errorf("no Peer(STP):\n%s", got)
	}
	r.out("clear spanning-tree detected-protocols")
	if got := r.out("show spanning-tree vlan 10 interface gi0/1"); strings.Contains(got, "Peer(STP)") {
		t.Errorf("still Peer(STP) after clear:\n%s", got)
	}
}

// FuzzSTPReceive: whatever arrives at the BPDU addresses, on whichever
// port, the runner does not panic and its shows still render.
func FuzzSTPReceive(f *testing.F) {
	f.Add(uint8(0), stp.AppendFrame(nil, stp.EncapIEEE, peerMAC, 0, 0, peerBPDU(1)))
	f.Add(uint8(0), stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 10, 10, peerBPDU(10)))
	f.Add(uint8(2), stp.AppendFrame(nil, stp.EncapIEEE, peerMAC, 0, 0, stp.BPDU{Type: stp.TypeTCN}))
	f.Add(uint8(1), []byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd, 1, 2, 3, 4, 5, 6, 0x81, 0, 0x0f, 0xff, 0, 3})
	f.Fuzz(func(t *testing.T, port uint8, frame []byte) {
		r := stpRig(t, "interface gi0/3", "spanning-tree bpduguard enable", "exit")
		name := fmt.Sprintf("GigabitEthernet0/%d", port%4+1)
		r.stpInject(name, frame)
		r.stpRun(3*time.Second, false)
		for _, c := range []string{"show spanning-tree", "show spanning-tree detail", "show spanning-tree summary", "show spanning-tree blockedports", "show spanning-tree root"} {
			r.out(c)
		}
	})
}
