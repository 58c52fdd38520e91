package dcql_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
)

// TestResolveSpecExample applies the claims path pointers of OpenID4VP 1.0
// §7.3 to the spec's example credential.
func TestResolveSpecExample(t *testing.T) {
	claims := claimsOf(t, string(readVector(t, "vp-1.0-claims-path-example.json")))
	tests := []struct {
		path     []any
		pointers []string
		values   []any
	}{
		{[]any{"name"}, []string{"/name"}, []any{"Arthur Dent"}},
		{[]any{"address", "street_address"}, []string{"/address/street_address"}, []any{"42 Market Street"}},
		{[]any{"degrees", nil, "type"}, []string{"/degrees/0/type", "/degrees/1/type"}, []any{"Bachelor of Science", "Master of Science"}},
		{[]any{"nationalities", 1}, []string{"/nationalities/1"}, []any{"Betelgeusian"}},
	}
	for _, tc := range tests {
		got, err := dcql.Resolve(claims, tc.path)
		if err != nil {
			t.Fatalf("%v: %v", tc.path, err)
		}
		var ptrs []string
		var vals []any
		for _, c := range got {
			ptrs = append(ptrs, c.Pointer)
			vals = append(vals, c.Value)
		}
		if !reflect.DeepEqual(ptrs, tc.pointers) || !reflect.DeepEqual(vals, tc.values) {
			t.Errorf("%v: got %v %v", tc.path, ptrs, vals)
		}
	}
	addr, err := dcql.Resolve(claims, []any{"address"})
	if err != nil || len(addr) != 1 {
		t.Fatalf("address: %v", err)
	}
	if _, ok := addr[0].Value.(map[string]any); !ok {
		t.Fatalf("address value %T", addr[0].Value)
	}
}

func TestResolveErrors(t *testing.T) {
	claims := claimsOf(t, `{"a":{"b":1},"arr":[1,{"x":2}],"a/b":{"~c":3}}`)
	for _, path := range [][]any{
		{"missing"},
		{"a", "missing"},
		{"a", 0},          // index on an object
		{"a", nil},        // null on an object
		{"arr", "x"},      // key on an array
		{"arr", 5},        // index past the end
		{"arr", nil, "x"}, // key applied to the number 1
		{},
	} {
		if _, err := dcql.Resolve(claims, path); !errors.Is(err, dcql.ErrNoClaim) || !errors.Is(err, credentials.ErrClaim) {
			t.Errorf("%v: %v", path, err)
		}
	}
	got, err := dcql.Resolve(claims, []any{"a/b", "~c"})
	if err != nil || got[0].Pointer != "/a~1b/~0c" {
		t.Fatalf("escaping: %v %v", got, err)
	}
}

func TestValueMatches(t *testing.T) {
	claims := claimsOf(t, `{"s":"6","n":6,"f":6.5,"e":6e0,"b":true,"z":null}`)
	tests := []struct {
		name   string
		values []any
		want   bool
	}{
		{"s", []any{"6"}, true},
		{"s", []any{6}, false},
		{"n", []any{int64(6)}, true},
		{"n", []any{6}, true},
		{"n", []any{"6"}, false},
		{"n", []any{true}, false},
		{"f", []any{6}, false},
		{"e", []any{6}, false},
		{"b", []any{true}, true},
		{"b", []any{"true"}, false},
		{"z", []any{"null"}, false},
	}
	for _, tc := range tests {
		if got := dcql.ValueMatches(claims[tc.name], tc.values); got != tc.want {
			t.Errorf("%s %v: got %v", tc.name, tc.values, got)
		}
	}
}
