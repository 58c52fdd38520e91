package wallet_test

import (
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/wallet"
)

const evidenceProfile = `id: evidence
version: "1"
kind: admission
title: {nl: T, en: T}
purpose: {nl: T, en: T}
requirements:
  - id: sport
    title: {nl: Sport, en: Sport}
    required: true
    min_assurance: assessor
    type: portfolio
    claims: [standard]
    predicate: standard == "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
  - id: coach
    title: {nl: Coach, en: Coach}
    required: true
    aggregate:
      type: experience
      occupation: http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a
      min_months: 30
`

// TestMatchEvidence: the wallet's private match sums experience as the
// verifier does (the union of periods: 36 months, not 48), and counts a
// portfolio only as self-issued, as assurance self.
func TestMatchEvidence(t *testing.T) {
	const coach = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
	club, other := newTestIssuer(t, "did:web:club.example"), newTestIssuer(t, "did:web:other.example")
	dir := t.TempDir()
	w := initWallet(t, dir)
	// The holder's own portfolio: signed with a key of hers, iss the did:jwk of it.
	hk, err := w.NewHolderKey()
	if err != nil {
		t.Fatal(err)
	}
	self, err := did.JWKFromKey(hk.Public())
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	keys := sdjwtvc.StaticKeys{club.iss: {club.key.Public()}, other.iss: {other.key.Public()}, self: {hk.Public()}}
	w = openWallet(t, dir, wallet.WithIssuerKeys(keys))
	defer w.Close()
	p, err := profile.Parse("evidence.yaml", []byte(evidenceProfile))
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := ppp.Lookup("portfolio")
	own, err := sdjwtvc.Issue(hk.WithKeyID(self+"#0"), sdjwtvc.Credential{Issuer: self, VCT: pt.VCT, HolderKey: hk.Public(),
		Claims: example(t, "portfolio", map[string]any{"assurance": "assessor"}), IssuedAt: time.Now().Add(-time.Hour), Expires: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add(ctx, []wallet.Copy{{SDJWT: own, Key: hk}}, wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	day := func(years int) string { return ppp.DateOf(now.AddDate(years, 0, 0)).String() }
	for _, job := range []map[string]any{
		{"occupation": coach, "start_date": day(-5), "end_date": ppp.DateOf(now.AddDate(-3, 0, -1)).String()},
		{"occupation": coach, "start_date": day(-4), "end_date": ppp.DateOf(now.AddDate(-2, 0, -1)).String()},
	} {
		claims := example(t, "experience", job)
		delete(claims, "ongoing") // these jobs ended: end_date, not ongoing
		if _, err := w.Add(ctx, club.issue(t, w, "experience", claims, 1), wallet.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	res := w.MatchProfile(ctx, p, now)
	sport, coachRes := res.Requirements[0], res.Requirements[1]
	if sport.Status != profile.StatusNotProven || sport.Reason != profile.ReasonAssuranceTooLow || sport.Evidence[0].Assurance != ppp.AssuranceSelf {
		t.Fatalf("own portfolio stating assessor: %+v", sport)
	}
	if coachRes.Status != profile.StatusMet || coachRes.Aggregate.Months != 36 || coachRes.Aggregate.Credentials != 2 {
		t.Fatalf("coach %+v %+v", coachRes, coachRes.Aggregate)
	}

	// A portfolio another issuer made for her does not count at all.
	if _, err := w.Add(ctx, other.issue(t, w, "portfolio", example(t, "portfolio", map[string]any{"assurance": "assessor"}), 1), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	res = w.MatchProfile(ctx, p, now)
	if ev := res.Requirements[0].Evidence; len(ev) != 1 || ev[0].Issuer != self {
		t.Fatalf("evidence %+v: only the own portfolio counts", ev)
	}
}
