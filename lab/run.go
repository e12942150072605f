package lab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/l2sw/l2sw/cli/remote"
)

// Options are the runner's switches (`l2sw lab run` flags).
type Options struct {
	Bin     string    // the l2sw binary that runs the switches
	Out     io.Writer // the lab's narration and evidence
	In      io.Reader // Enter presses for Step
	Keep    bool      // leave the topology running at the end
	Step    bool      // wait for Enter before each step
	SkipFix bool      // run everything but the fix: the lab must then FAIL
}

// cmdTimeout bounds one host command or switch command.
const cmdTimeout = 60 * time.Second

// runner is one run of a lab.
type runner struct {
	lab  *Lab
	dir  fs.FS // the lab's folder
	o    Options
	in   *bufio.Reader
	work string // scratch directory
	tag  string // random part of every name made, so runs never collide

	switches map[string]*switchProc
	hosts    map[string]string // host name -> namespace
	links    []string          // veth names to delete
	bgs      []*exec.Cmd

	last     string // output of the last run/sh
	lastStep *Step
}

type switchProc struct {
	spec *SwitchSpec
	cmd  *exec.Cmd
	sock string
	taps map[string]string // port -> TAP name
	log  *os.File
}

// Run runs lab l, whose files are in dir, and reports whether it passed.
// The last line written to o.Out is PASS or FAIL. An error is returned for
// a run that could not be carried out (not root, a tool missing, a switch
// that would not start); the lab then failed too.
func Run(ctx context.Context, l *Lab, dir fs.FS, o Options) (pass bool, err error) {
	r := &runner{lab: l, dir: dir, o: o, in: bufio.NewReader(orEmpty(o.In)), switches: map[string]*switchProc{}, hosts: map[string]string{}}
	defer func() {
		if err != nil {
			fmt.Fprintf(o.Out, "error: %v\n", err)
		}
		if pass && err == nil {
			fmt.Fprintln(o.Out, "PASS")
		} else {
			fmt.Fprintln(o.Out, "FAIL")
		}
	}()
	if os.Geteuid() != 0 {
		return false, errors.New("labs need root (network namespaces and TAP devices)")
	}
	for _, tool := range []string{"ip", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false, fmt.Errorf("%s: %w", tool, err)
		}
	}
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	r.tag = hex.EncodeToString(b)
	if r.work, err = os.MkdirTemp("", "l2sw-lab-"+l.Name+"-"); err != nil {
		return false, err
	}
	fmt.Fprintf(o.Out, "=== lab %s: %s\n", l.Name, l.Title)
	if o.SkipFix {
		fmt.Fprintln(o.Out, "(--skip-fix: the fix is not applied, so this run must end FAIL)")
	}
	defer func() {
		if o.Keep {
			r.printKept()
			return
		}
		r.teardown()
	}()
	if err := r.extract(); err != nil {
		return false, err
	}
	if err := r.build(ctx); err != nil {
		return false, err
	}
	return r.steps(ctx)
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}

// extract copies the lab's folder into the scratch directory, where its
// commands find the lab's files as $LAB.
func (r *runner) extract() error {
	dst := filepath.Join(r.work, "lab")
	return fs.WalkDir(r.dir, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, p), 0o700)
		}
		b, err := fs.ReadFile(r.dir, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, p), b, 0o600)
	})
}

