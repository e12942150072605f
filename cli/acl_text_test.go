package cli

import (
	"strings"
	"testing"

	"github.com/l2sw/l2sw/tcam/acl"
)

func TestACLListing(t *testing.T) {
	l := acl.NewList("WEB", acl.Extended)
	for _, line := range []string{"permit tcp any any eq 80", "deny ip any any log"} {
		a, err := acl.ParseLine(acl.Extended, line)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	counts := map[uint32]uint64{10: 1, 20: 5177}
	writeACLListing(&b, l, func(s uint32) uint64 { return counts[s] })
	want := "Extended IP access list WEB\n    10 permit tcp any any eq www (1 match)\n    20 deny ip any any log (5177 matches)\n"
	if b.String() != want {
		t.Fatalf("listing:\n%s\nwant:\n%s", b.String(), want)
	}
	std, _ := acl.NewNumbered(10)
	for _, line := range []string{"permit 192.168.1.0 0.0.0.255", "deny any", "permit 10.0.0.0 0.255.255.255 log", "deny 10.1.1.1"} {
		a, _ := acl.ParseLine(acl.Standard, line)
		std.Add(a)
	}
	b.Reset()
	writeACLListing(&b, std, nil)
	want = "Standard IP access list 10\n    10 permit 192.168.1.0, wildcard bits 0.0.0.255\n    20 deny   any\n" +
		"    30 permit 10.0.0.0, wildcard bits 0.255.255.255 log\n    40 deny   10.1.1.1\n"
	if b.String() != want {
		t.Fatalf("listing:\n%q\nwant:\n%q", b.String(), want)
	}
}
