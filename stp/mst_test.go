package stp

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigDigestAllIST: the digest of the table that maps every VLAN to
// the IST is the one the standard and every MSTP implementation know.
func TestConfigDigestAllIST(t *testing.T) {
	d := ConfigDigest(func(uint16) uint16 { return 0 })
	if got := strings.ToUpper(hex.EncodeToString(d[:])); got != "AC36177F50283CD4B83821D8AB26DE62" {
		t.Errorf("digest of the all-IST table: %s", got)
	}
	d1 := ConfigDigest(func(v uint16) uint16 {
		if v >= 10 && v <= 19 {
			return 1
		}
		return 0
	})
	if d1 == d {
		t.Error("mapping VLANs 10-19 to MSTI 1 does not change the digest")
	}
	// VLAN 10 in MSTI 1 and 20 in MSTI 2, as other MSTP code checks it.
	d2 := ConfigDigest(func(v uint16) uint16 {
		switch v {
		case 10:
			return 1
		case 20:
			return 2
		}
		return 0
	})
	if got := hex.EncodeToString(d2[:]); got != "9357ebb7a8d74dd5fef4f2bab50531aa" {
		t.Errorf("digest of 10->1, 20->2: %s", got)
	}
}

var (
	macA = [6]byte{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x00}
	macB = [6]byte{0x00, 0x1e, 0x14, 0x7b, 0x00, 0x00}
)

// mstSample is an MST BPDU with two M-records, as a CIST root and MSTI 1
// root sends it on its port 1.
func mstSample() BPDU {
	digest, _ := hex.DecodeString("ac36177f50283cd4b83821d8ab26de62")
	var d [16]byte
	copy(d[:], digest)
	id := MakeBridgeID(32768, macA)
	return BPDU{Version: VersionMSTP, Type: TypeRST, Flags: FlagProposal | bpduRoleDesignated<<flagRoleShift,
		Root: id, Cost: 0, Bridge: id, Port: 0x8001, MaxAge: 20 * 256, HelloTime: 2 * 256, ForwardDelay: 15 * 256,
		MST: &MST{Config: MSTConfigID{Name: "region1", Revision: 1, Digest: d}, IntCost: 0, CISTBridge: id, Hops: 20,
			MSTIs: []MRecord{
				{Flags: bpduRoleDesignated<<flagRoleShift | FlagLearning | FlagForwarding, RegRoot: MakeBridgeID(24576+1, macA), BridgePrio: 0x60, PortPrio: 0x80, Hops: 20},
				{Flags: bpduRoleRoot<<flagRoleShift | FlagForwarding | FlagLearning | FlagAgreement, RegRoot: MakeBridgeID(4096+2, macB), IntCost: 20000, BridgePrio: 0x80, PortPrio: 0x80, Hops: 19},
			}}}
}

// mstSampleHex is mstSample's frame, laid out by hand from 802.1Q-2005
// 14.6 (the same layout Wireshark dissects from a Catalyst's MST BPDUs).
const mstSampleHex = "0180c2000000" + "001e147a0001" + "0089" + "424203" +
	"0000" + "03" + "02" + "0e" + "8000001e147a0000" + "00000000" + "8000001e147a0000" + "8001" + "0000" + "1400" + "0200" + "0f00" +
	"00" + "0060" + // version 1 length, version 3 length 64+2*16
	"00" + "726567696f6e3100000000000000000000000000000000000000000000000000" + "0001" + "ac36177f50283cd4b83821d8ab26de62" +
	"00000000" + "8000001e147a0000" + "14" +
	"3c" + "6001001e147a0000" + "00000000" + "60" + "80" + "14" +
	"78" + "1002001e147b0000" + "00004e20" + "80" + "80" + "13"

