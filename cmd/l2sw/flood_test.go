package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
)

// TestRunSurvivesConnectionFlood runs the daemon with 4 file descriptors
// to spare and floods its SSH port with 3,000 connections that never
// log in: accept fails with EMFILE, the daemon backs off instead of
// exiting, and afterwards the control socket and a valid SSH login work.
func TestRunSurvivesConnectionFlood(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "ctl", "l2sw.sock")
	cfg := filepath.Join(dir, "startup-config")
	if err := os.WriteFile(cfg, []byte("username netops privilege 15 secret Flood1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := startDaemon(t, "--config", cfg, "--control", sock, "--port", "gi0/1=mem", "--ssh", addr)
	waitExec(t, d, sock, "show version")
	// A few descriptors above what the daemon holds: fewer than the
	// MaxStartups gate admits, so accept runs into EMFILE.
	fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(d.cmd.Process.Pid), "fd"))
	if err != nil {
		t.Fatal(err)
	}
	lim := unix.Rlimit{Cur: uint64(len(fds) + 4), Max: uint64(len(fds) + 4)}
	if err := unix.Prlimit(d.cmd.Process.Pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
		t.Fatalf("prlimit: %v", err)
	}

	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, 256)
	for i := 0; i < 3000; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-d.done:
		t.Fatalf("the daemon exited during the flood: %v\n%s", err, d.stderr.String())
	default:
	}
	for _, c := range conns {
		c.Close()
	}
	if out := waitExec(t, d, sock, "show version"); !strings.Contains(out, "Version") {
		t.Errorf("show version after the flood: %q", out)
	}
	var lastErr error
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var c *ssh.Client
		c, lastErr = ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "netops", Auth: []ssh.AuthMethod{ssh.Password("Flood1")},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
		if lastErr == nil {
			c.Close()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr != nil {
		t.Errorf("valid login after the flood: %v\n%s", lastErr, d.stderr.String())
	}
	d.stop(t)
	if !strings.Contains(d.stderr.String(), "too many open files; retrying in") {
		t.Errorf("the flood did not run the daemon out of descriptors:\n%s", d.stderr.String())
	}
	if n := strings.Count(d.stderr.String(), "\n"); n > 200 {
		t.Errorf("the flood wrote %d lines to stderr; refusals must be rate-limited", n)
	}
}
