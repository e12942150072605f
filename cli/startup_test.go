package cli

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadConfigLine(t *testing.T) {
	long := strings.Repeat("x", 100)
	in := "a\r\nbb\n\n" + long + "\n" + strings.Repeat("y", 10) + "\nlast"
	br := bufio.NewReaderSize(strings.NewReader(in), 16) // lines span buffer refills
	type res struct {
		line string
		full int
		long bool
	}
	want := []res{{"a\r", 2, false}, {"bb", 2, false}, {"", 0, false}, {long[:20], 100, true}, {strings.Repeat("y", 10), 10, false}, {"last", 4, false}}
	for i, w := range want {
		line, full, err := readConfigLine(br, 20)
		if (err != nil) != w.long || line != w.line || full != w.full {
			t.Errorf("line %d: got %q %d %v, want %q %d long=%v", i+1, line, full, err, w.line, w.full, w.long)
		}
	}
	if _, _, err := readConfigLine(br, 20); err != io.EOF {
		t.Errorf("after the last line: %v, want EOF", err)
	}
}

// A 2 MiB line in the middle of a startup-config is refused alone: every
// line before and after it is applied, and show logging names it.
func TestStartupConfigHugeLine(t *testing.T) {
	r := newRig(t)
	huge := "description " + strings.Repeat("A", 2<<20)
	text := strings.Join([]string{
		"hostname Edge",
		"vlan 10",
		" name Users",
		"interface GigabitEthernet0/2",
		huge,
		" switchport access vlan 10",
		"interface GigabitEthernet0/3",
		" frobnicate",
		"mac address-table aging-time 600",
		"end",
	}, "\n") + "\n"
	errs := r.dev.LoadConfig(strings.NewReader(text))
	if len(errs) != 2 {
		t.Fatalf("want 2 errors (the huge line, the bad one), got %d: %v", len(errs), errs)
	}
	if msg := errs[0].Error(); !strings.HasPrefix(msg, "startup-config line 5: % Line too long (2097164 bytes, at most 65536) [description AAAA") || len(msg) > 200 {
		t.Errorf("huge line error: %.300s", msg)
	}
	if s, _ := r.sw.PortSettings("GigabitEthernet0/2"); s.AccessVLAN != 10 {
		t.Errorf("the line after the huge one was not applied: %+v", s)
	}
	if r.dev.Hostname() != "Edge" || r.sw.MACAgingTime() != 600 {
		t.Error("lines around the bad ones were not applied")
	}
	logs := r.out("show logging")
	for _, want := range []string{
		"%PARSER-4-BADCFG: startup-config line 5 rejected: % Line too long (2097164 bytes, at most 65536) [description AAAA",
		"%PARSER-4-BADCFG: startup-config line 8 rejected: % Invalid input detected at '^' marker. [frobnicate]",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("show logging lacks %q:\n%.2000s", want, logs)
		}
	}
	if len(logs) > 10000 {
		t.Errorf("show logging holds the huge line (%d bytes)", len(logs))
	}
}

// A line of exactly MaxStartupLine bytes still reaches the parser.
func TestStartupConfigLongestLine(t *testing.T) {
	r := newRig(t)
	line := "hostname " + strings.Repeat("a", MaxStartupLine-len("hostname "))
	errs := r.dev.LoadConfig(strings.NewReader("vlan 20\n" + line + "\nvlan 30\n"))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "line 2: % Hostname too long") {
		t.Errorf("errors %v", errs)
	}
	if !strings.Contains(r.dev.RunningConfig(), "vlan 30\n") {
		t.Error("the line after the longest one was not applied")
	}
}

