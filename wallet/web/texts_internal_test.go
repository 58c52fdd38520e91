package web

import (
	"testing"

	"github.com/loopbrug/paspoort/internal/page"
)

// Every fixed text a template reads exists in Dutch and in English.
func TestTextsComplete(t *testing.T) {
	missing, err := page.MissingTexts(templateFS, texts, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("missing text %s", m)
	}
}
