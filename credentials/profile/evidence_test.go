package profile_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
)

const (
	skillSport = "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"
	occCoach   = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
	occTeacher = "http://data.europa.eu/esco/occupation/a10849c1-f0d8-4600-bca6-9549c2517650"
	employer   = "did:web:club.example"
)

const day = 24 * time.Hour

// kinds is a trust option that knows each issuer's kind.
func kinds(m map[string]ppp.Assurance) func(string, string) (ppp.Assurance, bool) {
	return func(iss, _ string) (ppp.Assurance, bool) {
		a, ok := m[iss]
		return a, ok
	}
}

func sportSkill(issuer string, age time.Duration, extra string) profile.Credential {
	return cred("skill", issuer, age, `{"skill": "`+skillSport+`", "proficiency": 4, "skill_label": "x"`+extra+`}`)
}

// TestAssuranceAndRecency checks min_assurance and max_age measured from
// the assessment date, with the assurance capped at the issuer's kind.
func TestAssuranceAndRecency(t *testing.T) {
	p := mustParse(t, "valid-evidence.yaml")
	trust := kinds(map[string]ppp.Assurance{assessor: ppp.AssuranceAssessor, employer: ppp.AssuranceEmployer, "did:web:evc.example": ppp.AssuranceEVCProvider})
	self := sportSkill("did:jwk:holder", day, `, "method": "assessment", "assessed_on": "2026-01-05", "assurance": "assessor"`)
	self.SelfIssued = true
	tests := []struct {
		name       string
		cred       profile.Credential
		status     profile.Status
		reason     profile.Reason
		assurance  ppp.Assurance
		assessedOn string
	}{
		{"assessor, assessed a year ago", sportSkill(assessor, 300*day, `, "method": "assessment", "assessed_on": "2025-03-01"`),
			profile.StatusMet, profile.ReasonSatisfied, ppp.AssuranceAssessor, "2025-03-01"},
		{"assessed 4 years ago, issued yesterday", sportSkill(assessor, day, `, "method": "assessment", "assessed_on": "2022-03-01"`),
			profile.StatusNotProven, profile.ReasonTooOld, "", "2022-03-01"},
		{"employer stating assessor counts as employer", sportSkill(employer, day, `, "method": "observation", "assessed_on": "2026-01-05", "assurance": "assessor"`),
			profile.StatusNotProven, profile.ReasonAssuranceTooLow, ppp.AssuranceEmployer, "2026-01-05"},
		{"self-issued stating assessor counts as self", self,
			profile.StatusNotProven, profile.ReasonAssuranceTooLow, ppp.AssuranceSelf, "2026-01-05"},
		{"stated peer is below assessor", sportSkill(assessor, day, `, "method": "assessment", "assessed_on": "2026-01-05", "assurance": "peer"`),
			profile.StatusNotProven, profile.ReasonAssuranceTooLow, ppp.AssurancePeer, "2026-01-05"},
		{"assessed in the future", sportSkill(assessor, day, `, "method": "assessment", "assessed_on": "2026-03-13"`),
			profile.StatusNotProven, profile.ReasonAssessedInFuture, "", ""},
		{"tomorrow is within the leeway", sportSkill(assessor, day, `, "method": "assessment", "assessed_on": "2026-03-11"`),
			profile.StatusMet, profile.ReasonSatisfied, ppp.AssuranceAssessor, "2026-03-11"},
		{"method withheld", sportSkill(assessor, day, `, "assessed_on": "2026-01-05"`),
			profile.StatusNotProven, profile.ReasonClaimsMissing, "", ""},
		{"assessment date withheld", sportSkill(assessor, day, `, "method": "assessment"`),
			profile.StatusNotProven, profile.ReasonClaimsMissing, "", ""},
		{"assessment date not a date", sportSkill(assessor, day, `, "method": "assessment", "assessed_on": "gisteren"`),
			profile.StatusNotProven, profile.ReasonClaimsInvalid, "", ""},
		{"unknown stated assurance", sportSkill(assessor, day, `, "method": "assessment", "assessed_on": "2026-01-05", "assurance": "minister"`),
			profile.StatusNotProven, profile.ReasonClaimsInvalid, "", ""},
		{"ervaringscertificaat: its own max_age P5Y", cred("ervaringscertificaat", "did:web:evc.example", day,
			`{"skills": ["`+skillSport+`"], "assessed_on": "2022-03-01", "method": "evc", "assurance": "evc-provider"}`),
			profile.StatusMet, profile.ReasonSatisfied, ppp.AssuranceEVCProvider, "2022-03-01"},
		{"werkplekleren: its own min_assurance employer", cred("werkplekleren", employer, day,
			`{"skills": ["`+skillSport+`"], "assessed_on": "2026-02-01", "method": "observation", "assurance": "employer"}`),
			profile.StatusMet, profile.ReasonSatisfied, ppp.AssuranceEmployer, "2026-02-01"},
		{"werkplekleren: still the requirement's max_age", cred("werkplekleren", employer, day,
			`{"skills": ["`+skillSport+`"], "assessed_on": "2022-02-01", "method": "observation", "assurance": "employer"}`),
			profile.StatusNotProven, profile.ReasonTooOld, "", "2022-02-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.Evaluate([]profile.Credential{tt.cred}, profile.Options{Now: now, IssuerAssurance: trust})
			r := res.Requirements[0]
			if r.Status != tt.status || r.Reason != tt.reason {
				t.Fatalf("status %s (%s), want %s (%s); evidence %+v", r.Status, r.Reason, tt.status, tt.reason, r.Evidence)
			}
			if len(r.Evidence) != 1 {
				t.Fatalf("evidence = %+v", r.Evidence)
			}
			ev := r.Evidence[0]
			got := ""
			if !ev.AssessedOn.IsZero() {
				got = ev.AssessedOn.String()
			}
			if ev.Assurance != tt.assurance || got != tt.assessedOn {
				t.Fatalf("evidence assurance %q assessed %q, want %q %q", ev.Assurance, got, tt.assurance, tt.assessedOn)
			}
		})
	}
}

