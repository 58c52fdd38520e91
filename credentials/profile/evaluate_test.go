package profile_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
)

const (
	skillFeedback  = "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b"
	skillClassroom = "http://data.europa.eu/esco/skill/cedd0710-62ae-4ff4-89ae-ac52375f86ec"
	assessor       = "did:web:assessor.example"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func cred(typ, issuer string, age time.Duration, claims string) profile.Credential {
	t, _ := ppp.Lookup(typ)
	var m map[string]any
	d := json.NewDecoder(stringsReader(claims))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		panic(err)
	}
	return profile.Credential{ID: typ + "-" + issuer, VCT: t.VCT, Issuer: issuer, IssuedAt: now.Add(-age), Claims: m}
}

func TestEvaluate(t *testing.T) {
	p := mustParse(t, "valid-minimal.yaml")
	day := 24 * time.Hour
	level4 := cred("level", "did:web:evc.example", 30*day, `{"nlqf_level": 4, "eqf_level": 4, "method": "evc", "assessed_on": "2026-02-08"}`)
	level3 := cred("level", "did:web:evc.example", 30*day, `{"nlqf_level": 3, "method": "evc", "assessed_on": "2026-02-08"}`)
	oldLevel := cred("level", "did:web:evc.example", 6*365*day, `{"nlqf_level": 6, "method": "evc", "assessed_on": "2020-03-01"}`)
	learning := cred("learning", "https://school.example", day, `{"eqf_level": 6.0, "skills": ["`+skillClassroom+`"], "institution": "X", "completed_on": "2026-03-01"}`)
	feedback3 := cred("skill", assessor, day, `{"skill": "`+skillFeedback+`", "proficiency": 3, "skill_label": "x"}`)
	feedback2 := cred("skill", assessor, day, `{"skill": "`+skillFeedback+`", "proficiency": 2}`)
	feedbackUntrusted := cred("skill", "did:web:other.example", day, `{"skill": "`+skillFeedback+`", "proficiency": 5}`)
	noProficiency := cred("skill", assessor, day, `{"skill": "`+skillFeedback+`"}`)
	badType := cred("level", "did:web:evc.example", day, `{"nlqf_level": "four", "method": "evc", "assessed_on": "2026-02-08"}`)

	type want struct {
		outcome  profile.Outcome
		score    float64
		statuses []profile.Status
		reasons  []profile.Reason
		gap      []string
	}
	tests := []struct {
		name    string
		creds   []profile.Credential
		trusted func(string, string) bool
		want    want
	}{
		{"everything met", []profile.Credential{level4, feedback3, learning}, nil, want{
			profile.OutcomeAccepted, 1,
			[]profile.Status{profile.StatusMet, profile.StatusMet, profile.StatusMet},
			[]profile.Reason{profile.ReasonSatisfied, profile.ReasonSatisfied, profile.ReasonSatisfied}, nil}},
		{"level via the learning alternative", []profile.Credential{learning, feedback3}, nil, want{
			profile.OutcomeAccepted, 1,
			[]profile.Status{profile.StatusMet, profile.StatusMet, profile.StatusMet}, nil, nil}},
		{"accepted with a gap", []profile.Credential{level4, feedback2}, nil, want{
			profile.OutcomeAccepted, 0.5,
			[]profile.Status{profile.StatusMet, profile.StatusNotMet, profile.StatusNotProven},
			[]profile.Reason{profile.ReasonSatisfied, profile.ReasonNotSatisfied, profile.ReasonNoCredential},
			[]string{skillFeedback, skillClassroom}}},
		{"required not met", []profile.Credential{level3, feedback3}, nil, want{
			profile.OutcomeRefused, 0.25,
			[]profile.Status{profile.StatusNotMet, profile.StatusMet, profile.StatusNotProven}, nil, []string{skillClassroom}}},
		{"too old", []profile.Credential{oldLevel}, nil, want{
			profile.OutcomeRefused, 0,
			[]profile.Status{profile.StatusNotProven, profile.StatusNotProven, profile.StatusNotProven},
			[]profile.Reason{profile.ReasonTooOld, profile.ReasonNoCredential, profile.ReasonNoCredential}, nil}},
		{"issuer not on the requirement's list", []profile.Credential{level4, feedbackUntrusted}, nil, want{
			profile.OutcomeAccepted, 0.5,
			[]profile.Status{profile.StatusMet, profile.StatusNotProven, profile.StatusNotProven},
			[]profile.Reason{profile.ReasonSatisfied, profile.ReasonUntrustedIssuer, profile.ReasonNoCredential}, nil}},
		{"issuer not on the trust list", []profile.Credential{level4, feedback3}, func(iss, typ string) bool { return typ != "level" }, want{
			profile.OutcomeRefused, 0.25,
			[]profile.Status{profile.StatusNotProven, profile.StatusMet, profile.StatusNotProven},
			[]profile.Reason{profile.ReasonUntrustedIssuer, profile.ReasonSatisfied, profile.ReasonNoCredential}, nil}},
		{"claim not disclosed", []profile.Credential{level4, noProficiency}, nil, want{
			profile.OutcomeAccepted, 0.5, nil,
			[]profile.Reason{profile.ReasonSatisfied, profile.ReasonClaimsMissing, profile.ReasonNoCredential}, nil}},
		{"claim of the wrong type", []profile.Credential{badType}, nil, want{
			profile.OutcomeRefused, 0, nil,
			[]profile.Reason{profile.ReasonClaimsInvalid, profile.ReasonNoCredential, profile.ReasonNoCredential}, nil}},
		{"nothing", nil, nil, want{
			profile.OutcomeRefused, 0,
			[]profile.Status{profile.StatusNotProven, profile.StatusNotProven, profile.StatusNotProven}, nil, []string{skillFeedback, skillClassroom}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.Evaluate(tt.creds, profile.Options{Now: now, Trusted: tt.trusted})
			if res.Outcome != tt.want.outcome {
				t.Errorf("outcome = %s, want %s", res.Outcome, tt.want.outcome)
			}
			if res.Score != tt.want.score {
				t.Errorf("score = %v, want %v", res.Score, tt.want.score)
			}
			for i, r := range res.Requirements {
				if tt.want.statuses != nil && r.Status != tt.want.statuses[i] {
					t.Errorf("requirement %s: status %s, want %s", r.ID, r.Status, tt.want.statuses[i])
				}
				if tt.want.reasons != nil && r.Reason != tt.want.reasons[i] {
					t.Errorf("requirement %s: reason %s, want %s", r.ID, r.Reason, tt.want.reasons[i])
				}
			}
			if tt.want.gap != nil {
				var got []string
				for _, g := range res.Gap {
					got = append(got, g.Skill)
				}
				if len(got) != len(tt.want.gap) || got[0] != tt.want.gap[0] || got[len(got)-1] != tt.want.gap[len(tt.want.gap)-1] {
					t.Errorf("gap = %v, want %v", got, tt.want.gap)
				}
			}
		})
	}
}

