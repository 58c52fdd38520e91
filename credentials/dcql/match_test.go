package dcql_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
)

const (
	vctPID      = "https://credentials.example.com/identity_credential"
	vctOtherPID = "https://othercredentials.example/pid"
	vctReduced  = "https://credentials.example.com/reduced_identity_credential"
	vctResident = "https://cred.example/residence_credential"
	vctRewards  = "https://company.example/company_rewards"
)

func cand(t testing.TB, id, vct, claims string) dcql.Candidate {
	return dcql.Candidate{ID: id, Format: dcql.FormatSDJWTVC, VCT: vct, Claims: claimsOf(t, claims), HolderBinding: true}
}

func presentationIDs(r dcql.Result) map[string][]string {
	out := map[string][]string{}
	for id, ms := range r.Presentation {
		for _, m := range ms {
			out[id] = append(out[id], m.CandidateID)
		}
	}
	return out
}

func TestMatchSimple(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-simple.json")
	full := cand(t, "full", vctPID, `{"family_name":"Doe","given_name":"John","address":{"street_address":"1 Main St","locality":"X"},"birthdate":"1940-01-01"}`)
	noStreet := cand(t, "nostreet", vctPID, `{"family_name":"Doe","given_name":"John","address":{"locality":"X"}}`)
	otherType := cand(t, "other", vctOtherPID, `{"family_name":"Doe","given_name":"John","address":{"street_address":"1 Main St"}}`)
	unbound := full
	unbound.ID, unbound.HolderBinding = "unbound", false
	mdoc := full
	mdoc.ID, mdoc.Format = "mdoc", dcql.FormatMdoc

	res, err := dcql.Match(q, []dcql.Candidate{noStreet, otherType, unbound, mdoc, full})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Satisfied || len(res.Matches["my_credential"]) != 1 {
		t.Fatalf("%+v", res)
	}
	m := res.Presentation["my_credential"][0]
	if m.CandidateID != "full" || m.Candidate != 4 || m.ClaimSet != -1 {
		t.Fatalf("%+v", m)
	}
	if want := []string{"/family_name", "/given_name", "/address/street_address"}; !reflect.DeepEqual(m.Paths, want) {
		t.Fatalf("paths %v", m.Paths)
	}
	if m.Claims[0].Value != "Doe" {
		t.Fatalf("claims %v", m.Claims)
	}

	res, err = dcql.Match(q, []dcql.Candidate{noStreet, otherType, unbound})
	if !errors.Is(err, dcql.ErrNotSatisfiable) || !errors.Is(err, credentials.ErrClaim) {
		t.Fatalf("err %v", err)
	}
	if res.Satisfied || len(res.Presentation) != 0 || !reflect.DeepEqual(res.Missing, []string{"my_credential"}) {
		t.Fatalf("%+v", res)
	}
}

func TestMatchHolderBindingWaived(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-simple.json")
	q.Credentials[0].RequireCryptographicHolderBinding = dcql.Bool(false)
	c := cand(t, "c", vctPID, `{"family_name":"Doe","given_name":"John","address":{"street_address":"1"}}`)
	c.HolderBinding = false
	if _, err := dcql.Match(q, []dcql.Candidate{c}); err != nil {
		t.Fatal(err)
	}
}

func TestMatchClaimSetsPreference(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-claims-alternatives.json")
	// Has both options: the first (a,c,d,e) is preferred.
	both := cand(t, "both", vctPID, `{"last_name":"Doe","postal_code":"90210","locality":"Beverly Hills","region":"CA","date_of_birth":"1970-01-01","other":1}`)
	// Only the second option (a,b,e).
	second := cand(t, "second", vctPID, `{"last_name":"Doe","postal_code":"90210","date_of_birth":"1970-01-01"}`)
	// Neither: no date_of_birth.
	neither := cand(t, "neither", vctPID, `{"last_name":"Doe","postal_code":"90210","locality":"L","region":"R"}`)

	res, err := dcql.Match(q, []dcql.Candidate{neither, second, both})
	if err != nil {
		t.Fatal(err)
	}
	ms := res.Matches["pid"]
	if len(ms) != 2 {
		t.Fatalf("matches %+v", ms)
	}
	if ms[0].CandidateID != "second" || ms[0].ClaimSet != 1 || !reflect.DeepEqual(ms[0].Paths, []string{"/last_name", "/postal_code", "/date_of_birth"}) {
		t.Fatalf("second: %+v", ms[0])
	}
	if ms[1].CandidateID != "both" || ms[1].ClaimSet != 0 || !reflect.DeepEqual(ms[1].Paths, []string{"/last_name", "/locality", "/region", "/date_of_birth"}) {
		t.Fatalf("both: %+v", ms[1])
	}
	if got := presentationIDs(res); !reflect.DeepEqual(got, map[string][]string{"pid": {"second"}}) {
		t.Fatalf("presentation %v", got)
	}
}

