package statuslist_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/statuslist"
)

func TestParseReference(t *testing.T) {
	const uri = `"https://example.com/statuslists/1"`
	ref := func(idx string) string { return `{"status_list":{"idx":` + idx + `,"uri":` + uri + `}}` }
	tests := []struct {
		name    string
		in      string
		wantIdx int
		want    error
		class   error
	}{
		{"spec example", ref("0"), 0, nil, nil},
		{"other members ignored", `{"other":1,"status_list":{"idx":412,"uri":` + uri + `,"x":true}}`, 412, nil, nil},
		{"largest index", ref("134217727"), 134217727, nil, nil},
		{"idx 2^63", ref("9223372036854775808"), 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"idx 2^64+", ref("99999999999999999999999"), 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"idx past any list", ref("134217728"), 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"idx -1", ref("-1"), 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"idx -0", ref("-0"), 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"idx 1.5", ref("1.5"), 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"idx 1.0", ref("1.0"), 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"idx 1e2", ref("1e2"), 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{`idx "7"`, ref(`"7"`), 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"idx null", ref("null"), 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"idx missing", `{"status_list":{"uri":` + uri + `}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri missing", `{"status_list":{"idx":1}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri number", `{"status_list":{"idx":1,"uri":5}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri http", `{"status_list":{"idx":1,"uri":"http://example.com/1"}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri relative", `{"status_list":{"idx":1,"uri":"/statuslists/1"}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri user info", `{"status_list":{"idx":1,"uri":"https://u:p@example.com/1"}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri fragment", `{"status_list":{"idx":1,"uri":"https://example.com/1#x"}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri opaque", `{"status_list":{"idx":1,"uri":"https:example.com"}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"uri too long", `{"status_list":{"idx":1,"uri":"https://example.com/` + strings.Repeat("a", 3000) + `"}}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"no status_list", `{"other":{}}`, 0, statuslist.ErrMissingReference, credentials.ErrClaim},
		{"status_list not object", `{"status_list":[1]}`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"status not object", `"x"`, 0, statuslist.ErrMalformed, credentials.ErrFormat},
		{"status null", `null`, 0, statuslist.ErrMissingReference, credentials.ErrClaim},
		{"duplicate idx", `{"status_list":{"idx":1,"idx":2,"uri":` + uri + `}}`, 0, nil, credentials.ErrFormat},
		{"not JSON", `{`, 0, nil, credentials.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := statuslist.ParseReference([]byte(tt.in))
			wantErr(t, err, tt.want, tt.class)
			if err == nil && (r.Idx != tt.wantIdx || r.URI != "https://example.com/statuslists/1") {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

// TestReferenceFromClaimFloat accepts values decoded by encoding/json
// without UseNumber, within float64's exact integers only.
func TestReferenceFromClaimFloat(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"status_list":{"idx":1993,"uri":"https://example.com/statuslists/1"}}`), &v); err != nil {
		t.Fatal(err)
	}
	r, err := statuslist.ReferenceFromClaim(v)
	if err != nil || r.Idx != 1993 {
		t.Fatalf("got %+v, %v", r, err)
	}
	for _, f := range []float64{1.5, -1, 1 << 60} {
		_, err := statuslist.ReferenceFromClaim(map[string]any{"status_list": map[string]any{"idx": f, "uri": "https://example.com/1"}})
		wantErr(t, err, statuslist.ErrMalformed, credentials.ErrFormat)
	}
	_, err = statuslist.ReferenceFromClaim(map[string]any{"status_list": map[string]any{"idx": 1, "uri": "https://example.com/1"}})
	wantErr(t, err, statuslist.ErrMalformed, credentials.ErrFormat) // an int is not a decoded JSON value
}