// build starts the topology: veth links first (the switches attach them),
// then the switches, then the hosts on the switches' TAPs.
func (r *runner) build(ctx context.Context) error {
	afports := map[string]map[string]string{} // switch -> port -> veth
	for i, k := range r.lab.Links {
		a, b := fmt.Sprintf("l%sv%da", r.tag, i), fmt.Sprintf("l%sv%db", r.tag, i)
		if _, err := r.ip(ctx, "link", "add", a, "type", "veth", "peer", "name", b); err != nil {
			return err
		}
		r.links = append(r.links, a)
		for _, n := range []string{a, b} {
			if _, err := r.ip(ctx, "link", "set", n, "up"); err != nil {
				return err
			}
		}
		for _, e := range [][3]string{{k.A, k.APort, a}, {k.B, k.BPort, b}} {
			if afports[e[0]] == nil {
				afports[e[0]] = map[string]string{}
			}
			afports[e[0]][e[1]] = e[2]
		}
	}
	for i, s := range r.lab.Switches {
		p, err := r.startSwitch(ctx, i, s, afports[s.Name])
		if err != nil {
			return err
		}
		r.switches[s.Name] = p
	}
	for i, h := range r.lab.Hosts {
		if err := r.addHost(ctx, i, h); err != nil {
			return err
		}
	}
	// What the TAPs sent before they became hosts (with the kernel's
	// random MACs) is not part of the lab: start from a clean table.
	for _, p := range r.switches {
		var b bytes.Buffer
		if _, err := remote.Exec(ctx, p.sock, []string{"clear mac address-table dynamic"}, &b); err != nil {
			return fmt.Errorf("switch %s: %w", p.spec.Name, err)
		}
	}
	return nil
}

