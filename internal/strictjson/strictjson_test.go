package strictjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

func TestDecodeAgreesWithEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0.5e+10`, `"x"`,
		`{"a":[1,2,{"b":null}],"c":"\u00e9\n\t\"\\\/","d":1e300,"e":-12345678901234567890}`,
		`"\ud83d\ude00 and a pair \ud83d\ude01"`,
		` { "sp" : [ 1 , 2 ] } `,
		`{"A":1,"a":2}`,
	}
	for _, d := range docs {
		t.Run(d, func(t *testing.T) {
			got, err := strictjson.Decode([]byte(d))
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(strings.NewReader(d))
			dec.UseNumber()
			var want any
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestRefuses(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"duplicate member", `{"alg":"ES256","alg":"none"}`, strictjson.ErrDuplicateMember},
		{"duplicate after unescaping", `{"alg":1,"\u0061lg":2}`, strictjson.ErrDuplicateMember},
		{"nested duplicate", `{"a":{"b":1,"b":1}}`, strictjson.ErrDuplicateMember},
		{"duplicate in a large object", `{` + manyMembers(40) + `,"m0":1}`, strictjson.ErrDuplicateMember},
		{"too deep", strings.Repeat("[", 65) + strings.Repeat("]", 65), strictjson.ErrTooDeep},
		{"1M deep", strings.Repeat("[", 1<<20-1), strictjson.ErrTooDeep},
		{"invalid UTF-8", "\"\xff\"", strictjson.ErrSyntax},
		{"BOM", "\uFEFF{}", strictjson.ErrSyntax},
		{"UTF-16", "\x00{\x00}", strictjson.ErrSyntax},
		{"trailing data", `{} {}`, strictjson.ErrSyntax},
		{"trailing comma", `[1,]`, strictjson.ErrSyntax},
		{"raw control", "\"a\x01\"", strictjson.ErrSyntax},
		{"bad escape", `"\x"`, strictjson.ErrSyntax},
		{"lone high surrogate", `"a \ud83d b"`, strictjson.ErrSyntax},
		{"lone low surrogate", `"\ude00"`, strictjson.ErrSyntax},
		{"high surrogate at the end", `"\ud83d"`, strictjson.ErrSyntax},
		{"high surrogate then not a low one", `"\ud83d\u0041"`, strictjson.ErrSyntax},
		{"leading zero", `01`, strictjson.ErrSyntax},
		{"empty", ``, strictjson.ErrSyntax},
		{"NaN", `NaN`, strictjson.ErrSyntax},
		{"single quotes", `{'a':1}`, strictjson.ErrSyntax},
		{"too large", `"` + strings.Repeat("a", 1<<20) + `"`, strictjson.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			err := strictjson.Unmarshal([]byte(tc.doc), &v)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if credentials.Class(err) == nil {
				t.Fatalf("error %v has no class", err)
			}
		})
	}
}

func manyMembers(n int) string {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"m` + string(rune('0'+i%10)) + strings.Repeat("x", i/10) + `":1`)
	}
	return b.String()
}

func TestUnmarshalStruct(t *testing.T) {
	var v struct {
		Alg string `json:"alg"`
		N   int    `json:"n"`
	}
	if err := strictjson.Unmarshal([]byte(`{"alg":"ES256","n":3}`), &v); err != nil || v.Alg != "ES256" || v.N != 3 {
		t.Fatalf("got %+v, %v", v, err)
	}
	if err := strictjson.Unmarshal([]byte(`{"alg":"ES256","alg":"x"}`), &v); !errors.Is(err, credentials.ErrFormat) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzDecode checks Decode against encoding/json: whatever Decode accepts,
// encoding/json decodes to the same value; and every error has a class.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",null,true]}`, `"\u00e9"`, `[{"...":"x"}]`, `{"a":1,"a":2}`, `["salt","name",{"x":"\u00e9"}]`, `["s","v"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := strictjson.Decode(data)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
		// The owned decoders see the same document as Decode.
		owned := bytes.Clone(data)
		gotOwned, err := strictjson.DecodeOwned(owned)
		if err != nil || !reflect.DeepEqual(gotOwned, want) {
			t.Fatalf("DecodeOwned = %#v, %v; want %#v", gotOwned, err, want)
		}
		if arr, ok := want.([]any); ok {
			var headArr [3]string
			head, rest, err := strictjson.DecodeArrayHead(headArr[:0], nil, bytes.Clone(owned))
			if err != nil {
				t.Fatalf("DecodeArrayHead refuses an array Decode accepts: %v", err)
			}
			if len(head)+len(rest) != len(arr) {
				t.Fatalf("DecodeArrayHead: %d+%d elements, want %d", len(head), len(rest), len(arr))
			}
			for i, h := range head {
				if arr[i] != h {
					t.Fatalf("DecodeArrayHead head[%d] = %q, want %#v", i, h, arr[i])
				}
			}
			if len(rest) > 0 && !reflect.DeepEqual(rest, arr[len(head):]) {
				t.Fatalf("DecodeArrayHead rest = %#v, want %#v", rest, arr[len(head):])
			}
		}
	})
}

func TestMarshalAgreesWithEncodingJSON(t *testing.T) {
	values := []any{
		map[string]any{"b": 1, "a": []any{"x\"y\\z\n\t\x01<>&\u2028é", true, nil, json.Number("1.5e3")}, "c": 2.5, "d": int64(-7), "e": 3.0},
		"\xff invalid", []any{}, map[string]any{},
		struct {
			A string `json:"a"`
		}{"<b>"},
	}
	for _, v := range values {
		got, err := strictjson.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(buf.String(), "\n"); string(got) != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	if _, err := strictjson.Marshal(json.Number("1e")); !errors.Is(err, credentials.ErrFormat) {
		t.Errorf("invalid json.Number: err = %v", err)
	}
}
