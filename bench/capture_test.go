package bench

import (
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cam"
	"github.com/l2sw/l2sw/dataplane/capture"
)

// BenchmarkForwardKnownUnicastCapture is BenchmarkForwardKnownUnicast
// (64 Ki entries) with one capture attached, to show what a running
// capture costs the forwarding path (bench/README.md):
//
//	none        no capture: the baseline, no observer
//	other-port  a capture of another port's ingress: every decision is
//	            reported and looked at, nothing is kept
//	filtered    ingress of port 1 with a filter that rejects the traffic
//	            (UDP port 53): each frame is also parsed for the filter
//	ingress     ingress of port 1, every frame copied into a 10 MB
//	            circular buffer (EPC `buffer circular`)
//	drop        drops of every port, none happening: each ingress frame
//	            is kept per worker in case a later stage drops it
func BenchmarkForwardKnownUnicastCapture(b *testing.B) {
	dns, err := capture.ParseMatch(strings.Fields("match ipv4 protocol udp any any eq 53"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cfg  *capture.Config
	}{
		{"none", nil},
		{"other-port", &capture.Config{Ports: map[cam.PortID]capture.Point{1: capture.Ingress}, Match: capture.MatchAny()}},
		{"filtered", &capture.Config{Ports: map[cam.PortID]capture.Point{0: capture.Ingress}, Match: dns}},
		{"ingress", &capture.Config{Ports: map[cam.PortID]capture.Point{0: capture.Ingress}, Match: capture.MatchAny()}},
		{"drop", &capture.Config{AllPorts: capture.Drop, Match: capture.MatchAny()}},
	} {
		b.Run("capture="+c.name, func(b *testing.B) {
			bd, frames := knownUnicastBed(b, 1<<16)
			var buf *capture.Buffer
			if c.cfg != nil {
				buf = capture.NewBuffer(capture.DefaultBufferMB<<20, 0, true)
				defer bd.sw.AddObserver(capture.NewSession(*c.cfg, buf, nil, nil))()
			}
			bd.run(b, ifName(1), frames)
			if bd.sinks[1].TxFrames() < uint64(b.N*batch) {
				b.Fatalf("egress got %d frames, want %d", bd.sinks[1].TxFrames(), b.N*batch)
			}
			if c.name == "ingress" {
				if _, kept, shed := buf.Stats(); kept+int(shed) < b.N*batch {
					b.Fatalf("captured %d frames, want %d", kept+int(shed), b.N*batch)
				}
			}
		})
	}
}
