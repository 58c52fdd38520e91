package dcql_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
)

func TestSpecExamplesParseAndRoundTrip(t *testing.T) {
	for name, data := range specQueries(t) {
		t.Run(name, func(t *testing.T) {
			q, err := dcql.Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			again, err := dcql.Parse(mustJSON(t, q))
			if err != nil {
				t.Fatalf("Parse(Marshal): %v", err)
			}
			if !reflect.DeepEqual(q, again) {
				t.Fatalf("round trip changed the query:\n%#v\n%#v", q, again)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	q := mustParse(t, "vp-1.0-dcql-credentials-alternatives.json")
	if len(q.Credentials) != 5 || len(q.CredentialSets) != 2 {
		t.Fatalf("got %d credentials, %d sets", len(q.Credentials), len(q.CredentialSets))
	}
	if !q.CredentialSets[0].IsRequired() || q.CredentialSets[1].IsRequired() {
		t.Fatal("required defaults wrong")
	}
	pid := q.Credentials[0]
	if pid.ID != "pid" || pid.Format != dcql.FormatSDJWTVC || pid.Multiple || !pid.HolderBindingRequired() {
		t.Fatalf("pid: %+v", pid)
	}
	if got := pid.Claims[2].Path; !reflect.DeepEqual(got, []any{"address", "street_address"}) {
		t.Fatalf("path %v", got)
	}

	q2, err := dcql.Parse([]byte(`{"credentials":[{"id":"x","format":"dc+sd-jwt","meta":{"vct_values":["v"]},
		"multiple":true,"require_cryptographic_holder_binding":false,
		"trusted_authorities":[{"type":"aki","values":["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}],
		"claims":[{"id":"d","path":["degrees",null,"type"],"values":["Master",3,true]},{"path":["n",0]}],
		"future_member":{"ignored":true}}], "also_ignored": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	c := q2.Credentials[0]
	if !c.Multiple || c.HolderBindingRequired() || c.TrustedAuthorities[0].Type != "aki" {
		t.Fatalf("%+v", c)
	}
	if !reflect.DeepEqual(c.Claims[0].Path, []any{"degrees", nil, "type"}) || !reflect.DeepEqual(c.Claims[1].Path, []any{"n", 0}) {
		t.Fatalf("paths %v %v", c.Claims[0].Path, c.Claims[1].Path)
	}
	if !reflect.DeepEqual(c.Claims[0].Values, []any{"Master", int64(3), true}) {
		t.Fatalf("values %#v", c.Claims[0].Values)
	}
	out := string(mustJSON(t, q2))
	for _, want := range []string{`"require_cryptographic_holder_binding":false`, `"path":["degrees",null,"type"]`, `"multiple":true`} {
		if !strings.Contains(out, want) {
			t.Errorf("marshalled query lacks %s: %s", want, out)
		}
	}
}

func TestUnmarshalJSONIsStrict(t *testing.T) {
	var v struct {
		Q dcql.Query `json:"dcql_query"`
	}
	err := jsonUnmarshal(`{"dcql_query":{"credentials":[{"id":"a","id":"b","format":"dc+sd-jwt","meta":{"vct_values":["v"]}}]}}`, &v)
	if !errors.Is(err, dcql.ErrSyntax) {
		t.Fatalf("duplicate member: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	const meta = `"meta":{"vct_values":["v"]}`
	cred := func(extra string) string {
		return `{"credentials":[{"id":"c","format":"dc+sd-jwt",` + meta + extra + `}]}`
	}
	tests := []struct {
		name, in string
		want     error
		field    string
	}{
		{"not JSON", `{`, dcql.ErrSyntax, "(query)"},
		{"not an object", `[]`, dcql.ErrSyntax, "(query)"},
		{"duplicate member", `{"credentials":[],"credentials":[]}`, dcql.ErrSyntax, "(query)"},
		{"no credentials", `{}`, dcql.ErrMissing, "credentials"},
		{"empty credentials", `{"credentials":[]}`, dcql.ErrMissing, "credentials"},
		{"case-variant member", `{"Credentials":[{"id":"c","format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrMissing, "credentials"},
		{"no id", `{"credentials":[{"format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrMissing, "credentials[0].id"},
		{"empty id", `{"credentials":[{"id":"","format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrBadID, "credentials[0].id"},
		{"id with a dot", `{"credentials":[{"id":"a.b","format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrBadID, "credentials[0].id"},
		{"id with a space", `{"credentials":[{"id":"a b","format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrBadID, "credentials[0].id"},
		{"non-ASCII id", `{"credentials":[{"id":"é","format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrBadID, "credentials[0].id"},
		{"duplicate id", `{"credentials":[{"id":"c","format":"dc+sd-jwt",` + meta + `},{"id":"c","format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrDuplicate, "credentials[1].id"},
		{"id a number", `{"credentials":[{"id":1,"format":"dc+sd-jwt",` + meta + `}]}`, dcql.ErrSyntax, "credentials[0].id"},
		{"no format", `{"credentials":[{"id":"c",` + meta + `}]}`, dcql.ErrMissing, "credentials[0].format"},
		{"no meta", `{"credentials":[{"id":"c","format":"dc+sd-jwt"}]}`, dcql.ErrMissing, "credentials[0].meta"},
		{"meta not an object", `{"credentials":[{"id":"c","format":"dc+sd-jwt","meta":[]}]}`, dcql.ErrSyntax, "credentials[0].meta"},
		{"sd-jwt without vct_values", `{"credentials":[{"id":"c","format":"dc+sd-jwt","meta":{}}]}`, dcql.ErrMissing, "credentials[0].meta.vct_values"},
		{"empty vct_values", `{"credentials":[{"id":"c","format":"dc+sd-jwt","meta":{"vct_values":[]}}]}`, dcql.ErrMissing, "credentials[0].meta.vct_values"},
		{"mdoc without doctype", `{"credentials":[{"id":"c","format":"mso_mdoc","meta":{}}]}`, dcql.ErrMissing, "credentials[0].meta.doctype_value"},
		{"mdoc path of one", `{"credentials":[{"id":"c","format":"mso_mdoc","meta":{"doctype_value":"d"},"claims":[{"path":["x"]}]}]}`, dcql.ErrBadPath, "credentials[0].claims[0].path"},
		{"multiple not a bool", cred(`,"multiple":"yes"`), dcql.ErrSyntax, "credentials[0].multiple"},
		{"holder binding not a bool", cred(`,"require_cryptographic_holder_binding":0`), dcql.ErrSyntax, "credentials[0].require_cryptographic_holder_binding"},
		{"empty claims", cred(`,"claims":[]`), dcql.ErrMissing, "credentials[0].claims"},
		{"claim without path", cred(`,"claims":[{"id":"a"}]`), dcql.ErrMissing, "credentials[0].claims[0].path"},
		{"empty path", cred(`,"claims":[{"path":[]}]`), dcql.ErrBadPath, "credentials[0].claims[0].path"},
		{"negative index", cred(`,"claims":[{"path":["a",-1]}]`), dcql.ErrBadPath, "credentials[0].claims[0].path[1]"},
		{"fractional index", cred(`,"claims":[{"path":["a",1.5]}]`), dcql.ErrBadPath, "credentials[0].claims[0].path[1]"},
		{"exponent index", cred(`,"claims":[{"path":["a",1e2]}]`), dcql.ErrBadPath, "credentials[0].claims[0].path[1]"},
		{"huge index", cred(`,"claims":[{"path":["a",99999999999999999999]}]`), dcql.ErrBadPath, "credentials[0].claims[0].path[1]"},
		{"bool in path", cred(`,"claims":[{"path":[true]}]`), dcql.ErrBadPath, "credentials[0].claims[0].path[0]"},
		{"object in path", cred(`,"claims":[{"path":[{}]}]`), dcql.ErrBadPath, "credentials[0].claims[0].path[0]"},
		{"path not an array", cred(`,"claims":[{"path":"a"}]`), dcql.ErrSyntax, "credentials[0].claims[0].path"},
		{"same path twice", cred(`,"claims":[{"path":["a"]},{"path":["a"]}]`), dcql.ErrDuplicate, "credentials[0].claims[1].path"},
		{"empty values", cred(`,"claims":[{"path":["a"],"values":[]}]`), dcql.ErrMissing, "credentials[0].claims[0].values"},
		{"float value", cred(`,"claims":[{"path":["a"],"values":[1.5]}]`), dcql.ErrBadValue, "credentials[0].claims[0].values[0]"},
		{"null value", cred(`,"claims":[{"path":["a"],"values":[null]}]`), dcql.ErrBadValue, "credentials[0].claims[0].values[0]"},
		{"object value", cred(`,"claims":[{"path":["a"],"values":[{}]}]`), dcql.ErrBadValue, "credentials[0].claims[0].values[0]"},
		{"bad claim id", cred(`,"claims":[{"id":"a/b","path":["a"]}]`), dcql.ErrBadID, "credentials[0].claims[0].id"},
		{"duplicate claim id", cred(`,"claims":[{"id":"a","path":["a"]},{"id":"a","path":["b"]}]`), dcql.ErrDuplicate, "credentials[0].claims[1].id"},
		{"claim_sets without claims", cred(`,"claim_sets":[["a"]]`), dcql.ErrUnknownReference, "credentials[0].claim_sets"},
		{"claim_sets needs claim ids", cred(`,"claims":[{"path":["a"]}],"claim_sets":[["a"]]`), dcql.ErrBadID, "credentials[0].claims[0].id"},
		{"claim_sets unknown id", cred(`,"claims":[{"id":"a","path":["a"]}],"claim_sets":[["b"]]`), dcql.ErrUnknownReference, "credentials[0].claim_sets[0][0]"},
		{"empty claim_sets", cred(`,"claims":[{"id":"a","path":["a"]}],"claim_sets":[]`), dcql.ErrMissing, "credentials[0].claim_sets"},
		{"empty claim set option", cred(`,"claims":[{"id":"a","path":["a"]}],"claim_sets":[[]]`), dcql.ErrMissing, "credentials[0].claim_sets[0]"},
		{"empty trusted_authorities", cred(`,"trusted_authorities":[]`), dcql.ErrMissing, "credentials[0].trusted_authorities"},
		{"trusted authority without values", cred(`,"trusted_authorities":[{"type":"aki"}]`), dcql.ErrMissing, "credentials[0].trusted_authorities[0].values"},
		{"empty credential_sets", `{"credentials":[{"id":"c","format":"dc+sd-jwt",` + meta + `}],"credential_sets":[]}`, dcql.ErrMissing, "credential_sets"},
		{"credential set without options", `{"credentials":[{"id":"c","format":"dc+sd-jwt",` + meta + `}],"credential_sets":[{}]}`, dcql.ErrMissing, "credential_sets[0].options"},
		{"credential set unknown id", `{"credentials":[{"id":"c","format":"dc+sd-jwt",` + meta + `}],"credential_sets":[{"options":[["d"]]}]}`, dcql.ErrUnknownReference, "credential_sets[0].options[0][0]"},
		{"required not a bool", `{"credentials":[{"id":"c","format":"dc+sd-jwt",` + meta + `}],"credential_sets":[{"options":[["c"]],"required":"no"}]}`, dcql.ErrSyntax, "credential_sets[0].required"},
		{"too many credentials", `{"credentials":[` + strings.Repeat(`{},`, dcql.MaxCredentialQueries) + `{}]}`, dcql.ErrQueryLimit, "credentials"},
		{"path too long", cred(`,"claims":[{"path":[` + strings.Repeat(`"a",`, dcql.MaxPathLength) + `"a"]}]`), dcql.ErrQueryLimit, "credentials[0].claims[0].path"},
		{"document too large", `{"credentials":"` + strings.Repeat("a", dcql.MaxQueryBytes) + `"}`, dcql.ErrQueryLimit, "(query)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dcql.Parse([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if credentials.Class(err) == nil {
				t.Fatalf("error %v has no class", err)
			}
			fe, ok := dcql.IsFieldError(err)
			if !ok || fe.Field != tc.field {
				t.Fatalf("field = %v, want %q", fe, tc.field)
			}
		})
	}
}

func TestValidateBuiltQuery(t *testing.T) {
	q := dcql.Query{Credentials: []dcql.CredentialQuery{{
		ID: "skill", Format: dcql.FormatSDJWTVC,
		Meta:   dcql.Meta{VCTValues: []string{"https://paspoort.loopbrug.nl/vct/skill/v1"}},
		Claims: []dcql.ClaimsQuery{{Path: []any{"skill"}}, {Path: []any{"proficiency"}, Values: []any{4, int64(5)}}},
	}}}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	q.Credentials[0].Claims[1].Path = []any{"proficiency", -1}
	if err := q.Validate(); !errors.Is(err, dcql.ErrBadPath) {
		t.Fatalf("negative int index: %v", err)
	}
	q.Credentials[0].Claims[1].Path = []any{"proficiency", 1.0}
	if err := q.Validate(); !errors.Is(err, dcql.ErrBadPath) {
		t.Fatalf("float index: %v", err)
	}
	q.Credentials[0].Claims[1].Path = []any{"proficiency"}
	q.Credentials[0].Claims[1].Values = []any{4.5}
	if err := q.Validate(); !errors.Is(err, dcql.ErrBadValue) {
		t.Fatalf("float value: %v", err)
	}
	if err := (&dcql.Query{}).Validate(); !errors.Is(err, dcql.ErrMissing) {
		t.Fatalf("empty query: %v", err)
	}
}
