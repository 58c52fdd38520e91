package sdjwtvc_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
)

// FuzzVerify runs the SD-JWT VC verifier on arbitrary input, seeded with the
// RFC 9901 A.3 SD-JWT VC and its key: no panic, every error classed.
func FuzzVerify(f *testing.F) {
	vec, err := os.ReadFile("testdata/rfc9901-A.3-sd-jwt-kb.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(vec))
	f.Add(string(vec[:len(vec)/2]))
	key, err := jose.ParsePublicKey([]byte(`{"kty":"EC","crv":"P-256","x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}`))
	if err != nil {
		f.Fatal(err)
	}
	v, err := sdjwtvc.NewVerifier(sdjwtvc.StaticKeys{"": {key}},
		sdjwtvc.WithClock(func() time.Time { return time.Unix(1748454271, 0) }), sdjwtvc.WithoutStatusCheckUnsafe())
	if err != nil {
		f.Fatal(err)
	}
	pol := sdjwtvc.Policy{KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: "https://verifier.example.org", Nonce: "1234567890"}}
	// The vector itself verifies.
	if _, err := v.Verify(context.Background(), string(vec), pol); err != nil {
		f.Fatalf("RFC 9901 A.3 as SD-JWT VC: %v", err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := v.Verify(context.Background(), s, pol); err != nil && credentials.Class(err) == nil {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// FuzzTypeMetadata parses arbitrary Type Metadata documents.
func FuzzTypeMetadata(f *testing.F) {
	f.Add([]byte(`{"vct":"x","claims":[{"path":["a",null,0],"sd":"always"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := sdjwtvc.ParseTypeMetadata(b); err != nil && credentials.Class(err) == nil {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
