package dataplane

import (
	"fmt"
	"net"
	"testing"
)

// TestUnresolvedOverflowCounted: packets to a next hop that never answers
// ARP fill its queue; the ones beyond it are dropped and counted as
// unresolved, not lost silently.
func TestUnresolvedOverflowCounted(t *testing.T) {
	g := newL3Rig(t)
	g.learnHost(1, macA, ipA, net.IP{10, 0, 10, 1})
	const n = 20
	for i := range n {
		g.send(1, udpTo(t, macA, g.routerMAC(), ipA, ipC, 64, []byte(fmt.Sprint("packet ", i))))
		g.cpu()
	}
	g.got()
	if d := g.sw.L3Stats().DropUnresolved; d == 0 {
		t.Fatalf("%d packets to an unresolved host, none counted as dropped", n)
	}
}
