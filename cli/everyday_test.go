package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/term"
)

// dirLine is one file row of `dir` as the Catalyst 2960 prints it, made
// from the file's own metadata.
func dirLine(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	perm := "-rw-"
	if fi.IsDir() {
		perm = "drwx"
	}
	at := fi.ModTime().UTC()
	return fmt.Sprintf("%5d  %s %11d  %11s %s  %s\n", fi.Sys().(*syscall.Stat_t).Ino, perm, fi.Size(),
		at.Format("Jan 2 2006"), at.Format("15:04:05 -07:00"), fi.Name())
}

// TestDirListsFlash: `dir`, `dir flash:` and `show flash:` list the files
// beside the startup-config with their sizes and dates and the file
// system's real size and free space, in the layout ntc-templates'
// cisco_ios_dir parses; a missing file and another file system are refused
// as IOS refuses them.
func TestDirListsFlash(t *testing.T) {
	r := newRig(t)
	root := filepath.Dir(r.path)
	if got := r.out("dir"); !sameDir(t, root, got, "Directory of flash:/\n\nNo files in directory\n\n"+totalLine(t, root)) {
		t.Errorf("dir of an empty flash:\n%s", got)
	}
	r.out("write memory")
	if err := os.Mkdir(filepath.Join(root, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "images", "l2sw.bin"), make([]byte, 12345), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "Directory of flash:/\n\n" + dirLine(t, filepath.Join(root, "images")) + dirLine(t, r.path) +
		"\n" + totalLine(t, root)
	for _, cmd := range []string{"dir", "dir flash:", "dir flash:/", "show flash:"} {
		if got := r.out(cmd); !sameDir(t, root, got, want) {
			t.Errorf("%s:\n%q\nwant\n%q", cmd, got, want)
		}
	}
	if got, want := r.out("dir flash:images"), "Directory of flash:/images/\n\n"+dirLine(t, filepath.Join(root, "images", "l2sw.bin"))+
		"\n"+totalLine(t, root); !sameDir(t, root, got, want) {
		t.Errorf("dir flash:images:\n%q\nwant\n%q", got, want)
	}
	if !strings.Contains(r.out("dir flash:startup-config"), "  startup-config\n") {
		t.Error("dir flash:startup-config does not list the file")
	}
	for cmd, msg := range map[string]string{
		"dir flash:nothing": "%Error opening flash:/nothing (No such file or directory)\n",
		"dir nvram:":        "%Error opening nvram: (No such device)\n",
	} {
		res := term.RunBatch(r.dev.Engine(), []string{cmd}, term.BatchOptions{})
		if !res.Rejected || res.Output != msg {
			t.Errorf("%s: rejected=%v %q, want %q", cmd, res.Rejected, res.Output, msg)
		}
	}
}

// totalLine is the placeholder of the last line of `dir`, which sameDir
// checks against the file system.
func totalLine(*testing.T, string) string { return "TOTAL\n" }

var totalRE = regexp.MustCompile(`\n(\d+) bytes total \((\d+) bytes free\)\n$`)

// sameDir compares a `dir` listing with want, whose TOTAL line stands for
// the file system's size (exact) and free space (within 64 MB: other
// processes write to the same disk meanwhile).
func sameDir(t *testing.T, dir, got, want string) bool {
	t.Helper()
	m := totalRE.FindStringSubmatchIndex(got)
	if m == nil || got[:m[0]+1]+"TOTAL\n" != want {
		return false
	}
	var sf syscall.Statfs_t
	if err := syscall.Statfs(dir, &sf); err != nil {
		t.Fatal(err)
	}
	total, _ := strconv.ParseUint(got[m[2]:m[3]], 10, 64)
	free, _ := strconv.ParseUint(got[m[4]:m[5]], 10, 64)
	now := sf.Bavail * uint64(sf.Bsize)
	return total == sf.Blocks*uint64(sf.Bsize) && free+64<<20 > now && now+64<<20 > free
}

// TestShowMemoryStatistics: the two IOS pools in the IOS columns, with the
// Go runtime's real numbers: used plus free is the total, the lowest free
// is never above the free, and an allocation shows up as used heap.
func TestShowMemoryStatistics(t *testing.T) {
	r := newRig(t)
	row := regexp.MustCompile(`^(Processor|      I/O) +([0-9A-F]+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$`)
	parse := func() map[string][6]uint64 {
		out := r.out("show memory statistics")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 || lines[0] != "                Head    Total(b)     Used(b)     Free(b)   Lowest(b)  Largest(b)" {
			t.Fatalf("show memory statistics:\n%s", out)
		}
		got := map[string][6]uint64{}
		for _, l := range lines[1:] {
			m := row.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("row %q is not in the IOS layout", l)
			}
			var v [6]uint64
			v[0], _ = strconv.ParseUint(m[2], 16, 64)
			for i := 1; i < 6; i++ {
				v[i], _ = strconv.ParseUint(m[i+2], 10, 64)
			}
			got[strings.TrimSpace(m[1])] = v
		}
		return got
	}
	before := parse()
	for name, v := range before {
		head, total, used, free, lowest, largest := v[0], v[1], v[2], v[3], v[4], v[5]
		if head == 0 || total == 0 || used+free != total || lowest > free || largest > free {
			t.Errorf("%s: head %x total %d used %d free %d lowest %d largest %d", name, head, total, used, free, lowest, largest)
		}
	}
	ballast := make([]byte, 64<<20)
	ballast[len(ballast)-1] = 1
	// A collection may free other garbage meanwhile, but the live 64 MB
	// are in use whatever else happened.
	after := parse()
	if after["Processor"][2] < 64<<20 {
		t.Errorf("Processor used %d with 64 MB live, was %d", after["Processor"][2], before["Processor"][2])
	}
	runtime.KeepAlive(ballast)
}

