// Package acl models IOS IPv4 access lists: the access control entries
// (ACEs) of numbered and named standard/extended lists, their parser and
// their canonical IOS rendering. It is a leaf codec: the tcam package
// compiles these entries to hardware entries and classifiers, the CLI parses
// and prints them through this package.
package acl

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind says whether a list is standard (source address only) or extended.
type Kind uint8

// The list kinds.
const (
	Standard Kind = iota
	Extended
)

// String returns the IOS keyword (`ip access-list standard|extended`).
func (k Kind) String() string {
	switch k {
	case Standard:
		return "standard"
	case Extended:
		return "extended"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Action is what an ACE does with a matching packet.
type Action uint8

// The actions. Deny is the zero value, like the implicit deny at the end.
const (
	Deny Action = iota
	Permit
	Remark // not a match rule: a `remark TEXT` line kept in order
)

// String returns the IOS keyword.
func (a Action) String() string {
	switch a {
	case Deny:
		return "deny"
	case Permit:
		return "permit"
	case Remark:
		return "remark"
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// Address is an IPv4 address with an IOS wildcard (1 bits = don't care).
// Wildcards need not be contiguous. Any is Wildcard 0xffffffff; a host is
// Wildcard 0. The bits of IP under the wildcard are kept as 0 (IOS clears
// them too: `permit 10.1.1.1 0.0.0.255` shows as `10.1.1.0, wildcard bits
// 0.0.0.255`).
type Address struct {
	IP       uint32
	Wildcard uint32
}

// AnyAddress matches every address.
var AnyAddress = Address{IP: 0, Wildcard: 0xffffffff}

// Host returns the address matching exactly ip.
func Host(ip uint32) Address { return Address{IP: ip} }

// NewAddress returns ip/wildcard with the don't-care bits cleared.
func NewAddress(ip, wildcard uint32) Address { return Address{IP: ip &^ wildcard, Wildcard: wildcard} }

// IsAny reports whether the address matches everything.
func (a Address) IsAny() bool { return a.Wildcard == 0xffffffff }

// IsHost reports whether the address matches exactly one IP.
func (a Address) IsHost() bool { return a.Wildcard == 0 }

// Matches reports whether ip is covered.
func (a Address) Matches(ip uint32) bool { return ip&^a.Wildcard == a.IP }

// FormatIPv4 renders a dotted quad.
func FormatIPv4(ip uint32) string {
	var b [15]byte
	out := b[:0]
	for i := 3; i >= 0; i-- {
		out = strconv.AppendUint(out, uint64(ip>>(8*uint(i))&0xff), 10)
		if i > 0 {
			out = append(out, '.')
		}
	}
	return string(out)
}

// String renders the extended-ACE form: `any`, `host A` or `A W`.
func (a Address) String() string {
	switch {
	case a.IsAny():
		return "any"
	case a.IsHost():
		return "host " + FormatIPv4(a.IP)
	}
	return FormatIPv4(a.IP) + " " + FormatIPv4(a.Wildcard)
}

// PortOp is an L4 port operator.
type PortOp uint8

// The port operators. PortAny (the zero value) means no operator was given.
const (
	PortAny PortOp = iota
	PortEq
	PortNeq
	PortLt
	PortGt
	PortRange
)

// String returns the IOS keyword ("" for PortAny).
func (o PortOp) String() string {
	switch o {
	case PortAny:
		return ""
	case PortEq:
		return "eq"
	case PortNeq:
		return "neq"
	case PortLt:
		return "lt"
	case PortGt:
		return "gt"
	case PortRange:
		return "range"
	}
	return fmt.Sprintf("portop(%d)", uint8(o))
}

// PortMatch is an operator with its operand(s): Lo for eq/neq/lt/gt, Lo..Hi
// inclusive for range. Hi is 0 unless Op is PortRange.
type PortMatch struct {
	Op     PortOp
	Lo, Hi uint16
}

// Ranges returns the inclusive port intervals the match accepts (one, or
// two for neq; none for an impossible `lt 0` or `gt 65535`).
func (p PortMatch) Ranges() [][2]uint16 {
	switch p.Op {
	case PortEq:
		return [][2]uint16{{p.Lo, p.Lo}}
	case PortNeq:
		var r [][2]uint16
		if p.Lo > 0 {
			r = append(r, [2]uint16{0, p.Lo - 1})
		}
		if p.Lo < 65535 {
			r = append(r, [2]uint16{p.Lo + 1, 65535})
		}
		return r
	case PortLt:
		if p.Lo == 0 {
			return nil
		}
		return [][2]uint16{{0, p.Lo - 1}}
	case PortGt:
		if p.Lo == 65535 {
			return nil
		}
		return [][2]uint16{{p.Lo + 1, 65535}}
	case PortRange:
		return [][2]uint16{{p.Lo, p.Hi}}
	}
	return [][2]uint16{{0, 65535}}
}

// Matches reports whether port is accepted.
func (p PortMatch) Matches(port uint16) bool {
	switch p.Op {
	case PortEq:
		return port == p.Lo
	case PortNeq:
		return port != p.Lo
	case PortLt:
		return port < p.Lo
	case PortGt:
		return port > p.Lo
	case PortRange:
		return port >= p.Lo && port <= p.Hi
	}
	return true
}

func portName(proto uint8, port uint16) string {
	var n string
	switch proto {
	case ProtoTCP:
		n = tcpPortNames[port]
	case ProtoUDP:
		n = udpPortNames[port]
	}
	if n == "" {
		return strconv.Itoa(int(port))
	}
	return n
}

func (p PortMatch) format(proto uint8) string {
	switch p.Op {
	case PortAny:
		return ""
	case PortRange:
		return "range " + portName(proto, p.Lo) + " " + portName(proto, p.Hi)
	}
	return p.Op.String() + " " + portName(proto, p.Lo)
}

// LogOption is the logging keyword of an ACE.
type LogOption uint8

// The logging options.
const (
	LogNone LogOption = iota
	Log
	LogInput
)

// String returns the IOS keyword ("" for none).
func (l LogOption) String() string {
	switch l {
	case LogNone:
		return ""
	case Log:
		return "log"
	case LogInput:
		return "log-input"
	}
	return fmt.Sprintf("log(%d)", uint8(l))
}

// ACE is one access control entry. The zero value is `deny ip any any`
// only after Src/Dst are set to AnyAddress; use the parser or set fields.
type ACE struct {
	Seq    uint32 // sequence number in its list (0 = not yet assigned)
	Kind   Kind   // standard ACEs carry only Src
	Action Action
	Text   string // remark text when Action == Remark

	AnyProto bool  // `ip`: every protocol
	Proto    uint8 // when !AnyProto

	Src, Dst         Address
	SrcPort, DstPort PortMatch // tcp/udp only

	Established bool  // tcp: ACK or RST set
	TCPFlags    uint8 // tcp: these flag bits must all be set (ack fin psh rst syn urg)

	ICMPType int16 // icmp: -1 = any
	ICMPCode int16 // icmp: -1 = any (only with a type)

	Log LogOption
}

// Matches reports whether the ACE matches the packet fields (the
// reference semantics that the classifier and the TCAM compiler must
// reproduce). For ICMP, sport carries the type and dport the code.
func (a *ACE) Matches(proto uint8, src, dst uint32, sport, dport uint16, flags uint8) bool {
	if a.Action == Remark {
		return false
	}
	if !a.Src.Matches(src) {
		return false
	}
	if a.Kind == Standard {
		return true
	}
	if !a.Dst.Matches(dst) || (!a.AnyProto && a.Proto != proto) {
		return false
	}
	if a.AnyProto {
		return true
	}
	if !a.SrcPort.Matches(sport) || !a.DstPort.Matches(dport) {
		return false
	}
	if a.Established && flags&(FlagACK|FlagRST) == 0 {
		return false
	}
	if flags&a.TCPFlags != a.TCPFlags {
		return false
	}
	if a.ICMPType >= 0 && uint16(a.ICMPType) != sport {
		return false
	}
	if a.ICMPCode >= 0 && uint16(a.ICMPCode) != dport {
		return false
	}
	return true
}

// ProtoString renders the protocol keyword or number.
func (a *ACE) ProtoString() string {
	if a.AnyProto {
		return "ip"
	}
	if n, ok := protoNames[a.Proto]; ok {
		return n
	}
	return strconv.Itoa(int(a.Proto))
}

// String renders the ACE as `show running-config` prints it inside its list
// (without the sequence number); ParseACE of the result gives the ACE back.
// Standard entries pad `deny` to the width of `permit`, as IOS does.
func (a ACE) String() string {
	var b strings.Builder
	if a.Action == Remark {
		b.WriteString("remark ")
		b.WriteString(a.Text)
		return b.String()
	}
	if a.Kind == Standard {
		fmt.Fprintf(&b, "%-6s ", a.Action.String())
		switch {
		case a.Src.IsAny():
			b.WriteString("any")
		case a.Src.IsHost():
			b.WriteString(FormatIPv4(a.Src.IP))
		default:
			b.WriteString(FormatIPv4(a.Src.IP) + " " + FormatIPv4(a.Src.Wildcard))
		}
	} else {
		b.WriteString(a.Action.String())
		b.WriteByte(' ')
		b.WriteString(a.ProtoString())
		b.WriteByte(' ')
		b.WriteString(a.Src.String())
		if s := a.SrcPort.format(a.Proto); s != "" {
			b.WriteByte(' ')
			b.WriteString(s)
		}
		b.WriteByte(' ')
		b.WriteString(a.Dst.String())
		if s := a.DstPort.format(a.Proto); s != "" {
			b.WriteByte(' ')
			b.WriteString(s)
		}
		if a.ICMPType >= 0 {
			b.WriteByte(' ')
			if n, ok := icmpNames[icmpName{a.ICMPType, a.ICMPCode}]; ok {
				b.WriteString(n)
			} else if a.ICMPCode >= 0 {
				fmt.Fprintf(&b, "%d %d", a.ICMPType, a.ICMPCode)
			} else {
				b.WriteString(strconv.Itoa(int(a.ICMPType)))
			}
		}
		if a.Established {
			b.WriteString(" established")
		}
		for _, f := range tcpFlagOrder {
			if a.TCPFlags&f.bit != 0 {
				b.WriteByte(' ')
				b.WriteString(f.name)
			}
		}
	}
	if a.Log != LogNone {
		b.WriteByte(' ')
		b.WriteString(a.Log.String())
	}
	return b.String()
}
