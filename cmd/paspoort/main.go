// Command paspoort is the one binary of the paspoort wallet, issuer and
// verifier.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// newRootCommand returns the root command with every subcommand.
func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "paspoort",
		Short:         "Verifiable credentials for the Persoonlijk Profiel Paspoort",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newPPPCommand())
	return root
}

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "paspoort:", err)
		os.Exit(1)
	}
}
