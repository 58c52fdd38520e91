package did_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

var documentVectors = []string{
	"didjwk-spec-x25519-document.json",
	"didkey-spec-example-document.json",
	"didweb-spec-jws2020-document.json",
}

func TestParseDocumentRoundTrip(t *testing.T) {
	for _, name := range documentVectors {
		t.Run(name, func(t *testing.T) {
			raw := readTestdata(t, name)
			doc, err := did.ParseDocument(raw)
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			// Same JSON value as the source, member for member.
			var a, b any
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &b); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("round trip changed the document:\n%s", out)
			}
			again, err := did.ParseDocument(out)
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, again, doc)
		})
	}
}

func TestParseDocumentKeepsUnknownMembers(t *testing.T) {
	src := `{"@context":"https://www.w3.org/ns/did/v1","id":"did:web:example.com","alsoKnownAs":["https://example.com/?a=1&b=2"],` +
		`"controller":"did:web:example.com","service":[{"id":"#s","type":"LinkedDomains","serviceEndpoint":"https://example.com"}],` +
		`"verificationMethod":[{"id":"#k","type":"JsonWebKey2020","controller":"did:web:example.com","revoked":"2024-01-01T00:00:00Z",` +
		`"publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik","ext":{"n":1.50}}}],"x-extension":123456789012345678901234567890}`
	doc, err := did.ParseDocument([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"alsoKnownAs", "controller", "service", "x-extension"} {
		if doc.Unknown[m] == nil {
			t.Errorf("lost %q", m)
		}
	}
	if doc.VerificationMethod[0].Unknown["revoked"] == nil {
		t.Error("lost revoked")
	}
	out, err := doc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`123456789012345678901234567890`, `1.50`, `?a=1&b=2`} {
		if !strings.Contains(string(out), s) {
			t.Errorf("output lost %s: %s", s, out)
		}
	}
}

func TestParseDocumentRefuses(t *testing.T) {
	many := make([]string, did.MaxMethods+1)
	for i := range many {
		many[i] = fmt.Sprintf(`"#k%d"`, i)
	}
	tests := []struct {
		name, doc string
		want      error
	}{
		{"not an object", `[]`, did.ErrInvalidDocument},
		{"no id", `{}`, did.ErrInvalidDocument},
		{"case-variant id", `{"ID":"did:web:example.com"}`, did.ErrInvalidDocument},
		{"id not a DID", `{"id":"https://example.com"}`, did.ErrInvalidDocument},
		{"id with fragment", `{"id":"did:web:example.com#x"}`, did.ErrInvalidDocument},
		{"id number", `{"id":1}`, did.ErrInvalidDocument},
		{"duplicate member", `{"id":"did:web:a.com","id":"did:web:b.com"}`, strictjson.ErrDuplicateMember},
		{"methods not array", `{"id":"did:web:a.com","verificationMethod":{}}`, did.ErrInvalidDocument},
		{"method not object", `{"id":"did:web:a.com","verificationMethod":["#k"]}`, did.ErrInvalidDocument},
		{"method without type", `{"id":"did:web:a.com","verificationMethod":[{"id":"#k","controller":"did:web:a.com"}]}`, did.ErrInvalidDocument},
		{"jwk not object", `{"id":"did:web:a.com","verificationMethod":[{"id":"#k","type":"JsonWebKey2020","controller":"did:web:a.com","publicKeyJwk":"x"}]}`, did.ErrInvalidDocument},
		{"relationship not array", `{"id":"did:web:a.com","assertionMethod":"#k"}`, did.ErrInvalidDocument},
		{"relationship entry number", `{"id":"did:web:a.com","assertionMethod":[1]}`, did.ErrInvalidDocument},
		{"too many entries", `{"id":"did:web:a.com","assertionMethod":[` + strings.Join(many, ",") + `]}`, did.ErrInvalidDocument},
		{"too deep", `{"id":"did:web:a.com","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, strictjson.ErrTooDeep},
		{"BOM", "\ufeff" + `{"id":"did:web:a.com"}`, strictjson.ErrSyntax},
		{"trailing data", `{"id":"did:web:a.com"} {}`, strictjson.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := did.ParseDocument([]byte(tt.doc))
			wantErr(t, err, tt.want)
		})
	}
}

func TestDocumentClone(t *testing.T) {
	doc, err := did.ParseDocument(readTestdata(t, "didkey-spec-example-document.json"))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(doc)
	c := doc.Clone()
	c.VerificationMethod[0].ID = "x"
	c.KeyAgreement[0].Embedded.Type = "x"
	c.AssertionMethod[0].Ref = "x"
	c.Context[2] = 'X'
	after, _ := json.Marshal(doc)
	if string(before) != string(after) {
		t.Fatal("Clone shares memory with the original")
	}
	var nilDoc *did.Document
	if nilDoc.Clone() != nil {
		t.Fatal("nil clone")
	}
}

func TestParse(t *testing.T) {
	good := []did.DID{
		{Method: "web", ID: "example.com"},
		{Method: "web", ID: "example.com%3A3000:user:alice"},
		{Method: "key", ID: "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
		{Method: "example2", ID: "a:b_c-d.e"},
		{Method: "ion", ID: "::x"},
	}
	for _, want := range good {
		got, err := did.Parse(want.String())
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v", want.String(), got, err)
		}
	}
	for _, s := range []string{"", "did:", "did:web", "did:web:", "did::x", "did:Web:x", "did:we-b:x", "DID:web:x",
		"did:web:x:", "did:web:a b", "did:web:%zz", "did:web:%4", "did:web:x#f", "did:web:x?q", "did:web:x/p",
		"did:web:é", "did:web:" + strings.Repeat("a", did.MaxDIDLength)} {
		_, err := did.Parse(s)
		wantErr(t, err, did.ErrInvalidDID)
	}
}

func TestParseURL(t *testing.T) {
	u, err := did.ParseURL("did:web:example.com#key-1")
	if err != nil || u.DID.String() != "did:web:example.com" || u.Fragment != "key-1" || u.String() != "did:web:example.com#key-1" {
		t.Fatalf("%+v, %v", u, err)
	}
	u, err = did.ParseURL("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
	if err != nil || u.Fragment != "" || u.String() != "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK" {
		t.Fatalf("%+v, %v", u, err)
	}
	_, err = did.ParseURL("#key-1")
	wantErr(t, err, did.ErrRelativeDIDURL)
	for _, s := range []string{"did:web:example.com#", "did:web:example.com#a b", "did:web:example.com#a#b",
		"did:web:example.com#%", "did:web:example.com/path#k", "did:web:example.com?service=x#k",
		"did:web:example.com#" + strings.Repeat("a", 2000), "key-1", "../../x", "' OR 1=1--"} {
		_, err := did.ParseURL(s)
		wantErr(t, err, did.ErrInvalidDID)
	}
}