func TestSaveKeepsBackup(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "hostname First", "end")
	if out := r.out("write memory"); !strings.Contains(out, "[OK]") {
		t.Fatalf("write memory: %q", out)
	}
	if _, err := os.Stat(r.path + BackupSuffix); !os.IsNotExist(err) {
		t.Errorf("a first save made a backup: %v", err)
	}
	first, _ := os.ReadFile(r.path)
	r.out("configure terminal", "hostname Second", "end", "write memory")
	bak, err := os.ReadFile(r.path + BackupSuffix)
	if err != nil || string(bak) != string(first) {
		t.Fatalf("backup is %q (%v), want the previous startup-config %q", bak, err, first)
	}
	if fi, _ := os.Stat(r.path + BackupSuffix); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", fi.Mode())
	}
	if now, _ := os.ReadFile(r.path); !strings.Contains(string(now), "hostname Second\n") {
		t.Errorf("startup-config %q", now)
	}
	assertNoTemps(t, r.path)
}

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "startup-config")
	for _, n := range []string{".startup-config.tmp123", ".startup-config.tmpbak9", "startup-config", "startup-config.bak", ".other.tmp1"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStaleTemps(path)
	if err != nil || len(removed) != 2 {
		t.Errorf("removed %v, %v", removed, err)
	}
	assertNoTemps(t, path)
	for _, n := range []string{"startup-config", "startup-config.bak", ".other.tmp1"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := RemoveStaleTemps(filepath.Join(dir, "missing", "startup-config")); err != nil {
		t.Errorf("missing directory: %v", err)
	}
}

func assertNoTemps(t *testing.T, path string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix(path)) {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// killHelperEnv makes the test binary a process that saves forever; see
// TestSaveKillHelper.
const killHelperEnv = "L2SW_TEST_SAVE_FOREVER"

// killVLANs is how many VLAN stanzas the saving helper's config has, so that
// a complete file is recognisable and a write takes long enough to be hit.
const killVLANs = 200

// TestSaveKillHelper is not a test: run with killHelperEnv set to a config
// path, it removes stale temporaries (as the daemon does at start), then
// runs `write memory` in a loop, changing the hostname each time, until it
// is killed.
func TestSaveKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("helper process for TestSaveKilledLeavesCompleteConfig")
	}
	if _, err := RemoveStaleTemps(path); err != nil {
		t.Fatal(err)
	}
	r := newRig(t)
	r.dev.opts.ConfigPath = path
	lines := []string{"configure terminal"}
	for v := 2; v < 2+killVLANs; v++ {
		lines = append(lines, fmt.Sprintf("vlan %d", v), fmt.Sprintf("name vlan-%d-of-the-kill-test", v))
	}
	r.out(append(lines, "end")...)
	fmt.Println("ready")
	for i := 0; ; i++ {
		if out := r.out("configure terminal", fmt.Sprintf("hostname H%d", i), "end", "write memory"); !strings.Contains(out, "[OK]") {
			t.Fatalf("write memory: %q", out)
		}
	}
}

// TestSaveKilledLeavesCompleteConfig kills a process in the middle of
// `write memory` 200 times. After each kill the next start (RemoveStaleTemps,
// as `l2sw run` calls it) leaves no temporary file, and the startup-config and
// its backup are always whole configurations.
func TestSaveKilledLeavesCompleteConfig(t *testing.T) {
	kills := 200
	if testing.Short() {
		kills = 20
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "startup-config")
	sawTemps, sawBackup := 0, 0
	for i := 0; i < kills; i++ {
		cmd := exec.Command(self, "-test.run=^TestSaveKillHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan error, 1)
		go func() {
			line, err := bufio.NewReader(out).ReadString('\n')
			if err == nil && line != "ready\n" {
				err = fmt.Errorf("helper said %q", line)
			}
			ready <- err
			io.Copy(io.Discard, out)
		}()
		select {
		case err := <-ready:
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("kill %d: helper: %v", i, err)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("kill %d: the helper did not start", i)
		}
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		cmd.Process.Kill()
		cmd.Wait()

		entries, _ := os.ReadDir(filepath.Dir(path))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), tempPrefix(path)) {
				sawTemps++
				break
			}
		}
		if _, err := RemoveStaleTemps(path); err != nil {
			t.Fatal(err)
		}
		assertNoTemps(t, path)
		for _, p := range []string{path, path + BackupSuffix} {
			b, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				continue // killed before the first save completed
			}
			if p != path {
				sawBackup++
			}
			// Loading is slow; the shape checks catch truncation, a
			// load every few kills proves the files parse.
			checkCompleteConfig(t, i, p, string(b), i%25 == 0)
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d kills: %d left temporary files behind (all removed at the next start); the backup existed %d times", kills, sawTemps, sawBackup)
}

// checkCompleteConfig fails unless text is a whole saved configuration:
// header, every VLAN stanza of the helper, and the final "end".
func checkCompleteConfig(t *testing.T, kill int, path, text string, load bool) {
	t.Helper()
	if !strings.HasPrefix(text, "!\nversion ") || !strings.HasSuffix(text, "\nend\n") {
		t.Errorf("kill %d: %s is not a whole config (%d bytes): ...%q", kill, path, len(text), text[max(0, len(text)-60):])
		return
	}
	if n := strings.Count(text, "-of-the-kill-test\n"); n != killVLANs {
		t.Errorf("kill %d: %s has %d of %d VLAN stanzas", kill, path, n, killVLANs)
	}
	if !load {
		return
	}
	r := newRig(t)
	if errs := r.dev.LoadConfig(strings.NewReader(text)); len(errs) > 0 {
		t.Errorf("kill %d: %s does not load: %v", kill, path, errs)
	}
}
