package registry_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

var update = flag.Bool("update", false, "write the testdata register files again")

// The example register in testdata: register-v1.jwt signed by the key of
// register-key.json (public), valid from t0 for ten years;
// register-v1.json is its payload, indented.
const (
	exampleJWT = "testdata/register-v1.jwt"
	exampleKey = "testdata/register-key.json"
	exampleDoc = "testdata/register-v1.json"
)

func TestTestdataExample(t *testing.T) {
	if *update {
		k := newKey(t)
		d := baseDoc(k)
		d.Expires = t0.AddDate(10, 0, 0).Unix()
		tok := sign(t, d, k)
		pub, _ := json.Marshal(k.Public())
		doc, _ := json.MarshalIndent(d, "", "  ")
		parts := strings.Split(tok, ".")
		payload, _ := jose.DecodeSegment(parts[1])
		tampered := parts[0] + "." + jose.EncodeSegment([]byte(strings.Replace(string(payload), "Toetsbureau", "Nepbureau", 1))) + "." + parts[2]
		algNone := jose.EncodeSegment([]byte(`{"alg":"none","typ":"`+registry.Type+`","kid":"`+k.KeyID()+`"}`)) + "." + parts[1] + "."
		wrongTyp, err := jose.Sign(k, "JWT", nil, payload)
		if err != nil {
			t.Fatal(err)
		}
		expired := baseDoc(k)
		expired.Expires = t0.Add(-time.Hour).Unix()
		expired.IssuedAt = t0.Add(-48 * time.Hour).Unix()
		files := map[string][]byte{exampleJWT: []byte(tok + "\n"), exampleKey: append(pub, '\n'), exampleDoc: append(doc, '\n'),
			"testdata/register-v1-tampered.jwt": []byte(tampered + "\n"), "testdata/register-v1-alg-none.jwt": []byte(algNone + "\n"),
			"testdata/register-v1-wrong-typ.jwt": []byte(wrongTyp + "\n"), "testdata/register-v1-expired.jwt": []byte(sign(t, expired, k) + "\n")}
		for name, b := range files {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	key, err := jose.ParsePublicKey(mustRead(t, exampleKey))
	if err != nil {
		t.Fatal(err)
	}
	f, err := registry.NewFollower([]*jose.PublicKey{key}, registry.WithConsortium("https://register.example.nl"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Accept(mustRead(t, exampleJWT), t0)
	if err != nil {
		t.Fatalf("the example register: %v", err)
	}
	d, err := registry.Parse(mustRead(t, exampleDoc))
	if err != nil {
		t.Fatalf("the example document: %v", err)
	}
	if d.Version != r.Version || d.Prev != r.Prev || len(d.Issuers) != len(r.Issuers) {
		t.Fatal("register-v1.json is not the payload of register-v1.jwt")
	}
	if _, err := f.Accept(mustRead(t, exampleJWT), t0.AddDate(11, 0, 0)); !errors.Is(err, registry.ErrExpired) {
		t.Fatalf("the example after ten years: %v", err)
	}
}

// negativeVectors are the refused registers in testdata, all signed (or
// not) as if by the example key, with the class each is refused with.
var negativeVectors = []struct {
	file    string
	wantErr error
}{
	{"testdata/register-v1-tampered.jwt", credentials.ErrSignature},
	{"testdata/register-v1-alg-none.jwt", credentials.ErrAlg},
	{"testdata/register-v1-wrong-typ.jwt", credentials.ErrType},
	{"testdata/register-v1-expired.jwt", registry.ErrExpired},
}

func TestTestdataNegative(t *testing.T) {
	key, err := jose.ParsePublicKey(mustRead(t, exampleKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range negativeVectors {
		t.Run(tt.file, func(t *testing.T) {
			f, err := registry.NewFollower([]*jose.PublicKey{key})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Accept(mustRead(t, tt.file), t0); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Accept = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestParseRefusesBadDocuments(t *testing.T) {
	good := string(mustRead(t, exampleDoc))
	tests := []struct {
		name, from, to string
		wantErr        error
	}{
		{"http consortium", `"https://register.example.nl"`, `"http://register.example.nl"`, registry.ErrMalformed},
		{"version 0", `"version": 1`, `"version": 0`, registry.ErrMalformed},
		{"prev on version 1", `"prev": ""`, `"prev": "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"`, registry.ErrMalformed},
		{"unknown issuer kind", `"kind": "assessor"`, `"kind": "beoordelaar"`, registry.ErrMalformed},
		{"unknown PPP type", `"learning"`, `"diploma"`, registry.ErrMalformed},
		{"bare DID client_id", `"decentralized_identifier:did:web:pabo.example.nl"`, `"did:web:pabo.example.nl"`, registry.ErrMalformed},
		{"redirect_uri client_id", `"decentralized_identifier:did:web:pabo.example.nl"`, `"redirect_uri:https://pabo.example.nl/response"`, registry.ErrMalformed},
		{"x509_hash client_id of another length", `"decentralized_identifier:did:web:pabo.example.nl"`, `"x509_hash:abc"`, registry.ErrMalformed},
		{"bad range", `"1.x"`, `"~1"`, registry.ErrBadRange},
		{"no English name", `"en": "Test consortium"`, `"en": ""`, registry.ErrMalformed},
		{"private key", `"kty"`, `"d": "AAAA", "kty"`, credentials.ErrFormat},
		{"exp before iat", `"exp": 2111745600`, `"exp": 1`, registry.ErrMalformed},
		{"unknown member", `"prev": ""`, `"prev": "", "note": "x"`, registry.ErrMalformed},
		{"duplicated member", `"prev": ""`, `"prev": "", "prev": ""`, credentials.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(good, tt.from, tt.to, 1)
			if bad == good {
				t.Fatalf("%q not in the example", tt.from)
			}
			if _, err := registry.Parse([]byte(bad)); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestSignRefuses: Sign validates before it signs and takes ES256 only.
func TestSignRefuses(t *testing.T) {
	ed, err := jose.GenerateKey(jose.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	k := newKey(t)
	bad := baseDoc(k)
	bad.Issuers = append(bad.Issuers, bad.Issuers[0])
	if _, err := registry.Sign(baseDoc(k), ed); !errors.Is(err, credentials.ErrAlg) {
		t.Fatalf("Sign with EdDSA: %v", err)
	}
	if _, err := registry.Sign(bad, k); !errors.Is(err, registry.ErrDuplicateMember) {
		t.Fatalf("Sign a duplicated issuer: %v", err)
	}
}
