package e2e

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
)

// aclList builds an access list from IOS entry lines.
func aclList(t *testing.T, name string, lines ...string) *acl.List {
	t.Helper()
	l, err := acl.ParseList(name, acl.Extended, lines...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// listenTCP serves an echo of one line on addr inside h's namespace.
func (h *host) listenTCP(addr string) {
	t := h.l.t
	t.Helper()
	var ln net.Listener
	if err := h.ns.Do(func() (err error) { ln, err = net.Listen("tcp4", addr); return err }); err != nil {
		t.Fatalf("%s: listen %s: %v", h.name, addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(promptly))
				_, _ = io.Copy(c, io.LimitReader(c, 64))
			}()
		}
	}()
}

// tcpEcho connects from h to addr, sends a message and waits for it back.
func (h *host) tcpEcho(addr string, timeout time.Duration) error {
	var c net.Conn
	err := h.ns.Do(func() (err error) { c, err = net.DialTimeout("tcp4", addr, timeout); return err })
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	msg := []byte("through the acl\n")
	if _, err := c.Write(msg); err != nil {
		return err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	got, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if string(got) != string(msg) {
		return errors.New("echo mismatch: " + string(got))
	}
	return nil
}

func TestACLRouterACLOnSVI(t *testing.T) {
	t.Parallel()
	l, a, b := routedLab(t)
	b.listenTCP("10.0.20.7:8080")
	b.listenTCP("10.0.20.7:9090")
	a.mustPing("10.0.20.7")

	in := aclList(t, "110",
		"deny tcp any host 10.0.20.7 eq 9090",
		"deny icmp any host 10.0.20.7 echo",
		"permit ip any any")
	if res, err := l.sw.SetSVIACL(10, tcam.In, in); err != nil || res.State != tcam.Active {
		t.Fatalf("ip access-group 110 in: %+v %v", res, err)
	}
	if err := a.tcpEcho("10.0.20.7:8080", promptly); err != nil {
		t.Errorf("permitted TCP 8080 failed: %v", err)
	}
	// The deny is answered with ICMP administratively prohibited, so the
	// connect fails at once rather than timing out.
	start := time.Now()
	if err := a.tcpEcho("10.0.20.7:9090", promptly); err == nil {
		t.Errorf("TCP 9090 went through the deny")
	} else if time.Since(start) > 3*time.Second {
		t.Errorf("denied connect took %v (%v): no prohibited reply", time.Since(start), err)
	}
	if err := a.ping("10.0.20.7", 2); err == nil {
		t.Errorf("echo request went through the deny")
	}
	// The other direction is unfiltered, and echo replies into Vlan10 are permitted.
	b.mustPing("10.0.10.5")
	for seq, what := range map[uint32]string{10: "tcp 9090", 20: "icmp echo", 30: "permit"} {
		if l.sw.ACLMatches("110", seq) == 0 {
			t.Errorf("no matches counted on %d (%s)", seq, what)
		}
	}
	if s := l.sw.L3Stats(); s.Unreachables == 0 {
		t.Errorf("no unreachable sent: %+v", s)
	}

	// An outbound list on Vlan20 filters what is routed into it.
	out := aclList(t, "OUT", "deny tcp any any eq 8080", "permit ip any any")
	if _, err := l.sw.SetSVIACL(20, tcam.Out, out); err != nil {
		t.Fatal(err)
	}
	if err := a.tcpEcho("10.0.20.7:8080", 2*time.Second); err == nil {
		t.Errorf("TCP 8080 went through the outbound deny")
	}
	// Removing both restores everything.
	for _, d := range []tcam.Direction{tcam.In, tcam.Out} {
		if _, err := l.sw.SetSVIACL(map[tcam.Direction]uint16{tcam.In: 10, tcam.Out: 20}[d], d, nil); err != nil {
			t.Fatal(err)
		}
	}
	a.mustPing("10.0.20.7")
	if err := a.tcpEcho("10.0.20.7:9090", promptly); err != nil {
		t.Errorf("after removal TCP 9090: %v", err)
	}
}

func TestACLPortACLOnAccessPort(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(1), "0200.0000.0001", "10.0.0.1/24")
	b := l.addHost("b", access(1), "0200.0000.0002", "10.0.0.2/24")
	b.listenTCP("10.0.0.2:8080")
	b.listenTCP("10.0.0.2:9090")
	a.mustPing("10.0.0.2")

	pacl := aclList(t, "PACL", "deny tcp any any eq 9090", "deny icmp any any echo", "permit ip any any")
	if _, err := l.sw.SetPortACL(a.port, pacl); err != nil {
		t.Fatal(err)
	}
	if err := a.tcpEcho("10.0.0.2:8080", promptly); err != nil {
		t.Errorf("permitted TCP 8080 failed: %v", err)
	}
	// A port ACL drops silently: the connect times out.
	if err := a.tcpEcho("10.0.0.2:9090", 2*time.Second); err == nil {
		t.Errorf("TCP 9090 went through the port ACL")
	}
	if err := a.ping("10.0.0.2", 2); err == nil {
		t.Errorf("echo went through the port ACL")
	}
	// Inbound only: b's pings to a (echo into b's port, reply into a's) pass.
	b.mustPing("10.0.0.1")
	if c := l.counters(a.port); c.Get(dataplane.DropPACL) == 0 {
		t.Errorf("drop acl counter of %s did not move", a.port)
	}
	if l.sw.ACLMatches("PACL", 10) == 0 || l.sw.ACLMatches("PACL", 20) == 0 || l.sw.ACLMatches("PACL", 30) == 0 {
		t.Errorf("matches %d %d %d", l.sw.ACLMatches("PACL", 10), l.sw.ACLMatches("PACL", 20), l.sw.ACLMatches("PACL", 30))
	}
	if _, err := l.sw.SetPortACL(a.port, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.tcpEcho("10.0.0.2:9090", promptly); err != nil {
		t.Errorf("after removal TCP 9090: %v", err)
	}
}
