package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
)

// The bench commands measure the services end to end on this machine
// (internal/loadtest) and print the figures as JSON.

func newIssuerBenchCommand() *cobra.Command {
	var o bench.IssuerOptions
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench [-n N] [--concurrency C] [--batch K]",
		Short: "Measure durable end-to-end issuance over HTTPS on this machine",
		Long: "Start an issuer on 127.0.0.1 (TLS, badger store with synced writes in a temporary folder),\n" +
			"create offers, then let C concurrent wallets each redeem an offer (token), get a c_nonce,\n" +
			"sign --batch key proofs and receive that many SD-JWT VCs, until N credentials are issued.\n" +
			"Prints credentials per second and the p50 and p99 latency of one whole issuance flow\n" +
			"(token + nonce + credential request). Every acknowledged write is synced to disk.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Credentials < 1 || o.Concurrency < 1 || o.Batch < 1 || o.Batch > 100 {
				return usagef("-n and --concurrency must be positive, --batch 1 to 100")
			}
			return runBench(cmd, cpuProfile, func(prof io.Writer) (bench.Result, map[string]any, error) {
				o.Profile, o.Progress = prof, cmd.ErrOrStderr()
				r, err := bench.Issuer(cmd.Context(), o)
				return r, map[string]any{
					"credentials": (r.Flows - r.Failed) * o.Batch, "failed_flows": r.Failed,
					"concurrency": o.Concurrency, "batch": o.Batch, "credentials_per_second": r.PerSecond(o.Batch),
				}, err
			})
		},
	}
	cmd.Flags().IntVarP(&o.Credentials, "number", "n", 2000, "number of credentials to issue")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 32, "number of concurrent wallets")
	cmd.Flags().IntVar(&o.Batch, "batch", 1, "credentials per credential request (batch issuance, one proof key each)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the issuance phase to this file")
	return cmd
}

func newVerifierBenchCommand() *cobra.Command {
	var o bench.VerifierOptions
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench [-n N] [--concurrency C] [--disclosures D] [--mode MODE]",
		Short: "Measure durable presentation verification over HTTPS on this machine",
		Long: "Start a verifier on 127.0.0.1 (TLS, badger store with synced writes in a temporary folder)\n" +
			"with a profile that asks for one learning credential's skills, and an issuer (did:jwk) it\n" +
			"trusts. Create N transactions and let a wallet answer each with one ES256 SD-JWT VC\n" +
			"presentation of D disclosures (the skills array and D-1 ESCO skills) and a KB-JWT, in\n" +
			"--mode (direct_post.jwt: encrypted to the transaction's ECDH-ES key). Then C concurrent\n" +
			"clients, each on a kept-alive connection, post the responses to the response_uri; every\n" +
			"response is decrypted, verified (signature, KB-JWT audience and nonce, sd_hash, times,\n" +
			"trusted issuer), re-checked against the DCQL query, decided on, stored (the nonce spent\n" +
			"and the decision synced to disk) and answered with a signed receipt.\n" +
			"Prints presentations verified per second and the p50 and p99 latency of one response.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case o.Presentations < 1 || o.Concurrency < 1:
				return usagef("-n and --concurrency must be positive")
			case o.Disclosures < 2 || o.Disclosures > bench.MaxDisclosures():
				return usagef("--disclosures must be 2 to %d", bench.MaxDisclosures())
			case o.ResponseMode != oid4vp.ResponseModeDirectPost && o.ResponseMode != oid4vp.ResponseModeDirectPostJWT:
				return usagef("--mode must be %s or %s", oid4vp.ResponseModeDirectPostJWT, oid4vp.ResponseModeDirectPost)
			}
			return runBench(cmd, cpuProfile, func(prof io.Writer) (bench.Result, map[string]any, error) {
				o.Profile, o.Progress = prof, cmd.ErrOrStderr()
				r, err := bench.Verifier(cmd.Context(), o)
				return r, map[string]any{
					"presentations": r.Flows - r.Failed, "failed": r.Failed, "concurrency": o.Concurrency,
					"disclosures": o.Disclosures, "response_mode": o.ResponseMode, "presentations_per_second": r.PerSecond(1),
				}, err
			})
		},
	}
	cmd.Flags().IntVarP(&o.Presentations, "number", "n", 3000, "number of presentations to verify")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 32, "number of concurrent clients")
	cmd.Flags().IntVar(&o.Disclosures, "disclosures", 20, "disclosures in each presentation")
	cmd.Flags().StringVar(&o.ResponseMode, "mode", oid4vp.ResponseModeDirectPostJWT, "response mode: direct_post.jwt or direct_post")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the verification phase to this file")
	return cmd
}

// runBench opens the CPU profile file, runs the bench and prints its
// figures with the common ones (seconds, p50_ms, p99_ms). A run in
// which flows failed prints its figures and fails with the first error.
func runBench(cmd *cobra.Command, cpuProfile string, bench func(prof io.Writer) (bench.Result, map[string]any, error)) error {
	var prof io.Writer
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer f.Close()
		prof = f
	}
	r, out, err := bench(prof)
	if r.Flows == 0 {
		return err
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	out["seconds"], out["p50_ms"], out["p99_ms"] = r.Elapsed.Seconds(), ms(r.P50), ms(r.P99)
	if werr := writeJSON(cmd, out); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if r.Err != nil {
		return fmt.Errorf("%d of %d flows failed, first: %w", r.Failed, r.Flows, r.Err)
	}
	return nil
}