// TestShowProcessesCPU: the IOS header with real percentages and one row
// per thread of the process with its CPU time, as ntc-templates'
// cisco_ios_show_processes_cpu reads them. A thread kept busy for a second
// shows up in the five-second figure.
func TestShowProcessesCPU(t *testing.T) {
	r := newRig(t)
	stop := time.Now().Add(1500 * time.Millisecond)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for x := 0; time.Now().Before(stop); x++ {
			_ = x * x
		}
	}()
	<-done
	out := r.out("show processes cpu")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	head := regexp.MustCompile(`^CPU utilization for five seconds: (\d+)%/(\d+)%; one minute: (\d+)%; five minutes: (\d+)%$`)
	m := head.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("header %q", lines[0])
	}
	if five, _ := strconv.Atoi(m[1]); five < 1 {
		t.Errorf("five seconds %s%% after a busy 1.5 s", m[1])
	}
	if lines[1] != " PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process" {
		t.Errorf("column header %q", lines[1])
	}
	rowRE := regexp.MustCompile(`^ *(\d+) +(\d+) +(\d+) +(\d+) +(\d+\.\d\d)% +(\d+\.\d\d)% +(\d+\.\d\d)% +0 (\S.*)$`)
	var busyMS uint64
	pids := map[string]bool{}
	for _, l := range lines[2:] {
		m := rowRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("row %q is not in the IOS layout", l)
		}
		pids[m[1]] = true
		ms, _ := strconv.ParseUint(m[2], 10, 64)
		busyMS += ms
	}
	if _, err := os.Stat("/proc/self/task/" + strconv.Itoa(os.Getpid())); err == nil && !pids[strconv.Itoa(os.Getpid())] {
		t.Errorf("no row for the main thread %d:\n%s", os.Getpid(), out)
	}
	if busyMS < 100 { // a loaded machine gives the loop a part of the time only
		t.Errorf("threads' runtimes sum to %d ms after a busy 1.5 s:\n%s", busyMS, out)
	}
	sorted := strings.Split(r.out("show processes cpu sorted"), "\n")
	if sorted[1] != lines[1] || len(sorted) != len(lines)+1 {
		t.Errorf("show processes cpu sorted:\n%s", strings.Join(sorted, "\n"))
	}
}

