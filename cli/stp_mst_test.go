package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/stp"
)

// mstRegionLines configure region r1 revision 1 with VLAN 10 in MSTI 1.
var mstRegionLines = []string{"spanning-tree mode mst", "spanning-tree mst configuration", "name r1", "revision 1", "instance 1 vlan 10", "exit"}

// mstPeerBPDU is the BPDU of a peer in region cfg that is the CIST root
// (priority 4096) and MSTI 1's root (priority 8192), on its port 1.
func mstPeerBPDU(cfg stp.MSTConfigID) stp.BPDU {
	id := stp.MakeBridgeID(4096, peerMAC)
	return stp.BPDU{Version: stp.VersionMSTP, Type: stp.TypeRST, Flags: 0x3c, Root: id, Bridge: id, Port: 0x8001,
		MaxAge: 20 * 256, HelloTime: 2 * 256, ForwardDelay: 15 * 256,
		MST: &stp.MST{Config: cfg, CISTBridge: id, Hops: 20, MSTIs: []stp.MRecord{
			{Flags: 0x3c, RegRoot: stp.MakeBridgeID(8192+1, peerMAC), BridgePrio: 0x20, PortPrio: 0x80, Hops: 20}}}}
}

func (r *rig) mstPeerHello(cfg stp.MSTConfigID) {
	r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC, 0, 0, mstPeerBPDU(cfg)))
}

func (r *rig) mstRun(d time.Duration, cfg stp.MSTConfigID) {
	s := r.dev.stp
	for el := time.Duration(0); el < d; el += stpTick {
		if el%(2*time.Second) == 0 {
			r.mstPeerHello(cfg)
		}
		r.clk.Advance(stpTick)
		r.now = r.now.Add(stpTick)
		s.mu.Lock()
		s.tickLocked(s.now())
		s.mu.Unlock()
	}
}

func region(name string, rev uint16, msti1 ...uint16) stp.MSTConfigID {
	return stp.MSTConfigID{Name: name, Revision: rev, Digest: stp.ConfigDigest(func(v uint16) uint16 {
		for _, x := range msti1 {
			if v == x {
				return 1
			}
		}
		return 0
	})}
}

const wantMST1 = `
##### MST1    vlans mapped:   10
Bridge        address 001e.147a.0000  priority      32769 (32768 sysid 1)
Root          address 0011.2233.4455  priority      8193 (8192 sysid 1)
              port    Gi0/1            cost          20000     rem hops 19

Interface        Role Sts Cost      Prio.Nbr Type
---------------- ---- --- --------- -------- --------------------------------
Gi0/1            Root FWD 20000     128.1    P2p
Gi0/2            Desg FWD 20000     128.2    P2p
Gi0/3            Desg FWD 20000     128.3    P2p Edge
Gi0/4            Desg FWD 20000     128.4    P2p
`

