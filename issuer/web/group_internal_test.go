package web

import (
	"testing"
	"time"

	"github.com/loopbrug/paspoort/issuer"
)

// The batch copies of one credential are one row: same offer and
// configuration; records without an offer stay apart.
func TestGroupCopies(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	recs := []issuer.CredentialRecord{
		{ID: "a1", OfferID: "o1", ConfigurationID: "level", VCT: "https://paspoort.loopbrug.nl/vct/level/v1", Type: "level", Status: "valid", IssuedAt: at},
		{ID: "a2", OfferID: "o1", ConfigurationID: "level", Type: "level", Status: "valid", IssuedAt: at},
		{ID: "b1", OfferID: "o1", ConfigurationID: "goal", VCT: "https://paspoort.loopbrug.nl/vct/goal/v1", Type: "goal", Status: "suspended", IssuedAt: at},
		{ID: "a3", OfferID: "o1", ConfigurationID: "level", Type: "level", Status: "valid", IssuedAt: at},
		{ID: "x", Type: "skill", Status: "valid"},
		{ID: "y", Type: "skill", Status: "valid"},
	}
	got := group(recs, "nl")
	want := []issued{
		{ID: "y", Type: "skill", Status: "valid", Copies: 1},
		{ID: "x", Type: "skill", Status: "valid", Copies: 1},
		{ID: "b1", Type: "Doel & motivatie", Status: "suspended", Copies: 1, IssuedAt: at},
		{ID: "a1", Type: "Werk- en denkniveau", Status: "valid", Copies: 3, IssuedAt: at},
	}
	// "x" and "y" have no offer: each is its own row. Newest first.
	if len(got) != len(want) {
		t.Fatalf("rows %+v", got)
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("row %d: %+v, want %+v", i, got[i], w)
		}
	}
}
