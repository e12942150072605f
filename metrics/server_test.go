package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/l2sw/l2sw/metrics"
)

// scrapeURL GETs url and parses the Prometheus text exposition it serves.
func scrapeURL(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET %s: Content-Type %q, want the Prometheus text format", url, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: not the text exposition format: %v", url, err)
	}
	return fams
}

// TestHandlerServesExposition scrapes the handler over HTTP as Prometheus
// would: the text format with HELP and TYPE, the switch's metrics beside
// the Go runtime's and the process's, and OpenMetrics when asked for.
func TestHandlerServesExposition(t *testing.T) {
	l := newLab(t)
	l.ports[1].Inject(udp(t, macA, macB, "hello"))
	waitFor(t, "the flood", func() bool { return len(l.ports[2].Sent()) == 1 })
	srv := httptest.NewServer(metrics.Handler(l.sw))
	defer srv.Close()

	fams := scrapeURL(t, srv.URL+metrics.Path)
	want(t, fams, 1, "l2sw_port_receive_frames_total", "interface", gi1)
	for _, name := range []string{"l2sw_port_drops_total", "l2sw_cam_entries", "go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("scrape lacks %s", name)
		}
	}
	if h := fams["l2sw_port_receive_frames_total"].GetHelp(); h == "" {
		t.Error("no HELP text")
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+metrics.Path, nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") || !strings.HasSuffix(strings.TrimSpace(string(body)), "# EOF") {
		t.Errorf("OpenMetrics: Content-Type %q, body ends %q", ct, tail(string(body)))
	}

	resp, err = http.Get(srv.URL + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %s, want 404", resp.Status)
	}
}

func tail(s string) string {
	if len(s) > 40 {
		return s[len(s)-40:]
	}
	return s
}

// TestServerListensAndShutsDown: Listen on port 0, a scrape, a clean
// Shutdown that makes Serve return nil.
func TestServerListensAndShutsDown(t *testing.T) {
	l := newLab(t)
	s, err := metrics.Listen("127.0.0.1:0", l.sw)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	fams := scrapeURL(t, fmt.Sprintf("http://%s%s", s.Addr(), metrics.Path))
	if fams["l2sw_cam_capacity"] == nil {
		t.Error("scrape lacks l2sw_cam_capacity")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after Shutdown: %v", err)
	}
	if _, err := metrics.Listen("256.0.0.1:1", l.sw); err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Errorf("Listen on a bad address: %v", err)
	}
}
