package wallet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// A new wallet in a data folder, a credential added (verified against its
// issuer's key and bound to a fresh holder key of the wallet), and "my
// paspoort" listed by building block. Receive (OpenID4VCI) calls Add the
// same way with what an issuer sent.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "wallet-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// An assessment provider's signing key; the wallet pins it.
	issuerKey, _ := jose.GenerateKey(jose.ES256)
	const iss = "https://assessor.example"
	w, err := wallet.Init(ctx, dir, []byte("correct horse battery staple"),
		wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1}), // cheap for the example; use the default
		wallet.WithIssuerKeys(sdjwtvc.StaticKeys{iss: {issuerKey.Public()}}))
	if err != nil {
		panic(err)
	}
	defer w.Close()

	// The issuer signs a skill credential to a key the wallet generated.
	skill, _ := ppp.Lookup("skill")
	var claims map[string]any
	_ = json.Unmarshal(skill.Example(), &claims)
	holderKey, _ := w.NewHolderKey()
	sdjwt, err := sdjwtvc.Issue(issuerKey, sdjwtvc.Credential{Issuer: iss, VCT: skill.VCT, HolderKey: holderKey.Public(),
		Claims: claims, Expires: time.Now().AddDate(1, 0, 0)})
	if err != nil {
		panic(err)
	}
	if _, err := w.Add(ctx, []wallet.Copy{{SDJWT: sdjwt, Key: holderKey}}, wallet.Meta{IssuerName: "Assessor BV"}); err != nil {
		panic(err)
	}

	var summaries []wallet.Summary
	for _, c := range w.Credentials() {
		summaries = append(summaries, w.Summarize(ctx, c, true))
	}
	for _, g := range wallet.Groups(summaries) {
		for _, s := range g.Credentials {
			fmt.Printf("%s: %s from %s, %s\n", g.Name["en"], s.Type, s.IssuerName, s.Status)
		}
	}
	// Output:
	// Skills: skill from Assessor BV, no_status
}
