// Package textfsmtest parses show output in tests with the ntc-templates
// TextFSM templates kept in shared/reference/ios beside the repository:
// those templates, unchanged, are what automation tools parse our show
// commands with. Outside CI a missing reference skips the test; under
// CI=true it fails, so CI can never pass by skipping.
package textfsmtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sirikothe/gotextfsm"
)

// Dir returns the reference folder: $L2SW_IOS_REFERENCE, else
// ../shared/reference/ios from the repository root.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("L2SW_IOS_REFERENCE")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0) // internal/textfsmtest/textfsmtest.go
		repo := filepath.Join(filepath.Dir(file), "..", "..")
		dir = filepath.Join(repo, "..", "shared", "reference", "ios")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("IOS reference templates missing at %s: %v", dir, err)
		}
		t.Skipf("IOS reference templates not found at %s (set L2SW_IOS_REFERENCE): %v", dir, err)
	}
	return dir
}

// Parse parses text with the template of folder (e.g. "show_ip_arp") and
// fails the test when the template rejects a line.
func Parse(t testing.TB, folder, text string) []map[string]any {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join(Dir(t), folder, "template.textfsm"))
	if err != nil {
		t.Fatal(err)
	}
	fsm := gotextfsm.TextFSM{}
	if err := fsm.ParseString(string(tmpl)); err != nil {
		t.Fatalf("%s template: %v", folder, err)
	}
	out := gotextfsm.ParserOutput{}
	if err := out.ParseTextString(text, fsm, true); err != nil {
		t.Fatalf("%s: the template rejects our output: %v\n%s", folder, err, text)
	}
	return out.Dict
}
