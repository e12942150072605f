package term

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/engine/enginetest"
)

// pipeClient plays netmiko against a Session over io.Pipe. Every chunk it
// receives is one Write of the session (io.Pipe hands one write per read
// when the buffer is large enough), which lets the test check what netmiko
// needs to arrive together.
type pipeClient struct {
	t      *testing.T
	in     *io.PipeWriter
	chunks chan string
	done   chan error
}

func startClient(t *testing.T, opts Options) (*pipeClient, *enginetest.Config) {
	t.Helper()
	e, cfg := enginetest.New()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &pipeClient{t: t, in: inW, chunks: make(chan string, 1024), done: make(chan error, 1)}
	s := New(e, inR, outW, opts)
	go func() {
		err := s.Run()
		outW.Close()
		c.done <- err
	}()
	go func() {
		buf := make([]byte, 1<<20)
		for {
			n, err := outR.Read(buf)
			if n > 0 {
				c.chunks <- string(buf[:n])
			}
			if err != nil {
				close(c.chunks)
				return
			}
		}
	}()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	return c, cfg
}

func (c *pipeClient) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, s); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

// chunk returns the next write of the session; the deadline only guards
// against a hung test.
func (c *pipeClient) chunk() string {
	c.t.Helper()
	select {
	case s, ok := <-c.chunks:
		if !ok {
			c.t.Fatal("session output closed")
		}
		return s
	case <-time.After(10 * time.Second):
		c.t.Fatal("no output from session")
	}
	return ""
}

// until reads writes until the text ends with suffix.
func (c *pipeClient) until(suffix string) string {
	c.t.Helper()
	var b strings.Builder
	for !strings.HasSuffix(b.String(), suffix) {
		b.WriteString(c.chunk())
	}
	return b.String()
}

func TestNetmikoByteSequences(t *testing.T) {
	c, cfg := startClient(t, Options{Level: 15})

	// The prompt arrives as soon as the shell starts.
	if got := c.chunk(); got != "Switch#" {
		t.Fatalf("initial output %q, want the prompt", got)
	}
	// find_prompt: "\n" -> echo CRLF and prompt in ONE write.
	c.send("\n")
	if got := c.chunk(); got != "\r\nSwitch#" {
		t.Fatalf("reply to newline %q, want one write \\r\\nSwitch#", got)
	}
	// is_alive writes NUL: nothing comes back, the next line still works.
	c.send("\x00")
	c.send("\n")
	if got := c.chunk(); got != "\r\nSwitch#" {
		t.Fatalf("after NUL %q", got)
	}
	c.send("terminal length 0\n")
	if got := c.until("Switch#"); got != "terminal length 0\r\nSwitch#" {
		t.Fatalf("terminal length 0: %q", got)
	}
	c.send("terminal width 511\n")
	if got := c.until("Switch#"); got != "terminal width 511\r\nSwitch#" {
		t.Fatalf("terminal width 511: %q", got)
	}
	// send_config_set: config term, then lines back to back without
	// waiting, then end.
	c.send("\n")
	c.until("Switch#")
	c.send("config term\n")
	got := c.until("Switch(config)#")
	if want := "config term\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nSwitch(config)#"; got != want {
		t.Fatalf("config term: %q, want %q", got, want)
	}
	lines := []string{"interface GigabitEthernet0/1", "description netmiko was here", "switchport mode access",
		"vlan 10", "name users", "interface gi0/2", "shutdown", "hostname NM1"}
	for _, l := range lines {
		c.send(l + "\n")
	}
	got = c.until("NM1(config)#")
	for _, l := range lines {
		if !strings.Contains(got, l+"\r\n") {
			t.Errorf("echo of %q missing in %q", l, got)
		}
	}
	if strings.Contains(got, "%") {
		t.Errorf("config lines rejected: %q", got)
	}
	c.send("\n")
	c.until("NM1(config)#")
	c.send("end\n")
	if got := c.until("NM1#"); got != "end\r\nNM1#" {
		t.Fatalf("end: %q", got)
	}
	c.send("\n")
	if got := c.chunk(); strings.Contains(got, ")#") || got != "\r\nNM1#" {
		t.Fatalf("still in config mode: %q", got)
	}
	// send_command with long output: paging is off, the reply is the echo,
	// CRLF-terminated lines and the prompt, and no --More--.
	for i := 1; i <= 24; i++ {
		cfg.Ifaces["GigabitEthernet0/"+itoa(i)] = &enginetest.Iface{Description: "port " + itoa(i)}
	}
	c.send("show running-config\n")
	got = c.until("NM1#")
	if strings.Contains(got, "More") {
		t.Fatalf("paging after terminal length 0: %q", got)
	}
	if !strings.HasPrefix(got, "show running-config\r\nBuilding configuration...\r\n") {
		t.Fatalf("show running-config reply starts %q", got[:min(60, len(got))])
	}
	if strings.Count(got, "\r\n") < 50 || strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\n") {
		t.Fatalf("output lines must end in CRLF: %q", got)
	}
	// save_config
	c.send("write mem\n")
	if got := c.until("NM1#"); got != "write mem\r\nBuilding configuration...\r\n[OK]\r\nNM1#" {
		t.Fatalf("write mem: %q", got)
	}
	// disconnect: exit ends the session cleanly.
	c.send("exit\n")
	if got := c.until("\r\n"); got != "exit\r\n" {
		t.Fatalf("exit: %q", got)
	}
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end after exit")
	}
}

func TestNetmikoEnable(t *testing.T) {
	c, cfg := startClient(t, Options{Level: 1})
	cfg.Secret = "s3cret"
	if got := c.chunk(); got != "Switch>" {
		t.Fatalf("initial %q", got)
	}
	c.send("\n")
	c.until("Switch>")
	c.send("enable\n")
	if got := c.until("Password: "); got != "enable\r\nPassword: " {
		t.Fatalf("enable: %q", got)
	}
	c.send("s3cret\n")
	if got := c.until("Switch#"); got != "\r\nSwitch#" {
		t.Fatalf("after secret: %q (the secret must not echo)", got)
	}
	c.send("\n")
	if got := c.chunk(); got != "\r\nSwitch#" {
		t.Fatalf("check: %q", got)
	}
}

func TestTypedAheadRunsInOrder(t *testing.T) {
	c, _ := startClient(t, Options{Level: 15})
	c.chunk()
	// One write holding several lines, CR, LF and CRLF endings mixed.
	c.send("conf t\rhostname A\r\nhostname B\nend\r\n")
	got := c.until("B#")
	want := "conf t\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nSwitch(config)#hostname A\r\nA(config)#hostname B\r\nB(config)#end\r\nB#"
	if got != want {
		t.Fatalf("typed ahead:\n got %q\nwant %q", got, want)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
