package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/packet"
	"github.com/l2sw/l2sw/tcam/acl"
)

// Match is a capture filter: every frame (Any), the IPv4 packets of an
// EPC `match ipv4` line, or the packets an access list permits. The zero
// value matches nothing; use MatchAny, an IPv4 Match or ACLMatch.
type Match struct {
	Any bool // `match any`: every frame, IPv4 or not

	// An IPv4 match (`match ipv4 [protocol P] SRC [eq PORT] DST [eq PORT]`)
	// when IPv4 is set: only IPv4 packets, of Proto unless AnyProto,
	// between Src and Dst (an invalid prefix is any), from and to the
	// ports given (-1 any; TCP and UDP only).
	IPv4     bool
	AnyProto bool
	Proto    uint8
	Src, Dst netip.Prefix
	SrcPort  int
	DstPort  int

	// ACL, when set, selects the IPv4 packets the list permits, first
	// match wins, implicit deny at the end (`access-list NAME`).
	ACL *acl.List
}

// MatchAny is `match any`.
func MatchAny() Match { return Match{Any: true} }

// MatchIPv4 is `match ipv4 any any`: every IPv4 packet.
func MatchIPv4() Match { return Match{IPv4: true, AnyProto: true, SrcPort: -1, DstPort: -1} }

// ACLMatch selects what l permits.
func ACLMatch(l *acl.List) Match { return Match{ACL: l} }

// Valid reports whether m selects anything at all (a capture needs a
// filter before it starts, as on IOS-XE).
func (m Match) Valid() bool { return m.Any || m.IPv4 || m.ACL != nil }

// Matches reports whether the frame f (Ethernet, tagged or not) is selected.
// It parses the header view, which neither allocates nor panics.
func (m *Match) Matches(f []byte) bool {
	if m.Any {
		return true
	}
	if !m.IPv4 && m.ACL == nil {
		return false
	}
	var v packet.View
	if v.Parse(f) != packet.ReasonNone || v.EtherType != packet.TypeIPv4 || v.IHL == 0 {
		return false
	}
	src, dst := v.SrcIP(), v.DstIP()
	var sport, dport uint16
	var flags uint8
	if v.Proto == packet.ProtoICMP {
		sport, dport = uint16(v.ICMPType()), uint16(v.ICMPCode())
	} else {
		sport, dport, flags = v.SrcPort(), v.DstPort(), v.TCPFlags()
	}
	if m.ACL != nil {
		for i := range m.ACL.Len() {
			e := m.ACL.At(i)
			if e.Matches(v.Proto, src, dst, sport, dport, flags) {
				return e.Action == acl.Permit
			}
		}
		return false
	}
	if !m.AnyProto && v.Proto != m.Proto {
		return false
	}
	if !inPrefix(m.Src, src) || !inPrefix(m.Dst, dst) {
		return false
	}
	if m.SrcPort >= 0 && (v.L4 == 0 || int(sport) != m.SrcPort) {
		return false
	}
	if m.DstPort >= 0 && (v.L4 == 0 || int(dport) != m.DstPort) {
		return false
	}
	return true
}

// inPrefix reports whether ip (big-endian) is in p; an invalid p is any.
func inPrefix(p netip.Prefix, ip uint32) bool {
	if !p.IsValid() {
		return true
	}
	a := netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)})
	return p.Contains(a)
}

// protoNames are the protocols an EPC IPv4 match names.
var protoNames = map[string]uint8{"icmp": packet.ProtoICMP, "tcp": packet.ProtoTCP, "udp": packet.ProtoUDP}

// ProtoName is the keyword of protocol p, or its number.
func ProtoName(p uint8) string {
	for n, v := range protoNames {
		if v == p {
			return n
		}
	}
	return strconv.Itoa(int(p))
}

// String renders m in the EPC syntax after `monitor capture NAME`
// (`match any`, `match ipv4 ...`, `access-list NAME`); ParseMatch reads
// it back.
func (m Match) String() string {
	switch {
	case m.Any:
		return "match any"
	case m.ACL != nil:
		return "access-list " + m.ACL.Name
	case !m.IPv4:
		return ""
	}
	var b strings.Builder
	b.WriteString("match ipv4")
	if !m.AnyProto {
		b.WriteString(" protocol " + ProtoName(m.Proto))
	}
	for _, side := range []struct {
		p    netip.Prefix
		port int
	}{{m.Src, m.SrcPort}, {m.Dst, m.DstPort}} {
		b.WriteString(" " + FormatPrefix(side.p))
		if side.port >= 0 {
			fmt.Fprintf(&b, " eq %d", side.port)
		}
	}
	return b.String()
}

// FormatPrefix is an EPC address: any, host A.B.C.D or A.B.C.D/len.
func FormatPrefix(p netip.Prefix) string {
	switch {
	case !p.IsValid():
		return "any"
	case p.IsSingleIP():
		return "host " + p.Addr().String()
	}
	return p.String()
}

