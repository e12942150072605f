package dataplane

import (
	"net/netip"
	"sync"
	"time"

	"github.com/l2sw/l2sw/arp"
	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cef"
	"github.com/l2sw/l2sw/dataplane/port"
	"github.com/l2sw/l2sw/packet"
)

// PuntQueueDepth is how many frames may wait for the control plane. Beyond
// it punts are dropped and counted, as a CoPP policer would: forwarding
// never waits for the CPU.
const PuntQueueDepth = 256

// puntPkt is one preallocated punt buffer.
type puntPkt struct {
	reason puntReason
	vlan   uint16 // ingress VLAN
	in     cam.PortID
	nh     uint32 // puntResolve: the address to resolve
	aux    int    // puntResolve: the SVI (VLAN) to resolve on; fragment: the egress MTU
	ip     int    // offset of the network header in the frame
	n      int    // frame length; the frame is at buf[port.Headroom:]
	buf    []byte
	acl    aclLogInfo // puntACLLog: the packet key and the entry's list and action
}

func (p *puntPkt) frame() []byte { return p.buf[port.Headroom : port.Headroom+p.n] }

// puntQueue is a bounded queue of preallocated buffers: workers take a free
// buffer without blocking (or drop), the control plane returns it.
type puntQueue struct {
	free chan *puntPkt
	q    chan *puntPkt
}

func newPuntQueue(depth int) *puntQueue {
	q := &puntQueue{free: make(chan *puntPkt, depth), q: make(chan *puntPkt, depth)}
	for range depth {
		q.free <- &puntPkt{buf: make([]byte, port.BufferSize)}
	}
	return q
}

// icmpBurst and icmpRefill rate-limit the ICMP errors the control plane
// sends (IOS limits unreachables to one per 500 ms by default; a little
// burst keeps traceroute's parallel probes answered).
const (
	icmpBurst  = 10
	icmpRefill = 100 * time.Millisecond
)

// controlPlane is the switch's CPU: one goroutine that serves the punt
// queue, runs the ARP table, answers ARP and ICMP echo, sends ICMP errors,
// fragments, re-ARPs and ages entries, and transmits its frames into L2.
type controlPlane struct {
	mu   sync.Mutex // one user of the buffers below: the goroutine, or an API call
	sw   *Switch
	q    *puntQueue
	arp  *arp.Table
	fib  *cef.Table
	r    *Receiver // the CPU's transmit side: enqueue/flush, counters
	obuf []byte    // frames the CPU sends
	ibuf []byte    // ICMP messages the CPU builds (copied into obuf to route)
	view packet.View

	aclLog *aclLogger

	tokens   int
	lastFill int64
	ipID     uint16

	probes   map[probeKey]chan ProbeResult // the switch's pings and traceroutes waiting for answers (probe.go)
	probeSeq uint16
}

// run serves the punt queue until stop closes; once a second it re-ARPs
// entries about to expire and ages the table.
func (c *controlPlane) run(stop <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case p := <-c.q.q:
			c.mu.Lock()
			c.handle(p)
			c.mu.Unlock()
		case <-tick.C:
			c.mu.Lock()
			c.tick()
			c.mu.Unlock()
		case <-stop:
			return
		}
	}
}

// drain handles every queued punt; tests drive the control plane with it.
func (c *controlPlane) drain() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for {
		select {
		case p := <-c.q.q:
			c.handle(p)
			n++
		default:
			return n
		}
	}
}

// tick sends the due refresh and retry requests and ages the ARP table.
func (c *controlPlane) tick() {
	now := c.sw.clk.Nanos()
	for _, req := range c.arp.DueForRefresh(now) {
		c.sendARPRequest(req)
	}
	c.arp.Age(now)
	c.aclLog.flush(now)
}

// snap loads the switch's current tables and observer for one punted
// packet, as Process does per batch for a port's receiver.
func (c *controlPlane) snap() (*snapshot, *l3Snapshot) {
	s := c.sw.snap.Load()
	c.r.obs = nil
	if o := c.sw.observer.Load(); o != nil {
		c.r.obs = *o
	}
	return s, s.l3
}

func (c *controlPlane) handle(p *puntPkt) {
	defer func() { c.q.free <- p }()
	switch p.reason {
	case puntACLLog:
		c.aclLog.hit(p.acl, c.sw.clk.Nanos())
		return
	case puntControl:
		c.handleControl(p)
		return
	}
	s, l3 := c.snap()
	if l3 == nil {
		return
	}
	switch p.reason {
	case puntARP:
		c.handleARP(s, l3, p)
	default:
		c.handleIP(s, l3, p.reason, p.buf, port.Headroom+p.ip, port.Headroom+p.n, p.vlan, p.nh, p.aux)
	}
}

