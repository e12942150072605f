package cli

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli/engine"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/packet"
)

// This file is the simulated packet trace, the Catalyst `show platform
// forward` (and Open vSwitch's ofproto/trace):
//
//	show platform forward interface IF vlan V SRC-MAC DST-MAC
//	    [ip SRC DST [tcp|udp SPORT DPORT | icmp TYPE CODE]]
//
// builds the frame, has the switch run it through the forwarding pipeline
// with every side effect off (dataplane.Switch.Simulate) and prints the
// stages it passed and where it went. `vlan V` is the VLAN the frame
// carries as it arrives, decided as a Catalyst decides a frame's VLAN: on
// an access port V equal to the access VLAN is an untagged frame (what a
// host sends) and any other V a frame tagged V, which the port drops, as
// it drops such frames from a misconfigured neighbour; on a trunk V equal
// to the native VLAN is untagged, any other V tagged.

// simEtherType is the EtherType of a frame without `ip`: IEEE 802's local
// experimental one, which no stage treats specially.
const simEtherType = 0x88b5

// simNoTransport is the IP protocol of a packet without tcp, udp or icmp:
// 253, reserved for experimentation (RFC 3692), so that only `ip` ACEs
// match it.
const simNoTransport = 253

// simTTL is the TTL of the simulated packet, a host's usual one.
const simTTL = 64

// simSpec is what the command describes.
type simSpec struct {
	vlan     uint16
	tagged   bool
	src, dst packet.MAC
	ip       bool
	sip, dip netip.Addr
	proto    uint8
	// sport, dport: TCP or UDP ports; ICMP type and code.
	sport, dport uint16
}

// simFrame builds the frame of s: Ethernet (tagged when s says), then a
// plain IPv4 packet with a TCP SYN, a UDP datagram or an ICMP header and
// no payload, padded to the Ethernet minimum.
func simFrame(s simSpec) []byte {
	b := make([]byte, 128)
	etherType := uint16(simEtherType)
	if s.ip {
		etherType = packet.TypeIPv4
	}
	n := 0
	if s.tagged {
		n = packet.PutEthernetTagged(b, s.dst, s.src, s.vlan, etherType)
	} else {
		n = packet.PutEthernet(b, s.dst, s.src, etherType)
	}
	if s.ip {
		l4 := 0
		switch s.proto {
		case packet.ProtoTCP:
			l4 = packet.TCPMin
		case packet.ProtoUDP, packet.ProtoICMP:
			l4 = packet.UDPLen
		}
		m := b[n : n+packet.IPv4Min+l4]
		packet.PutIPv4Header(m, packet.IPv4Header{TTL: simTTL, Proto: s.proto, Src: s.sip.As4(), Dst: s.dip.As4()})
		putTransport(m, s)
		n += len(m)
	}
	return b[:max(n, packet.EthLen+46)] // 60 bytes before the FCS
}

// putTransport writes the transport header of the IPv4 packet m, with its
// checksum, as a host would send it.
func putTransport(m []byte, s simSpec) {
	t := m[packet.IPv4Min:]
	switch s.proto {
	case packet.ProtoICMP:
		t[packet.ICMPType], t[packet.ICMPCode] = byte(s.sport), byte(s.dport)
		packet.SetICMPChecksum(t)
		return
	case packet.ProtoTCP:
		t[12] = packet.TCPMin / 4 << 4 // data offset
		t[packet.TCPFlags] = 0x02      // SYN: a connection's first segment
		binary.BigEndian.PutUint16(t[14:], 64240)
	case packet.ProtoUDP:
		binary.BigEndian.PutUint16(t[4:], uint16(len(t)))
	default:
		return
	}
	binary.BigEndian.PutUint16(t[packet.L4SrcPort:], s.sport)
	binary.BigEndian.PutUint16(t[packet.L4DstPort:], s.dport)
	// The pseudo-header checksum (RFC 793, RFC 768).
	var pseudo [12]byte
	copy(pseudo[0:4], m[packet.IPv4Src:packet.IPv4Src+4])
	copy(pseudo[4:8], m[packet.IPv4Dst:packet.IPv4Dst+4])
	pseudo[9] = s.proto
	binary.BigEndian.PutUint16(pseudo[10:], uint16(len(t)))
	at := 16 // TCP
	if s.proto == packet.ProtoUDP {
		at = 6
	}
	sum := packet.Fold(packet.Sum(packet.Sum(0, pseudo[:]), t))
	if sum = ^sum; sum == 0 && s.proto == packet.ProtoUDP {
		sum = 0xffff // 0 means no checksum in UDP
	}
	binary.BigEndian.PutUint16(t[at:], sum)
}

