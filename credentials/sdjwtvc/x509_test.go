package sdjwtvc_test

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
)

// x509Fixture is the fixture's issuer certified under a development
// anchor for the host of issuerURL.
type x509Fixture struct {
	*fixture
	anchor, other *pki.Authority
	leaf          *x509.Certificate
}

func newX509Fixture(t *testing.T) *x509Fixture {
	t.Helper()
	f := &x509Fixture{fixture: newFixture(t, jose.ES256)}
	var err error
	for _, a := range []**pki.Authority{&f.anchor, &f.other} {
		if *a, err = pki.NewDevAuthority(pki.AuthorityConfig{NotBefore: f.now.Add(-48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	f.leaf = f.certify(t, f.anchor, f.issuer.Public(), f.now.Add(-24*time.Hour), "assessor.example")
	return f
}

func (f *x509Fixture) certify(t *testing.T, a *pki.Authority, k *jose.PublicKey, notBefore time.Time, dns string) *x509.Certificate {
	t.Helper()
	c, err := a.Issue(k.Crypto(), pki.LeafConfig{DNSNames: []string{dns}, NotBefore: notBefore, Validity: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *x509Fixture) verifier(t *testing.T, keys sdjwtvc.KeyResolver) *sdjwtvc.Verifier {
	t.Helper()
	v, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithClock(func() time.Time { return f.now }))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func anchorSet(t *testing.T, a *pki.Authority) *pki.Anchors {
	t.Helper()
	s, err := pki.NewAnchors(a.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestX509Keys: the Inline X.509 Certificates mechanism (HAIP 1.0 issuer
// key resolution) with its hostile inputs.
func TestX509Keys(t *testing.T) {
	f := newX509Fixture(t)
	trusted := sdjwtvc.X509Keys{Anchors: anchorSet(t, f.anchor)}
	static := sdjwtvc.StaticKeys{issuerURL: {f.issuer.Public()}}
	withX5C := func(chain ...*x509.Certificate) func(*sdjwtvc.Credential) {
		return func(c *sdjwtvc.Credential) { c.X5C = pki.X5C(chain) }
	}
	otherKey := newKey(t, jose.ES256)
	expired := f.certify(t, f.anchor, f.issuer.Public(), f.now.Add(-60*24*time.Hour), "assessor.example")
	notYet := f.certify(t, f.anchor, f.issuer.Public(), f.now.Add(time.Hour), "assessor.example")
	otherName := f.certify(t, f.anchor, f.issuer.Public(), f.now.Add(-time.Hour), "evil.example")

	tests := []struct {
		name    string
		keys    sdjwtvc.KeyResolver
		mod     func(*sdjwtvc.Credential)
		kbX5C   bool
		wantErr error
		class   error
		// certified: Result.CertifiedBy names the leaf and the anchor.
		certified bool
	}{
		{name: "x5c to a trusted anchor", keys: trusted, mod: withX5C(f.leaf), certified: true},
		{name: "x5c in a chain of mechanisms", keys: sdjwtvc.Chain{trusted, static}, mod: withX5C(f.leaf), certified: true},
		{name: "no x5c falls through to the next mechanism", keys: sdjwtvc.Chain{trusted, static}},
		{name: "x5c ignored without anchors", keys: sdjwtvc.Chain{sdjwtvc.X509Keys{}, static}, mod: withX5C(f.leaf)},
		{name: "x5c ignored by a resolver without the capability", keys: static, mod: withX5C(f.leaf)},
		{name: "no x5c and nothing else", keys: trusted, wantErr: sdjwtvc.ErrUnknownIssuerKey, class: credentials.ErrTrust},
		{name: "chain to an untrusted anchor", keys: sdjwtvc.X509Keys{Anchors: anchorSet(t, f.other)}, mod: withX5C(f.leaf), wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "untrusted chain is not rescued by a static key", keys: sdjwtvc.Chain{sdjwtvc.X509Keys{Anchors: anchorSet(t, f.other)}, static}, mod: withX5C(f.leaf), wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "x5c carrying the anchor", keys: trusted, mod: withX5C(f.leaf, f.anchor.Cert), wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "expired leaf", keys: trusted, mod: withX5C(expired), wantErr: pki.ErrExpired, class: credentials.ErrClaim},
		{name: "not-yet-valid leaf", keys: trusted, mod: withX5C(notYet), wantErr: pki.ErrNotYetValid, class: credentials.ErrClaim},
		{name: "iss not a SAN of the leaf", keys: trusted, mod: withX5C(otherName), wantErr: sdjwtvc.ErrIssuerMismatch, class: credentials.ErrTrust},
		{name: "iss a DID with x5c", keys: trusted, mod: func(c *sdjwtvc.Credential) { withX5C(f.leaf)(c); c.Issuer = "did:web:assessor.example" }, wantErr: pki.ErrNameMismatch, class: credentials.ErrTrust},
		{name: "iss http with x5c", keys: trusted, mod: func(c *sdjwtvc.Credential) { withX5C(f.leaf)(c); c.Issuer = "http://assessor.example" }, wantErr: sdjwtvc.ErrIssuerMismatch, class: credentials.ErrTrust},
		{name: "leaf certifies another key", keys: trusted, mod: withX5C(f.certify(t, f.anchor, otherKey.Public(), f.now.Add(-time.Hour), "assessor.example")), class: credentials.ErrSignature},
		{name: "garbage x5c", keys: trusted, mod: func(c *sdjwtvc.Credential) { c.X5C = []string{"bm90IGEgY2VydGlmaWNhdGU="} }, wantErr: pki.ErrMalformed, class: credentials.ErrFormat},
		{name: "too many certificates", keys: trusted, mod: func(c *sdjwtvc.Credential) {
			c.X5C = pki.X5C([]*x509.Certificate{f.leaf, f.leaf, f.leaf, f.leaf, f.leaf, f.leaf, f.leaf, f.leaf, f.leaf, f.leaf, f.leaf})
		}, wantErr: pki.ErrTooManyCertificates, class: credentials.ErrLimit},
		{name: "x5c in a KB-JWT", keys: trusted, mod: withX5C(f.leaf), kbX5C: true, wantErr: sdjwt.ErrKeyBindingJWT, class: credentials.ErrKeyBinding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pres := f.present(t, f.issue(t, tt.mod), sdjwt.Selection{})
			if tt.kbX5C {
				pres = kbWithX5C(t, pres, f.holder, pki.X5C([]*x509.Certificate{f.leaf}))
			}
			res, err := f.verifier(t, tt.keys).Verify(context.Background(), pres, kbPolicy)
			if tt.class == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if !res.IssuerKey.Equal(f.issuer.Public()) || res.Issuer != issuerURL {
					t.Fatalf("issuer %q key %v", res.Issuer, res.IssuerKey)
				}
				switch c := res.CertifiedBy; {
				case !tt.certified && c != nil:
					t.Fatalf("CertifiedBy %s set for a key not resolved from the x5c", c.Subject())
				case tt.certified && c == nil:
					t.Fatal("CertifiedBy not set")
				case tt.certified && (!c.Leaf.Equal(f.leaf) || !c.Anchor.Equal(f.anchor.Cert) || len(c.Chain) != 1 || !c.Chain[0].Equal(f.leaf)):
					t.Fatalf("CertifiedBy leaf %s anchor %s chain %d", c.Subject(), c.Anchor.Subject, len(c.Chain))
				case tt.certified && (c.AnchorID() != pki.X509Hash(f.anchor.Cert) || len(c.AuthorityKeyIDs()) != 1 || string(c.AuthorityKeyIDs()[0]) != string(f.anchor.Cert.SubjectKeyId)):
					t.Fatalf("CertifiedBy anchor ID %s, authority key IDs %x", c.AnchorID(), c.AuthorityKeyIDs())
				}
				return
			}
			if res != nil || !errors.Is(err, tt.class) || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want %v (%v)", err, tt.wantErr, tt.class)
			}
		})
	}
}

// kbWithX5C replaces the KB-JWT of a presentation by one with the same
// payload, signed by the holder, whose header carries an x5c.
func kbWithX5C(t *testing.T, pres string, holder *jose.PrivateKey, x5c []string) string {
	t.Helper()
	i := strings.LastIndex(pres, "~")
	kb, err := jose.ParseCompact(pres[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jose.Sign(holder.WithKeyID(""), sdjwt.TypKB, map[string]any{"x5c": x5c}, kb.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return pres[:i+1] + tok
}

// statusRecorder is a status checker that records how it was asked.
type statusRecorder struct {
	plain     int
	certified []*sdjwtvc.Certification
}

func (s *statusRecorder) CheckStatus(context.Context, string, sdjwtvc.StatusRef) error {
	s.plain++
	return nil
}

// certifiedRecorder adds the CertifiedStatusChecker capability.
type certifiedRecorder struct{ *statusRecorder }

func (s certifiedRecorder) CheckCertifiedStatus(_ context.Context, _ string, c *sdjwtvc.Certification, _ sdjwtvc.StatusRef) error {
	s.certified = append(s.certified, c)
	return nil
}

// TestX509Status: the status of a credential whose issuer key came from
// its x5c is checked through CertifiedStatusChecker with the
// certification; a checker without that capability refuses it (STATUS),
// so that the list is never verified by a key found another way. A
// credential whose key came from elsewhere is checked as before.
func TestX509Status(t *testing.T) {
	f := newX509Fixture(t)
	trusted := sdjwtvc.Chain{sdjwtvc.X509Keys{Anchors: anchorSet(t, f.anchor)}, sdjwtvc.StaticKeys{issuerURL: {f.issuer.Public()}}}
	status := func(c *sdjwtvc.Credential) {
		c.Status = &sdjwtvc.StatusRef{Index: 7, URI: "https://assessor.example/status/1"}
	}
	withX5C := func(c *sdjwtvc.Credential) { status(c); c.X5C = pki.X5C([]*x509.Certificate{f.leaf}) }
	tests := []struct {
		name          string
		mod           func(*sdjwtvc.Credential)
		capable       bool
		wantErr       error
		plain, certif int
	}{
		{name: "certified issuer, capable checker", mod: withX5C, capable: true, certif: 1},
		{name: "certified issuer, checker without the capability", mod: withX5C, wantErr: sdjwtvc.ErrStatusUncertified},
		{name: "issuer by static key, capable checker", mod: status, capable: true, plain: 1},
		{name: "issuer by static key, plain checker", mod: status, plain: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &statusRecorder{}
			var checker sdjwtvc.StatusChecker = rec
			cr := certifiedRecorder{rec}
			if tt.capable {
				checker = &cr
			}
			v, err := sdjwtvc.NewVerifier(trusted, sdjwtvc.WithClock(func() time.Time { return f.now }), sdjwtvc.WithStatusChecker(checker))
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(context.Background(), f.present(t, f.issue(t, tt.mod), sdjwt.Selection{}), kbPolicy)
			if tt.wantErr != nil {
				if res != nil || !errors.Is(err, tt.wantErr) || !errors.Is(err, credentials.ErrStatus) {
					t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || !res.StatusChecked {
				t.Fatalf("Verify: %v (checked %v)", err, res != nil && res.StatusChecked)
			}
			if rec.plain != tt.plain || len(cr.certified) != tt.certif {
				t.Fatalf("plain checks %d, certified %d; want %d, %d", rec.plain, len(cr.certified), tt.plain, tt.certif)
			}
			if tt.certif > 0 && cr.certified[0] != res.CertifiedBy {
				t.Fatal("the checker was not given the credential's certification")
			}
		})
	}
}
