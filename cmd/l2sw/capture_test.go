package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	ngpcapgo "github.com/gopacket/gopacket/pcapgo"
)

// TestCaptureAgainstRunningSwitch: `l2sw capture -w FILE` against `l2sw
// run` writes a pcapng stream with one interface per port, named as the
// CLI names them, and ends cleanly on SIGINT with a file tshark can read
// (whole blocks); a filter naming no access list is refused with the
// reason, exit status 1 and no file; stopping the switch ends a capture
// that is streaming.
func TestCaptureAgainstRunningSwitch(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "l2sw.sock")
	d := startDaemon(t, "--config", filepath.Join(dir, "startup-config"), "--control", sock,
		"--port", "gi0/1=mem", "--port", "gi0/2=mem")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := execL2sw(t, sock, "show version"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no control socket:\n%s", d.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	file := filepath.Join(dir, "live.pcapng")
	capt := exec.Command(l2swBin, "capture", "--control", sock, "-w", file)
	var stderr bytes.Buffer
	capt.Stderr = &stderr
	if err := capt.Start(); err != nil {
		t.Fatal(err)
	}
	for {
		if fi, err := os.Stat(file); err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pcapng header:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := capt.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := capt.Wait(); err != nil {
		t.Fatalf("l2sw capture after SIGINT: %v\n%s", err, stderr.String())
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ngpcapgo.NewNgReader(f, ngpcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.ReadPacketData(); err != io.EOF {
		t.Errorf("after the interfaces: %v, want the end of a whole file", err)
	}
	var names []string
	for i := range r.NInterfaces() {
		intf, _ := r.Interface(i)
		names = append(names, intf.Name)
	}
	if got := strings.Join(names, " "); got != "GigabitEthernet0/1 GigabitEthernet0/2" {
		t.Errorf("interfaces %q", got)
	}

	refused := filepath.Join(dir, "refused.pcapng")
	out, err := exec.Command(l2swBin, "capture", "--control", sock, "--filter", "NOPE", "-w", refused).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "NOPE") {
		t.Errorf("a filter naming no access list: %v\n%s", err, out)
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("a refused capture left a file: %v", err)
	}
	// A switch that stops ends the captures streaming from it.
	streaming := exec.Command(l2swBin, "capture", "--control", sock, "-w", "-")
	stdout, err := streaming.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := streaming.Start(); err != nil {
		t.Fatal(err)
	}
	magic := make([]byte, 4) // the section header: the capture is attached
	if _, err := io.ReadFull(stdout, magic); err != nil || !bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Fatalf("stream starts % x, %v", magic, err)
	}
	drained := make(chan struct{})
	go func() { io.Copy(io.Discard, stdout); close(drained) }()
	d.stop(t)
	<-drained // the stream ended: the switch closed it
	if err := streaming.Wait(); err != nil {
		t.Errorf("capture of a switch that stopped: %v", err)
	}
}
