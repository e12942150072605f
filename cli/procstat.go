package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/l2sw/l2sw/cli/engine"
)

// This file holds `show processes cpu [sorted]` and `show memory
// statistics`, made from what the l2sw process really uses: its CPU time
// from /proc/self/stat and /proc/self/task/*/stat (one IOS "process" per OS
// thread, the unit the kernel accounts), its memory from the Go runtime.

// clockTicks is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100
// on every Linux architecture Go runs on (sysconf(_SC_CLK_TCK) needs cgo).
const clockTicks = 100

// cpuWindows are the averaging windows of the IOS header line.
var cpuWindows = [3]time.Duration{5 * time.Second, time.Minute, 5 * time.Minute}

// procSample is one reading of the process's CPU time.
type procSample struct {
	at        time.Time
	user, sys uint64 // clock ticks
	threads   map[int]threadTimes
}

// threadTimes is one thread's share of a procSample.
type threadTimes struct {
	ticks    uint64 // user + system
	switches uint64 // voluntary + involuntary context switches ("Invoked")
	name     string
}

// procMeter keeps the CPU samples the averages are made from, and the
// lowest free memory seen (IOS "Lowest(b)").
type procMeter struct {
	mu      sync.Mutex
	samples []procSample // oldest first, spanning the longest window
	lowest  [2]uint64    // processor, I/O; 0 = not seen yet
	hist    cpuHistory   // show processes cpu history (cpuhistory.go)
	read    func() (procSample, error)
}

func newProcMeter() *procMeter {
	m := &procMeter{read: readProcSelf}
	m.sample(time.Now())
	return m
}

// sample takes one reading and forgets readings older than the longest
// window needs.
func (m *procMeter) sample(now time.Time) {
	s, err := m.read()
	if err != nil {
		return // no /proc: the show says so when it reads again
	}
	s.at = now
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := len(m.samples); n > 0 {
		prev := m.samples[n-1]
		m.hist.add(now, percent(s.user+s.sys-prev.user-prev.sys, now.Sub(prev.at)))
	}
	m.samples = append(m.samples, s)
	keep := 0
	for i, old := range m.samples {
		if now.Sub(old.at) > cpuWindows[2] {
			keep = i // the newest one at least five minutes old stays
		}
	}
	m.samples = slices.Delete(m.samples, 0, keep)
}

// RunProcessStats samples the process's CPU time every second until ctx
// is done, for the five-second, one-minute and five-minute averages of
// `show processes cpu`. Without it the averages span the time since the
// device was made.
func (d *Device) RunProcessStats(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.procs.sample(now)
			// Keeps "Lowest" up to date between shows; ReadMemStats stops
			// the world for a moment, so not every second.
			if n%10 == 0 {
				d.memoryStats()
			}
			if n%int(rateSample/time.Second) == 0 {
				d.sampleSVIRates(d.opts.Now())
			}
		}
	}
}

// since returns the sample a window ago (or the oldest one if the meter is
// younger than the window) to compare now with.
func (m *procMeter) since(now time.Time, w time.Duration) (procSample, bool) {
	for i := len(m.samples) - 1; i >= 0; i-- {
		if now.Sub(m.samples[i].at) >= w {
			return m.samples[i], true
		}
	}
	if len(m.samples) == 0 {
		return procSample{}, false
	}
	return m.samples[0], true
}

// percent is CPU ticks over a wall interval as a share of all CPUs, as IOS
// gives the share of its one CPU.
func percent(ticks uint64, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	p := float64(ticks) / clockTicks / wall.Seconds() / float64(runtime.NumCPU()) * 100
	return min(p, 100)
}

// cpuRow is one line of `show processes cpu`.
type cpuRow struct {
	pid       int
	runtimeMS uint64
	invoked   uint64
	avg       [3]float64
	name      string
	tty       int
	usecs     uint64
}

// cpuReport is what `show processes cpu` shows.
type cpuReport struct {
	total     [3]float64 // five seconds, one minute, five minutes
	interrupt float64    // five seconds, kernel share
	rows      []cpuRow
}

func (m *procMeter) report(now time.Time) (cpuReport, error) {
	cur, err := m.read()
	if err != nil {
		return cpuReport{}, err
	}
	cur.at = now
	m.mu.Lock()
	defer m.mu.Unlock()
	var r cpuReport
	var bases [3]procSample
	for i, w := range cpuWindows {
		base, ok := m.since(now, w)
		if !ok {
			base = cur
		}
		bases[i] = base
		wall := now.Sub(base.at)
		r.total[i] = percent(cur.user+cur.sys-base.user-base.sys, wall)
		if i == 0 {
			// IOS's second figure is the time at interrupt level, where it
			// switches packets; l2sw's packets cost system time (the
			// reads and writes of the ports), so that is the share shown.
			r.interrupt = percent(cur.sys-base.sys, wall)
		}
	}
	tids := make([]int, 0, len(cur.threads))
	for tid := range cur.threads {
		tids = append(tids, tid)
	}
	slices.Sort(tids)
	for _, tid := range tids {
		t := cur.threads[tid]
		row := cpuRow{pid: tid, runtimeMS: t.ticks * 1000 / clockTicks, invoked: t.switches, name: t.name}
		if t.switches > 0 {
			row.usecs = row.runtimeMS * 1000 / t.switches
		}
		for i, base := range bases {
			before := base.threads[tid].ticks // a thread born since counts from 0
			if before > t.ticks {
				before = 0
			}
			row.avg[i] = percent(t.ticks-before, now.Sub(base.at))
		}
		r.rows = append(r.rows, row)
	}
	return r, nil
}

