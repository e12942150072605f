package cli

import (
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

func TestMSTShowDump(t *testing.T) {
	r := stpRig(t, mstRegionLines...)
	r.mstRun(3*time.Second, region("r1", 1, 10))
	for _, c := range []string{"show spanning-tree", "show spanning-tree mst", "show spanning-tree mst 1 detail", "show spanning-tree mst configuration",
		"show spanning-tree mst configuration digest", "show spanning-tree summary", "show spanning-tree root", "show spanning-tree blockedports",
		"show spanning-tree vlan 10", "show spanning-tree interface Gi0/1", "show running-config | include spanning|instance|name|revision|!"} {
		t.Logf("%s\n%s", c, r.out(c))
	}
	_ = strings.Contains
}
