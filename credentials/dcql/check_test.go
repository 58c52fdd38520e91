package dcql_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
)

func presented(t testing.TB, vct, claims string, disclosed ...string) dcql.Presented {
	return dcql.Presented{Format: dcql.FormatSDJWTVC, VCT: vct, Claims: claimsOf(t, claims), Disclosed: disclosed, HolderBinding: true}
}

// pidClaims are the processed claims of a PID whose family_name, given_name,
// address (an object with selectively disclosable members) and birthdate
// were all selectively disclosable.
const pidClaims = `{"iss":"https://issuer.example","vct":"` + vctPID + `","family_name":"Doe","given_name":"John","address":{"street_address":"1 Main St","locality":"X"},"birthdate":"1940-01-01"}`

func TestCheckResponseAccepts(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-simple.json")
	p := presented(t, vctPID, pidClaims, "/family_name", "/given_name", "/address", "/address/street_address")
	got, err := dcql.CheckResponse(q, map[string][]dcql.Presented{"my_credential": {p}})
	if err != nil {
		t.Fatal(err)
	}
	m := got["my_credential"][0]
	if !reflect.DeepEqual(m.Paths, []string{"/family_name", "/given_name", "/address/street_address"}) {
		t.Fatalf("%+v", m)
	}
}

// TestCheckResponseSecurityC33 is SECURITY.md C.33: the Verifier re-checks
// what came back against its query and does not rely on the Wallet.
func TestCheckResponseSecurityC33(t *testing.T) {
	simple := mustParse(t, "vp-1.0-dcql-simple.json")
	good := presented(t, vctPID, pidClaims, "/family_name", "/given_name", "/address", "/address/street_address")
	extra := presented(t, vctPID, pidClaims, "/family_name", "/given_name", "/address", "/address/street_address", "/birthdate")
	sibling := presented(t, vctPID, pidClaims, "/family_name", "/given_name", "/address", "/address/street_address", "/address/locality")
	missing := presented(t, vctPID, `{"family_name":"Doe","given_name":"John"}`, "/family_name", "/given_name")
	wrongVCT := presented(t, vctOtherPID, pidClaims, "/family_name", "/given_name", "/address", "/address/street_address")
	wrongFormat := good
	wrongFormat.Format = "jwt_vc_json"
	noKB := good
	noKB.HolderBinding = false

	values := mustParse(t, "vp-1.0-dcql-value-matching-simple.json")
	badValue := presented(t, vctPID, `{"family_name":"Roe","given_name":"J","address":{"street_address":"s"},"postal_code":"90210"}`,
		"/family_name", "/given_name", "/address/street_address", "/postal_code")

	claimSets := mustParse(t, "vp-1.0-dcql-claims-alternatives.json")
	all := `{"last_name":"Doe","postal_code":"90210","locality":"L","region":"R","date_of_birth":"1970-01-01"}`
	twoOptions := presented(t, vctPID, all, "/last_name", "/postal_code", "/locality", "/region", "/date_of_birth")

	sets := mustParse(t, "vp-1.0-dcql-credentials-alternatives.json")
	setPID := presented(t, vctPID, pidClaims, "/family_name", "/given_name", "/address/street_address")
	reduced := presented(t, vctReduced, `{"given_name":"A","family_name":"B"}`, "/family_name", "/given_name")

	tests := []struct {
		name  string
		q     dcql.Query
		resp  map[string][]dcql.Presented
		want  error
		class error
	}{
		{"claim not asked for", simple, map[string][]dcql.Presented{"my_credential": {extra}}, dcql.ErrExcessDisclosure, credentials.ErrDisclosure},
		{"sibling of an asked claim", simple, map[string][]dcql.Presented{"my_credential": {sibling}}, dcql.ErrExcessDisclosure, credentials.ErrDisclosure},
		{"claim missing", simple, map[string][]dcql.Presented{"my_credential": {missing}}, dcql.ErrMissingClaim, credentials.ErrClaim},
		{"other vct", simple, map[string][]dcql.Presented{"my_credential": {wrongVCT}}, dcql.ErrCredentialMismatch, credentials.ErrClaim},
		{"other format", simple, map[string][]dcql.Presented{"my_credential": {wrongFormat}}, dcql.ErrCredentialMismatch, credentials.ErrClaim},
		{"no key binding", simple, map[string][]dcql.Presented{"my_credential": {noKB}}, dcql.ErrHolderBindingMissing, credentials.ErrKeyBinding},
		{"two without multiple", simple, map[string][]dcql.Presented{"my_credential": {good, good}}, dcql.ErrTooManyPresentations, credentials.ErrFormat},
		{"unknown query id", simple, map[string][]dcql.Presented{"my_credential": {good}, "other": {good}}, dcql.ErrUnknownQueryID, credentials.ErrFormat},
		{"empty array", simple, map[string][]dcql.Presented{"my_credential": {}}, dcql.ErrUnknownQueryID, credentials.ErrFormat},
		{"nothing", simple, map[string][]dcql.Presented{}, dcql.ErrNotSatisfied, credentials.ErrClaim},
		{"value not among values", values, map[string][]dcql.Presented{"my_credential": {badValue}}, dcql.ErrMissingClaim, credentials.ErrClaim},
		{"two claim set options at once", claimSets, map[string][]dcql.Presented{"pid": {twoOptions}}, dcql.ErrExcessDisclosure, credentials.ErrDisclosure},
		{"required set unanswered", sets, map[string][]dcql.Presented{"pid_reduced_cred_1": {reduced}}, dcql.ErrNotSatisfied, credentials.ErrClaim},
		{"half an option beside a full one", sets, map[string][]dcql.Presented{"pid": {setPID}, "pid_reduced_cred_1": {reduced}}, dcql.ErrUnrequestedCredential, credentials.ErrDisclosure},
		{"optional alone", sets, map[string][]dcql.Presented{"nice_to_have": {presented(t, vctRewards, `{"rewards_number":1}`, "/rewards_number")}}, dcql.ErrNotSatisfied, credentials.ErrClaim},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dcql.CheckResponse(tc.q, tc.resp)
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := dcql.CheckResponse(sets, map[string][]dcql.Presented{"pid": {setPID}}); err != nil {
		t.Fatalf("first option: %v", err)
	}
	var pe *dcql.PresentationError
	_, err := dcql.CheckResponse(simple, map[string][]dcql.Presented{"my_credential": {extra}})
	if !errors.As(err, &pe) || pe.QueryID != "my_credential" || pe.Index != 0 {
		t.Fatalf("presentation error %v", err)
	}
}

func TestCheckResponseClaimSets(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-claims-alternatives.json")
	all := `{"last_name":"Doe","postal_code":"90210","locality":"L","region":"R","date_of_birth":"1970-01-01"}`
	second := presented(t, vctPID, all, "/last_name", "/postal_code", "/date_of_birth")
	got, err := dcql.CheckResponse(q, map[string][]dcql.Presented{"pid": {second}})
	if err != nil {
		t.Fatal(err)
	}
	if got["pid"][0].ClaimSet != 1 {
		t.Fatalf("%+v", got["pid"][0])
	}
	first := presented(t, vctPID, all, "/last_name", "/locality", "/region", "/date_of_birth")
	if got, err = dcql.CheckResponse(q, map[string][]dcql.Presented{"pid": {first}}); err != nil || got["pid"][0].ClaimSet != 0 {
		t.Fatalf("%v %+v", err, got)
	}
}

func TestCheckResponseSharedCredential(t *testing.T) {
	// Two Credential Queries for the same credential: one presentation may
	// carry the claims of both (§6.4), when the Verifier knows it is the
	// same credential.
	q := dcql.Query{Credentials: []dcql.CredentialQuery{
		{ID: "name", Format: dcql.FormatSDJWTVC, Meta: dcql.Meta{VCTValues: []string{vctPID}}, Claims: []dcql.ClaimsQuery{{Path: []any{"family_name"}}}},
		{ID: "dob", Format: dcql.FormatSDJWTVC, Meta: dcql.Meta{VCTValues: []string{vctPID}}, Claims: []dcql.ClaimsQuery{{Path: []any{"birthdate"}}}},
	}}
	p := presented(t, vctPID, pidClaims, "/family_name", "/birthdate")
	resp := map[string][]dcql.Presented{"name": {p}, "dob": {p}}
	if _, err := dcql.CheckResponse(q, resp); !errors.Is(err, dcql.ErrExcessDisclosure) {
		t.Fatalf("without Key: %v", err)
	}
	p.Key = "digest-of-the-issuer-jwt"
	resp = map[string][]dcql.Presented{"name": {p}, "dob": {p}}
	if _, err := dcql.CheckResponse(q, resp); err != nil {
		t.Fatalf("with Key: %v", err)
	}
}

func TestCheckResponseWildcardsAndArrays(t *testing.T) {
	q := dcql.Query{Credentials: []dcql.CredentialQuery{{
		ID: "deg", Format: dcql.FormatSDJWTVC, Meta: dcql.Meta{VCTValues: []string{vctPID}},
		Claims: []dcql.ClaimsQuery{{Path: []any{"degrees", nil, "type"}}, {Path: []any{"nationalities", 1}}},
	}}}
	claims := string(readVector(t, "vp-1.0-claims-path-example.json"))
	ok := presented(t, vctPID, claims, "/degrees", "/degrees/0", "/degrees/0/type", "/degrees/1/type", "/nationalities", "/nationalities/1")
	if _, err := dcql.CheckResponse(q, map[string][]dcql.Presented{"deg": {ok}}); err != nil {
		t.Fatal(err)
	}
	for _, extra := range []string{"/degrees/0/university", "/nationalities/0", "/name"} {
		bad := ok
		bad.Disclosed = append(append([]string(nil), ok.Disclosed...), extra)
		if _, err := dcql.CheckResponse(q, map[string][]dcql.Presented{"deg": {bad}}); !errors.Is(err, dcql.ErrExcessDisclosure) {
			t.Errorf("%s: %v", extra, err)
		}
	}
}
