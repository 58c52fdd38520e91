package profile

import (
	"errors"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
)

const protectedBase = `id: age-test
version: "1"
kind: hiring
title: {nl: Test, en: Test}
purpose: {nl: Om te testen, en: For testing}
requirements:
  - id: level
    title: {nl: Niveau, en: Level}
    required: true
    type: level
    claims: [nlqf_level]
    predicate: nlqf_level >= 4
`

// TestProtectedClaimNeedsGround: no PPP claim is protected today, so the
// test marks nlqf_level as age the way a type's metadata would; a profile
// reading it is refused without a legal ground (CLAIM and invalid), and
// accepted with one, on the requirement or on the profile.
func TestProtectedClaimNeedsGround(t *testing.T) {
	defer func(f func(string, []string) (ppp.Protected, bool)) { protectedClaim = f }(protectedClaim)
	protectedClaim = func(vct string, path []string) (ppp.Protected, bool) {
		if t, ok := ppp.Lookup("level"); ok && vct == t.VCT && path[0] == "nlqf_level" {
			return ppp.ProtectedAge, true
		}
		return ppp.ProtectedClaim(vct, path)
	}
	ground := "legal_ground: {text: {nl: De wet vraagt het, en: The law requires it}, reference: Wet minimumloon art. 7}"
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"no ground", protectedBase, ErrProtectedClaim},
		{"ground on the requirement", protectedBase + "    " + ground + "\n", nil},
		{"ground on the profile", strings.Replace(protectedBase, "requirements:", ground+"\nrequirements:", 1), nil},
		{"ground without reference", protectedBase + "    legal_ground: {text: {nl: x, en: x}}\n", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("age.yaml", []byte(tt.doc))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				reads := p.ProtectedReads()
				if len(reads) != 1 || reads[0].Category != ppp.ProtectedAge || reads[0].Ground == nil || reads[0].Ground.Reference != "Wet minimumloon art. 7" {
					t.Fatalf("protected reads %+v", reads)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want == ErrProtectedClaim && (!errors.Is(err, credentials.ErrClaim) || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "age or date of birth")) {
				t.Fatalf("error %v: class or words", err)
			}
		})
	}
	// Unmarked, the same profile reads nothing protected.
	protectedClaim = ppp.ProtectedClaim
	p, err := Parse("age.yaml", []byte(protectedBase))
	if err != nil || len(p.ProtectedReads()) != 0 {
		t.Fatalf("unmarked: %v, %+v", err, p.ProtectedReads())
	}
}
