// Command classbench checks and times the tcam classifier on a ClassBench
// filter set and trace: it loads the filters in order as an extended ACL,
// classifies every trace header, reports mismatches against the trace's
// expected first match, the per-packet lookup time (median and tail over
// every lookup of several passes, each timed on its own), the mean of a
// pass, the compile time and the TCAM resources the ACL needs.
//
//	go run ./bench/cmd/classbench -rules FILE -trace FILE
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/l2sw/l2sw/internal/callclock"
	"github.com/l2sw/l2sw/tcam"
	"github.com/l2sw/l2sw/tcam/acl"
	"github.com/l2sw/l2sw/tcam/classbench"
)

func main() {
	rules := flag.String("rules", "", "ClassBench filter file")
	trace := flag.String("trace", "", "trace file (src dst sport dport proto first ...)")
	passes := flag.Int("passes", 7, "timed passes over the trace")
	flag.Parse()
	if *rules == "" || *trace == "" {
		fmt.Fprintln(os.Stderr, "usage: classbench -rules FILE -trace FILE")
		os.Exit(2)
	}
	if err := run(*rules, *trace, *passes); err != nil {
		fmt.Fprintln(os.Stderr, "classbench:", err)
		os.Exit(1)
	}
}

func run(rulesPath, tracePath string, passes int) error {
	fs, err := classbench.LoadFilters(rulesPath)
	if err != nil {
		return err
	}
	aces, err := classbench.ACEs(fs)
	if err != nil {
		return err
	}
	pkts, err := classbench.LoadTrace(tracePath)
	if err != nil {
		return err
	}
	list := acl.NewList("CLASSBENCH", acl.Extended)
	for _, a := range aces {
		if _, err := list.Add(a); err != nil {
			return err
		}
	}
	t := tcam.New(tcam.Config{Limits: tcam.PFC3Limits()})
	id := tcam.BindingID{Feature: tcam.FeatureRACL, Interface: "Vlan1", Dir: tcam.In}
	start := time.Now()
	res, err := t.Apply(id, list)
	compile := time.Since(start)
	if err != nil {
		return err
	}
	b := t.Binding(id)
	hs := make([]tcam.Header, len(pkts))
	for i, p := range pkts {
		hs[i] = tcam.Header{Src: p.Src, Dst: p.Dst, SrcPort: p.Sport, DstPort: p.Dport, Proto: p.Proto}
	}
	mismatches := 0
	for i := range hs {
		v := b.Classify(0, &hs[i])
		got := -1
		if v.Matched {
			got = int(v.Seq/10) - 1 // ACE i has sequence number 10*(i+1)
		}
		if got != pkts[i].First {
			mismatches++
			if mismatches <= 20 {
				fmt.Printf("MISMATCH header %d %+v: got rule %d, want %d\n", i, hs[i], got, pkts[i].First)
			}
		}
	}
	st := time.Now()
	for range passes {
		for i := range hs {
			b.Classify(0, &hs[i])
		}
	}
	mean := float64(time.Since(st).Nanoseconds()) / float64(passes*len(hs))
	ns := callclock.Each(func(h *tcam.Header) { b.Classify(0, h) }, hs, passes)
	need := tcam.Estimate(aces, tcam.PFC3Limits())
	fmt.Printf("rules %d  headers %d  mismatches %d\n", len(aces), len(hs), mismatches)
	fmt.Printf("lookup per packet: median %d ns  p90 %d ns  p99 %d ns (%d passes, timer cost subtracted)  pass mean %.1f ns\n",
		ns[len(ns)/2], ns[len(ns)*9/10], ns[len(ns)*99/100], passes, mean)
	fmt.Printf("compile %v\n", compile.Round(time.Microsecond))
	fmt.Printf("TCAM need: entries %d  masks %d (of %d entries each)  range units %d\n",
		need.EntriesUsed, need.MasksUsed, need.EntriesPerMask, need.RangeUnitsUsed)
	pfc := tcam.PFC3Limits()
	state := "ACTIVE"
	if res.State != tcam.Active {
		state = "INACTIVE"
	}
	fmt.Printf("PFC3 (%d entries, %d masks, %d LOUs): %s", pfc.Entries, pfc.Masks, pfc.RangeUnits, state)
	if res.Full != nil {
		fmt.Printf(" (%s exceeded: needs %d of %d; software switched)", res.Full.Resource, res.Full.Need, res.Full.Limit)
	}
	fmt.Println()
	if mismatches > 0 {
		return fmt.Errorf("%d mismatches", mismatches)
	}
	return nil
}
