package statuslist_test

import (
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

//go:embed testdata
var testdata embed.FS

// vector is a status list test vector from the TSL (testdata/tsl-*.json).
type vector struct {
	Name     string
	Source   string         `json:"source"`
	Bits     int            `json:"bits"`
	Lst      string         `json:"lst"`
	Bytes    string         `json:"bytes"` // hex; only for the short examples
	Size     int            `json:"size"`
	Statuses map[string]int `json:"statuses"`
}

func (v vector) claim() statuslist.StatusListClaim {
	return statuslist.StatusListClaim{Bits: v.Bits, Lst: v.Lst}
}

// want returns the expected statuses by index.
func (v vector) want(t testing.TB) map[int]statuslist.Status {
	t.Helper()
	m := make(map[int]statuslist.Status, len(v.Statuses))
	for k, s := range v.Statuses {
		i, err := strconv.Atoi(k)
		if err != nil {
			t.Fatalf("%s: index %q: %v", v.Name, k, err)
		}
		m[i] = statuslist.Status(s)
	}
	return m
}

func (v vector) rawBytes(t testing.TB) []byte {
	t.Helper()
	b, err := hex.DecodeString(v.Bytes)
	if err != nil {
		t.Fatalf("%s: bytes: %v", v.Name, err)
	}
	return b
}

var vectorFiles = []string{
	"tsl-example-1bit.json",
	"tsl-example-2bit.json",
	"tsl-test-vector-1bit.json",
	"tsl-test-vector-2bit.json",
}

func loadVector(t testing.TB, name string) vector {
	t.Helper()
	var v vector
	loadJSON(t, name, &v)
	v.Name = name
	return v
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// negativeCase is one entry of testdata/tsl-negative-status-lists.json.
type negativeCase struct {
	Name  string `json:"name"`
	Bits  int    `json:"bits"`
	Lst   string `json:"lst"`
	Class string `json:"class"`
}

func loadNegatives(t testing.TB) []negativeCase {
	t.Helper()
	var f struct {
		Cases []negativeCase `json:"cases"`
	}
	loadJSON(t, "tsl-negative-status-lists.json", &f)
	return f.Cases
}

// classes maps SECURITY.md's class names to the credentials classes.
var classes = map[string]error{
	"FMT": credentials.ErrFormat, "ALG": credentials.ErrAlg, "SIG": credentials.ErrSignature,
	"TRUST": credentials.ErrTrust, "TYP": credentials.ErrType, "CLAIM": credentials.ErrClaim,
	"STATUS": credentials.ErrStatus, "LIMIT": credentials.ErrLimit,
}

// wantErr fails t unless err matches want and its class, and every error
// has a class.
func wantErr(t testing.TB, err, want, class error) {
	t.Helper()
	if want == nil && class == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("error %q is not %q", err, want)
	}
	if class != nil && !errors.Is(err, class) {
		t.Fatalf("error %q is not of class %q", err, class)
	}
	if credentials.Class(err) == nil {
		t.Fatalf("error %q has no class", err)
	}
}

func genKey(t testing.TB, alg jose.Alg) *jose.PrivateKey {
	t.Helper()
	k, err := jose.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
