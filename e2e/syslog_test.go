package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/term"
)

// TestSyslogToAServerOnAVLAN: with `logging host` configured on the CLI, a
// syslog receiver (socat) on a lab host gets the switch's messages from
// its SVI address in IOS's framing, among them %LINK-3-UPDOWN when a
// port goes down.
func TestSyslogToAServerOnAVLAN(t *testing.T) {
	t.Parallel()
	l, _, b := routedLab(t)
	c := l.addHost("c", access(10), "0200.0a00.0009", "10.0.10.9/24")
	rx := b.startDaemon(t, "socat", "socat", "-u", "UDP4-RECV:514", "STDOUT")
	if !poll(promptly, func() bool {
		out, _ := b.ns.Run("ss", "-Hlun", "sport", "= :514")
		return strings.Contains(out, ":514")
	}) {
		t.Fatal("socat is not listening on UDP 514")
	}
	dev := cli.NewDevice(l.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")})
	if res := term.RunBatch(dev.Engine(), []string{"configure terminal", "logging host 10.0.20.7", "logging source-interface Vlan10", "end"}, term.BatchOptions{}); res.Rejected {
		t.Fatalf("logging host refused:\n%s", res.Output)
	}
	received := func(re string) bool {
		out, _ := os.ReadFile(rx.log)
		return regexp.MustCompile(re).Match(out)
	}
	// The switch ARPs for the server, then sends what it held.
	if !poll(promptly, func() bool {
		return received(`<189>\d+: \*\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: %SYS-5-CONFIG_I: Configured from console`)
	}) {
		out, _ := os.ReadFile(rx.log)
		t.Fatalf("the server did not get %%SYS-5-CONFIG_I:\n%s", out)
	}
	c.ns.MustRun("ip", "link", "del", "dev", c.ifname)
	want := regexp.QuoteMeta("%LINK-3-UPDOWN: Interface " + c.port + ", changed state to down")
	if !poll(promptly, func() bool { return received(`<187>\d+: .*` + want) }) {
		out, _ := os.ReadFile(rx.log)
		t.Fatalf("the server did not get the link down message:\n%s", out)
	}
	show := term.RunBatch(dev.Engine(), []string{"show logging"}, term.BatchOptions{}).Output
	if !strings.Contains(show, "Logging to 10.0.20.7  (udp port 514,") {
		t.Errorf("show logging:\n%s", show)
	}
}
