package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/page"
	"github.com/loopbrug/paspoort/wallet"
)

// TestConsentFlags renders the consent screen for requests that the
// registers and the fairness guard speak about: a registered verifier by
// its registration, an unregistered one with a warning, and protected
// claims with the verifier's legal ground or its absence, the law behind a
// fold.
func TestConsentFlags(t *testing.T) {
	tmpl, err := page.Parse(page.Wallet, templateFS, funcs, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	domstad := registry.Consortium{ID: "https://register.example", Name: registry.Text{NL: "Loopbrug Domstad", EN: "Loopbrug Domstad"}}
	ground := &profile.LegalGround{Text: profile.Text{"nl": "Het minimumjeugdloon hangt af van de leeftijd", "en": "The youth minimum wage depends on age"}, Reference: "Wet minimumloon en minimumvakantiebijslag, art. 8"}
	tests := []struct {
		name  string
		pr    *wallet.PresentationRequest
		want  []string
		avoid []string
	}{
		{"registered, age with a ground", &wallet.PresentationRequest{VerifierName: "Hogeschool Domstad",
			Registration: &wallet.Registration{Following: true, Registered: true, Name: registry.Text{NL: "Hogeschool Domstad"}, Kind: registry.KindAdmission, Consortium: domstad},
			Protected:    []wallet.ProtectedClaim{{QueryID: "pid", Path: []string{"birthdate"}, Category: ppp.ProtectedAge, Ground: ground}}},
			[]string{"Hogeschool Domstad (toelating) is lid van Loopbrug Domstad", "vraagt naar uw leeftijd of geboortedatum", "Het minimumjeugdloon hangt af van de leeftijd", "Wet minimumloon", "Wet gelijke behandeling op grond van leeftijd"},
			[]string{`id="unregistered"`, "geen wettelijke reden"}},
		{"unregistered, nationality without a ground", &wallet.PresentationRequest{VerifierName: "Uitzendbureau Snelwerk",
			Registration: &wallet.Registration{Following: true},
			Protected:    []wallet.ProtectedClaim{{QueryID: "pid", Path: []string{"nationalities"}, Category: ppp.ProtectedNationality}}},
			[]string{`id="unregistered"`, "in geen register", "vraagt naar uw nationaliteit", "Uitzendbureau Snelwerk geeft geen wettelijke reden op"},
			[]string{`id="registration"`}},
		{"no register followed", &wallet.PresentationRequest{VerifierName: "X"},
			[]string{`id="no-register"`}, []string{`id="protected"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			data := map[string]any{"V": buildConsent("id", tt.pr, "nl"), "T": texts["nl"], "Lang": "nl", "CSRF": "x"}
			if err := tmpl.ExecuteTemplate(&buf, "consent.html", data); err != nil {
				t.Fatal(err)
			}
			html := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(html, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(html, a) {
					t.Errorf("has %q", a)
				}
			}
			if i, j := strings.Index(html, "Wet gelijke behandeling"), strings.Index(html, "<details>"); i >= 0 && i < j {
				t.Errorf("the law is shown before the fold")
			}
		})
	}
}