func TestMSTBPDULayout(t *testing.T) {
	f := AppendFrame(nil, EncapIEEE, [6]byte{0x00, 0x1e, 0x14, 0x7a, 0x00, 0x01}, 0, 0, mstSample())
	if got := hex.EncodeToString(f); got != mstSampleHex {
		t.Errorf("MST BPDU frame\n got %s\nwant %s", got, mstSampleHex)
	}
	fr, err := ParseFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	want := mstSample()
	if fr.BPDU.MST == nil {
		t.Fatal("no MST part decoded")
	}
	got := fr.BPDU
	gm, wm := *got.MST, *want.MST
	got.MST, want.MST = nil, nil
	if got != want || gm.Config != wm.Config || gm.IntCost != wm.IntCost || gm.CISTBridge != wm.CISTBridge || gm.Hops != wm.Hops ||
		len(gm.MSTIs) != 2 || gm.MSTIs[0] != wm.MSTIs[0] || gm.MSTIs[1] != wm.MSTIs[1] {
		t.Errorf("decoded %+v %+v\nwant %+v %+v", got, gm, want, wm)
	}
	if gm.MSTIs[0].MSTI() != 1 || gm.MSTIs[1].MSTI() != 2 {
		t.Errorf("MSTI numbers %d %d", gm.MSTIs[0].MSTI(), gm.MSTIs[1].MSTI())
	}
}

// Two MST BPDUs captured from Cisco bridges, as public packet-library
// test suites carry them (not made by our encoder):
//
//   - capturedMSTIST: from 0025.b4e6.6c01, a region with every VLAN in the
//     IST (the all-IST digest), TC set, root port, no M-record; the 4
//     trailing bytes are the FCS.
//   - capturedMSTI5: the BPDU after the source address and length of a
//     bridge 001a.a197.d180 with one M-record for MSTI 5, which tcpdump
//     prints as "STP 802.1s, Rapid STP, CIST Flags [Learn, Forward,
//     Agreement], length 118" (PcapPlusPlus' EthDot3 test, tcpdump's).
const (
	capturedMSTIST = "0180c20000000025b4e66c010069424203000003027910000025b4e669800000000010000025b4e6698080010000140002000f000000400000000000000000000000000000000000000000000000000000000000000000000000ac36177f50283cd4b83821d8ab26de6200030d4080000025b4e66c0014a2278ac9"
	capturedMSTI5  = "424203000003027c8000000c305dd100000000008000000c305dd10080050000140002000f00000050000000000000000000000000000000000000000000000000000000000000000000000055bf4e8a44b25d442868549c1bf7720f00030d408000001aa197d180137c8005000c305dd10000030d40808013"
)

func TestMSTBPDUCaptured(t *testing.T) {
	b, _ := hex.DecodeString(capturedMSTIST)
	fr, err := ParseFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	m := fr.BPDU.MST
	cisco := func(prio uint16, mac string) BridgeID {
		hw, _ := hex.DecodeString(mac)
		var a [6]byte
		copy(a[:], hw)
		return MakeBridgeID(prio, a)
	}
	if m == nil || fr.BPDU.Flags != FlagTC|bpduRoleRoot<<flagRoleShift|FlagLearning|FlagForwarding|FlagAgreement ||
		fr.BPDU.Root != cisco(4096, "0025b4e66980") || fr.BPDU.Bridge != fr.BPDU.Root || fr.BPDU.Port != 0x8001 ||
		m.Config.Name != "" || m.Config.Revision != 0 || m.IntCost != 200000 || m.CISTBridge != cisco(32768, "0025b4e66c00") || m.Hops != 20 || len(m.MSTIs) != 0 {
		t.Fatalf("decoded %+v %+v", fr.BPDU, m)
	}
	// The Cisco bridge's digest of its all-IST table is ours.
	if m.Config.Digest != ConfigDigest(func(uint16) uint16 { return 0 }) {
		t.Errorf("digest %x", m.Config.Digest)
	}
	if again := AppendFrame(nil, EncapIEEE, fr.Src, 0, 0, fr.BPDU); !bytes.Equal(again, b[:len(again)]) {
		t.Errorf("re-encoded\n got %x\nwant %x", again, b)
	}

	p, _ := hex.DecodeString(capturedMSTI5)
	bp, err := ParseBPDU(p[3:])
	if err != nil {
		t.Fatal(err)
	}
	m = bp.MST
	if m == nil || bp.Flags != FlagLearning|FlagForwarding|FlagAgreement|bpduRoleDesignated<<flagRoleShift || bp.Port != 0x8005 ||
		m.CISTBridge != cisco(32768, "001aa197d180") || m.IntCost != 200000 || m.Hops != 19 || len(m.MSTIs) != 1 {
		t.Fatalf("decoded %+v %+v", bp, m)
	}
	if r := m.MSTIs[0]; r.MSTI() != 5 || r.RegRoot != cisco(32773, "000c305dd100") || r.IntCost != 200000 ||
		r.BridgePrio != 0x80 || r.PortPrio != 0x80 || r.Hops != 19 || r.Flags != 0x7c {
		t.Errorf("M-record %+v", r)
	}
	if again := bp.Append(nil); !bytes.Equal(again, p[3:]) {
		t.Errorf("re-encoded\n got %x\nwant %x", again, p[3:])
	}
}

