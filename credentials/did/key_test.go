package did_test

import (
	"context"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
)

func TestDIDKeyEd25519Vectors(t *testing.T) {
	var vectors map[string]struct {
		Seed            string         `json:"seed"`
		PublicKeyBase58 string         `json:"publicKeyBase58"`
		PublicKeyJWK    map[string]any `json:"publicKeyJwk"`
	}
	readTestdataJSON(t, "didkey-test-vectors-ed25519-x25519.extract.json", &vectors)
	if len(vectors) != 5 {
		t.Fatalf("%d vectors", len(vectors))
	}
	r := did.NewResolver(nil)
	for d, v := range vectors {
		t.Run(d, func(t *testing.T) {
			seed, err := hex.DecodeString(v.Seed)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := jose.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
			if err != nil {
				t.Fatal(err)
			}
			got, err := did.KeyFromPublic(pub)
			if err != nil || got != d {
				t.Fatalf("KeyFromPublic = %q, %v; want %q", got, err, d)
			}
			mb := strings.TrimPrefix(d, "did:key:")
			key, err := r.ResolveKey(context.Background(), d+"#"+mb, did.AssertionMethod)
			if err != nil {
				t.Fatal(err)
			}
			if !key.Equal(pub) || key.KeyID() != d+"#"+mb {
				t.Fatal("resolved another key")
			}
			if v.PublicKeyJWK != nil {
				want, err := jose.PublicKeyFromMap(v.PublicKeyJWK)
				if err != nil || !key.Equal(want) {
					t.Fatalf("key differs from the spec's JWK: %v", err)
				}
			}
		})
	}
}

func TestDIDKeyP256Vectors(t *testing.T) {
	var vectors map[string]struct {
		PublicKeyJWK map[string]any `json:"publicKeyJwk"`
	}
	readTestdataJSON(t, "didkey-test-vectors-nist-curves.extract.json", &vectors)
	r := did.NewResolver(nil)
	p256 := 0
	for d, v := range vectors {
		t.Run(d, func(t *testing.T) {
			mb := strings.TrimPrefix(d, "did:key:")
			if v.PublicKeyJWK["crv"] != "P-256" {
				// P-384 (multicodec 0x1201) is not supported: FMT.
				_, err := did.ResolveKey(d)
				wantErr(t, err, did.ErrInvalidMultikey)
				return
			}
			p256++
			want, err := jose.PublicKeyFromMap(v.PublicKeyJWK)
			if err != nil {
				t.Fatal(err)
			}
			got, err := did.KeyFromPublic(want)
			if err != nil || got != d {
				t.Fatalf("KeyFromPublic = %q, %v; want %q", got, err, d)
			}
			key, err := r.ResolveKey(context.Background(), d+"#"+mb, did.Authentication)
			if err != nil {
				t.Fatal(err)
			}
			if !key.Equal(want) || key.Alg() != jose.ES256 {
				t.Fatal("resolved another key")
			}
		})
	}
	if p256 != 2 {
		t.Fatalf("%d P-256 vectors", p256)
	}
}

