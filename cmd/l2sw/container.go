package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// The container entrypoint. containerlab (and docker with extra networks)
// adds a container's data interfaces eth1..ethN after the container has
// started; eth0 is management. The entrypoint waits for them, then runs
// the switch with GigabitEthernet0/i on ethi through AF_PACKET.

// containerOptions are `l2sw container`'s flags beside run's.
type containerOptions struct {
	run      runOptions
	count    int           // interfaces to wait for; 0: $CLAB_INTFS, else whatever appears
	wait     time.Duration // how long to wait for them
	settle   time.Duration // with no count: quiet time after the last new one
	prefix   string        // data interface names: prefix1, prefix2, ...
	sysClass string        // /sys/class/net (tests point it elsewhere)
}

func newContainerCmd() *cobra.Command {
	o := containerOptions{prefix: "eth", sysClass: "/sys/class/net"}
	cmd := &cobra.Command{
		Use:   "container [--interfaces N] [--wait D] [run flags]",
		Short: "Run as a container's switch: eth1..ethN become GigabitEthernet0/1..0/N",
		Long: `The entrypoint of the l2sw container image. It waits until the container's
data interfaces eth1..ethN exist (containerlab adds them after the container
starts and says how many in CLAB_INTFS), then runs the switch with
GigabitEthernet0/i attached to ethi through AF_PACKET. eth0 stays the
container's management interface: reach the CLI with
"docker exec -it NAME l2sw console", or with --ssh :22 and a username in the
startup-config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n := o.count
			if n == 0 {
				if v := os.Getenv("CLAB_INTFS"); v != "" {
					var err error
					if n, err = strconv.Atoi(v); err != nil || n < 0 {
						return fmt.Errorf("CLAB_INTFS=%q: want a number of interfaces", v)
					}
				}
			}
			fmt.Fprintf(os.Stderr, "l2sw: waiting for the data interfaces (%s)\n", describeWait(o.prefix, n))
			names, err := waitNetdevs(ctx, o.sysClass, o.prefix, n, o.wait, o.settle)
			if err != nil {
				return err
			}
			o.run.ports = containerPorts(names)
			return run(cmd, o.run)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.count, "interfaces", 0, "data interfaces to wait for (default: $CLAB_INTFS, else those that appear)")
	f.DurationVar(&o.wait, "wait", 5*time.Minute, "how long to wait for the data interfaces")
	f.DurationVar(&o.settle, "settle", 2*time.Second, "without a count: quiet time after the last interface appeared")
	f.StringVar(&o.run.config, "config", defaultConfigPath, "startup-config file")
	f.StringVar(&o.run.control, "control", defaultControlSocket(), "control socket for l2sw exec and l2sw console")
	f.StringVar(&o.run.ssh, "ssh", "", "serve the CLI over SSH on ADDR (e.g. :22)")
	f.StringVar(&o.run.baseMAC, "base-mac", "", "the switch's base MAC (default: made once, kept beside the config)")
	o.run.metrics.addFlags(cmd)
	return cmd
}

func describeWait(prefix string, n int) string {
	if n == 0 {
		return prefix + "1 and whatever follows"
	}
	return fmt.Sprintf("%s1..%s%d", prefix, prefix, n)
}

// waitNetdevs waits until prefix1..prefixN exist under sysClass (with n 0:
// until prefix1 exists and no new prefixI appeared for settle) and returns
// them in order.
func waitNetdevs(ctx context.Context, sysClass, prefix string, n int, wait, settle time.Duration) ([]string, error) {
	re := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + "([1-9][0-9]*)$")
	deadline := time.Now().Add(wait)
	var last []string
	lastChange := time.Now()
	for {
		have := presentNetdevs(sysClass, re)
		if !slices.Equal(have, last) {
			last, lastChange = have, time.Now()
		}
		switch {
		case n > 0 && len(have) >= n && slices.Equal(have[:n], numbered(prefix, n)):
			return have[:n], nil
		case n == 0 && len(have) > 0 && time.Since(lastChange) >= settle && slices.Equal(have, numbered(prefix, len(have))):
			return have, nil
		case time.Now().After(deadline):
			return nil, fmt.Errorf("waited %s for %s; present: %v", wait, describeWait(prefix, n), have)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// presentNetdevs lists prefixI netdevs, by I.
func presentNetdevs(sysClass string, re *regexp.Regexp) []string {
	es, _ := os.ReadDir(sysClass)
	type nd struct {
		name string
		i    int
	}
	var got []nd
	for _, e := range es {
		if m := re.FindStringSubmatch(filepath.Base(e.Name())); m != nil {
			i, _ := strconv.Atoi(m[1])
			got = append(got, nd{e.Name(), i})
		}
	}
	slices.SortFunc(got, func(a, b nd) int { return a.i - b.i })
	out := make([]string, len(got))
	for i, g := range got {
		out[i] = g.name
	}
	return out
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i+1)
	}
	return out
}

// containerPorts binds GigabitEthernet0/i to the i-th data interface.
func containerPorts(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("GigabitEthernet0/%d=afpacket:%s", i+1, n)
	}
	return out
}
