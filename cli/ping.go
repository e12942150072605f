package cli

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/ifname"
)

// This file holds the switch's own `ping` and `traceroute`, sent from its
// SVIs through the forwarding path (dataplane.Switch.Probe), printed as
// IOS prints them.

// pingMark is the character IOS prints for the result of one echo.
func pingMark(r dataplane.ProbeResult) byte {
	switch r.Answer {
	case dataplane.AnswerEchoReply:
		return '!'
	case dataplane.AnswerUnreachable:
		if r.Code == 4 {
			return 'M' // could not fragment
		}
		return 'U'
	case dataplane.AnswerTimeExceeded:
		return '&'
	}
	return '.'
}

// installPing adds ping and traceroute to EXEC mode.
func (d *Device) installPing() {
	help := map[string]string{
		"ping": "Send echo messages", "traceroute": "Trace route to destination", "ip": "IP echo",
		"A.B.C.D": "Ping destination address or hostname", "repeat": "specify repeat count",
		"<1-2147483647>": "Repeat count", "size": "specify datagram size", "<36-18024>": "Datagram size",
		"df-bit": "enable do not fragment bit in IP header", "source": "specify source address or name",
		"timeout": "specify timeout interval", "<0-3600>": "Timeout in seconds",
		"probe": "specify number of probes per hop", "<1-65535>": "Number of probes",
		"ttl": "specify minimum and maximum ttl", "port": "specify port number",
	}
	src := "source {IFNAME$srcif|A.B.C.D$srcip}"
	must(d.eng.Install(d.eng.ExecMode(),
		engine.Command{Syntax: "ping [ip] A.B.C.D$dst [{repeat <1-2147483647>$repeat|size <36-18024>$size|df-bit|" + src + "|timeout <0-3600>$timeout}]",
			Level: engine.LevelUser, Help: help, Run: d.ping},
		engine.Command{Syntax: "traceroute [ip] A.B.C.D$dst [{" + src + "|timeout <0-3600>$timeout|probe <1-65535>$probe|ttl <1-255>$minttl <1-255>$maxttl|port <1-65535>$port}]",
			Level: engine.LevelUser, Help: help, Run: d.traceroute},
	))
}

// probeSource resolves a source option to the SVI to send from.
func (d *Device) probeSource(a engine.Args) (uint16, netip.Addr, error) {
	switch {
	case a.Has("srcif"):
		v, ok := ifname.ParseSVI(a.Interface("srcif"))
		if !ok {
			return 0, netip.Addr{}, engine.Rejectf("%% Invalid source interface - %s has no IP address", a.Interface("srcif"))
		}
		for _, s := range d.sw.SVIs() {
			if s.VLAN == v && len(s.Addresses) > 0 {
				return v, s.Addresses[0].Addr(), nil
			}
		}
		return 0, netip.Addr{}, engine.Rejectf("%% Invalid source interface - %s has no IP address", a.Interface("srcif"))
	case a.Has("srcip"):
		ip := a.IP("srcip")
		for _, s := range d.sw.SVIs() {
			for _, p := range s.Addresses {
				if p.Addr() == ip {
					if p != s.Addresses[0] {
						return 0, netip.Addr{}, engine.Rejectf("%% Source address %v is a secondary address; use the interface", ip)
					}
					return s.VLAN, ip, nil
				}
			}
		}
		return 0, netip.Addr{}, engine.Rejectf("%% Invalid source address- IP address not on any of our up interfaces")
	}
	return 0, netip.Addr{}, nil
}

