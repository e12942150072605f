package main

import (
	"bytes"
	"github.com/l2sw/l2sw/internal/syncbuf"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// These tests run the real binary: they need no root, because the ports
// are pcap and mem backends.

var l2swBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "l2sw-bin")
	if err != nil {
		panic(err)
	}
	l2swBin = filepath.Join(dir, "l2sw")
	if out, err := exec.Command("go", "build", "-o", l2swBin, ".").CombinedOutput(); err != nil {
		panic("build l2sw: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func frame(t *testing.T, src, dst string, payload string) []byte {
	s, _ := net.ParseMAC(src)
	d, _ := net.ParseMAC(dst)
	buf := gopacket.NewSerializeBuffer()
	eth := &layers.Ethernet{SrcMAC: s, DstMAC: d, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	udp := &layers.UDP{SrcPort: 1, DstPort: 2}
	_ = udp.SetNetworkLayerForChecksum(ip)
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writePcap(t *testing.T, path string, frames ...[]byte) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, fr := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1000+int64(i), 0), CaptureLength: len(fr), Length: len(fr)}
		if err := w.WritePacket(ci, fr); err != nil {
			t.Fatal(err)
		}
	}
}

func readPcap(t *testing.T, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			return out
		}
		out = append(out, append([]byte(nil), data...))
	}
}

func execL2sw(t *testing.T, sock string, lines ...string) (string, error) {
	args := []string{"exec", "--control", sock}
	for _, l := range lines {
		args = append(args, "-c", l)
	}
	out, err := exec.Command(l2swBin, args...).CombinedOutput()
	return string(out), err
}

// daemon is an `l2sw run` child process.
type daemon struct {
	cmd    *exec.Cmd
	stderr syncbuf.Buffer
	done   chan error
}

// startDaemon starts `l2sw run args...`; it is killed at the end of the
// test if it is still running.
func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	d := &daemon{cmd: exec.Command(l2swBin, append([]string{"run"}, args...)...), done: make(chan error, 1)}
	d.cmd.Stderr = &d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			_ = d.cmd.Process.Kill()
		}
	})
	return d
}

// stop sends SIGTERM and requires a clean exit within 10 s.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("l2sw exited with %v\n%s", err, d.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("l2sw did not stop on SIGTERM")
	}
}

// TestRunReplayExecShutdown starts `l2sw run` on pcap ports, replays a
// capture through it, looks inside with `l2sw exec`, and checks that
// SIGTERM stops it cleanly with the capture files flushed.
func TestRunReplayExecShutdown(t *testing.T) {
	dir := t.TempDir()
	in1 := filepath.Join(dir, "in1.pcap")
	a2b := frame(t, "02:00:00:00:00:0a", "02:00:00:00:00:0b", "a to b")
	writePcap(t, in1, a2b, a2b)
	out2, out3 := filepath.Join(dir, "out2.pcap"), filepath.Join(dir, "out3.pcap")
	sock := filepath.Join(dir, "ctl", "l2sw.sock")
	cfg := filepath.Join(dir, "startup-config")
	if err := os.WriteFile(cfg, []byte("hostname LabSw\nmac address-table aging-time 600\nspanning-tree portfast default\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--config", cfg, "--control", sock,
		"--port", "gi0/1=pcap:"+in1, "--port", "Gi0/2=pcap:,"+out2, "--port", "GigabitEthernet0/3=pcap:,"+out3)

	// Wait for the control socket and for the replay to be learned.
	var out string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		out, _ = execL2sw(t, sock, "show mac address-table dynamic")
		if strings.Contains(out, "0200.0000.000a") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out, "   1    0200.0000.000a    DYNAMIC     Gi0/1") {
		t.Fatalf("MAC not learned from the replay:\n%s\nstderr:\n%s", out, d.stderr.String())
	}
	out, err := execL2sw(t, sock, "show interfaces counters", "show running-config")
	if err != nil {
		t.Fatalf("exec: %v\n%s", err, out)
	}
	for _, want := range []string{"hostname LabSw", "mac address-table aging-time 600", "Gi0/1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out, err := execL2sw(t, sock, "show bogus"); err == nil || !strings.Contains(out, "% Invalid input detected at '^' marker.") {
		t.Errorf("a rejected line must exit non-zero with the IOS error; err=%v out=%q", err, out)
	}

	d.stop(t)
	for _, p := range []string{out2, out3} {
		// The switch's own CDP advertisements and spanning-tree BPDUs
		// (both on by default, as on a Catalyst) leave on every port
		// too: not part of the flood.
		var got [][]byte
		cdp := 0
		for _, f := range readPcap(t, p) {
			switch {
			case bytes.HasPrefix(f, []byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}):
				cdp++
			case bytes.HasPrefix(f, []byte{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}), bytes.HasPrefix(f, []byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd}):
			default:
				got = append(got, f)
			}
		}
		if cdp == 0 {
			t.Errorf("%s: the daemon sent no CDP advertisement", p)
		}
		// Unknown unicast: both frames flooded to both other ports.
		if len(got) != 2 || !bytes.Equal(got[0], a2b) {
			t.Errorf("%s: %d frames, want the 2 replayed frames flooded unchanged", p, len(got))
		}
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--control", filepath.Join(dir, "s"), "--port", "gi0/1"}, "want IFNAME=BACKEND:ARG"},
		{[]string{"run", "--control", filepath.Join(dir, "s"), "--port", "gi0/1=pcap:" + filepath.Join(dir, "missing.pcap")}, "missing.pcap"},
		{[]string{"run", "--control", filepath.Join(dir, "s"), "--config", dir, "--port", "gi0/1=mem"}, "cannot read config"},
		{[]string{"exec", "--control", filepath.Join(dir, "none.sock"), "-c", "show version"}, "no l2sw is running"},
	} {
		out, err := exec.Command(l2swBin, tc.args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("l2sw %v: err=%v, output %q; want an error saying %q", tc.args, err, out, tc.want)
		}
		if strings.Contains(string(out), "goroutine ") {
			t.Errorf("l2sw %v printed a stack trace", tc.args)
		}
	}
	out, err := exec.Command(l2swBin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "l2sw ") {
		t.Errorf("version: %v %q", err, out)
	}
}
