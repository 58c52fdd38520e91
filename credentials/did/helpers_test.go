package did_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
)

// readTestdata returns the bytes of testdata/name.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTestdataString returns testdata/name without surrounding space.
func readTestdataString(t testing.TB, name string) string {
	t.Helper()
	return strings.TrimSpace(string(readTestdata(t, name)))
}

// readTestdataJSON decodes testdata/name into v.
func readTestdataJSON(t testing.TB, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(readTestdata(t, name), v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// wantErr checks that err is want (errors.Is) and belongs to a class.
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	if credentials.Class(err) == nil {
		t.Fatalf("error %v has no class", err)
	}
}
