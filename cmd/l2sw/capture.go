package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/l2sw/l2sw/cli/remote"
)

func newCaptureCmd() *cobra.Command {
	var (
		sock   string
		req    remote.CaptureRequest
		points []string
		out    string
	)
	cmd := &cobra.Command{
		Use:   "capture [--interface IF]... [--point ingress|egress|drop|all] [--filter F] [--count N] -w FILE|-",
		Short: "Stream a live capture of a running switch as pcapng",
		Long: `Capture the frames of a running switch while it forwards, through its control
socket, and write them as pcapng to FILE, or to standard output with -w -.
Every switch port is one pcapng interface named as in the CLI
(GigabitEthernet0/1); each packet is on its port's interface, with its
direction, and a dropped frame carries the drop reason and stage as a packet
comment (tshark: frame.comment).

Points: ingress (as a port received it), egress (as a port sent it) and drop
(received, then dropped by the pipeline); repeat --point or separate them
with commas; the default is all. The filter is the name of one of the switch's
access lists, or an expression in EPC match syntax:
  any
  ipv4 [protocol tcp|udp|icmp|N] SRC [eq PORT] DST [eq PORT]
where SRC and DST are any, host A.B.C.D or A.B.C.D/len.

The capture runs until --count packets were written or SIGINT/SIGTERM.`,
		Example: `  l2sw capture -w - | tshark -r -
  l2sw capture -i gi0/1 --point drop -w drops.pcapng
  l2sw capture --filter 'ipv4 protocol icmp any any' --count 10 -w ping.pcapng`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, p := range points {
				for _, w := range strings.Split(p, ",") {
					switch {
					case w == "all":
						req.Points = append(req.Points, remote.CapturePoints...)
					case slices.Contains(remote.CapturePoints, w):
						req.Points = append(req.Points, w)
					default:
						return fmt.Errorf("--point %q: want ingress, egress, drop or all", w)
					}
				}
			}
			if req.Count < 0 {
				return fmt.Errorf("--count %d: want 0 (no limit) or more", req.Count)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if out == "-" {
				return remote.Capture(ctx, sock, req, cmd.OutOrStdout())
			}
			f := &lazyFile{path: out}
			return errors.Join(remote.Capture(ctx, sock, req, f), f.Close())
		},
	}
	f := cmd.Flags()
	f.StringVar(&sock, "control", defaultControlSocket(), "control socket of the switch")
	f.StringArrayVarP(&req.Interfaces, "interface", "i", nil, "a port to capture (repeatable; default every port)")
	f.StringArrayVar(&points, "point", nil, "ingress, egress, drop or all (repeatable or comma-separated; default all)")
	f.StringVar(&req.Filter, "filter", "", "an access-list name or a filter expression (default every frame)")
	f.IntVarP(&req.Count, "count", "c", 0, "stop after N packets (0: until interrupted)")
	f.StringVarP(&out, "write", "w", "", "pcapng file to write, - for standard output")
	_ = cmd.MarkFlagRequired("write")
	return cmd
}

// lazyFile creates its file on the first write, so that a capture the
// switch refuses leaves no empty file behind.
type lazyFile struct {
	path string
	f    *os.File
}

func (l *lazyFile) Write(b []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, fmt.Errorf("capture: %w", err)
		}
		l.f = f
	}
	return l.f.Write(b)
}

// Close closes the file, if it was created.
func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	return nil
}
