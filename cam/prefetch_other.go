//go:build !amd64 && !arm64

package cam

// prefetchLines does nothing where there is no assembly version.
func prefetchLines([]uintptr) {}