// handleIP acts on an IPv4 packet at buf[ip:end] that the routed path
// could not finish.
func (c *controlPlane) handleIP(s *snapshot, l3 *l3Snapshot, why puntReason, buf []byte, ip, end int, inVLAN uint16, nh uint32, aux int) {
	pkt := buf[ip:end]
	switch why {
	case puntReceive:
		c.receive(s, l3, pkt, inVLAN)
	case puntTTL:
		c.icmpError(s, l3, pkt, inVLAN, packet.ICMPTimeExceeded, 0, 0)
	case puntNoRoute:
		c.icmpError(s, l3, pkt, inVLAN, packet.ICMPUnreachable, packet.ICMPCodeHost, 0)
	case puntFragNeeded:
		c.icmpError(s, l3, pkt, inVLAN, packet.ICMPUnreachable, packet.ICMPCodeFragNeeded, aux)
	case puntACLDeny:
		c.icmpError(s, l3, pkt, inVLAN, packet.ICMPUnreachable, packet.ICMPCodeAdminProhibited, 0)
	case puntResolve:
		res := c.arp.Resolve(arp.IfID(aux), u32addr(nh), pkt, c.sw.clk.Nanos())
		if res.Send {
			c.sendARPRequest(res.Request)
		}
		if !res.Queued && !res.Resolved {
			c.count(l3DropUnresolved)
		}
		// Resolved meanwhile (the answer raced the punt): forward once the
		// FIB agrees, never loop between the two tables.
		if res.Resolved && c.fib.Lookup(nh).Adj.State == cef.AdjValid {
			c.route(s, l3, pkt, inVLAN, false)
		}
	case puntFragment:
		c.fragment(s, l3, pkt, inVLAN, aux, false)
	}
}

// route sends an IPv4 packet through the routed path from the CPU (released
// packets, replies, ICMP errors) and finishes what the path hands back.
func (c *controlPlane) route(s *snapshot, l3 *l3Snapshot, pkt []byte, inVLAN uint16, local bool) {
	const ip = port.Headroom + 18
	b := c.obuf
	if len(pkt) > len(b)-ip {
		return
	}
	if &pkt[0] != &b[ip] {
		copy(b[ip:], pkt)
	}
	c.r.keyed = false // a new packet: the ACL stages build its key afresh
	// The routed path counts under the CPU's shard, as a worker's batch
	// does; it takes no other lock meanwhile.
	c.r.shard.Lock()
	c.r.now = c.sw.clk.Nanos() / 1e9 // the CPU has no batch to date its counts
	why, nh, aux := c.r.routeIP(s, l3, b, ip, len(pkt), local)
	c.r.shard.Unlock()
	c.flush()
	switch why {
	case puntNone:
	case puntFragment:
		c.fragment(s, l3, b[ip:ip+len(pkt)], inVLAN, aux, local)
	case puntReceive:
		// A released packet for us: answer it as if it had arrived.
		c.receive(s, l3, b[ip:ip+len(pkt)], inVLAN)
	default:
		if !local || why == puntResolve {
			c.handleIP(s, l3, why, b, ip, ip+len(pkt), inVLAN, nh, aux)
		}
	}
}

// count adds one to a routed-path counter of the CPU, under its shard.
func (c *controlPlane) count(x l3Counter) {
	c.r.shard.Lock()
	c.r.l3w.inc(x)
	c.r.shard.Unlock()
}

func (c *controlPlane) flush() {
	s := c.sw.snap.Load()
	c.r.flush(s)
	c.r.nscratch = 0
}

// fragment splits pkt to mtu (RFC 791) and routes every fragment. A transit
// packet has its TTL checked and decremented first, once.
func (c *controlPlane) fragment(s *snapshot, l3 *l3Snapshot, pkt []byte, inVLAN uint16, mtu int, local bool) {
	if !local && !packet.DecTTL(pkt) {
		c.icmpError(s, l3, pkt, inVLAN, packet.ICMPTimeExceeded, 0, 0)
		return
	}
	n := (len(pkt)+mtu-1)/max(mtu-60, 8) + 1
	out := make([][]byte, n)
	lens := make([]int, n)
	for i := range out {
		out[i] = make([]byte, mtu)
	}
	k, err := packet.FragmentIPv4(pkt, mtu, out, lens)
	if err != nil {
		c.count(l3DropNoEgress)
		return
	}
	c.count(l3Fragmented)
	for i := range k {
		c.count(l3FragmentsOut)
		c.route(s, l3, out[i][:lens[i]], inVLAN, true)
	}
}

