package consortium

import (
	"testing"

	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/page"
)

// Every fixed text a template reads exists in Dutch and in English, and
// every kind has a label in both.
func TestTextsComplete(t *testing.T) {
	missing, err := page.MissingTexts(templateFS, texts, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("missing text %s", m)
	}
	var kinds []string
	for _, k := range registry.IssuerKinds {
		kinds = append(kinds, string(k))
	}
	for _, k := range registry.VerifierKinds {
		kinds = append(kinds, string(k))
	}
	for lang, labels := range kindLabels {
		for _, k := range kinds {
			if labels[k] == "" {
				t.Errorf("no %s label for kind %q", lang, k)
			}
		}
	}
}
