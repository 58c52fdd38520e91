package dpop_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

var now = time.Unix(1_800_000_000, 0)

func testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func key(t testing.TB) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signRaw signs arbitrary header and claims, for proofs NewProof would
// never make.
func signRaw(t *testing.T, k *jose.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h, _ := strictjson.Marshal(header)
	c, _ := strictjson.Marshal(claims)
	tok, err := jose.SignRaw(k, h, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	k, other := key(t), key(t)
	nonces, err := dpop.NewNonces([]byte(strings.Repeat("k", 32)), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	otherNonces, _ := dpop.NewNonces([]byte(strings.Repeat("x", 32)), time.Minute)
	const url = "https://issuer.example/credential"
	base := dpop.ProofOptions{Method: "POST", URL: url, IssuedAt: now}
	mk := func(mod func(*dpop.ProofOptions)) string {
		o := base
		if mod != nil {
			mod(&o)
		}
		p, err := dpop.NewProof(k, o)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubJWK := k.Public().Map()
	privJWK, _ := k.MarshalJSON()
	var privMap map[string]any
	_ = strictjson.Unmarshal(privJWK, &privMap)
	goodClaims := map[string]any{"jti": "j1", "htm": "POST", "htu": url, "iat": now.Unix()}
	pol := dpop.Policy{Method: "POST", URL: url, Algs: []jose.Alg{jose.ES256}, Now: now}
	replayed := mk(func(o *dpop.ProofOptions) { o.JTI = "same" })
	if _, err := dpop.Verify(ctx, []string{replayed}, pol, dpop.NewMemoryReplayCache(10, func() time.Time { return now })); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		values  []string
		pol     func(*dpop.Policy)
		cache   dpop.ReplayCache
		wantErr []error
	}{
		{name: "valid", values: []string{mk(nil)}},
		{name: "htu with query and fragment ignored", values: []string{mk(func(o *dpop.ProofOptions) { o.URL = url + "?a=1#f" })}},
		{name: "htu normalised: case, default port, dot segment, percent-encoding", values: []string{signRaw(t, k,
			map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": pubJWK},
			map[string]any{"jti": "n1", "htm": "POST", "htu": "HTTPS://Issuer.EXAMPLE:443/x/../%63redential", "iat": now.Unix()})}},
		{name: "no header", values: nil, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrFormat}},
		{name: "two headers", values: []string{mk(nil), mk(nil)}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrFormat}},
		{name: "replayed jti", values: []string{replayed}, wantErr: []error{dpop.ErrInvalidProof, dpop.ErrReplayed, credentials.ErrReplay}},
		{name: "other URL", values: []string{mk(func(o *dpop.ProofOptions) { o.URL = "https://issuer.example/token" })}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "other host", values: []string{mk(func(o *dpop.ProofOptions) { o.URL = "https://evil.example/credential" })}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "other method", values: []string{mk(func(o *dpop.ProofOptions) { o.Method = "GET" })}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "method case differs", values: []string{mk(func(o *dpop.ProofOptions) { o.Method = "post" })}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "stale iat", values: []string{mk(func(o *dpop.ProofOptions) { o.IssuedAt = now.Add(-10 * time.Minute) })}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "iat in the future", values: []string{mk(func(o *dpop.ProofOptions) { o.IssuedAt = now.Add(5 * time.Minute) })}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "without the server nonce", values: []string{mk(nil)}, pol: func(p *dpop.Policy) { p.Nonces = nonces }, wantErr: []error{dpop.ErrUseNonce}},
		{name: "with the server nonce", values: []string{mk(func(o *dpop.ProofOptions) { o.Nonce = nonces.New(now) })}, pol: func(p *dpop.Policy) { p.Nonces = nonces }},
		{name: "expired server nonce", values: []string{mk(func(o *dpop.ProofOptions) { o.Nonce = nonces.New(now.Add(-2 * time.Minute)) })}, pol: func(p *dpop.Policy) { p.Nonces = nonces }, wantErr: []error{dpop.ErrUseNonce}},
		{name: "another server's nonce", values: []string{mk(func(o *dpop.ProofOptions) { o.Nonce = otherNonces.New(now) })}, pol: func(p *dpop.Policy) { p.Nonces = nonces }, wantErr: []error{dpop.ErrUseNonce}},
		{name: "ath matches", values: []string{mk(func(o *dpop.ProofOptions) { o.AccessToken = "tok" })}, pol: func(p *dpop.Policy) { p.AccessToken = "tok" }},
		{name: "wrong ath", values: []string{mk(func(o *dpop.ProofOptions) { o.AccessToken = "other" })}, pol: func(p *dpop.Policy) { p.AccessToken = "tok" }, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrKeyBinding}},
		{name: "no ath with a token", values: []string{mk(nil)}, pol: func(p *dpop.Policy) { p.AccessToken = "tok" }, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrKeyBinding}},
		{name: "bound key matches", values: []string{mk(nil)}, pol: func(p *dpop.Policy) { p.BoundJKT = dpop.Thumbprint(k.Public()) }},
		{name: "other key than the bound one", values: []string{mk(nil)}, pol: func(p *dpop.Policy) { p.BoundJKT = dpop.Thumbprint(other.Public()) }, wantErr: []error{dpop.ErrInvalidProof, dpop.ErrKeyMismatch}},
		{name: "private key in jwk header", values: []string{signRaw(t, k, map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": privMap}, goodClaims)}, wantErr: []error{dpop.ErrInvalidProof, jose.ErrPrivateKeyMaterial}},
		{name: "wrong typ", values: []string{signRaw(t, k, map[string]any{"typ": "JWT", "alg": "ES256", "jwk": pubJWK}, goodClaims)}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrType}},
		{name: "alg none", values: []string{testdata(t, "neg-alg-none.txt")}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrAlg}},
		{name: "alg HS256", values: []string{testdata(t, "neg-alg-hs256.txt")}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrAlg}},
		{name: "alg off the allow-list", values: []string{mk(nil)}, pol: func(p *dpop.Policy) { p.Algs = []jose.Alg{jose.EdDSA} }, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrAlg}},
		{name: "kid beside jwk", values: []string{signRaw(t, k, map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": pubJWK, "kid": "x"}, goodClaims)}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrFormat}},
		{name: "no jwk", values: []string{signRaw(t, k, map[string]any{"typ": "dpop+jwt", "alg": "ES256"}, goodClaims)}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrFormat}},
		{name: "jwk of another key", values: []string{signRaw(t, k, map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": other.Public().Map()}, goodClaims)}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrSignature}},
		{name: "no jti", values: []string{signRaw(t, k, map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": pubJWK}, map[string]any{"htm": "POST", "htu": url, "iat": now.Unix()})}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "iat a string", values: []string{signRaw(t, k, map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": pubJWK}, map[string]any{"jti": "a", "htm": "POST", "htu": url, "iat": "1800000000"})}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrClaim}},
		{name: "htu not http", values: []string{signRaw(t, k, map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": pubJWK}, map[string]any{"jti": "a", "htm": "POST", "htu": "urn:x", "iat": now.Unix()})}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrFormat}},
		{name: "garbage", values: []string{"not.a.jwt"}, wantErr: []error{dpop.ErrInvalidProof, credentials.ErrFormat}},
		{name: "cache full of fresh entries", values: []string{mk(nil)}, cache: fullCache(t), wantErr: []error{dpop.ErrCacheFull, credentials.ErrLimit}},
	}
	cache := dpop.NewMemoryReplayCache(100, func() time.Time { return now })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pol
			if tt.pol != nil {
				tt.pol(&p)
			}
			c := tt.cache
			if c == nil {
				c = cache
			}
			if tt.name == "replayed jti" {
				c = dpop.NewMemoryReplayCache(10, func() time.Time { return now })
				_, _ = dpop.Verify(ctx, tt.values, p, c)
			}
			got, err := dpop.Verify(ctx, tt.values, p, c)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.JKT != k.Public().Thumbprint() {
					t.Fatalf("jkt %q, want the signing key's", got.JKT)
				}
				return
			}
			for _, w := range tt.wantErr {
				if !errors.Is(err, w) {
					t.Fatalf("err = %v, want %v", err, w)
				}
			}
		})
	}
}

