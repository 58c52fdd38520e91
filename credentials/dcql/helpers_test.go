package dcql_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// readVector returns a file from testdata.
func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// specQueries returns the spec's DCQL examples by file name.
func specQueries(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "vp-1.0-dcql-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no spec vectors: %v", err)
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		out[filepath.Base(f)] = readVector(t, filepath.Base(f))
	}
	return out
}

func mustParse(t testing.TB, name string) dcql.Query {
	t.Helper()
	q, err := dcql.Parse(readVector(t, name))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return q
}

// claimsOf decodes JSON claims the way sdjwt's processing yields them.
func claimsOf(t testing.TB, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := strictjson.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
