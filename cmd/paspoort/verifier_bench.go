package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
)

// verifierBench is what `paspoort verifier bench` runs.
type verifierBench struct {
	n, conc, disclosures int
	mode                 string
	prof                 *os.File
}

func newVerifierBenchCommand() *cobra.Command {
	var b verifierBench
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench [-n N] [--concurrency C] [--disclosures D]",
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
			if b.n < 1 || b.conc < 1 {
				return usagef("-n and --concurrency must be positive")
			}
			if most := len(ppp.ESCOSkills()) + 1; b.disclosures < 2 || b.disclosures > most {
				return usagef("--disclosures must be 2 to %d", most)
			}
			if b.mode != oid4vp.ResponseModeDirectPost && b.mode != oid4vp.ResponseModeDirectPostJWT {
				return usagef("--mode must be %s or %s", oid4vp.ResponseModeDirectPostJWT, oid4vp.ResponseModeDirectPost)
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return usagef("--cpuprofile: %v", err)
				}
				defer f.Close()
				b.prof = f
			}
			return b.run(cmd)
		},
	}
	cmd.Flags().IntVarP(&b.n, "number", "n", 3000, "number of presentations to verify")
	cmd.Flags().IntVar(&b.conc, "concurrency", 32, "number of concurrent clients")
	cmd.Flags().IntVar(&b.disclosures, "disclosures", 20, "disclosures in each presentation")
	cmd.Flags().StringVar(&b.mode, "mode", oid4vp.ResponseModeDirectPostJWT, "response mode: direct_post.jwt or direct_post")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the verification phase to this file")
	return cmd
}

// benchProfileYAML asks for a learning credential's skills, at least min.
const benchProfileYAML = `id: bench
version: "1"
kind: admission
title: {nl: Meting, en: Benchmark}
purpose: {nl: Meting van de verificatiesnelheid, en: Measuring verification throughput}
requirements:
  - id: vaardigheden
    title: {nl: Vaardigheden, en: Skills}
    required: true
    type: learning
    claims: [skills]
    predicate: size(skills) >= %d
`

