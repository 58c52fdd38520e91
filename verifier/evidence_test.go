package verifier_test

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/verifier"
)

const (
	profileALO = "bewegingsonderwijs-zij-instroom"
	occCoach   = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
	skillSport = "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"
)

// exampleWith returns the PPP example of typ with the members of over replacing
// its own, and without the members named in drop.
func exampleWith(t testing.TB, typ string, over map[string]any, drop ...string) map[string]any {
	t.Helper()
	m := example(t, typ)
	maps.Copy(m, over)
	for _, k := range drop {
		delete(m, k)
	}
	return m
}

func date(t time.Time) string { return ppp.DateOf(t).String() }

// kindOf is a trust list entry with a kind.
func kindOf(id, kind string) verifier.TrustedIssuer {
	return verifier.TrustedIssuer{ID: id, Types: ppp.Names(), Kind: kind}
}

// run starts a transaction for profileID, answers it with what the
// wallet's DCQL match picks and returns the decision.
func runProfile(t *testing.T, e *env, w *wallet, profileID string) *verifier.Decision {
	t.Helper()
	req := e.start(profileID, nil)
	r := w.fetch(req.RequestURI)
	if code, body := w.post(r, w.vpToken(r, r.ClientID, r.Nonce, false), ""); code != http.StatusOK {
		t.Fatalf("response: %d %s", code, body)
	}
	s := e.result(req.TransactionID)
	if s.Decision == nil {
		t.Fatalf("status %s", s.Status)
	}
	return s.Decision
}

// TestWillemAdmitted runs Willem's admission over OpenID4VP: an
// Ervaringscertificaat from an EVC provider, two coaching jobs that
// overlap a year (36 months, not 48), a leerbudget valid today. No
// employer name is disclosed: the wallet takes the first claim set.
func TestWillemAdmitted(t *testing.T) {
	evc, club, gym, school, fund := newIssuer(t), newIssuer(t), newIssuer(t), newIssuer(t), newIssuer(t)
	tl := &verifier.TrustList{Issuers: []verifier.TrustedIssuer{
		kindOf(evc.did, "evc-provider"), kindOf(club.did, "employer"), kindOf(gym.did, "employer"),
		kindOf(school.did, "school"), {ID: fund.did, Types: []string{"leerbudget"}},
	}}
	e := newEnv(t, tl, "")
	now := time.Now()
	iat, exp := now.Add(-time.Hour), now.Add(365*24*time.Hour)
	holder, _ := jose.GenerateKey(jose.ES256)
	creds := []string{
		school.issue(t, "level", holder, iat, exp, exampleWith(t, "level", map[string]any{"assessed_on": date(now.AddDate(-1, 0, 0)), "method": "exam"})),
		evc.issue(t, "ervaringscertificaat", holder, iat, exp, exampleWith(t, "ervaringscertificaat", map[string]any{"assessed_on": date(now.AddDate(0, -1, 0))})),
		club.issue(t, "experience", holder, iat, exp, exampleWith(t, "experience", map[string]any{"employer": "SV Domstad", "occupation": occCoach,
			"start_date": date(now.AddDate(-4, 0, 0)), "end_date": date(now.AddDate(-2, 0, -1))}, "ongoing")),
		gym.issue(t, "experience", holder, iat, exp, exampleWith(t, "experience", map[string]any{"employer": "Sportschool Kracht", "occupation": occCoach,
			"start_date": date(now.AddDate(-3, 0, 0)), "end_date": date(now.AddDate(-1, 0, -1))}, "ongoing")),
		fund.issue(t, "leerbudget", holder, iat, exp, exampleWith(t, "leerbudget", map[string]any{"valid_from": date(now.AddDate(0, -1, 0)), "valid_until": date(now.AddDate(1, 0, 0))})),
	}
	w := &wallet{t: t, e: e, key: holder, creds: creds}

	req := e.start(profileALO, nil)
	r := w.fetch(req.RequestURI)
	// The aggregate's query: multiple, occupation fixed by values, the
	// employer only in the later claim sets.
	q, ok := findQuery(r.DCQLQuery.Credentials, "ervaring-sportcoach")
	if !ok || !q.Multiple || len(q.ClaimSets) != 32 || len(q.Claims[0].Values) != 1 || q.Claims[0].Values[0] != occCoach {
		t.Fatalf("aggregate query %+v", q)
	}
	if strings.Join(q.ClaimSets[0], ",") != "occupation,start_date,end_date,ongoing,assurance,assessed_on" ||
		strings.Join(q.ClaimSets[16], ",") != "occupation,start_date,end_date,ongoing,assurance,assessed_on,employer" {
		t.Fatalf("claim sets %v", q.ClaimSets)
	}
	vp := w.vpToken(r, r.ClientID, r.Nonce, false)
	if n := len(vp["ervaring-sportcoach"]); n != 2 {
		t.Fatalf("%d experience presentations, want 2", n)
	}
	for _, p := range vp["ervaring-sportcoach"] {
		s, _ := sdjwt.Parse(p)
		pc, _ := s.Process()
		if _, leaked := pc.Claims["employer"]; leaked {
			t.Fatal("the employer left the wallet without the holder choosing it")
		}
	}
	if code, body := w.post(r, vp, ""); code != http.StatusOK {
		t.Fatalf("response: %d %s", code, body)
	}
	d := e.result(req.TransactionID).Decision
	if d == nil || d.Outcome != profile.OutcomeAccepted {
		t.Fatalf("decision %+v", d)
	}
	coach := statusOf(t, d, "ervaring-sportcoach")
	if coach.Status != profile.StatusMet || coach.Aggregate == nil || coach.Aggregate.Months != 36 || coach.Aggregate.Credentials != 2 {
		t.Fatalf("coach %+v %+v", coach, coach.Aggregate)
	}
	sport := statusOf(t, d, "sport-instrueren")
	if sport.Status != profile.StatusMet || sport.Evidence[0].Assurance != ppp.AssuranceEVCProvider || sport.Evidence[0].AssessedOn.IsZero() {
		t.Fatalf("sport %+v", sport)
	}
	b, _ := json.Marshal(d)
	for _, secret := range []string{"SV Domstad", "Sportschool Kracht", "Hoofdconducteur"} {
		if strings.Contains(string(b), secret) {
			t.Fatalf("decision holds %q", secret)
		}
	}
	if d.LearningPlan == nil || d.LearningPlan.NextIntake == nil || *d.LearningPlan.NextIntake != ppp.DateOf(now) {
		t.Fatalf("plan %+v: rolling entry starts today", d.LearningPlan)
	}

	// The same credential presented twice under the aggregate adds nothing.
	req = e.start(profileALO, nil)
	r = w.fetch(req.RequestURI)
	vp = w.vpToken(r, r.ClientID, r.Nonce, false)
	vp["ervaring-sportcoach"] = []string{vp["ervaring-sportcoach"][0], vp["ervaring-sportcoach"][0]}
	if code, body := w.post(r, vp, ""); code != http.StatusOK {
		t.Fatalf("response: %d %s", code, body)
	}
	coach = statusOf(t, e.result(req.TransactionID).Decision, "ervaring-sportcoach")
	if coach.Aggregate.Months != 24 || coach.Aggregate.Credentials != 1 || coach.Status != profile.StatusMet {
		t.Fatalf("duplicate: %+v", coach.Aggregate)
	}
}

