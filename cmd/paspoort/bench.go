package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/pg"
)

// The bench commands measure the services end to end on this machine
// (internal/loadtest) and print the figures as JSON.

func newIssuerBenchCommand() *cobra.Command {
	var o bench.IssuerOptions
	var tg benchTargets
	var cpuProfile string
	var soak time.Duration
	cmd := &cobra.Command{
		Use:   "bench [-n N] [--concurrency C] [--batch K] [--store DSN --replicas R | --target URL...]",
		Short: "Measure durable end-to-end issuance over HTTPS on this machine, or against running replicas",
		Long: "Start an issuer on 127.0.0.1 (TLS, badger store with synced writes in a temporary folder),\n" +
			"create offers, then let C concurrent wallets each redeem an offer (token), get a c_nonce,\n" +
			"sign --batch key proofs and receive that many SD-JWT VCs, until N credentials are issued.\n" +
			"Prints credentials per second and the p50 and p99 latency of one whole issuance flow\n" +
			"(token + nonce + credential request), and the CPU time this process spent per flow\n" +
			"(cpu_ms_per_flow, issuer and wallets together). Every acknowledged write is synced to disk.\n\n" +
			"--target URL (repeatable) loads issuer replicas that already run (issuer serve --store)\n" +
			"instead: offers are made through their admin API (--admin-token-file, --ca-file), and each\n" +
			"flow redeems its code at one target and gets its credential at the next. A flow that a\n" +
			"target does not answer within --timeout fails and is not acknowledged; the run succeeds\n" +
			"when any flow did, and prints failed_flows. --acked-file FILE gets one JSON line per\n" +
			"credential received: {\"offer_id\", \"status_uri\", \"status_index\"}, to check against the\n" +
			"records of the issuer's admin API (paspoort issuer list).",
		Example: "  paspoort issuer bench -n 1000 --store postgres://bench@localhost/bench --replicas 2\n" +
			"  paspoort issuer bench -n 1000 --target https://issuer-1:8443 --target https://issuer-2:8443 \\\n" +
			"    --admin-token-file admin.token --ca-file ca.pem --acked-file issued.jsonl",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Credentials < 1 || o.Concurrency < 1 || o.Batch < 1 || o.Batch > 100 {
				return usagef("-n and --concurrency must be positive, --batch 1 to 100")
			}
			o.Targets, o.Acked = tg.targets, tg.acked
			if soak > 0 {
				o.Progress = cmd.ErrOrStderr()
				s, err := bench.IssuerSoak(cmd.Context(), o, soak)
				return reportSoak(cmd, s, o.Batch, tg.prepared(err))
			}
			return runBench(cmd, cpuProfile, &tg, func(prof io.Writer) (bench.Result, map[string]any, error) {
				o.Profile, o.Progress = prof, cmd.ErrOrStderr()
				r, err := bench.Issuer(cmd.Context(), o)
				out := map[string]any{
					"credentials": (r.Flows - r.Failed) * o.Batch, "failed_flows": r.Failed, "store": benchStoreName(o.Store), "replicas": max(o.Replicas, 1),
					"concurrency": o.Concurrency, "batch": o.Batch, "credentials_per_second": r.PerSecond(o.Batch),
				}
				if len(tg.urls) > 0 {
					delete(out, "store") // the targets' own
					out["replicas"], out["targets"] = len(tg.urls), tg.urls
				}
				return r, out, err
			})
		},
	}
	cmd.Flags().IntVarP(&o.Credentials, "number", "n", 2000, "number of credentials to issue")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 32, "number of concurrent wallets")
	cmd.Flags().IntVar(&o.Batch, "batch", 1, "credentials per credential request (batch issuance, one proof key each)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the issuance phase to this file")
	cmd.Flags().DurationVar(&soak, "duration", 0, "soak run: issue rounds of -n credentials on one issuer until this much time has passed (e.g. 10m); prints each round and memory at the start and end")
	benchStoreFlags(cmd, &o.Store, &o.Replicas, "issuer")
	benchTargetFlags(cmd, &tg, "issuer", "the acknowledged credentials ({\"offer_id\", \"status_uri\", \"status_index\"}: the issuer's admin API lists each credential with its offer_id and status index)")
	return cmd
}