// ErrSyntax is wrapped by every ParseMatch error.
var ErrSyntax = errors.New("capture filter")

// SyntaxError says which word of a filter expression is wrong.
type SyntaxError struct {
	Pos    int    // index of the word, len(words) when one is missing
	Reason string // what was expected
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("word %d: %s", e.Pos+1, e.Reason)
}

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// ParseMatch reads a filter expression, the words after `monitor capture
// NAME` in EPC syntax, the leading `match` optional:
//
//	[match] any
//	[match] ipv4 [protocol {tcp|udp|icmp|0-255}] SRC [eq PORT] DST [eq PORT]
//
// where SRC and DST are `any`, `host A.B.C.D` or A.B.C.D/len, and ports
// (TCP and UDP only) are 0-65535. An `access-list NAME` expression is not
// read here: the list lives in the CLI (see ParseACLName). Keywords are
// case-insensitive and may be abbreviated as long as they are unambiguous
// where they stand.
func ParseMatch(words []string) (Match, error) {
	p := matchParser{words: words}
	m, err := p.parse()
	if err != nil {
		return Match{}, err
	}
	return m, nil
}

// ParseACLName returns NAME of an `access-list NAME` expression (the
// keyword may be abbreviated), and whether words are one.
func ParseACLName(words []string) (string, bool) {
	if len(words) == 2 && isPrefixOf(words[0], "access-list", 1) {
		return words[1], true
	}
	return "", false
}

type matchParser struct {
	words []string
	pos   int
}

func (p *matchParser) fail(reason string) error {
	return &SyntaxError{Pos: p.pos, Reason: reason}
}

func (p *matchParser) peek() string {
	if p.pos < len(p.words) {
		return p.words[p.pos]
	}
	return ""
}

// isPrefixOf reports whether w abbreviates kw in at least min letters.
func isPrefixOf(w, kw string, min int) bool {
	return len(w) >= min && len(w) <= len(kw) && strings.EqualFold(w, kw[:len(w)])
}

// keyword consumes the next word if it abbreviates kw (min letters at
// least, the shortest unambiguous prefix where it stands).
func (p *matchParser) keyword(kw string, min int) bool {
	if isPrefixOf(p.peek(), kw, min) {
		p.pos++
		return true
	}
	return false
}

func (p *matchParser) parse() (Match, error) {
	p.keyword("match", 1)
	switch {
	case p.keyword("any", 1):
		if p.pos != len(p.words) {
			return Match{}, p.fail("end of expression after any")
		}
		return MatchAny(), nil
	case p.keyword("ipv4", 1):
	default:
		return Match{}, p.fail("any or ipv4")
	}
	m := MatchIPv4()
	if p.keyword("protocol", 1) {
		w := strings.ToLower(p.peek())
		n, err := strconv.ParseUint(w, 10, 8)
		switch proto, ok := protoNames[w]; {
		case ok:
			m.Proto = proto
		case err == nil:
			m.Proto = uint8(n)
		default:
			return Match{}, p.fail("tcp, udp, icmp or a protocol number 0-255")
		}
		p.pos++
		m.AnyProto = false
	}
	l4 := !m.AnyProto && (m.Proto == packet.ProtoTCP || m.Proto == packet.ProtoUDP)
	var err error
	if m.Src, m.SrcPort, err = p.side(l4); err != nil {
		return Match{}, err
	}
	if m.Dst, m.DstPort, err = p.side(l4); err != nil {
		return Match{}, err
	}
	if p.pos != len(p.words) {
		return Match{}, p.fail("end of expression")
	}
	return m, nil
}

// side reads one address and, for TCP and UDP, an optional `eq PORT`.
func (p *matchParser) side(l4 bool) (netip.Prefix, int, error) {
	var pfx netip.Prefix
	switch w := p.peek(); {
	case w == "":
		return pfx, -1, p.fail("any, host A.B.C.D or A.B.C.D/len")
	case p.keyword("any", 1):
	case p.keyword("host", 1):
		a, err := netip.ParseAddr(p.peek())
		if err != nil || !a.Is4() {
			return pfx, -1, p.fail("an IPv4 address")
		}
		p.pos++
		pfx = netip.PrefixFrom(a, 32)
	default:
		q, err := netip.ParsePrefix(w)
		if err != nil || !q.Addr().Is4() {
			return pfx, -1, p.fail("any, host A.B.C.D or A.B.C.D/len")
		}
		p.pos++
		pfx = q.Masked()
		if pfx.Bits() == 0 {
			pfx = netip.Prefix{} // 0.0.0.0/0 is any
		}
	}
	port := -1
	if l4 && p.keyword("eq", 1) {
		n, err := strconv.ParseUint(p.peek(), 10, 16)
		if err != nil {
			return pfx, -1, p.fail("a port number 0-65535")
		}
		p.pos++
		port = int(n)
	}
	return pfx, port, nil
}