func findQuery(qs []dcql.CredentialQuery, id string) (dcql.CredentialQuery, bool) {
	for _, q := range qs {
		if q.ID == id {
			return q, true
		}
	}
	return dcql.CredentialQuery{}, false
}

// selfIssuer is the holder herself as an issuer: her did:jwk, her key.
func selfIssuer(t *testing.T, holder *jose.PrivateKey) *issuer {
	t.Helper()
	d, err := did.JWKFromKey(holder.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{did: d, key: holder.WithKeyID(d + "#0")}
}

const portfolioProfile = `id: portfolio-test
version: "1"
kind: admission
title: {nl: T, en: T}
purpose: {nl: T, en: T}
requirements:
  - id: sport
    title: {nl: Sport, en: Sport}
    required: true
    min_assurance: assessor
    any_of:
      - type: skill
        claims: [skill]
        predicate: skill == "` + skillSport + `"
      - type: portfolio
        claims: [standard]
        predicate: standard == "` + occCoach + `"
`

// TestSelfIssuedIsSelf: a self-issued portfolio stating assurance
// assessor counts as self; a self-issued skill counts only when the trust
// list names its issuer, and then as self too; a portfolio from anyone
// but its holder is refused; an employer's skill stating assessor counts
// as employer. None meets min_assurance assessor.
func TestSelfIssuedIsSelf(t *testing.T) {
	p, err := profile.Parse("portfolio-test.yaml", []byte(portfolioProfile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	iat, exp := now.Add(-time.Hour), now.Add(24*time.Hour)
	skill := map[string]any{"skill": skillSport, "skill_label": "instruct in sport", "assessed_on": date(now.AddDate(0, -1, 0)), "method": "assessment", "assurance": "assessor"}
	employer, other := newIssuer(t), newIssuer(t)

	tests := []struct {
		name      string
		creds     func(holder *jose.PrivateKey, self *issuer) []string
		trustSelf bool
		reason    profile.Reason
		assur     ppp.Assurance
		rejected  string
	}{
		{"self-issued portfolio stating assessor", func(h *jose.PrivateKey, self *issuer) []string {
			return []string{self.issue(t, "portfolio", h, iat, exp, exampleWith(t, "portfolio", map[string]any{"assurance": "assessor"}))}
		}, false, profile.ReasonAssuranceTooLow, ppp.AssuranceSelf, ""},
		{"self-issued skill, issuer not on the trust list", func(h *jose.PrivateKey, self *issuer) []string {
			return []string{self.issue(t, "skill", h, iat, exp, exampleWith(t, "skill", skill))}
		}, false, profile.ReasonNoCredential, "", "TRUST"},
		{"self-issued skill, issuer on the trust list", func(h *jose.PrivateKey, self *issuer) []string {
			return []string{self.issue(t, "skill", h, iat, exp, exampleWith(t, "skill", skill))}
		}, true, profile.ReasonAssuranceTooLow, ppp.AssuranceSelf, ""},
		{"portfolio issued by another", func(h *jose.PrivateKey, _ *issuer) []string {
			return []string{other.issue(t, "portfolio", h, iat, exp, exampleWith(t, "portfolio", map[string]any{"assurance": "assessor"}))}
		}, false, profile.ReasonNoCredential, "", "TRUST"},
		{"employer's skill stating assessor", func(h *jose.PrivateKey, _ *issuer) []string {
			return []string{employer.issue(t, "skill", h, iat, exp, exampleWith(t, "skill", skill))}
		}, false, profile.ReasonAssuranceTooLow, ppp.AssuranceEmployer, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, _ := jose.GenerateKey(jose.ES256)
			self := selfIssuer(t, holder)
			tl := &verifier.TrustList{Issuers: []verifier.TrustedIssuer{kindOf(employer.did, "employer"), kindOf(other.did, "assessor")}}
			if tt.trustSelf {
				tl.Issuers = append(tl.Issuers, kindOf(self.did, "assessor"))
			}
			e := newEnvWith(t, envOptions{trust: tl, config: func(c *verifier.Config) { c.Profiles = append(c.Profiles, p) }})
			w := &wallet{t: t, e: e, key: holder, creds: tt.creds(holder, self)}
			d := runProfile(t, e, w, "portfolio-test")
			r := statusOf(t, d, "sport")
			if d.Outcome != profile.OutcomeRefused || r.Status != profile.StatusNotProven || r.Reason != tt.reason {
				t.Fatalf("outcome %s, %s (%s), want not_proven (%s); rejected %+v", d.Outcome, r.Status, r.Reason, tt.reason, d.Rejected)
			}
			if tt.assur != "" && (len(r.Evidence) != 1 || r.Evidence[0].Assurance != tt.assur) {
				t.Fatalf("evidence %+v, want assurance %s", r.Evidence, tt.assur)
			}
			if tt.rejected != "" && (len(d.Rejected) != 1 || d.Rejected[0].Class != tt.rejected) {
				t.Fatalf("rejected %+v, want %s", d.Rejected, tt.rejected)
			}
		})
	}
}

func TestTrustListKind(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"kind employer", `{"issuers":[{"id":"did:web:a.example","types":["skill"],"kind":"employer"}]}`, nil},
		{"no kind", `{"issuers":[{"id":"did:web:a.example","types":["skill"]}]}`, nil},
		{"unknown kind", `{"issuers":[{"id":"did:web:a.example","types":["skill"],"kind":"minister"}]}`, verifier.ErrBadTrustList},
		{"self is no kind", `{"issuers":[{"id":"did:web:a.example","types":["skill"],"kind":"self"}]}`, verifier.ErrBadTrustList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl, err := verifier.ParseTrustList([]byte(tt.doc))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			a, ok := tl.IssuerAssurance("did:web:a.example", "skill")
			if want := tl.Issuers[0].Kind != ""; ok != want || (ok && a != ppp.AssuranceEmployer) {
				t.Fatalf("IssuerAssurance = %s %v", a, ok)
			}
			if _, ok := tl.IssuerAssurance("did:web:a.example", "level"); ok {
				t.Fatal("a kind for a type the issuer is not trusted for")
			}
		})
	}
}
