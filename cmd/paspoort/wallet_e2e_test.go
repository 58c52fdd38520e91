package main

// The wallet against the REAL issuer (issuer.New, Serve) and the REAL
// verifier (verifier.New, Handler), each on a TLS listener on 127.0.0.1
// with a badger store in t.TempDir(). They meet only over HTTP, as the
// three parties do in production; cmd is the one place that imports all
// three.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/loopbacktls"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/profiles"
	"github.com/loopbrug/paspoort/wallet"
)

const e2eAdminToken = "e2e-admin-token-0123456789abcdef0123456789"

// loopbackCert returns a TLS certificate for 127.0.0.1 and a pool that
// trusts it.
func loopbackCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	c, err := loopbacktls.New()
	if err != nil {
		t.Fatal(err)
	}
	return c.TLS, c.Pool
}

// adminJSON sends an admin request with the bearer token and decodes the
// answer into out.
func adminJSON(t *testing.T, client *http.Client, method, url string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+e2eAdminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, url, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return res.StatusCode
}

// startRealIssuer runs issuer.Serve on a TLS listener on 127.0.0.1.
func startRealIssuer(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + ln.Addr().String()
	st, err := issuer.OpenBadgerStore(t.TempDir(), bytes.Repeat([]byte{9}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(context.Background(), st, issuer.Config{
		URL: base, Name: map[string]string{"nl": "Testbureau Vakmanschap", "en": "Craftsmanship Assessors"},
		Types: []string{"level", "skill"}, AdminToken: e2eAdminToken, AllowLoopback: true,
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- is.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("issuer serve: %v", err)
		}
		st.Close()
	})
	return base
}

// startRealVerifier runs the verifier's Handler on a TLS listener on
// 127.0.0.1 with the shipped installatiemonteur profile, trusting iss for
// level and skill credentials.
func startRealVerifier(t *testing.T, cert tls.Certificate, rt http.RoundTripper, iss string) string {
	t.Helper()
	return startVerifier(t, &cert, rt, iss)
}

// startVerifier is startRealVerifier; with a nil cert it serves plain
// http as a redirect_uri: client with unsigned request objects, as
// "paspoort dev" verifiers on a laptop do.
func startVerifier(t *testing.T, cert *tls.Certificate, rt http.RoundTripper, iss string) string {
	t.Helper()
	return startVerifierWith(t, cert, rt, iss, nil)
}

// startVerifierWith is startVerifier with the configuration changed by
// change (when not nil) before the verifier is made.
func startVerifierWith(t *testing.T, cert *tls.Certificate, rt http.RoundTripper, iss string, change func(*verifier.Config)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base, prefix := "https://"+ln.Addr().String(), ""
	if cert == nil {
		base, prefix = "http://"+ln.Addr().String(), oid4vp.PrefixRedirectURI
	}
	db, err := kv.Open(kv.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	seal := make([]byte, 32)
	_, _ = rand.Read(seal)
	st, err := verifier.NewBadgerStore(db, seal)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(profiles.FS, "installatiemonteur.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse("installatiemonteur.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = fs.ReadFile(profiles.FS, p.Catalogue+".catalogue.yaml")
	cat, err := profile.ParseCatalogue(p.Catalogue+".catalogue.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := jose.GenerateKey(jose.ES256)
	fetcher, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(rt))
	if err != nil {
		t.Fatal(err)
	}
	cfg := verifier.Config{
		BaseURL: base, SigningKey: key, Profiles: []*profile.Profile{p}, Catalogues: []*profile.Catalogue{cat},
		Trust:      verifier.StaticTrust{List: &verifier.TrustList{Issuers: []verifier.TrustedIssuer{{ID: iss, Types: []string{"level", "skill"}}}}},
		AdminToken: e2eAdminToken, ClientIDPrefix: prefix,
	}
	if change != nil {
		change(&cfg)
	}
	v, err := verifier.New(st, cfg, verifier.WithAllowLoopback(), verifier.WithFetcher(fetcher))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: v.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if cert == nil {
			_ = srv.Serve(ln)
			return
		}
		_ = srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}))
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		db.Close()
	})
	return base
}

