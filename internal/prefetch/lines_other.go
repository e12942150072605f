//go:build !amd64 && !arm64

package prefetch

// Lines does nothing where there is no assembly version.
func Lines([]uintptr) {}

// LinesForWrite does nothing where there is no assembly version.
func LinesForWrite([]uintptr) {}
