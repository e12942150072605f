// Package classbench loads ClassBench filter sets and packet traces (the
// neurocuts/cutsplit files under shared/data/classbench) and maps filters to
// IOS extended ACEs, so that the TCAM compiler and classifier can be tested
// and benchmarked on realistic rule sets.
package classbench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/l2sw/l2sw/tcam/acl"
)

// Filter is one ClassBench rule. Flags are kept but, as in the published
// traces, classification uses the 5-tuple only.
type Filter struct {
	Src, Dst           uint32
	SrcLen, DstLen     uint8
	SportLo, SportHi   uint16
	DportLo, DportHi   uint16
	Proto, ProtoMask   uint8
	FlagsVal, FlagsMsk uint16
}

// Packet is one trace header with its expected 0-based first-match index.
type Packet struct {
	Src, Dst     uint32
	Sport, Dport uint16
	Proto        uint8
	First        int // 0-based index of the first matching filter (neurocuts traces)
}

// LoadFilters reads a filter file; line order is priority order.
func LoadFilters(path string) ([]Filter, error) { return load(path, "filters", ReadFilters) }

// load opens path and parses it with read, naming the file in errors.
func load[T any](path, what string, read func(io.Reader) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("classbench %s: %w", what, err)
	}
	defer f.Close()
	out, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("classbench %s %s: %w", what, path, err)
	}
	return out, nil
}

// ReadFilters parses filter lines (`@src/len dst/len lo : hi lo : hi proto/mask [flags/mask]`).
func ReadFilters(r io.Reader) ([]Filter, error) {
	var out []Filter
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		t := strings.Fields(sc.Text())
		if len(t) == 0 {
			continue
		}
		if len(t) < 9 || !strings.HasPrefix(t[0], "@") || t[3] != ":" || t[6] != ":" {
			return nil, fmt.Errorf("line %d: malformed filter", line)
		}
		var f Filter
		var err error
		if f.Src, f.SrcLen, err = prefix(t[0][1:]); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if f.Dst, f.DstLen, err = prefix(t[1]); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		ports := [4]uint16{}
		for i, idx := range []int{2, 4, 5, 7} {
			v, err := strconv.ParseUint(t[idx], 10, 16)
			if err != nil {
				return nil, fmt.Errorf("line %d: port %q: %w", line, t[idx], err)
			}
			ports[i] = uint16(v)
		}
		f.SportLo, f.SportHi, f.DportLo, f.DportHi = ports[0], ports[1], ports[2], ports[3]
		if f.SportLo > f.SportHi || f.DportLo > f.DportHi {
			return nil, fmt.Errorf("line %d: inverted port range", line)
		}
		pv, pm, err := hexPair(t[8], 8)
		if err != nil {
			return nil, fmt.Errorf("line %d: protocol: %w", line, err)
		}
		f.Proto, f.ProtoMask = uint8(pv), uint8(pm)
		if len(t) > 9 {
			fv, fm, err := hexPair(t[9], 16)
			if err != nil {
				return nil, fmt.Errorf("line %d: flags: %w", line, err)
			}
			f.FlagsVal, f.FlagsMsk = uint16(fv), uint16(fm)
		}
		out = append(out, f)
	}
	return out, sc.Err()
}

func prefix(s string) (uint32, uint8, error) {
	ipS, lenS, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("prefix %q without length", s)
	}
	ip, ok := acl.ParseIPv4(ipS)
	if !ok {
		return 0, 0, fmt.Errorf("bad address %q", ipS)
	}
	l, err := strconv.ParseUint(lenS, 10, 8)
	if err != nil || l > 32 {
		return 0, 0, fmt.Errorf("bad prefix length %q", lenS)
	}
	return ip & lenMask(uint8(l)), uint8(l), nil
}

func lenMask(l uint8) uint32 {
	if l == 0 {
		return 0
	}
	return ^uint32(0) << (32 - l)
}

func hexPair(s string, bits int) (uint64, uint64, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not value/mask", s)
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, bits)
	if err != nil {
		return 0, 0, err
	}
	m, err := strconv.ParseUint(strings.TrimPrefix(b, "0x"), 16, bits)
	if err != nil {
		return 0, 0, err
	}
	return v, m, nil
}

// LoadTrace reads a neurocuts trace file.
func LoadTrace(path string) ([]Packet, error) { return load(path, "trace", ReadTrace) }

