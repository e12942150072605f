// Command scale measures l2sw at table scale: it builds a switch with the
// real tables (dataplane.New, as `l2sw run` does, with the MAC table sized
// for the addresses asked for), learns MAC addresses through the
// forwarding pipeline, installs static routes with resolved next hops,
// binds ClassBench ACLs as router ACLs until the TCAM holds the entries
// asked for, and reports the process's resident memory after each step
// (VmRSS after a GC that returns freed memory to the kernel, and the
// peak, VmHWM). It then times a startup-config of static routes (plus the
// SVIs and ARP entries they need) through the loader `l2sw run --config`
// uses, cli.Device.LoadConfig, on a fresh switch.
//
//	go run ./bench/cmd/scale                       # 1M MACs, 1M routes, 32K TCAM entries; 100k-route config
//	go run ./bench/cmd/scale -macs 0 -routes 0 -tcam 0 -config-routes 100000
//
// The figures are the process's: the Go runtime, the test frames and the
// route list held by the command are in them (small beside the tables;
// the "before" row is the floor).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	var o options
	flag.IntVar(&o.macs, "macs", 1<<20, "MAC addresses to learn")
	flag.IntVar(&o.camCap, "cam-capacity", 0, "MAC table capacity (0: twice -macs, the smallest power of two whose 8-way buckets take them all)")
	flag.IntVar(&o.routes, "routes", 1<<20, "static routes to install")
	flag.IntVar(&o.tcam, "tcam", 32768, "TCAM entries to fill with router ACLs")
	flag.StringVar(&o.tcamFill, "tcam-fill", "classbench", "what fills the TCAM: classbench (real-world rule sets, which run out of the PFC3's masks at ~27.5K entries, then siblings of their rules in the masks' free entries) or packed (synthetic overlapping ACEs eight to a mask)")
	flag.StringVar(&o.classbench, "classbench", "/work/shared/data/classbench", "ClassBench data directory")
	flag.IntVar(&o.configRoutes, "config-routes", 100000, "ip route lines of the timed startup-config (0: skip)")
	flag.StringVar(&o.heapProfile, "heapprofile", "", "write a heap profile after the fills")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the config load")
	flag.Parse()
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

type options struct {
	macs, camCap, routes, tcam, configRoutes int
	classbench, heapProfile, cpuProfile      string
	tcamFill                                 string // "packed" or "classbench"
}

func run(o options, w *os.File) error {
	fmt.Fprintf(w, "%s %s/%s, %d CPUs, GOGC=%s GOMEMLIMIT=%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), envOr("GOGC", "100"), envOr("GOMEMLIMIT", "off"))
	if o.tcamFill != "packed" && o.tcamFill != "classbench" {
		return fmt.Errorf("-tcam-fill %q: want packed or classbench", o.tcamFill)
	}
	if o.macs > 0 || o.routes > 0 || o.tcam > 0 {
		rep, err := fill(o)
		if err != nil {
			return err
		}
		rep.print(w)
		if o.heapProfile != "" {
			if err := writeHeapProfile(o.heapProfile); err != nil {
				return err
			}
		}
		runtime.KeepAlive(rep.sw)
		rep.sw = nil
	}
	if o.configRoutes > 0 {
		if o.cpuProfile != "" {
			f, err := os.Create(o.cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
		}
		res, err := timeConfigLoad(o.configRoutes)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "startup-config: %d lines (%d ip route, %d SVIs, %d arp), %d KiB: loaded in %v (%d static routes configured, sampled in the FIB; %d lines rejected)\n",
			res.lines, o.configRoutes, routeSVIs, routeSVIs*nextHopsPerSVI, res.bytes>>10, res.took.Round(time.Millisecond), res.fibRoutes, res.rejected)
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// memory is the process's resident memory and Go heap at one moment.
type memory struct {
	rss, hwm  int64 // VmRSS, VmHWM (bytes)
	heapInuse uint64
}

// measure collects garbage, returns freed pages to the kernel and reads
// /proc/self/status: the resident memory the live data needs.
func measure() memory {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memory{heapInuse: ms.HeapInuse}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return m
	}
	for _, l := range strings.Split(string(b), "\n") {
		var kb int64
		switch {
		case strings.HasPrefix(l, "VmRSS:"):
			fmt.Sscanf(strings.TrimPrefix(l, "VmRSS:"), "%d", &kb)
			m.rss = kb << 10
		case strings.HasPrefix(l, "VmHWM:"):
			fmt.Sscanf(strings.TrimPrefix(l, "VmHWM:"), "%d", &kb)
			m.hwm = kb << 10
		}
	}
	return m
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}

func mib(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }
