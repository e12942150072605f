package dataplane

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/l2sw/l2sw/packet"
)

// Probes are the switch's own ping and traceroute: an ICMP echo or a UDP
// datagram it sends (see originate.go) and the answer it waits for, an
// echo reply or an ICMP error that quotes the probe.

// Probe is one packet to send and wait an answer for.
type Probe struct {
	Dst     netip.Addr
	SrcVLAN uint16        // send from this SVI's primary address; 0: the egress SVI's
	Size    int           // the IP datagram's length (IOS `size`); 0: 100
	DF      bool          // don't fragment
	TTL     uint8         // 0: 255
	UDPPort uint16        // 0: an ICMP echo; else a UDP datagram to this port (traceroute)
	Timeout time.Duration // 0: 2 s, as IOS waits
}

// The sizes a probe may have (IOS `ping ... size <36-18024>`).
const (
	MinProbeSize = 36
	MaxProbeSize = 18024
)

// Answer is what came back for a probe.
type Answer uint8

// The answers.
const (
	AnswerNone         Answer = iota // nothing within the timeout
	AnswerEchoReply                  // the destination answered the echo
	AnswerUnreachable                // an ICMP destination unreachable (ProbeResult.Code)
	AnswerTimeExceeded               // a router on the way: TTL exceeded
)

// ProbeResult is the answer to a probe.
type ProbeResult struct {
	Answer Answer
	Code   uint8      // of an unreachable
	From   netip.Addr // who answered
	Source netip.Addr // the address the probe was sent from
	RTT    time.Duration
}

// ErrBadProbe is wrapped by Probe for a probe it cannot send.
var ErrBadProbe = errors.New("bad probe")

// probeKey identifies a probe in the answers: the echo's identifier and
// sequence number, or the UDP datagram's ports.
type probeKey struct {
	proto uint8
	a, b  uint16
}

// Probe sends p and waits for its answer, the timeout or ctx.
func (sw *Switch) Probe(ctx context.Context, p Probe) (ProbeResult, error) {
	if !p.Dst.Is4() {
		return ProbeResult{}, fmt.Errorf("probe %v: %w", p.Dst, ErrBadAddress)
	}
	if p.Size == 0 {
		p.Size = 100
	}
	if p.Size < MinProbeSize || p.Size > MaxProbeSize {
		return ProbeResult{}, fmt.Errorf("probe of %d bytes: %w", p.Size, ErrBadProbe)
	}
	if p.TTL == 0 {
		p.TTL = 255
	}
	if p.Timeout == 0 {
		p.Timeout = 2 * time.Second
	}
	c := sw.l3.cp
	key, src, ch, err := c.sendProbe(p)
	if err != nil {
		return ProbeResult{}, err
	}
	defer func() {
		c.mu.Lock()
		delete(c.probes, key)
		c.mu.Unlock()
	}()
	sent := time.Now()
	timer := time.NewTimer(p.Timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		r.Source, r.RTT = src, time.Since(sent)
		return r, nil
	case <-timer.C:
		return ProbeResult{Source: src}, nil
	case <-ctx.Done():
		return ProbeResult{Source: src}, ctx.Err()
	}
}

