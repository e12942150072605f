package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/dataplane"
)

// TestOpenSSHWithSHA1KexOnlyIsRefused: Debian's OpenSSH client offering
// only the SHA-1 key exchanges (diffie-hellman-group14-sha1 and
// group1-sha1) is refused at key exchange; the same client with its
// defaults gets past key exchange to authentication.
func TestOpenSSHWithSHA1KexOnlyIsRefused(t *testing.T) {
	t.Parallel()
	sshBin := requireTool(t, "ssh")
	sw := dataplane.New(dataplane.Config{})
	dev := cli.NewDevice(sw, cli.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := remote.ServeSSH(ctx, dev.Engine(), dev.SSHConfig(remote.SSHConfig{Addr: "127.0.0.1:0"}))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(addr.String(), ":")
	run := func(opts ...string) string {
		args := append([]string{"-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "ConnectTimeout=10", "-p", port}, opts...)
		out, err := exec.Command(sshBin, append(args, "netops@"+host, "show version")...).CombinedOutput()
		if err == nil {
			t.Fatalf("ssh %v logged in without credentials:\n%s", opts, out)
		}
		return string(out)
	}
	if out := run("-o", "KexAlgorithms=diffie-hellman-group14-sha1,diffie-hellman-group1-sha1"); !strings.Contains(out, "no matching key exchange method found") {
		t.Errorf("a SHA-1-only client was not refused at key exchange:\n%s", out)
	}
	if out := run(); !strings.Contains(out, "Permission denied") {
		t.Errorf("the client's defaults did not get to authentication:\n%s", out)
	}
}
