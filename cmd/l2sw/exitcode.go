package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/l2sw/l2sw/cli/remote"
)

// The exit statuses of l2sw, documented in README.md ("Exit status"), so
// that scripts can tell a refused command from a switch that is not there.
const (
	exitOK       = 0
	exitFailure  = 1 // the command failed; for exec: a CLI line was rejected
	exitUsage    = 2 // unknown command or flag, missing or bad argument
	exitNoSwitch = 3 // exec, console, capture: no switch answers on the control socket
)

// execute runs the command line args and returns the exit status; errors
// go to stderr, except a rejected line, which the CLI output explained.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ran := false
	markRun(root, &ran)
	err := root.Execute()
	code := exitCode(err, ran)
	switch {
	case err == nil:
	case errors.As(err, new(rejectedError)):
	case code == exitUsage:
		fmt.Fprintf(stderr, "l2sw: %v\nRun 'l2sw --help' for usage.\n", err)
	default:
		fmt.Fprintln(stderr, "l2sw:", err)
	}
	return code
}

// exitCode maps an Execute error to an exit status. ran says whether the
// command's own RunE was reached: an error before it (flags, arguments, an
// unknown command) is cobra's, a usage error.
func exitCode(err error, ran bool) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, remote.ErrNoSwitch):
		return exitNoSwitch
	case !ran:
		return exitUsage
	}
	return exitFailure
}

// markRun makes every command of the tree set *ran when its RunE starts.
func markRun(c *cobra.Command, ran *bool) {
	if f := c.RunE; f != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			*ran = true
			return f(cmd, args)
		}
	}
	if f := c.Run; f != nil {
		c.Run = func(cmd *cobra.Command, args []string) {
			*ran = true
			f(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markRun(sub, ran)
	}
}
