package issuer_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/loopbacktls"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/issuer"
)

const adminToken = "test-admin-token-0123456789abcdef0123456789"

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a running issuer on 127.0.0.1 over TLS with a badger store in a
// temporary folder.
type env struct {
	URL    string
	Client *http.Client
	// Fetcher is a safehttp client for credentials/ verification, allowed
	// to reach loopback and trusting the test certificate.
	Fetcher *safehttp.Client
	Issuer  *issuer.Issuer
	Clock   *testClock
}

// selfSigned returns a TLS certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	c, err := loopbacktls.New()
	if err != nil {
		t.Fatal(err)
	}
	return c.TLS, c.Pool
}

// startIssuer starts the real service: a TLS listener on 127.0.0.1, a
// badger store in t.TempDir(), Serve until the test ends.
func startIssuer(t testing.TB, mod func(*issuer.Config)) *env {
	t.Helper()
	return startIssuerWith(t, mod, nil)
}

// startIssuerWith is startIssuer with the store wrapped by wrap (when not
// nil) before the issuer gets it.
func startIssuerWith(t testing.TB, mod func(*issuer.Config), wrap func(issuer.Store) issuer.Store) *env {
	t.Helper()
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + ln.Addr().String()
	masterKey := bytes.Repeat([]byte{7}, 32)
	store, err := issuer.OpenBadgerStore(t.TempDir(), masterKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Now()}
	cfg := issuer.Config{
		URL: base, Name: map[string]string{"nl": "Testbureau", "en": "Test assessor"}, AdminToken: adminToken,
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, AllowLoopback: true,
	}
	if mod != nil {
		mod(&cfg)
	}
	var st issuer.Store = store
	if wrap != nil {
		st = wrap(store)
	}
	is, err := issuer.New(context.Background(), st, cfg, issuer.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- is.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	fetcher, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(tr))
	if err != nil {
		t.Fatal(err)
	}
	return &env{URL: base, Client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, Fetcher: fetcher, Issuer: is, Clock: clock}
}

// do sends a request and returns the status and body.
func (e *env) do(t testing.TB, method, url, contentType, auth string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// createOffer creates an offer through the admin API.
func (e *env) createOffer(t testing.TB, req map[string]any) *issuer.Offer {
	t.Helper()
	b, _ := json.Marshal(req)
	code, body, _ := e.do(t, http.MethodPost, e.URL+"/admin/offers", "application/json", adminToken, b)
	if code != http.StatusCreated {
		t.Fatalf("create offer: %d %s", code, body)
	}
	var o issuer.Offer
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	return &o
}

// example returns a PPP type's example claims.
func example(t testing.TB, typ string) json.RawMessage {
	t.Helper()
	ty, ok := ppp.Lookup(typ)
	if !ok {
		t.Fatalf("no type %s", typ)
	}
	return ty.Example()
}

// token redeems a pre-authorized code; it returns the status and either
// the token response or the error response.
func (e *env) token(t testing.TB, code string, txCode *string) (int, *oid4vci.TokenResponse, *oid4vci.ErrorResponse) {
	t.Helper()
	r := oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: code}
	if txCode != nil {
		r.TxCode, r.HasTxCode = *txCode, true
	}
	status, body, _ := e.do(t, http.MethodPost, e.URL+"/token", "application/x-www-form-urlencoded", "", []byte(r.Form().Encode()))
	if status != http.StatusOK {
		er, err := oid4vci.ParseErrorResponse(body)
		if err != nil {
			t.Fatalf("token error %d: %s", status, body)
		}
		return status, nil, er
	}
	tr, err := oid4vci.ParseTokenResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	return status, tr, nil
}

func (e *env) nonce(t testing.TB) string {
	t.Helper()
	status, body, h := e.do(t, http.MethodPost, e.URL+"/nonce", "", "", nil)
	if status != http.StatusOK || !strings.Contains(h.Get("Cache-Control"), "no-store") {
		t.Fatalf("nonce: %d %s %v", status, body, h)
	}
	r, err := oid4vci.ParseNonceResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	return r.CNonce
}

// credential sends a credential request with proofs.
func (e *env) credential(t testing.TB, access, configID string, proofs ...string) (int, *oid4vci.CredentialResponse, *oid4vci.ErrorResponse) {
	t.Helper()
	b, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: configID, Proofs: &oid4vci.Proofs{JWT: proofs}})
	status, body, _ := e.do(t, http.MethodPost, e.URL+"/credential", "application/json", access, b)
	if status != http.StatusOK {
		er, err := oid4vci.ParseErrorResponse(body)
		if err != nil {
			t.Fatalf("credential error %d: %s", status, body)
		}
		return status, nil, er
	}
	r, err := oid4vci.ParseCredentialResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	return status, r, nil
}

// preAuthCode returns the pre-authorized code of an offer URI.
func preAuthCode(t testing.TB, offerURI string) string {
	t.Helper()
	ref, err := oid4vci.ParseOfferURI(offerURI)
	if err != nil {
		t.Fatal(err)
	}
	return ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode
}

func strp(s string) *string { return &s }
