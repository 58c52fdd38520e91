package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/page"
	"github.com/loopbrug/paspoort/verifier"
)

// The decision page says per requirement who established the evidence
// and when, in words, and an aggregate's total; employer names only when
// the holder disclosed them; codes only under the details fold.
func TestDecisionPageEvidence(t *testing.T) {
	skillVCT, _ := ppp.Lookup("skill")
	expVCT, _ := ppp.Lookup("experience")
	const coach = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
	iat := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	d := &verifier.Decision{Outcome: profile.OutcomeAccepted, Score: 1, Requirements: []profile.RequirementResult{
		{ID: "sport", Title: profile.Text{"nl": "Sportinstructie", "en": "Sport instruction"}, Required: true, Status: profile.StatusMet,
			Evidence: []profile.Evidence{{Type: "skill", VCT: skillVCT.VCT, Issuer: "did:web:assessment.example", IssuedAt: iat,
				Claims: map[string]any{"proficiency": int64(4)}, Assurance: ppp.AssuranceAssessor, AssessedOn: ppp.Date{Year: 2026, Month: 3, Day: 12}}}},
		{ID: "coach", Title: profile.Text{"nl": "Ervaring", "en": "Experience"}, Required: true, Status: profile.StatusMet,
			Aggregate: &profile.AggregateTotal{Type: "experience", Occupation: coach, MinMonths: 24, Months: 36, Credentials: 2},
			Evidence: []profile.Evidence{
				{Type: "experience", VCT: expVCT.VCT, Issuer: "did:web:svdomstad.example", IssuedAt: iat, Claims: map[string]any{"occupation": coach, "start_date": "2021-01-01", "end_date": "2022-12-31"}, Assurance: ppp.AssuranceEmployer},
				{Type: "experience", VCT: expVCT.VCT, Issuer: "did:web:kracht.example", IssuedAt: iat, Claims: map[string]any{"occupation": coach, "start_date": "2022-01-01", "end_date": "2023-12-31", "employer": "Sportschool Kracht"}, Assurance: ppp.AssuranceEmployer},
			}},
	}}
	tmpl, err := page.Parse(page.Verifier, templateFS, funcs, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"did:web:svdomstad.example": "SV Domstad"}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"nl", []string{"vastgesteld door een assessor, maart 2026", "36 maanden als sportcoach, uit 2 bewijzen", "vastgesteld door een werkgever", "Sportschool Kracht"}},
		{"en", []string{"established by an assessor, March 2026", "36 months as sports coach, from 2 credentials"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			var b bytes.Buffer
			data := map[string]any{"Lang": tt.lang, "T": texts[tt.lang], "Org": "Hogeschool Domstad", "D": decisionView(d, nil, names, tt.lang)}
			if err := tmpl.ExecuteTemplate(&b, "decision.html", data); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			for _, w := range tt.want {
				if !strings.Contains(html, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			// The employer the holder did not disclose is not named in the
			// decision itself, and no assurance code shows.
			main, _, _ := strings.Cut(html, "<details")
			for _, no := range []string{"SV Domstad", "svdomstad", "evc-provider", ">assessor<", "assurance"} {
				if strings.Contains(main, no) {
					t.Errorf("the decision shows %q outside the details", no)
				}
			}
		})
	}
}
