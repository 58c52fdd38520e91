package attest_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

const (
	provider = "https://wallet-provider.example"
	clientID = "https://wallet.example/paspoort"
	as       = "https://issuer.example/school"
)

// provider is a wallet provider: an anchor and a leaf that signs.
type fixture struct {
	anchors *pki.Anchors
	signer  attest.Signer
	auth    *pki.Authority
	// other is a provider under another anchor.
	other attest.Signer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{}
	f.auth, f.signer = newProvider(t)
	var err error
	if f.anchors, err = pki.NewAnchors(f.auth.Cert); err != nil {
		t.Fatal(err)
	}
	_, f.other = newProvider(t)
	return f
}

func newProvider(t testing.TB) (*pki.Authority, attest.Signer) {
	t.Helper()
	auth, err := pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "wallet provider anchor"})
	if err != nil {
		t.Fatal(err)
	}
	return auth, leafSigner(t, auth, pki.LeafConfig{DNSNames: []string{"wallet-provider.example"}})
}

func leafSigner(t testing.TB, auth *pki.Authority, cfg pki.LeafConfig) attest.Signer {
	t.Helper()
	key := newKey(t)
	leaf, err := auth.Issue(key.Signer().Public(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return attest.Signer{Key: key, Chain: []*x509.Certificate{leaf}}
}

func newKey(t testing.TB) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signed returns a function that fails t when a signer fails.
func signed(t testing.TB) func(string, error) string {
	return func(tok string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
}

// signRaw signs arbitrary claims and header members with key, for inputs
// the package's own signers refuse to make.
func signRaw(t testing.TB, key *jose.PrivateKey, typ string, extra map[string]any, claims string) string {
	t.Helper()
	tok, err := jose.Sign(key.WithKeyID(""), typ, extra, []byte(claims))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyClient(t *testing.T) {
	must := signed(t)
	f := newFixture(t)
	now := time.Now().Truncate(time.Second)
	instance := newKey(t)
	good := attest.WalletAttestation{
		Provider: provider, ClientID: clientID, Key: instance.Public(),
		IssuedAt: now.Add(-time.Hour), Expires: now.Add(24 * time.Hour), WalletName: "paspoort",
	}
	att := must(attest.SignWalletAttestation(f.signer, good))
	pop := func(o attest.PoPOptions) string {
		if o.ClientID == "" {
			o.ClientID = clientID
		}
		if o.Audience == "" {
			o.Audience = as
		}
		return must(attest.SignPoP(instance, o))
	}
	withAtt := func(mod func(*attest.WalletAttestation)) string {
		a := good
		mod(&a)
		return must(attest.SignWalletAttestation(f.signer, a))
	}
	expiredLeaf := leafSigner(t, f.auth, pki.LeafConfig{DNSNames: []string{"wallet-provider.example"}, NotBefore: now.Add(-48 * time.Hour), Validity: time.Hour})

	tests := []struct {
		name       string
		att, pop   string
		policy     func(*attest.ClientPolicy)
		want       error
		wantClass  error
		wantClient string
	}{
		{name: "valid", att: att, pop: pop(attest.PoPOptions{}), wantClient: clientID},
		{name: "valid with the request's client_id", att: att, pop: pop(attest.PoPOptions{}),
			policy: func(p *attest.ClientPolicy) { p.ClientID = clientID }, wantClient: clientID},
		{name: "valid with the server's challenge", att: att, pop: pop(attest.PoPOptions{Challenge: "c-1"}),
			policy: func(p *attest.ClientPolicy) { p.Challenge = only("c-1") }, wantClient: clientID},
		{name: "no attestation", att: "", pop: pop(attest.PoPOptions{}), want: attest.ErrMissing, wantClass: credentials.ErrFormat},
		{name: "no PoP", att: att, pop: "", want: attest.ErrMissing, wantClass: credentials.ErrFormat},
		{name: "attestation from an untrusted provider", att: must(attest.SignWalletAttestation(f.other, good)), pop: pop(attest.PoPOptions{}),
			want: pki.ErrUntrusted, wantClass: credentials.ErrTrust},
		{name: "provider certificate expired", att: must(attest.SignWalletAttestation(expiredLeaf, good)), pop: pop(attest.PoPOptions{}),
			want: pki.ErrExpired, wantClass: credentials.ErrClaim},
		{name: "attestation with kid instead of x5c", att: signRaw(t, f.signer.Key.WithKeyID("k1"), attest.TypClientAttestation, nil, claimsOf(t, good)),
			pop: pop(attest.PoPOptions{}), want: attest.ErrNoCertificate, wantClass: credentials.ErrTrust},
		{name: "attestation of the wrong typ", att: signRaw(t, f.signer.Key, "JWT", x5c(f.signer), claimsOf(t, good)),
			pop: pop(attest.PoPOptions{}), want: jose.ErrWrongType, wantClass: credentials.ErrType},
		{name: "PoP given as attestation", att: pop(attest.PoPOptions{}), pop: pop(attest.PoPOptions{}), want: jose.ErrWrongType, wantClass: credentials.ErrType},
		{name: "attestation signed by another key than its certificate's", att: signRaw(t, newKey(t), attest.TypClientAttestation, x5c(f.signer), claimsOf(t, good)),
			pop: pop(attest.PoPOptions{}), want: jose.ErrBadSignature, wantClass: credentials.ErrSignature},
		{name: "attestation expired", att: withAtt(func(a *attest.WalletAttestation) { a.Expires = now.Add(-2 * time.Minute) }),
			pop: pop(attest.PoPOptions{}), want: attest.ErrExpired, wantClass: credentials.ErrClaim},
		{name: "attestation not yet valid", att: withAtt(func(a *attest.WalletAttestation) { a.NotBefore = now.Add(time.Hour) }),
			pop: pop(attest.PoPOptions{}), want: attest.ErrExpired, wantClass: credentials.ErrClaim},
		{name: "attestation older than the server accepts", att: att, pop: pop(attest.PoPOptions{}),
			policy: func(p *attest.ClientPolicy) { p.MaxAttestationAge = 10 * time.Minute }, want: attest.ErrStale, wantClass: credentials.ErrClaim},
		{name: "private key in cnf", att: signRaw(t, f.signer.Key, attest.TypClientAttestation, x5c(f.signer),
			fmt.Sprintf(`{"iss":%q,"sub":%q,"exp":%d,"cnf":{"jwk":%s}}`, provider, clientID, now.Add(time.Hour).Unix(), privateJWK(t, instance))),
			pop: pop(attest.PoPOptions{}), want: attest.ErrPrivateKey, wantClass: credentials.ErrFormat},
		{name: "attestation without exp", att: signRaw(t, f.signer.Key, attest.TypClientAttestation, x5c(f.signer),
			fmt.Sprintf(`{"iss":%q,"sub":%q,"cnf":{"jwk":%s}}`, provider, clientID, publicJWK(t, instance))),
			pop: pop(attest.PoPOptions{}), want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
		{name: "attestation without sub", att: signRaw(t, f.signer.Key, attest.TypClientAttestation, x5c(f.signer),
			fmt.Sprintf(`{"iss":%q,"exp":%d,"cnf":{"jwk":%s}}`, provider, now.Add(time.Hour).Unix(), publicJWK(t, instance))),
			pop: pop(attest.PoPOptions{}), want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
		{name: "attestation signed by the instance key", att: signRaw(t, instance, attest.TypClientAttestation, x5c(f.signer), claimsOf(t, good)),
			pop: pop(attest.PoPOptions{}), want: jose.ErrBadSignature, wantClass: credentials.ErrSignature},
		{name: "attestation without cnf", att: signRaw(t, f.signer.Key, attest.TypClientAttestation, x5c(f.signer),
			fmt.Sprintf(`{"iss":%q,"sub":%q,"exp":%d}`, provider, clientID, now.Add(time.Hour).Unix())),
			pop: pop(attest.PoPOptions{}), want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
		{name: "PoP signed by another key", att: att, pop: must(attest.SignPoP(newKey(t), attest.PoPOptions{ClientID: clientID, Audience: as})),
			want: jose.ErrBadSignature, wantClass: credentials.ErrSignature},
		{name: "PoP for another authorization server", att: att, pop: pop(attest.PoPOptions{Audience: "https://other.example"}),
			want: attest.ErrAudience, wantClass: credentials.ErrClaim},
		{name: "PoP iss is not the attestation's sub", att: att, pop: pop(attest.PoPOptions{ClientID: "https://evil.example"}),
			want: attest.ErrClientID, wantClass: credentials.ErrClaim},
		{name: "request client_id is not the attestation's sub", att: att, pop: pop(attest.PoPOptions{}),
			policy: func(p *attest.ClientPolicy) { p.ClientID = "s6BhdRkqt3" }, want: attest.ErrClientID, wantClass: credentials.ErrClaim},
		{name: "PoP too old", att: att, pop: pop(attest.PoPOptions{IssuedAt: now.Add(-time.Hour)}),
			want: attest.ErrStale, wantClass: credentials.ErrClaim},
		{name: "PoP from the future", att: att, pop: pop(attest.PoPOptions{IssuedAt: now.Add(time.Hour)}),
			want: attest.ErrExpired, wantClass: credentials.ErrClaim},
		{name: "PoP without the challenge the server gave", att: att, pop: pop(attest.PoPOptions{}),
			policy: func(p *attest.ClientPolicy) { p.Challenge = only("c-1") }, want: attest.ErrChallenge, wantClass: credentials.ErrClaim},
		{name: "PoP with another challenge", att: att, pop: pop(attest.PoPOptions{Challenge: "c-2"}),
			policy: func(p *attest.ClientPolicy) { p.Challenge = only("c-1") }, want: attest.ErrChallenge, wantClass: credentials.ErrClaim},
		{name: "PoP without jti", att: att, pop: signRaw(t, instance, attest.TypClientAttestationPoP, nil,
			fmt.Sprintf(`{"iss":%q,"aud":%q,"iat":%d}`, clientID, as, now.Unix())),
			want: attest.ErrMalformed, wantClass: credentials.ErrFormat},
		{name: "PoP with alg none", att: att, pop: unsigned(t, fmt.Sprintf(`{"iss":%q,"aud":%q,"iat":%d,"jti":"x"}`, clientID, as, now.Unix())),
			want: jose.ErrAlgNotAllowed, wantClass: credentials.ErrAlg},
		{name: "PoP aud as an array naming the server", att: att, pop: signRaw(t, instance, attest.TypClientAttestationPoP, nil,
			fmt.Sprintf(`{"iss":%q,"aud":["https://x.example",%q],"iat":%d,"jti":"j"}`, clientID, as, now.Unix())), wantClient: clientID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := attest.ClientPolicy{Anchors: f.anchors, Algs: []jose.Alg{jose.ES256}, Audience: as, Now: now}
			if tt.policy != nil {
				tt.policy(&p)
			}
			c, err := attest.VerifyClient(tt.att, tt.pop, p)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifyClient: %v", err)
				}
				if c.ClientID != tt.wantClient || c.Provider != provider || !sameKey(c.Key, instance.Public()) {
					t.Fatalf("client = %+v", c)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, tt.wantClass) {
				t.Fatalf("err = %v, want %v (class %v)", err, tt.want, tt.wantClass)
			}
		})
	}
}

// TestVerifyClientReplay: the same PoP twice is refused the second time,
// and only after every other check passed.
func TestVerifyClientReplay(t *testing.T) {
	must := signed(t)
	f := newFixture(t)
	instance := newKey(t)
	now := time.Now()
	att := must(attest.SignWalletAttestation(f.signer, attest.WalletAttestation{Provider: provider, ClientID: clientID, Key: instance.Public(), Expires: now.Add(time.Hour)}))
	pop := must(attest.SignPoP(instance, attest.PoPOptions{ClientID: clientID, Audience: as}))
	var mu sync.Mutex
	seen := map[string]time.Time{}
	replay := func(key string, until time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := seen[key]; ok {
			return fmt.Errorf("%w: jti seen", attest.ErrReplay)
		}
		if !until.After(now) {
			t.Errorf("jti kept only until %v", until)
		}
		seen[key] = until
		return nil
	}
	p := attest.ClientPolicy{Anchors: f.anchors, Algs: []jose.Alg{jose.ES256}, Audience: as, Replay: replay}
	// A PoP for another server is refused before its jti is recorded.
	other := p
	other.Audience = "https://other.example"
	if _, err := attest.VerifyClient(att, pop, other); !errors.Is(err, attest.ErrAudience) {
		t.Fatalf("other audience: %v", err)
	}
	if _, err := attest.VerifyClient(att, pop, p); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := attest.VerifyClient(att, pop, p); !errors.Is(err, attest.ErrReplay) || !errors.Is(err, credentials.ErrReplay) {
		t.Fatalf("second use: %v, want REPLAY", err)
	}
	// A fresh PoP with the same attestation is fine (draft §10.2).
	pop2 := must(attest.SignPoP(instance, attest.PoPOptions{ClientID: clientID, Audience: as}))
	if _, err := attest.VerifyClient(att, pop2, p); err != nil {
		t.Fatalf("fresh PoP: %v", err)
	}
}

func TestFromHeader(t *testing.T) {
	tests := []struct {
		name      string
		att, pop  []string
		want      error
		wantEmpty bool
	}{
		{name: "neither", wantEmpty: true},
		{name: "both", att: []string{"a.b.c"}, pop: []string{"d.e.f"}},
		{name: "attestation only", att: []string{"a.b.c"}, want: attest.ErrMissing},
		{name: "PoP only", pop: []string{"d.e.f"}, want: attest.ErrMissing},
		{name: "attestation twice", att: []string{"a.b.c", "a.b.c"}, pop: []string{"d.e.f"}, want: attest.ErrMalformed},
		{name: "two values in one field", att: []string{"a.b.c, a.b.c"}, pop: []string{"d.e.f"}, want: attest.ErrMalformed},
		{name: "not token68", att: []string{"a.b.c"}, pop: []string{"d e f"}, want: attest.ErrMalformed},
		{name: "padding only at the end", att: []string{"a=b"}, pop: []string{"d.e.f"}, want: attest.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.att {
				h.Add(attest.HeaderAttestation, v)
			}
			for _, v := range tt.pop {
				h.Add(strings.ToLower(attest.HeaderPoP), v) // header names are case-insensitive
			}
			a, p, err := attest.FromHeader(http.Header(h))
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == nil && (a == "" || p == "") != tt.wantEmpty {
				t.Fatalf("got %q %q", a, p)
			}
		})
	}
}

func TestSignerRefusesForeignCertificate(t *testing.T) {
	f := newFixture(t)
	s := attest.Signer{Key: newKey(t), Chain: f.signer.Chain}
	_, err := attest.SignWalletAttestation(s, attest.WalletAttestation{Provider: provider, ClientID: clientID, Key: newKey(t).Public(), Expires: time.Now().Add(time.Hour)})
	if !errors.Is(err, attest.ErrNoCertificate) {
		t.Fatalf("err = %v", err)
	}
}

func only(want string) func(string) error {
	return func(c string) error {
		if c != want {
			return errors.New("not the challenge given")
		}
		return nil
	}
}

func sameKey(a, b *jose.PublicKey) bool { return a.Thumbprint() == b.Thumbprint() }

func x5c(s attest.Signer) map[string]any { return map[string]any{"x5c": pki.X5C(s.Chain)} }

func claimsOf(t testing.TB, a attest.WalletAttestation) string {
	t.Helper()
	return fmt.Sprintf(`{"iss":%q,"sub":%q,"exp":%d,"cnf":{"jwk":%s}}`, a.Provider, a.ClientID, a.Expires.Unix(), jwkJSON(t, a.Key.Map()))
}

func publicJWK(t testing.TB, k *jose.PrivateKey) string { return jwkJSON(t, k.Public().Map()) }

func privateJWK(t testing.TB, k *jose.PrivateKey) string {
	t.Helper()
	b, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jwkJSON(t testing.TB, m map[string]any) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("{")
	first := true
	for _, n := range []string{"kty", "crv", "x", "y"} {
		v, ok := m[n]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		fmt.Fprintf(&b, "%q:%q", n, v)
	}
	b.WriteString("}")
	return b.String()
}

func unsigned(t testing.TB, claims string) string {
	t.Helper()
	return jose.EncodeSegment([]byte(`{"alg":"none","typ":"`+attest.TypClientAttestationPoP+`"}`)) + "." + jose.EncodeSegment([]byte(claims)) + "."
}
