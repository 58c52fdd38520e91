package dcql_test

import (
	"errors"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
)

// TestTrustedAuthorities: a Credential Query with trusted_authorities of
// type "aki" (OpenID4VP 1.0 §6.1.1) matches a credential when an
// AuthorityKeyIdentifier of a certificate in its chain equals one of the
// base64url values, both in the wallet's matching (MatchCredential) and
// in the verifier's check of a response (CheckResponse,
// ErrAuthorityMismatch, CLAIM).
func TestTrustedAuthorities(t *testing.T) {
	// The spec's example value and the 20 bytes it encodes.
	const specAKI = "s9tIpPmhxdiuNkHMEWNpYim8S8Y"
	specKeyID := []byte{0xb3, 0xdb, 0x48, 0xa4, 0xf9, 0xa1, 0xc5, 0xd8, 0xae, 0x36, 0x41, 0xcc, 0x11, 0x63, 0x69, 0x62, 0x29, 0xbc, 0x4b, 0xc6}
	if got := dcql.AKIValue(specKeyID); got != specAKI {
		t.Fatalf("AKIValue = %s, want the spec's %s", got, specAKI)
	}
	other := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}

	tests := []struct {
		name  string
		tas   string // the trusted_authorities member, JSON; "" for none
		akis  [][]byte
		match bool
	}{
		{name: "no trusted_authorities, no chain", match: true},
		{name: "no trusted_authorities, a chain", akis: [][]byte{other}, match: true},
		{name: "aki of the leaf's issuer", tas: `[{"type":"aki","values":["` + specAKI + `"]}]`, akis: [][]byte{specKeyID}, match: true},
		{name: "aki of a certificate higher in the chain", tas: `[{"type":"aki","values":["` + specAKI + `"]}]`, akis: [][]byte{other, specKeyID}, match: true},
		{name: "one of several values", tas: `[{"type":"aki","values":["AQID","` + specAKI + `"]}]`, akis: [][]byte{specKeyID}, match: true},
		{name: "padded base64url value", tas: `[{"type":"aki","values":["` + specAKI + `="]}]`, akis: [][]byte{specKeyID}, match: true},
		{name: "another aki", tas: `[{"type":"aki","values":["` + specAKI + `"]}]`, akis: [][]byte{other}},
		{name: "no chain", tas: `[{"type":"aki","values":["` + specAKI + `"]}]`},
		{name: "standard base64 is not base64url", tas: `[{"type":"aki","values":["s9tIpPmhxdiuNkHMEWNpYim8S8Y+"]}]`, akis: [][]byte{specKeyID}},
		{name: "a type paspoort cannot evaluate", tas: `[{"type":"etsi_tl","values":["https://lotl.example.com"]}]`, akis: [][]byte{specKeyID}},
		{name: "aki after a type paspoort cannot evaluate", tas: `[{"type":"openid_federation","values":["https://ta.example"]},{"type":"aki","values":["` + specAKI + `"]}]`, akis: [][]byte{specKeyID}, match: true},
		{name: "a prefix of the key identifier", tas: `[{"type":"aki","values":["s9tIpPmhxdiuNkHMEWNpYim8"]}]`, akis: [][]byte{specKeyID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["x"]}]`
			if tt.tas != "" {
				doc += `,"trusted_authorities":` + tt.tas
			}
			doc += `}]}`
			q, err := dcql.Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			claims := claimsOf(t, `{"vct":"v","x":1}`)
			_, ok := dcql.MatchCredential(&q.Credentials[0], &dcql.Candidate{
				Format: dcql.FormatSDJWTVC, VCT: "v", Claims: claims, HolderBinding: true, AuthorityKeyIDs: tt.akis,
			})
			if ok != tt.match {
				t.Fatalf("MatchCredential = %v, want %v", ok, tt.match)
			}
			_, err = dcql.CheckResponse(q, map[string][]dcql.Presented{"a": {{
				Format: dcql.FormatSDJWTVC, VCT: "v", Claims: claims, Disclosed: []string{"/x"}, HolderBinding: true, AuthorityKeyIDs: tt.akis,
			}}})
			if tt.match {
				if err != nil {
					t.Fatalf("CheckResponse: %v", err)
				}
				return
			}
			var pe *dcql.PresentationError
			if !errors.As(err, &pe) || !errors.Is(err, dcql.ErrAuthorityMismatch) || !errors.Is(err, dcql.ErrCredentialMismatch) || !errors.Is(err, credentials.ErrClaim) {
				t.Fatalf("CheckResponse = %v, want ErrAuthorityMismatch (CLAIM) for the presentation", err)
			}
		})
	}
}
