package remote

import (
	"context"
	"io"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// BenchmarkControlExec measures one `l2sw exec -c 'show version'`: dial,
// header, batch run, reply.
func BenchmarkControlExec(b *testing.B) {
	cs := startControl(b)
	lines := []string{"show version"}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := Exec(context.Background(), cs.path, lines, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/exec")
}

// BenchmarkSSHCommand measures one command round trip in an open SSH shell
// (what netmiko's send_command waits for, minus its polling).
func BenchmarkSSHCommand(b *testing.B) {
	ss := startSSH(b, "")
	c, err := ss.dial(b, "admin", ssh.Password("adminpw"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	sh := openShell(b, c, 80)
	sh.out.until("Switch#")
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		io.WriteString(sh.in, "show version\n")
		sh.out.until("Switch#")
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/command")
}