// readProcSelf reads the CPU times of the process and of each of its
// threads from /proc.
func readProcSelf() (procSample, error) {
	var s procSample
	f, err := readStat("/proc/self/stat")
	if err != nil {
		return s, err
	}
	s.user, s.sys = f.user, f.sys
	dirs, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return s, fmt.Errorf("process threads: %w", err)
	}
	s.threads = make(map[int]threadTimes, len(dirs))
	for _, e := range dirs {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc/self/task", e.Name())
		ts, err := readStat(filepath.Join(dir, "stat"))
		if err != nil {
			continue // the thread ended between ReadDir and here
		}
		s.threads[tid] = threadTimes{ticks: ts.user + ts.sys, switches: readSwitches(filepath.Join(dir, "status")), name: ts.comm}
	}
	return s, nil
}

type statFields struct {
	comm      string
	user, sys uint64
}

// readStat parses the comm, utime and stime fields of a /proc stat file.
func readStat(path string) (statFields, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return statFields{}, fmt.Errorf("process CPU time: %w", err)
	}
	return parseStat(string(b))
}

// parseStat reads a /proc/PID/stat line: "pid (comm) state ppid ...",
// utime and stime being fields 14 and 15. comm may hold spaces and
// parentheses, so the fields are counted from its last ')'.
func parseStat(line string) (statFields, error) {
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return statFields{}, fmt.Errorf("process CPU time: malformed stat line")
	}
	f := strings.Fields(line[end+1:])
	if len(f) < 13 {
		return statFields{}, fmt.Errorf("process CPU time: stat line has %d fields after comm", len(f))
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return statFields{}, fmt.Errorf("process CPU time: malformed utime/stime %q %q", f[11], f[12])
	}
	return statFields{comm: line[open+1 : end], user: u, sys: s}, nil
}

// readSwitches sums the context switches of a /proc status file: how
// often the thread was scheduled, IOS's "Invoked".
func readSwitches(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var n uint64
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && (k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches") {
			x, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			n += x
		}
	}
	return n
}

// showProcessesCPU renders the IOS 12.2/15.0 layout.
func (d *Device) showProcessesCPU(sorted bool) (string, error) {
	r, err := d.procs.report(time.Now())
	if err != nil {
		return "", engine.Rejectf("%% %v", err)
	}
	if sorted {
		slices.SortStableFunc(r.rows, func(a, b cpuRow) int {
			for i := range a.avg {
				if a.avg[i] != b.avg[i] {
					if a.avg[i] > b.avg[i] {
						return -1
					}
					return 1
				}
			}
			return 0
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CPU utilization for five seconds: %d%%/%d%%; one minute: %d%%; five minutes: %d%%\n",
		int(r.total[0]+0.5), int(r.interrupt+0.5), int(r.total[1]+0.5), int(r.total[2]+0.5))
	b.WriteString(" PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process\n")
	for _, row := range r.rows {
		fmt.Fprintf(&b, "%4d %11d %11d %10d %5.2f%% %5.2f%% %5.2f%% %3d %s\n", row.pid, row.runtimeMS, row.invoked,
			row.usecs, row.avg[0], row.avg[1], row.avg[2], row.tty, row.name)
	}
	return b.String(), nil
}

// memPool is one row of `show memory statistics`.
type memPool struct {
	name                                  string
	head                                  uintptr
	total, used, free, lowest, largestBlk uint64
}

// memoryStats maps the Go runtime's memory onto the two IOS pools:
// Processor is the heap (tables, frame buffers, sessions), I/O the
// runtime's own memory (goroutine stacks, span and GC metadata). Lowest is
// the least free memory seen since the device started.
func (d *Device) memoryStats() [2]memPool {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// A heap arena is 64 MB on 64-bit Linux: the arena of a long-lived heap
	// object (the Device) is where the heap starts, as IOS's Head is where
	// its pool does.
	const arena = 64 << 20
	var local byte
	pools := [2]memPool{
		{name: "Processor", head: uintptr(unsafe.Pointer(d)) &^ (arena - 1),
			total: ms.HeapSys, used: ms.HeapAlloc, largestBlk: ms.HeapIdle},
		{name: "I/O", head: uintptr(unsafe.Pointer(&local)) &^ (arena - 1),
			total: ms.Sys - ms.HeapSys,
			used:  ms.StackInuse + ms.MSpanInuse + ms.MCacheInuse + ms.BuckHashSys + ms.GCSys + ms.OtherSys,
			// Free stack memory is the largest piece a new goroutine can take.
			largestBlk: ms.StackSys - ms.StackInuse},
	}
	m := d.procs
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range pools {
		p := &pools[i]
		p.used = min(p.used, p.total)
		p.free = p.total - p.used
		p.largestBlk = min(p.largestBlk, p.free)
		if m.lowest[i] == 0 || p.free < m.lowest[i] {
			m.lowest[i] = p.free
		}
		p.lowest = m.lowest[i]
	}
	return pools
}

func (d *Device) showMemoryStatistics() string {
	var b strings.Builder
	b.WriteString("                Head    Total(b)     Used(b)     Free(b)   Lowest(b)  Largest(b)\n")
	for _, p := range d.memoryStats() {
		fmt.Fprintf(&b, "%9s %10X %11d %11d %11d %11d %11d\n", p.name, p.head, p.total, p.used, p.free, p.lowest, p.largestBlk)
	}
	return b.String()
}
