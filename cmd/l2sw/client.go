package main

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/l2sw/l2sw/cli"
	"github.com/l2sw/l2sw/cli/remote"
)

func newExecCmd() *cobra.Command {
	var sock string
	var lines []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "exec -c 'COMMAND' [-c 'COMMAND' ...]",
		Short: "Run CLI commands on a running switch",
		Long: `Run CLI commands on a running switch through its control socket, starting in
privileged EXEC, and print exactly what the CLI prints. "configure terminal"
and configuration lines work. The exit status is 1 when a line was rejected,
3 when no switch answers on the control socket.

With --json, each line is one of the table shows (` + jsonCommandList + `)
and is answered by one JSON object on a line of its own, built from the
switch's tables, not from the text.

  l2sw exec -c 'show mac address-table'
  l2sw exec -c 'conf t' -c 'interface gi0/2' -c 'switchport access vlan 10' -c end
  l2sw exec --json -c 'show mac address-table vlan 10' | jq '.mac_address_table[].port'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			run := remote.Exec
			if asJSON {
				run = remote.ExecJSON
			}
			rejected, err := run(ctx, sock, lines, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if rejected {
				return rejectedError{}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&sock, "control", defaultControlSocket(), "control socket of the switch")
	cmd.Flags().StringArrayVarP(&lines, "command", "c", nil, "a CLI line to run (repeatable, run in order)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "answer table shows in JSON, one object per line")
	_ = cmd.MarkFlagRequired("command")
	return cmd
}

func newConsoleCmd() *cobra.Command {
	var sock string
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Open an interactive CLI session on a running switch",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
			defer stop()
			return remote.Console(ctx, sock, os.Stdin, os.Stdout)
		},
	}
	cmd.Flags().StringVar(&sock, "control", defaultControlSocket(), "control socket of the switch")
	return cmd
}

// defaultControlSocket is /run/l2sw/l2sw.sock for root, else a path in the
// user's runtime directory.
func defaultControlSocket() string {
	if os.Geteuid() == 0 {
		return "/run/l2sw/l2sw.sock"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return d + "/l2sw/l2sw.sock"
	}
	return os.TempDir() + "/l2sw-" + strconv.Itoa(os.Getuid()) + "/l2sw.sock"
}

// jsonCommandList names the shows exec --json answers, for its help.
var jsonCommandList = strings.Join(cli.JSONCommands, ", ")