// ReadTrace parses trace lines (`src dst sport dport proto first [gen]`,
// addresses as decimal integers).
func ReadTrace(r io.Reader) ([]Packet, error) {
	var out []Packet
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		t := strings.Fields(sc.Text())
		if len(t) == 0 {
			continue
		}
		if len(t) < 6 {
			return nil, fmt.Errorf("line %d: %d fields", line, len(t))
		}
		var v [6]uint64
		for i := range v {
			var err error
			if v[i], err = strconv.ParseUint(t[i], 10, 32); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
		}
		if v[2] > 0xffff || v[3] > 0xffff || v[4] > 0xff {
			return nil, fmt.Errorf("line %d: field out of range", line)
		}
		out = append(out, Packet{Src: uint32(v[0]), Dst: uint32(v[1]), Sport: uint16(v[2]), Dport: uint16(v[3]), Proto: uint8(v[4]), First: int(v[5])})
	}
	return out, sc.Err()
}

// ACE maps filter i to an extended ACE with sequence number 10*(i+1),
// following the README's mapping and ignoring flags (5-tuple semantics of
// the traces). Even lines permit, odd lines deny, so that a priority bug
// shows as a wrong verdict.
func (f *Filter) ACE(i int) (acl.ACE, error) {
	a := acl.ACE{Seq: uint32(10 * (i + 1)), Kind: acl.Extended, Action: acl.Permit, ICMPType: -1, ICMPCode: -1}
	if i%2 == 1 {
		a.Action = acl.Deny
	}
	switch f.ProtoMask {
	case 0:
		a.AnyProto = true
	case 0xff:
		a.Proto = f.Proto
	default:
		return a, fmt.Errorf("filter %d: protocol mask %#x not expressible", i, f.ProtoMask)
	}
	a.Src = acl.NewAddress(f.Src, ^lenMask(f.SrcLen))
	a.Dst = acl.NewAddress(f.Dst, ^lenMask(f.DstLen))
	ported := !a.AnyProto && (a.Proto == acl.ProtoTCP || a.Proto == acl.ProtoUDP)
	var err error
	if a.SrcPort, err = portOp(f.SportLo, f.SportHi, ported); err != nil {
		return a, fmt.Errorf("filter %d source port: %w", i, err)
	}
	if a.DstPort, err = portOp(f.DportLo, f.DportHi, ported); err != nil {
		return a, fmt.Errorf("filter %d destination port: %w", i, err)
	}
	return a, nil
}

func portOp(lo, hi uint16, ported bool) (acl.PortMatch, error) {
	switch {
	case lo == 0 && hi == 0xffff:
		return acl.PortMatch{}, nil
	case !ported:
		return acl.PortMatch{}, fmt.Errorf("port range %d-%d on a protocol without ports", lo, hi)
	case lo == hi:
		return acl.PortMatch{Op: acl.PortEq, Lo: lo}, nil
	case lo == 0:
		return acl.PortMatch{Op: acl.PortLt, Lo: hi + 1}, nil
	case hi == 0xffff:
		return acl.PortMatch{Op: acl.PortGt, Lo: lo - 1}, nil
	}
	return acl.PortMatch{Op: acl.PortRange, Lo: lo, Hi: hi}, nil
}

// ACEs maps every filter (see Filter.ACE).
func ACEs(fs []Filter) ([]acl.ACE, error) {
	out := make([]acl.ACE, len(fs))
	for i := range fs {
		a, err := fs[i].ACE(i)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// PermitList returns aces as one extended list named name, every entry
// made a permit and `permit ip any any` added last: what the router-ACL
// benchmarks apply, so that every packet is forwarded while each lookup
// still has to find its set's first match.
func PermitList(name string, aces []acl.ACE) (*acl.List, error) {
	l := acl.NewList(name, acl.Extended)
	for _, a := range aces {
		a.Seq, a.Action = 0, acl.Permit
		if _, err := l.Add(a); err != nil {
			return nil, fmt.Errorf("classbench: %s: %w", name, err)
		}
	}
	permit, err := acl.ParseLine(acl.Extended, "permit ip any any")
	if err != nil {
		return nil, err
	}
	if _, err := l.Add(permit); err != nil {
		return nil, fmt.Errorf("classbench: %s: %w", name, err)
	}
	return l, nil
}
