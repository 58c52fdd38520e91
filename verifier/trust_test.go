package verifier_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/verifier"
)

// consortium publishes a signed trust list JWT over TLS on 127.0.0.1.
type consortium struct {
	t       *testing.T
	srv     *httptest.Server
	key     *jose.PrivateKey
	id      string
	fetches atomic.Int32

	mu  sync.Mutex
	jwt string
}

func newConsortium(t *testing.T) *consortium {
	t.Helper()
	k, _ := jose.GenerateKey(jose.ES256)
	c := &consortium{t: t, key: k, id: "https://loopbrug-utrecht.example"}
	c.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fetches.Add(1)
		c.mu.Lock()
		body := c.jwt
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/jwt")
		w.Write([]byte(body))
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// publish serves a trust list signed by key (the consortium's when nil),
// with the given typ, iss and lifetime.
func (c *consortium) publish(key *jose.PrivateKey, typ, iss string, iat, exp time.Time, issuers ...verifier.TrustedIssuer) {
	c.t.Helper()
	if key == nil {
		key = c.key
	}
	b, _ := json.Marshal(map[string]any{"iss": iss, "iat": iat.Unix(), "exp": exp.Unix(), "issuers": issuers})
	tok, err := jose.Sign(key, typ, nil, b)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.jwt = tok
	c.mu.Unlock()
}

func (c *consortium) remote(t *testing.T, now func() time.Time) *verifier.RemoteTrust {
	t.Helper()
	f, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(c.srv.Client().Transport))
	if err != nil {
		t.Fatal(err)
	}
	return &verifier.RemoteTrust{URL: c.srv.URL + "/trust-list.jwt", Key: c.key.Public(), Issuer: c.id, Fetcher: f, RefreshAfter: time.Hour, Now: now}
}

// TestRemoteTrust: a consortium's signed trust list is fetched over
// HTTPS, verified (typ, signature, iss, exp) and cached until RefreshAfter;
// a refresh that fails keeps the cached list until it expires, and then
// the verifier fails closed.
func TestRemoteTrust(t *testing.T) {
	c := newConsortium(t)
	start := time.Now()
	clock := start
	now := func() time.Time { return clock }
	a := verifier.TrustedIssuer{ID: "did:web:assessment.example", Types: []string{"talent", "skill"}}
	b := verifier.TrustedIssuer{ID: "did:web:hogeschool.example", Types: []string{"learning"}}
	c.publish(nil, verifier.TrustListType, c.id, start, start.Add(3*time.Hour), a)
	rt := c.remote(t, now)

	steps := []struct {
		name      string
		advance   time.Duration
		publish   func()
		wantErr   error
		trusted   verifier.TrustedIssuer
		wantFetch int32
	}{
		{name: "first use fetches", trusted: a, wantFetch: 1},
		{name: "cached within RefreshAfter", advance: 30 * time.Minute, trusted: a, wantFetch: 1},
		{name: "refreshed after RefreshAfter", advance: 31 * time.Minute, trusted: b, wantFetch: 2,
			publish: func() { c.publish(nil, verifier.TrustListType, c.id, start, start.Add(3*time.Hour), b) }},
		{name: "bad signature: cached list kept", advance: 61 * time.Minute, trusted: b, wantFetch: 3,
			publish: func() {
				other, _ := jose.GenerateKey(jose.ES256)
				c.publish(other, verifier.TrustListType, c.id, start, start.Add(9*time.Hour), a)
			}},
		{name: "cached list expired: fail closed", advance: time.Hour, wantErr: credentials.ErrSignature, wantFetch: 4},
		{name: "another publisher", publish: func() {
			c.publish(nil, verifier.TrustListType, "https://elsewhere.example", start, start.Add(9*time.Hour), a)
		},
			wantErr: credentials.ErrTrust, wantFetch: 5},
		{name: "wrong typ", publish: func() { c.publish(nil, "JWT", c.id, start, start.Add(9*time.Hour), a) },
			wantErr: credentials.ErrType, wantFetch: 6},
		{name: "expired list", publish: func() { c.publish(nil, verifier.TrustListType, c.id, start, start.Add(time.Hour), a) },
			wantErr: credentials.ErrClaim, wantFetch: 7},
		{name: "unknown PPP type", publish: func() {
			c.publish(nil, verifier.TrustListType, c.id, start, start.Add(9*time.Hour), verifier.TrustedIssuer{ID: a.ID, Types: []string{"diploma"}})
		}, wantErr: verifier.ErrBadTrustList, wantFetch: 8},
		{name: "good again", publish: func() { c.publish(nil, verifier.TrustListType, c.id, start, start.Add(9*time.Hour), a, b) },
			trusted: b, wantFetch: 9},
	}
	for _, s := range steps {
		clock = clock.Add(s.advance)
		if s.publish != nil {
			s.publish()
		}
		tl, err := rt.TrustList(t.Context())
		if !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: err %v, want %v", s.name, err, s.wantErr)
		}
		if err == nil && !tl.Trusted(s.trusted.ID, s.trusted.Types[0]) {
			t.Fatalf("%s: %s not trusted in %+v", s.name, s.trusted.ID, tl)
		}
		if n := c.fetches.Load(); n != s.wantFetch {
			t.Fatalf("%s: %d fetches, want %d", s.name, n, s.wantFetch)
		}
	}
	if _, err := (&verifier.RemoteTrust{}).TrustList(t.Context()); !errors.Is(err, verifier.ErrBadConfig) {
		t.Fatalf("empty RemoteTrust: %v", err)
	}
}

// TestRemoteTrustEndToEnd: a verifier whose trust list is the
// consortium's admits on credentials of an issuer the consortium
// accredits, and fetches the list once for several transactions.
func TestRemoteTrustEndToEnd(t *testing.T) {
	is := newIssuer(t)
	c := newConsortium(t)
	c.publish(nil, verifier.TrustListType, c.id, time.Now(), time.Now().Add(time.Hour), trustAll(is.did).Issuers...)
	rt := c.remote(t, nil)
	e := newEnvWith(t, envOptions{mode: oid4vp.ResponseModeDirectPostJWT, config: func(cfg *verifier.Config) { cfg.Trust = rt }})
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	for range 2 {
		if d, _ := run(t, e, w, false); d.Outcome != profile.OutcomeAccepted {
			t.Fatalf("outcome %s: %+v", d.Outcome, d.Rejected)
		}
	}
	if n := c.fetches.Load(); n != 1 {
		t.Fatalf("trust list fetched %d times, want 1", n)
	}
}
