// Package bench holds the forwarding benchmarks of l2sw: whole-pipeline
// runs through mem ports that report ns/frame, frames/s and allocs/op, so
// the forwarding core can be compared with any software switch. The
// side-by-side harness against the Linux bridge lives beside it.
package bench
