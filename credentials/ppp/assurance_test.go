package ppp_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

func TestAssuranceOrder(t *testing.T) {
	tests := []struct {
		a, min  ppp.Assurance
		atLeast bool
	}{
		{ppp.AssuranceAssessor, ppp.AssuranceEmployer, true},
		{ppp.AssuranceEmployer, ppp.AssuranceEmployer, true},
		{ppp.AssurancePeer, ppp.AssuranceEmployer, false},
		{ppp.AssuranceSelf, ppp.AssurancePeer, false},
		{ppp.AssuranceEVCProvider, ppp.AssuranceAssessor, true},
		{ppp.AssuranceSchool, ppp.AssuranceAssessor, true},
		{"boss", ppp.AssuranceSelf, false},
	}
	for _, tt := range tests {
		if got := tt.a.AtLeast(tt.min); got != tt.atLeast {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", tt.a, tt.min, got, tt.atLeast)
		}
	}
	if got := ppp.AssuranceAssessor.Cap(ppp.AssuranceEmployer); got != ppp.AssuranceEmployer {
		t.Errorf("assessor capped at employer = %q", got)
	}
	if got := ppp.AssurancePeer.Cap(ppp.AssuranceAssessor); got != ppp.AssurancePeer {
		t.Errorf("peer capped at assessor = %q", got)
	}
	if got := ppp.AssuranceEVCProvider.Cap(ppp.AssuranceAssessor); got != ppp.AssuranceAssessor {
		t.Errorf("evc-provider capped at an assessor = %q, want the issuer's own kind", got)
	}
	if _, err := ppp.ParseAssurance("expert"); err == nil {
		t.Error("ParseAssurance(expert) gave no error")
	}
	for _, a := range ppp.Assurances {
		if got, err := ppp.ParseAssurance(string(a)); err != nil || got != a {
			t.Errorf("ParseAssurance(%q) = %q, %v", a, got, err)
		}
	}
}

