package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/cli/term"
)

// Over SSH (a vty) without an enable secret, enable answers "% No password
// set" and the session stays at level 1, as on IOS.
func TestVTYEnableWithoutSecret(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "end")
	s := r.shell(t, "oper", "operpw")
	s.until("Switch>")
	if out := s.send("enable", "Switch>"); !strings.Contains(out, "% No password set\r\n") {
		t.Errorf("enable without a secret on a vty: %q", out)
	}
	if out := s.send("show privilege", "Switch>"); !strings.Contains(out, "Current privilege level is 1") {
		t.Errorf("after enable: %q", out)
	}
	// An exec request is a vty too.
	c, err := r.dial(t, "oper", "operpw")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, _ := c.NewSession()
	out, err := sess.CombinedOutput("enable\nshow privilege")
	if err == nil || !strings.Contains(string(out), "% No password set") || !strings.Contains(string(out), "Current privilege level is 1") {
		t.Errorf("exec request: err=%v %q", err, out)
	}
}

// Three wrong secrets answer "% Bad secrets"; the right one enables.
func TestVTYEnableWithSecret(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "enable secret s3cret", "end")
	s := r.shell(t, "oper", "operpw")
	s.until("Switch>")
	s.send("enable", "Password: ")
	s.send("a", "Password: ")
	s.send("b", "Password: ")
	if out := s.send("c", "Switch>"); !strings.Contains(out, "% Bad secrets") {
		t.Errorf("three wrong secrets: %q", out)
	}
	s.send("enable", "Password: ")
	s.send("s3cret", "Switch#")
}

// Only the console enables without a password; `l2sw exec` (no line) is
// treated as a vty.
func TestConsoleEnableWithoutSecret(t *testing.T) {
	r := newRig(t)
	con := term.RunBatch(r.dev.Engine(), []string{"disable", "enable", "show privilege"},
		term.BatchOptions{Values: map[string]any{remote.ValueLine: "console"}})
	if con.Rejected || !strings.Contains(con.Output, "Current privilege level is 15") {
		t.Errorf("console: %q", con.Output)
	}
	res := r.run("disable", "enable", "show privilege")
	if !res.Rejected || !strings.Contains(res.Output, "Switch>enable\n% No password set\nSwitch>show privilege\nCurrent privilege level is 1") {
		t.Errorf("exec session: %q", res.Output)
	}
}

// A user of privilege 0 may only enable, disable, exit and logout.
func TestPrivilegeZero(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username zero privilege 0 secret zeropw", "enable secret s3cret", "end")
	s := r.shell(t, "zero", "zeropw")
	s.until("Switch>")
	for _, cmd := range []string{"show privilege", "show version", "terminal length 0"} {
		if out := s.send(cmd, "Switch>"); !strings.Contains(out, "% Invalid input detected at '^' marker.") && !strings.Contains(out, "% Unknown command") {
			t.Errorf("%s at level 0: %q", cmd, out)
		}
	}
	s.send("enable", "Password: ")
	if out := s.send("s3cret", "Switch#"); strings.Contains(out, "%") {
		t.Errorf("enable from level 0: %q", out)
	}
	s.send("disable", "Switch>")
	if out := s.send("show privilege", "Switch>"); !strings.Contains(out, "Current privilege level is 1") {
		t.Errorf("after disable: %q", out)
	}
}

func TestLineVTYConfig(t *testing.T) {
	r := newRig(t)
	if !strings.Contains(r.dev.RunningConfig(), "line con 0\nline vty 0 4\nline vty 5 15\n!\nend\n") {
		t.Fatalf("default lines:\n%s", r.dev.RunningConfig())
	}
	r.out("configure terminal", "access-list 10 permit 192.0.2.0 0.0.0.255",
		"line vty 0 15", "login local", "transport input ssh", "exec-timeout 5 30", "access-class 10 in",
		"line vty 15", "transport input none", "line con 0", "exec-timeout 0 0", "end")
	cfg := r.dev.RunningConfig()
	want := "line con 0\n exec-timeout 0 0\n" +
		"line vty 0 4\n access-class 10 in\n exec-timeout 5 30\n login local\n transport input ssh\n" +
		"line vty 5 14\n access-class 10 in\n exec-timeout 5 30\n login local\n transport input ssh\n" +
		"line vty 15\n access-class 10 in\n exec-timeout 5 30\n login local\n transport input none\n!\nend\n"
	if !strings.HasSuffix(cfg, want) {
		t.Errorf("running-config ends\n%s\nwant\n%s", cfg[strings.Index(cfg, "line con"):], want)
	}
	b := newRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 || b.dev.RunningConfig() != cfg {
		t.Errorf("round trip: %v\n%s", errs, b.dev.RunningConfig())
	}
	r.out("configure terminal", "line vty 0 15", "no access-class", "no exec-timeout", "no login", "no transport input", "end")
	if cfg := r.dev.RunningConfig(); !strings.Contains(cfg, "line vty 0 4\n no login\nline vty 5 15\n no login\n!\nend\n") {
		t.Errorf("after the no forms:\n%s", cfg[strings.Index(cfg, "line con"):])
	}
	if res := r.run("configure terminal", "line vty 7 3"); !res.Rejected || !strings.Contains(res.Output, "% Invalid line range") {
		t.Errorf("reversed range: %q", res.Output)
	}
}

