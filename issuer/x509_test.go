package issuer_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// certifyCurrentKey is a wrap for startIssuerWith: it certifies the key
// the issuer will sign with under a, for the issuer URL as a URI SAN (a
// loopback issuer has an IP host, which is no dNSName), and puts the chain
// into *cfg before New reads it.
func certifyCurrentKey(t *testing.T, a *pki.Authority, cfg **issuer.Config) func(issuer.Store) issuer.Store {
	return func(s issuer.Store) issuer.Store {
		k, err := issuer.CurrentKey(context.Background(), s, "")
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := a.Issue(k.Crypto(), pki.LeafConfig{URIs: []string{(*cfg).URL}})
		if err != nil {
			t.Fatal(err)
		}
		(*cfg).X5CChain = []*x509.Certificate{leaf}
		return s
	}
}

func devAuthority(t *testing.T) *pki.Authority {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestIssuerX5C: an issuer with a chain signs every SD-JWT VC and its
// status list tokens with an x5c header that validates to the anchor
// (sdjwtvc.X509Keys, iss matched to the leaf's URI SAN;
// statuslist.Checker.CheckCertifiedStatus) and is refused under another
// anchor (TRUST; STATUS for the list); rotating the
// key is refused with ErrRotateWithChain (409 on the admin API).
func TestIssuerX5C(t *testing.T) {
	a := devAuthority(t)
	var cfg *issuer.Config
	e := startIssuerWith(t, func(c *issuer.Config) { cfg = c }, certifyCurrentKey(t, a, &cfg))
	ctx := context.Background()

	offer := e.createOffer(t, map[string]any{"type": "skill", "claims": example(t, "skill")})
	_, tok, er := e.token(t, preAuthCode(t, offer.OfferURI), nil)
	if er != nil {
		t.Fatalf("token: %+v", er)
	}
	holder, _ := jose.GenerateKey(jose.ES256)
	proof, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, cr, er := e.credential(t, tok.AccessToken, "skill", proof)
	if er != nil {
		t.Fatalf("credential: %+v", er)
	}
	raw := cr.Credentials[0].Credential

	anchors, err := pki.NewAnchors(a.Cert)
	if err != nil {
		t.Fatal(err)
	}
	// Keys from x5c only; the status list token's from JWT VC Issuer
	// Metadata.
	checker, err := statuslist.NewChecker(e.Fetcher, &sdjwtvc.MetadataKeys{Fetcher: e.Fetcher})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sdjwtvc.NewVerifier(sdjwtvc.X509Keys{Anchors: anchors}, sdjwtvc.WithStatusChecker(checker))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyIssued(ctx, raw, holder.Public())
	if err != nil {
		t.Fatalf("x5c under the issuer's anchor: %v", err)
	}
	if res.Issuer != e.URL || !res.StatusChecked || !res.IssuerKey.Equal(e.Issuer.PublicKeys()[0]) || res.CertifiedBy == nil {
		t.Fatalf("result: issuer %q, certified %v", res.Issuer, res.CertifiedBy != nil)
	}
	// The status list token carries the chain too (HAIP 1.0 §7): checked
	// above under the credential's anchor, refused under another; a plain
	// check (the DID profile's) still takes its key from the metadata.
	otherAuthority := devAuthority(t)
	underOther := &sdjwtvc.Certification{Leaf: res.CertifiedBy.Leaf, Chain: res.CertifiedBy.Chain, Anchor: otherAuthority.Cert}
	if err := checker.CheckCertifiedStatus(ctx, e.URL, underOther, *res.Status); !errors.Is(err, statuslist.ErrListRejected) || !errors.Is(err, pki.ErrUntrusted) || !errors.Is(err, credentials.ErrStatus) {
		t.Fatalf("status list under another anchor: %v, want ErrListRejected, pki.ErrUntrusted (STATUS)", err)
	}
	if err := checker.CheckStatus(ctx, e.URL, *res.Status); err != nil {
		t.Fatalf("plain status check of the x5c-signed list: %v", err)
	}

	other, err := pki.NewAnchors(otherAuthority.Cert)
	if err != nil {
		t.Fatal(err)
	}
	v, err = sdjwtvc.NewVerifier(sdjwtvc.X509Keys{Anchors: other}, sdjwtvc.WithStatusChecker(checker))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyIssued(ctx, raw, holder.Public()); !errors.Is(err, pki.ErrUntrusted) || !errors.Is(err, credentials.ErrTrust) {
		t.Fatalf("x5c under another anchor: %v, want pki.ErrUntrusted (TRUST)", err)
	}

	if _, err := e.Issuer.RotateKey(ctx); !errors.Is(err, issuer.ErrRotateWithChain) {
		t.Fatalf("rotate with a chain: %v, want ErrRotateWithChain", err)
	}
	status, body, _ := e.do(t, http.MethodPost, e.URL+"/admin/keys/rotate", "", adminToken, nil)
	if status != http.StatusConflict || !bytes.Contains(body, []byte("--x5c-chain")) {
		t.Fatalf("admin rotate with a chain: %d %s", status, body)
	}
	if got := e.Issuer.PublicKeys(); len(got) != 1 {
		t.Fatalf("keys after a refused rotation: %d", len(got))
	}
}

// TestIssuerX5CRefusesToStart: New refuses a chain that does not fit the
// issuer, each with its typed error.
func TestIssuerX5CRefusesToStart(t *testing.T) {
	a := devAuthority(t)
	ctx := context.Background()
	store, err := issuer.OpenBadgerStore(t.TempDir(), bytes.Repeat([]byte{7}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	const url = "https://issuer.example.org"
	current, err := issuer.CurrentKey(ctx, store, "")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := jose.GenerateKey(jose.ES256)
	leaf := func(pub any, uri string, nb time.Time) *x509.Certificate {
		c, err := a.Issue(pub, pki.LeafConfig{URIs: []string{uri}, NotBefore: nb})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		chain []*x509.Certificate
		want  error
	}{
		{"leaf of another key", []*x509.Certificate{leaf(otherKey.Signer().Public(), url, time.Time{})}, issuer.ErrChainKeyMismatch},
		{"leaf of another issuer", []*x509.Certificate{leaf(current.Crypto(), "https://other.example.org", time.Time{})}, pki.ErrNameMismatch},
		{"leaf not yet valid", []*x509.Certificate{leaf(current.Crypto(), url, time.Now().Add(48*time.Hour))}, pki.ErrNotYetValid},
		{"anchor not signing the leaf", []*x509.Certificate{leaf(current.Crypto(), url, time.Time{}), devAuthority(t).Cert}, pki.ErrUntrusted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := issuer.New(ctx, store, issuer.Config{
				URL: url, Name: map[string]string{"en": "Test"}, AdminToken: adminToken, X5CChain: tc.chain,
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("New: %v, want %v", err, tc.want)
			}
		})
	}
	// The mismatch names both keys by thumbprint.
	_, err = issuer.New(ctx, store, issuer.Config{URL: url, Name: map[string]string{"en": "Test"}, AdminToken: adminToken,
		X5CChain: []*x509.Certificate{leaf(otherKey.Signer().Public(), url, time.Time{})}})
	var ck *issuer.ChainKeyError
	if !errors.As(err, &ck) || ck.Signing != current.Thumbprint() || ck.Certified != otherKey.Public().Thumbprint() || !errors.Is(err, credentials.ErrTrust) {
		t.Fatalf("ChainKeyError: %v", err)
	}
	// The right chain starts.
	if _, err := issuer.New(ctx, store, issuer.Config{URL: url, Name: map[string]string{"en": "Test"}, AdminToken: adminToken,
		X5CChain: []*x509.Certificate{leaf(current.Crypto(), url, time.Time{})}}); err != nil {
		t.Fatalf("New with the chain of its key: %v", err)
	}
}

// TestSignedIssuerMetadata: an issuer with an x5c chain answers a wallet
// that accepts application/jwt with signed metadata (VCI §12.2.3, HAIP 1.0
// §4.1) that verifies under the anchor, and anyone else with JSON; an
// issuer without a chain always answers JSON (the unsigned form is a MUST,
// the signed one a MAY).
func TestSignedIssuerMetadata(t *testing.T) {
	a := devAuthority(t)
	var cfg *issuer.Config
	e := startIssuerWith(t, func(c *issuer.Config) { cfg = c }, certifyCurrentKey(t, a, &cfg))
	plain := startIssuer(t, nil)
	anchors, err := pki.NewAnchors(a.Cert)
	if err != nil {
		t.Fatal(err)
	}
	get := func(env *env, accept string) (string, []byte) {
		req, _ := http.NewRequest(http.MethodGet, env.URL+oid4vci.WellKnownIssuer, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := env.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("metadata: %d %s", res.StatusCode, b)
		}
		return res.Header.Get("Content-Type"), b
	}
	ct, b := get(e, "application/jwt, application/json;q=0.5")
	if ct != oid4vci.MediaTypeJWT {
		t.Fatalf("Content-Type %q for a wallet asking for application/jwt", ct)
	}
	md, err := oid4vci.VerifySignedMetadata(string(b), e.URL, anchors, []jose.Alg{jose.ES256}, e.Clock.Now())
	if err != nil || md.CredentialEndpoint != e.URL+"/credential" {
		t.Fatalf("signed metadata: %+v %v", md, err)
	}
	for name, tc := range map[string]struct {
		env    *env
		accept string
	}{
		"no Accept":              {e, ""},
		"JSON asked":             {e, "application/json"},
		"JWT refused with q=0":   {e, "application/jwt;q=0, application/json"},
		"issuer without a chain": {plain, "application/jwt"},
	} {
		if ct, b := get(tc.env, tc.accept); !strings.HasPrefix(ct, "application/json") || b[0] != '{' {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
	}
}
