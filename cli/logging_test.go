package cli

import (
	"fmt"
	"github.com/l2sw/l2sw/internal/syncbuf"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli/term"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/syslog"
)

// egressUDP collects the UDP payloads the switch sends, from the pipeline's
// observer.
type egressUDP struct {
	mu   sync.Mutex
	msgs []string
}

func (e *egressUDP) Observe(_ cam.PortID, f []byte, d dataplane.Decision) {
	if d.Stage != dataplane.StageEgress {
		return
	}
	p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
	ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	u, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if ip == nil || u == nil {
		return
	}
	e.mu.Lock()
	e.msgs = append(e.msgs, ip.SrcIP.String()+" > "+ip.DstIP.String()+":"+u.DstPort.String()+" "+string(u.Payload))
	e.mu.Unlock()
}

func (e *egressUDP) wait(t *testing.T, substr string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		for _, m := range e.msgs {
			if strings.Contains(m, substr) {
				e.mu.Unlock()
				return m
			}
		}
		e.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t.Fatalf("no datagram with %q; sent:\n%s", substr, strings.Join(e.msgs, "\n"))
	return ""
}

// TestLoggingHost: a configured server gets the messages at or above the
// trap level from the SVI address, numbered as IOS numbers them; the
// configuration shows in the running config and in show logging.
func TestLoggingHost(t *testing.T) {
	r := newRig(t)
	seen := &egressUDP{}
	defer r.sw.AddObserver(seen)()
	r.out("configure terminal",
		"interface gi0/2", "switchport access vlan 20",
		"interface vlan 10", "ip address 10.0.10.1 255.255.255.0",
		"interface vlan 20", "ip address 10.0.20.1 255.255.255.0",
		"arp 10.0.20.7 0011.2233.4455 arpa",
		"logging host 10.0.20.7",
		"logging host 10.0.20.8 transport udp port 1514",
		"logging trap notifications",
		"logging buffered 8192 informational",
		"end")
	got := seen.wait(t, "%SYS-5-CONFIG_I")
	if !strings.HasPrefix(got, "10.0.20.1 > 10.0.20.7:514(syslog) <189>") || !strings.Contains(got, ": *Mar  1 00:01:02.345: %SYS-5-CONFIG_I: Configured from console by console") {
		t.Errorf("datagram %q", got)
	}

	// Below the trap level: not sent. From the source interface once set.
	r.sw.Log().Log("TEST", syslog.Informational, "INFO", "not for the server")
	r.out("configure terminal", "logging source-interface vlan 10", "end")
	seen.wait(t, "10.0.10.1 > 10.0.20.7:514(syslog) <189>")
	seen.mu.Lock()
	for _, m := range seen.msgs {
		if strings.Contains(m, "not for the server") {
			t.Errorf("an informational message was sent at trap level notifications: %s", m)
		}
	}
	seen.mu.Unlock()

	cfg := r.dev.RunningConfig()
	for _, want := range []string{"logging buffered 8192 informational\n",
		"logging trap notifications\nlogging source-interface Vlan10\nlogging host 10.0.20.7\nlogging host 10.0.20.8 transport udp port 1514\n"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("running-config lacks %q:\n%s", want, cfg)
		}
	}
	show := r.out("show logging")
	for _, want := range []string{"    Buffer logging:  level informational, ", "    Trap logging: level notifications, ",
		"        Logging to 10.0.20.7  (udp port 514, audit disabled,\n              link up),\n",
		"        Logging to 10.0.20.8  (udp port 1514, audit disabled,\n", "Log Buffer (8192 bytes):"} {
		if !strings.Contains(show, want) {
			t.Errorf("show logging lacks %q:\n%s", want, show)
		}
	}

	// Removing a server stops its messages.
	r.out("configure terminal", "no logging host 10.0.20.7", "no logging host 10.0.20.8", "end")
	if cfg := r.dev.RunningConfig(); strings.Contains(cfg, "logging host") {
		t.Errorf("removed servers still configured:\n%s", cfg)
	}
	if res := r.run("configure terminal", "logging source-interface gi0/1", "end"); !res.Rejected {
		t.Errorf("a switch port accepted as the syslog source:\n%s", res.Output)
	}
}

// TestTerminalMonitor: with terminal monitor, a session prints the log
// messages as they come, above the prompt, which it draws again with the
// line being typed; terminal no monitor stops them.
func TestTerminalMonitor(t *testing.T) {
	r := newRig(t)
	in, feed := io.Pipe()
	out := &syncbuf.Buffer{}
	s := term.New(r.dev.Engine(), in, out, term.Options{Level: 15})
	done := make(chan error, 1)
	go func() { done <- s.Run() }()
	waitOut := func(substr string) {
		t.Helper()
		for range 500 {
			if strings.Contains(out.String(), substr) {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Fatalf("no %q in:\n%s", substr, out.String())
	}
	fmt.Fprint(feed, "terminal monitor\r")
	waitOut("terminal monitor\r\nSwitch#")
	fmt.Fprint(feed, "show ver") // typed, not entered
	waitOut("Switch#show ver")
	r.sw.Log().Log("LINK", syslog.Error, "UPDOWN", "Interface GigabitEthernet0/3, changed state to down")
	waitOut("show ver\r\n*Mar  1 00:01:02.345: %LINK-3-UPDOWN: Interface GigabitEthernet0/3, changed state to down\r\nSwitch#show ver")
	fmt.Fprint(feed, "\x15terminal no monitor\r") // Ctrl-U erases the line
	waitOut("terminal no monitor\r\nSwitch#")
	r.sw.Log().Log("LINK", syslog.Error, "UPDOWN", "not shown")
	fmt.Fprint(feed, "exit\r")
	feed.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "not shown") {
		t.Errorf("a message after terminal no monitor was printed:\n%s", out.String())
	}
}

// TestLoggingRFC5424AndShortForm: `logging A.B.C.D` is `logging host`, and
// with syslog-format rfc5424 the server gets RFC 5424 datagrams.
func TestLoggingRFC5424AndShortForm(t *testing.T) {
	r := newRig(t)
	seen := &egressUDP{}
	defer r.sw.AddObserver(seen)()
	r.out("configure terminal", "interface gi0/2", "switchport access vlan 20",
		"interface vlan 20", "ip address 10.0.20.1 255.255.255.0", "arp 10.0.20.7 0011.2233.4455 arpa",
		"logging trap syslog-format rfc5424", "logging 10.0.20.7", "end")
	got := seen.wait(t, "%SYS-5-CONFIG_I")
	if !strings.Contains(got, `<189>1 `) || !strings.Contains(got, ` Switch - - SYS-5-CONFIG_I [meta sequenceId="`) {
		t.Errorf("not an RFC 5424 datagram: %q", got)
	}
	cfg := r.dev.RunningConfig()
	if !strings.Contains(cfg, "logging trap syslog-format rfc5424\nlogging host 10.0.20.7\n") {
		t.Errorf("running-config:\n%s", cfg)
	}
}
