package main

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/devstack"
)

// defaultDevDir is the data folder of `paspoort dev` without --data.
const defaultDevDir = "paspoort-dev"

// newDevCommand returns "paspoort dev": every demo organisation as a
// long-running service on this machine.
func newDevCommand() *cobra.Command {
	var data, profile string
	var basePort int
	var reset, verbose bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole Loopbrug on this machine: three issuers, two verifiers and the holder's wallet, with web pages",
		Long: "dev starts, in this process, on 127.0.0.1: the holder's wallet API (http, --base-port), three\n" +
			"issuers (https: Assessment Centrum Loopbrug, NS, Hogeschool Domstad; the next three ports) and two\n" +
			"verifiers (https: Hogeschool Domstad's admission to the teacher training and Stedelijk College\n" +
			"Domstad hiring into a leerwerktraject; the two after that), each with its own embedded badger\n" +
			"store in one data folder, then the web pages (http): the web wallet, the issuers' desks and the\n" +
			"verifiers' desks; it prints every URL, the admin tokens and the wallet passphrase.\n" +
			"The https certificates come from a development CA in DATA/tls/ca.pem (valid for loopback only).\n" +
			"Stop with Ctrl-C (SIGINT) or SIGTERM; a restart on the same folder keeps everything, --reset\n" +
			"starts clean. `paspoort demo` runs the same organisations through the story headless.\n\n" +
			"--profile haip runs everything on X.509 instead of DIDs (the OpenID4VC High Assurance\n" +
			"Interoperability Profile, which the European wallets speak): a development anchor in\n" +
			"DATA/pki/anchor.pem certifies every issuer (x5c), verifier (x509_hash client id) and a wallet\n" +
			"provider (the last port); issuers take the authorization code flow with PAR, PKCE and DPoP and\n" +
			"require Wallet Attestations and Key Attestations.",
		Example: "  go run ./cmd/paspoort dev\n  go run ./cmd/paspoort dev --data /tmp/loopbrug --base-port 9440 --reset\n  go run ./cmd/paspoort dev --profile haip --data /tmp/loopbrug-haip",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if basePort < 1024 || basePort > 65535-devstack.Ports {
				return usagef("--base-port: 1024 to %d", 65535-devstack.Ports)
			}
			if data == "" {
				return usagef("--data must not be empty")
			}
			if !slices.Contains(devstack.Profiles, profile) {
				return usagef("--profile: %s", strings.Join(devstack.Profiles, " or "))
			}
			if reset {
				if err := devstack.Reset(data); err != nil {
					return err
				}
			}
			log := slog.New(slog.DiscardHandler)
			if verbose {
				log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			}
			ctx, stop := signalContext(cmd.Context(), cmd.ErrOrStderr())
			defer stop()
			s, err := devstack.New(ctx, devstack.Options{Dir: data, BasePort: basePort, ServeWallet: true, Logger: log, Profile: profile})
			if err != nil {
				return err
			}
			printDev(cmd.OutOrStdout(), s, data)
			if err := s.Run(ctx); err != nil {
				return storeError(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "paspoort dev: stopped; the data stays in", data)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", defaultDevDir, "data folder of every service and the wallet")
	f.IntVar(&basePort, "base-port", devstack.DefaultBasePort, fmt.Sprintf("first of the %d ports: wallet API, 7 issuers, 4 verifiers, web wallet, 7 issuer desks, 4 verifier desks, consortium register, wallet provider (haip)", devstack.Ports))
	f.StringVar(&profile, "profile", devstack.ProfileDID, "did (DIDs, pre-authorized offers) or haip (X.509, authorization code flow with PAR, PKCE, DPoP and wallet attestation)")
	f.BoolVar(&reset, "reset", false, "delete the data folder first (only a paspoort dev folder) and start clean")
	f.BoolVar(&verbose, "verbose", false, "write the services' logs to standard error")
	return cmd
}

// printDev prints every URL, token and file a developer needs.
func printDev(w io.Writer, s *devstack.Stack, data string) {
	abs, err := filepath.Abs(data)
	if err != nil {
		abs = data
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("paspoort dev: the Loopbrug on this machine (data in %s)", abs)
	p("")
	p("Open in a browser (plain http on 127.0.0.1; ?lang=en for English):")
	p("  %-44s Miranda's web wallet (passphrase below)", s.Wallet.WebURL)
	for _, is := range s.Issuers {
		p("  %-44s desk of %s: issue, revoke", is.DeskURL, is.Name["nl"])
	}
	for _, v := range s.Verifiers {
		p("  %-44s desk of %s: ask for proof, see the decision", v.DeskURL, v.Name)
	}
	p("")
	p("Wallet of Miranda (wallet API; unlock with the passphrase)")
	p("  %-44s %s", s.Wallet.URL, "passphrase: "+s.Wallet.Passphrase)
	p("")
	p("Issuers (OpenID4VCI; admin API under /admin with Authorization: Bearer <admin token>)")
	for _, is := range s.Issuers {
		p("  %-11s %-32s %s", is.Key, is.Name["nl"], is.URL)
		p("  %-11s types: %s", "", strings.Join(is.Types, ", "))
		p("  %-11s admin token: %s", "", is.AdminToken)
	}
	p("")
	p("Verifiers (OpenID4VP; profiles at /profiles, admin API under /admin)")
	for _, v := range s.Verifiers {
		p("  %-11s %-32s %s", v.Key, v.Name, v.URL)
		p("  %-11s profiles: %s", "", strings.Join(v.Profiles, ", "))
		p("  %-11s admin token: %s", "", v.AdminToken)
	}
	p("")
	p("Consortium register of %s (every verifier and the wallet follow it)", devstack.ConsortiumName)
	p("  %-44s the signed register; its members at %s", s.Register.URL, strings.TrimSuffix(s.Register.URL, "register.jwt"))
	p("  %-44s the key to pin: paspoort wallet trust add URL --key FILE", s.Register.KeyFile)
	p("")
	if s.HAIP() {
		p("HAIP profile (X.509)")
		p("  %-44s the development anchor: give it as --trust-anchors, --issuer-anchors, --verifier-anchors, --client-attestation-anchors", s.AnchorFile())
		p("  %-44s the wallet provider: give it as --wallet-provider", s.Provider.URL)
		p("")
	}
	p("Health: %s", strings.Join(s.HealthURLs(), " "))
	p("Dev CA (https certificates, loopback only): %s", s.CAFile)
	p("")
	as := s.Issuer(devstack.IssuerAssessment)
	p("Try: paspoort ppp example level > level.json")
	p("     paspoort issuer offer --url %s --admin-token-file %s --ca-file %s --type level --claims level.json --tx-code",
		as.URL, filepath.Join(abs, as.Key, "admin.token"), s.CAFile)
	p("")
	p("paspoort dev: ready; Ctrl-C stops, a restart keeps the data, --reset starts clean")
}
