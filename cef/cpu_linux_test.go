package cef

import "golang.org/x/sys/unix"

// threadCPU returns the CPU time of the calling thread: benchmarks report
// it beside the wall time, which on a shared machine also counts the time
// the benchmark was not running.
func threadCPU() (ns int64, ok bool) {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