func newVerifierBenchCommand() *cobra.Command {
	var o bench.VerifierOptions
	var tg benchTargets
	var credFile, holderFile string
	var cpuProfile string
	var soak time.Duration
	cmd := &cobra.Command{
		Use:   "bench [-n N] [--concurrency C] [--disclosures D] [--mode MODE] [--store DSN --replicas R | --target URL...]",
		Short: "Measure durable presentation verification over HTTPS on this machine, or against running replicas",
		Long: "Start a verifier on 127.0.0.1 (TLS, badger store with synced writes in a temporary folder)\n" +
			"with a profile that asks for one learning credential's skills, and an issuer (did:jwk) it\n" +
			"trusts. Create N transactions and let a wallet answer each with one ES256 SD-JWT VC\n" +
			"presentation of D disclosures (the skills array and D-1 ESCO skills) and a KB-JWT, in\n" +
			"--mode (direct_post.jwt: encrypted to the transaction's ECDH-ES key). Then C concurrent\n" +
			"clients, each on a kept-alive connection, post the responses to the response_uri; every\n" +
			"response is decrypted, verified (signature, KB-JWT audience and nonce, sd_hash, times,\n" +
			"trusted issuer), re-checked against the DCQL query, decided on, stored (the nonce spent\n" +
			"and the decision synced to disk) and answered with a signed receipt.\n" +
			"Prints presentations verified per second, the p50 and p99 latency of one response, and\n" +
			"the CPU time this process spent per response (cpu_ms_per_flow, verifier and clients together).\n\n" +
			"--target URL (repeatable) loads verifier replicas that already run (verifier serve --store)\n" +
			"instead: transactions for --profile are made through their admin API (--admin-token-file,\n" +
			"--ca-file), answered with --credential (from an issuer they trust) and --holder-key, and each\n" +
			"answer is posted to the next target. A response that a target does not answer within\n" +
			"--timeout fails and is not acknowledged; the run succeeds when any did, and prints failed.\n" +
			"--acked-file FILE gets one JSON line per receipt: {\"transaction_id\", \"decided_at\"}, to\n" +
			"check against the admin API (paspoort verifier result).",
		Example: "  paspoort verifier bench -n 1500 --store postgres://bench@localhost/bench --replicas 2\n" +
			"  paspoort verifier bench -n 1500 --target https://verifier-1:8443 --target https://verifier-2:8443 \\\n" +
			"    --admin-token-file admin.token --ca-file ca.pem --profile skill-check --credential skill.sdjwt \\\n" +
			"    --holder-key holder.jwk --acked-file decided.jsonl",
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
			if err := verifierBenchTargets(cmd, &o, &tg, credFile, holderFile); err != nil {
				return err
			}
			if soak > 0 {
				o.Progress = cmd.ErrOrStderr()
				s, err := bench.VerifierSoak(cmd.Context(), o, soak)
				return reportSoak(cmd, s, 1, tg.prepared(err))
			}
			return runBench(cmd, cpuProfile, &tg, func(prof io.Writer) (bench.Result, map[string]any, error) {
				o.Profile, o.Progress = prof, cmd.ErrOrStderr()
				r, err := bench.Verifier(cmd.Context(), o)
				out := map[string]any{
					"presentations": r.Flows - r.Failed, "failed": r.Failed, "concurrency": o.Concurrency, "store": benchStoreName(o.Store), "replicas": max(o.Replicas, 1),
					"disclosures": o.Disclosures, "response_mode": o.ResponseMode, "presentations_per_second": r.PerSecond(1),
				}
				if len(tg.urls) > 0 {
					delete(out, "store") // the targets' own
					delete(out, "disclosures")
					out["replicas"], out["targets"], out["profile"] = len(tg.urls), tg.urls, o.TargetProfile
				}
				return r, out, err
			})
		},
	}
	cmd.Flags().IntVarP(&o.Presentations, "number", "n", 3000, "number of presentations to verify")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 32, "number of concurrent clients")
	cmd.Flags().IntVar(&o.Disclosures, "disclosures", 20, "disclosures in each presentation")
	cmd.Flags().StringVar(&o.ResponseMode, "mode", oid4vp.ResponseModeDirectPostJWT, "response mode: direct_post.jwt or direct_post")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the verification phase to this file")
	cmd.Flags().DurationVar(&soak, "duration", 0, "soak run: verify rounds of -n presentations on one verifier until this much time has passed (e.g. 10m); prints each round and memory at the start and end")
	cmd.Flags().StringVar(&o.TargetProfile, "profile", "", "with --target: the id of the requirement profile the replicas ask for (the credential must meet it)")
	cmd.Flags().StringVar(&credFile, "credential", "", "with --target: file holding the SD-JWT VC presented (from an issuer the replicas trust)")
	cmd.Flags().StringVar(&holderFile, "holder-key", "", "with --target: file holding the credential's holder key (private JWK)")
	benchStoreFlags(cmd, &o.Store, &o.Replicas, "verifier")
	benchTargetFlags(cmd, &tg, "verifier", "the acknowledged decisions ({\"transaction_id\", \"decided_at\"}: the verifier's admin API gives each transaction's decision and decided_at)")
	return cmd
}

