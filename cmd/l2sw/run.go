package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/remote"
	"github.com/l2sw/l2sw/dataplane"
	"github.com/l2sw/l2sw/syslog"
)

// defaultPoll is the busy-poll of a bare --poll: longer than the gap
// between a ping -f request and its reply, so a flood keeps both workers
// awake, and short enough that an idle port stops spinning at once.
const defaultPoll = 100 * time.Microsecond

// defaultConfigPath is the startup-config `l2sw run` reads and `write
// memory` writes when --config is not given.
const defaultConfigPath = "/etc/l2sw/startup-config"

type runOptions struct {
	config  string
	ports   []string
	control string
	ssh     string
	hostKey string
	cpuProf string
	metrics metricsOptions
	baseMAC string
	poll    time.Duration
}

func newRunCmd() *cobra.Command {
	o := runOptions{}
	cmd := &cobra.Command{
		Use:   "run [--config FILE] [--port IFNAME=BACKEND:ARG ...] [--control SOCK] [--ssh ADDR] [--metrics ADDR]",
		Short: "Start a switch",
		Long: `Start a switch and keep it running until SIGINT or SIGTERM.

Ports are named in IOS style (GigabitEthernet0/1, gi0/1) and bound to a backend:
  tap:NAME[,mtu=N][,queues=N][,poll=D]  create or attach the TAP device NAME (root)
  afpacket:IFNAME[,OPTS]       attach the existing netdev IFNAME: a veth end, a NIC (root)
  vxlan:VNI,remote=IP[,OPTS]   VXLAN to a remote VTEP (local=IP, dstport=N, ttl=N, mtu=N; root)
  pcap:IN[,OUT]                replay capture IN into the port, record what it sends to OUT
  mem                          an in-memory port (tests)
Without --port, four access ports GigabitEthernet0/1-0/4 run on TAPs l2sw1-l2sw4.

The startup-config is read from --config (default ` + defaultConfigPath + `); when
that file does not exist the embedded default config is used, and "write memory"
creates it. The switch's base MAC (show version, SVIs, port addresses) is made
once, at random, and kept beside the config in CONFIG` + baseMACSuffix + `, or given
with --base-mac. Commands reach the switch through the control socket (l2sw exec,
l2sw console) and, with --ssh, over SSH with the config's usernames.`,
		Example: `  l2sw run
  l2sw run --port gi0/1=tap:vm1 --port gi0/2=tap:vm2 --port gi0/3=pcap:in.pcap,out.pcap
  l2sw run --port gi0/1=afpacket:veth1 --port gi0/2=afpacket:eth2
  l2sw run --port gi0/1=tap:vm1 --port gi0/24=vxlan:42,remote=192.0.2.7
  l2sw run --config lab.cfg --ssh 127.0.0.1:2222`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", defaultConfigPath, "startup-config file")
	f.StringArrayVar(&o.ports, "port", nil, "a port: IFNAME=BACKEND:ARG (repeatable)")
	f.StringVar(&o.control, "control", defaultControlSocket(), "control socket for l2sw exec and l2sw console")
	f.StringVar(&o.ssh, "ssh", "", "serve the CLI over SSH on ADDR (e.g. 127.0.0.1:2222)")
	f.StringVar(&o.hostKey, "ssh-host-key", "", "SSH host key file (default: ssh_host_ed25519_key beside the config)")
	f.StringVar(&o.cpuProf, "cpuprofile", "", "write a pprof CPU profile of the whole run to FILE")
	f.DurationVar(&o.poll, "poll", 0, "TAP ports: a receive worker that finds its queue empty busy-polls up to this long (at most 10ms; --poll alone: "+defaultPoll.String()+") before it parks; adapts to the traffic, costs CPU")
	f.Lookup("poll").NoOptDefVal = defaultPoll.String()
	o.metrics.addFlags(cmd)
	f.StringVar(&o.baseMAC, "base-mac", "", "the switch's base MAC (default: made once, kept in CONFIG"+baseMACSuffix+")")
	return cmd
}

func run(cmd *cobra.Command, o runOptions) error {
	specs := o.ports
	if len(specs) == 0 {
		specs = defaultPorts
	}
	var parsed []portSpec
	seen := map[string]bool{}
	for _, s := range specs {
		p, err := parsePortSpec(s)
		if err != nil {
			return err
		}
		if seen[p.name] {
			return fmt.Errorf("--port %q: %s is given twice", s, p.name)
		}
		seen[p.name] = true
		parsed = append(parsed, p.withPoll(o.poll))
	}

	// Read the config before touching any device, so that a bad path fails
	// fast and leaves nothing behind.
	configText, configFrom, err := readStartupConfig(o.config)
	if err != nil {
		return err
	}
	if configText == cli.DefaultConfig {
		configText = defaultConfigFor(parsed)
	}
	id, err := loadBaseMAC(o.config, o.baseMAC, func(msg string) { fmt.Fprintln(os.Stderr, "l2sw:", msg) })
	if err != nil {
		return err
	}
	defer id.release()

	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}

	log := syslog.New(syslog.WithWriter(os.Stderr))
	sw := dataplane.New(dataplane.Config{Log: log, BaseMAC: id.mac})
	defer func() {
		if err := sw.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "l2sw: stop:", err)
		}
	}()
	for _, p := range parsed {
		backend, err := p.open()
		if err != nil {
			closePorts(sw)
			return err
		}
		if err := sw.AddPort(p.name, backend); err != nil {
			backend.Close()
			closePorts(sw)
			return err
		}
	}

	// A `write memory` killed half-way leaves its temporary file; nobody
	// can be saving yet, so whatever is there is stale.
	if removed, err := cli.RemoveStaleTemps(o.config); err != nil {
		fmt.Fprintf(os.Stderr, "l2sw: %v\n", err)
	} else if len(removed) > 0 {
		fmt.Fprintf(os.Stderr, "l2sw: removed %d leftover temporary file(s) of an interrupted write memory\n", len(removed))
	}
	dev := cli.NewDevice(sw, cli.Options{ConfigPath: o.config, Version: version})
	// Each refused line is logged (%PARSER-4-BADCFG, on stderr and in show
	// logging); say once where they came from.
	if errs := dev.LoadConfig(strings.NewReader(configText)); len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "l2sw: %s: %d line(s) rejected, see show logging\n", configFrom, len(errs))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := remote.ListenControl(o.control)
	if err != nil {
		closePorts(sw)
		return err
	}
	defer os.Remove(o.control)
	// Before the ports forward: spanning tree blocks what must wait.
	if err := dev.StartSpanningTree(ctx); err != nil {
		closePorts(sw)
		return err
	}
	sw.Start()

	errc := make(chan error, 2)
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "l2sw: "+format+"\n", args...) }
	go func() {
		errc <- remote.ServeControlWith(ctx, ln, dev.Engine(), remote.ControlOptions{Logf: logf, Capture: dev, ConsoleTimeout: dev.ConsoleExecTimeout, JSON: dev})
	}()
	go dev.RunRates(ctx)
	go reattach(ctx, sw, parsed, "/sys/class/net", logf)
	go func() {
		if err := dev.RunVRRP(ctx); err != nil {
			logf("%v", err)
		}
	}()
	go dev.RunFHRPSnoop(ctx)
	go func() {
		if err := dev.RunDiscovery(ctx); err != nil {
			logf("%v", err)
		}
	}()
	go dev.RunStandby(ctx) // HSRP groups: hellos, timers, virtual gateways
	go dev.RunLACP(ctx)
	go dev.RunProcessStats(ctx)
	if o.ssh != "" {
		key := o.hostKey
		if key == "" {
			key = filepath.Join(filepath.Dir(o.config), "ssh_host_ed25519_key")
		}
		addr, err := remote.ServeSSH(ctx, dev.Engine(), dev.SSHConfig(remote.SSHConfig{Addr: o.ssh, HostKeyPath: key, Logf: logf}))
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "l2sw: SSH on %s\n", addr)
	}
	stopMetrics, err := o.metrics.start(sw)
	if err != nil {
		return err
	}
	defer stopMetrics()
	fmt.Fprintf(os.Stderr, "l2sw: %s up with %d ports (%s); control socket %s\n", dev.Hostname(), len(parsed), configFrom, o.control)

	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "l2sw: shutting down")
		return nil
	case err := <-errc:
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("control socket: %w", err)
		}
		return nil
	}
}

