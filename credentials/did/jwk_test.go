package did_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

func TestResolveJWKSpecP256(t *testing.T) {
	d := readTestdataString(t, "didjwk-spec-p256.txt")
	got, err := did.ResolveJWK(d)
	if err != nil {
		t.Fatal(err)
	}
	// The spec's example document has an erratum: its "authentication"
	// entry reads "did:jwk:$eyJ…#0". Correct exactly that before comparing.
	raw := readTestdata(t, "didjwk-spec-p256-document.json")
	if n := strings.Count(string(raw), "did:jwk:$eyJ"); n != 1 {
		t.Fatalf("expected the spec erratum once, found %d", n)
	}
	want, err := did.ParseDocument([]byte(strings.Replace(string(raw), "did:jwk:$eyJ", "did:jwk:eyJ", 1)))
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, got, want)

	// The DID is the canonical serialisation JWKFromKey produces.
	key, err := did.NewResolver(nil).ResolveKey(context.Background(), d+"#0", did.AssertionMethod)
	if err != nil {
		t.Fatal(err)
	}
	if key.KeyID() != d+"#0" || key.Alg() != jose.ES256 {
		t.Fatalf("key ID %q alg %s", key.KeyID(), key.Alg())
	}
	again, err := did.JWKFromKey(key)
	if err != nil || again != d {
		t.Fatalf("JWKFromKey = %q, %v; want the spec's DID", again, err)
	}
}

func TestResolveJWKSpecX25519(t *testing.T) {
	// X25519 is not a signature key paspoort supports: ALG.
	_, err := did.ResolveJWK(readTestdataString(t, "didjwk-spec-x25519.txt"))
	wantErr(t, err, jose.ErrUnsupportedAlg)
	// Its document still parses.
	if _, err := did.ParseDocument(readTestdata(t, "didjwk-spec-x25519-document.json")); err != nil {
		t.Fatal(err)
	}
}

func TestJWKRoundTrip(t *testing.T) {
	r := did.NewResolver(nil)
	for _, alg := range []jose.Alg{jose.ES256, jose.EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			priv, err := jose.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			d, err := did.JWKFromKey(priv.Public())
			if err != nil {
				t.Fatal(err)
			}
			doc, err := r.Resolve(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			if doc.ID != d || len(doc.VerificationMethod) != 1 || doc.VerificationMethod[0].ID != d+"#0" {
				t.Fatalf("document %+v", doc)
			}
			for _, rel := range []did.Relationship{did.AssertionMethod, did.Authentication} {
				key, err := r.ResolveKey(context.Background(), d+"#0", rel)
				if err != nil {
					t.Fatal(err)
				}
				if !key.Equal(priv.Public()) || key.KeyID() != d+"#0" {
					t.Fatalf("%s: got another key", rel)
				}
			}
		})
	}
}

// jwkDID builds a did:jwk from raw JWK JSON.
func jwkDID(jwk string) string {
	return "did:jwk:" + jose.EncodeSegment([]byte(jwk))
}

