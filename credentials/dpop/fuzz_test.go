package dpop_test

import (
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/internal/jose"
)

func FuzzVerifyProof(f *testing.F) {
	for _, name := range []string{"proof-es256-token.txt", "neg-alg-none.txt", "neg-alg-hs256.txt", "neg-private-jwk.txt"} {
		f.Add(testdata(f, name), "https://server.example.com/token")
	}
	f.Add("", "https://server.example.com/token?x#y")
	f.Fuzz(func(t *testing.T, raw, url string) {
		pol := dpop.Policy{Method: "POST", URL: url, Algs: []jose.Alg{jose.ES256, jose.EdDSA}, Now: time.Unix(1_800_000_000, 0)}
		p, err := dpop.VerifyProof(raw, pol)
		if err != nil {
			return
		}
		if p.Key == nil || p.JKT != p.Key.Thumbprint() || p.JTI == "" {
			t.Fatalf("accepted proof without key or jti: %+v", p)
		}
	})
}
