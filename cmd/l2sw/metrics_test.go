package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// scrape returns the metric families at url, or nil while nothing answers.
func scrape(url string) map[string]*dto.MetricFamily {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil
	}
	return fams
}

func counterOf(fams map[string]*dto.MetricFamily, name, iface string) float64 {
	for _, m := range fams[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "interface" && lp.GetValue() == iface {
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

// TestRunServesMetrics starts `l2sw run --metrics ADDR` on pcap ports,
// replays frames, and scrapes the daemon as Prometheus would; SIGTERM then
// stops it cleanly with the endpoint closed.
func TestRunServesMetrics(t *testing.T) {
	dir := t.TempDir()
	in1 := filepath.Join(dir, "in1.pcap")
	a2b := frame(t, "02:00:00:00:00:0a", "02:00:00:00:00:0b", "a to b")
	writePcap(t, in1, a2b, a2b, a2b)
	addr := freeAddr(t)
	// The replay is a host: portfast, or spanning tree holds its frames
	// for two forward delays as a Catalyst does.
	if err := os.WriteFile(filepath.Join(dir, "startup-config"), []byte("spanning-tree portfast default\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--config", filepath.Join(dir, "startup-config"), "--control", filepath.Join(dir, "l2sw.sock"),
		"--metrics", addr, "--port", "gi0/1=pcap:"+in1, "--port", "gi0/2=pcap:,"+filepath.Join(dir, "out2.pcap"))

	url := "http://" + addr + "/metrics"
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		fams = scrape(url)
		if counterOf(fams, "l2sw_port_transmit_frames_total", "GigabitEthernet0/2") == 3 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := counterOf(fams, "l2sw_port_receive_frames_total", "GigabitEthernet0/1"); got != 3 {
		t.Fatalf("l2sw_port_receive_frames_total{interface=Gi0/1} = %v, want the 3 replayed frames", got)
	}
	if got := counterOf(fams, "l2sw_port_unknown_unicast_flooded_total", "GigabitEthernet0/1"); got != 3 {
		t.Errorf("unknown unicast flooded = %v, want 3", got)
	}
	if fams["l2sw_cam_capacity"] == nil || fams["process_start_time_seconds"] == nil {
		t.Error("scrape lacks the table gauges or the process metrics")
	}
	d.stop(t)
	if !strings.Contains(d.stderr.String(), "l2sw: metrics on "+url) {
		t.Errorf("startup lines do not say where the metrics are:\n%s", d.stderr.String())
	}
	if scrape(url) != nil {
		t.Error("metrics still served after the daemon stopped")
	}
}

// TestRunMetricsBadAddress: an address that cannot be bound fails the
// start with the flag named, instead of a switch nobody can scrape.
func TestRunMetricsBadAddress(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command(l2swBin, "run", "--config", filepath.Join(dir, "cfg"), "--control", filepath.Join(dir, "s"),
		"--port", "gi0/1=mem", "--metrics", "256.0.0.1:1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--metrics 256.0.0.1:1") {
		t.Errorf("l2sw run with a bad --metrics: err=%v, output %q", err, out)
	}
}
