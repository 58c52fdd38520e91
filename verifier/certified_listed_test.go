package verifier

import (
	"context"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// TestCertifiedAsListed: an https issuer of the source list is trusted,
// for its own types and kind, when the anchor certifies it; a DID entry
// gains nothing; a credential certified by another anchor, or with
// another iss, is not trusted; and the plain entry still stands for
// credentials whose key came from the issuer's metadata.
func TestCertifiedAsListed(t *testing.T) {
	src := StaticTrust{List: &TrustList{Issuers: []TrustedIssuer{
		{ID: "https://school.example", Types: []string{"level"}, Kind: "school"},
		{ID: "did:web:assessor.example", Types: []string{"skill"}},
	}}}
	c := &CertifiedAsListed{Source: src, Anchors: []string{"A1"}}
	tl, err := c.TrustList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id, typ string
		want    bool
	}{
		{certifiedID("A1", "https://school.example"), "level", true},
		{certifiedID("A1", "https://school.example"), "skill", false},
		{certifiedID("A2", "https://school.example"), "level", false},
		{certifiedID("A1", "https://other.example"), "level", false},
		{certifiedID("A1", "did:web:assessor.example"), "skill", false},
		{"https://school.example", "level", true},
	} {
		if got := tl.Trusted(tc.id, tc.typ); got != tc.want {
			t.Errorf("Trusted(%s, %s) = %v, want %v", tc.id, tc.typ, got, tc.want)
		}
	}
	if a, ok := tl.IssuerAssurance(certifiedID("A1", "https://school.example"), "level"); !ok || a != ppp.AssuranceSchool {
		t.Errorf("the certified school's assurance is not capped by its kind: %v %v", a, ok)
	}
	if len(src.List.Issuers) != 2 {
		t.Fatal("the source list was changed")
	}
	// The same source list gives the same derived list, built once.
	if again, err := c.TrustList(context.Background()); err != nil || again != tl {
		t.Fatalf("derived list rebuilt for the same source list: %v", err)
	}
}
