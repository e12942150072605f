package e2e

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/cli/term"
)

// floodConns is the size of the connection flood of issue 18.
const floodConns = 20000

// TestSSHFloodKeepsForwarding opens 20,000 TCP connections to the
// switch's SSH port (none of them authenticates) while two hosts ping
// each other through the switch: no ping is lost, and once the flood ends
// a valid user logs in. Before the MaxStartups gate and the accept
// back-off, the flood exhausted file descriptors and accept's EMFILE ended
// the process.
func TestSSHFloodKeepsForwarding(t *testing.T) {
	l := newLab(t)
	a := l.addHost("a", access(1), "02:00:00:00:01:0a", "10.9.0.1/24")
	l.addHost("b", access(1), "02:00:00:00:01:0b", "10.9.0.2/24")

	// Descriptors for the client ends of the flood, in this process.
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// Root may raise the hard limit, unless a container took
	// CAP_SYS_RESOURCE away; then the flood runs this process (client ends
	// and switch alike) out of descriptors, and the switch's accept sees
	// EMFILE, which is the case of the issue.
	old := lim
	want := lim
	want.Max = max(lim.Max, 3*floodConns)
	want.Cur = want.Max
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &want); err != nil {
		want.Max, want.Cur = lim.Max, lim.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &want); err != nil {
			t.Fatalf("RLIMIT_NOFILE: %v", err)
		}
	}
	t.Logf("RLIMIT_NOFILE %d", want.Cur)
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })

	dev := cli.NewDevice(l.sw, cli.Options{})
	if res := term.RunBatch(dev.Engine(), []string{"configure terminal", "username netops privilege 15 secret Flood1"}, term.BatchOptions{}); res.Rejected {
		t.Fatal(res.Output)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := remote.ServeSSH(ctx, dev.Engine(), dev.SSHConfig(remote.SSHConfig{Addr: "127.0.0.1:0"}))
	if err != nil {
		t.Fatal(err)
	}
	a.mustPing("10.9.0.2")

	// 2,000 echoes 10 ms apart span the whole flood, which holds its
	// connections until the ping is done. The ping is started (its pipes
	// made) before the flood can take the last descriptor.
	var pingBuf strings.Builder
	ping := exec.Command("ip", "netns", "exec", a.ns.Name, "ping", "-n", "-q", "-c", "2000", "-i", "0.01", "-W", "1", "10.9.0.2")
	ping.Stdout, ping.Stderr = &pingBuf, &pingBuf
	if err := ping.Start(); err != nil {
		t.Fatal(err)
	}
	pingOut := make(chan string, 1)
	go func() {
		err := ping.Wait()
		if err != nil {
			pingBuf.WriteString("\n" + err.Error())
		}
		pingOut <- pingBuf.String()
	}()
	var (
		mu     sync.Mutex
		conns  []net.Conn
		failed int
		wg     sync.WaitGroup
	)
	sem := make(chan struct{}, 1024)
	start := time.Now()
	for i := 0; i < floodConns; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			conns = append(conns, c)
		}()
	}
	wg.Wait()
	t.Logf("flood: %d connections in %v (%d dials failed)", len(conns), time.Since(start).Round(time.Millisecond), failed)
	out := <-pingOut
	t.Logf("ping during the flood: %s", strings.TrimSpace(out))
	if m := regexp.MustCompile(`(\d+)% packet loss`).FindStringSubmatch(out); m == nil || m[1] != "0" {
		t.Errorf("ping through the switch during the flood:\n%s", out)
	}
	for _, c := range conns {
		c.Close()
	}

	var lastErr error
	ok := poll(15*time.Second, func() bool {
		c, err := ssh.Dial("tcp", addr.String(), &ssh.ClientConfig{User: "netops", Auth: []ssh.AuthMethod{ssh.Password("Flood1")},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
		if lastErr = err; err != nil {
			return false
		}
		defer c.Close()
		sess, err := c.NewSession()
		if lastErr = err; err != nil {
			return false
		}
		b, err := sess.Output("show privilege")
		lastErr = err
		return err == nil && strings.Contains(string(b), "Current privilege level is 15")
	})
	if !ok {
		t.Errorf("valid login after the flood: %v", lastErr)
	}
	a.mustPing("10.9.0.2")
}
