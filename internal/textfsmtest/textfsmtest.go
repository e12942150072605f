// Package textfsmtest parses show output in tests with the ntc-templates
// TextFSM templates kept in shared/reference/ios beside the repository:
// those templates, unchanged, are what automation tools parse our show
// commands with. Outside CI a missing reference skips the test; under
// CI=true it fails, so CI can never pass by skipping.
package textfsmtest

import (
	"encoding/json"
	"os"
	"os/exec"
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

// python is Debian's interpreter: only it imports Debian's python3-textfsm.
const python = "/usr/bin/python3"

const pythonScript = `import json, sys, textfsm
with open(sys.argv[1]) as t:
    fsm = textfsm.TextFSM(t)
with open(sys.argv[2]) as f:
    rows = fsm.ParseText(f.read())
print(json.dumps([dict(zip(fsm.header, r)) for r in rows]))
`

// ParsePython parses text with the template of folder using Debian's
// python3-textfsm, the parser netmiko and Ansible run. Some ntc templates
// (the access-list ones) use look-behind regexes that gotextfsm (RE2)
// rejects; they are checked this way. A missing python3-textfsm skips the
// test outside CI and fails it under CI=true.
func ParsePython(t testing.TB, folder, text string) []map[string]any {
	t.Helper()
	dir := Dir(t)
	if err := exec.Command(python, "-c", "import textfsm").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-textfsm missing under CI: %v", err)
		}
		t.Skipf("python3-textfsm not available: %v", err)
	}
	in := filepath.Join(t.TempDir(), folder+".raw")
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", pythonScript, filepath.Join(dir, folder, "template.textfsm"), in).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: python textfsm: %v\n%s\ninput:\n%s", folder, err, out, text)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("%s: %v: %s", folder, err, out)
	}
	return rows
}
