package prefetch

import (
	"testing"
	"unsafe"
)

// TestLinesNeverFaultsNorWrites: prefetching mapped lines, for reading or
// writing, leaves them as
// they were, and unmapped or nil addresses (a stale hint) do not fault.
func TestLinesNeverFaultsNorWrites(t *testing.T) {
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	addrs := []uintptr{0, 1 << 47, ^uintptr(0) &^ 63}
	for i := 0; i < len(buf); i += 64 {
		addrs = append(addrs, uintptr(unsafe.Pointer(&buf[i])))
	}
	for _, f := range []func([]uintptr){Lines, LinesForWrite} {
		f(nil)
		f(addrs)
		f(addrs[:1])
	}
	for i := range buf {
		if buf[i] != byte(i*7) {
			t.Fatalf("byte %d changed to %d after a prefetch", i, buf[i])
		}
	}
}