// TestMSTShowsAndBPDUs: a bridge whose region peer on Gi0/1 is the CIST
// and MSTI 1 root: the shows in the IOS MST layouts (the ntc templates
// read them), and the MST BPDUs it sends carry the region and MSTI 1's
// M-record with the hop count one less.
func TestMSTShowsAndBPDUs(t *testing.T) {
	r := stpRig(t, mstRegionLines...)
	var sent []stp.Frame
	r.dev.stp.txHook = func(name string, f []byte) {
		if fr, err := stp.ParseFrame(f); err == nil && name == "GigabitEthernet0/2" {
			sent = append(sent, fr)
		}
	}
	reg := region("r1", 1, 10)
	r.mstRun(31*time.Second, reg)
	if got := r.out("show spanning-tree mst 1"); got != wantMST1 {
		t.Errorf("show spanning-tree mst 1:\n%s\nwant:\n%s", got, wantMST1)
	}
	cist := r.out("show spanning-tree mst 0")
	for _, w := range []string{"##### MST0    vlans mapped:   1-9,11-4094\n", "Root          address 0011.2233.4455  priority      4096 (4096 sysid 0)\n",
		"Regional Root address 0011.2233.4455  priority      4096 (4096 sysid 0)\n", "internal cost 20000     rem hops 19\n",
		"Configured    hello time 2 , forward delay 15, max age 20, max hops    20\n"} {
		if !strings.Contains(cist, w) {
			t.Errorf("show spanning-tree mst 0 lacks %q:\n%s", w, cist)
		}
	}
	all := r.out("show spanning-tree")
	if !strings.HasPrefix(all, "MST0\n  Spanning tree enabled protocol mstp\n  Root ID    Priority    4096\n") ||
		!strings.Contains(all, "\nMST1\n  Spanning tree enabled protocol mstp\n  Root ID    Priority    8193\n") ||
		!strings.Contains(all, "  Bridge ID  Priority    32769  (priority 32768 sys-id-ext 1)\n") {
		t.Errorf("show spanning-tree:\n%s", all)
	}
	rows := parseNTC(t, "cisco_ios_show_spanning-tree", all)
	if len(rows) != 8 || rows[0]["INTERFACE"] != "Gi0/1" || rows[0]["ROLE"] != "Root" || rows[0]["COST"] != "20000" || rows[5]["STATUS"] != "FWD" {
		t.Errorf("ntc rows: %v", rows)
	}
	roots := parseNTC(t, "cisco_ios_show_spanning-tree_root", r.out("show spanning-tree root"))
	if len(roots) != 2 || roots[1]["VLAN_ID"] != "MST1" || roots[1]["PRIORITY"] != "8193" || roots[1]["ROOT_COST"] != "20000" || roots[1]["ROOT_PORT"] != "Gi0/1" {
		t.Errorf("show spanning-tree root: %v", roots)
	}
	if got := r.out("show spanning-tree vlan 10"); !strings.HasPrefix(got, "MST1\n") {
		t.Errorf("show spanning-tree vlan 10 is not MST1's:\n%s", got)
	}
	if got := r.out("show spanning-tree interface GigabitEthernet0/1"); !strings.HasPrefix(got, "Mst Instance        Role Sts Cost      Prio.Nbr Type\n") ||
		!strings.Contains(got, "\nMST1                Root FWD 20000     128.1    P2p\n") {
		t.Errorf("show spanning-tree interface:\n%s", got)
	}
	sum := r.out("show spanning-tree summary")
	if !strings.HasPrefix(sum, "Switch is in mst mode (IEEE Standard)\nRoot bridge for: none\n") || !strings.Contains(sum, "Configured Pathcost method used is long\n") ||
		!strings.Contains(sum, "\nMST1                          0         0        0          4          4\n") || !strings.Contains(sum, "\n2 msts ") {
		t.Errorf("summary:\n%s", sum)
	}
	if len(sent) < 10 {
		t.Fatalf("Gi0/2 sent %d BPDUs in 31 s", len(sent))
	}
	b := sent[len(sent)-1].BPDU
	m := b.MST
	if m == nil || b.Version != stp.VersionMSTP || m.Config != reg || b.Root != stp.MakeBridgeID(4096, peerMAC) || b.Bridge != b.Root || b.Cost != 0 ||
		m.IntCost != 20000 || m.Hops != 19 || m.CISTBridge != stp.MakeBridgeID(32768, [6]byte{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x00}) || b.Port != 0x8002 {
		t.Fatalf("Gi0/2 BPDU %+v %+v", b, m)
	}
	if len(m.MSTIs) != 1 || m.MSTIs[0].RegRoot != stp.MakeBridgeID(8193, peerMAC) || m.MSTIs[0].IntCost != 20000 || m.MSTIs[0].Hops != 19 ||
		m.MSTIs[0].BridgePrio != 0x80 || m.MSTIs[0].Flags&0x0c != 0x0c || m.MSTIs[0].Flags&stp.FlagForwarding == 0 {
		t.Errorf("M-records %+v", m.MSTIs)
	}
	if got := r.out("show spanning-tree mst configuration digest"); !strings.Contains(got, fmt.Sprintf("Digest          0x%X\n", reg.Digest[:])) {
		t.Errorf("digest:\n%s", got)
	}
}

