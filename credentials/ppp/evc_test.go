package ppp_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

func TestRecognise(t *testing.T) {
	defer ppp.SetValidationNow(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))()
	const (
		instruct = "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"
		motivate = "http://data.europa.eu/esco/skill/ece81686-331c-4381-bf3f-5ea610d47a7f"
		plan     = "http://data.europa.eu/esco/skill/65baf502-04a6-41c9-962f-9629de5c5a0a"
		other    = "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b"
	)
	portfolio := func() *ppp.PortfolioClaims {
		var p ppp.PortfolioClaims
		pt, _ := ppp.Lookup(ppp.TypePortfolio)
		if err := json.Unmarshal(pt.Example(), &p); err != nil {
			t.Fatal(err)
		}
		p.Entries = append(p.Entries,
			ppp.PortfolioEntry{Skill: motivate, SkillLabel: "motivate in sports", Statement: "Spelers motiveren.", Context: "SV Domstad", From: ppp.Date{Year: 2015, Month: 1, Day: 1}},
			ppp.PortfolioEntry{Skill: plan, SkillLabel: "plan sports instruction programme", Statement: "Seizoensplan.", Context: "SV Domstad", From: ppp.Date{Year: 2016, Month: 1, Day: 1}})
		return &p
	}
	review := func(cs ...ppp.CompetenceReview) ppp.EVCReview {
		return ppp.EVCReview{Provider: "EVC Centrum Domstad", Assessor: "Karin Bos", AssessedOn: ppp.Date{Year: 2026, Month: 3, Day: 12}, Competences: cs}
	}
	tests := []struct {
		name        string
		review      ppp.EVCReview
		competences int
		skills      int
		err         bool
	}{
		{"proven, partly and not", review(
			ppp.CompetenceReview{Skill: instruct, Result: ppp.ReviewProven, Proficiency: 4, Remark: "Sterk trainingsplan.", InterviewNote: "Legt uit hoe hij oefeningen aanpast per leeftijd."},
			ppp.CompetenceReview{Skill: motivate, Result: ppp.ReviewPartly, Proficiency: 2},
			ppp.CompetenceReview{Skill: plan, Result: ppp.ReviewNot}), 2, 1, false},
		{"a skill not in the portfolio", review(ppp.CompetenceReview{Skill: other, Result: ppp.ReviewProven, Proficiency: 3}), 0, 0, true},
		{"reviewed twice", review(
			ppp.CompetenceReview{Skill: instruct, Result: ppp.ReviewProven, Proficiency: 3},
			ppp.CompetenceReview{Skill: instruct, Result: ppp.ReviewProven, Proficiency: 4}), 0, 0, true},
		{"proven without a level", review(ppp.CompetenceReview{Skill: instruct, Result: ppp.ReviewProven}), 0, 0, true},
		{"unknown result", review(ppp.CompetenceReview{Skill: instruct, Result: "maybe", Proficiency: 3}), 0, 0, true},
		{"nothing recognised", review(ppp.CompetenceReview{Skill: instruct, Result: ppp.ReviewNot}), 0, 0, true},
		{"assessed before the portfolio", ppp.EVCReview{Provider: "P", Assessor: "A", AssessedOn: ppp.Date{Year: 2025, Month: 1, Day: 1},
			Competences: []ppp.CompetenceReview{{Skill: instruct, Result: ppp.ReviewProven, Proficiency: 3}}}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, skills, err := ppp.Recognise(portfolio(), tt.review)
			if tt.err {
				if !errors.Is(err, ppp.ErrReview) || !errors.Is(err, ppp.ErrInvalidClaims) {
					t.Fatalf("Recognise = %v, want ErrReview", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cert.Competences) != tt.competences || len(skills) != tt.skills {
				t.Fatalf("%d competences, %d skills", len(cert.Competences), len(skills))
			}
			if err := validateStruct(ppp.TypeErvaringscertificaat, cert); err != nil {
				t.Errorf("certificate: %v", err)
			}
			for _, s := range skills {
				if err := validateStruct(ppp.TypeSkill, s); err != nil {
					t.Errorf("skill: %v", err)
				}
				if s.Assurance != ppp.AssuranceEVCProvider || s.Evidence != "Sterk trainingsplan. — Legt uit hoe hij oefeningen aanpast per leeftijd." {
					t.Errorf("skill = %+v", s)
				}
			}
		})
	}
}

func validateStruct(typ string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return ppp.Validate(typ, b)
}

// FuzzRecognise: any review (an assessor's form, however filled in) of the
// example portfolio either fails with ErrReview or gives a certificate and
// skills that validate as their types.
func FuzzRecognise(f *testing.F) {
	f.Add([]byte(`{"provider":"EVC Centrum Domstad","assessor":"Karin Bos","assessed_on":"2026-03-12","competences":[{"skill":"http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229","result":"proven","proficiency":4,"remark":"Goed."}]}`))
	f.Add([]byte(`{"provider":"P","assessor":"A","assessed_on":"2026-03-12","competences":[{"skill":"x","result":"partly","proficiency":9}]}`))
	f.Add([]byte(`{}`))
	pt, _ := ppp.Lookup(ppp.TypePortfolio)
	var p ppp.PortfolioClaims
	if err := json.Unmarshal(pt.Example(), &p); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r ppp.EVCReview
		if json.Unmarshal(data, &r) != nil {
			return
		}
		cert, skills, err := ppp.Recognise(&p, r)
		if err != nil {
			if !errors.Is(err, ppp.ErrReview) {
				t.Fatalf("Recognise = %v, want ErrReview", err)
			}
			return
		}
		if err := validateStruct(ppp.TypeErvaringscertificaat, cert); err != nil {
			t.Fatalf("certificate: %v", err)
		}
		for _, s := range skills {
			if err := validateStruct(ppp.TypeSkill, s); err != nil {
				t.Fatalf("skill: %v", err)
			}
		}
	})
}