// TestEvidenceMinimal checks that evidence carries only the claim values
// the predicate read, and the credential's type, issuer and date.
func TestEvidenceMinimal(t *testing.T) {
	p := mustParse(t, "valid-minimal.yaml")
	learning := cred("learning", "https://school.example", time.Hour, `{"eqf_level": 6, "skills": ["`+skillClassroom+`"], "institution": "Secret College", "module_title": "X", "completed_on": "2026-03-01"}`)
	res := p.Evaluate([]profile.Credential{learning}, profile.Options{Now: now})
	ev := res.Requirements[0].Evidence
	if len(ev) != 1 || ev[0].Type != "learning" || ev[0].Issuer != "https://school.example" || !ev[0].IssuedAt.Equal(now.Add(-time.Hour)) {
		t.Fatalf("evidence = %+v", ev)
	}
	if len(ev[0].Claims) != 1 || ev[0].Claims["eqf_level"] != int64(6) {
		t.Fatalf("evidence claims = %v, want only eqf_level", ev[0].Claims)
	}
	b, _ := json.Marshal(res)
	for _, secret := range []string{"Secret College", "module_title"} {
		if contains(string(b), secret) {
			t.Fatalf("result leaks %q: %s", secret, b)
		}
	}
}

// TestEvaluateCostLimit checks that a predicate over a huge list stops at
// the cost limit instead of running on.
func TestEvaluateCostLimit(t *testing.T) {
	doc := `id: cost
version: "1"
kind: hiring
title: {nl: T, en: T}
purpose: {nl: T, en: T}
requirements:
  - id: talents
    title: {nl: T, en: T}
    type: talent
    claims: [talents]
    predicate: talents.all(a, talents.all(b, talents.all(c, a.name + b.name + c.name != "")))
`
	p, err := profile.Parse("cost.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	list := make([]any, 200)
	for i := range list {
		list[i] = map[string]any{"name": "talent", "score": json.Number("50")}
	}
	c := profile.Credential{VCT: "https://paspoort.loopbrug.nl/vct/talent/v1", Issuer: "x", IssuedAt: now, Claims: map[string]any{"talents": list}}
	start := time.Now()
	res := p.Evaluate([]profile.Credential{c}, profile.Options{Now: now})
	if res.Requirements[0].Reason != profile.ReasonEvaluation {
		t.Fatalf("reason = %s, want %s", res.Requirements[0].Reason, profile.ReasonEvaluation)
	}
	if time.Since(start) > 20*time.Second { // a hang guard, not a timing: the cost bound is what refuses
		t.Fatalf("evaluation took %v", time.Since(start))
	}
}