// installPlatformForward adds `show platform forward` to the engine.
func (d *Device) installPlatformForward() {
	help := map[string]string{
		"platform": "show platform information", "forward": "Simulate the forwarding of a frame",
		"interface": "Input interface", "vlan": "VLAN the frame carries on input", "<1-4094>": "VLAN ID",
		"$src": "Source MAC address", "$dst": "Destination MAC address",
		"ip": "IPv4 packet", "$sip": "Source IP address", "$dip": "Destination IP address",
		"tcp": "TCP segment (SYN)", "udp": "UDP datagram", "icmp": "ICMP message",
		"$sport": "Source port", "$dport": "Destination port", "$type": "ICMP type", "$code": "ICMP code",
	}
	must(d.eng.Install(d.eng.ExecMode(), engine.Command{
		Syntax: "show platform forward interface IFNAME$ifname vlan <1-4094> H.H.H$src H.H.H$dst " +
			"[ip A.B.C.D$sip A.B.C.D$dip [tcp <0-65535>$sport <0-65535>$dport | udp <0-65535>$sport <0-65535>$dport |" +
			" icmp <0-255>$type <0-255>$code]]",
		Help: help,
		Run: out(func(_ *engine.Ctx, a engine.Args) (string, error) {
			return d.showPlatformForward(a)
		}),
	}))
}

// simSpecOf reads the command's arguments; the frame's tagging follows the
// input port's mode (see the top of this file).
func (d *Device) simSpecOf(a engine.Args) (string, simSpec, error) {
	name := a.Interface("ifname")
	ps, err := d.sw.PortSettings(name)
	if err != nil {
		return "", simSpec{}, engine.Rejectf("%% %s is not a switched interface", name)
	}
	s := simSpec{vlan: uint16(a.Int("vlan")), src: a.MAC("src"), dst: a.MAC("dst")}
	if ps.Mode == dataplane.ModeAccess {
		s.tagged = s.vlan != ps.AccessVLAN
	} else {
		s.tagged = s.vlan != ps.NativeVLAN
	}
	if a.Keyword("ip") {
		s.ip, s.sip, s.dip, s.proto = true, a.IP("sip"), a.IP("dip"), simNoTransport
		switch {
		case a.Keyword("icmp"):
			s.proto, s.sport, s.dport = packet.ProtoICMP, uint16(a.Int("type")), uint16(a.Int("code"))
		case a.Keyword("tcp"):
			s.proto, s.sport, s.dport = packet.ProtoTCP, uint16(a.Int("sport")), uint16(a.Int("dport"))
		case a.Keyword("udp"):
			s.proto, s.sport, s.dport = packet.ProtoUDP, uint16(a.Int("sport")), uint16(a.Int("dport"))
		}
	}
	return name, s, nil
}

func (d *Device) showPlatformForward(a engine.Args) (string, error) {
	name, s, err := d.simSpecOf(a)
	if err != nil {
		return "", err
	}
	res, err := d.sw.Simulate(name, simFrame(s))
	if err != nil {
		return "", engine.Rejectf("%% %v", err)
	}
	return renderSim(name, s, res, d.portNames()), nil
}

// renderSim is the output: the frame, one line per stage, the result.
func renderSim(in string, s simSpec, res dataplane.SimResult, names map[cam.PortID]string) string {
	var b strings.Builder
	tag := "untagged"
	if s.tagged {
		tag = "tagged"
	}
	fmt.Fprintf(&b, "Input interface : %s, vlan %d %s\n", in, s.vlan, tag)
	fmt.Fprintf(&b, "Ethernet        : %s > %s\n", s.src, s.dst)
	if s.ip {
		fmt.Fprintf(&b, "IPv4            : %s > %s, %s, ttl %d\n", s.sip, s.dip, simTransport(s), simTTL)
	}
	b.WriteString("\nStage            Result\n")
	for _, dec := range res.Decisions {
		fmt.Fprintf(&b, "%-16s %s\n", dec.Stage, simStep(dec, s, names))
	}
	b.WriteString("\n" + simResultLine(res, names) + "\n")
	return b.String()
}

func simTransport(s simSpec) string {
	switch s.proto {
	case packet.ProtoTCP:
		return fmt.Sprintf("tcp %d > %d syn", s.sport, s.dport)
	case packet.ProtoUDP:
		return fmt.Sprintf("udp %d > %d", s.sport, s.dport)
	case packet.ProtoICMP:
		return fmt.Sprintf("icmp type %d code %d", s.sport, s.dport)
	}
	return fmt.Sprintf("protocol %d", s.proto)
}