// TestMSTBPDUShortIsRST: a version 3 BPDU too short for the MST part is an
// RST BPDU (802.1Q 14.4), and a bad version 3 length is refused.
func TestMSTBPDUShortIsRST(t *testing.T) {
	b := mstSample()
	p := b.Append(nil)
	short, err := ParseBPDU(p[:LenRST])
	if err != nil || short.MST != nil || short.Type != TypeRST {
		t.Errorf("short MST BPDU: %+v %v", short, err)
	}
	p[37]++ // version 3 length
	if _, err := ParseBPDU(p); err == nil {
		t.Error("a bad version 3 length was accepted")
	}
}

func FuzzParseMSTBPDU(f *testing.F) {
	seed := mstSample()
	f.Add(seed.Append(nil))
	if b, err := hex.DecodeString(capturedMSTI5); err == nil {
		f.Add(b[3:])
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := ParseBPDU(p)
		if err != nil {
			return
		}
		// What decodes re-encodes to the same bytes (up to the BPDU's
		// length, names to their first NUL) and decodes the same again.
		again, err := ParseBPDU(b.Append(nil))
		if err != nil {
			t.Fatalf("re-encoded BPDU does not decode: %v", err)
		}
		if (again.MST == nil) != (b.MST == nil) {
			t.Fatalf("MST part lost: %+v / %+v", b, again)
		}
		if b.MST != nil && len(again.MST.MSTIs) != len(b.MST.MSTIs) {
			t.Fatalf("records %d / %d", len(b.MST.MSTIs), len(again.MST.MSTIs))
		}
	})
}

// TestFuzzCorpusPresent: the seed corpus under testdata/fuzz is there.
func TestFuzzCorpusPresent(t *testing.T) {
	m, _ := filepath.Glob("testdata/fuzz/FuzzParseMSTBPDU/*")
	if len(m) == 0 {
		t.Skip("no corpus files")
	}
	for _, f := range m {
		if _, err := os.ReadFile(f); err != nil {
			t.Error(err)
		}
	}
}

// node is a bridge of the mixed simulation: an MST bridge or a plain tree.
type node struct {
	mst  *MSTBridge
	tree *Tree
}

type mixNet struct {
	t     *testing.T
	nodes []node
	links map[[2]int][2]int
	now   time.Duration
}

func (n *mixNet) portCfg(p int) PortConfig { return PortConfig{ID: 0x8000 | uint16(p), Cost: 20000} }

func (n *mixNet) link(a, pa, b, pb int, instances ...uint16) {
	n.links[[2]int{a, pa}] = [2]int{b, pb}
	n.links[[2]int{b, pb}] = [2]int{a, pa}
	for _, x := range [][2]int{{a, pa}, {b, pb}} {
		nd := n.nodes[x[0]]
		if nd.mst != nil {
			for _, i := range nd.mst.Instances() {
				nd.mst.SetPort(i, x[1], n.portCfg(x[1]), true, n.now)
			}
			nd.mst.Flush(n.now)
		} else {
			nd.tree.SetPort(x[1], n.portCfg(x[1]), true, n.now)
		}
	}
	n.deliver()
}

func (n *mixNet) deliver() {
	for round := 0; round < 200; round++ {
		moved := false
		for i, nd := range n.nodes {
			var outs []Out
			if nd.mst != nil {
				outs = nd.mst.Outbox()
				nd.mst.Events()
			} else {
				outs = nd.tree.Outbox()
				nd.tree.Events()
			}
			for _, o := range outs {
				peer, ok := n.links[[2]int{i, o.Port}]
				if !ok {
					continue
				}
				fr, err := ParseFrame(AppendFrame(nil, EncapIEEE, [6]byte{2}, 0, 0, o.BPDU))
				if err != nil {
					n.t.Fatal(err)
				}
				if pn := n.nodes[peer[0]]; pn.mst != nil {
					pn.mst.Receive(peer[1], fr.BPDU, n.now)
				} else {
					pn.tree.Receive(peer[1], fr.BPDU, n.now)
				}
				moved = true
			}
		}
		if !moved {
			return
		}
	}
	n.t.Fatal("BPDUs never settle")
}