// sendProbe builds and sends the probe, registered for its answer.
func (c *controlPlane) sendProbe(p Probe) (probeKey, netip.Addr, chan ProbeResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, l3 := c.snap()
	if l3 == nil {
		return probeKey{}, netip.Addr{}, nil, fmt.Errorf("probe %v: %w", p.Dst, ErrNoSource)
	}
	src, err := c.sourceFor(l3, p.SrcVLAN, p.Dst)
	if err != nil {
		return probeKey{}, netip.Addr{}, nil, fmt.Errorf("probe %v: %w", p.Dst, err)
	}
	if p.Size > len(c.ibuf) {
		return probeKey{}, netip.Addr{}, nil, fmt.Errorf("probe of %d bytes: %w", p.Size, ErrBadProbe)
	}
	c.probeSeq++
	m := c.ibuf[:p.Size]
	h := packet.IPv4Header{ID: c.probeSeq, TTL: p.TTL, Proto: packet.ProtoICMP, Src: src.As4(), Dst: p.Dst.As4()}
	var key probeKey
	if p.UDPPort != 0 {
		h.Proto = packet.ProtoUDP
		key = probeKey{packet.ProtoUDP, traceSourcePort + c.probeSeq%1024, p.UDPPort}
	} else {
		key = probeKey{packet.ProtoICMP, probeIdent, c.probeSeq}
	}
	packet.PutIPv4Header(m, h)
	if p.DF {
		m[packet.IPv4Flags] |= 0x40
		binary.BigEndian.PutUint16(m[packet.IPv4Checksum:], 0)
		binary.BigEndian.PutUint16(m[packet.IPv4Checksum:], packet.Checksum(m[:packet.IPv4Min]))
	}
	body := m[packet.IPv4Min:]
	for i := range body {
		body[i] = 0xab // IOS's fill pattern
	}
	if p.UDPPort != 0 {
		packet.PutUDP(m, key.a, key.b)
	} else {
		body[packet.ICMPType], body[packet.ICMPCode] = packet.ICMPEcho, 0
		binary.BigEndian.PutUint16(body[packet.ICMPRest:], key.a)
		binary.BigEndian.PutUint16(body[packet.ICMPRest+2:], key.b)
		packet.SetICMPChecksum(body)
	}
	ch := make(chan ProbeResult, 1)
	if c.probes == nil {
		c.probes = map[probeKey]chan ProbeResult{}
	}
	c.probes[key] = ch
	c.route(s, l3, m, 0, true)
	return key, src, ch, nil
}

// probeIdent is the ICMP identifier of the switch's echoes; traceSourcePort
// the first source port of its traceroute probes.
const (
	probeIdent      = 0x4c32 // "L2"
	traceSourcePort = 49152
)

// probeAnswer hands an ICMP message addressed to the switch to the probe it
// answers, if one waits: an echo reply, or an error quoting a probe.
func (c *controlPlane) probeAnswer(pkt []byte, ihl int) {
	if len(c.probes) == 0 {
		return
	}
	icmp := pkt[ihl:]
	from := netip.AddrFrom4([4]byte(pkt[packet.IPv4Src : packet.IPv4Src+4]))
	var key probeKey
	r := ProbeResult{From: from}
	switch icmp[packet.ICMPType] {
	case packet.ICMPEchoReply:
		key = probeKey{packet.ProtoICMP, binary.BigEndian.Uint16(icmp[packet.ICMPRest:]), binary.BigEndian.Uint16(icmp[packet.ICMPRest+2:])}
		r.Answer = AnswerEchoReply
	case packet.ICMPUnreachable, packet.ICMPTimeExceeded:
		r.Answer, r.Code = AnswerTimeExceeded, icmp[packet.ICMPCode]
		if icmp[packet.ICMPType] == packet.ICMPUnreachable {
			r.Answer = AnswerUnreachable
		}
		q := icmp[packet.ICMPLen:]
		if len(q) < packet.IPv4Min || len(q) < packet.IPv4HeaderLen(q)+8 {
			return
		}
		l4 := q[packet.IPv4HeaderLen(q):]
		switch q[packet.IPv4Proto] {
		case packet.ProtoICMP:
			key = probeKey{packet.ProtoICMP, binary.BigEndian.Uint16(l4[packet.ICMPRest:]), binary.BigEndian.Uint16(l4[packet.ICMPRest+2:])}
		case packet.ProtoUDP:
			key = probeKey{packet.ProtoUDP, binary.BigEndian.Uint16(l4[0:]), binary.BigEndian.Uint16(l4[2:])}
		default:
			return
		}
	default:
		return
	}
	if ch, ok := c.probes[key]; ok {
		select {
		case ch <- r:
		default: // answered already
		}
	}
}