// TestParseStat: comm with spaces and parentheses, short and broken lines.
func TestParseStat(t *testing.T) {
	f, err := parseStat("42 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 111 222 0 0\n")
	if err != nil || f.comm != "a (b) c" || f.user != 111 || f.sys != 222 {
		t.Errorf("parseStat = %+v, %v", f, err)
	}
	for _, bad := range []string{"", "42 no parens", "42 (x) S 1 2", "42 (x) S 1 2 3 4 5 6 7 8 9 10 u s"} {
		if _, err := parseStat(bad); err == nil {
			t.Errorf("parseStat(%q) accepted", bad)
		}
	}
}

// FuzzParseStat: no /proc line makes the parser panic.
func FuzzParseStat(f *testing.F) {
	f.Add("1 (l2sw) S 0 1 1 0 -1 4194560 100 0 0 0 12 34 0 0 20 0 8 0 5 0 0\n")
	f.Add("1 ()) R")
	f.Fuzz(func(t *testing.T, s string) { _, _ = parseStat(s) })
}

// TestShowSNMPWithoutAgent: every show snmp answers as IOS does before an
// snmp-server line starts the agent, and is not an error.
func TestShowSNMPWithoutAgent(t *testing.T) {
	r := newRig(t)
	for _, cmd := range []string{"show snmp", "show snmp user", "sh snmp community", "show snmp group"} {
		if got := r.out(cmd); got != "%SNMP agent not enabled\n" {
			t.Errorf("%s = %q", cmd, got)
		}
	}
}

// TestShowTerminal: the session's own length and width, the line's
// exec-timeout, in the IOS layout.
func TestShowTerminal(t *testing.T) {
	r := newRig(t)
	got := r.out("show terminal")
	want := `Line 0, Location: "", Type: ""
Length: 0 lines, Width: 80 columns
Baud rate (TX/RX) is 9600/9600, no parity, 2 stopbits, 8 databits
Status: PSI Enabled, Ready, Active, Automore On
Capabilities: none
Modem state: Ready
Group codes:    0
Special Chars: Escape  Hold  Stop  Start  Disconnect  Activation
                ^^x    none   -     -       none         
Timeouts:      Idle EXEC    Idle Session   Modem Answer  Session   Dispatch
               00:10:00        never                        none     not set
                            Idle Session Disconnect Warning
                              never 
                            Login-sequence User Response
                             00:00:30
                            Autoselect Initial Wait
                              not set 
Modem type is unknown.
Session limit is not set.
Editing is enabled.
History is enabled, history size is 20.
DNS resolution in show commands is enabled
Full user help is disabled
Allowed input transports are none.
Allowed output transports are telnet ssh.
Preferred transport is telnet.
No output characters are padded
No special data dispatching characters
`
	if got != want {
		t.Errorf("show terminal:\n%s\nwant\n%s", got, want)
	}
	got = r.out("configure terminal", "line con 0", "exec-timeout 5 30", "end", "terminal length 24", "terminal width 132", "show terminal")
	for _, line := range []string{"Length: 24 lines, Width: 132 columns\n", "               00:05:30        never   "} {
		if !strings.Contains(got, line) {
			t.Errorf("show terminal lacks %q:\n%s", line, got)
		}
	}
}

// TestShowRunningConfigAll: the defaults IOS hides, the service block
// after the version line (Ansible's service facts read it through
// `| section ^service`), and everything the plain running-config has.
func TestShowRunningConfigAll(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "hostname LAB", "end")
	got := r.out("show running-config all | section ^service")
	want := "service slave-log\nservice timestamps debug datetime msec\nservice timestamps log datetime msec\nservice prompt config\nservice dhcp\n"
	if got != want {
		t.Errorf("show running-config all | section ^service:\n%q\nwant\n%q", got, want)
	}
	all := r.out("show running-config all")
	if !strings.Contains(all, "!\nversion "+iosVersion+"\nno service log backtrace\nno service config\n") ||
		!strings.Contains(all, "\nno service pad\n") || !strings.Contains(all, "\nno service password-encryption\n") {
		t.Errorf("show running-config all has no IOS service block after version:\n%s", all)
	}
	body := r.dev.RunningConfig()
	for _, l := range strings.Split(body, "\n") {
		if !strings.Contains(all, l+"\n") {
			t.Errorf("show running-config all lacks %q", l)
		}
	}
	if n := len(runningConfigAll(body)); !strings.Contains(all, fmt.Sprintf("Current configuration : %d bytes\n", n)) {
		t.Errorf("byte count is not the length of the config (%d):\n%s", n, all[:80])
	}
}