// TestRecencyFallsBackToIssueDate checks that a type without an
// assessment date (a job that lasts) is dated by its iat.
func TestRecencyFallsBackToIssueDate(t *testing.T) {
	doc := `id: lasting
version: "1"
kind: hiring
title: {nl: T, en: T}
purpose: {nl: T, en: T}
requirements:
  - id: job
    title: {nl: T, en: T}
    max_age: P1Y
    type: experience
    claims: [occupation]
    predicate: occupation == "` + occCoach + `"
`
	p, err := profile.Parse("lasting.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		age  time.Duration
		want profile.Reason
	}{{"issued last month", 30 * day, profile.ReasonSatisfied}, {"issued two years ago", 730 * day, profile.ReasonTooOld}} {
		t.Run(tt.name, func(t *testing.T) {
			c := cred("experience", employer, tt.age, `{"occupation": "`+occCoach+`", "start_date": "2020-01-01"}`)
			if got := p.Evaluate([]profile.Credential{c}, profile.Options{Now: now}).Requirements[0].Reason; got != tt.want {
				t.Fatalf("reason %s, want %s", got, tt.want)
			}
		})
	}
}

func experience(id, issuer, occupation, start, end string) profile.Credential {
	claims := `{"occupation": "` + occupation + `", "start_date": "` + start + `"`
	switch end {
	case "":
		claims += `, "ongoing": true`
	case "withheld":
	default:
		claims += `, "end_date": "` + end + `"`
	}
	c := cred("experience", issuer, 10*day, claims+`}`)
	c.ID = id
	return c
}

