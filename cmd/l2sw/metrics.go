package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/metrics"
)

// metricsOptions is `l2sw run --metrics ADDR`: a Prometheus endpoint, off
// unless an address is given.
type metricsOptions struct {
	addr string
}

func (m *metricsOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&m.addr, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. :9273 or 127.0.0.1:9273)")
}

// start serves sw's metrics until the returned stop is called. With no
// address it does nothing. A bad or busy address fails the start, as a
// bad --ssh address does, rather than leaving a switch nobody can scrape.
func (m *metricsOptions) start(sw *dataplane.Switch) (stop func(), err error) {
	if m.addr == "" {
		return func() {}, nil
	}
	s, err := metrics.Listen(m.addr, sw)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: %w", m.addr, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Serve(); err != nil {
			fmt.Fprintln(os.Stderr, "l2sw:", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "l2sw: metrics on http://%s%s\n", s.Addr(), metrics.Path)
	return func() {
		// A scrape under way gets a moment to finish; shutting the switch
		// down does not wait for a stuck scraper.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "l2sw:", err)
		}
		<-done
	}, nil
}
