package dcql_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
)

// FuzzParse feeds arbitrary documents to Parse: no panic, every error a
// *FieldError of a class, and every accepted query survives a round trip and
// can be matched.
func FuzzParse(f *testing.F) {
	for _, data := range specQueries(f) {
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(`{"credentials":[{"id":"c","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"id":"a","path":["a",null,0]}],"claim_sets":[["a"]]}]}`))
	f.Add([]byte(`{"credentials":[{"id":"c","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"claims":[{"path":["a"],"values":[1,"x",true]}]}],"credential_sets":[{"options":[["c"]],"required":false}]}`))
	f.Add([]byte(`{"credentials":[{"id":"c","format":"dc+sd-jwt","meta":{"vct_values":["v"]},"trusted_authorities":[{"type":"aki","values":["s9tIpPmhxdiuNkHMEWNpYim8S8Y","%%"]},{"type":"etsi_tl","values":["x"]}]}]}`))
	claims := claimsOf(f, string(readVector(f, "vp-1.0-claims-path-example.json")))
	// The key identifier of the spec's aki example, and another.
	akis := [][]byte{{0xb3, 0xdb, 0x48, 0xa4, 0xf9, 0xa1, 0xc5, 0xd8, 0xae, 0x36, 0x41, 0xcc, 0x11, 0x63, 0x69, 0x62, 0x29, 0xbc, 0x4b, 0xc6}, {1}}
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := dcql.Parse(data)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without class: %v", err)
			}
			var fe *dcql.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error is no *FieldError: %v", err)
			}
			return
		}
		again, err := dcql.Parse(mustJSON(t, q))
		if err != nil || !reflect.DeepEqual(q, again) {
			t.Fatalf("round trip: %v", err)
		}
		c := dcql.Candidate{ID: "c", Format: dcql.FormatSDJWTVC, Claims: claims, HolderBinding: true, AuthorityKeyIDs: akis}
		if len(q.Credentials[0].Meta.VCTValues) > 0 {
			c.VCT = q.Credentials[0].Meta.VCTValues[0]
		}
		if _, err := dcql.Match(q, []dcql.Candidate{c}); err != nil && !errors.Is(err, dcql.ErrNotSatisfiable) {
			t.Fatalf("Match on a valid query: %v", err)
		}
	})
}
