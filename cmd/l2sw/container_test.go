package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/l2sw/l2sw/internal/netns"
	"github.com/l2sw/l2sw/internal/syncbuf"
)

// TestWaitNetdevs: the entrypoint waits for eth1..ethN in order (eth0, the
// management interface, is never a port), or without a count for the set to
// settle, and gives up after its wait.
func TestWaitNetdevs(t *testing.T) {
	dir := t.TempDir()
	touch := func(n string) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	touch("eth0")
	touch("eth2")
	touch("lo")
	go func() {
		time.Sleep(300 * time.Millisecond)
		touch("eth1")
	}()
	got, err := waitNetdevs(context.Background(), dir, "eth", 2, 5*time.Second, 0)
	if err != nil || !slices.Equal(got, []string{"eth1", "eth2"}) {
		t.Fatalf("count 2: %v %v", got, err)
	}
	touch("eth3")
	got, err = waitNetdevs(context.Background(), dir, "eth", 0, 5*time.Second, 200*time.Millisecond)
	if err != nil || !slices.Equal(got, []string{"eth1", "eth2", "eth3"}) {
		t.Fatalf("settled: %v %v", got, err)
	}
	if _, err := waitNetdevs(context.Background(), dir, "eth", 5, 300*time.Millisecond, 0); err == nil {
		t.Fatal("waiting for eth4 and eth5 that never come did not time out")
	}
	if p := containerPorts([]string{"eth1", "eth2"}); !slices.Equal(p, []string{"GigabitEthernet0/1=afpacket:eth1", "GigabitEthernet0/2=afpacket:eth2"}) {
		t.Fatalf("ports %v", p)
	}
}

// TestContainerEntrypoint runs `l2sw container` as a container runtime
// would, in a namespace of its own whose eth1 and eth2 appear only after it
// started (veths moved in, as containerlab does), and checks that hosts on
// the far ends reach each other through it.
func TestContainerEntrypoint(t *testing.T) {
	netns.RequireRoot(t)
	ctr := netns.New(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "control.sock")
	// Edge ports forward at once (spanning tree would listen and learn
	// for 30 s first).
	if err := os.WriteFile(filepath.Join(dir, "startup-config"), []byte("hostname ctr\nspanning-tree portfast default\nend\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ctr.Name, l2swBin, "container", "--interfaces", "2",
		"--config", filepath.Join(dir, "startup-config"), "--control", sock)
	cmd.Env = append(os.Environ(), "CLAB_INTFS=")
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()

	time.Sleep(500 * time.Millisecond) // the entrypoint is waiting now
	var hosts []*netns.NS
	for i, ip := range []string{"10.73.0.1/24", "10.73.0.2/24"} {
		h := netns.New(t)
		h.DisableIPv6()
		a, b := netns.LinkName("ctr"), netns.LinkName("ctr")
		netns.MustHost(t, "ip", "link", "add", a, "type", "veth", "peer", "name", b)
		h.MoveLink(a)
		h.AddAddr(a, ip)
		h.LinkUp(a)
		netns.MustHost(t, "ip", "link", "set", b, "netns", ctr.Name)
		eth := "eth" + string(rune('1'+i))
		ctr.MustRun("ip", "link", "set", b, "name", eth)
		ctr.MustRun("ip", "link", "set", eth, "up")
		hosts = append(hosts, h)
	}
	var out string
	var err error
	for range 50 {
		if out, err = hosts[0].Run("ping", "-c", "1", "-W", "1", "10.73.0.2"); err == nil {
			break
		}
		select {
		case e := <-done:
			t.Fatalf("l2sw container exited: %v\n%s", e, stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err != nil {
		t.Fatalf("hosts on eth1 and eth2 cannot reach each other: %v\n%s\nl2sw:\n%s", err, out, stderr.String())
	}
	show, err := exec.Command("ip", "netns", "exec", ctr.Name, l2swBin, "exec", "--control", sock, "-c", "show interfaces status").CombinedOutput()
	if err != nil {
		t.Fatalf("exec: %v\n%s", err, show)
	}
	t.Logf("%s", show)
}
