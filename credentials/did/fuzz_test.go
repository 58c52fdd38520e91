package did_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
)

// classed fails the fuzz run if err is not nil and belongs to no class.
func classed(t *testing.T, err error) {
	t.Helper()
	if err != nil && credentials.Class(err) == nil {
		t.Fatalf("error without a class: %v", err)
	}
}

func FuzzResolveJWK(f *testing.F) {
	f.Add(readTestdataString(f, "didjwk-spec-p256.txt"))
	f.Add(readTestdataString(f, "didjwk-spec-x25519.txt"))
	f.Add(jwkDID(`{"kty":"OKP","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik","use":"enc"}`))
	f.Add(jwkDID(`{"kty":"OKP","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik","d":"AAAA"}`))
	f.Add("did:jwk:")
	r := did.NewResolver(nil)
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := did.ResolveJWK(s)
		classed(t, err)
		if err == nil {
			if _, err := json.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}
		for _, kid := range []string{s + "#0", s, s + "#1"} {
			key, err := r.ResolveKey(context.Background(), kid, did.AssertionMethod)
			classed(t, err)
			if err == nil && key.KeyID() != kid {
				t.Fatalf("key ID %q for %q", key.KeyID(), kid)
			}
		}
	})
}

func FuzzResolveKey(f *testing.F) {
	var ed map[string]json.RawMessage
	readTestdataJSON(f, "didkey-test-vectors-ed25519-x25519.extract.json", &ed)
	for d := range ed {
		f.Add(d)
	}
	var nist map[string]json.RawMessage
	readTestdataJSON(f, "didkey-test-vectors-nist-curves.extract.json", &nist)
	for d := range nist {
		f.Add(d)
	}
	f.Add("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")
	f.Add("did:key:z")
	r := did.NewResolver(nil)
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := did.ResolveKey(s)
		classed(t, err)
		kid := s + "#" + strings.TrimPrefix(s, "did:key:")
		key, kerr := r.ResolveKey(context.Background(), kid, did.Authentication)
		classed(t, kerr)
		if err == nil {
			if kerr != nil {
				t.Fatalf("document resolves but key does not: %v", kerr)
			}
			again, err := did.KeyFromPublic(key)
			if err != nil || again != doc.ID {
				t.Fatalf("KeyFromPublic = %q, %v; want %q", again, err, doc.ID)
			}
		}
	})
}

func FuzzParseDocument(f *testing.F) {
	for _, name := range append(documentVectors, "didjwk-spec-p256-document.json") {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"id":"did:web:example.com","verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:web:example.com","publicKeyMultibase":"z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}],"assertionMethod":["#k"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := did.ParseDocument(data)
		classed(t, err)
		if err != nil {
			return
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		again, err := did.ParseDocument(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("unstable round trip:\n%s\n%s", out, out2)
		}
		if !strings.HasPrefix(doc.ID, "did:web:") {
			return
		}
		// Serve it as a did:web document and resolve each method.
		u, err := did.WebURL(doc.ID)
		if err != nil {
			return
		}
		ff := &fakeFetcher{docs: map[string][]byte{u: data}}
		web, err := did.NewWebResolver(ff)
		if err != nil {
			t.Fatal(err)
		}
		r := did.NewResolver(web)
		for _, vm := range doc.VerificationMethod {
			kid := vm.ID
			if strings.HasPrefix(kid, "#") {
				kid = doc.ID + kid
			}
			for _, rel := range []did.Relationship{did.AssertionMethod, did.Authentication} {
				key, err := r.ResolveKey(context.Background(), kid, rel)
				classed(t, err)
				if err == nil && key.KeyID() != kid {
					t.Fatalf("key ID %q for %q", key.KeyID(), kid)
				}
			}
		}
	})
}
