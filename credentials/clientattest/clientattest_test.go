package clientattest_test

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/clientattest"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

const as = "https://issuer.example"

// provider is a wallet provider: a development anchor and a leaf that
// signs attestations.
type provider struct {
	anchors *pki.Anchors
	key     *jose.PrivateKey
	chain   []*x509.Certificate
}

func newProvider(t testing.TB, now time.Time) *provider {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{NotBefore: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := jose.GenerateKey(jose.ES256)
	leaf, err := a.Issue(k.Public().Crypto(), pki.LeafConfig{DNSNames: []string{"wallet-provider.example"}, NotBefore: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := pki.NewAnchors(a.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return &provider{anchors: anchors, key: k, chain: []*x509.Certificate{leaf}}
}

func signRaw(t *testing.T, k *jose.PrivateKey, h, c map[string]any) string {
	t.Helper()
	hb, _ := strictjson.Marshal(h)
	cb, _ := strictjson.Marshal(c)
	s, err := jose.SignRaw(k, hb, cb)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	p, other := newProvider(t, now), newProvider(t, now)
	inst, _ := jose.GenerateKey(jose.ES256)
	att := func(mod func(*clientattest.AttestationOptions)) string {
		o := clientattest.AttestationOptions{ClientID: "wallet-x", Issuer: "https://wallet-provider.example", Key: inst.Public(), IssuedAt: now, Expires: now.Add(time.Hour), Chain: p.chain}
		if mod != nil {
			mod(&o)
		}
		s, err := clientattest.NewAttestation(p.key, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pop := func(k *jose.PrivateKey, aud, jti string, iat time.Time) string {
		s, err := clientattest.NewPoP(k, aud, jti, iat)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	privMap := map[string]any{}
	b, _ := inst.MarshalJSON()
	_ = strictjson.Unmarshal(b, &privMap)
	otherInst, _ := jose.GenerateKey(jose.ES256)
	x5c := pki.X5C(p.chain)
	good := att(nil)
	pol := clientattest.Policy{Anchors: p.anchors, Algs: []jose.Alg{jose.ES256}, Audience: as, ClientID: "wallet-x", Now: now}
	rows := []struct {
		name     string
		att, pop []string
		pol      func(*clientattest.Policy)
		want     []error
	}{
		{name: "valid", att: []string{good}, pop: []string{pop(inst, as, "j1", now)}},
		{name: "valid without client_id in the request", att: []string{good}, pop: []string{pop(inst, as, "j2", now)}, pol: func(p *clientattest.Policy) { p.ClientID = "" }},
		{name: "no attestation", pop: []string{pop(inst, as, "j3", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrFormat}},
		{name: "no PoP", att: []string{good}, want: []error{clientattest.ErrInvalidClient, credentials.ErrFormat}},
		{name: "two attestations", att: []string{good, good}, pop: []string{pop(inst, as, "j4", now)}, want: []error{clientattest.ErrInvalidClient}},
		{name: "another client_id", att: []string{good}, pop: []string{pop(inst, as, "j5", now)}, pol: func(p *clientattest.Policy) { p.ClientID = "wallet-y" }, want: []error{clientattest.ErrInvalidClient, credentials.ErrClaim}},
		{name: "untrusted wallet provider", att: []string{good}, pop: []string{pop(inst, as, "j6", now)}, pol: func(q *clientattest.Policy) { q.Anchors = other.anchors }, want: []error{clientattest.ErrInvalidClient, credentials.ErrTrust}},
		{name: "attestation expired", att: []string{att(func(o *clientattest.AttestationOptions) { o.Expires = now.Add(-time.Minute) })}, pop: []string{pop(inst, as, "j7", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrClaim}},
		{name: "no x5c", att: []string{signRaw(t, p.key, map[string]any{"typ": clientattest.AttestationTyp, "alg": "ES256"}, map[string]any{"sub": "wallet-x", "exp": now.Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": inst.Public().Map()}})}, pop: []string{pop(inst, as, "j8", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrTrust}},
		{name: "attestation signed by the instance key", att: []string{signRaw(t, inst, map[string]any{"typ": clientattest.AttestationTyp, "alg": "ES256", "x5c": x5c}, map[string]any{"sub": "wallet-x", "exp": now.Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": inst.Public().Map()}})}, pop: []string{pop(inst, as, "j9", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrSignature}},
		{name: "private key in cnf", att: []string{signRaw(t, p.key, map[string]any{"typ": clientattest.AttestationTyp, "alg": "ES256", "x5c": x5c}, map[string]any{"sub": "wallet-x", "exp": now.Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": privMap}})}, pop: []string{pop(inst, as, "j10", now)}, want: []error{clientattest.ErrInvalidClient, jose.ErrPrivateKeyMaterial}},
		{name: "wrong attestation typ", att: []string{signRaw(t, p.key, map[string]any{"typ": "JWT", "alg": "ES256", "x5c": x5c}, map[string]any{"sub": "wallet-x", "exp": now.Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": inst.Public().Map()}})}, pop: []string{pop(inst, as, "j11", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrType}},
		{name: "no sub", att: []string{signRaw(t, p.key, map[string]any{"typ": clientattest.AttestationTyp, "alg": "ES256", "x5c": x5c}, map[string]any{"exp": now.Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": inst.Public().Map()}})}, pop: []string{pop(inst, as, "j12", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrClaim}},
		{name: "PoP by another key", att: []string{good}, pop: []string{pop(otherInst, as, "j13", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrSignature}},
		{name: "PoP for another audience", att: []string{good}, pop: []string{pop(inst, "https://other.example", "j14", now)}, want: []error{clientattest.ErrInvalidClient, credentials.ErrClaim}},
		{name: "stale PoP", att: []string{good}, pop: []string{pop(inst, as, "j15", now.Add(-10*time.Minute))}, want: []error{clientattest.ErrInvalidClient, credentials.ErrClaim}},
		{name: "PoP wrong typ", att: []string{good}, pop: []string{signRaw(t, inst, map[string]any{"typ": "dpop+jwt", "alg": "ES256"}, map[string]any{"aud": as, "jti": "j16", "iat": now.Unix()})}, want: []error{clientattest.ErrInvalidClient, credentials.ErrType}},
		{name: "PoP alg none", att: []string{good}, pop: []string{"eyJ0eXAiOiJvYXV0aC1jbGllbnQtYXR0ZXN0YXRpb24tcG9wK2p3dCIsImFsZyI6Im5vbmUifQ.eyJhdWQiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwianRpIjoiaiIsImlhdCI6MX0."}, want: []error{clientattest.ErrInvalidClient, credentials.ErrAlg}},
		{name: "PoP without jti", att: []string{good}, pop: []string{signRaw(t, inst, map[string]any{"typ": clientattest.PoPTyp, "alg": "ES256"}, map[string]any{"aud": as, "iat": now.Unix()})}, want: []error{clientattest.ErrInvalidClient, credentials.ErrClaim}},
	}
	cache := dpop.NewMemoryReplayCache(100, func() time.Time { return now })
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			q := pol
			if r.pol != nil {
				r.pol(&q)
			}
			res, err := clientattest.Verify(ctx, r.att, r.pop, q, cache)
			if len(r.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if res.ClientID != "wallet-x" || !res.Key.Equal(inst.Public()) || res.Issuer != "https://wallet-provider.example" {
					t.Fatalf("result %+v", res)
				}
				return
			}
			for _, w := range r.want {
				if !errors.Is(err, w) {
					t.Fatalf("err = %v, want %v", err, w)
				}
			}
		})
	}
	t.Run("replayed PoP", func(t *testing.T) {
		pp := pop(inst, as, "replay", now)
		if _, err := clientattest.Verify(ctx, []string{good}, []string{pp}, pol, cache); err != nil {
			t.Fatal(err)
		}
		if _, err := clientattest.Verify(ctx, []string{good}, []string{pp}, pol, cache); !errors.Is(err, clientattest.ErrInvalidClient) || !errors.Is(err, credentials.ErrReplay) {
			t.Fatalf("replay: %v", err)
		}
	})
}

// fuzzFixture reads the testdata written by TestWriteFixture: an anchor,
// an attestation, a PoP and the time they are valid at.
func fuzzFixture(t testing.TB) (*pki.Anchors, string, string, time.Time) {
	t.Helper()
	read := func(n string) string {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	anchors, err := pki.ParseAnchorsPEM([]byte(read("wallet-provider-anchor.pem")))
	if err != nil {
		t.Fatal(err)
	}
	sec, _ := strconv.ParseInt(read("now.txt"), 10, 64)
	return anchors, read("attestation.txt"), read("pop.txt"), time.Unix(sec, 0)
}

func TestFixtureVerifies(t *testing.T) {
	anchors, att, pop, now := fuzzFixture(t)
	pol := clientattest.Policy{Anchors: anchors, Algs: []jose.Alg{jose.ES256}, Audience: as, Now: now}
	if _, err := clientattest.Verify(context.Background(), []string{att}, []string{pop}, pol, dpop.NewMemoryReplayCache(4, nil)); err != nil {
		t.Fatal(err)
	}
}

func FuzzVerifyAttestation(f *testing.F) {
	anchors, att, pop, now := fuzzFixture(f)
	f.Add(att, pop)
	f.Add("", "")
	f.Fuzz(func(t *testing.T, a, p string) {
		pol := clientattest.Policy{Anchors: anchors, Algs: []jose.Alg{jose.ES256}, Audience: as, Now: now}
		res, err := clientattest.VerifyAttestation(a, pol)
		if err != nil {
			return
		}
		if res.ClientID == "" || res.Key == nil || res.Chain == nil {
			t.Fatalf("accepted without client_id, key or chain: %+v", res)
		}
		_, _, _ = clientattest.VerifyPoP(p, res.Key, pol)
	})
}
