package sdjwtvc_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
)

// The happy path: an assessment provider issues a skill credential, the
// holder's wallet checks and keeps it, the holder presents two claims to a
// school, and the school verifies them.
func Example() {
	ctx := context.Background()
	issuerKey, _ := jose.GenerateKey(jose.ES256)
	holderKey, _ := jose.GenerateKey(jose.ES256)

	// Issue.
	credential, err := sdjwtvc.Issue(issuerKey, sdjwtvc.Credential{
		Issuer:    "https://assessor.example",
		VCT:       "https://paspoort.loopbrug.nl/vct/skill/v1",
		HolderKey: holderKey.Public(),
		Expires:   time.Now().Add(365 * 24 * time.Hour),
		Claims: map[string]any{
			"skill":       "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b",
			"skill_label": "give constructive feedback",
			"proficiency": 3,
			"method":      "assessment",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The wallet checks what it received before storing it.
	trust := sdjwtvc.StaticKeys{"https://assessor.example": {issuerKey.Public()}}
	verifier, _ := sdjwtvc.NewVerifier(trust)
	if _, err := verifier.VerifyIssued(ctx, credential, holderKey.Public()); err != nil {
		fmt.Println(err)
		return
	}

	// Present two claims to the school, bound to its nonce.
	presentation, err := sdjwt.Present(credential, sdjwt.Selection{Paths: []string{"/skill", "/proficiency"}},
		&sdjwt.KeyBindingOptions{Key: holderKey, Audience: "https://hogeschool.example", Nonce: "n-0S6_WzA2Mj"})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The school verifies.
	res, err := verifier.Verify(ctx, presentation, sdjwtvc.Policy{
		KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: "https://hogeschool.example", Nonce: "n-0S6_WzA2Mj"},
		AcceptVCT:  []string{"https://paspoort.loopbrug.nl/vct/skill/v1"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("issuer:", res.Issuer)
	fmt.Println("disclosed:", res.Disclosed)
	fmt.Println("proficiency:", res.Claims["proficiency"])
	_, labelShown := res.Claims["skill_label"]
	fmt.Println("skill_label shown:", labelShown)
	// Output:
	// issuer: https://assessor.example
	// disclosed: [/proficiency /skill]
	// proficiency: 3
	// skill_label shown: false
}