// TestAggregate checks the sum of months across experience credentials,
// against double counting.
func TestAggregate(t *testing.T) {
	p := mustParse(t, "valid-evidence.yaml")
	a := experience("a", employer, occCoach, "2020-01-01", "2021-12-31")              // 24 months
	b := experience("b", "did:web:gym.example", occCoach, "2021-01-01", "2022-12-31") // 24 months, 12 overlapping a
	short := experience("c", employer, occCoach, "2024-01-01", "2024-06-30")          // 6 months
	other := experience("d", employer, occTeacher, "2010-01-01", "2019-12-31")        // another occupation
	lasting := experience("e", employer, occCoach, "2025-03-10", "")                  // ongoing: until its issue date, 10 days ago
	withheld := experience("l", employer, occCoach, "2015-01-01", "withheld")         // neither end_date nor ongoing disclosed
	touching := experience("f", employer, occCoach, "2022-01-01", "2022-06-30")       // right after a
	future := experience("g", employer, occCoach, "2027-01-01", "2028-01-01")
	backwards := experience("h", employer, occCoach, "2021-01-01", "2020-01-01")
	untrusted := experience("i", "did:web:nobody.example", occCoach, "2000-01-01", "2019-12-31")
	selfIssued := experience("j", "did:jwk:self", occCoach, "2000-01-01", "2019-12-31")
	selfIssued.SelfIssued = true
	withEmployer := experience("k", employer, occCoach, "2020-01-01", "2021-12-31")
	withEmployer.Claims["employer"] = "Sportclub De Rijn"

	trust := kinds(map[string]ppp.Assurance{employer: ppp.AssuranceEmployer, "did:web:gym.example": ppp.AssuranceEmployer})
	trusted := func(iss, _ string) bool { return iss != "did:web:nobody.example" }
	tests := []struct {
		name    string
		creds   []profile.Credential
		status  profile.Status
		reason  profile.Reason
		months  int
		counted int
	}{
		{"overlap counts once: 36 not 48", []profile.Credential{a, b}, profile.StatusMet, profile.ReasonSatisfied, 36, 2},
		{"another occupation adds nothing", []profile.Credential{short, other}, profile.StatusNotMet, profile.ReasonNotSatisfied, 6, 1},
		{"the same credential twice adds nothing", []profile.Credential{short, short, short, short}, profile.StatusNotMet, profile.ReasonNotSatisfied, 6, 1},
		{"a lasting job counts until its issue date", []profile.Credential{lasting, short}, profile.StatusNotMet, profile.ReasonNotSatisfied, 17, 2},
		{"an end date withheld counts nothing", []profile.Credential{withheld}, profile.StatusNotProven, profile.ReasonClaimsMissing, 0, 0},
		{"touching periods merge", []profile.Credential{a, touching}, profile.StatusMet, profile.ReasonSatisfied, 30, 2},
		{"a job yet to start adds nothing", []profile.Credential{future, short}, profile.StatusNotMet, profile.ReasonNotSatisfied, 6, 1},
		{"an end before the start is invalid", []profile.Credential{backwards}, profile.StatusNotProven, profile.ReasonClaimsInvalid, 0, 0},
		{"untrusted issuer adds nothing", []profile.Credential{untrusted}, profile.StatusNotProven, profile.ReasonUntrustedIssuer, 0, 0},
		{"self-issued is below employer", []profile.Credential{selfIssued}, profile.StatusNotProven, profile.ReasonAssuranceTooLow, 0, 0},
		{"nothing", nil, profile.StatusNotProven, profile.ReasonNoCredential, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.Evaluate(tt.creds, profile.Options{Now: now, Trusted: trusted, IssuerAssurance: trust})
			r := res.Requirements[1]
			if r.Status != tt.status || r.Reason != tt.reason {
				t.Fatalf("status %s (%s), want %s (%s)", r.Status, r.Reason, tt.status, tt.reason)
			}
			if r.Aggregate == nil || r.Aggregate.Months != tt.months || r.Aggregate.Credentials != tt.counted || r.Aggregate.MinMonths != 24 || r.Aggregate.Occupation != occCoach {
				t.Fatalf("aggregate = %+v, want %d months from %d credentials", r.Aggregate, tt.months, tt.counted)
			}
		})
	}

	t.Run("employer only when disclosed", func(t *testing.T) {
		res := p.Evaluate([]profile.Credential{withEmployer, b}, profile.Options{Now: now, IssuerAssurance: trust})
		r := res.Requirements[1]
		if r.Status != profile.StatusMet || len(r.Evidence) != 2 {
			t.Fatalf("result %+v", r)
		}
		if r.Evidence[0].Claims["employer"] != "Sportclub De Rijn" || r.Evidence[1].Claims["employer"] != nil {
			t.Fatalf("evidence claims %v and %v", r.Evidence[0].Claims, r.Evidence[1].Claims)
		}
		if r.Evidence[0].Assurance != ppp.AssuranceEmployer || r.Evidence[0].AssessedOn.String() != "2021-12-31" {
			t.Fatalf("evidence %+v", r.Evidence[0])
		}
	})
}