func (d *Device) ping(c *engine.Ctx, a engine.Args) error {
	dst := a.IP("dst")
	vlan, srcAddr, err := d.probeSource(a)
	if err != nil {
		return err
	}
	repeat, size, timeout := 5, 100, 2*time.Second
	if a.Has("repeat") {
		repeat = a.Int("repeat")
	}
	if a.Has("size") {
		size = a.Int("size")
	}
	if a.Has("timeout") {
		timeout = time.Duration(a.Int("timeout")) * time.Second
	}
	df := a.Keyword("df-bit")
	c.Printf("Type escape sequence to abort.\n")
	c.Printf("Sending %d, %d-byte ICMP Echos to %v, timeout is %d seconds:\n", repeat, size, dst, int(timeout/time.Second))
	if srcAddr.IsValid() {
		c.Printf("Packet sent with a source address of %v \n", srcAddr)
	}
	if df {
		c.Printf("Packet sent with the DF bit set\n")
	}
	var ok int
	var min, max, sum time.Duration
	col := 0
	for i := 0; i < repeat; i++ {
		r, err := d.sw.Probe(context.Background(), dataplane.Probe{Dst: dst, SrcVLAN: vlan, Size: size, DF: df, Timeout: max0(timeout)})
		if err != nil {
			c.Printf("\n")
			return engine.Rejectf("%% %v", err)
		}
		if col == 70 {
			c.Printf("\n")
			col = 0
		}
		c.Printf("%c", pingMark(r))
		col++
		if r.Answer == dataplane.AnswerEchoReply {
			ok++
			sum += r.RTT
			if ok == 1 || r.RTT < min {
				min = r.RTT
			}
			if r.RTT > max {
				max = r.RTT
			}
		}
	}
	c.Printf("\nSuccess rate is %d percent (%d/%d)", ok*100/max1(repeat), ok, repeat)
	if ok > 0 {
		c.Printf(", round-trip min/avg/max = %d/%d/%d ms", ms(min), ms(sum/time.Duration(ok)), ms(max))
	}
	c.Printf("\n")
	return nil
}

func (d *Device) traceroute(c *engine.Ctx, a engine.Args) error {
	dst := a.IP("dst")
	vlan, _, err := d.probeSource(a)
	if err != nil {
		return err
	}
	timeout, probes, minTTL, maxTTL, port := 3*time.Second, 3, 1, 30, 33434
	if a.Has("timeout") {
		timeout = time.Duration(a.Int("timeout")) * time.Second
	}
	if a.Has("probe") {
		probes = a.Int("probe")
	}
	if a.Has("minttl") {
		minTTL, maxTTL = a.Int("minttl"), a.Int("maxttl")
		if maxTTL < minTTL {
			return engine.Rejectf("%% Maximum TTL is less than the minimum TTL")
		}
	}
	if a.Has("port") {
		port = a.Int("port")
	}
	c.Printf("Type escape sequence to abort.\nTracing the route to %v\nVRF info: (vrf in name/id, vrf out name/id)\n", dst)
	for ttl := minTTL; ttl <= maxTTL; ttl++ {
		var line strings.Builder
		fmt.Fprintf(&line, "%3d ", ttl)
		var last netip.Addr
		reached := false
		for i := 0; i < probes; i++ {
			r, err := d.sw.Probe(context.Background(), dataplane.Probe{Dst: dst, SrcVLAN: vlan, TTL: uint8(ttl), UDPPort: uint16(port + (ttl-minTTL)*probes + i), Timeout: max0(timeout)})
			if err != nil {
				c.Printf("%s\n", line.String())
				return engine.Rejectf("%% %v", err)
			}
			if r.Answer == dataplane.AnswerNone {
				line.WriteString(" * ")
				continue
			}
			if r.From != last {
				if last.IsValid() {
					fmt.Fprintf(&line, "\n    ")
				}
				fmt.Fprintf(&line, "%v ", r.From)
				last = r.From
			}
			fmt.Fprintf(&line, "%d msec", ms(r.RTT))
			if r.Answer == dataplane.AnswerUnreachable {
				switch r.Code {
				case 3: // port unreachable: the destination itself
					reached = true
				case 13:
					line.WriteString(" !A")
					reached = true
				case 0:
					line.WriteString(" !N")
					reached = true
				default:
					line.WriteString(" !H")
					reached = true
				}
			}
			if i < probes-1 {
				line.WriteString(" ")
			}
		}
		c.Printf("%s\n", strings.TrimRight(line.String(), " "))
		if reached || last == dst {
			break
		}
	}
	return nil
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

func max1(n int) int { return max(n, 1) }

// max0 keeps a zero timeout from meaning the default: IOS's `timeout 0`
// sends without waiting.
func max0(d time.Duration) time.Duration { return max(d, time.Millisecond) }