// readStartupConfig returns the config text and where it came from. A
// missing file means a new switch, as a Catalyst without startup-config
// boots its defaults: the embedded default config runs and `write memory`
// creates the file. A file that exists but cannot be read is an error.
func readStartupConfig(path string) (string, string, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		return string(b), path, nil
	case errors.Is(err, fs.ErrNotExist):
		return cli.DefaultConfig, "embedded default config (" + path + " does not exist yet; write memory creates it)", nil
	default:
		return "", "", fmt.Errorf("cannot read config: %w", err)
	}
}

// defaultConfigFor is the embedded default config without the interface
// stanzas of ports this switch does not have (a --port set other than the
// default four).
func defaultConfigFor(ports []portSpec) string {
	have := map[string]bool{}
	for _, p := range ports {
		have[p.name] = true
	}
	var b strings.Builder
	skip := false
	for _, line := range strings.SplitAfter(cli.DefaultConfig, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "interface "); ok && !strings.HasPrefix(line, " ") {
			skip = !have[name]
		} else if !strings.HasPrefix(line, " ") {
			skip = false
		}
		if !skip {
			b.WriteString(line)
		}
	}
	return b.String()
}

// closePorts releases every backend opened so far after a startup failure.
func closePorts(sw *dataplane.Switch) {
	for _, name := range sw.Ports() {
		_ = sw.RemovePort(name)
	}
}
