package profiles_test

import (
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/verifier/profiles"
)

// TestShipped parses every shipped profile and catalogue, checks that each
// profile's catalogue exists and teaches every gap skill, and that the
// ESCO skills used are essential skills of the target occupations.
func TestShipped(t *testing.T) {
	entries, err := fs.ReadDir(profiles.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]*profile.Catalogue{}
	var profs []*profile.Profile
	for _, e := range entries {
		b, err := fs.ReadFile(profiles.FS, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), ".catalogue.yaml") {
			c, err := profile.ParseCatalogue(e.Name(), b)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID+".catalogue.yaml" != e.Name() {
				t.Errorf("%s: id %s does not match the file name", e.Name(), c.ID)
			}
			cats[c.ID] = c
			continue
		}
		p, err := profile.Parse(e.Name(), b)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID+".yaml" != e.Name() {
			t.Errorf("%s: id %s does not match the file name", e.Name(), p.ID)
		}
		profs = append(profs, p)
	}
	if len(profs) != 4 {
		t.Fatalf("%d profiles, want 4", len(profs))
	}
	for _, p := range profs {
		c, ok := cats[p.Catalogue]
		if !ok {
			t.Fatalf("%s: catalogue %q not shipped", p.ID, p.Catalogue)
		}
		// With nothing proven, the whole gap must be coverable.
		res := p.Evaluate(nil, profile.Options{Now: time.Now()})
		var gap []string
		for _, g := range res.Gap {
			gap = append(gap, g.Skill)
			if _, ok := ppp.ESCOSkill(g.Skill); !ok {
				t.Errorf("%s: gap skill %s not in the subset", p.ID, g.Skill)
			}
		}
		lp := c.Plan(gap, ppp.Date{Year: 2026, Month: 3, Day: 1})
		if len(lp.Uncovered) > 0 || len(lp.Modules) == 0 {
			t.Errorf("%s: plan %+v leaves %v uncovered", p.ID, lp.Modules, lp.Uncovered)
		}
	}
}

