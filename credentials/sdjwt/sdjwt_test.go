package sdjwt_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
)

func sampleClaims() map[string]any {
	return map[string]any{
		"iss":           "https://issuer.example",
		"given_name":    "Miranda",
		"family_name":   "de Vries",
		"address":       map[string]any{"street_address": "Stationsplein 1", "locality": "Utrecht", "country": "NL"},
		"nationalities": []any{"NL", "BE"},
		"skills": []any{
			map[string]any{"skill": "http://data.europa.eu/esco/skill/a", "level": 3},
			map[string]any{"skill": "http://data.europa.eu/esco/skill/b", "level": 4},
		},
	}
}

var allPaths = []string{
	"/given_name", "/family_name", "/address", "/address/street_address", "/address/locality",
	"/nationalities/0", "/nationalities/1", "/skills/0", "/skills/1", "/skills/1/level",
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range []jose.Alg{jose.ES256, jose.EdDSA} {
		issuer, holder := newKey(t, alg), newKey(t, alg)
		claims := sampleClaims()
		claims["cnf"] = map[string]any{"jwk": holder.Public().Map()}
		issued, err := sdjwt.Issue(issuer, claims, sdjwt.IssueOptions{Typ: "dc+sd-jwt", Disclose: allPaths, Decoys: 5})
		if err != nil {
			t.Fatalf("%s: Issue: %v", alg, err)
		}
		tests := []struct {
			name     string
			sel      sdjwt.Selection
			present  []string // pointers that must be there
			absent   []string // pointers that must not
			nDisclos int
		}{
			{"all", sdjwt.SelectAll, []string{"/given_name", "/address/street_address", "/skills/1/level"}, nil, len(allPaths)},
			{"none", sdjwt.SelectNone, []string{"/iss"}, []string{"/given_name", "/address", "/nationalities/0"}, 0},
			{"nested pulls in parent", sdjwt.Selection{Paths: []string{"/address/locality"}}, []string{"/address/locality"}, []string{"/address/street_address", "/given_name"}, 2},
			{"object pulls in children", sdjwt.Selection{Paths: []string{"/skills/1"}}, []string{"/skills/0/level"}, nil, 2},
			{"array element", sdjwt.Selection{Paths: []string{"/nationalities/1"}}, []string{"/nationalities/0"}, []string{"/nationalities/1"}, 1},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%s", alg, tc.name), func(t *testing.T) {
				now := time.Now()
				pres, err := sdjwt.Present(issued, tc.sel, &sdjwt.KeyBindingOptions{Key: holder, Audience: "https://verifier.example", Nonce: "n-0S6_WzA2Mj", IssuedAt: now})
				if err != nil {
					t.Fatalf("Present: %v", err)
				}
				res, err := sdjwt.Verify(pres, issuer.Public(), sdjwt.VerifyOptions{
					Algs: jose.DefaultAlgs, Typ: "dc+sd-jwt", Now: now,
					KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: "https://verifier.example", Nonce: "n-0S6_WzA2Mj"},
				})
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if len(res.Disclosed) != tc.nDisclos {
					t.Errorf("disclosed %v, want %d disclosures", res.Disclosed, tc.nDisclos)
				}
				for _, p := range tc.present {
					if !has(res.Claims, p) {
						t.Errorf("%s missing from %s", p, mustJSON(t, res.Claims))
					}
				}
				for _, p := range tc.absent {
					if has(res.Claims, p) {
						t.Errorf("%s present in %s", p, mustJSON(t, res.Claims))
					}
				}
				if !res.HolderKey.Equal(holder.Public()) {
					t.Error("holder key not the cnf key")
				}
			})
		}
	}
}

func has(claims map[string]any, ptr string) bool {
	toks, _ := sdjwt.SplitPointer(ptr)
	var cur any = claims
	for _, tok := range toks {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return false
			}
			cur = v
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(c) {
				return false
			}
			cur = c[i]
		default:
			return false
		}
	}
	return true
}