// receive handles an IPv4 packet addressed to the switch: ICMP echo is
// answered, UDP gets a port unreachable (traceroute's last hop), anything
// else is consumed.
func (c *controlPlane) receive(s *snapshot, l3 *l3Snapshot, pkt []byte, inVLAN uint16) {
	if len(pkt) < packet.IPv4Min {
		return
	}
	ihl := packet.IPv4HeaderLen(pkt)
	dst := netip.AddrFrom4([4]byte(pkt[packet.IPv4Dst : packet.IPv4Dst+4]))
	if !(c.isOwn(l3, dst) || l3.isVirtual(dst)) || packet.IPv4IsFragment(pkt) {
		return // broadcast/network receive entries, fragments to us: consumed
	}
	switch pkt[packet.IPv4Proto] {
	case packet.ProtoICMP:
		if len(pkt) < ihl+packet.ICMPLen {
			return
		}
		if pkt[ihl+packet.ICMPType] != packet.ICMPEcho {
			c.probeAnswer(pkt, ihl)
			return
		}
		c.echoReply(s, l3, pkt, ihl, inVLAN)
	case packet.ProtoUDP:
		c.icmpError(s, l3, pkt, inVLAN, packet.ICMPUnreachable, packet.ICMPCodePort, 0)
	}
}

func (c *controlPlane) isOwn(l3 *l3Snapshot, ip netip.Addr) bool {
	for _, v := range l3.svis {
		if v == nil {
			continue
		}
		for _, p := range v.addrs {
			if p.Addr() == ip {
				return true
			}
		}
	}
	return false
}

// handleARP runs a punted ARP frame through the table, answers it, and
// forwards the packets its answer released.
func (c *controlPlane) handleARP(s *snapshot, l3 *l3Snapshot, p *puntPkt) {
	v := &c.view
	if v.Parse(p.frame()) != packet.ReasonNone || v.EtherType != packet.TypeARP {
		return
	}
	pk := arp.Packet{
		If: arp.IfID(p.vlan), Op: arp.Op(v.ARPOp()),
		SenderMAC: v.ARPSenderMAC(), SenderIP: v.ARPSenderIP(),
		TargetMAC: v.ARPTargetMAC(), TargetIP: v.ARPTargetIP(),
		ToUs: v.DstUint64() == l3.routerMAC, Broadcast: v.DstUint64() == bcastMAC,
	}
	d := c.arp.Receive(pk, c.sw.clk.Nanos())
	if d.Reply {
		c.sendARP(s, p.vlan, arp.OpReply, d.ReplyMAC, pk.TargetIP, pk.SenderMAC, pk.SenderMAC, pk.SenderIP)
		c.count(l3ARPRepliesOut)
	}
	for _, pkt := range d.Released {
		c.route(s, l3, pkt, p.vlan, false)
	}
}

// sendARPRequest sends a request the ARP table asked for, from the SVI
// address whose subnet holds the target.
func (c *controlPlane) sendARPRequest(req arp.Request) {
	s, l3 := c.snap()
	if l3 == nil || req.If > MaxVLAN {
		return
	}
	svi := l3.svis[req.If]
	if svi == nil || !svi.up || len(svi.addrs) == 0 {
		return
	}
	src := svi.addrs[0].Addr()
	for _, a := range svi.addrs {
		if a.Masked().Contains(req.IP) {
			src = a.Addr()
			break
		}
	}
	dst := packet.BroadcastMAC
	if !req.Unicast.IsZero() {
		dst = req.Unicast
	}
	c.sendARP(s, svi.vlan, arp.OpRequest, l3.mac, src, dst, packet.MAC{}, req.IP)
	c.count(l3ARPRequestsOut)
}

// sendARP builds an Ethernet/ARP frame from sha (the router MAC, or the
// virtual MAC of an owned virtual IP) and sends it into vlan.
func (c *controlPlane) sendARP(s *snapshot, vlan uint16, op arp.Op, sha packet.MAC, spa netip.Addr, dst, tha packet.MAC, tpa netip.Addr) {
	const start = port.Headroom
	b := c.obuf
	n := packet.PutARP(b[start:], dst, sha, uint16(op), sha, spa.As4(), tha, tpa.As4())
	c.r.shard.Lock()
	c.r.l3w.sviOut(vlan, n, c.sw.clk.Nanos()/1e9)
	c.r.shard.Unlock()
	c.r.l2Out(s, b, start, start+n, vlan, false)
	c.flush()
}

// allowICMPError takes a token of the ICMP error rate limit.
func (c *controlPlane) allowICMPError() bool {
	now := c.sw.clk.Nanos()
	if c.lastFill == 0 {
		c.tokens, c.lastFill = icmpBurst, now
	}
	if add := int((now - c.lastFill) / int64(icmpRefill)); add > 0 {
		c.tokens = min(icmpBurst, c.tokens+add)
		c.lastFill += int64(add) * int64(icmpRefill)
	}
	if c.tokens == 0 {
		c.count(l3ICMPRateLimited)
		return false
	}
	c.tokens--
	return true
}

func u32addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