// benchStoreFlags adds --store and --replicas to a bench command, and
// checks them before the run.
func benchStoreFlags(cmd *cobra.Command, store *string, replicas *int, what string) {
	cmd.Flags().StringVar(store, "store", "", "postgres://… of a scratch database the "+what+" replicas share (its tables are created and the run's records left there); default: badger in a temporary folder")
	cmd.Flags().IntVar(replicas, "replicas", 1, "replicas of the "+what+" in this process sharing --store, each with its own listener and connection pool; flows move between them")
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		switch {
		case *replicas < 1 || *replicas > 16:
			return usagef("--replicas must be 1 to 16")
		case *replicas > 1 && *store == "":
			return usagef("--replicas %d needs --store postgres://…: a badger store belongs to one process", *replicas)
		case *store != "" && !pg.IsDSN(*store):
			return usagef("--store %s: not a database address (FMT): give --store postgres://user@host:5432/database", pg.Redact(*store))
		}
		return run(cmd, args)
	}
}

// benchStoreName says which store a run used, without a password.
func benchStoreName(store string) string {
	if store == "" {
		return "badger"
	}
	return "postgres " + pg.Redact(store)
}

// runBench opens the CPU profile file, runs the bench and prints its
// figures with the common ones (seconds, p50_ms, p99_ms). A run in
// which flows failed prints its figures and fails with the first error;
// against --target replicas, only a run in which every flow failed does
// (see benchTargets.partial).
func runBench(cmd *cobra.Command, cpuProfile string, tg *benchTargets, bench func(prof io.Writer) (bench.Result, map[string]any, error)) error {
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
		return tg.prepared(err)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	out["seconds"], out["p50_ms"], out["p99_ms"] = r.Elapsed.Seconds(), ms(r.P50), ms(r.P99)
	if c := r.CPUPerFlow(); c > 0 {
		// The process's CPU time per flow and the cores it kept busy:
		// steadier than the rate on a shared machine.
		out["cpu_ms_per_flow"], out["cpu_cores"] = ms(c), r.CPU.Seconds()/r.Elapsed.Seconds()
	}
	if werr := writeJSON(cmd, out); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if tg != nil && len(tg.urls) > 0 {
		return tg.partial(cmd, r)
	}
	if r.Err != nil {
		return fmt.Errorf("%d of %d flows failed, first: %w", r.Failed, r.Flows, r.Err)
	}
	return nil
}

// reportSoak prints a soak run as JSON: every round (when it ended, rate,
// p50, p99, failures, live heap), the totals, p99 in the first and last
// quarter of the rounds, and memory at the start and the end. Any failed
// flow fails the command.
func reportSoak(cmd *cobra.Command, s bench.SoakResult, per int, err error) error {
	if len(s.Rounds) == 0 {
		return err
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rounds := make([]map[string]any, len(s.Rounds))
	for i, r := range s.Rounds {
		rounds[i] = map[string]any{
			"at_seconds": r.At.Seconds(), "per_second": r.PerSecond(per), "p50_ms": ms(r.P50),
			"p99_ms": ms(r.P99), "failed": r.Failed, "heap_mb": r.HeapMB,
		}
	}
	quarter := func(rs []bench.Round) float64 {
		worst := time.Duration(0)
		for _, r := range rs {
			worst = max(worst, r.P99)
		}
		return ms(worst)
	}
	q := max(1, len(s.Rounds)/4)
	var timed time.Duration
	for _, r := range s.Rounds {
		timed += r.Elapsed
	}
	out := map[string]any{
		"seconds": s.Elapsed.Seconds(), "rounds": rounds, "flows": s.Flows, "failed": s.Failed,
		"per_second":           float64((s.Flows-s.Failed)*per) / timed.Seconds(), // over the timed phases, as a single run reports it
		"p99_ms_first_quarter": quarter(s.Rounds[:q]), "p99_ms_last_quarter": quarter(s.Rounds[len(s.Rounds)-q:]),
		"memory_start": map[string]float64{"heap_mb": s.Start.HeapMB, "rss_mb": s.Start.RSSMB},
		"memory_end":   map[string]float64{"heap_mb": s.End.HeapMB, "rss_mb": s.End.RSSMB},
	}
	if werr := writeJSON(cmd, out); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if s.Err != nil {
		return fmt.Errorf("%d of %d flows failed, first: %w", s.Failed, s.Flows, s.Err)
	}
	return nil
}
