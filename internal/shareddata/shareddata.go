// Package shareddata locates the team's shared folder (reference outputs,
// ClassBench sets) that sits beside the repository, for tests and
// benchmarks. Outside CI a missing folder skips the caller; under CI=true it
// fails it, so CI can never pass by skipping.
package shareddata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Path returns shared/<elem...> beside the repository, or skips (fails
// under CI) when it does not exist.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	repoRoot := filepath.Join(filepath.Dir(file), "..", "..")
	p := filepath.Join(append([]string{repoRoot, "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared data missing under CI: %v", err)
		}
		tb.Skipf("shared data not available: %v", err)
	}
	return p
}