func load(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(profiles.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func claims(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBewegingsonderwijs runs Willem's admission on the profile itself:
// an Ervaringscertificaat for sport instruction, two overlapping coaching
// jobs, a leerbudget valid today; and the ways it must fail.
func TestBewegingsonderwijs(t *testing.T) {
	p, err := profile.Parse("bewegingsonderwijs-zij-instroom.yaml", load(t, "bewegingsonderwijs-zij-instroom.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := profile.ParseCatalogue("domstad-alo.catalogue.yaml", load(t, "domstad-alo.catalogue.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Catalogue != c.ID || !c.RollingEntry {
		t.Fatalf("catalogue %s rolling %v", p.Catalogue, c.RollingEntry)
	}
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	const (
		evc      = "did:web:evc.example"
		club     = "did:web:club.example"
		gym      = "did:web:gym.example"
		school   = "did:web:school.example"
		fund     = "did:web:fund.example"
		coach    = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
		sport    = "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"
		motivate = "http://data.europa.eu/esco/skill/ece81686-331c-4381-bf3f-5ea610d47a7f"
	)
	vct := func(name string) string { tp, _ := ppp.Lookup(name); return tp.VCT }
	mk := func(id, typ, iss, js string) profile.Credential {
		return profile.Credential{ID: id, VCT: vct(typ), Issuer: iss, IssuedAt: now.Add(-48 * time.Hour), Claims: claims(t, js)}
	}
	level := mk("level", "level", school, `{"nlqf_level": 4, "method": "exam", "assessed_on": "2024-06-01"}`)
	cert := mk("evc", "ervaringscertificaat", evc, `{"skills": ["`+sport+`", "`+motivate+`"], "assessed_on": "2026-02-20", "method": "evc", "assurance": "evc-provider"}`)
	clubJob := mk("club", "experience", club, `{"occupation": "`+coach+`", "start_date": "2021-01-01", "end_date": "2022-12-31"}`)
	gymJob := mk("gym", "experience", gym, `{"occupation": "`+coach+`", "start_date": "2022-01-01", "end_date": "2023-12-31"}`)
	budget := mk("budget", "leerbudget", fund, `{"valid_from": "2026-01-01", "valid_until": "2026-12-31", "amount": 2500, "currency": "EUR"}`)
	employerSkill := mk("emp", "skill", club, `{"skill": "`+sport+`", "proficiency": 5, "method": "assessment", "assessed_on": "2026-01-01", "assurance": "assessor"}`)
	oldCert := mk("old", "ervaringscertificaat", evc, `{"skills": ["`+sport+`"], "assessed_on": "2020-02-20", "method": "evc", "assurance": "evc-provider"}`)
	kinds := map[string]ppp.Assurance{evc: ppp.AssuranceEVCProvider, club: ppp.AssuranceEmployer, gym: ppp.AssuranceEmployer, school: ppp.AssuranceSchool}
	opts := profile.Options{Now: now, IssuerAssurance: func(iss, _ string) (ppp.Assurance, bool) { a, ok := kinds[iss]; return a, ok }}

	reqOf := func(res *profile.Result, id string) profile.RequirementResult {
		for _, r := range res.Requirements {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("no requirement %s", id)
		return profile.RequirementResult{}
	}
	tests := []struct {
		name    string
		creds   []profile.Credential
		outcome profile.Outcome
		sport   profile.Reason
		months  int
	}{
		{"Willem is admitted", []profile.Credential{level, cert, clubJob, gymJob, budget}, profile.OutcomeAccepted, profile.ReasonSatisfied, 36},
		{"an employer's assessment is not an assessor's", []profile.Credential{level, employerSkill, clubJob, gymJob, budget}, profile.OutcomeRefused, profile.ReasonAssuranceTooLow, 36},
		{"an assessment over 5 years ago", []profile.Credential{level, oldCert, clubJob, gymJob, budget}, profile.OutcomeRefused, profile.ReasonTooOld, 36},
		{"one job of exactly 24 months is enough", []profile.Credential{level, cert, gymJob, budget}, profile.OutcomeAccepted, profile.ReasonSatisfied, 24},
		{"a job of 12 months is not", []profile.Credential{level, cert, mk("short", "experience", club, `{"occupation": "`+coach+`", "start_date": "2025-01-01", "end_date": "2025-12-31"}`), budget}, profile.OutcomeRefused, profile.ReasonSatisfied, 12},
		{"no leerbudget", []profile.Credential{level, cert, clubJob, gymJob}, profile.OutcomeRefused, profile.ReasonSatisfied, 36},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.Evaluate(tt.creds, opts)
			if res.Outcome != tt.outcome {
				t.Fatalf("outcome %s, want %s: %+v", res.Outcome, tt.outcome, res.Requirements)
			}
			if r := reqOf(res, "sport-instrueren"); r.Reason != tt.sport {
				t.Fatalf("sport: %s, want %s", r.Reason, tt.sport)
			}
			if r := reqOf(res, "ervaring-sportcoach"); r.Aggregate == nil || r.Aggregate.Months != tt.months {
				t.Fatalf("coach: %+v, want %d months", r.Aggregate, tt.months)
			}
		})
	}
	// The plan of Willem's gap starts today: rolling entry.
	res := p.Evaluate([]profile.Credential{level, cert, clubJob, gymJob, budget}, opts)
	var gap []string
	for _, g := range res.Gap {
		gap = append(gap, g.Skill)
	}
	if len(gap) != 5 || slices.Contains(gap, sport) || slices.Contains(gap, motivate) {
		t.Fatalf("gap %v", gap)
	}
	lp := c.Plan(gap, ppp.DateOf(now))
	if lp.NextIntake == nil || lp.NextIntake.String() != "2026-03-10" || len(lp.Uncovered) > 0 {
		t.Fatalf("plan %+v", lp)
	}
}
