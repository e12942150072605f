package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/l2sw/l2sw/dataplane"
)

// Path is where the metrics are served.
const Path = "/metrics"

// NewRegistry returns a registry of its own (never the process-wide default,
// so two switches in one test binary do not collide) holding sw's collector
// and the Go runtime's and the process's collectors, which tell an operator
// what the daemon itself costs.
func NewRegistry(sw *dataplane.Switch) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(sw), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves sw's metrics at Path, in the exposition format the scraper
// negotiates (Prometheus text by default, OpenMetrics when asked), and a
// short page pointing there at /.
func Handler(sw *dataplane.Switch) http.Handler {
	reg := NewRegistry(sw)
	mux := http.NewServeMux()
	mux.Handle(Path, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, EnableOpenMetrics: true}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>l2sw exporter</title></head><body><h1>l2sw</h1><p><a href=%q>Metrics</a></p></body></html>\n", Path)
	})
	return mux
}

// Server is the HTTP endpoint of one switch's metrics.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Listen binds addr (host:port; port 0 picks a free one) for sw's metrics.
// Nothing is served until Serve.
func Listen(addr string, sw *dataplane.Switch) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	// A scraper that sends its headers slowly must not hold a connection
	// for ever.
	srv := &http.Server{Handler: Handler(sw), ReadHeaderTimeout: 10 * time.Second}
	return &Server{ln: ln, srv: srv}, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve answers scrapes until Shutdown; it returns nil after a Shutdown.
func (s *Server) Serve() error {
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics on %s: %w", s.ln.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting scrapes and waits, until ctx ends, for those
// under way.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("metrics shutdown: %w", err)
	}
	return nil
}
