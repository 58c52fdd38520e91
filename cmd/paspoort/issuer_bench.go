package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

func newIssuerBenchCommand() *cobra.Command {
	var n, conc, batch int
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench [-n N] [--concurrency C]",
		Short: "Measure durable end-to-end issuance over HTTPS on this machine",
		Long: "Start an issuer on 127.0.0.1 (TLS, badger store with synced writes in a temporary folder),\n" +
			"create offers, then let C concurrent wallets each redeem an offer (token), get a c_nonce,\n" +
			"sign --batch key proofs and receive that many SD-JWT VCs, until N credentials are issued.\n" +
			"Prints credentials per second and the p50 and p99 latency of one whole issuance flow\n" +
			"(token + nonce + credential request). Every acknowledged write is synced to disk.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || conc < 1 || batch < 1 || batch > 100 {
				return usagef("-n and --concurrency must be positive, --batch 1 to 100")
			}
			var prof *os.File
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return usagef("--cpuprofile: %v", err)
				}
				defer f.Close()
				prof = f
			}
			return runIssuerBench(cmd, n, conc, batch, prof)
		},
	}
	cmd.Flags().IntVarP(&n, "number", "n", 2000, "number of credentials to issue")
	cmd.Flags().IntVar(&conc, "concurrency", 32, "number of concurrent wallets")
	cmd.Flags().IntVar(&batch, "batch", 1, "credentials per credential request (batch issuance, one proof key each)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the issuance phase to this file")
	return cmd
}

func runIssuerBench(cmd *cobra.Command, n, conc, batch int, prof *os.File) error {
	flows := (n + batch - 1) / batch
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	dir, err := os.MkdirTemp("", "paspoort-issuer-bench-")
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
	store, err := issuer.OpenBadgerStore(dir, randomBytes(32), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	is, err := issuer.New(ctx, store, issuer.Config{
		URL: base, Name: map[string]string{"en": "bench"}, AdminToken: randomText(32), AllowLoopback: true, BatchSize: max(batch, 2),
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	})
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- is.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	skill, _ := ppp.Lookup("skill")
	codes := make([]string, flows)
	var next atomic.Int64
	var wg sync.WaitGroup
	var setupErr atomic.Value
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < flows; i = int(next.Add(1)) - 1 {
				o, err := is.CreateOffer(ctx, issuer.OfferRequest{Type: "skill", Claims: skill.Example()})
				if err != nil {
					setupErr.Store(err)
					return
				}
				ref, _ := oid4vci.ParseOfferURI(o.OfferURI)
				codes[i] = ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode
			}
		}()
	}
	wg.Wait()
	if e, ok := setupErr.Load().(error); ok {
		return fmt.Errorf("create offers: %w", e)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d offers created; issuing %d credentials with %d concurrent wallets…\n", flows, flows*batch, conc)

	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc,
	}, Timeout: 30 * time.Second}
	lat := make([]time.Duration, flows)
	if prof != nil {
		if err := pprof.StartCPUProfile(prof); err != nil {
			return err
		}
	}
	next.Store(0)
	var failures atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holders := make([]*jose.PrivateKey, batch)
			for i := range holders {
				holders[i], _ = jose.GenerateKey(jose.ES256)
			}
			for i := int(next.Add(1)) - 1; i < flows; i = int(next.Add(1)) - 1 {
				t0 := time.Now()
				if err := benchIssue(ctx, hc, base, codes[i], holders); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if prof != nil {
		pprof.StopCPUProfile()
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	issued := (flows - int(failures.Load())) * batch
	res := map[string]any{
		"credentials": issued, "failed_flows": failures.Load(), "concurrency": conc, "batch": batch,
		"seconds": elapsed.Seconds(), "credentials_per_second": float64(issued) / elapsed.Seconds(),
		"p50_ms": float64(pct(0.50).Microseconds()) / 1000, "p99_ms": float64(pct(0.99).Microseconds()) / 1000,
	}
	if err := writeJSON(cmd, res); err != nil {
		return err
	}
	if e, ok := firstErr.Load().(error); ok {
		return fmt.Errorf("%d issuances failed, first: %w", failures.Load(), e)
	}
	return nil
}

// benchIssue runs one wallet issuance: token, nonce, credential.
func benchIssue(ctx context.Context, hc *http.Client, base, code string, holders []*jose.PrivateKey) error {
	post := func(path, ct, auth, body string) ([]byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, b)
		}
		return b, err
	}
	tr := oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: code}
	b, err := post("/token", "application/x-www-form-urlencoded", "", tr.Form().Encode())
	if err != nil {
		return err
	}
	tok, err := oid4vci.ParseTokenResponse(b)
	if err != nil {
		return err
	}
	if b, err = post("/nonce", "", "", ""); err != nil {
		return err
	}
	nr, err := oid4vci.ParseNonceResponse(b)
	if err != nil {
		return err
	}
	proofs := make([]string, len(holders))
	for i, h := range holders {
		if proofs[i], err = oid4vci.BuildProof(h, oid4vci.ProofOptions{Audience: base, Nonce: nr.CNonce}); err != nil {
			return err
		}
	}
	body, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: "skill", Proofs: &oid4vci.Proofs{JWT: proofs}})
	if b, err = post("/credential", "application/json", tok.AccessToken, string(body)); err != nil {
		return err
	}
	cr, err := oid4vci.ParseCredentialResponse(b)
	if err == nil && len(cr.Credentials) != len(holders) {
		err = fmt.Errorf("%d credentials for %d proofs", len(cr.Credentials), len(holders))
	}
	return err
}

// benchCert returns a self-signed certificate for 127.0.0.1.
func benchCert() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool, nil
}
