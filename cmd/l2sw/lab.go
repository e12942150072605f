package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/l2sw/l2sw/examples"
	"github.com/l2sw/l2sw/lab"
)

func newLabCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run the scenario labs: field failures reproduced, then fixed",
		Long: `The labs reproduce field failures with real Linux hosts in network namespaces
and l2sw switches, show the evidence (show outputs, counters, syslog, captures),
apply the IOS fix and show that it worked. Each lab's README (examples/labs/NAME)
explains the symptom, the cause, what to look at and the fix. Root is needed.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the labs (name first, then title)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ls, err := lab.List(examples.Labs())
			if err != nil {
				return err
			}
			for _, l := range ls {
				fmt.Fprintf(cmd.OutOrStdout(), "%-22s %s\n", l.Name, l.Title)
			}
			return nil
		},
	})
	var o lab.Options
	run := &cobra.Command{
		Use:   "run NAME [--keep] [--step] [--skip-fix]",
		Short: "Run one lab; the last line is PASS or FAIL (exit status 0 or 1)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, dir, err := lab.Load(examples.Labs(), args[0])
			if err != nil {
				return err
			}
			if o.Bin, err = os.Executable(); err != nil {
				return err
			}
			o.Out, o.In = cmd.OutOrStdout(), cmd.InOrStdin()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			pass, _ := lab.Run(ctx, l, dir, o) // the error is printed before FAIL
			if !pass {
				return rejectedError{}
			}
			return nil
		},
	}
	run.Flags().BoolVar(&o.Keep, "keep", false, "leave the switches and hosts running at the end")
	run.Flags().BoolVar(&o.Step, "step", false, "wait for Enter before each step")
	run.Flags().BoolVar(&o.SkipFix, "skip-fix", false, "do everything but the fix (the lab must then FAIL)")
	cmd.AddCommand(run)
	return cmd
}
