package acl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Parse errors. A *ParseError wraps one of them and says which token is
// at fault, so that the CLI can draw its `^` marker.
var (
	ErrInvalidInput = errors.New("invalid input")
	ErrIncomplete   = errors.New("incomplete command")
	ErrAmbiguous    = errors.New("ambiguous command")
)

// ParseError locates a parse failure. Index is the 0-based index of the
// offending token in the slice given to the parser; for ErrIncomplete it is
// len(tokens) (the marker goes after the last token).
type ParseError struct {
	Index  int
	Token  string
	Reason string
	Err    error
}

func (e *ParseError) Error() string {
	if e.Token == "" {
		return fmt.Sprintf("token %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("token %d %q: %v (%s)", e.Index, e.Token, e.Err, e.Reason)
}

func (e *ParseError) Unwrap() error { return e.Err }

type cursor struct {
	toks []string
	i    int
}

func (c *cursor) done() bool { return c.i >= len(c.toks) }

func (c *cursor) peek() string {
	if c.done() {
		return ""
	}
	return c.toks[c.i]
}

func (c *cursor) invalid(reason string) error {
	if c.done() {
		return &ParseError{Index: len(c.toks), Err: ErrIncomplete, Reason: reason}
	}
	return &ParseError{Index: c.i, Token: c.toks[c.i], Err: ErrInvalidInput, Reason: reason}
}

// keyword resolves tok against the candidates by unambiguous prefix, as
// IOS does (`perm`, `est`). An exact match wins over longer candidates.
func keyword(tok string, candidates ...string) (string, bool, bool) {
	tok = strings.ToLower(tok)
	found, n := "", 0
	for _, k := range candidates {
		if k == tok {
			return k, true, false
		}
		if strings.HasPrefix(k, tok) {
			found = k
			n++
		}
	}
	return found, n == 1, n > 1
}

func (c *cursor) ambiguous() error {
	return &ParseError{Index: c.i, Token: c.toks[c.i], Err: ErrAmbiguous, Reason: "ambiguous keyword"}
}

// ParseIPv4 parses a dotted quad strictly (four decimal octets).
func ParseIPv4(s string) (uint32, bool) {
	var ip uint32
	parts := 0
	for len(s) > 0 {
		j := strings.IndexByte(s, '.')
		part := s
		if j >= 0 {
			part, s = s[:j], s[j+1:]
			if s == "" {
				return 0, false
			}
		} else {
			s = ""
		}
		if len(part) == 0 || len(part) > 3 {
			return 0, false
		}
		v, err := strconv.ParseUint(part, 10, 8)
		if err != nil {
			return 0, false
		}
		ip = ip<<8 | uint32(v)
		parts++
	}
	return ip, parts == 4
}

func (c *cursor) ip(what string) (uint32, error) {
	if c.done() {
		return 0, c.invalid("expected " + what)
	}
	ip, ok := ParseIPv4(c.peek())
	if !ok {
		return 0, c.invalid("expected " + what)
	}
	c.i++
	return ip, nil
}

// address parses `any`, `host A`, `A W` and, for standard lists, a bare A.
func (c *cursor) address(standard bool) (Address, error) {
	if c.done() {
		return Address{}, c.invalid("expected address")
	}
	if _, ip := ParseIPv4(c.peek()); !ip {
		k, ok, amb := keyword(c.peek(), "any", "host")
		if amb {
			return Address{}, c.ambiguous()
		}
		if !ok {
			return Address{}, c.invalid("expected any, host or an address")
		}
		c.i++
		if k == "any" {
			return AnyAddress, nil
		}
		ip, err := c.ip("host address")
		return Host(ip), err
	}
	ip, _ := c.ip("address")
	if standard {
		if _, isIP := ParseIPv4(c.peek()); !isIP {
			return Host(ip), nil
		}
	}
	w, err := c.ip("wildcard bits")
	if err != nil {
		return Address{}, err
	}
	return NewAddress(ip, w), nil
}

func (c *cursor) port(proto uint8) (uint16, error) {
	if c.done() {
		return 0, c.invalid("expected port")
	}
	t := c.peek()
	if v, err := strconv.ParseUint(t, 10, 16); err == nil {
		c.i++
		return uint16(v), nil
	}
	names := tcpPortByName
	if proto == ProtoUDP {
		names = udpPortByName
	}
	cands := make([]string, 0, len(names))
	for k := range names {
		cands = append(cands, k)
	}
	k, ok, amb := keyword(t, cands...)
	if amb {
		return 0, c.ambiguous()
	}
	if !ok {
		return 0, c.invalid("expected port number or name")
	}
	c.i++
	return names[k], nil
}

// portMatch parses an optional operator; ok is false when the next token is
// not an operator (nothing consumed).
func (c *cursor) portMatch(proto uint8) (PortMatch, error) {
	if c.done() || (proto != ProtoTCP && proto != ProtoUDP) {
		return PortMatch{}, nil
	}
	if _, isIP := ParseIPv4(c.peek()); isIP {
		return PortMatch{}, nil
	}
	k, ok, _ := keyword(c.peek(), "eq", "neq", "lt", "gt", "range")
	if !ok {
		return PortMatch{}, nil
	}
	c.i++
	var m PortMatch
	switch k {
	case "eq":
		m.Op = PortEq
	case "neq":
		m.Op = PortNeq
	case "lt":
		m.Op = PortLt
	case "gt":
		m.Op = PortGt
	case "range":
		m.Op = PortRange
	}
	lo, err := c.port(proto)
	if err != nil {
		return m, err
	}
	m.Lo = lo
	if m.Op == PortRange {
		at := c.i
		hi, err := c.port(proto)
		if err != nil {
			return m, err
		}
		if hi < lo {
			c.i = at
			return m, c.invalid("range end below range start")
		}
		m.Hi = hi
	}
	return m, nil
}

// ParseACE parses one entry as typed in `ip access-list standard|extended`
// configuration mode: `[SEQ] permit|deny ...` or `[SEQ] remark TEXT`. The
// tokens are the whitespace-separated words of the line.
func ParseACE(kind Kind, tokens []string) (ACE, error) {
	c := &cursor{toks: tokens}
	a := ACE{Kind: kind, Src: AnyAddress, Dst: AnyAddress, ICMPType: -1, ICMPCode: -1}
	if !c.done() {
		if v, err := strconv.ParseUint(c.peek(), 10, 32); err == nil {
			if v == 0 || v > MaxSeq {
				return a, c.invalid("sequence number out of range")
			}
			a.Seq = uint32(v)
			c.i++
		}
	}
	if err := parseBody(c, &a); err != nil {
		return a, err
	}
	return a, nil
}

// ParseLine is ParseACE over a line split on whitespace.
func ParseLine(kind Kind, line string) (ACE, error) { return ParseACE(kind, strings.Fields(line)) }

// ParseAccessList parses the global command `access-list NUMBER permit|deny|remark ...`
// (tokens include the leading `access-list`). The list kind follows from the number.
func ParseAccessList(tokens []string) (int, ACE, error) {
	c := &cursor{toks: tokens}
	if k, ok, _ := keyword(c.peek(), "access-list"); !ok || k != "access-list" {
		return 0, ACE{}, c.invalid("expected access-list")
	}
	c.i++
	if c.done() {
		return 0, ACE{}, c.invalid("expected list number")
	}
	n, err := strconv.Atoi(c.peek())
	if err != nil {
		return 0, ACE{}, c.invalid("expected list number")
	}
	kind, err := KindOfNumber(n)
	if err != nil {
		return 0, ACE{}, c.invalid("list number out of range")
	}
	c.i++
	a := ACE{Kind: kind, Src: AnyAddress, Dst: AnyAddress, ICMPType: -1, ICMPCode: -1}
	if err := parseBody(c, &a); err != nil {
		return n, a, err
	}
	return n, a, nil
}

func parseBody(c *cursor, a *ACE) error {
	if c.done() {
		return c.invalid("expected permit, deny or remark")
	}
	k, ok, amb := keyword(c.peek(), "permit", "deny", "remark")
	if amb {
		return c.ambiguous()
	}
	if !ok {
		return c.invalid("expected permit, deny or remark")
	}
	c.i++
	switch k {
	case "permit":
		a.Action = Permit
	case "deny":
		a.Action = Deny
	case "remark":
		a.Action = Remark
		if c.done() {
			return c.invalid("expected remark text")
		}
		a.Text = strings.Join(c.toks[c.i:], " ")
		if len(a.Text) > 100 {
			return c.invalid("remark longer than 100 characters")
		}
		c.i = len(c.toks)
		return nil
	}
	if a.Kind == Standard {
		src, err := c.address(true)
		if err != nil {
			return err
		}
		a.Src = src
		return parseLog(c, a)
	}
	if err := parseProto(c, a); err != nil {
		return err
	}
	var err error
	if a.Src, err = c.address(false); err != nil {
		return err
	}
	if a.SrcPort, err = c.portMatch(a.Proto); err != nil {
		return err
	}
	if a.Dst, err = c.address(false); err != nil {
		return err
	}
	if a.DstPort, err = c.portMatch(a.Proto); err != nil {
		return err
	}
	if !a.AnyProto && a.Proto == ProtoICMP && !c.done() {
		if err := parseICMP(c, a); err != nil {
			return err
		}
	}
	for !a.AnyProto && a.Proto == ProtoTCP && !c.done() {
		k, ok, amb := keyword(c.peek(), "established", "ack", "fin", "psh", "rst", "syn", "urg", "log", "log-input")
		if amb {
			return c.ambiguous()
		}
		if !ok || k == "log" || k == "log-input" {
			break
		}
		if k == "established" {
			if a.Established {
				return c.invalid("duplicate keyword")
			}
			a.Established = true
		}
		for _, f := range tcpFlagOrder {
			if f.name == k {
				if a.TCPFlags&f.bit != 0 {
					return c.invalid("duplicate flag")
				}
				a.TCPFlags |= f.bit
			}
		}
		c.i++
	}
	return parseLog(c, a)
}

func parseProto(c *cursor, a *ACE) error {
	if c.done() {
		return c.invalid("expected protocol")
	}
	t := c.peek()
	if v, err := strconv.ParseUint(t, 10, 8); err == nil {
		// Protocol 0 is what `ip` stands for in IOS.
		a.AnyProto = v == 0
		a.Proto = uint8(v)
		c.i++
		return nil
	}
	cands := []string{"ip"}
	for k := range protoByName {
		cands = append(cands, k)
	}
	k, ok, amb := keyword(t, cands...)
	if amb {
		return c.ambiguous()
	}
	if !ok {
		return c.invalid("expected protocol")
	}
	c.i++
	if k == "ip" {
		a.AnyProto = true
		return nil
	}
	a.Proto = protoByName[k]
	return nil
}

func parseICMP(c *cursor, a *ACE) error {
	t := c.peek()
	if v, err := strconv.ParseUint(t, 10, 8); err == nil {
		a.ICMPType = int16(v)
		c.i++
		if !c.done() {
			if v, err := strconv.ParseUint(c.peek(), 10, 8); err == nil {
				a.ICMPCode = int16(v)
				c.i++
			}
		}
		return nil
	}
	cands := []string{"log", "log-input"}
	for k := range icmpByName {
		cands = append(cands, k)
	}
	k, ok, amb := keyword(t, cands...)
	if amb {
		return c.ambiguous()
	}
	if !ok || k == "log" || k == "log-input" {
		return nil // parseLog reports what is wrong
	}
	n := icmpByName[k]
	a.ICMPType, a.ICMPCode = n.Type, n.Code
	c.i++
	return nil
}

func parseLog(c *cursor, a *ACE) error {
	if c.done() {
		return nil
	}
	k, ok, amb := keyword(c.peek(), "log", "log-input")
	if amb {
		return c.ambiguous()
	}
	if !ok || (k == "log-input" && a.Kind == Standard) {
		return c.invalid("unexpected token")
	}
	if k == "log" {
		a.Log = Log
	} else {
		a.Log = LogInput
	}
	c.i++
	if !c.done() {
		return c.invalid("unexpected token after log")
	}
	return nil
}
