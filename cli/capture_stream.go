package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/dataplane/capture"
)

// This file is the switch side of `l2sw capture`: a live capture streamed
// as pcapng over the control socket, one interface per switch port.

var _ remote.Capturer = (*Device)(nil)

// StartCapture checks a live capture request against the switch (its
// interfaces, its access lists) and returns the function that streams the
// capture; the capture is attached to the pipeline only while that runs.
func (d *Device) StartCapture(req remote.CaptureRequest) (func(ctx context.Context, w io.Writer) error, error) {
	points := capture.Point(0)
	for _, p := range req.Points {
		points |= map[string]capture.Point{"ingress": capture.Ingress, "egress": capture.Egress, "drop": capture.Drop}[p]
	}
	if points == 0 {
		points = capture.AllPoints
	}
	cfg := capture.Config{AllPorts: points}
	if len(req.Interfaces) > 0 {
		cfg.Ports = map[cam.PortID]capture.Point{}
	}
	for _, in := range req.Interfaces {
		name, err := d.eng.Interfaces().Parse(in)
		if err != nil {
			return nil, fmt.Errorf("interface %q: %w", in, err)
		}
		st, err := d.sw.Status(name)
		if err != nil {
			return nil, fmt.Errorf("interface %q: %w", in, err)
		}
		cfg.Ports[st.ID] = points
	}
	m, err := d.captureFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	cfg.Match = m
	var intfs []capture.Interface
	for _, n := range d.sw.Ports() {
		if st, err := d.sw.Status(n); err == nil {
			intfs = append(intfs, capture.Interface{Port: st.ID, Name: n})
		}
	}
	app := "l2sw"
	if d.opts.Version != "" {
		app += " " + d.opts.Version
	}
	return func(ctx context.Context, w io.Writer) error {
		nw, err := capture.NewNgWriter(w, intfs, app)
		if err != nil {
			return err
		}
		stream := capture.NewStream(0, req.Count)
		detach := d.sw.AddObserver(capture.NewSession(cfg, stream, d.opts.Now, nil))
		defer detach()
		_, err = stream.Run(ctx, nw)
		return err
	}, nil
}

// captureFilter reads the filter of a live capture: nothing (every
// frame), a filter expression, `access-list NAME`, or the name of an
// access list alone.
func (d *Device) captureFilter(f string) (capture.Match, error) {
	words := strings.Fields(f)
	if len(words) == 0 {
		return capture.MatchAny(), nil
	}
	name, isACL := capture.ParseACLName(words)
	if !isACL {
		m, err := capture.ParseMatch(words)
		if err == nil {
			return m, nil
		}
		if len(words) != 1 {
			return capture.Match{}, fmt.Errorf("filter %q: %w", f, err)
		}
		if m, ok := d.captureACL(words[0]); ok {
			return m, nil
		}
		return capture.Match{}, fmt.Errorf("filter %q is neither an access list of the switch nor a filter expression (%w)", f, err)
	}
	m, ok := d.captureACL(name)
	if !ok {
		return capture.Match{}, fmt.Errorf("filter %q: access-list %s does not exist", f, name)
	}
	return m, nil
}