// TestAggregateNeeds checks what an aggregate asks: occupation (fixed),
// start and end date and the provenance claims, the employer only as the
// holder's choice, never role or description.
func TestAggregateNeeds(t *testing.T) {
	p := mustParse(t, "valid-evidence.yaml")
	n := p.Needs()[1]
	if len(n.Alternatives) != 1 || !n.Alternatives[0].Multiple || n.Alternatives[0].Type != "experience" {
		t.Fatalf("needs = %+v", n)
	}
	got, _ := json.Marshal(n.Alternatives[0].Claims)
	want := `[{"path":["occupation"],"values":["` + occCoach + `"]},{"path":["start_date"]},{"path":["end_date"],"optional":true},{"path":["ongoing"],"optional":true},` +
		`{"path":["assurance"],"optional":true},{"path":["assessed_on"],"optional":true},{"path":["employer"],"holder_choice":true}]`
	if string(got) != want {
		t.Fatalf("claims =\n%s\nwant\n%s", got, want)
	}
	if p.Requirements[1].Alternatives() != nil {
		t.Fatal("an aggregate has no alternatives")
	}
}

// TestToday checks the today variable against date claims.
func TestToday(t *testing.T) {
	p := mustParse(t, "valid-evidence.yaml")
	tests := []struct {
		name, claims string
		want         profile.Status
	}{
		{"valid today", `{"valid_from": "2026-01-01", "valid_until": "2026-12-31", "amount": 2500}`, profile.StatusMet},
		{"last day", `{"valid_from": "2026-01-01", "valid_until": "2026-03-10", "amount": 1500}`, profile.StatusMet},
		{"expired yesterday", `{"valid_from": "2025-01-01", "valid_until": "2026-03-09", "amount": 2500}`, profile.StatusNotMet},
		{"not yet valid", `{"valid_from": "2026-03-11", "valid_until": "2026-12-31", "amount": 2500}`, profile.StatusNotMet},
		{"too little", `{"valid_from": "2026-01-01", "valid_until": "2026-12-31", "amount": 1499.5}`, profile.StatusNotMet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.Evaluate([]profile.Credential{cred("leerbudget", "did:web:fund.example", day, tt.claims)}, profile.Options{Now: now}).Requirements[2]
			if r.Status != tt.want {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, tt.want)
			}
			if r.Status == profile.StatusMet && r.Evidence[0].Claims["today"] != nil {
				t.Fatal("today is not a claim and is not evidence")
			}
		})
	}
}

// TestParseEvidenceInvalid checks the new forms' load errors, each with
// its line.
func TestParseEvidenceInvalid(t *testing.T) {
	base := string(load(t, "valid-evidence.yaml"))
	tests := []struct{ name, doc, want string }{
		{"unknown assurance", strings.Replace(base, "min_assurance: assessor", "min_assurance: minister", 1), "ev.yaml:12: requirements[0].min_assurance:"},
		{"bad alternative max_age", strings.Replace(base, "max_age: P5Y", "max_age: five", 1), "ev.yaml:22: requirements[0].any_of[1].max_age:"},
		{"unknown occupation", strings.Replace(base, "occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a", "occupation/00000000-0000-0000-0000-000000000000", 1), "ev.yaml:32: requirements[1].aggregate.occupation: ESCO occupation not in the shipped subset"},
		{"aggregate of another type", strings.Replace(base, "type: experience", "type: learning", 1), "ev.yaml:31: requirements[1].aggregate.type:"},
		{"zero months", strings.Replace(base, "min_months: 24", "min_months: 0", 1), "ev.yaml:33: requirements[1].aggregate.min_months:"},
		{"aggregate with a predicate", strings.Replace(base, "    aggregate:\n", "    type: experience\n    claims: [occupation]\n    predicate: occupation != \"\"\n    aggregate:\n", 1), "requirements[1].aggregate: give either aggregate"},
		{"min_assurance on a leerbudget", strings.Replace(base, "    type: leerbudget\n", "    type: leerbudget\n    min_assurance: employer\n", 1), "requirements[2].min_assurance: a leerbudget credential is no evidence"},
		{"today as a claim", strings.Replace(base, "claims: [valid_from, valid_until, amount]", "claims: [valid_from, valid_until, amount, today]", 1), `requirements[2].claims[3]: the leerbudget credential has no claim "today"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := profile.Parse("ev.yaml", []byte(tt.doc))
			var ve *profile.ValidationError
			if !errors.Is(err, profile.ErrInvalid) || !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
