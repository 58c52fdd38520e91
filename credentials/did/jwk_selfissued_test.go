package did_test

import (
	"testing"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
)

func TestIsJWKOf(t *testing.T) {
	a, _ := jose.GenerateKey(jose.ES256)
	b, _ := jose.GenerateKey(jose.ES256)
	da, err := did.JWKFromKey(a.Public())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		did  string
		key  *jose.PublicKey
		want bool
	}{
		{"its own key", da, a.Public(), true},
		{"another key", da, b.Public(), false},
		{"no key", da, nil, false},
		{"not a did:jwk", "did:web:example.com", a.Public(), false},
		{"malformed did:jwk", "did:jwk:!!", a.Public(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := did.IsJWKOf(tt.did, tt.key); got != tt.want {
				t.Fatalf("IsJWKOf = %v, want %v", got, tt.want)
			}
		})
	}
}
