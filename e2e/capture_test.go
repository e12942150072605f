package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/cli/term"
)

// These tests read the switch's captures with tshark, as a user would:
// an EPC export, and `l2sw capture` streamed into tshark, drops included.

// requireTool skips (fails under CI=true) when a command is missing.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s is not installed (make test-deps installs it)", name)
	}
	t.Skipf("skipping: %s is not installed (make test-deps installs it)", name)
	return ""
}

// tshark runs tshark with args and returns its standard output; its
// stderr (the warning about running as root) is only shown on failure.
func tshark(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command(requireTool(t, "tshark"), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// device puts the CLI over the lab's switch, with its flash in a
// temporary directory; run feeds it privileged EXEC lines.
func (l *lab) device(t *testing.T) (*cli.Device, string) {
	t.Helper()
	dir := t.TempDir()
	return cli.NewDevice(l.sw, cli.Options{ConfigPath: filepath.Join(dir, "startup-config"), Version: "e2e"}), dir
}

func runCLI(t *testing.T, dev *cli.Device, lines ...string) string {
	t.Helper()
	res := term.RunBatch(dev.Engine(), lines, term.BatchOptions{})
	if res.Rejected {
		t.Fatalf("%q rejected:\n%s", lines, res.Output)
	}
	return res.Output
}

// TestCaptureEPCExportReadByTshark: an EPC capture point on a's port,
// both ways, ICMP only, around three pings; the exported pcap file shows
// tshark the three requests and three replies, and the brief buffer
// display the same six packets.
func TestCaptureEPCExportReadByTshark(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(10), "02:00:00:00:0c:01", "10.0.12.1/24")
	l.addHost("b", access(10), "02:00:00:00:0c:02", "10.0.12.2/24")
	requireTool(t, "tshark")
	dev, flash := l.device(t)
	a.mustPing("10.0.12.2") // ARP settled: only the echoes below are ICMP
	runCLI(t, dev, "monitor capture EPC interface "+a.port+" both", "monitor capture EPC match ipv4 protocol icmp any any",
		"monitor capture EPC start")
	if err := a.ping("10.0.12.2", 3); err != nil {
		t.Fatal(err)
	}
	runCLI(t, dev, "monitor capture EPC stop")
	if got := runCLI(t, dev, "monitor capture EPC export flash:epc.pcap"); got != "Exported Successfully\n" {
		t.Fatalf("export: %q", got)
	}
	out := tshark(t, nil, "-r", filepath.Join(flash, "epc.pcap"), "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "icmp.type")
	req, rep := strings.Count(out, "10.0.12.1\t10.0.12.2\t8\n"), strings.Count(out, "10.0.12.2\t10.0.12.1\t0\n")
	if req != 3 || rep != 3 || strings.Count(out, "\n") != 6 {
		t.Errorf("tshark reads %d requests and %d replies, want 3 and 3:\n%s", req, rep, out)
	}
	brief := runCLI(t, dev, "show monitor capture EPC buffer brief")
	if n := strings.Count(brief, "10.0.12.1 -> 10.0.12.2 ICMP 98 Echo (ping) request"); n != 3 {
		t.Errorf("brief display shows %d requests:\n%s", n, brief)
	}
}

// l2swBinary builds the l2sw command for the test.
func l2swBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "l2sw")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/l2sw/l2sw/cmd/l2sw").CombinedOutput(); err != nil {
		t.Fatalf("building l2sw: %v\n%s", err, out)
	}
	return bin
}

// serveControl serves the device's control socket, captures included,
// as `l2sw run` does, while the test runs.
func serveControl(t *testing.T, dev *cli.Device) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "l2sw.sock")
	ln, err := remote.ListenControl(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- remote.ServeControlWith(ctx, ln, dev.Engine(), remote.ControlOptions{Capture: dev}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("control socket: %v", err)
		}
	})
	return sock
}