func TestDIDKeySpecExampleDocument(t *testing.T) {
	want, err := did.ParseDocument(readTestdata(t, "didkey-spec-example-document.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := did.ResolveKey(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Same id, method id, controller, key and signature relationships; the
	// spec's example uses Ed25519VerificationKey2020 where paspoort writes
	// Multikey, and derives an X25519 key paspoort does not.
	wvm, gvm := want.VerificationMethod[0], got.VerificationMethod[0]
	if got.ID != want.ID || gvm.ID != wvm.ID || gvm.Controller != wvm.Controller || gvm.PublicKeyMultibase != wvm.PublicKeyMultibase {
		t.Fatalf("got %+v, want %+v", gvm, wvm)
	}
	for _, rel := range []did.Relationship{did.Authentication, did.AssertionMethod, did.CapabilityInvocation, did.CapabilityDelegation} {
		g, w := got.Relationship(rel), want.Relationship(rel)
		if len(g) != 1 || len(w) != 1 || g[0].Ref != w[0].Ref {
			t.Fatalf("%s: got %+v, want %+v", rel, g, w)
		}
	}
	// The example's own document, as a verifier would find it, yields the
	// same key through its Ed25519VerificationKey2020 method.
	r := did.NewResolver(nil)
	key, err := r.ResolveKey(context.Background(), wvm.ID, did.AssertionMethod)
	if err != nil {
		t.Fatal(err)
	}
	if key.Alg() != jose.EdDSA {
		t.Fatal(key.Alg())
	}
}

func TestKeyRoundTrip(t *testing.T) {
	r := did.NewResolver(nil)
	for _, alg := range []jose.Alg{jose.ES256, jose.EdDSA} {
		for range 20 {
			priv, err := jose.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			d, err := did.KeyFromPublic(priv.Public())
			if err != nil {
				t.Fatal(err)
			}
			prefix := map[jose.Alg]string{jose.ES256: "did:key:zDn", jose.EdDSA: "did:key:z6Mk"}[alg]
			if !strings.HasPrefix(d, prefix) {
				t.Fatalf("%s does not start with %s", d, prefix)
			}
			doc, err := r.Resolve(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			key, err := r.ResolveKey(context.Background(), doc.VerificationMethod[0].ID, did.AssertionMethod)
			if err != nil {
				t.Fatal(err)
			}
			if !key.Equal(priv.Public()) {
				t.Fatalf("%s: round trip gave another key", alg)
			}
		}
	}
}

func TestResolveKeyRefuses(t *testing.T) {
	const ed = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	const p256 = "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
	tests := []struct {
		name string
		did  string
		want error
	}{
		{"base64 multibase prefix", "did:key:m7QFtKGLhiKAgPU9KDVAEGmU", did.ErrInvalidMultikey},
		{"base58 flickr prefix", "did:key:Z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidMultikey},
		{"no prefix", "did:key:6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidMultikey},
		{"bad base58 character", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do0", did.ErrInvalidMultikey},
		{"secp256k1 multicodec", "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", did.ErrInvalidMultikey},
		{"x25519 multicodec", "did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F", did.ErrInvalidMultikey},
		{"P-384 multicodec", "did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9", did.ErrInvalidMultikey},
		{"ed25519 short", "did:key:" + multikey([]byte{0xed, 0x01}, make([]byte, 31)), did.ErrInvalidMultikey},
		{"ed25519 long", "did:key:" + multikey([]byte{0xed, 0x01}, make([]byte, 33)), did.ErrInvalidMultikey},
		{"p256 uncompressed", "did:key:" + multikey([]byte{0x80, 0x24}, append([]byte{4}, make([]byte, 64)...)), did.ErrInvalidMultikey},
		{"p256 off curve", "did:key:" + multikey([]byte{0x80, 0x24}, append([]byte{2}, offCurveX()...)), did.ErrInvalidMultikey},
		{"p256 bad prefix byte", "did:key:" + multikey([]byte{0x80, 0x24}, append([]byte{5}, make([]byte, 32)...)), did.ErrInvalidMultikey},
		{"p256 x above p", "did:key:" + multikey([]byte{0x80, 0x24}, append([]byte{2}, ff(32)...)), did.ErrInvalidMultikey},
		{"non-minimal varint", "did:key:" + multikey([]byte{0xed, 0x81, 0x00}, make([]byte, 32)), did.ErrInvalidMultikey},
		{"truncated varint", "did:key:" + multikey([]byte{0x80}, nil), did.ErrInvalidMultikey},
		{"empty", "did:key:z", did.ErrInvalidMultikey},
		{"long", "did:key:z" + strings.Repeat("2", 300), did.ErrInvalidMultikey},
		{"version component", "did:key:1:" + ed, did.ErrInvalidMultikey},
		{"fragment", "did:key:" + p256 + "#" + p256, did.ErrInvalidDID},
		{"uppercase method", "did:KEY:" + ed, did.ErrInvalidDID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := did.ResolveKey(tt.did)
			wantErr(t, err, tt.want)
			_, err = did.NewResolver(nil).ResolveKey(context.Background(), tt.did+"#x", did.AssertionMethod)
			if err == nil {
				t.Fatal("Resolver.ResolveKey accepted it")
			}
		})
	}
}

func TestDIDKeyWrongFragment(t *testing.T) {
	const d = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	r := did.NewResolver(nil)
	for _, frag := range []string{"0", "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p"} {
		_, err := r.ResolveKey(context.Background(), d+"#"+frag, did.AssertionMethod)
		wantErr(t, err, did.ErrUnknownKey)
	}
}

// offCurveX returns the smallest x for which x³ − 3x + b is not a square
// modulo p, so that no P-256 point has that x coordinate.
func offCurveX() []byte {
	params := elliptic.P256().Params()
	for i := int64(1); ; i++ {
		x := big.NewInt(i)
		rhs := new(big.Int).Exp(x, big.NewInt(3), params.P)
		rhs.Sub(rhs, new(big.Int).Mul(x, big.NewInt(3)))
		rhs.Add(rhs, params.B)
		rhs.Mod(rhs, params.P)
		if big.Jacobi(rhs, params.P) == -1 {
			return x.FillBytes(make([]byte, 32))
		}
	}
}

func ff(n int) []byte { return []byte(strings.Repeat("\xff", n)) }

// multikey returns "z" + base58btc(header ‖ key).
func multikey(header, key []byte) string {
	return "z" + did.Base58EncodeForTest(append(append([]byte{}, header...), key...))
}