func (b *verifierBench) run(cmd *cobra.Command) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	dir, err := os.MkdirTemp("", "paspoort-verifier-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cert, pool, err := benchCert()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "https://" + ln.Addr().String()

	// The issuer and the holder's one credential.
	issKey, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return err
	}
	issDID, err := did.JWKFromKey(issKey.Public())
	if err != nil {
		return err
	}
	issKey = issKey.WithKeyID(issDID + "#0")
	holder, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return err
	}
	learning, _ := ppp.Lookup("learning")
	var claims map[string]any
	if err := json.Unmarshal(learning.Example(), &claims); err != nil {
		return err
	}
	var skills []any
	for _, s := range ppp.ESCOSkills()[:b.disclosures-1] {
		skills = append(skills, s.URI)
	}
	claims["skills"] = skills
	now := time.Now()
	cred, err := sdjwtvc.Issue(issKey, sdjwtvc.Credential{
		Issuer: issDID, VCT: learning.VCT, HolderKey: holder.Public(),
		IssuedAt: now.Add(-time.Minute), Expires: now.Add(24 * time.Hour), Claims: claims,
	})
	if err != nil {
		return fmt.Errorf("issue the credential: %w", err)
	}

	// The verifier.
	prof, err := profile.Parse("bench.yaml", fmt.Appendf(nil, benchProfileYAML, b.disclosures-1))
	if err != nil {
		return err
	}
	db, err := kv.Open(kv.Options{Dir: dir})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	store, err := verifier.NewBadgerStore(db, randomBytes(32))
	if err != nil {
		return err
	}
	signing, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		return err
	}
	v, err := verifier.New(store, verifier.Config{
		BaseURL: base, SigningKey: signing, Profiles: []*profile.Profile{prof},
		Trust:      verifier.StaticTrust{List: &verifier.TrustList{Issuers: []verifier.TrustedIssuer{{ID: issDID, Types: []string{"learning"}}}}},
		AdminToken: randomText(32), ResponseMode: b.mode,
	}, verifier.WithAllowLoopback(), verifier.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		done <- v.Serve(ctx, ln, verifier.ServerConfig{TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	}()
	defer func() { cancel(); <-done }()

	// The wallet's responses, made beforehand: creating a request and
	// presenting are not what is measured.
	forms := make([]url.Values, b.n)
	ids := make([]string, b.n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var setupErr atomic.Value
	for range max(runtime.GOMAXPROCS(0), 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.n; i = int(next.Add(1)) - 1 {
				var perr error
				if ids[i], forms[i], perr = benchResponse(ctx, v, cred, holder); perr != nil {
					setupErr.CompareAndSwap(nil, perr)
					return
				}
			}
		}()
	}
	wg.Wait()
	if e, ok := setupErr.Load().(error); ok {
		return fmt.Errorf("prepare responses: %w", e)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d transactions answered by the wallet; posting them with %d concurrent clients…\n", b.n, b.conc)

	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: b.conc, MaxConnsPerHost: b.conc,
	}, Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	lat := make([]time.Duration, b.n)
	if b.prof != nil {
		if err := pprof.StartCPUProfile(b.prof); err != nil {
			return err
		}
	}
	next.Store(0)
	var failures atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	for range b.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.n; i = int(next.Add(1)) - 1 {
				t0 := time.Now()
				if err := benchPost(ctx, hc, base+"/response", forms[i]); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if b.prof != nil {
		pprof.StopCPUProfile()
	}
	// The responses were not only accepted: the profile was met on them.
	if failures.Load() == 0 {
		for _, i := range []int{0, b.n - 1} {
			st, err := v.Result(ctx, ids[i], 0)
			if err != nil {
				return err
			}
			if st.Decision == nil || st.Decision.Outcome != profile.OutcomeAccepted {
				return fmt.Errorf("transaction %d: not accepted: %+v", i, st.Decision)
			}
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	verified := b.n - int(failures.Load())
	res := map[string]any{
		"presentations": verified, "failed": failures.Load(), "concurrency": b.conc,
		"disclosures": b.disclosures, "response_mode": b.mode,
		"seconds": elapsed.Seconds(), "presentations_per_second": float64(verified) / elapsed.Seconds(),
		"p50_ms": float64(pct(0.50).Microseconds()) / 1000, "p99_ms": float64(pct(0.99).Microseconds()) / 1000,
	}
	if err := writeJSON(cmd, res); err != nil {
		return err
	}
	if e, ok := firstErr.Load().(error); ok {
		return fmt.Errorf("%d responses failed, first: %w", failures.Load(), e)
	}
	return nil
}

// benchResponse creates a transaction and the wallet's response to it:
// the request object read, the DCQL query matched against the one
// credential, the matched claims presented with a KB-JWT for the
// verifier's client_id and nonce, and the form to post (encrypted for
// direct_post.jwt).
func benchResponse(ctx context.Context, v *verifier.Verifier, cred string, holder *jose.PrivateKey) (string, url.Values, error) {
	req, err := v.CreateRequest(ctx, "bench", verifier.RequestOptions{})
	if err != nil {
		return "", nil, err
	}
	ro, err := v.RequestObject(ctx, req.TransactionID, "")
	if err != nil {
		return "", nil, err
	}
	jws, err := jose.ParseCompact(ro)
	if err != nil {
		return "", nil, err
	}
	r, err := oid4vp.ParseAuthorizationRequest(jws.Payload)
	if err != nil {
		return "", nil, err
	}
	s, err := sdjwt.Parse(cred)
	if err != nil {
		return "", nil, err
	}
	p, err := s.Process()
	if err != nil {
		return "", nil, err
	}
	vct, _ := p.Claims["vct"].(string)
	m, err := dcql.Match(r.DCQLQuery, []dcql.Candidate{{ID: "c", Format: dcql.FormatSDJWTVC, VCT: vct, Claims: p.Claims, HolderBinding: true}})
	if err != nil {
		return "", nil, err
	}
	vp := oid4vp.VPToken{}
	for qid, ms := range m.Presentation {
		for _, mt := range ms {
			pres, err := sdjwt.Present(cred, sdjwt.Selection{Paths: mt.Paths}, &sdjwt.KeyBindingOptions{Key: holder, Audience: r.ClientID, Nonce: r.Nonce})
			if err != nil {
				return "", nil, err
			}
			vp[qid] = append(vp[qid], pres)
		}
	}
	if len(vp) != 1 {
		return "", nil, fmt.Errorf("the credential does not match the query")
	}
	resp := oid4vp.AuthorizationResponse{VPToken: vp, State: r.State}
	if r.ResponseMode != oid4vp.ResponseModeDirectPostJWT {
		f, err := resp.Form()
		return req.TransactionID, f, err
	}
	key, enc, err := r.EncryptionKey()
	if err != nil {
		return "", nil, err
	}
	f, err := resp.EncryptedForm(key, enc)
	return req.TransactionID, f, err
}

// benchPost posts one response and checks that a receipt came back.
func benchPost(ctx context.Context, hc *http.Client, uri string, form url.Values) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"receipt"`) {
		return fmt.Errorf("response_uri: HTTP %d: %.200s", resp.StatusCode, body)
	}
	return nil
}