func (n *mixNet) run(d time.Duration) {
	for end := n.now + d; n.now < end; {
		n.now += 100 * time.Millisecond
		for _, nd := range n.nodes {
			if nd.mst != nil {
				nd.mst.Tick(n.now)
			} else {
				nd.tree.Tick(n.now)
			}
		}
		n.deliver()
	}
}

func (n *mixNet) port(node int, inst uint16, port int) PortStatus {
	var s Status
	if nd := n.nodes[node]; nd.mst != nil {
		s = nd.mst.Instance(inst).Status()
	} else {
		s = nd.tree.Status()
	}
	for _, ps := range s.Ports {
		if ps.Port == port {
			return ps
		}
	}
	n.t.Fatalf("node %d instance %d has no port %d", node, inst, port)
	return PortStatus{}
}

var region1 = MSTConfigID{Name: "r1", Revision: 1, Digest: ConfigDigest(func(v uint16) uint16 { return v % 3 })}

func newMST(prio uint16, mac [6]byte, region MSTConfigID, mstis map[uint16]uint16) *MSTBridge {
	m := NewMSTBridge(region, TreeConfig{Bridge: MakeBridgeID(prio, mac), Times: DefaultTimes, MaxHops: 20})
	for i, p := range mstis {
		m.SetInstance(i, TreeConfig{Bridge: MakeBridgeID(p+i, mac), MaxHops: 20}, 0)
	}
	return m
}

// TestMSTTwoInstancesBlockDifferentLinks: two bridges of one region with
// two links; A is the root of MSTI 1, B of MSTI 2, and each MSTI blocks
// the other link of the pair (B's port 2 has the better port priority in
// MSTI 2 only through cost), converging at once by proposal and agreement.
func TestMSTTwoInstancesBlockDifferentLinks(t *testing.T) {
	a := newMST(32768, macA, region1, map[uint16]uint16{1: 4096, 2: 32768})
	b := newMST(32768, macB, region1, map[uint16]uint16{1: 32768, 2: 4096})
	n := &mixNet{t: t, nodes: []node{{mst: a}, {mst: b}}, links: map[[2]int][2]int{}}
	// MSTI 2 prefers the second link: a cheaper cost on it there.
	n.link(0, 1, 1, 1)
	n.link(0, 2, 1, 2)
	for _, nd := range []*MSTBridge{a, b} {
		nd.SetPort(2, 2, PortConfig{ID: 0x8002, Cost: 2000}, true, n.now)
	}
	n.run(time.Second)
	// CIST: A (the lower MAC) is the root; B's port 1 is its root port.
	if s := b.Instance(0).Status(); s.Root != MakeBridgeID(32768, macA) || s.RegionalRoot != MakeBridgeID(32768, macA) || s.InternalCost != 20000 || s.RootCost != 0 {
		t.Errorf("B's CIST: root %x regional %x ext %d int %d", s.Root, s.RegionalRoot, s.RootCost, s.InternalCost)
	}
	if s := b.Instance(1).Status(); s.Root != MakeBridgeID(4097, macA) || s.RootPort != 1 || s.Hops != 19 {
		t.Errorf("B's MSTI 1: root %x port %d hops %d", s.Root, s.RootPort, s.Hops)
	}
	if s := a.Instance(2).Status(); s.Root != MakeBridgeID(4098, macB) || s.RootPort != 2 {
		t.Errorf("A's MSTI 2: root %x port %d", s.Root, s.RootPort)
	}
	want := map[[3]int]string{
		{1, 1, 1}: "Root forwarding", {1, 1, 2}: "Alternate blocking", // MSTI 1 blocks link 2 on B
		{0, 2, 2}: "Root forwarding", {0, 2, 1}: "Alternate blocking", // MSTI 2 blocks link 1 on A
		{0, 1, 1}: "Designated forwarding", {1, 2, 2}: "Designated forwarding",
	}
	for k, w := range want {
		ps := n.port(k[0], uint16(k[1]), k[2])
		if got := ps.Role.String() + " " + ps.State.String(); got != w {
			t.Errorf("bridge %d MSTI %d port %d: %s, want %s", k[0], k[1], k[2], got, w)
		}
	}
	if p := a.Peer(1); p != PeerInternal {
		t.Errorf("A's peer on port 1: %v", p)
	}
}

