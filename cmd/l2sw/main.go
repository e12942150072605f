// Command l2sw runs a Catalyst-like software switch on TAP interfaces and
// talks to a running one. It only wires packages together: the switch is
// package dataplane, the CLI package cli, the sessions package cli/remote.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// rejectedError is returned by exec when the CLI refused a line: the output
// already said why, so main prints nothing more.
type rejectedError struct{}

func (rejectedError) Error() string { return "a command was rejected" }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "l2sw",
		Short: "A Catalyst-like software switch for network labs",
		Long: `l2sw is a software switch that behaves like a Catalyst on the forwarding plane:
a CAM table with aging and moves, VLAN access and trunk ports, flooding, an
IOS-style CLI. Attach it to TAP interfaces of namespaces, VMs or containers.

Start a switch:            l2sw run                 (4 access ports on TAPs l2sw1-l2sw4)
Run commands on it:        l2sw exec -c 'show mac address-table'
Open its CLI:              l2sw console
Capture what it forwards:  l2sw capture -w - | tshark -r -`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetVersionTemplate("l2sw {{.Version}}\n")
	root.AddCommand(newRunCmd(), newExecCmd(), newConsoleCmd(), newCaptureCmd(), newVersionCmd(), newLabCmd(), newContainerCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the l2sw version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "l2sw %s\n", version)
		},
	}
}
