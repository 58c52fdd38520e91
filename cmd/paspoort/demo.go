package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/devstack"
)

// newDemoCommand returns "paspoort demo": the story of Miranda (or of
// Willem), headless.
func newDemoCommand() *cobra.Command {
	var data, lang, story, profile string
	var basePort int
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole Loopbrug story headless: issue, receive, match, share, decide; exit 0 only if every step verified",
		Long: "demo starts, in this process, the demo organisations of `paspoort dev` on 127.0.0.1 with embedded\n" +
			"badger stores in a temporary folder (or --data), and runs a story over real OpenID4VCI and OpenID4VP,\n" +
			"printing each step. Exit status 0 only if every step verified.\n\n" +
			"--story miranda (default): Miranda, a train conductor, is admitted to the teacher training with a\n" +
			"learning plan and hired into a leerwerktraject.\n" +
			"--story willem: Willem, on WW with no employer to vouch for him, has his years as a youth coach\n" +
			"recognised through an EVC portfolio and an Ervaringscertificaat, gets a UWV training budget and is\n" +
			"admitted to the PE teacher training on his evidence, starting right away.\n\n" +
			"--profile haip runs the story on X.509 (HAIP 1.0): she signs in at each issuer (authorization\n" +
			"code flow with PAR, PKCE, DPoP, a Wallet Attestation and a Key Attestation), every credential\n" +
			"carries an x5c chain, and every verifier is identified by x509_hash.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if lang != "nl" && lang != "en" {
				return usagef("--lang: nl or en")
			}
			if !slices.Contains(devstack.Stories, story) {
				return usagef("--story: %s", strings.Join(devstack.Stories, " or "))
			}
			if !slices.Contains(devstack.Profiles, profile) {
				return usagef("--profile: %s", strings.Join(devstack.Profiles, " or "))
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
			s, err := devstack.New(ctx, devstack.Options{Dir: dir, BasePort: basePort, Logger: log, Profile: profile})
			if err != nil {
				return err
			}
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- s.Run(runCtx) }()
			derr := devstack.RunStory(ctx, s, cmd.OutOrStdout(), lang, story)
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
	f.StringVar(&story, "story", devstack.StoryMiranda, "the story: miranda (a conductor becomes a teacher) or willem (a youth coach on WW, through EVC, becomes a PE teacher)")
	f.IntVar(&basePort, "base-port", 0, "first of the ports to use (default: random free ports)")
	f.StringVar(&profile, "profile", devstack.ProfileDID, "did (DIDs) or haip (X.509: HAIP 1.0)")
	f.BoolVar(&verbose, "verbose", false, "write the services' logs to standard error")
	return cmd
}
