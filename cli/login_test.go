package cli

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/remote"
)

func (r *sshRig) localPort() string {
	_, p, _ := net.SplitHostPort(r.addr)
	return p
}

// login block-for: three failures within 30 s put the switch in quiet
// mode, which refuses even a right password until the block period ends;
// every step is logged as IOS words it.
func TestLoginBlockFor(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "login block-for 60 attempts 3 within 30",
		"login on-failure log", "login on-success log", "end")
	at := "at 00:01:02 UTC Sun Mar 1 2026"
	port := r.localPort()
	c, err := r.dial(t, "oper", "operpw")
	if err != nil {
		t.Fatalf("login before any failure: %v", err)
	}
	c.Close()
	want := "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: oper] [Source: 127.0.0.1] [localport: " + port + "] " + at
	if got := r.sw.Log().Grep("LOGIN_SUCCESS"); len(got) != 1 || !strings.HasSuffix(got[0], want) {
		t.Errorf("success log %q, want %q", got, want)
	}
	start := time.Now()
	for i := 0; i < 3; i++ {
		if c, err := r.dial(t, "oper", "wrong"); err == nil {
			c.Close()
			t.Fatal("a wrong password logged in")
		}
	}
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("3 failures took %v; block-for implies a login delay of 1 s", d)
	}
	fails := r.sw.Log().Grep("LOGIN_FAILED")
	wantFail := "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: oper] [Source: 127.0.0.1] [localport: " + port + "] [Reason: Login Authentication Failed] " + at
	if len(fails) != 3 || !strings.HasSuffix(fails[2], wantFail) {
		t.Errorf("failure log %q, want 3 of %q", fails, wantFail)
	}
	wantQuiet := "%SEC_LOGIN-1-QUIET_MODE_ON: Still timeleft for watching failures is 30 secs, [user: oper] [Source: 127.0.0.1] [localport: " + port + "] [Reason: Login Authentication Failed] [ACL: sl_def_acl] " + at
	if got := r.sw.Log().Grep("QUIET_MODE_ON"); len(got) != 1 || !strings.HasSuffix(got[0], wantQuiet) {
		t.Errorf("quiet mode log %q, want %q", got, wantQuiet)
	}
	if c, err := r.dial(t, "oper", "operpw"); err == nil {
		c.Close()
		t.Fatal("quiet mode let a login in")
	}
	show := r.out("show login")
	for _, w := range []string{"     A default login delay of 1 seconds is applied.\n", "     All failed login is logged.\n",
		"     Router enabled to watch for login Attacks.\n     If more than 3 login failures occur in 30 seconds or less,\n     logins will be disabled for 60 seconds.\n",
		"     Router presently in Quiet-Mode.\n     Will remain in Quiet-Mode for 60 seconds.\n     Denying logins from all sources.\n",
		"     Total login failures: 3.\n"} {
		if !strings.Contains(show, w) {
			t.Errorf("show login lacks %q:\n%s", w, show)
		}
	}
	r.advance(61 * time.Second)
	if c, err := r.dial(t, "oper", "operpw"); err != nil {
		t.Errorf("login after the quiet period: %v", err)
	} else {
		c.Close()
	}
	if got := r.sw.Log().Grep("QUIET_MODE_OFF"); len(got) != 1 || !strings.HasSuffix(got[0], "%SEC_LOGIN-5-QUIET_MODE_OFF: Quiet Mode is OFF, because block period timed out at 00:02:02 UTC Sun Mar 1 2026") {
		t.Errorf("quiet mode off log %q", got)
	}
	if show := r.out("show login"); !strings.Contains(show, "     Router presently in Normal-Mode.\n     Current Watch Window remaining time 30 seconds.\n     Present login failure count 0.\n") {
		t.Errorf("show login after the quiet period:\n%s", show)
	}
}

// Failures older than the watch window do not count.
func TestLoginBlockForWindowSlides(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "login block-for 60 attempts 2 within 10", "login delay 1", "end")
	if c, err := r.dial(t, "oper", "x"); err == nil {
		c.Close()
	}
	r.advance(11 * time.Second)
	if c, err := r.dial(t, "oper", "x"); err == nil {
		c.Close()
	}
	if c, err := r.dial(t, "oper", "operpw"); err != nil {
		t.Errorf("two failures 11 s apart (window 10 s) blocked logins: %v", err)
	} else {
		c.Close()
	}
}

