package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/devstack"
)

// newDemoCommand returns "paspoort demo": the story of Miranda, headless.
func newDemoCommand() *cobra.Command {
	var data, lang string
	var basePort int
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole Loopbrug story headless: issue, receive, match, share, decide; exit 0 only if every step verified",
		Long: "demo starts, in this process, the demo organisations of `paspoort dev` on 127.0.0.1 (three issuers:\n" +
			"Assessment Centrum Loopbrug, NS and Hogeschool Domstad; two verifiers: the hogeschool's admission\n" +
			"to the teacher training and Stedelijk College Domstad hiring into a leerwerktraject) and Miranda's\n" +
			"wallet, with embedded badger stores in a temporary folder (or --data), and runs the story over\n" +
			"real OpenID4VCI and OpenID4VP, printing each step. Exit status 0 only if every step verified.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if lang != "nl" && lang != "en" {
				return usagef("--lang: nl or en")
			}
			if basePort != 0 && (basePort < 1024 || basePort > 65535-devstack.Ports) {
				return usagef("--base-port: 1024 to %d, or 0 for random ports", 65535-devstack.Ports)
			}
			dir := data
			if dir == "" {
				tmp, err := os.MkdirTemp("", "paspoort-demo-")
				if err != nil {
					return fmt.Errorf("temporary folder: %w", err)
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			}
			log := slog.New(slog.DiscardHandler)
			if verbose {
				log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, err := devstack.New(ctx, devstack.Options{Dir: dir, BasePort: basePort, Logger: log})
			if err != nil {
				return err
			}
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- s.Run(runCtx) }()
			derr := devstack.Demo(ctx, s, cmd.OutOrStdout(), lang)
			cancel()
			if rerr := <-done; rerr != nil && derr == nil {
				derr = fmt.Errorf("stop services: %w", rerr)
			}
			return derr
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "data folder for the services and the wallet (default: a temporary folder, removed afterwards)")
	f.StringVar(&lang, "lang", "nl", "language of the story: nl (plain Dutch) or en")
	f.IntVar(&basePort, "base-port", 0, "first of the ports to use (default: random free ports)")
	f.BoolVar(&verbose, "verbose", false, "write the services' logs to standard error")
	return cmd
}
