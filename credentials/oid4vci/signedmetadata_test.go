package oid4vci_test

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// TestSignedMetadata: signed Credential Issuer Metadata (VCI §12.2.3, HAIP
// 1.0 §4.1) round-trips, and the wallet refuses every signer it cannot
// establish trust in and every claim that does not fit.
func TestSignedMetadata(t *testing.T) {
	const iss = "https://issuer.example/school"
	now := time.Now()
	auth, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := pki.NewAnchors(auth.Cert)
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t, jose.ES256)
	chainOf := func(a *pki.Authority, uri string) []string {
		leaf, err := a.Issue(key.Signer().Public(), pki.LeafConfig{URIs: []string{uri}})
		if err != nil {
			t.Fatal(err)
		}
		return pki.X5C([]*x509.Certificate{leaf})
	}
	md := &oid4vci.IssuerMetadata{CredentialIssuer: iss, CredentialEndpoint: iss + "/credential",
		CredentialConfigurationsSupported: map[string]oid4vci.CredentialConfiguration{"skill": {Format: oid4vci.FormatSDJWTVC, VCT: "https://example.org/vct/skill", Scope: "skill"}}}
	sign := func(x5c []string, md *oid4vci.IssuerMetadata, at time.Time, ttl time.Duration) string {
		tok, err := oid4vci.SignMetadata(key, x5c, md, at, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(chainOf(auth, iss), md, now, time.Hour)
	got, err := oid4vci.VerifySignedMetadata(good, iss, anchors, []jose.Alg{jose.ES256}, now)
	if err != nil || got.CredentialEndpoint != iss+"/credential" || got.CredentialConfigurationsSupported["skill"].Scope != "skill" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	otherMD := *md
	otherMD.CredentialIssuer = "https://evil.example"
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + jose.EncodeSegment([]byte(`{"sub":"`+iss+`","iat":1}`)) + "." + parts[2]
	for _, tc := range []struct {
		name      string
		raw       string
		want      error
		wantClass error
	}{
		{"chain to another anchor", sign(chainOf(other, iss), md, now, time.Hour), pki.ErrUntrusted, credentials.ErrTrust},
		{"leaf names another issuer", sign(chainOf(auth, "https://other.example"), md, now, time.Hour), oid4vci.ErrSignedMetadata, credentials.ErrTrust},
		{"sub is another issuer", sign(chainOf(auth, iss), &otherMD, now, time.Hour), oid4vci.ErrSignedMetadata, credentials.ErrTrust},
		{"expired", sign(chainOf(auth, iss), md, now.Add(-2*time.Hour), time.Hour), oid4vci.ErrSignedMetadata, credentials.ErrTrust},
		{"issued in the future", sign(chainOf(auth, iss), md, now.Add(time.Hour), 2*time.Hour), oid4vci.ErrSignedMetadata, credentials.ErrTrust},
		{"tampered payload", tampered, oid4vci.ErrSignedMetadata, credentials.ErrSignature},
		{"no x5c", func() string {
			tok, _ := jose.Sign(key, oid4vci.SignedMetadataTyp, nil, []byte(`{"sub":"`+iss+`"}`))
			return tok
		}(), oid4vci.ErrSignedMetadata, credentials.ErrTrust},
		{"another typ", func() string {
			tok, _ := jose.Sign(key, "JWT", map[string]any{"x5c": chainOf(auth, iss)}, []byte(`{"sub":"`+iss+`"}`))
			return tok
		}(), oid4vci.ErrSignedMetadata, credentials.ErrType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oid4vci.VerifySignedMetadata(tc.raw, iss, anchors, []jose.Alg{jose.ES256}, now)
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.wantClass) {
				t.Fatalf("err = %v, want %v (class %v)", err, tc.want, tc.wantClass)
			}
		})
	}
}