// login quiet-mode access-class lets the listed sources in during quiet
// mode.
func TestLoginQuietModeAccessClass(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "access-list 5 permit host 127.0.0.1",
		"login block-for 100 attempts 1 within 100", "login quiet-mode access-class 5", "login delay 1", "end")
	if c, err := r.dial(t, "oper", "x"); err == nil {
		c.Close()
	}
	if got := r.sw.Log().Grep("[ACL: 5]"); len(got) != 1 {
		t.Errorf("quiet mode log names the list: %q", r.sw.Log().Grep("QUIET_MODE"))
	}
	if c, err := r.dial(t, "oper", "operpw"); err != nil {
		t.Errorf("a source of the quiet-mode access-class was refused: %v", err)
	} else {
		c.Close()
	}
	if show := r.out("show login"); !strings.Contains(show, "Restricted logins filtered by applied ACL 5.") {
		t.Errorf("show login:\n%s", show)
	}
}

func TestLoginConfigLines(t *testing.T) {
	r := newRig(t)
	if show := r.out("show login"); show != "     No login delay has been applied.\n     No Quiet-Mode access list has been configured.\n     No logging for successful login.\n     No logging for failed login.\n\n     Router NOT enabled to watch for login Attacks\n" {
		t.Errorf("show login by default:\n%q", show)
	}
	r.out("configure terminal", "login block-for 120 attempts 5 within 60", "login delay 3", "login quiet-mode access-class MGMT",
		"login on-failure log every 2", "login on-success log", "end")
	cfg := r.dev.RunningConfig()
	want := "login block-for 120 attempts 5 within 60\nlogin delay 3\nlogin quiet-mode access-class MGMT\nlogin on-failure log every 2\nlogin on-success log\n!\n"
	if !strings.Contains(cfg, want) {
		t.Errorf("running-config lacks\n%s\n%s", want, cfg)
	}
	b := newRig(t)
	if errs := b.dev.LoadConfig(strings.NewReader(cfg)); len(errs) > 0 || b.dev.RunningConfig() != cfg {
		t.Errorf("round trip: %v", errs)
	}
	r.out("configure terminal", "no login block-for", "no login delay", "no login quiet-mode access-class", "no login on-failure log", "no login on-success log", "end")
	if strings.Contains(r.dev.RunningConfig(), "login ") {
		t.Errorf("no forms left lines:\n%s", r.dev.RunningConfig())
	}
}

// The new messages parse with the show logging template automation uses.
func TestTextFSMSecurityMessages(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "login block-for 60 attempts 1 within 30", "login on-failure log", "end")
	r.dev.LoadConfig(strings.NewReader("frobnicate\n"))
	r.dev.LoginAttempted(remoteAttempt("eve", "192.0.2.9", 22, false))
	rows := parseFSM(t, "show_logging", r.out("show logging"))
	got := map[string]string{}
	for _, row := range rows {
		msg, _ := row["MESSAGE"].([]string)
		got[row["FACILITY"].(string)+"-"+row["SEVERITY"].(string)+"-"+row["MNEMONIC"].(string)] = strings.Join(msg, " ")
	}
	for k, want := range map[string]string{
		"PARSER-4-BADCFG":           "startup-config line 1 rejected: % Invalid input detected at '^' marker. [frobnicate]",
		"SEC_LOGIN-4-LOGIN_FAILED":  "Login failed [user: eve] [Source: 192.0.2.9] [localport: 22] [Reason: Login Authentication Failed] at 00:01:02 UTC Sun Mar 1 2026",
		"SEC_LOGIN-1-QUIET_MODE_ON": "Still timeleft for watching failures is 30 secs, [user: eve] [Source: 192.0.2.9] [localport: 22] [Reason: Login Authentication Failed] [ACL: sl_def_acl] at 00:01:02 UTC Sun Mar 1 2026",
	} {
		if got[k] != want {
			t.Errorf("%s: %q, want %q (rows %v)", k, got[k], want, rows)
		}
	}
}

func remoteAttempt(user, src string, port int, ok bool) remote.LoginAttempt {
	return remote.LoginAttempt{User: user, Source: netip.MustParseAddr(src), LocalPort: port, OK: ok}
}
