// Package prefetch asks the CPU to start loading cache lines without waiting
// for them. The forwarding workers use it on tables far larger than the
// caches (a million-entry CAM or FIB): they name the lines the frames a
// little ahead will touch, so those misses overlap instead of stalling one
// frame after another. A prefetch changes nothing and never faults, so a
// wrong or stale address costs only the wasted load.
package prefetch
