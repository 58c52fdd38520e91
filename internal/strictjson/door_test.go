package strictjson_test

// The evidence for "one JSON door" (issue 16): internal/strictjson against
// github.com/go-json-experiment/json (the basis of encoding/json/v2) on
// the inputs paspoort parses, for strictness (TestDoorStrictness) and
// speed (BenchmarkDoor). docs/json.md records the outcome.

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// libDecode is the library path at its strictest: duplicate names and
// invalid UTF-8 refused (its defaults, set explicitly), one value only.
func libDecode(b []byte) (any, error) {
	var v any
	err := jsonv2.Unmarshal(b, &v, jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false))
	return v, err
}

func b64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// doorInputs are the real shapes: an SD-JWT VC payload with 20 digests, a
// disclosure, an OpenID4VP response's vp_token, a DCQL query, and a
// document of about the largest size accepted.
func doorInputs() map[string][]byte {
	var sd []string
	for range 20 {
		sd = append(sd, `"`+b64(32)+`"`)
	}
	payload := `{"_sd":[` + strings.Join(sd, ",") + `],"iss":"https://assessor.example","iat":1764930000,"exp":1796466000,"vct":"https://paspoort.loopbrug.nl/vct/skill/v1","_sd_alg":"sha-256",` +
		`"cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"` + b64(32) + `","y":"` + b64(32) + `"}},"status":{"status_list":{"idx":4711,"uri":"https://assessor.example/status/1"}}}`
	disclosure := `["` + b64(16) + `","skill","http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b"]`
	var pres []string
	for range 3 {
		pres = append(pres, `"`+b64(600)+"~"+b64(60)+"~"+b64(60)+"~"+b64(200)+`"`)
	}
	vpToken := `{"level":[` + pres[0] + `],"goal":[` + pres[1] + `],"skill_feedback":[` + pres[2] + `]}`
	dcql := `{"credentials":[{"id":"level","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/level/v1"]},"claims":[{"path":["nlqf_level"]}]},` +
		`{"id":"goal","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/goal/v1"]},"claims":[{"path":["target_sector"],"values":["education"]}]}],` +
		`"credential_sets":[{"options":[["level"]],"required":false},{"options":[["goal"]],"required":false}]}`
	var big strings.Builder
	big.WriteString("[")
	for big.Len() < limits.MaxJSONBytes-200 {
		if big.Len() > 1 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"name":"%s","score":%d}`, b64(24), big.Len()%100)
	}
	big.WriteString("]")
	return map[string][]byte{"sdjwt-payload-20": []byte(payload), "disclosure": []byte(disclosure), "vp-token": []byte(vpToken), "dcql": []byte(dcql), "1MiB-array": []byte(big.String())}
}

// TestDoorStrictness: every input the library refuses, strictjson refuses
// too; and the inputs only strictjson refuses are listed (the library
// accepts them), which is why strictjson stays.
func TestDoorStrictness(t *testing.T) {
	deep := strings.Repeat("[", limits.MaxJSONDepth+1) + strings.Repeat("]", limits.MaxJSONDepth+1)
	tests := []struct {
		name      string
		in        string
		libAccept bool // what go-json-experiment does
	}{
		{"duplicate name", `{"a":1,"a":2}`, false},
		{"duplicate name after unescaping", `{"a":1,"\u0061":2}`, false},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", false},
		{"lone surrogate escape", `{"a":"\ud800"}`, false},
		{"trailing data", `{"a":1} {}`, false},
		{"byte order mark", "\ufeff{}", false},
		{"nested beyond 64", deep, true},
		{"larger than 1 MiB", `"` + strings.Repeat("a", limits.MaxJSONBytes) + `"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, libErr := libDecode([]byte(tt.in))
			_, ourErr := strictjson.Decode([]byte(tt.in))
			if (libErr == nil) != tt.libAccept {
				t.Errorf("library: %v (want accepted=%v)", libErr, tt.libAccept)
			}
			if ourErr == nil {
				t.Errorf("strictjson accepted it")
			}
		})
	}
	// The real inputs decode the same way through both (numbers aside:
	// the library gives float64, strictjson json.Number, which keeps an
	// integer such as an iat exact).
	for name, in := range doorInputs() {
		_, libErr := libDecode(in)
		_, ourErr := strictjson.Decode(in)
		if libErr != nil || ourErr != nil {
			t.Errorf("%s: library %v, strictjson %v", name, libErr, ourErr)
		}
	}
	if _, err := strictjson.Decode([]byte(deep)); !errors.Is(err, strictjson.ErrTooDeep) {
		t.Errorf("deep: %v", err)
	}
}

// BenchmarkDoor decodes each real input into a generic value through both
// paths. Run: go test -run '^$' -bench Door -count 6 ./internal/strictjson/
func BenchmarkDoor(b *testing.B) {
	for name, in := range doorInputs() {
		for _, path := range []struct {
			name string
			fn   func([]byte) (any, error)
		}{{"strictjson", strictjson.Decode}, {"jsonv2", libDecode}} {
			b.Run(name+"/"+path.name, func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := path.fn(in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