// TestMSTBoundaries: a peer of another region or an 802.1w bridge makes
// Gi0/1 a boundary port: MSTI 1 takes the CIST's role (the master port)
// and the MSTI's information does not cross.
func TestMSTBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name string
		bpdu func() stp.BPDU
	}{
		{"region", func() stp.BPDU { return mstPeerBPDU(region("r2", 1, 10)) }},
		{"rstp", func() stp.BPDU {
			b := mstPeerBPDU(region("r1", 1, 10))
			b.MST, b.Version = nil, stp.VersionRSTP
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := stpRig(t, mstRegionLines...)
			for i := 0; i < 20; i++ {
				r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC, 0, 0, tc.bpdu()))
				r.stpRun(time.Second, false)
			}
			got := r.out("show spanning-tree mst 1")
			if !strings.Contains(got, "Root          this switch for MST1\n") || !strings.Contains(got, "Gi0/1            Mstr FWD 20000     128.1    P2p Bound(RSTP)\n") {
				t.Errorf("show spanning-tree mst 1:\n%s", got)
			}
			if got := r.out("show spanning-tree mst 0"); !strings.Contains(got, "Gi0/1            Root FWD 20000     128.1    P2p Bound(RSTP)\n") ||
				!strings.Contains(got, "              port    Gi0/1            path cost     20000\n") || !strings.Contains(got, "Regional Root this switch\n") {
				t.Errorf("show spanning-tree mst 0:\n%s", got)
			}
		})
	}
}

// TestMSTPVSTSimulation: PVST+ BPDUs on the trunk make it a PVST boundary;
// a VLAN claiming a root worse than the CIST root (VLAN 1's, on the PVST
// side) through the root port blocks it with %SPANTREE-2-PVSTSIM_FAIL,
// until those BPDUs stop (PVSTSIM_OK).
func TestMSTPVSTSimulation(t *testing.T) {
	r := stpRig(t, mstRegionLines...)
	hello := func(vlan10Prio uint16) {
		r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapIEEE, peerMAC, 0, 0, peerBPDU(1)))
		r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 0, 1, peerBPDU(1)))
		b := peerBPDU(10)
		b.Root, b.Bridge = stp.MakeBridgeID(vlan10Prio, peerMAC2), stp.MakeBridgeID(vlan10Prio, peerMAC2)
		r.stpInject("GigabitEthernet0/1", stp.AppendFrame(nil, stp.EncapSSTP, peerMAC, 10, 10, b))
	}
	for i := 0; i < 5; i++ {
		hello(4096 + 10) // worse than VLAN 1's root 4097:0011.2233.4455
		r.stpRun(2*time.Second, false)
	}
	log := r.dev.sw.Log()
	if got := r.out("show spanning-tree mst 0"); !strings.Contains(got, "Gi0/1            Root ") || !strings.Contains(got, "Bound(PVST)") {
		t.Errorf("show spanning-tree mst 0:\n%s", got)
	}
	fail := "%SPANTREE-2-PVSTSIM_FAIL: Blocking root port Gi0/1: Inconsitent inferior PVST BPDU received on VLAN 10, claiming root 4106:0022.3344.5566"
	if len(log.Grep(fail)) != 1 {
		t.Errorf("no %q: %v", fail, log.Grep("PVSTSIM"))
	}
	if got := r.out("show spanning-tree blockedports"); !strings.Contains(got, "MST0                 Gi0/1") {
		t.Errorf("blockedports:\n%s", got)
	}
	if got := r.out("show spanning-tree mst 1"); !strings.Contains(got, "Gi0/1            Mstr BKN*20000     128.1    P2p Bound(PVST) *PVST_Inc\n") {
		t.Errorf("show spanning-tree mst 1:\n%s", got)
	}
	// VLAN 10's root becomes the better one: consistent again.
	for i := 0; i < 12; i++ {
		hello(10)
		r.stpRun(2*time.Second, false)
	}
	if ok := "%SPANTREE-2-PVSTSIM_OK: PVST Simulation nconsistency cleared on port GigabitEthernet0/1."; len(log.Grep(ok)) != 1 {
		t.Errorf("no %q: %v", ok, log.Grep("PVSTSIM"))
	}
	if got := r.out("show spanning-tree blockedports"); strings.Contains(got, "Gi0/1") {
		t.Errorf("blockedports:\n%s", got)
	}
}

