package oid4vci_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/internal/jose"
)

// testdata returns a testdata file, trimmed of surrounding white space.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSpace(string(b)))
}

func newKey(t testing.TB, alg jose.Alg) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