// TestLiveCaptureIntoTshark: `l2sw capture -w - | tshark -r -` while a
// pings b: tshark sees the echoes on a's port, named as the switch names
// it, and the capture ends by itself at its count.
func TestLiveCaptureIntoTshark(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(10), "02:00:00:00:0d:01", "10.0.13.1/24")
	l.addHost("b", access(10), "02:00:00:00:0d:02", "10.0.13.2/24")
	ts := requireTool(t, "tshark")
	bin := l2swBinary(t)
	dev, _ := l.device(t)
	sock := serveControl(t, dev)
	a.mustPing("10.0.13.2")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pipe := exec.CommandContext(ctx, "sh", "-c", `"$1" capture --control "$2" -i `+a.port+` --point ingress --filter 'ipv4 protocol icmp any any' --count 4 -w - | "$3" -r - -T fields -e frame.interface_name -e ip.src -e ip.dst -e icmp.type`,
		"sh", bin, sock, ts)
	var stdout, stderr bytes.Buffer
	pipe.Stdout, pipe.Stderr = &stdout, &stderr
	pipe.WaitDelay = 5 * time.Second // the pipeline's children hold its output open
	if err := pipe.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pipe.Wait() }()
	// Ping until the capture has its four echo requests (it attaches when
	// the client connects, which the test cannot see).
	var err error
	for waiting := true; waiting; {
		select {
		case err = <-done:
			waiting = false
		default:
			_ = a.ping("10.0.13.2", 1)
		}
	}
	if err != nil {
		t.Fatalf("capture | tshark: %v\n%s", err, stderr.String())
	}
	want := a.port + "\t10.0.13.1\t10.0.13.2\t8\n"
	if got := stdout.String(); got != strings.Repeat(want, 4) {
		t.Errorf("tshark read:\n%s\nwant 4 of %q\nstderr:\n%s", got, want, stderr.String())
	}
}

// TestLiveCaptureDropsHaveReason: a drop capture while a's port ACL denies
// its echoes, ended by SIGINT as a user ends it: tshark reads the file
// whole and each dropped echo carries the reason and stage in its comment.
func TestLiveCaptureDropsHaveReason(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	a := l.addHost("a", access(10), "02:00:00:00:0e:01", "10.0.14.1/24")
	l.addHost("b", access(10), "02:00:00:00:0e:02", "10.0.14.2/24")
	requireTool(t, "tshark")
	bin := l2swBinary(t)
	dev, _ := l.device(t)
	sock := serveControl(t, dev)
	a.mustPing("10.0.14.2")
	if _, err := l.sw.SetPortACL(a.port, aclList(t, "NOPING", "deny icmp any any echo", "permit ip any any")); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "drops.pcapng")
	capt := exec.Command(bin, "capture", "--control", sock, "--point", "drop", "-w", file)
	var stderr bytes.Buffer
	capt.Stderr = &stderr
	if err := capt.Start(); err != nil {
		t.Fatal(err)
	}
	// The capture is attached once the stream's header is in the file.
	if !poll(promptly, func() bool { fi, err := os.Stat(file); return err == nil && fi.Size() > 0 }) {
		t.Fatalf("no pcapng header in %s\n%s", file, stderr.String())
	}
	if err := a.ping("10.0.14.2", 3); err == nil {
		t.Error("echoes crossed the port ACL")
	}
	if err := capt.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := capt.Wait(); err != nil {
		t.Fatalf("l2sw capture after SIGINT: %v\n%s", err, stderr.String())
	}
	out := tshark(t, nil, "-r", file, "-T", "fields", "-e", "frame.interface_name", "-e", "icmp.type", "-e", "frame.comment")
	want := a.port + "\t8\tdrop: port acl deny (stage port acl)\n"
	if strings.Count(out, want) != 3 || strings.Count(out, "\n") != 3 {
		t.Errorf("tshark read:\n%s\nwant 3 of %q", out, want)
	}
}
