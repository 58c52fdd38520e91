package oid4vci_test

import (
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
)

func FuzzParseOfferURI(f *testing.F) {
	for _, name := range []string{"vci-1.0-offer-uri-by-value.txt", "vci-1.0-offer-uri-by-reference.txt", "neg-offer-uri-both.txt"} {
		f.Add(string(testdata(f, name)))
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := oid4vci.ParseOfferURI(s)
		if err != nil {
			return
		}
		if (ref.Offer == nil) == (ref.URI == "") {
			t.Fatalf("exactly one of Offer and URI must be set: %+v", ref)
		}
		if ref.Offer != nil {
			if err := ref.Offer.Validate(); err != nil {
				t.Fatalf("parsed offer does not validate: %v", err)
			}
			again, err := oid4vci.OfferURI(ref.Offer)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oid4vci.ParseOfferURI(again); err != nil {
				t.Fatalf("re-encoded offer does not parse: %v", err)
			}
		}
	})
}

func FuzzParseOffer(f *testing.F) {
	for _, name := range []string{"vci-1.0-credential-offer-multiple-credentials.json", "vci-1.0-credential-offer-by-reference.json", "neg-offer-case-variant.json"} {
		f.Add(testdata(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if o, err := oid4vci.ParseOffer(b); err == nil && o.Validate() != nil {
			t.Fatal("parsed offer does not validate")
		}
	})
}

func FuzzVerifyProof(f *testing.F) {
	f.Add(string(testdata(f, "vci-1.0-proof-jwt-example.txt")))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := oid4vci.VerifyProof(s, oid4vci.ProofPolicy{
			Audience: "https://credential-issuer.example.com", Algs: algs, Now: time.Unix(1701960444, 0),
		})
		if err == nil && (p.Key == nil || p.IssuedAt.IsZero()) {
			t.Fatalf("accepted proof without key or iat: %+v", p)
		}
	})
}

func FuzzParseCredentialRequest(f *testing.F) {
	f.Add([]byte(`{"credential_configuration_id":"skill","proofs":{"jwt":["a.b.c"]}}`))
	f.Add([]byte(`{"credential_identifier":"x","proof":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := oid4vci.ParseCredentialRequest(b)
		if err != nil {
			return
		}
		if (r.CredentialConfigurationID == "") == (r.CredentialIdentifier == "") {
			t.Fatalf("request without exactly one id: %+v", r)
		}
		if r.Proofs != nil && len(r.Proofs.JWT) == 0 {
			t.Fatal("empty proofs accepted")
		}
	})
}

func FuzzParseIssuerMetadata(f *testing.F) {
	f.Add(testdata(f, "vci-1.0-credential-issuer-metadata-sd-jwt-long.json"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if md, err := oid4vci.ParseIssuerMetadata(b, "https://credential-issuer.example.com"); err == nil && md.Validate() != nil {
			t.Fatal("parsed metadata does not validate")
		}
	})
}