// TestMSTBoundaryRSTPAndSTP: an MST bridge between an 802.1w bridge (the
// CIST root) and an 802.1D one: both ports are boundary ports, the MSTI
// follows the CIST there (master port toward the root), the STP port
// falls back to configuration BPDUs, and both peers see the region's
// regional root in the Bridge field.
func TestMSTBoundaryRSTPAndSTP(t *testing.T) {
	m := newMST(32768, macA, region1, map[uint16]uint16{1: 32768})
	rstp := NewTree(TreeConfig{Bridge: MakeBridgeID(4096, [6]byte{0, 0x11, 0, 0, 0, 1}), Times: DefaultTimes, Rapid: true})
	stp := NewTree(TreeConfig{Bridge: MakeBridgeID(61440, [6]byte{0, 0x11, 0, 0, 0, 2}), Times: DefaultTimes})
	n := &mixNet{t: t, nodes: []node{{mst: m}, {tree: rstp}, {tree: stp}}, links: map[[2]int][2]int{}}
	n.link(0, 1, 1, 1)
	n.link(0, 2, 2, 1)
	n.run(35 * time.Second)
	if p := m.Peer(1); p != PeerRSTP {
		t.Errorf("peer on port 1: %v", p)
	}
	if p := m.Peer(2); p != PeerSTP {
		t.Errorf("peer on port 2: %v", p)
	}
	s := m.Instance(0).Status()
	if s.Root != rstp.Config().Bridge || s.RootPort != 1 || s.RegionalRoot != m.Instance(0).Config().Bridge || s.RootCost != 20000 {
		t.Errorf("CIST: root %x port %d regional %x ext %d", s.Root, s.RootPort, s.RegionalRoot, s.RootCost)
	}
	if ps := n.port(0, 1, 1); ps.Role != RoleMaster || ps.State != Forwarding || !ps.Boundary {
		t.Errorf("MSTI 1 port 1: %v %v boundary %v", ps.Role, ps.State, ps.Boundary)
	}
	if ps := n.port(0, 1, 2); ps.Role != RoleDesignated || ps.State != Forwarding {
		t.Errorf("MSTI 1 port 2: %v %v", ps.Role, ps.State)
	}
	if ps := n.port(0, 0, 2); !ps.STPCompat || ps.State != Forwarding {
		t.Errorf("CIST port 2: %+v", ps)
	}
	if ss := stp.Status(); ss.Root != rstp.Config().Bridge || ss.RootCost != 40000 {
		t.Errorf("the 802.1D bridge: root %x cost %d", ss.Root, ss.RootCost)
	}
	if ps := n.port(2, 0, 1); ps.DesignatedBridge != m.Instance(0).Config().Bridge {
		t.Errorf("the 802.1D bridge's designated bridge %x", ps.DesignatedBridge)
	}
}

// TestMSTBoundaryOtherRegion: two MST bridges of different regions in a
// loop with two links: the other region is one bridge; only one link
// forwards, in every instance.
func TestMSTBoundaryOtherRegion(t *testing.T) {
	other := MSTConfigID{Name: "r2", Revision: 1, Digest: region1.Digest}
	a := newMST(32768, macA, region1, map[uint16]uint16{1: 4096})
	b := newMST(32768, macB, other, map[uint16]uint16{1: 4096})
	n := &mixNet{t: t, nodes: []node{{mst: a}, {mst: b}}, links: map[[2]int][2]int{}}
	n.link(0, 1, 1, 1)
	n.link(0, 2, 1, 2)
	n.run(time.Second)
	if a.Peer(1) != PeerRegion || b.Peer(2) != PeerRegion {
		t.Errorf("peers %v %v", a.Peer(1), b.Peer(2))
	}
	for _, inst := range []uint16{0, 1} {
		if ps := n.port(1, inst, 1); ps.State != Forwarding {
			t.Errorf("B instance %d port 1: %v %v", inst, ps.Role, ps.State)
		}
		if ps := n.port(1, inst, 2); ps.State != Blocking {
			t.Errorf("B instance %d port 2: %v %v", inst, ps.Role, ps.State)
		}
	}
	if s := b.Instance(1).Status(); s.Root != b.Instance(1).Config().Bridge {
		t.Errorf("B's MSTI 1 root is %x: MSTIs do not cross regions", s.Root)
	}
}
