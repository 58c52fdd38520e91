package wallet

import (
	"slices"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
)

// ProtectedClaim is a claim a request asks for that is of a category
// protected in hiring and admission (ppp.Protected: age, nationality, sex,
// health, religion, origin, …), with the legal ground the verifier's
// profile gives for asking it, if any (the fairness guard, issue 12).
type ProtectedClaim struct {
	QueryID  string        `json:"query_id"`
	VCT      string        `json:"vct"`
	Path     []string      `json:"path"`
	Category ppp.Protected `json:"category"`
	// Ground is the profile's legal ground for the requirement that asks
	// it (or the profile's own); nil when the verifier gives none.
	Ground *profile.LegalGround `json:"legal_ground,omitempty"`
}

// protectedClaims classifies every claim a query asks for, of any
// credential type: a PPP type by the marks of its metadata, an identity
// credential of another issuer (the EU PID: birthdate, age_over_18,
// nationalities, sex, …) by the claim's name. A path is cut at its first
// array step.
func protectedClaims(q dcql.Query, p *profile.Profile) []ProtectedClaim {
	var out []ProtectedClaim
	for _, cq := range q.Credentials {
		var ground *profile.LegalGround
		if r := requirementFor(p, cq.ID); r != nil && r.LegalGround != nil {
			ground = r.LegalGround
		} else if p != nil {
			ground = p.LegalGround
		}
		for _, vct := range cq.Meta.VCTValues {
			for _, c := range cq.Claims {
				path := memberPath(c.Path)
				cat, ok := ppp.ProtectedClaim(vct, path)
				if !ok {
					continue
				}
				pc := ProtectedClaim{QueryID: cq.ID, VCT: vct, Path: path, Category: cat, Ground: ground}
				if !slices.ContainsFunc(out, func(o ProtectedClaim) bool { return o.QueryID == pc.QueryID && slices.Equal(o.Path, pc.Path) }) {
					out = append(out, pc)
				}
			}
		}
	}
	return out
}
