package sdjwt_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
)

// The RFC 9901 examples, verified with the key of Appendix A.5.
func TestRFCVectors(t *testing.T) {
	key := rfcIssuerKey(t)
	rfcTime := time.Unix(1748454271, 0) // the KB-JWT iat of A.3; inside iat..exp of all examples
	tests := []struct {
		file      string
		typ       string
		kb        *sdjwt.KeyBindingPolicy
		want      map[string]string // pointer → JSON of the expected value
		disclosed []string
	}{
		{
			file: "rfc9901-5.1-sd-jwt.txt", typ: "example+sd-jwt",
			want: map[string]string{
				"/given_name":            `"John"`,
				"/family_name":           `"Doe"`,
				"/email":                 `"johndoe@example.com"`,
				"/phone_number_verified": `true`,
				"/address":               `{"country":"US","locality":"Anytown","region":"Anystate","street_address":"123 Main St"}`,
				"/nationalities":         `["US","DE"]`,
				"/updated_at":            `1570000000`,
				"/sub":                   `"user_42"`,
			},
			disclosed: []string{"/given_name", "/family_name", "/email", "/phone_number", "/phone_number_verified", "/address", "/birthdate", "/updated_at", "/nationalities/0", "/nationalities/1"},
		},
		{
			file: "rfc9901-A.2-sd-jwt.txt", typ: "example+sd-jwt",
			want: map[string]string{
				"/verified_claims/verification/evidence": `[{"method":"pipp"}]`,
				"/verified_claims/verification/time":     `"2012-04-23T18:25Z"`,
				"/verified_claims/claims/given_name":     `"Max"`,
				"/verified_claims/claims/family_name":    `"Müller"`,
			},
		},
		{
			file: "rfc9901-A.3-sd-jwt-kb.txt", typ: "dc+sd-jwt",
			kb: &sdjwt.KeyBindingPolicy{Required: true, Audience: "https://verifier.example.org", Nonce: "1234567890"},
			want: map[string]string{
				"/nationalities":     `["DE"]`,
				"/age_equal_or_over": `{"18":true}`,
				"/vct":               `"urn:eudi:pid:de:1"`,
			},
			disclosed: []string{"/age_equal_or_over", "/age_equal_or_over/18", "/nationalities"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			opts := sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Typ: tc.typ, Now: rfcTime.Add(30 * time.Second)}
			if tc.kb != nil {
				opts.KeyBinding = *tc.kb
			}
			res, err := sdjwt.Verify(readVector(t, tc.file), key, opts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			for ptr, want := range tc.want {
				got := lookup(t, res.Claims, ptr)
				if !jsonEqual(t, got, want) {
					t.Errorf("%s = %s, want %s", ptr, mustJSON(t, got), want)
				}
			}
			if _, ok := res.Claims["_sd"]; ok {
				t.Error("processed claims still hold _sd")
			}
			if _, ok := res.Claims["_sd_alg"]; ok {
				t.Error("processed claims still hold _sd_alg")
			}
			if tc.disclosed != nil {
				got := slices.Clone(res.Disclosed)
				slices.Sort(got)
				want := slices.Clone(tc.disclosed)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("disclosed = %v, want %v", got, want)
				}
			}
			if tc.kb != nil && (res.KeyBinding == nil || res.HolderKey == nil) {
				t.Error("key binding not reported")
			}
		})
	}
}

// The holder of the RFC 5.1 example discloses only some claims; the verifier
// then sees exactly those.
func TestRFCVectorSelection(t *testing.T) {
	issued := readVector(t, "rfc9901-5.1-sd-jwt.txt")
	pres, err := sdjwt.Present(issued, sdjwt.Selection{Paths: []string{"/given_name", "/nationalities/1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sdjwt.Verify(pres, rfcIssuerKey(t), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Claims["given_name"] != "John" {
		t.Errorf("given_name = %v", res.Claims["given_name"])
	}
	if _, ok := res.Claims["family_name"]; ok {
		t.Error("family_name disclosed without being selected")
	}
	if got := mustJSON(t, res.Claims["nationalities"]); got != `["DE"]` {
		t.Errorf("nationalities = %s, want [\"DE\"]", got)
	}
}

func lookup(t *testing.T, claims map[string]any, ptr string) any {
	t.Helper()
	toks, err := sdjwt.SplitPointer(ptr)
	if err != nil {
		t.Fatal(err)
	}
	var cur any = claims
	for _, tok := range toks {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object at %q", ptr, tok)
		}
		if cur, ok = m[tok]; !ok {
			t.Fatalf("%s: missing %q", ptr, tok)
		}
	}
	return cur
}

func jsonEqual(t *testing.T, got any, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal([]byte(mustJSON(t, got)), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}