func TestIssueRefuses(t *testing.T) {
	key := newKey(t, jose.ES256)
	tests := []struct {
		name    string
		claims  map[string]any
		opts    sdjwt.IssueOptions
		wantErr error
	}{
		{"unknown path", sampleClaims(), sdjwt.IssueOptions{Disclose: []string{"/nope"}}, sdjwt.ErrUnknownPath},
		{"index past end", sampleClaims(), sdjwt.IssueOptions{Disclose: []string{"/nationalities/2"}}, sdjwt.ErrUnknownPath},
		{"leading zero index", sampleClaims(), sdjwt.IssueOptions{Disclose: []string{"/nationalities/01"}}, sdjwt.ErrUnknownPath},
		{"root", sampleClaims(), sdjwt.IssueOptions{Disclose: []string{""}}, sdjwt.ErrBadPath},
		{"not a pointer", sampleClaims(), sdjwt.IssueOptions{Disclose: []string{"given_name"}}, sdjwt.ErrBadPath},
		{"bad escape", sampleClaims(), sdjwt.IssueOptions{Disclose: []string{"/a~2b"}}, sdjwt.ErrBadPath},
		{"reserved _sd", map[string]any{"_sd": []any{}}, sdjwt.IssueOptions{}, sdjwt.ErrBadPath},
		{"reserved ...", map[string]any{"x": map[string]any{"...": "y"}}, sdjwt.IssueOptions{}, sdjwt.ErrBadPath},
		{"negative decoys", sampleClaims(), sdjwt.IssueOptions{Decoys: -1}, sdjwt.ErrBadPath},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sdjwt.Issue(key, tc.claims, tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestPointerEscapes(t *testing.T) {
	key := newKey(t, jose.ES256)
	claims := map[string]any{"a/b": "slash", "c~d": "tilde"}
	issued, err := sdjwt.Issue(key, claims, sdjwt.IssueOptions{Disclose: []string{"/a~1b", "/c~0d"}})
	if err != nil {
		t.Fatal(err)
	}
	pres, err := sdjwt.Present(issued, sdjwt.Selection{Paths: []string{"/a~1b"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sdjwt.Verify(pres, key.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Claims["a/b"] != "slash" || res.Claims["c~d"] != nil {
		t.Errorf("claims = %v", res.Claims)
	}
	if len(res.Disclosed) != 1 || res.Disclosed[0] != "/a~1b" {
		t.Errorf("disclosed = %v", res.Disclosed)
	}
}

func TestDecoysAreSortedAndIgnored(t *testing.T) {
	key := newKey(t, jose.ES256)
	issued, err := sdjwt.Issue(key, sampleClaims(), sdjwt.IssueOptions{Disclose: []string{"/given_name", "/address/locality"}, Decoys: 7})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sdjwt.Parse(issued)
	if err != nil {
		t.Fatal(err)
	}
	top, _ := tok.Payload["_sd"].([]any)
	nested, _ := tok.Payload["address"].(map[string]any)["_sd"].([]any)
	if got := len(top) + len(nested); got != 2+7 {
		t.Fatalf("%d digests, want 9", got)
	}
	for _, sd := range [][]any{top, nested} {
		for i := 1; i < len(sd); i++ {
			if sd[i-1].(string) > sd[i].(string) {
				t.Fatalf("_sd not sorted: %v", sd)
			}
		}
	}
	if _, err := sdjwt.Verify(issued, key.Public(), sdjwt.VerifyOptions{Algs: jose.DefaultAlgs}); err != nil {
		t.Fatal(err)
	}
}

// classOf asserts that err belongs to class as well as to want.
func assertErr(t *testing.T, err, want, class error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	if class != nil && !errors.Is(err, class) {
		t.Fatalf("err = %v, not of class %v", err, class)
	}
}

var _ = strings.Contains
var _ = credentials.ErrFormat
