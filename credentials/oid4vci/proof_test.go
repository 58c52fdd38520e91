package oid4vci_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
)

const aud = "https://issuer.example"

var algs = []jose.Alg{jose.ES256, jose.EdDSA}

func TestProofSpecExample(t *testing.T) {
	raw := string(testdata(t, "vci-1.0-proof-jwt-example.txt"))
	p, err := oid4vci.VerifyProof(raw, oid4vci.ProofPolicy{
		Audience: "https://credential-issuer.example.com", Algs: algs,
		Now: time.Unix(1701960444, 0), Nonce: "LarRGSbmUPYtRYO6BQ4yn8",
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Nonce != "LarRGSbmUPYtRYO6BQ4yn8" || p.Key.Alg() != jose.ES256 || p.DID != "" {
		t.Fatalf("proof: %+v", p)
	}
	// The same proof a day later is stale.
	_, err = oid4vci.VerifyProof(raw, oid4vci.ProofPolicy{Audience: "https://credential-issuer.example.com", Algs: algs, Now: time.Unix(1701960444+86400, 0)})
	if !errors.Is(err, oid4vci.ErrInvalidProof) || !errors.Is(err, credentials.ErrClaim) {
		t.Fatalf("stale proof: %v", err)
	}
}

func TestProofRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		alg  jose.Alg
		ref  oid4vci.KeyRef
	}{
		{"ES256 jwk", jose.ES256, oid4vci.KeyRefJWK},
		{"EdDSA jwk", jose.EdDSA, oid4vci.KeyRefJWK},
		{"ES256 did:jwk", jose.ES256, oid4vci.KeyRefDIDJWK},
		{"ES256 did:key", jose.ES256, oid4vci.KeyRefDIDKey},
		{"EdDSA did:key", jose.EdDSA, oid4vci.KeyRefDIDKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKey(t, tc.alg)
			raw, err := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: aud, Nonce: "n-1", KeyRef: tc.ref})
			if err != nil {
				t.Fatal(err)
			}
			p, err := oid4vci.VerifyProof(raw, oid4vci.ProofPolicy{Audience: aud, Algs: algs, NonceRequired: true, Nonce: "n-1"})
			if err != nil {
				t.Fatal(err)
			}
			if !p.Key.Equal(k.Public()) || p.Nonce != "n-1" {
				t.Fatalf("proof %+v", p)
			}
			if (tc.ref != oid4vci.KeyRefJWK) != (p.DID != "") {
				t.Fatalf("DID %q for key reference %d", p.DID, tc.ref)
			}
		})
	}
}