// TestMSTConfigurationSubmode: the region is edited in config-mst and
// applied when the session leaves it (exit, end, a global command), not
// before; abort drops the edit; the running configuration has it as IOS
// writes it.
func TestMSTConfigurationSubmode(t *testing.T) {
	r := stpRig(t, "spanning-tree mode mst")
	out := r.out("configure terminal", "spanning-tree mst configuration", "name lab", "revision 3", "instance 1 vlan 10,20-22", "instance 2 vlan 30",
		"show pending", "show current", "end")
	wantPending := "Pending MST configuration\nName      [lab]\nRevision  3     Instances configured 3\n\nInstance  Vlans mapped\n" +
		"--------  ---------------------------------------------------------------------\n0         1-9,11-19,23-29,31-4094\n1         10,20-22\n2         30\n" +
		strings.Repeat("-", 79) + "\n"
	if !strings.Contains(out, wantPending) || !strings.Contains(out, "Current MST configuration\nName      []\nRevision  0     Instances configured 1\n") {
		t.Errorf("show pending/current in config-mst:\n%s", out)
	}
	// `end` left config-mst: applied.
	if got := r.out("show spanning-tree mst configuration"); !strings.HasPrefix(got, "Name      [lab]\nRevision  3     Instances configured 3\n") {
		t.Errorf("not applied on leaving:\n%s", got)
	}
	r.out("configure terminal", "spanning-tree mst configuration", "name other", "instance 1 vlan 30", "abort", "end")
	if got := r.out("show spanning-tree mst configuration"); !strings.HasPrefix(got, "Name      [lab]\n") || !strings.Contains(got, "\n2         30\n") {
		t.Errorf("abort applied the edit:\n%s", got)
	}
	// VLAN 30 moves from MSTI 2 to MSTI 1, which empties MSTI 2; a global
	// command leaves the submode and applies.
	r.out("configure terminal", "spanning-tree mst configuration", "instance 1 vlan 30", "spanning-tree mst 1 priority 8192",
		"spanning-tree mst max-hops 10", "interface GigabitEthernet0/1", "spanning-tree mst 1 cost 1000", "spanning-tree mst 1 port-priority 64", "end")
	run := r.out("show running-config")
	want := "spanning-tree mode mst\nspanning-tree extend system-id\nspanning-tree mst max-hops 10\n!\nspanning-tree mst configuration\n name lab\n revision 3\n instance 1 vlan 10,20-22,30\n!\nspanning-tree mst 1 priority 8192\n!\n"
	if !strings.Contains(run, want) || !strings.Contains(run, " spanning-tree mst 1 cost 1000\n spanning-tree mst 1 port-priority 64\n") {
		t.Errorf("running-config lacks\n%s\n%s", want, run)
	}
	r.stpSync() // the runner's goroutine would, on the kick
	if got := r.out("show spanning-tree mst 1"); !strings.Contains(got, "Bridge        address 001e.147a.0000  priority      8193 (8192 sysid 1)\n") ||
		!strings.Contains(got, "Gi0/1            Desg ") || !strings.Contains(got, " 1000      64.1 ") {
		t.Errorf("show spanning-tree mst 1 after the change:\n%s", got)
	}
	if got := r.out("show spanning-tree mst 2"); got != "% Invalid MST instance 2\n" {
		t.Errorf("MSTI 2 still there: %q", got)
	}
	if res := r.run("configure terminal", "spanning-tree mst 1 priority 100"); !strings.Contains(res.Output, "% Bridge Priority must be in increments of 4096.") {
		t.Errorf("priority 100:\n%s", res.Output)
	}
	// Back to rapid-pvst: the VLAN instances return.
	r.out("configure terminal", "spanning-tree mode rapid-pvst", "end")
	r.stpSync()
	if got := r.out("show spanning-tree summary"); !strings.HasPrefix(got, "Switch is in rapid-pvst mode\n") || !strings.Contains(got, "VLAN0010") {
		t.Errorf("after mode rapid-pvst:\n%s", got)
	}
}

// stpSync has the runner apply the configuration, as its goroutine does
// when a command kicks it.
func (r *rig) stpSync() {
	st := r.dev.stp
	st.mu.Lock()
	st.syncLocked(st.now())
	st.mu.Unlock()
}
