package sdjwtvc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
)

// BenchmarkVerify verifies an ES256 SD-JWT VC presentation with 20
// disclosures and a KB-JWT, as a verifier does (status not checked): the
// sdjwtvc counterpart of credentials/sdjwt's BenchmarkVerify.
func BenchmarkVerify(b *testing.B) {
	issuerKey, _ := jose.GenerateKey(jose.ES256)
	holderKey, _ := jose.GenerateKey(jose.ES256)
	claims := map[string]any{}
	for i := 0; i < 20; i++ {
		claims[fmt.Sprintf("claim_%02d", i)] = fmt.Sprintf("value number %d of the benchmark credential", i)
	}
	cred, err := sdjwtvc.Issue(issuerKey, sdjwtvc.Credential{
		Issuer: "https://assessor.example", VCT: "https://paspoort.loopbrug.nl/vct/skill/v1",
		HolderKey: holderKey.Public(), Expires: time.Now().Add(24 * time.Hour), Claims: claims,
	})
	if err != nil {
		b.Fatal(err)
	}
	pres, err := sdjwt.Present(cred, sdjwt.SelectAll, &sdjwt.KeyBindingOptions{Key: holderKey, Audience: "https://verifier.example", Nonce: "bm9uY2U"})
	if err != nil {
		b.Fatal(err)
	}
	v, err := sdjwtvc.NewVerifier(sdjwtvc.StaticKeys{"https://assessor.example": {issuerKey.Public()}})
	if err != nil {
		b.Fatal(err)
	}
	pol := sdjwtvc.Policy{KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: "https://verifier.example", Nonce: "bm9uY2U"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, pres, pol); err != nil {
			b.Fatal(err)
		}
	}
}
