// Command pktgen sends or counts a stream of UDP frames on one interface
// (package bench/pktgen): the frames/s generator of the side-by-side
// harness, run inside `ip netns exec` on each side.
//
//	pktgen send -i IF -src MAC -dst MAC -srcip IP -dstip IP [-size 60] [-flows 1] [-dur 10s] [-count N] [-rate PPS]
//	pktgen recv -i IF -src MAC -dst MAC [...stream flags] [-idle 1s] [-max 60s]
//
// recv counts until the stream has been silent for -idle after its first
// frame, or -max, or SIGINT/SIGTERM. Each prints one JSON object.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/l2sw/l2sw/bench/pktgen"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "send" && os.Args[1] != "recv") {
		fmt.Fprintln(os.Stderr, "usage: pktgen send|recv -i IF -src MAC -dst MAC [flags]; pktgen send -h")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet("pktgen "+mode, flag.ExitOnError)
	ifname := fs.String("i", "", "interface")
	src := fs.String("src", "", "source MAC")
	dst := fs.String("dst", "", "destination MAC")
	srcIP := fs.String("srcip", "10.77.0.1", "source IPv4 address")
	dstIP := fs.String("dstip", "10.77.0.2", "destination IPv4 address")
	sport := fs.Uint("sport", 4000, "first UDP source port")
	dport := fs.Uint("dport", 9, "UDP destination port (9: discard)")
	size := fs.Int("size", pktgen.MinFrame, "frame size without FCS")
	flows := fs.Int("flows", 1, "flows (UDP source ports)")
	batch := fs.Int("batch", pktgen.DefaultBatch, "send: frames per sendmmsg")
	dur := fs.Duration("dur", 10*time.Second, "send: how long")
	count := fs.Uint64("count", 0, "send: frames to send (0: until -dur)")
	rate := fs.Float64("rate", 0, "send: frames/s at most (0: as fast as the kernel takes them)")
	idle := fs.Duration("idle", time.Second, "recv: stop once the stream is silent this long")
	maxWait := fs.Duration("max", 60*time.Second, "recv: stop after this long in any case")
	_ = fs.Parse(os.Args[2:])

	s, err := stream(*src, *dst, *srcIP, *dstIP, *sport, *dport, *size, *flows)
	if err != nil || *ifname == "" {
		if err == nil {
			err = fmt.Errorf("-i is required")
		}
		fmt.Fprintln(os.Stderr, "pktgen:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var out any
	if mode == "send" {
		out, err = send(ctx, *ifname, s, *batch, pktgen.Limits{Frames: *count, Duration: *dur, Rate: *rate})
	} else {
		ctx, cancel := context.WithTimeout(ctx, *maxWait)
		defer cancel()
		out, err = recv(ctx, *ifname, s, *idle)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pktgen:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

func stream(src, dst, srcIP, dstIP string, sport, dport uint, size, flows int) (pktgen.Stream, error) {
	var s pktgen.Stream
	var err error
	if s.Src, err = net.ParseMAC(src); err != nil {
		return s, fmt.Errorf("-src: %w", err)
	}
	if s.Dst, err = net.ParseMAC(dst); err != nil {
		return s, fmt.Errorf("-dst: %w", err)
	}
	if s.SrcIP, err = netip.ParseAddr(srcIP); err != nil {
		return s, fmt.Errorf("-srcip: %w", err)
	}
	if s.DstIP, err = netip.ParseAddr(dstIP); err != nil {
		return s, fmt.Errorf("-dstip: %w", err)
	}
	if sport > 0xffff || dport > 0xffff {
		return s, fmt.Errorf("UDP ports are 16 bits")
	}
	s.SrcPort, s.DstPort, s.Size, s.Flows = uint16(sport), uint16(dport), size, flows
	return s, nil
}

type sendResult struct {
	Frames  uint64  `json:"frames"`
	Refused uint64  `json:"refused"`
	Seconds float64 `json:"seconds"`
	Rate    float64 `json:"frames_per_second"`
}

func send(ctx context.Context, ifname string, s pktgen.Stream, batch int, lim pktgen.Limits) (sendResult, error) {
	snd, err := pktgen.NewSender(ifname, s, batch)
	if err != nil {
		return sendResult{}, err
	}
	defer snd.Close()
	r, err := snd.Send(ctx, lim)
	return sendResult{r.Frames, r.Refused, r.Elapsed.Seconds(), r.Rate()}, err
}

type recvResult struct {
	Frames  uint64  `json:"frames"`
	Other   uint64  `json:"other"`
	Drops   uint64  `json:"ring_drops"`
	Seconds float64 `json:"seconds"`
	Rate    float64 `json:"frames_per_second"`
}

func recv(ctx context.Context, ifname string, s pktgen.Stream, idle time.Duration) (recvResult, error) {
	rcv, err := pktgen.NewReceiver(ifname, s)
	if err != nil {
		return recvResult{}, err
	}
	defer rcv.Close()
	// Ready: the harness starts the sender once this line is out.
	fmt.Fprintln(os.Stderr, "pktgen: receiving on", ifname)
	r, err := rcv.Run(ctx, idle)
	return recvResult{r.Frames, r.Other, r.Drops, r.Last.Sub(r.First).Seconds(), r.Rate()}, err
}
