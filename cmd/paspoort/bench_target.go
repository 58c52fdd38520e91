package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/internal/jose"
)

// benchTargets are the flags of a bench command pointed at running
// replicas (--target, repeatable) instead of replicas it starts itself
// (--store, --replicas), and what they give once read: the targets with
// their admin token and CA, and the log of acknowledgements.
type benchTargets struct {
	urls                         []string
	tokenFile, caFile, ackedFile string
	timeout                      time.Duration

	targets bench.Targets
	acked   *bench.AckLog
	file    *os.File // --acked-file, open during the run
}

// benchTargetFlags adds --target, --admin-token-file, --ca-file,
// --acked-file and --timeout to a bench command (after benchStoreFlags),
// and reads them before the run: --target goes without --store and
// --replicas, and needs --admin-token-file; --acked-file is created
// empty. The file is closed when the command ends.
func benchTargetFlags(cmd *cobra.Command, b *benchTargets, what, acked string) {
	f := cmd.Flags()
	f.StringArrayVar(&b.urls, "target", nil, "URL of a running "+what+" replica to load instead of starting one here (repeatable: the flows take them in turn); needs --admin-token-file, goes without --store and --replicas")
	f.StringVar(&b.tokenFile, "admin-token-file", "", "with --target: file holding the replicas' admin API bearer token")
	caFileFlag(f, &b.caFile, "with --target: PEM CA certificate to trust for the replicas' https (a private or self-signed CA)")
	f.StringVar(&b.ackedFile, "acked-file", "", "write "+acked+", one JSON object a line, as each is acknowledged")
	f.DurationVar(&b.timeout, "timeout", 10*time.Second, "with --target: deadline of every request of a flow; a replica that does not answer in time fails the flow")
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := b.open(cmd); err != nil {
			return err
		}
		defer b.close()
		if err := run(cmd, args); err != nil {
			return err
		}
		if err := b.acked.Err(); err != nil {
			return fmt.Errorf("--acked-file %s: %w", b.ackedFile, err)
		}
		if b.file != nil {
			if err := b.file.Close(); err != nil {
				return fmt.Errorf("--acked-file %s: %w", b.ackedFile, err)
			}
			b.file = nil
		}
		return nil
	}
}

// open checks the flags and reads the token and CA files.
func (b *benchTargets) open(cmd *cobra.Command) error {
	f := cmd.Flags()
	if len(b.urls) == 0 {
		for _, name := range []string{"admin-token-file", "ca-file", "timeout"} {
			if f.Changed(name) {
				return usagef("--%s goes with --target (the URL of a running replica to load)", name)
			}
		}
	} else {
		for _, name := range []string{"store", "replicas"} {
			if f.Changed(name) {
				return usagef("--target and --%s go not together (FMT): --target loads running replicas, --store and --replicas start replicas here; give one or the other", name)
			}
		}
		for _, u := range b.urls {
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				return usagef("--target %s: not a URL (FMT): give the replica's base URL, such as --target https://host:8443", u)
			}
		}
		if b.tokenFile == "" {
			return usagef("--target needs --admin-token-file: the offers and transactions are made through the replicas' admin API")
		}
		if b.timeout <= 0 {
			return usagef("--timeout must be positive")
		}
		tok, err := readSecret("admin-token-file", b.tokenFile)
		if err != nil {
			return err
		}
		b.targets = bench.Targets{URLs: b.urls, AdminToken: strings.TrimSpace(string(tok)), Timeout: b.timeout}
		if b.targets.AdminToken == "" {
			return usagef("--admin-token-file %s is empty", b.tokenFile)
		}
		if b.caFile != "" {
			if b.targets.RootCAs, err = readCAPool("ca-file", b.caFile); err != nil {
				return err
			}
		}
	}
	if b.ackedFile != "" {
		file, err := os.Create(b.ackedFile)
		if err != nil {
			return usagef("--acked-file: %v", err)
		}
		b.file, b.acked = file, bench.NewAckLog(file)
	}
	return nil
}

// close closes --acked-file if the run left it open.
func (b *benchTargets) close() {
	if b.file != nil {
		b.file.Close()
	}
}

// partial reports a run against targets in which some flows failed but
// not all: the figures stand, and the command succeeds. A run in which
// every flow failed is an error naming its class and the flags to check.
func (b *benchTargets) partial(cmd *cobra.Command, r bench.Result) error {
	switch {
	case b == nil || len(b.urls) == 0 || r.Err == nil:
		return r.Err
	case r.Failed < r.Flows:
		fmt.Fprintf(cmd.ErrOrStderr(), "paspoort: %s\n", msg(
			fmt.Sprintf("%d van %d stromen mislukt (een replica die niet antwoordde telt niet als bevestigd); de eerste: %s", r.Failed, r.Flows, oneLine(r.Err.Error())),
			fmt.Sprintf("%d of %d flows failed (a replica that did not answer counts as not acknowledged); the first: %s", r.Failed, r.Flows, oneLine(r.Err.Error()))))
		return nil
	}
	return tell(r.Err, fmt.Sprintf("geen enkele stroom lukte: alle %d mislukten, de eerste met: %s. Draaien de replica's van --target, horen --admin-token-file en --ca-file erbij, en is --timeout ruim genoeg?", r.Flows, oneLine(r.Err.Error())),
		fmt.Sprintf("no flow succeeded: all %d failed, the first with: %s. Are the --target replicas running, do --admin-token-file and --ca-file belong to them, and is --timeout long enough?", r.Flows, oneLine(r.Err.Error())))
}

// prepared tells what a run against targets that failed before its flows
// means: offers or transactions could not be made. Other runs' errors
// pass unchanged.
func (b *benchTargets) prepared(err error) error {
	if err == nil || b == nil || len(b.urls) == 0 {
		return err
	}
	return tell(err, fmt.Sprintf("de replica's van --target konden niet worden voorbereid: %s. Draaien ze, horen --admin-token-file en --ca-file erbij?", oneLine(err.Error())),
		fmt.Sprintf("the --target replicas could not be prepared: %s. Are they running, and do --admin-token-file and --ca-file belong to them?", oneLine(err.Error())))
}

// verifierBenchTargets checks the flags only a verifier bench against
// --target has (--profile, --credential, --holder-key), and reads them
// with the targets into o.
func verifierBenchTargets(cmd *cobra.Command, o *bench.VerifierOptions, tg *benchTargets, credFile, holderFile string) error {
	o.Targets, o.Acked = tg.targets, tg.acked
	f := cmd.Flags()
	if len(tg.urls) == 0 {
		for _, name := range []string{"profile", "credential", "holder-key"} {
			if f.Changed(name) {
				return usagef("--%s goes with --target (the URL of a running verifier replica to load)", name)
			}
		}
		return nil
	}
	switch {
	case f.Changed("disclosures"):
		return usagef("--disclosures goes without --target: the replicas' profile and --credential decide what is disclosed")
	case o.TargetProfile == "" || credFile == "" || holderFile == "":
		return usagef("--target needs --profile, --credential and --holder-key: the profile the replicas ask for, and a credential they trust that meets it with its holder's key")
	}
	cred, err := readFile("credential", credFile)
	if err != nil {
		return err
	}
	o.Credential = strings.TrimSpace(string(cred))
	key, err := readSecret("holder-key", holderFile)
	if err != nil {
		return err
	}
	if o.Holder, err = jose.ParsePrivateKey(key); err != nil {
		return usagef("--holder-key %s: not a private JWK (%s): give the holder's private key as a JWK", holderFile, className(err))
	}
	return nil
}