func TestMatchValues(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-value-matching-simple.json")
	ok := cand(t, "ok", vctPID, `{"family_name":"Doe","given_name":"J","address":{"street_address":"s"},"postal_code":"90211"}`)
	wrongPostal := cand(t, "wrong", vctPID, `{"family_name":"Doe","given_name":"J","address":{"street_address":"s"},"postal_code":"10001"}`)
	numberPostal := cand(t, "number", vctPID, `{"family_name":"Doe","given_name":"J","address":{"street_address":"s"},"postal_code":90210}`)
	res, err := dcql.Match(q, []dcql.Candidate{wrongPostal, numberPostal, ok})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches["my_credential"]) != 1 || res.Presentation["my_credential"][0].CandidateID != "ok" {
		t.Fatalf("%+v", res.Matches)
	}

	// Values with a wildcard path keep only the matching elements.
	q2 := dcql.Query{Credentials: []dcql.CredentialQuery{{
		ID: "deg", Format: dcql.FormatSDJWTVC, Meta: dcql.Meta{VCTValues: []string{vctPID}},
		Claims: []dcql.ClaimsQuery{{Path: []any{"degrees", nil, "type"}, Values: []any{"Master of Science"}}},
	}}}
	c := cand(t, "c", vctPID, string(readVector(t, "vp-1.0-claims-path-example.json")))
	res, err = dcql.Match(q2, []dcql.Candidate{c})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Presentation["deg"][0].Paths; !reflect.DeepEqual(got, []string{"/degrees/1/type"}) {
		t.Fatalf("paths %v", got)
	}
}

func TestMatchCredentialSets(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-credentials-alternatives.json")
	pid := cand(t, "pid", vctPID, `{"given_name":"A","family_name":"B","address":{"street_address":"S"}}`)
	other := cand(t, "other", vctOtherPID, `{"given_name":"A","family_name":"B","address":{"street_address":"S"}}`)
	reduced := cand(t, "reduced", vctReduced, `{"given_name":"A","family_name":"B"}`)
	resident := cand(t, "resident", vctResident, `{"postal_code":"1","locality":"L","region":"R"}`)
	rewards := cand(t, "rewards", vctRewards, `{"rewards_number":42}`)

	tests := []struct {
		name    string
		creds   []dcql.Candidate
		want    map[string][]string
		missing []string
	}{
		{"first option preferred", []dcql.Candidate{other, pid}, map[string][]string{"pid": {"pid"}}, nil},
		{"second option", []dcql.Candidate{other, reduced}, map[string][]string{"other_pid": {"other"}}, nil},
		{"third option needs both", []dcql.Candidate{reduced, resident}, map[string][]string{"pid_reduced_cred_1": {"reduced"}, "pid_reduced_cred_2": {"resident"}}, nil},
		{"optional set added when available", []dcql.Candidate{rewards, pid}, map[string][]string{"pid": {"pid"}, "nice_to_have": {"rewards"}}, nil},
		{"optional alone is not enough", []dcql.Candidate{rewards, reduced}, nil, []string{"pid", "other_pid", "pid_reduced_cred_2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := dcql.Match(q, tc.creds)
			if tc.missing != nil {
				if !errors.Is(err, dcql.ErrNotSatisfiable) || !reflect.DeepEqual(res.Missing, tc.missing) {
					t.Fatalf("err %v missing %v", err, res.Missing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := presentationIDs(res); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("presentation %v, want %v", got, tc.want)
			}
		})
	}
	res, _ := dcql.Match(q, []dcql.Candidate{pid, other, reduced, resident})
	if !reflect.DeepEqual(res.Sets[0].Satisfiable, []int{0, 1, 2}) || res.Sets[0].Chosen != 0 || res.Sets[1].Chosen != -1 || res.Sets[1].Required {
		t.Fatalf("sets %+v", res.Sets)
	}
}

func TestMatchMultiple(t *testing.T) {
	q := dcql.Query{Credentials: []dcql.CredentialQuery{{
		ID: "skills", Format: dcql.FormatSDJWTVC, Multiple: true,
		Meta:   dcql.Meta{VCTValues: []string{"https://paspoort.loopbrug.nl/vct/skill/v1"}},
		Claims: []dcql.ClaimsQuery{{Path: []any{"skill"}}, {Path: []any{"proficiency"}}},
	}}}
	var creds []dcql.Candidate
	for _, id := range []string{"s1", "s2", "s3"} {
		creds = append(creds, cand(t, id, "https://paspoort.loopbrug.nl/vct/skill/v1", `{"skill":"http://data.europa.eu/esco/skill/x","proficiency":3}`))
	}
	res, err := dcql.Match(q, creds)
	if err != nil {
		t.Fatal(err)
	}
	if got := presentationIDs(res)["skills"]; !reflect.DeepEqual(got, []string{"s1", "s2", "s3"}) {
		t.Fatalf("multiple: %v", got)
	}
	q.Credentials[0].Multiple = false
	res, err = dcql.Match(q, creds)
	if err != nil {
		t.Fatal(err)
	}
	if got := presentationIDs(res)["skills"]; !reflect.DeepEqual(got, []string{"s1"}) {
		t.Fatalf("single: %v", got)
	}
}

func TestMatchNoClaimsDisclosesNothing(t *testing.T) {
	q := dcql.Query{Credentials: []dcql.CredentialQuery{{ID: "any", Format: dcql.FormatSDJWTVC, Meta: dcql.Meta{VCTValues: []string{vctPID}}}}}
	res, err := dcql.Match(q, []dcql.Candidate{cand(t, "c", vctPID, `{"given_name":"A"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Presentation["any"][0]; len(m.Paths) != 0 || m.ClaimSet != -1 {
		t.Fatalf("%+v", m)
	}
}

func TestMatchInvalidQuery(t *testing.T) {
	_, err := dcql.Match(dcql.Query{}, nil)
	if !errors.Is(err, dcql.ErrInvalidQuery) {
		t.Fatal(err)
	}
}