// TestRunningConfigAllKeepsConfiguredServices: a service line of the
// running-config replaces the default of the same setting in place.
func TestRunningConfigAllKeepsConfiguredServices(t *testing.T) {
	got := runningConfigAll("!\nversion 15.0\nservice timestamps log uptime\nservice password-encryption\nservice internal\n!\nhostname S\n!\nend\n")
	if !strings.Contains(got, "\nservice timestamps debug datetime msec\nservice timestamps log uptime\nservice password-encryption\nno service linenumber\n") {
		t.Errorf("configured services not in place:\n%s", got)
	}
	if strings.Count(got, "timestamps log") != 1 || !strings.Contains(got, "no service call-home\nservice internal\n!\nhostname S\n") {
		t.Errorf("services doubled or lost:\n%s", got)
	}
}

// TestShowTechSupport: each main show under its IOS banner with exactly
// what the show prints alone; shows this build lacks are left out.
func TestShowTechSupport(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "vlan 10", "end")
	got := r.out("show tech-support")
	for _, cmd := range []string{"show version", "show running-config", "show vlan", "show mac address-table", "show interfaces status", "show ip arp"} {
		section := "\n------------------ " + cmd + " ------------------\n\n" + r.out(cmd) + "\n"
		if !strings.Contains(got, section) {
			t.Errorf("show tech-support lacks the %s section:\n%s", cmd, section)
		}
	}
	if !strings.HasPrefix(got, "\n------------------ show version ------------------\n\n") {
		t.Errorf("show tech-support does not start with show version:\n%.200s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "% Invalid") || strings.HasPrefix(l, "% Incomplete") {
			t.Errorf("show tech-support carries an error: %q", l)
		}
	}
}

// TestHelpInBatch: "?" through a batch (l2sw exec, an SSH exec request)
// prints the console's help, and a "?" after a wrong word is refused with
// the caret under it.
func TestHelpInBatch(t *testing.T) {
	r := newRig(t)
	res := term.RunBatch(r.dev.Engine(), []string{"show mac ?"}, term.BatchOptions{})
	if res.Rejected || res.Output != "  address-table  MAC forwarding table\n\n" {
		t.Errorf("show mac ?: rejected=%v\n%q", res.Rejected, res.Output)
	}
	res = term.RunBatch(r.dev.Engine(), []string{"show ?"}, term.BatchOptions{})
	if res.Rejected || !strings.Contains(res.Output, "  tech-support    Show system information for Tech-Support\n") {
		t.Errorf("show ?: rejected=%v\n%s", res.Rejected, res.Output)
	}
	res = term.RunBatch(r.dev.Engine(), []string{"show zork ?"}, term.BatchOptions{})
	if !res.Rejected || res.Output != "show zork ?\n     ^\n% Invalid input detected at '^' marker.\n\n" {
		t.Errorf("show zork ?: rejected=%v\n%q", res.Rejected, res.Output)
	}
	res = term.RunBatch(r.dev.Engine(), []string{"show mac ?"}, term.BatchOptions{Echo: true})
	if res.Output != "Switch#show mac ?\n  address-table  MAC forwarding table\n\n" {
		t.Errorf("show mac ? with echo:\n%q", res.Output)
	}
}

// TestHelpOverSSH: "?" in an SSH shell lists the next words as a console
// does and keeps the line for editing; in an SSH exec request it prints
// the same help, exit status 0, or the caret and exit status 1.
func TestHelpOverSSH(t *testing.T) {
	r := newSSHRig(t)
	r.out("configure terminal", "username admin privilege 15 secret adminpw", "end")
	s := r.shell(t, "admin", "adminpw")
	s.until("Switch#")
	if _, err := io.WriteString(s.in, "show mac ?"); err != nil {
		t.Fatal(err)
	}
	if got := s.until("Switch#show mac "); !strings.Contains(got, "show mac ?\r\n  address-table  MAC forwarding table\r\n\r\n") {
		t.Errorf("? in an SSH shell: %q", got)
	}
	if got := s.send("address-table count", "Switch#"); !strings.Contains(got, "Mac Entries for Vlan") {
		t.Errorf("the line kept after ? did not run: %q", got)
	}
	for line, want := range map[string]string{
		"show mac ?":  "  address-table  MAC forwarding table\n\n",
		"show zork ?": "show zork ?\n     ^\n% Invalid input detected at '^' marker.\n\n",
	} {
		c, err := r.dial(t, "admin", "adminpw")
		if err != nil {
			t.Fatal(err)
		}
		sess, _ := c.NewSession()
		out, err := sess.CombinedOutput(line)
		c.Close()
		if string(out) != want || (err != nil) != strings.Contains(line, "zork") {
			t.Errorf("exec request %q: err=%v %q, want %q", line, err, out, want)
		}
	}
}