func TestResolveJWKRefuses(t *testing.T) {
	priv, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	privJSON, err := json.Marshal(priv)
	if err != nil {
		t.Fatal(err)
	}
	m := priv.Public().Map()
	tests := []struct {
		name string
		did  string
		want error
	}{
		{"private key d", "did:jwk:" + jose.EncodeSegment(privJSON), jose.ErrPrivateKeyMaterial},
		{"not base64url", "did:jwk:eyJ+", did.ErrInvalidDID},
		{"padding", jwkDID(`{}`) + "%3D", jose.ErrBase64},
		{"not JSON", "did:jwk:" + jose.EncodeSegment([]byte("kty")), strictjson.ErrSyntax},
		{"JSON array", jwkDID(`[]`), strictjson.ErrSyntax},
		{"JSON null", jwkDID(`null`), jose.ErrInvalidKey},
		{"duplicate member", jwkDID(`{"kty":"EC","kty":"OKP"}`), strictjson.ErrDuplicateMember},
		{"deep", jwkDID(strings.Repeat("[", 100) + strings.Repeat("]", 100)), strictjson.ErrTooDeep},
		{"use other", jwkDID(`{"kty":"EC","crv":"P-256","use":"wrap","x":"` + m["x"].(string) + `","y":"` + m["y"].(string) + `"}`), jose.ErrInvalidKey},
		{"off curve", jwkDID(`{"kty":"EC","crv":"P-256","x":"` + m["x"].(string) + `","y":"` + m["x"].(string) + `"}`), jose.ErrInvalidKey},
		{"RSA", jwkDID(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`), jose.ErrUnsupportedAlg},
		{"other method", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID},
		{"with fragment", jwkDID(`{}`) + "#0", did.ErrInvalidDID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := did.ResolveJWK(tt.did)
			wantErr(t, err, tt.want)
		})
	}
}

func TestJWKUseEnc(t *testing.T) {
	priv, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	m := priv.Public().Map()
	m["use"] = "enc"
	b, _ := json.Marshal(m)
	d := "did:jwk:" + jose.EncodeSegment(b)
	doc, err := did.ResolveJWK(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.KeyAgreement) != 1 || len(doc.AssertionMethod) != 0 || len(doc.Authentication) != 0 {
		t.Fatalf("use:enc document has relationships %+v", doc)
	}
	// Never usable to verify a signature (SECURITY.md E.44).
	r := did.NewResolver(nil)
	for _, rel := range []did.Relationship{did.AssertionMethod, did.Authentication, did.KeyAgreement} {
		_, err = r.ResolveKey(context.Background(), d+"#0", rel)
		wantErr(t, err, did.ErrNotAuthorized)
	}

	// use:sig drops keyAgreement only.
	m["use"] = "sig"
	b, _ = json.Marshal(m)
	doc, err = did.ResolveJWK("did:jwk:" + jose.EncodeSegment(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.KeyAgreement) != 0 || len(doc.AssertionMethod) != 1 {
		t.Fatalf("use:sig document has relationships %+v", doc)
	}
}

func TestJWKFragment(t *testing.T) {
	priv, err := jose.GenerateKey(jose.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	d, err := did.JWKFromKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	r := did.NewResolver(nil)
	for _, frag := range []string{"1", "00", "key-0", priv.Public().Thumbprint()} {
		_, err := r.ResolveKey(context.Background(), d+"#"+frag, did.AssertionMethod)
		wantErr(t, err, did.ErrUnknownKey)
	}
	_, err = r.ResolveKey(context.Background(), d, did.AssertionMethod)
	wantErr(t, err, did.ErrInvalidDID)
}

// assertSameJSON compares two documents by their JSON form.
func assertSameJSON(t *testing.T, got, want *did.Document) {
	t.Helper()
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	_ = json.Unmarshal(gb, &g)
	_ = json.Unmarshal(wb, &w)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("documents differ:\n got %s\nwant %s", gb, wb)
	}
}

// TestResolverKeyCache: a did:jwk or did:key key resolves the same from
// the cache, the cache never turns a refusal into a key (the relationship
// is part of what is cached, errors are not cached), and it stays bounded.
func TestResolverKeyCache(t *testing.T) {
	ctx := context.Background()
	r := did.NewResolver(nil)
	ec, _ := jose.GenerateKey(jose.ES256)
	ed, _ := jose.GenerateKey(jose.EdDSA)
	jwkDID, err := did.JWKFromKey(ec.Public())
	if err != nil {
		t.Fatal(err)
	}
	keyDID, err := did.KeyFromPublic(ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	keyURL := keyDID + "#" + strings.TrimPrefix(keyDID, "did:key:")
	tests := []struct {
		name string
		url  string
		rel  did.Relationship
		want *jose.PublicKey
		err  error
	}{
		{"did:jwk", jwkDID + "#0", did.AssertionMethod, ec.Public(), nil},
		{"did:jwk again", jwkDID + "#0", did.AssertionMethod, ec.Public(), nil},
		{"did:jwk other relationship", jwkDID + "#0", did.Authentication, ec.Public(), nil},
		{"did:jwk key agreement after a cached key", jwkDID + "#0", did.KeyAgreement, nil, did.ErrNotAuthorized},
		{"did:jwk unknown fragment", jwkDID + "#1", did.AssertionMethod, nil, did.ErrUnknownKey},
		{"did:jwk unknown fragment again", jwkDID + "#1", did.AssertionMethod, nil, did.ErrUnknownKey},
		{"did:key", keyURL, did.AssertionMethod, ed.Public(), nil},
		{"did:key again", keyURL, did.AssertionMethod, ed.Public(), nil},
		{"did:key wrong fragment", keyDID + "#x", did.AssertionMethod, nil, did.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := r.ResolveKey(ctx, tt.url, tt.rel)
			if tt.err != nil {
				wantErr(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !k.Equal(tt.want) || k.KeyID() != tt.url {
				t.Fatalf("key %s (kid %q), want %s (kid %q)", k.Thumbprint(), k.KeyID(), tt.want.Thumbprint(), tt.url)
			}
		})
	}
	if n := r.CachedKeysForTest(); n != 3 {
		t.Fatalf("%d keys cached, want 3 (errors are not cached)", n)
	}
	for range did.MaxCachedKeysForTest + 10 {
		k, _ := jose.GenerateKey(jose.EdDSA)
		d, _ := did.JWKFromKey(k.Public())
		if _, err := r.ResolveKey(ctx, d+"#0", did.AssertionMethod); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.CachedKeysForTest(); n > did.MaxCachedKeysForTest {
		t.Fatalf("%d keys cached, bound %d", n, did.MaxCachedKeysForTest)
	}
}
