package sdjwt_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
)

// readVector loads a test vector from testdata, trimmed.
func readVector(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read vector: %v", err)
	}
	return strings.TrimSpace(string(b))
}

func rfcIssuerKey(t testing.TB) *jose.PublicKey {
	t.Helper()
	k, err := jose.ParsePublicKey([]byte(readVector(t, "rfc9901-A.5-issuer-key.json")))
	if err != nil {
		t.Fatalf("parse RFC issuer key: %v", err)
	}
	return k
}

func newKey(t testing.TB, alg jose.Alg) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(alg)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return k
}

// encodeDisclosure builds a disclosure from raw elements, for crafted tests.
func encodeDisclosure(t testing.TB, elems ...any) string {
	t.Helper()
	b, err := json.Marshal(elems)
	if err != nil {
		t.Fatal(err)
	}
	return jose.EncodeSegment(b)
}

// signed signs payload as an Issuer-signed JWT and appends the disclosures,
// so tests can build SD-JWTs that Issue would never make.
func signed(t testing.TB, key *jose.PrivateKey, payload string, discs ...string) string {
	t.Helper()
	jwt, err := jose.Sign(key, "dc+sd-jwt", nil, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString(jwt)
	sb.WriteByte('~')
	for _, d := range discs {
		sb.WriteString(d)
		sb.WriteByte('~')
	}
	return sb.String()
}

func digestOf(d string) string {
	return sdjwt.Digest(d)
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