// claimsOf returns a PPP type's example claims with overrides.
func claimsOf(t *testing.T, typ string, over map[string]any) map[string]any {
	t.Helper()
	ty, _ := ppp.Lookup(typ)
	var m map[string]any
	if err := json.Unmarshal(ty.Example(), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// The wallet receives from the real issuer (an offer made through its admin
// API, by reference, with a tx_code: level and skill, two copies each),
// lists them VALID (every copy checked against the issuer's status list),
// presents to the real verifier (the shipped installatiemonteur profile,
// which marks every credential set optional) and gets a decision that uses
// both credentials; the issuer then revokes one copy and the wallet shows
// the credential revoked, with the status per copy.
func TestWalletWithRealIssuerAndVerifier(t *testing.T) {
	ctx := context.Background()
	cert, pool := loopbackCert(t)
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	admin := &http.Client{Transport: rt, Timeout: 20 * time.Second}
	iss := startRealIssuer(t, cert)
	ver := startRealVerifier(t, cert, rt, iss)

	const meetinstrumenten = "http://data.europa.eu/esco/skill/b92758d4-4591-4df1-9ceb-f907aa71ebd9"
	var offer issuer.Offer
	if code := adminJSON(t, admin, http.MethodPost, iss+"/admin/offers", map[string]any{
		"credentials": []map[string]any{
			{"type": "level", "claims": claimsOf(t, "level", nil)},
			{"type": "skill", "claims": claimsOf(t, "skill", map[string]any{"skill": meetinstrumenten, "skill_label": "use measurement instruments"})},
		},
		"tx_code": true, "subject_ref": "e2e-1",
	}, &offer); code != http.StatusCreated || offer.TxCode == "" {
		t.Fatalf("offer: %d %+v", code, offer)
	}

	dir := t.TempDir()
	opts := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(rt),
		wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1})}
	w, err := wallet.Init(ctx, dir, []byte("a long wallet passphrase"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	o, err := w.ResolveOffer(ctx, offer.OfferURIByReference)
	if err != nil {
		t.Fatalf("resolve offer: %v", err)
	}
	if o.Issuer != iss || o.IssuerName != "Testbureau Vakmanschap" || len(o.Credentials) != 2 || o.TxCode == nil || o.TxCode.Length != len(offer.TxCode) {
		t.Fatalf("offer %+v", o)
	}
	got, err := w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: offer.TxCode, Copies: 2})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("received %d credentials", len(got))
	}
	var skillID string
	for _, c := range w.Credentials() {
		s := w.Summarize(ctx, c, false)
		if s.Status != wallet.StatusValid || !slices.Equal(s.CopyStatus, []wallet.Status{wallet.StatusValid, wallet.StatusValid}) || s.Copies != 2 {
			r, err := w.CheckStatus(ctx, c, false)
			t.Fatalf("%s: %+v (%+v, %v)", c.Type, s, r, err)
		}
		if c.Type == "skill" {
			skillID = c.ID
		}
	}

	// present to the verifier
	var req verifier.Request
	adminJSON(t, admin, http.MethodPost, ver+"/admin/transactions", map[string]string{"profile": "installatiemonteur"}, &req)
	pr, err := w.ReadRequest(ctx, req.RequestURI)
	if err != nil {
		t.Fatalf("read request: %v", err)
	}
	if !pr.Satisfied || pr.ResponseMode != "direct_post.jwt" {
		t.Fatalf("request %+v", pr)
	}
	if _, err := w.Present(ctx, pr, nil); err == nil {
		t.Fatal("presented optional queries without being asked to")
	}
	res, err := w.Present(ctx, pr, &wallet.Selection{IncludeOptional: true})
	if err != nil {
		t.Fatalf("present: %v", err)
	}
	if len(res.Presentation.Credentials) != 2 {
		t.Fatalf("shared %+v", res.Presentation.Credentials)
	}
	var st verifier.Status
	adminJSON(t, admin, http.MethodGet, ver+"/admin/transactions/"+req.TransactionID+"?wait=5s", nil, &st)
	if st.Decision == nil || len(st.Decision.Rejected) != 0 || len(st.Decision.Credentials) != 2 {
		t.Fatalf("decision %+v", st)
	}
	met := map[string]bool{}
	for _, r := range st.Decision.Requirements {
		met[r.ID] = r.Status == profile.StatusMet
	}
	if !met["werk-en-denkniveau"] || !met["meetinstrumenten"] || met["cv-ketel"] {
		t.Fatalf("requirements %+v", st.Decision.Requirements)
	}

	// the issuer revokes the second copy of the skill credential
	c, _ := w.Credential(skillID)
	var list struct {
		Credentials []issuer.CredentialRecord `json:"credentials"`
	}
	adminJSON(t, admin, http.MethodGet, iss+"/admin/credentials", nil, &list)
	revoked := ""
	for _, r := range list.Credentials {
		if r.Type == "skill" && r.StatusIndex == c.Status[1].Index {
			revoked = r.ID
		}
	}
	if revoked == "" {
		t.Fatalf("no issuer record for status index %d in %+v", c.Status[1].Index, list)
	}
	adminJSON(t, admin, http.MethodPost, iss+"/admin/credentials/"+revoked+"/revoke", map[string]string{}, nil)
	w.Close()
	// a new session: the status list cache of the last one is gone
	w, err = wallet.OpenDir(ctx, dir, []byte("a long wallet passphrase"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c, _ = w.Credential(skillID)
	if s := w.Summarize(ctx, c, false); s.Status != wallet.StatusRevoked || !slices.Equal(s.CopyStatus, []wallet.Status{wallet.StatusValid, wallet.StatusRevoked}) {
		t.Fatalf("after revoking one copy: %+v", s)
	}
}