func fullCache(t *testing.T) dpop.ReplayCache {
	c := dpop.NewMemoryReplayCache(2, func() time.Time { return now })
	for _, k := range []string{"a", "b"} {
		if ok, err := c.Use(context.Background(), k, now.Add(time.Hour)); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	return c
}

func TestMemoryReplayCacheExpires(t *testing.T) {
	ctx := context.Background()
	clock := now
	c := dpop.NewMemoryReplayCache(1, func() time.Time { return clock })
	if ok, err := c.Use(ctx, "a", now.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("first use: %v %v", ok, err)
	}
	if ok, _ := c.Use(ctx, "a", now.Add(time.Minute)); ok {
		t.Fatal("second use of a fresh key accepted")
	}
	if _, err := c.Use(ctx, "b", now.Add(time.Minute)); !errors.Is(err, dpop.ErrCacheFull) {
		t.Fatalf("full cache: %v", err)
	}
	clock = now.Add(2 * time.Minute)
	if ok, err := c.Use(ctx, "b", clock.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("after expiry: %v %v", ok, err)
	}
	if c.Len() != 1 {
		t.Fatalf("len %d, want 1: the expired entry is dropped", c.Len())
	}
}

func TestProofClaims(t *testing.T) {
	k := key(t)
	p, err := dpop.NewProof(k, dpop.ProofOptions{Method: "GET", URL: "https://a.example/r?q=1#x", AccessToken: "tok", Nonce: "n", IssuedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	j, err := jose.ParseCompact(p)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := j.DecodePayload(&c); err != nil {
		t.Fatal(err)
	}
	if j.Header.Typ != dpop.Typ || c["htu"] != "https://a.example/r" || c["htm"] != "GET" || c["ath"] != dpop.AccessTokenHash("tok") || c["nonce"] != "n" {
		t.Fatalf("header %+v claims %v", j.Header, c)
	}
	if _, ok := j.Header.Raw["jwk"].(map[string]any)["d"]; ok {
		t.Fatal("private key in the jwk header")
	}
}

// TestAccessTokenHash checks ath against RFC 9449 §7.1's example: the
// access token "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU" has ath
// "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo".
func TestAccessTokenHash(t *testing.T) {
	if got := dpop.AccessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"); got != "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" {
		t.Fatalf("ath %q", got)
	}
}

func TestTestdataProofVerifies(t *testing.T) {
	p, err := dpop.VerifyProof(testdata(t, "proof-es256-token.txt"), dpop.Policy{
		Method: "POST", URL: "https://server.example.com/token", Algs: []jose.Alg{jose.ES256}, Now: time.Unix(1_800_000_000, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.JTI == "" {
		t.Fatal("no jti")
	}
}