// signWithHeader signs payload with key under an arbitrary header.
func signWithHeader(t *testing.T, key *jose.PrivateKey, header map[string]any, payload map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	tok, err := jose.SignRaw(key, h, p)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// SECURITY.md C.28: VCI proof abuse, each refused with invalid_proof or
// invalid_nonce.
func TestVerifyProofRefuses(t *testing.T) {
	now := time.Now()
	k := newKey(t, jose.ES256)
	other := newKey(t, jose.ES256)
	jwk := k.Public().Map()
	privJWK := map[string]any{}
	b, _ := k.MarshalJSON()
	_ = json.Unmarshal(b, &privJWK)
	didJWK, _ := did.JWKFromKey(k.Public())
	otherDID, _ := did.JWKFromKey(other.Public())
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"aud": aud, "iat": now.Unix(), "nonce": "n-1"}
		for n, v := range extra {
			if v == nil {
				delete(c, n)
			} else {
				c[n] = v
			}
		}
		return c
	}
	hdr := func(extra map[string]any) map[string]any {
		h := map[string]any{"typ": oid4vci.ProofTyp, "alg": "ES256", "jwk": jwk}
		for n, v := range extra {
			if v == nil {
				delete(h, n)
			} else {
				h[n] = v
			}
		}
		return h
	}
	hs256 := func() string {
		h, _ := json.Marshal(hdr(map[string]any{"alg": "HS256"}))
		p, _ := json.Marshal(claims(nil))
		in := jose.EncodeSegment(h) + "." + jose.EncodeSegment(p)
		m := hmac.New(sha256.New, []byte(`{"kty":"EC"}`))
		m.Write([]byte(in))
		return in + "." + jose.EncodeSegment(m.Sum(nil))
	}
	pol := oid4vci.ProofPolicy{Audience: aud, Algs: algs, Now: now, NonceRequired: true, Nonce: "n-1"}
	for _, tc := range []struct {
		name    string
		token   string
		pol     oid4vci.ProofPolicy
		wantErr []error
	}{
		{"reused or foreign c_nonce", signWithHeader(t, k, hdr(nil), claims(map[string]any{"nonce": "n-other"})), pol, []error{oid4vci.ErrInvalidNonce}},
		{"no nonce", signWithHeader(t, k, hdr(nil), claims(map[string]any{"nonce": nil})), pol, []error{oid4vci.ErrInvalidProof}},
		{"nonce not a string", signWithHeader(t, k, hdr(nil), claims(map[string]any{"nonce": 7})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"aud wrong", signWithHeader(t, k, hdr(nil), claims(map[string]any{"aud": "https://evil.example"})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"aud array", signWithHeader(t, k, hdr(nil), claims(map[string]any{"aud": []string{aud}})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"HS256", hs256(), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrAlg}},
		{"alg none", func() string {
			h, _ := json.Marshal(hdr(map[string]any{"alg": "none"}))
			p, _ := json.Marshal(claims(nil))
			return jose.EncodeSegment(h) + "." + jose.EncodeSegment(p) + "."
		}(), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrAlg}},
		{"both kid and jwk", signWithHeader(t, k, hdr(map[string]any{"kid": didJWK + "#0"}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrFormat}},
		{"jwk with d", signWithHeader(t, k, hdr(map[string]any{"jwk": privJWK}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrFormat}},
		{"no key", signWithHeader(t, k, hdr(map[string]any{"jwk": nil}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrFormat}},
		{"x5c", signWithHeader(t, k, hdr(map[string]any{"jwk": nil, "x5c": []string{"MIIB"}}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrTrust}},
		{"did:web kid", signWithHeader(t, k, hdr(map[string]any{"jwk": nil, "kid": "did:web:evil.example#k"}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrTrust}},
		{"kid not a DID URL", signWithHeader(t, k, hdr(map[string]any{"jwk": nil, "kid": "../../etc/passwd"}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof}},
		{"signed by another key", signWithHeader(t, other, hdr(nil), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrSignature}},
		{"kid of another key", signWithHeader(t, k, hdr(map[string]any{"jwk": nil, "kid": otherDID + "#0"}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrSignature}},
		{"iss DID is not the signing key", signWithHeader(t, k, hdr(nil), claims(map[string]any{"iss": otherDID})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrTrust}},
		{"iss is not the client_id", signWithHeader(t, k, hdr(nil), claims(map[string]any{"iss": "wallet-x"})), withClient(pol, "wallet-y"), []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"wrong typ", signWithHeader(t, k, hdr(map[string]any{"typ": "JWT"}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrType}},
		{"no typ", signWithHeader(t, k, hdr(map[string]any{"typ": nil}), claims(nil)), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrType}},
		{"iat in the future", signWithHeader(t, k, hdr(nil), claims(map[string]any{"iat": now.Add(time.Hour).Unix()})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"iat stale", signWithHeader(t, k, hdr(nil), claims(map[string]any{"iat": now.Add(-time.Hour).Unix()})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"iat string", signWithHeader(t, k, hdr(nil), claims(map[string]any{"iat": "9e9"})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"no iat", signWithHeader(t, k, hdr(nil), claims(map[string]any{"iat": nil})), pol, []error{oid4vci.ErrInvalidProof, credentials.ErrClaim}},
		{"EdDSA not allowed", func() string {
			e := newKey(t, jose.EdDSA)
			raw, _ := oid4vci.BuildProof(e, oid4vci.ProofOptions{Audience: aud, Nonce: "n-1"})
			return raw
		}(), oid4vci.ProofPolicy{Audience: aud, Algs: []jose.Alg{jose.ES256}, Now: now, Nonce: "n-1"}, []error{oid4vci.ErrInvalidProof, credentials.ErrAlg}},
		{"JWE", "a.b.c.d.e", pol, []error{oid4vci.ErrInvalidProof, credentials.ErrFormat}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oid4vci.VerifyProof(tc.token, tc.pol)
			for _, want := range tc.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, want)
				}
			}
			if code := oid4vci.CodeOf(err); code != oid4vci.CodeInvalidProof && code != oid4vci.CodeInvalidNonce {
				t.Fatalf("code %s", code)
			}
		})
	}
}

func withClient(p oid4vci.ProofPolicy, id string) oid4vci.ProofPolicy {
	p.ClientID = id
	return p
}

// An iss that is the proving key's own DID, or the expected client_id, is
// accepted.
func TestVerifyProofIssuer(t *testing.T) {
	k := newKey(t, jose.ES256)
	d, _ := did.KeyFromPublic(k.Public())
	raw, err := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: aud, ClientID: d, KeyRef: oid4vci.KeyRefDIDKey})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := oid4vci.VerifyProof(raw, oid4vci.ProofPolicy{Audience: aud, Algs: algs, ClientID: d}); err != nil || p.Issuer != d || p.DID != d {
		t.Fatalf("%+v %v", p, err)
	}
	raw, _ = oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: aud, ClientID: d})
	if _, err := oid4vci.VerifyProof(raw, oid4vci.ProofPolicy{Audience: aud, Algs: algs}); err != nil {
		t.Fatalf("jwk proof with its own did:key as iss: %v", err)
	}
}

// VCI 1.0 Appendix F.1: iss is OPTIONAL even when the token request carried
// a client_id; only a present iss that is not the client_id is refused.
func TestVerifyProofIssuerOptional(t *testing.T) {
	k := newKey(t, jose.ES256)
	pol := oid4vci.ProofPolicy{Audience: aud, Algs: algs, ClientID: "wallet-1"}
	for _, tc := range []struct {
		name, iss string
		wantErr   error
	}{
		{"absent", "", nil},
		{"the client_id", "wallet-1", nil},
		{"another client", "wallet-2", credentials.ErrClaim},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: aud, ClientID: tc.iss})
			if err != nil {
				t.Fatal(err)
			}
			p, err := oid4vci.VerifyProof(raw, pol)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && !errors.Is(err, oid4vci.ErrInvalidProof) {
				t.Fatalf("got %v, want ErrInvalidProof", err)
			}
			if err == nil && p.Issuer != tc.iss {
				t.Fatalf("Issuer %q, want %q", p.Issuer, tc.iss)
			}
		})
	}
}
