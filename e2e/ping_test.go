package e2e

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/term"
)

// TestPingAndTracerouteFromTheSwitch: the switch's own ping and traceroute
// reach Linux hosts on its VLANs from its SVIs and print as IOS does.
func TestPingAndTracerouteFromTheSwitch(t *testing.T) {
	t.Parallel()
	l, _, b := routedLab(t)
	b.ns.MustRun("sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0")
	dev := cli.NewDevice(l.sw, cli.Options{ConfigPath: filepath.Join(t.TempDir(), "startup-config")})
	run := func(line string) string {
		t.Helper()
		res := term.RunBatch(dev.Engine(), []string{line}, term.BatchOptions{})
		if res.Rejected {
			t.Fatalf("%s refused:\n%s", line, res.Output)
		}
		return res.Output
	}
	for _, c := range []struct{ line, want string }{
		{"ping 10.0.20.7", `(?s)Sending 5, 100-byte ICMP Echos to 10.0.20.7, timeout is 2 seconds:\n!!!!!\nSuccess rate is 100 percent \(5/5\), round-trip min/avg/max = \d+/\d+/\d+ ms\n`},
		{"ping 10.0.10.5 source Vlan20 repeat 3", `(?s)Packet sent with a source address of 10\.0\.20\.1 \n!!!\nSuccess rate is 100 percent \(3/3\)`},
		{"ping 10.0.20.7 size 1500 df-bit repeat 2", `(?s)Packet sent with the DF bit set\n!!\nSuccess rate is 100 percent`},
		{"ping 10.0.20.99 repeat 2 timeout 1", `(?s)\.\.\nSuccess rate is 0 percent \(0/2\)\n$`},
		{"traceroute 10.0.20.7", `(?s)Tracing the route to 10\.0\.20\.7\n.*\n  1 10\.0\.20\.7 \d+ msec \d+ msec \d+ msec\n$`},
	} {
		if out := run(c.line); !regexp.MustCompile(c.want).MatchString(out) {
			t.Errorf("%s:\n%s\nwant /%s/", c.line, out, c.want)
		}
	}
}