// TestShowProcessesCPUHistory: the three IOS graphs, newest column at the
// left: the per-second graph with each second's digits above its column,
// the per-minute one with '*' for the maximum and '#' for the average.
func TestShowProcessesCPUHistory(t *testing.T) {
	r := newRig(t)
	m := r.dev.procs
	m.mu.Lock()
	m.hist = cpuHistory{}
	at := time.Unix(1000, 0)
	for i, pct := range []float64{100, 47, 3, 0} { // oldest first
		m.hist.add(at.Add(time.Duration(i)*time.Second), pct)
	}
	m.hist.minutes = []cpuPoint{{max: 35, avg: 12}}
	m.mu.Unlock()
	got := r.out("show processes cpu history")
	want := `
       1
      40
     370
100    *
 90    *
 80    *
 70    *
 60    *
 50    *
 40   **
 30   **
 20   **
 10   **
   0....5....1....1....2....2....3....3....4....4....5....5....6
             0    5    0    5    0    5    0    5    0    5    0
               CPU% per second (last 60 seconds)


    3
    5
100
 90
 80
 70
 60
 50
 40
 30 *
 20 *
 10 #
   0....5....1....1....2....2....3....3....4....4....5....5....6
             0    5    0    5    0    5    0    5    0    5    0
               CPU% per minute (last 60 minutes)
              * = maximum CPU%   # = average CPU%




100
 90
 80
 70
 60
 50
 40
 30
 20
 10
   0....5....1....1....2....2....3....3....4....4....5....5....6....6....7..
             0    5    0    5    0    5    0    5    0    5    0    5    0
                   CPU% per hour (last 72 hours)
                  * = maximum CPU%   # = average CPU%
`
	if got != want {
		t.Errorf("show processes cpu history:\n%s\nwant\n%s", got, want)
	}
}

// TestCPUHistoryFolds: a minute of seconds becomes one per-minute point
// with its maximum and average, an hour of minutes one per-hour point.
func TestCPUHistoryFolds(t *testing.T) {
	var h cpuHistory
	at := time.Unix(5000, 0)
	for i := 0; i <= 3600; i++ {
		pct := 10.0
		if i%60 == 30 {
			pct = 70
		}
		h.add(at.Add(time.Duration(i)*time.Second), pct)
	}
	if len(h.seconds) != 60 || len(h.minutes) != 60 || len(h.hours) != 1 {
		t.Fatalf("%d seconds, %d minutes, %d hours", len(h.seconds), len(h.minutes), len(h.hours))
	}
	if p := h.minutes[0]; p.max != 70 || p.avg != 11 {
		t.Errorf("minute point %+v, want max 70 avg 11", p)
	}
	if p := h.hours[0]; p.max != 70 || p.avg != 11 {
		t.Errorf("hour point %+v, want max 70 avg 11", p)
	}
}

// FuzzRunningConfigAll: any config text gives the defaults once each and
// keeps every non-service line.
func FuzzRunningConfigAll(f *testing.F) {
	f.Add("!\nversion 15.0\nservice timestamps log uptime\nhostname S\n!\nend\n")
	f.Add("no service pad\n service x\nservice\n")
	f.Fuzz(func(t *testing.T, cfg string) {
		got := runningConfigAll(cfg)
		for _, def := range defaultServices {
			k := serviceKey(def)
			n := 0
			for _, l := range strings.Split(got, "\n") {
				if !strings.HasPrefix(l, " ") && serviceKey(l) == k {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d lines for service %s in\n%s", n, k, got)
			}
		}
	})
}