func TestProvenanceOf(t *testing.T) {
	tests := []struct {
		name   string
		typ    string
		claims string
		want   ppp.Provenance
		ok     bool
	}{
		{"skill by assessment", "skill", `{"method":"assessment","assessed_on":"2026-03-12"}`,
			ppp.Provenance{Assurance: ppp.AssuranceAssessor, Method: ppp.MethodAssessment, AssessedOn: ppp.Date{Year: 2026, Month: 3, Day: 12}}, true},
		{"skill self-declared", "skill", `{"method":"self_declared","assessed_on":"2026-03-12"}`,
			ppp.Provenance{Assurance: ppp.AssuranceSelf, Method: ppp.MethodSelfDeclared, AssessedOn: ppp.Date{Year: 2026, Month: 3, Day: 12}}, true},
		{"stated assurance wins over method", "skill", `{"method":"work_experience","assurance":"assessor"}`,
			ppp.Provenance{Assurance: ppp.AssuranceAssessor, Stated: true, Method: ppp.MethodWorkExperience}, true},
		{"experience dated by its end", "experience", `{"start_date":"2011-03-01","end_date":"2025-08-31"}`,
			ppp.Provenance{Assurance: ppp.AssuranceEmployer, AssessedOn: ppp.Date{Year: 2025, Month: 8, Day: 31}}, true},
		{"experience that lasts has no date", "experience", `{"start_date":"2011-03-01"}`,
			ppp.Provenance{Assurance: ppp.AssuranceEmployer}, true},
		{"learning dated by completion", "learning", `{"completed_on":"2026-01-30"}`,
			ppp.Provenance{Assurance: ppp.AssuranceSchool, AssessedOn: ppp.Date{Year: 2026, Month: 1, Day: 30}}, true},
		{"reference is a peer's", "reference", `{"given_on":"2025-10-03"}`,
			ppp.Provenance{Assurance: ppp.AssurancePeer, AssessedOn: ppp.Date{Year: 2025, Month: 10, Day: 3}}, true},
		{"a portfolio stating assessor is still self", "portfolio", `{"assurance":"assessor","prepared_on":"2026-02-20"}`,
			ppp.Provenance{Assurance: ppp.AssuranceSelf}, true},
		{"ervaringscertificaat", "ervaringscertificaat", `{"assurance":"evc-provider","method":"portfolio_review","assessed_on":"2026-03-12"}`,
			ppp.Provenance{Assurance: ppp.AssuranceEVCProvider, Stated: true, Method: ppp.MethodPortfolioReview, AssessedOn: ppp.Date{Year: 2026, Month: 3, Day: 12}}, true},
		{"goal carries no evidence", "goal", `{"stated_on":"2025-09-22"}`, ppp.Provenance{}, false},
		{"leerbudget carries no evidence", "leerbudget", `{}`, ppp.Provenance{}, false},
		{"unknown assurance ignored", "skill", `{"method":"exam","assurance":"god"}`,
			ppp.Provenance{Assurance: ppp.AssuranceSchool, Method: ppp.MethodExam}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var claims map[string]any
			if err := json.Unmarshal([]byte(tt.claims), &claims); err != nil {
				t.Fatal(err)
			}
			got, ok := ppp.ProvenanceOf(tt.typ, claims)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ProvenanceOf = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestProvenanceDescribe(t *testing.T) {
	p := ppp.Provenance{Assurance: ppp.AssuranceAssessor, AssessedOn: ppp.Date{Year: 2026, Month: 3, Day: 12}}
	if got := p.Describe("nl"); got != "vastgesteld door een assessor, maart 2026" {
		t.Errorf("Describe(nl) = %q", got)
	}
	if got := p.Describe("en"); got != "established by an assessor, March 2026" {
		t.Errorf("Describe(en) = %q", got)
	}
	if got := (ppp.Provenance{Assurance: ppp.AssuranceSelf}).Describe("nl"); got != "vastgesteld door de houder zelf" {
		t.Errorf("Describe without date = %q", got)
	}
}

func TestProvenanceClaims(t *testing.T) {
	tests := map[string]string{
		"skill":                "assurance method assessed_on",
		"experience":           "assurance assessed_on end_date",
		"learning":             "assurance completed_on",
		"reference":            "assurance given_on",
		"ervaringscertificaat": "assurance method assessed_on",
		"goal":                 "",
	}
	for typ, want := range tests {
		if got := strings.Join(ppp.ProvenanceClaims(typ), " "); got != want {
			t.Errorf("ProvenanceClaims(%s) = %q, want %q", typ, got, want)
		}
	}
}

// TestValidateProvenance covers the hostile dates and claims of the
// evidence types: an assessment in the future or before its type existed,
// a self-declared result claiming an assessor, and the new types' own
// consistency rules.
func TestValidateProvenance(t *testing.T) {
	defer ppp.SetValidationNow(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))()
	example := func(typ string) map[string]any {
		tt, _ := ppp.Lookup(typ)
		var m map[string]any
		if err := json.Unmarshal(tt.Example(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name    string
		typ     string
		edit    func(m map[string]any)
		pointer string // "" for valid
	}{
		{"example", "skill", func(map[string]any) {}, ""},
		{"tomorrow is within the leeway", "skill", func(m map[string]any) { m["assessed_on"] = "2026-12-06" }, ""},
		{"assessed in the future", "skill", func(m map[string]any) { m["assessed_on"] = "2027-01-10" }, "/assessed_on"},
		{"assessed before the PPP scales", "skill", func(m map[string]any) { m["assessed_on"] = "2019-12-31" }, "/assessed_on"},
		{"completed in the future", "learning", func(m map[string]any) { m["completed_on"] = "2030-01-01" }, "/completed_on"},
		{"certificate before EVC existed", "ervaringscertificaat", func(m map[string]any) { m["assessed_on"] = "1999-05-01" }, "/assessed_on"},
		{"self-declared claiming an assessor", "skill", func(m map[string]any) { m["method"] = "self_declared"; m["assurance"] = "assessor" }, "/assurance"},
		{"self-declared stating self", "skill", func(m map[string]any) { m["method"] = "self_declared"; m["assurance"] = "self" }, ""},
		{"portfolio stating assessor", "portfolio", func(m map[string]any) { m["assurance"] = "assessor" }, "/assurance"},
		{"certificate skill not among competences", "ervaringscertificaat", func(m map[string]any) {
			m["skills"] = []any{"http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229", "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b"}
		}, "/skills/1"},
		{"attachment without hash", "portfolio", func(m map[string]any) {
			ev := m["entries"].([]any)[0].(map[string]any)["evidence"].([]any)[0].(map[string]any)
			delete(ev, "sha256")
		}, "/entries/0/evidence/0"},
		{"budget ends before it starts", "leerbudget", func(m map[string]any) { m["valid_until"] = "2026-02-01" }, "/valid_until"},
		{"budget in dollars", "leerbudget", func(m map[string]any) { m["currency"] = "USD" }, "/currency"},
		{"werkplekleren confirmed before it began", "werkplekleren", func(m map[string]any) { m["assessed_on"] = "2026-03-01" }, "/assessed_on"},
		{"crebo not five digits", "ervaringscertificaat", func(m map[string]any) { m["standard_kind"] = "kwalificatiedossier"; m["standard"] = "12ab" }, "/standard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := example(tt.typ)
			tt.edit(m)
			err := ppp.ValidateMap(tt.typ, m)
			if tt.pointer == "" {
				if err != nil {
					t.Fatalf("ValidateMap: %v", err)
				}
				return
			}
			var ve *ppp.ValidationError
			if !errors.Is(err, ppp.ErrInvalidClaims) || !errors.As(err, &ve) {
				t.Fatalf("ValidateMap = %v, want a ValidationError", err)
			}
			found := false
			for _, f := range ve.Fields {
				found = found || f.Pointer == tt.pointer
			}
			if !found {
				t.Errorf("ValidateMap = %v, want a problem at %s", err, tt.pointer)
			}
		})
	}
}