func (r *runner) startSwitch(ctx context.Context, i int, s *SwitchSpec, veths map[string]string) (*switchProc, error) {
	cfg, err := fs.ReadFile(r.dir, s.Config)
	if err != nil {
		return nil, fmt.Errorf("switch %s: %w", s.Name, err)
	}
	dir := filepath.Join(r.work, s.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "startup-config"), cfg, 0o600); err != nil {
		return nil, err
	}
	p := &switchProc{spec: s, sock: filepath.Join(dir, "control.sock"), taps: map[string]string{}}
	args := []string{"run", "--config", filepath.Join(dir, "startup-config"), "--control", p.sock}
	for j, port := range s.Ports {
		if v, ok := veths[port]; ok {
			args = append(args, "--port", port+"=afpacket:"+v)
			continue
		}
		tap := fmt.Sprintf("l%ss%dp%d", r.tag, i, j)
		p.taps[port] = tap
		args = append(args, "--port", port+"=tap:"+tap)
	}
	if p.log, err = os.Create(filepath.Join(dir, "l2sw.log")); err != nil {
		return nil, err
	}
	p.cmd = exec.Command(r.o.Bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("switch %s: %w", s.Name, err)
	}
	fmt.Fprintf(r.o.Out, "--- switch %s: %s (config %s)\n", s.Name, strings.Join(s.Ports, " "), s.Config)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var out bytes.Buffer
		if _, err := remote.Exec(ctx, p.sock, []string{"terminal length 0"}, &out); err == nil {
			return p, nil
		}
		if time.Now().After(deadline) || p.cmd.ProcessState != nil {
			log, _ := os.ReadFile(p.log.Name())
			return p, fmt.Errorf("switch %s did not start:\n%s", s.Name, log)
		}
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// addHost makes namespace for h and moves its switch port's TAP into it
// as eth0.
func (r *runner) addHost(ctx context.Context, i int, h *HostSpec) error {
	sw := r.switches[h.Switch]
	tap, ok := sw.taps[h.Port]
	if !ok {
		return fmt.Errorf("host %s: %s %s is a link, not a host port", h.Name, h.Switch, h.Port)
	}
	ns := fmt.Sprintf("l2sw-lab-%s-%s", r.tag, h.Name)
	if _, err := r.ip(ctx, "netns", "add", ns); err != nil {
		return err
	}
	r.hosts[h.Name] = ns
	steps := [][]string{
		{"link", "set", tap, "netns", ns},
		{"-n", ns, "link", "set", tap, "name", "eth0"},
		{"-n", ns, "link", "set", "lo", "up"},
	}
	if !h.MAC.IsZero() {
		steps = append(steps, []string{"-n", ns, "link", "set", "eth0", "address", h.MAC.Colon()})
	}
	steps = append(steps, []string{"-n", ns, "addr", "add", h.Addr.String(), "dev", "eth0"},
		[]string{"-n", ns, "link", "set", "eth0", "up"})
	if h.Gateway.IsValid() {
		steps = append(steps, []string{"-n", ns, "route", "add", "default", "via", h.Gateway.String()})
	}
	// IPv6 off: no router solicitations or MLD reports in the evidence.
	if _, err := r.inNS(ctx, ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"); err != nil {
		return err
	}
	for i, s := range steps {
		if _, err := r.ip(ctx, s...); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
		if i == 1 {
			if _, err := r.inNS(ctx, ns, "sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1"); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(r.o.Out, "--- host %s: %s on %s %s\n", h.Name, h.Addr, h.Switch, h.Port)
	return nil
}

// steps runs the body of the script.
func (r *runner) steps(ctx context.Context) (bool, error) {
	inFix := false
	for i := range r.lab.Steps {
		st := &r.lab.Steps[i]
		if err := ctx.Err(); err != nil {
			return false, err
		}
		switch st.Op {
		case OpFix:
			inFix = true
			if r.o.SkipFix {
				fmt.Fprintln(r.o.Out, "\n### fix (skipped: --skip-fix)")
			} else {
				fmt.Fprintln(r.o.Out, "\n### fix")
			}
			continue
		case OpVerify:
			inFix = false
			fmt.Fprintln(r.o.Out, "\n### verify")
			continue
		}
		if inFix && r.o.SkipFix {
			continue
		}
		ok, err := r.do(ctx, st)
		if err != nil {
			return false, fmt.Errorf("line %d: %w", st.Line, err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// do runs one step; false means an expectation failed.
func (r *runner) do(ctx context.Context, st *Step) (bool, error) {
	out := r.o.Out
	switch st.Op {
	case OpStep:
		fmt.Fprintf(out, "\n## %s\n", st.Text)
		if r.o.Step {
			fmt.Fprint(out, "[Enter to go on] ")
			_, _ = r.in.ReadString('\n')
		}
	case OpSay:
		fmt.Fprintf(out, "%s\n", st.Text)
	case OpSleep:
		fmt.Fprintf(out, "(waiting %s)\n", st.Dur)
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(st.Dur):
		}
	case OpRun, OpShow:
		r.lastStep = st
		shown, raw, err := r.exec(ctx, st)
		if err != nil {
			return false, err
		}
		r.last = raw
		fmt.Fprint(out, shown)
	case OpBackground:
		ns := r.hosts[st.Target]
		fmt.Fprintf(out, "%s$ %s &\n", st.Target, st.Text)
		c := exec.Command("ip", "netns", "exec", ns, "sh", "-c", r.expand(st.Text))
		c.Env = r.env()
		log, err := os.Create(filepath.Join(r.work, fmt.Sprintf("bg-%d.log", st.Line)))
		if err != nil {
			return false, err
		}
		c.Stdout, c.Stderr = log, log
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := c.Start(); err != nil {
			return false, fmt.Errorf("bg %s: %w", st.Target, err)
		}
		r.bgs = append(r.bgs, c)
	case OpConf:
		p := r.switches[st.Target]
		lines := append(append([]string{"configure terminal"}, st.Lines...), "end")
		var b bytes.Buffer
		rejected, err := remote.Exec(ctx, p.sock, lines, &b)
		for _, l := range st.Lines {
			fmt.Fprintf(out, "%s(config)# %s\n", st.Target, l)
		}
		if err != nil {
			return false, fmt.Errorf("conf %s: %w", st.Target, err)
		}
		// The CLI's answer can be checked like an output; a rejected
		// line is the lab's mistake unless an expectation checks it.
		r.last, r.lastStep = b.String(), nil
		if rejected {
			fmt.Fprint(out, indent(b.String()))
			if !r.checked(st) {
				return false, fmt.Errorf("conf %s: a line was rejected:\n%s", st.Target, b.String())
			}
		}
	case OpExpect, OpExpectNot:
		return r.expect(ctx, st)
	}
	return true, nil
}

// checked reports whether an expectation follows st directly.
func (r *runner) checked(st *Step) bool {
	for i := range r.lab.Steps {
		if &r.lab.Steps[i] == st && i+1 < len(r.lab.Steps) {
			op := r.lab.Steps[i+1].Op
			return op == OpExpect || op == OpExpectNot
		}
	}
	return false
}

// exec runs a run or sh step and returns its output as shown (headed by
// the prompt and command, as a user would see them) and as it came, which
// the expectations check.
func (r *runner) exec(ctx context.Context, st *Step) (shown, raw string, err error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	if st.Op == OpShow {
		p := r.switches[st.Target]
		var o bytes.Buffer
		if _, err := remote.Exec(ctx, p.sock, []string{"terminal length 0", st.Text}, &o); err != nil {
			return "", "", fmt.Errorf("sh %s: %w", st.Target, err)
		}
		raw = o.String()
		return fmt.Sprintf("%s# %s\n", st.Target, st.Text) + indent(raw), raw, nil
	}
	raw, _ = r.inNS(ctx, r.hosts[st.Target], st.Text) // a failing command is evidence too
	return fmt.Sprintf("%s$ %s\n", st.Target, st.Text) + indent(raw), raw, nil
}

// expect checks the last output, re-running its command while within
// allows.
func (r *runner) expect(ctx context.Context, st *Step) (bool, error) {
	want := st.Op == OpExpect
	deadline := time.Now().Add(st.Within)
	for {
		if st.Re.MatchString(r.last) == want {
			fmt.Fprintf(r.o.Out, "ok: %s\n", describe(st))
			return true, nil
		}
		if time.Now().After(deadline) || r.lastStep == nil {
			fmt.Fprintf(r.o.Out, "FAILED: %s (line %d)\n", describe(st), st.Line)
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Second):
		}
		shown, raw, err := r.exec(ctx, r.lastStep)
		if err != nil {
			return false, err
		}
		r.last = raw
		fmt.Fprint(r.o.Out, shown)
	}
}

func describe(st *Step) string {
	re := strings.TrimPrefix(st.Re.String(), "(?m)")
	if st.Op == OpExpectNot {
		return "output does not match /" + re + "/"
	}
	return "output matches /" + re + "/"
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	s = strings.TrimRight(s, "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n"
}

func (r *runner) expand(cmd string) string {
	return strings.NewReplacer("$WORK", r.work, "$LAB", filepath.Join(r.work, "lab")).Replace(cmd)
}

func (r *runner) env() []string {
	return append(os.Environ(), "WORK="+r.work, "LAB="+filepath.Join(r.work, "lab"))
}

func (r *runner) ip(ctx context.Context, args ...string) (string, error) {
	c := exec.CommandContext(ctx, "ip", args...)
	out, err := c.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

func (r *runner) inNS(ctx context.Context, ns, cmd string) (string, error) {
	c := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "sh", "-c", r.expand(cmd))
	c.Env = r.env()
	out, err := c.CombinedOutput()
	return string(out), err
}

// teardown stops what the run started: background commands, the switches
// (before their TAPs' namespaces go, so that is not a link flap), the
// namespaces and the links.
func (r *runner) teardown() {
	for _, c := range r.bgs {
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGTERM)
	}
	for _, c := range r.bgs {
		_ = c.Wait()
	}
	for _, p := range r.switches {
		if p.cmd.Process != nil {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = p.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		if p.log != nil {
			p.log.Close()
		}
	}
	ctx := context.Background()
	for _, ns := range r.hosts {
		_, _ = r.ip(ctx, "netns", "del", ns)
	}
	for _, l := range r.links {
		_, _ = r.ip(ctx, "link", "del", l)
	}
	_ = os.RemoveAll(r.work)
}

// printKept says how to reach what --keep left running.
func (r *runner) printKept() {
	fmt.Fprintf(r.o.Out, "kept running (scratch directory %s):\n", r.work)
	for name, p := range r.switches {
		fmt.Fprintf(r.o.Out, "  switch %s: l2sw console --control %s   (pid %d)\n", name, p.sock, p.cmd.Process.Pid)
	}
	for name, ns := range r.hosts {
		fmt.Fprintf(r.o.Out, "  host %s: ip netns exec %s bash\n", name, ns)
	}
}
