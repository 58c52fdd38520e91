package sdjwtvc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

const (
	issuerURL = "https://assessor.example"
	skillVCT  = "https://paspoort.loopbrug.nl/vct/skill/v1"
)

func newKey(t testing.TB, alg jose.Alg) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func skillClaims() map[string]any {
	return map[string]any{
		"skill":       "http://data.europa.eu/esco/skill/7ed8a3d5-5b5f-4a1d-8d4b-2b1c7f1f9a59",
		"skill_label": "lesgeven",
		"proficiency": 3,
		"assessed_on": "2026-10-01",
		"method":      "assessment",
		"evidence":    []any{"observation", "portfolio"},
	}
}

type fixture struct {
	issuer, holder *jose.PrivateKey
	now            time.Time
	verifier       *sdjwtvc.Verifier
}

func newFixture(t testing.TB, alg jose.Alg, opts ...sdjwtvc.Option) *fixture {
	f := &fixture{issuer: newKey(t, alg), holder: newKey(t, alg), now: time.Unix(1_800_000_000, 0)}
	opts = append([]sdjwtvc.Option{sdjwtvc.WithClock(func() time.Time { return f.now })}, opts...)
	v, err := sdjwtvc.NewVerifier(sdjwtvc.StaticKeys{issuerURL: {f.issuer.Public()}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	f.verifier = v
	return f
}

func (f *fixture) issue(t testing.TB, mod func(*sdjwtvc.Credential)) string {
	t.Helper()
	c := sdjwtvc.Credential{
		Issuer: issuerURL, VCT: skillVCT, IssuedAt: f.now.Add(-time.Hour), Expires: f.now.Add(365 * 24 * time.Hour),
		HolderKey: f.holder.Public(), Claims: skillClaims(), Decoys: 3,
	}
	if mod != nil {
		mod(&c)
	}
	s, err := sdjwtvc.Issue(f.issuer, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) present(t testing.TB, issued string, sel sdjwt.Selection) string {
	t.Helper()
	p, err := sdjwt.Present(issued, sel, &sdjwt.KeyBindingOptions{Key: f.holder, Audience: "decentralized_identifier:did:web:school.example", Nonce: "nonce-123", IssuedAt: f.now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var kbPolicy = sdjwtvc.Policy{KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: "decentralized_identifier:did:web:school.example", Nonce: "nonce-123"}}

func TestRoundTrip(t *testing.T) {
	for _, alg := range jose.DefaultAlgs {
		t.Run(string(alg), func(t *testing.T) {
			f := newFixture(t, alg)
			issued := f.issue(t, nil)
			got, err := f.verifier.VerifyIssued(context.Background(), issued, f.holder.Public())
			if err != nil {
				t.Fatalf("VerifyIssued: %v", err)
			}
			if got.VCT != skillVCT || got.Issuer != issuerURL || got.Claims["proficiency"] == nil {
				t.Fatalf("result %+v", got)
			}
			pres := f.present(t, issued, sdjwt.Selection{Paths: []string{"/skill", "/proficiency"}})
			res, err := f.verifier.Verify(context.Background(), pres, kbPolicy)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Claims["skill"] == nil || res.Claims["proficiency"] == nil {
				t.Errorf("claims %v", res.Claims)
			}
			for _, hidden := range []string{"skill_label", "assessed_on", "method", "evidence"} {
				if _, ok := res.Claims[hidden]; ok {
					t.Errorf("%s disclosed without being selected", hidden)
				}
			}
			for _, plain := range []string{"iss", "vct", "cnf", "exp"} {
				if _, ok := res.Claims[plain]; !ok {
					t.Errorf("%s missing", plain)
				}
			}
			if res.KeyBinding == nil || !res.HolderKey.Equal(f.holder.Public()) || !res.Expires.Equal(f.now.Add(365*24*time.Hour)) {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// Every top-level claim and every element of a top-level array is
// disclosable by default; the registered claims never are.
func TestDefaultDisclosable(t *testing.T) {
	f := newFixture(t, jose.ES256)
	tok, err := sdjwt.Parse(f.issue(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	proc, err := tok.Process()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"/skill": true, "/skill_label": true, "/proficiency": true, "/assessed_on": true, "/method": true, "/evidence": true, "/evidence/0": true, "/evidence/1": true}
	if len(proc.Disclosed) != len(want) {
		t.Fatalf("disclosed %v", proc.Disclosed)
	}
	for _, p := range proc.Disclosed {
		if !want[p] {
			t.Errorf("unexpected disclosure %s", p)
		}
	}
	for _, plain := range sdjwtvc.NeverDisclosable {
		if plain == "status" || plain == "vct#integrity" || plain == "nbf" {
			continue
		}
		if _, ok := tok.Payload[plain]; !ok {
			t.Errorf("%s not in the plain payload", plain)
		}
	}
}

func TestIssueRefuses(t *testing.T) {
	f := newFixture(t, jose.ES256)
	tests := []struct {
		name string
		mod  func(*sdjwtvc.Credential)
		want error
	}{
		{"no vct", func(c *sdjwtvc.Credential) { c.VCT = "" }, sdjwtvc.ErrMissingClaim},
		{"no iss", func(c *sdjwtvc.Credential) { c.Issuer = "" }, sdjwtvc.ErrMissingClaim},
		{"claims set cnf", func(c *sdjwtvc.Credential) { c.Claims["cnf"] = map[string]any{} }, sdjwt.ErrBadPath},
		{"vct disclosable", func(c *sdjwtvc.Credential) { c.Disclose = []string{"/vct"} }, sdjwt.ErrBadPath},
		{"status disclosable", func(c *sdjwtvc.Credential) { c.Disclose = []string{"/status"} }, sdjwt.ErrBadPath},
		{"iat disclosable (HAIP 1.0 §7)", func(c *sdjwtvc.Credential) { c.Disclose = []string{"/iat"} }, sdjwt.ErrBadPath},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := sdjwtvc.Credential{Issuer: issuerURL, VCT: skillVCT, Claims: skillClaims()}
			tc.mod(&c)
			if _, err := sdjwtvc.Issue(f.issuer, c); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

type fakeStatus struct{ err error }

func (s fakeStatus) CheckStatus(context.Context, string, sdjwtvc.StatusRef) error { return s.err }

type fakeDIDs map[string]*jose.PublicKey

func (d fakeDIDs) ResolveKey(_ context.Context, didURL string, rel did.Relationship) (*jose.PublicKey, error) {
	if rel != did.AssertionMethod {
		return nil, credentials.ErrTrust
	}
	k, ok := d[didURL]
	if !ok {
		return nil, fmt.Errorf("%w: unknown %s", credentials.ErrTrust, didURL)
	}
	return k.WithKeyID(didURL), nil
}

func TestHostile(t *testing.T) {
	f := newFixture(t, jose.ES256)
	ctx := context.Background()
	issued := f.issue(t, nil)
	good := f.present(t, issued, sdjwt.SelectAll)
	resign := func(typ string, payload map[string]any, disclose []string) string {
		s, err := sdjwt.Issue(f.issuer, payload, sdjwt.IssueOptions{Typ: typ, Disclose: disclose})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := func() map[string]any {
		return map[string]any{"iss": issuerURL, "vct": skillVCT, "cnf": map[string]any{"jwk": f.holder.Public().Map()}, "skill": "x", "iat": f.now.Unix()}
	}
	kbJWT := good[strings.LastIndexByte(good, '~')+1:]
	other := newKey(t, jose.ES256)
	withStatus := f.issue(t, func(c *sdjwtvc.Credential) {
		c.Status = &sdjwtvc.StatusRef{Index: 3, URI: "https://assessor.example/status/1"}
	})
	tests := []struct {
		name     string
		raw      string
		policy   sdjwtvc.Policy
		verifier *sdjwtvc.Verifier
		want     error
		class    error
	}{
		{"A10 typ vc+sd-jwt", resign("vc+sd-jwt", base(), nil), sdjwtvc.Policy{}, nil, jose.ErrWrongType, credentials.ErrType},
		{"A10 typ JWT", resign("JWT", base(), nil), sdjwtvc.Policy{}, nil, jose.ErrWrongType, credentials.ErrType},
		{"A10 no typ", resign("", base(), nil), sdjwtvc.Policy{}, nil, jose.ErrWrongType, credentials.ErrType},
		{"A10 KB-JWT sent as credential", kbJWT + "~", sdjwtvc.Policy{}, nil, jose.ErrWrongType, credentials.ErrType},
		{"A12 signed by another key", func() string {
			s, _ := sdjwt.Issue(other, base(), sdjwt.IssueOptions{Typ: sdjwtvc.Typ})
			return s
		}(), sdjwtvc.Policy{}, nil, jose.ErrBadSignature, credentials.ErrSignature},
		{"A12 unknown issuer", resign(sdjwtvc.Typ, func() map[string]any { m := base(); m["iss"] = "https://evil.example"; return m }(), nil), sdjwtvc.Policy{}, nil, sdjwtvc.ErrUnknownIssuerKey, credentials.ErrTrust},
		{"B17 vct disclosed", resign(sdjwtvc.Typ, base(), []string{"/vct"}), sdjwtvc.Policy{}, nil, sdjwtvc.ErrDisclosedCritical, credentials.ErrClaim},
		{"B17 cnf disclosed", resign(sdjwtvc.Typ, base(), []string{"/cnf"}), sdjwtvc.Policy{}, nil, sdjwtvc.ErrDisclosedCritical, credentials.ErrClaim},
		{"B17 exp disclosed", resign(sdjwtvc.Typ, func() map[string]any { m := base(); m["exp"] = f.now.Add(time.Hour).Unix(); return m }(), []string{"/exp"}), sdjwtvc.Policy{}, nil, sdjwtvc.ErrDisclosedCritical, credentials.ErrClaim},
		{"no vct", resign(sdjwtvc.Typ, func() map[string]any { m := base(); delete(m, "vct"); return m }(), nil), sdjwtvc.Policy{}, nil, sdjwtvc.ErrMissingClaim, credentials.ErrClaim},
		{"vct not accepted", issued, sdjwtvc.Policy{AcceptVCT: []string{"https://paspoort.loopbrug.nl/vct/level/v1"}}, nil, sdjwtvc.ErrVCTNotAccepted, credentials.ErrClaim},
		{"B19 issued SD-JWT+KB to a wallet", good, sdjwtvc.Policy{HolderKey: f.holder.Public()}, nil, sdjwt.ErrKeyBindingUnexpected, credentials.ErrKeyBinding},
		{"B21 cnf not the holder key", issued, sdjwtvc.Policy{HolderKey: other.Public()}, nil, sdjwtvc.ErrHolderMismatch, credentials.ErrKeyBinding},
		{"C22 KB stripped", issued, kbPolicy, nil, sdjwt.ErrKeyBindingRequired, credentials.ErrKeyBinding},
		{"A11 expired", f.issue(t, func(c *sdjwtvc.Credential) { c.Expires = f.now.Add(-time.Minute) }), sdjwtvc.Policy{}, nil, sdjwt.ErrExpired, credentials.ErrClaim},
		{"A11 not yet valid", f.issue(t, func(c *sdjwtvc.Credential) { c.NotBefore = f.now.Add(time.Hour) }), sdjwtvc.Policy{}, nil, sdjwt.ErrNotYetValid, credentials.ErrClaim},
		{"D status unchecked", withStatus, sdjwtvc.Policy{}, nil, sdjwtvc.ErrStatusUnchecked, credentials.ErrStatus},
		{"D status revoked", withStatus, sdjwtvc.Policy{}, mustVerifier(t, f, sdjwtvc.WithStatusChecker(fakeStatus{credentials.ErrStatus})), credentials.ErrStatus, credentials.ErrStatus},
		{"E42 kid of another DID", func() string {
			s, _ := sdjwt.Issue(f.issuer.WithKeyID("did:web:evil.example#k1"), func() map[string]any { m := base(); m["iss"] = "did:web:assessor.example"; return m }(), sdjwt.IssueOptions{Typ: sdjwtvc.Typ})
			return s
		}(), sdjwtvc.Policy{}, didVerifier(t, f), sdjwtvc.ErrIssuerMismatch, credentials.ErrTrust},
		{"A4 kid injection", func() string {
			s, _ := sdjwt.Issue(f.issuer.WithKeyID("../../etc/passwd' OR 1=1--"), func() map[string]any { m := base(); m["iss"] = "did:web:assessor.example"; return m }(), sdjwt.IssueOptions{Typ: sdjwtvc.Typ})
			return s
		}(), sdjwtvc.Policy{}, didVerifier(t, f), sdjwtvc.ErrUnknownIssuerKey, credentials.ErrTrust},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.verifier
			if v == nil {
				v = f.verifier
			}
			_, err := v.Verify(ctx, tc.raw, tc.policy)
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want %v (%v)", err, tc.want, tc.class)
			}
		})
	}
	// The status paths accept what they should.
	if _, err := mustVerifier(t, f, sdjwtvc.WithStatusChecker(fakeStatus{})).Verify(ctx, withStatus, sdjwtvc.Policy{}); err != nil {
		t.Fatalf("valid status: %v", err)
	}
	if _, err := mustVerifier(t, f, sdjwtvc.WithoutStatusCheckUnsafe()).Verify(ctx, withStatus, sdjwtvc.Policy{}); err != nil {
		t.Fatalf("status check skipped: %v", err)
	}
	// An https issuer whose kid is a key of its own did:web verifies; the
	// did:web of another host does not.
	for iss, want := range map[string]error{"https://assessor.example": nil, "https://evil.example": sdjwtvc.ErrIssuerMismatch} {
		s, err := sdjwt.Issue(f.issuer.WithKeyID("did:web:assessor.example#k1"), func() map[string]any { m := base(); m["iss"] = iss; return m }(), sdjwt.IssueOptions{Typ: sdjwtvc.Typ})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := didVerifier(t, f).Verify(ctx, s, sdjwtvc.Policy{}); !errors.Is(err, want) {
			t.Fatalf("iss %s: err = %v, want %v", iss, err, want)
		}
	}
	// A DID issuer whose kid belongs to it verifies.
	s, err := sdjwt.Issue(f.issuer.WithKeyID("did:web:assessor.example#k1"), func() map[string]any { m := base(); m["iss"] = "did:web:assessor.example"; return m }(), sdjwt.IssueOptions{Typ: sdjwtvc.Typ})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := didVerifier(t, f).Verify(ctx, s, sdjwtvc.Policy{}); err != nil {
		t.Fatalf("did issuer: %v", err)
	}
}

func mustVerifier(t *testing.T, f *fixture, opts ...sdjwtvc.Option) *sdjwtvc.Verifier {
	t.Helper()
	opts = append([]sdjwtvc.Option{sdjwtvc.WithClock(func() time.Time { return f.now })}, opts...)
	v, err := sdjwtvc.NewVerifier(sdjwtvc.StaticKeys{issuerURL: {f.issuer.Public()}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func didVerifier(t *testing.T, f *fixture) *sdjwtvc.Verifier {
	t.Helper()
	v, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: fakeDIDs{"did:web:assessor.example#k1": f.issuer.Public()}},
		sdjwtvc.WithClock(func() time.Time { return f.now }))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewVerifierRefuses(t *testing.T) {
	if _, err := sdjwtvc.NewVerifier(nil); !errors.Is(err, credentials.ErrTrust) {
		t.Errorf("nil resolver: %v", err)
	}
	keys := sdjwtvc.StaticKeys{}
	if _, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithLeeway(time.Hour)); !errors.Is(err, credentials.ErrClaim) {
		t.Errorf("leeway: %v", err)
	}
	if _, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithAlgs("HS256")); !errors.Is(err, credentials.ErrAlg) {
		t.Errorf("HS256: %v", err)
	}
	if _, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(fakeStatus{}), sdjwtvc.WithoutStatusCheckUnsafe()); err == nil {
		t.Error("conflicting status options accepted")
	}
}

func TestMetadataURL(t *testing.T) {
	tests := []struct{ iss, want string }{
		{"https://example.com", "https://example.com/.well-known/jwt-vc-issuer"},
		{"https://example.com/", "https://example.com/.well-known/jwt-vc-issuer"},
		{"https://example.com/tenant/1234", "https://example.com/.well-known/jwt-vc-issuer/tenant/1234"},
		{"https://example.com:8443/t/", "https://example.com:8443/.well-known/jwt-vc-issuer/t"},
	}
	for _, tc := range tests {
		if got, err := sdjwtvc.MetadataURL(tc.iss); err != nil || got != tc.want {
			t.Errorf("MetadataURL(%q) = %q, %v; want %q", tc.iss, got, err, tc.want)
		}
	}
	for _, bad := range []string{"http://example.com", "https://example.com?x=1", "https://example.com#f", "did:web:example.com", "https://u:p@example.com", ""} {
		if _, err := sdjwtvc.MetadataURL(bad); !errors.Is(err, credentials.ErrFormat) {
			t.Errorf("MetadataURL(%q): err = %v", bad, err)
		}
	}
}

// JWT VC Issuer Metadata over HTTP, through the real SSRF-safe fetcher.
func TestMetadataKeys(t *testing.T) {
	key := newKey(t, jose.ES256).WithKeyID("key-1")
	var fetches atomic.Int32
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body.Load().(string))
	}))
	defer srv.Close()
	client, err := safehttp.New(safehttp.WithAllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := key.Public().MarshalJSON()
	now := time.Unix(1_800_000_000, 0)
	// The issuer identifier must be https; the test server is http on
	// loopback, so a fetcher rewrites the scheme as a TLS-terminating proxy
	// would.
	f := rewriteFetcher{client, srv.URL}
	tests := []struct {
		name string
		doc  string
		kid  string
		want error
	}{
		{"jwks by value", `{"issuer":"https://issuer.test","jwks":{"keys":[` + string(pub) + `]}}`, "key-1", nil},
		{"issuer mismatch", `{"issuer":"https://other.test","jwks":{"keys":[` + string(pub) + `]}}`, "key-1", credentials.ErrTrust},
		{"both jwks and jwks_uri", `{"issuer":"https://issuer.test","jwks":{"keys":[]},"jwks_uri":"https://x"}`, "key-1", credentials.ErrFormat},
		{"neither", `{"issuer":"https://issuer.test"}`, "key-1", credentials.ErrFormat},
		{"duplicate member", `{"issuer":"https://issuer.test","issuer":"https://x"}`, "key-1", credentials.ErrFormat},
		{"unknown kid", `{"issuer":"https://issuer.test","jwks":{"keys":[` + string(pub) + `]}}`, "key-2", credentials.ErrTrust},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body.Store(tc.doc)
			m := &sdjwtvc.MetadataKeys{Fetcher: f, Now: func() time.Time { return now }}
			k, err := m.ResolveIssuerKey(context.Background(), "https://issuer.test", tc.kid)
			if tc.want == nil {
				if err != nil || !k.Equal(key.Public()) {
					t.Fatalf("got %v, %v", k, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// E.43: a flood of unknown kids costs one fetch, not one each.
	body.Store(`{"issuer":"https://issuer.test","jwks":{"keys":[` + string(pub) + `]}}`)
	m := &sdjwtvc.MetadataKeys{Fetcher: f, Now: func() time.Time { return now }}
	fetches.Store(0)
	for i := 0; i < 100; i++ {
		if _, err := m.ResolveIssuerKey(context.Background(), "https://issuer.test", "nope"); !errors.Is(err, credentials.ErrTrust) {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for 100 lookups", n)
	}
	// Issuers can be pinned: nothing is fetched for others.
	m = &sdjwtvc.MetadataKeys{Fetcher: f, Allowed: func(iss string) bool { return iss == "https://issuer.test" }}
	fetches.Store(0)
	if _, err := m.ResolveIssuerKey(context.Background(), "https://phone-home.test/user/42", "key-1"); !errors.Is(err, credentials.ErrTrust) || fetches.Load() != 0 {
		t.Fatalf("unpinned issuer: %v, %d fetches", err, fetches.Load())
	}
}

type rewriteFetcher struct {
	c    *safehttp.Client
	base string
}

func (r rewriteFetcher) Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error) {
	_, path, _ := strings.Cut(strings.TrimPrefix(rawURL, "https://"), "/")
	return r.c.Get(ctx, r.base+"/"+path, accept)
}

func TestTypeMetadata(t *testing.T) {
	doc := []byte(`{"vct":"https://paspoort.loopbrug.nl/vct/skill/v1","name":"Skill","display":[{"locale":"nl","name":"Vaardigheid"}],"claims":[{"path":["skill"],"sd":"always","display":[{"locale":"en","label":"Skill"}]},{"path":["evidence",null]}],"future_member":1}`)
	m, err := sdjwtvc.ParseTypeMetadata(doc)
	if err != nil || m.VCT == "" || len(m.Claims) != 2 {
		t.Fatalf("%+v %v", m, err)
	}
	integrity := sdjwtvc.Integrity(doc)
	if err := sdjwtvc.CheckIntegrity(doc, integrity); err != nil {
		t.Fatal(err)
	}
	if err := sdjwtvc.CheckIntegrity(append(doc, ' '), integrity); !errors.Is(err, sdjwtvc.ErrIntegrity) {
		t.Fatalf("tampered: %v", err)
	}
	if err := sdjwtvc.CheckIntegrity(doc, "md5-AAAA"); !errors.Is(err, sdjwtvc.ErrIntegrity) {
		t.Fatalf("unknown alg only: %v", err)
	}
	for _, bad := range []string{`{}`, `{"vct":"x","claims":[{"path":[]}]}`, `{"vct":"x","claims":[{"path":[-1]}]}`, `{"vct":"x","claims":[{"path":["a"],"sd":"sometimes"}]}`, `{"vct":"x","vct":"y"}`, `{"vct":"x","display":[{"name":"n"}]}`} {
		if _, err := sdjwtvc.ParseTypeMetadata([]byte(bad)); !errors.Is(err, credentials.ErrFormat) {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

// A did:jwk issuer, resolved by the real DID resolver: no network needed.
func TestDIDJWKIssuer(t *testing.T) {
	f := newFixture(t, jose.ES256)
	issuerDID, err := did.JWKFromKey(f.issuer.Public())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := sdjwtvc.Issue(f.issuer.WithKeyID(issuerDID+"#0"), sdjwtvc.Credential{
		Issuer: issuerDID, VCT: skillVCT, HolderKey: f.holder.Public(), IssuedAt: f.now, Claims: skillClaims(),
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: did.NewResolver(nil)}, sdjwtvc.WithClock(func() time.Time { return f.now }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyIssued(context.Background(), cred, f.holder.Public())
	if err != nil {
		t.Fatal(err)
	}
	if res.Issuer != issuerDID || res.KeyID != issuerDID+"#0" {
		t.Fatalf("issuer %q kid %q", res.Issuer, res.KeyID)
	}
	// Another key claiming the same DID is refused.
	other := newKey(t, jose.ES256)
	forged, _ := sdjwtvc.Issue(other.WithKeyID(issuerDID+"#0"), sdjwtvc.Credential{Issuer: issuerDID, VCT: skillVCT, HolderKey: f.holder.Public(), IssuedAt: f.now, Claims: skillClaims()})
	if _, err := v.VerifyIssued(context.Background(), forged, f.holder.Public()); !errors.Is(err, credentials.ErrSignature) {
		t.Fatalf("forged: %v", err)
	}
}