// access-class on the vty lines decides who may connect over SSH.
func TestVTYAccessClass(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "access-list 10 permit 192.0.2.0 0.0.0.255",
		"line vty 0 15", "access-class 10 in", "end")
	if c, err := r.dial(t, "oper", "operpw"); err == nil {
		c.Close()
		t.Fatal("a source the access-class denies logged in")
	}
	r.out("configure terminal", "access-list 10 permit host 127.0.0.1", "end")
	s := r.shell(t, "oper", "operpw")
	s.until("Switch>")
	r.out("configure terminal", "line vty 0 15", "transport input none", "end")
	if c, err := r.dial(t, "oper", "operpw"); err == nil {
		c.Close()
		t.Fatal("transport input none let SSH in")
	}
}

// Sessions take the lowest free vty line, and lose it after exec-timeout
// without input.
func TestVTYLinesAndExecTimeout(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "line vty 1", "exec-timeout 0 1", "end")
	a := r.shell(t, "oper", "operpw")
	a.until("Switch>")
	a.send("enable", "Switch>") // keeps vty 0 busy
	b := r.shell(t, "oper", "operpw")
	b.until("Switch>")
	start := time.Now()
	if !b.ended(10 * time.Second) {
		t.Fatal("vty 1 with exec-timeout 0 1 did not end an idle session")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("idle session ended after %v", d)
	}
	if a.ended(200 * time.Millisecond) {
		t.Error("vty 0 (default exec-timeout) ended too")
	}
}

// exec-timeout renders as typed, so the largest values survive a reload.
func TestExecTimeoutRoundTrip(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "line vty 0 4", "exec-timeout 35791 2147483", "line vty 5 15", "exec-timeout 0 90", "end")
	cfg := r.dev.RunningConfig()
	if !strings.Contains(cfg, "line vty 0 4\n exec-timeout 35791 2147483\nline vty 5 15\n exec-timeout 0 90\n") {
		t.Errorf("running-config:\n%s", cfg)
	}
	b := newRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 || b.dev.RunningConfig() != cfg {
		t.Errorf("round trip: %v", errs)
	}
	if got := r.dev.lines.vty[5].execTimeout(); got != 90*time.Second {
		t.Errorf("exec-timeout 0 90 = %v", got)
	}
}

// show users lists the vty sessions with their user, idle time and peer,
// and marks the asking one.
func TestShowUsers(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper privilege 15 secret operpw", "username ops secret opspw", "end")
	a := r.shell(t, "oper", "operpw")
	a.until("Switch#")
	b := r.shell(t, "ops", "opspw")
	b.until("Switch>")
	r.advance(65 * time.Second)
	out := b.send("show users", "Switch>")
	want := "    Line       User       Host(s)              Idle       Location\r\n" +
		"   1 vty 0     oper       idle                 00:01:05 127.0.0.1\r\n" +
		"*  2 vty 1     ops        idle                 00:00:00 127.0.0.1\r\n" +
		"\r\n  Interface    User               Mode         Idle     Peer Address\r\n\r\n"
	if !strings.Contains(out, want) {
		t.Errorf("show users:\n%q\nwant\n%q", out, want)
	}
	con := term.RunBatch(r.dev.Engine(), []string{"show users"}, term.BatchOptions{Values: map[string]any{remote.ValueLine: "console"}})
	if !strings.Contains(con.Output, "*  0 con 0                idle                 00:00:00\n") {
		t.Errorf("from the console:\n%s", con.Output)
	}
}
