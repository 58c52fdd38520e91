package registry_test

import (
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

// A consortium signs two versions, rotating its key in between; a
// verifier that pinned the first key follows both and looks up an issuer
// and what a verifier may ask.
func Example() {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	k1, _ := jose.GenerateKey(jose.ES256)
	k2, _ := jose.GenerateKey(jose.ES256)

	doc := &registry.Document{
		Consortium: registry.Consortium{ID: "https://register.example.nl", Name: registry.Text{NL: "Loopbrug", EN: "Loopbrug"}},
		Version:    1, IssuedAt: now.Unix(), Expires: now.Add(720 * time.Hour).Unix(),
		NextKeys: []registry.Key{{PublicKey: k2.Public()}}, // rotate to k2
		Issuers: []registry.Issuer{{ID: "did:web:assessor.example.nl", Name: registry.Text{NL: "Toetsbureau", EN: "Assessment office"},
			Kind: registry.KindAssessor, Types: []string{"skill"}}},
		Verifiers: []registry.Verifier{{ClientID: "decentralized_identifier:did:web:pabo.example.nl", Name: registry.Text{NL: "Pabo", EN: "Teacher college"},
			Kind: registry.KindAdmission, Profiles: []registry.ProfileEntry{{ID: "pabo", Versions: "1.x",
				Claims: []registry.Claim{{Type: "skill", Paths: [][]string{{"skill"}, {"proficiency"}}}}}}}},
	}
	v1, _ := registry.Sign(doc, k1)
	doc.Version, doc.Prev = 2, registry.Hash(v1)
	v2, _ := registry.Sign(doc, k2)

	f, _ := registry.NewFollower([]*jose.PublicKey{k1.Public()})
	for _, tok := range []string{v1, v2} {
		r, err := f.Accept([]byte(tok), now)
		fmt.Println("accepted version", r.Version, err)
	}
	reg := f.Current()
	_, ok := reg.IssuerAllowed("did:web:assessor.example.nl", "skill")
	fmt.Println("assessor may issue skill:", ok)
	v, _ := reg.Verifier("decentralized_identifier:did:web:pabo.example.nl")
	fmt.Println("asked beyond registration:", v.Outside([]registry.ClaimRef{{Type: "skill", Path: []string{"skill"}}, {Type: "skill", Path: []string{"evidence"}}}))
	// Output:
	// accepted version 1 <nil>
	// accepted version 2 <nil>
	// assessor may issue skill: true
	// asked beyond registration: [{skill [evidence]}]
}