// simStep is one stage's line: what it found, then what it did when that
// was not to pass the frame on.
func simStep(dec dataplane.Decision, s simSpec, names map[cam.PortID]string) string {
	e := dec.Entry
	var what string
	switch dec.Stage {
	case dataplane.StageIngress:
		what = "port forwarding"
		if dec.Verdict == dataplane.Drop {
			what = "port not forwarding"
		}
	case dataplane.StageParse:
		what = "headers ok"
		if dec.Verdict == dataplane.Drop {
			what = "headers refused"
		}
	case dataplane.StageVLAN:
		what = fmt.Sprintf("vlan %d", s.vlan)
		if e.VLAN != 0 && e.VLAN != s.vlan {
			what = fmt.Sprintf("vlan %d (priority tag)", e.VLAN)
		}
	case dataplane.StageLearn:
		what = simLearn(e, s, names)
		if dec.Verdict == dataplane.Drop {
			what = fmt.Sprintf("%s is a group address", s.src)
		}
	case dataplane.StagePACL, dataplane.StageVACL, dataplane.StageRACLIn, dataplane.StageRACLOut, dataplane.StageVACLOut:
		what = simACL(dec)
	case dataplane.StageRouterIn:
		what = "to the router mac"
		if dec.Verdict == dataplane.Consume {
			what = "broadcast arp, copy to the CPU"
		}
	case dataplane.StageFIB:
		what = "no route"
		if f := e.FIB.Entry; f != nil {
			what = fmt.Sprintf("%s (%s)", f.Prefix(), f.Kind)
		}
	case dataplane.StageAdjacency:
		what = "none"
		if a := e.FIB.Adj; a != nil {
			what = a.IfName
			if nh := a.NextHopAddr(); nh.IsValid() {
				what += " " + nh.String()
			}
			if what == "" { // the FIB's own adjacencies: receive, drop, null
				what = fmt.Sprintf("%s adjacency", a.State)
			} else {
				what += fmt.Sprintf(" (%s)", a.State)
			}
		}
	case dataplane.StageMTU:
		what = fmt.Sprintf("ip mtu %d", e.MTU)
	case dataplane.StageRewrite:
		if a := e.FIB.Adj; a != nil {
			what = fmt.Sprintf("%s > %s, ttl %d", a.SrcMAC, a.DstMAC, simTTL-1)
		}
	case dataplane.StageL2Lookup:
		switch {
		case dec.Verdict == dataplane.Flood:
			what = fmt.Sprintf("vlan %d, destination unknown or group: flood", e.VLAN)
		case dec.Verdict == dataplane.Drop:
			what = "destination on the input port"
		default:
			what = fmt.Sprintf("vlan %d, destination on %s", e.VLAN, names[e.Port])
		}
	case dataplane.StageEgress:
		tag := "untagged"
		if e.Tagged {
			tag = "tagged"
		}
		what = fmt.Sprintf("%s, vlan %d %s", names[e.Port], e.VLAN, tag)
	}
	switch dec.Verdict {
	case dataplane.Pass, dataplane.Forward, dataplane.Flood, dataplane.Consume:
		return what
	}
	return fmt.Sprintf("%s: %s (%s)", what, simVerb(dec.Verdict), dec.Reason)
}

func simVerb(v dataplane.Verdict) string {
	if v == dataplane.Punt {
		return "punted"
	}
	return "dropped"
}

// simLearn says what the learn stage would do with the source.
func simLearn(e dataplane.Entry, s simSpec, names map[cam.PortID]string) string {
	in := names[e.Port]
	switch e.Learn {
	case cam.Learned:
		return fmt.Sprintf("%s new, would be learned on %s", s.src, in)
	case cam.Refreshed:
		return fmt.Sprintf("%s known on %s", s.src, in)
	case cam.Moved:
		return fmt.Sprintf("%s known on another port, would move to %s", s.src, in)
	case cam.StaticHit:
		return fmt.Sprintf("%s static entry", s.src)
	case cam.NotLearnedFull:
		return fmt.Sprintf("%s not learned, table full", s.src)
	case cam.FilteredZero:
		return "zero source mac, not learned"
	}
	return fmt.Sprintf("%s not learned", s.src)
}

// simACL names the list and the entry an ACL stage hit.
func simACL(dec dataplane.Decision) string {
	e := dec.Entry
	if e.ACL == "" {
		return "unreadable ipv4 header"
	}
	action := "permit"
	if dec.Verdict == dataplane.Drop {
		action = "deny"
	}
	if dec.Stage == dataplane.StageVACL || dec.Stage == dataplane.StageVACLOut {
		if dec.Verdict == dataplane.Drop {
			action = "drop"
		} else {
			action = "forward"
		}
		return fmt.Sprintf("access-map %s, %s", e.ACL, action)
	}
	if e.ACE == 0 {
		return fmt.Sprintf("%s implicit deny", e.ACL)
	}
	return fmt.Sprintf("%s entry %d %s", e.ACL, e.ACE, action)
}

// simResultLine is the last line: where the frame went, or why nowhere.
func simResultLine(res dataplane.SimResult, names map[cam.PortID]string) string {
	switch res.Verdict {
	case dataplane.Forward:
		var outs []string
		for _, e := range res.Egress {
			outs = append(outs, names[e.Port])
		}
		return "Result: forwarded to " + strings.Join(outs, ", ")
	case dataplane.Drop:
		return "Result: dropped: " + res.Reason.String()
	case dataplane.Punt:
		return "Result: punted: " + res.Reason.String()
	case dataplane.Flood:
		return "Result: dropped: no port to flood to"
	}
	return "Result: consumed by the switch"
}
