package bench

import (
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/internal/shareddata"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/classbench"
)

// BenchmarkForwardRoutedACL is BenchmarkForwardRouted (1k prefixes plus a
// default route) with a router ACL of the 1k ClassBench acl1 rules, every
// rule made a permit so each frame is routed, inbound on the ingress SVI:
// the frames carry the headers of the set's own trace, so every lookup
// walks the classifier as real traffic against that rule set would.
func BenchmarkForwardRoutedACL(b *testing.B) {
	dir := shareddata.Path(b, "data", "classbench", "neurocuts")
	fs, err := classbench.LoadFilters(filepath.Join(dir, "acl1_1k"))
	if err != nil {
		b.Fatal(err)
	}
	aces, err := classbench.ACEs(fs)
	if err != nil {
		b.Fatal(err)
	}
	trace, err := classbench.LoadTrace(filepath.Join(dir, "acl1_1k_trace"))
	if err != nil {
		b.Fatal(err)
	}
	bd, _ := routedBed(b, 1000)
	if err := bd.sw.AddStaticRoute(dataplane.StaticRoute{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("10.0.20.2")}); err != nil {
		b.Fatal(err)
	}
	l, err := classbench.PermitList("ACL1-1K", aces)
	if err != nil {
		b.Fatal(err)
	}
	res, err := bd.sw.SetSVIACL(10, tcam.In, l)
	if err != nil || res.State != tcam.Active {
		b.Fatalf("ip access-group in: %+v %v", res, err)
	}
	router := bd.sw.RouterMAC().Uint64()
	// Only unicast destinations are routed (a router drops multicast and
	// class E, which the synthetic trace contains too).
	var frames [][]byte
	for i := 0; len(frames) < activeFlows; i++ {
		p := trace[i%len(trace)]
		if top := p.Dst >> 24; top == 0 || top == 10 || top == 127 || top >= 224 {
			continue
		}
		frames = append(frames, aclFrame64(hostMAC(1), router, p.Src, p.Dst, p.Proto, p.Sport, p.Dport))
	}
	bd.runWarm(b, ifName(1), frames)
	if got := bd.sinks[1].TxFrames(); got < uint64((b.N+activeFlows/batch)*batch) {
		b.Fatalf("egress got %d frames, want %d", got, (b.N+activeFlows/batch)*batch)
	}
}

// aclFrame64 is a 64-byte IPv4 frame to the router MAC with the given
// 5-tuple; TCP, UDP and ICMP get a header the parser accepts.
func aclFrame64(src, router uint64, sip, dip uint32, proto uint8, sport, dport uint16) []byte {
	f := frame64(src, router)
	ip := f[14:]
	ip[9] = proto
	binary.BigEndian.PutUint32(ip[12:], sip)
	binary.BigEndian.PutUint32(ip[16:], dip)
	l4 := ip[20:]
	clear(l4)
	switch proto {
	case 6:
		binary.BigEndian.PutUint16(l4[0:], sport)
		binary.BigEndian.PutUint16(l4[2:], dport)
		l4[12] = 0x50 // data offset 5 words
		l4[13] = 0x10 // ACK
	case 17:
		binary.BigEndian.PutUint16(l4[0:], sport)
		binary.BigEndian.PutUint16(l4[2:], dport)
		binary.BigEndian.PutUint16(l4[4:], 26)
	case 1:
		l4[0] = 8 // echo
	}
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip[:20]))
	return f
}
