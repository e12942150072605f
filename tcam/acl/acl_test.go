package acl

import (
	"errors"
	"strings"
	"testing"
)

func TestCanonicalRendering(t *testing.T) {
	cases := []struct {
		kind    Kind
		in, out string
	}{
		{Extended, "permit tcp any host 192.168.1.100 eq 21", "permit tcp any host 192.168.1.100 eq ftp"},
		{Extended, "permit tcp any 10.1.1.1 0.0.0.0 eq 80", "permit tcp any host 10.1.1.1 eq www"},
		{Extended, "perm tcp any host 10.1.1.1 eq 443 log", "permit tcp any host 10.1.1.1 eq 443 log"},
		{Extended, "10 permit udp any range 16384 32767 10.1.1.0 0.0.0.255 range 16384 32767", "permit udp any range 16384 32767 10.1.1.0 0.0.0.255 range 16384 32767"},
		{Extended, "permit udp any eq 161 10.1.0.0 0.0.255.255 neq 69", "permit udp any eq snmp 10.1.0.0 0.0.255.255 neq tftp"},
		{Extended, "permit tcp host 10.1.1.1 any established", "permit tcp host 10.1.1.1 any established"},
		{Extended, "permit tcp any 10.1.1.0 0.0.255.255 psh established", "permit tcp any 10.1.0.0 0.0.255.255 established psh"},
		{Extended, "permit tcp any any syn ack", "permit tcp any any ack syn"},
		{Extended, "permit 6 any any", "permit tcp any any"},
		{Extended, "permit 53 any any log", "permit 53 any any log"},
		{Extended, "permit ahp any any log-input", "permit ahp any any log-input"},
		{Extended, "permit icmp host 10.10.10.10 any 0", "permit icmp host 10.10.10.10 any echo-reply"},
		{Extended, "permit icmp any any 3 3", "permit icmp any any port-unreachable"},
		{Extended, "permit icmp any any 3 200", "permit icmp any any 3 200"},
		{Extended, "permit icmp any any 42", "permit icmp any any 42"},
		{Extended, "deny icmp any any ttl-exceeded", "deny icmp any any ttl-exceeded"},
		{Extended, "deny ip 10.5.0.7 0.255.0.255 any", "deny ip 10.0.0.0 0.255.0.255 any"},
		{Extended, "permit tcp any gt 1023 any lt 1024", "permit tcp any gt 1023 any lt 1024"},
		{Extended, "permit udp any any eq 4500", "permit udp any any eq non500-isakmp"},
		{Extended, "remark allow  the web", "remark allow the web"},
		{Standard, "permit 10.1.1.1", "permit 10.1.1.1"},
		{Standard, "permit host 10.1.1.1", "permit 10.1.1.1"},
		{Standard, "permit 10.0.0.0 0.255.255.255", "permit 10.0.0.0 0.255.255.255"},
		{Standard, "deny any log", "deny   any log"},
		{Standard, "20 deny 10.1.1.1", "deny   10.1.1.1"},
	}
	for _, c := range cases {
		a, err := ParseLine(c.kind, c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := a.String(); got != c.out {
			t.Errorf("%q: String = %q, want %q", c.in, got, c.out)
		}
		b, err := ParseLine(c.kind, a.String())
		if err != nil {
			t.Fatalf("reparse %q: %v", a.String(), err)
		}
		b.Seq = a.Seq
		if b != a {
			t.Errorf("round trip %q: %+v != %+v", c.in, b, a)
		}
	}
}

func TestParseErrorsPointAtToken(t *testing.T) {
	cases := []struct {
		kind  Kind
		in    string
		index int
		err   error
	}{
		{Extended, "permit tcp any any eq foo", 5, ErrInvalidInput},
		{Extended, "permit tcp any any eq", 5, ErrIncomplete},
		{Extended, "permit tcpx any any", 1, ErrInvalidInput},
		{Extended, "permit ip any any eq 80", 4, ErrInvalidInput},
		{Extended, "permit tcp 10.0.0.1 any", 3, ErrInvalidInput},
		{Extended, "permit tcp any any range 100 99", 6, ErrInvalidInput},
		{Extended, "permit tcp any any log extra", 5, ErrInvalidInput},
		{Extended, "permit tcp any any tos normal", 4, ErrInvalidInput},
		{Extended, "permit tcp host 300.1.1.1 any", 3, ErrInvalidInput},
		{Extended, "bogus ip any any", 0, ErrInvalidInput},
		{Extended, "permit e any any", 1, ErrAmbiguous},
		{Extended, "permit", 1, ErrIncomplete},
		{Standard, "permit tcp any", 1, ErrInvalidInput},
		{Standard, "permit any log-input", 2, ErrInvalidInput},
		{Extended, "0 permit ip any any", 0, ErrInvalidInput},
	}
	for _, c := range cases {
		_, err := ParseLine(c.kind, c.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: error %v is not a *ParseError", c.in, err)
		}
		if pe.Index != c.index || !errors.Is(err, c.err) {
			t.Errorf("%q: index %d err %v, want index %d err %v", c.in, pe.Index, err, c.index, c.err)
		}
	}
}

func TestParseAccessList(t *testing.T) {
	n, a, err := ParseAccessList(strings.Fields("access-list 10 permit 10.1.1.1"))
	if err != nil || n != 10 || a.Kind != Standard || !a.Src.IsHost() {
		t.Fatalf("got %d %+v %v", n, a, err)
	}
	n, a, err = ParseAccessList(strings.Fields("access-list 2600 deny tcp any any eq 22"))
	if err != nil || n != 2600 || a.Kind != Extended || a.DstPort != (PortMatch{Op: PortEq, Lo: 22}) {
		t.Fatalf("got %d %+v %v", n, a, err)
	}
	_, _, err = ParseAccessList(strings.Fields("access-list 200 permit ip any any"))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Index != 1 {
		t.Fatalf("list 200 must fail at token 1, got %v", err)
	}
	for n, want := range map[int]Kind{1: Standard, 99: Standard, 1300: Standard, 1999: Standard, 100: Extended, 199: Extended, 2000: Extended, 2699: Extended} {
		if k, err := KindOfNumber(n); err != nil || k != want {
			t.Errorf("KindOfNumber(%d) = %v %v", n, k, err)
		}
	}
	for _, n := range []int{0, 200, 1299, 2700} {
		if _, err := KindOfNumber(n); !errors.Is(err, ErrBadNumber) {
			t.Errorf("KindOfNumber(%d) accepted", n)
		}
	}
}

func TestMatchesSemantics(t *testing.T) {
	a, _ := ParseLine(Extended, "permit tcp 10.0.0.0 0.255.0.255 gt 1023 any neq 80 established")
	if !a.Matches(6, 0x0a000001, 1, 1024, 81, FlagACK) {
		t.Error("should match")
	}
	if a.Matches(6, 0x0a000101, 1, 1024, 81, FlagACK) {
		t.Error("non-contiguous wildcard: third octet must be 0")
	}
	if a.Matches(6, 0x0a000001, 1, 1023, 81, FlagACK) || a.Matches(6, 0x0a000001, 1, 1024, 80, FlagACK) {
		t.Error("port operators wrong")
	}
	if a.Matches(6, 0x0a000001, 1, 1024, 81, FlagSYN) || !a.Matches(6, 0x0a000001, 1, 1024, 81, FlagRST) {
		t.Error("established is ACK or RST")
	}
	ic, _ := ParseLine(Extended, "deny icmp any any port-unreachable")
	if !ic.Matches(1, 0, 0, 3, 3, 0) || ic.Matches(1, 0, 0, 3, 1, 0) {
		t.Error("icmp type/code")
	}
}

func TestListSequenceAndListing(t *testing.T) {
	l := NewList("WEB", Extended)
	for _, s := range []string{"permit tcp any any eq 80", "deny ip any any log"} {
		a, _ := ParseLine(Extended, s)
		if _, err := l.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := ParseLine(Extended, "15 permit udp any any eq 53")
	if _, err := l.Add(a); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Add(a); !errors.Is(err, ErrDuplicateSeq) {
		t.Fatalf("duplicate seq accepted: %v", err)
	}
	var seqs []uint32
	for _, e := range l.Entries() {
		seqs = append(seqs, e.Seq)
	}
	if len(seqs) != 3 || seqs[0] != 10 || seqs[1] != 15 || seqs[2] != 20 {
		t.Fatalf("seqs %v", seqs)
	}
	if _, err := l.Delete(15); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Delete(15); !errors.Is(err, ErrNoSuchSeq) {
		t.Fatal("deleted twice")
	}
	if err := l.Resequence(100, 5); err != nil {
		t.Fatal(err)
	}
	std, _ := NewNumbered(10)
	x, _ := ParseLine(Standard, "permit 192.168.1.0 0.0.0.255")
	std.Add(x)
	y, _ := ParseLine(Standard, "deny any")
	std.Add(y)
	if got := strings.Join(std.ConfigLines(), "\n"); got != "access-list 10 permit 192.168.1.0 0.0.0.255\naccess-list 10 deny   any" {
		t.Fatalf("config %q", got)
	}
}

func FuzzParseACE(f *testing.F) {
	for _, s := range []string{
		"permit tcp any host 10.1.1.1 eq www", "deny udp 10.0.0.0 0.255.0.255 range 1 2 any neq 53 log",
		"permit icmp any any 3 3", "permit tcp any any established ack syn log-input", "remark hi",
		"10 permit 10.1.1.1", "deny any log", "permit 47 any any",
	} {
		f.Add(false, s)
		f.Add(true, s)
	}
	f.Fuzz(func(t *testing.T, std bool, line string) {
		kind := Extended
		if std {
			kind = Standard
		}
		toks := strings.Fields(line)
		a, err := ParseACE(kind, toks)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Index < 0 || pe.Index > len(toks) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if a.Action == Remark {
			return // remark text is free text; whitespace is normalised
		}
		b, err := ParseLine(kind, a.String())
		if err != nil {
			t.Fatalf("reparse of %q (from %q): %v", a.String(), line, err)
		}
		b.Seq = a.Seq
		if b != a {
			t.Fatalf("round trip %q -> %q: %+v != %+v", line, a.String(), b, a)
		}
	})
}

func TestListHasCloneAndIndexUpkeep(t *testing.T) {
	l, err := ParseList("L", Extended, "permit tcp any any eq 22", "deny ip any any")
	if err != nil {
		t.Fatal(err)
	}
	ssh, _ := ParseLine(Extended, "55 permit tcp any any eq 22")
	web, _ := ParseLine(Extended, "permit tcp any any eq 80")
	if !l.Has(ssh) || l.Has(web) {
		t.Fatalf("Has: ssh %v web %v", l.Has(ssh), l.Has(web))
	}
	c := l.Clone()
	if _, err := c.Add(web); err != nil {
		t.Fatal(err)
	}
	if l.Has(web) || !c.Has(web) || l.Len() != 2 || c.Len() != 3 {
		t.Fatalf("clone not independent: %v %v %d %d", l.Has(web), c.Has(web), l.Len(), c.Len())
	}
	// The index follows every edit once built.
	if _, err := l.Delete(10); err != nil || l.Has(ssh) {
		t.Fatalf("after Delete: %v %v", err, l.Has(ssh))
	}
	if _, err := l.Add(ssh); err != nil || !l.Has(ssh) {
		t.Fatalf("after Add: %v %v", err, l.Has(ssh))
	}
	if _, ok := l.DeleteMatching(ssh); !ok || l.Has(ssh) {
		t.Fatalf("after DeleteMatching: %v", l.Has(ssh))
	}
}
