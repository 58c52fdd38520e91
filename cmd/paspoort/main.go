package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK       = 0
	exitRejected = 1
	exitUsage    = 2
)

// usageError marks an error in how the command was called.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// newRootCommand returns the root command with every subcommand.
func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "paspoort",
		Short: "Verifiable credentials for the Persoonlijk Profiel Paspoort",
		Long: "paspoort issues, holds and verifies the credentials of the Persoonlijk Profiel Paspoort\n" +
			"(PPP) as SD-JWT VCs. This binary also holds the toolbox for developers and integrators:\n" +
			"keys, SD-JWT issue/present/verify/decode, and the PPP vocabulary.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	root.PersistentFlags().StringVar(&cliLang, "lang", "nl", "language of messages: nl or en")
	root.PersistentFlags().BoolVar(&allowInsecureSecret, "allow-insecure-secret-file", false, "accept secret files (tokens, passphrases, keys) that others may read, with a warning")
	root.AddCommand(newKeysCommand(), newSDJWTCommand(), newPPPCommand())
	root.AddCommand(newWalletCommand())
	root.AddCommand(newVerifierCommand())
	root.AddCommand(newIssuerCommand())
	root.AddCommand(newDemoCommand())
	root.AddCommand(newDevCommand())
	root.AddCommand(newTrustCommand())
	root.AddCommand(newPKICommand())
	root.AddCommand(newWalletProviderCommand())
	guardUnknown(root)
	return root
}

// run executes the command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run with a context: long-running commands (the servers)
// stop cleanly when ctx ends, as on SIGINT or SIGTERM.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cliLang, allowInsecureSecret, secretWarnings = "nl", false, stderr
	for i, a := range args {
		if a == "--lang=en" || a == "--lang" && i+1 < len(args) && args[i+1] == "en" {
			cliLang = "en"
		}
	}
	root := newRootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if strings.HasPrefix(err.Error(), "unknown command") {
		// The root's own: cobra words it, with its suggestion.
		fmt.Fprintf(stderr, "paspoort: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown flag") || strings.Contains(err.Error(), "arg(s)") {
		fmt.Fprintf(stderr, "paspoort: %v\n", err)
		if !strings.Contains(err.Error(), "--help") {
			fmt.Fprintln(stderr, msg("Zie 'paspoort --help'.", "Run 'paspoort --help' for usage."))
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "paspoort: %s\n", oneLine(err.Error()))
	return exitRejected
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
