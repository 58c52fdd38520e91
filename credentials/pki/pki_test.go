package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newAnchor(t testing.TB, domains ...string) *pki.Authority {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{PermittedDomains: domains, NotBefore: now.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func issue(t testing.TB, a *pki.Authority, cfg pki.LeafConfig) *x509.Certificate {
	t.Helper()
	if cfg.NotBefore.IsZero() {
		cfg.NotBefore = now.Add(-time.Hour)
	}
	c, err := a.Issue(newKey(t).Public(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// craft signs tmpl with parent's key (or self-signs with key when parent
// is nil): certificates the Authority would never make.
func craft(t testing.TB, parent *x509.Certificate, parentKey crypto.Signer, tmpl *x509.Certificate, key crypto.Signer) *x509.Certificate {
	t.Helper()
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(time.Hour)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func anchors(t testing.TB, certs ...*x509.Certificate) *pki.Anchors {
	t.Helper()
	a, err := pki.NewAnchors(certs...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestVerify(t *testing.T) {
	root := newAnchor(t)
	other := newAnchor(t)
	constrained := newAnchor(t, "example.org")
	leaf := issue(t, root, pki.LeafConfig{DNSNames: []string{"issuer.example.org"}})

	// An intermediate CA under root, and one that is not a CA.
	interKey := newKey(t)
	inter := craft(t, root.Cert, root.Key(), &x509.Certificate{
		Subject: pkix.Name{CommonName: "intermediate"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, interKey)
	viaInter := craft(t, inter, interKey, &x509.Certificate{
		Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"issuer.example.org"},
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
	}, newKey(t))
	notCAKey := newKey(t)
	notCA := craft(t, root.Cert, root.Key(), &x509.Certificate{
		Subject: pkix.Name{CommonName: "not a CA"}, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}, notCAKey)
	underNotCA := craft(t, notCA, notCAKey, &x509.Certificate{
		Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"issuer.example.org"},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, newKey(t))

	noDigSig := craft(t, root.Cert, root.Key(), &x509.Certificate{
		Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"issuer.example.org"},
		KeyUsage: x509.KeyUsageKeyEncipherment,
	}, newKey(t))
	noKeyUsage := craft(t, root.Cert, root.Key(), &x509.Certificate{
		Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"issuer.example.org"},
	}, newKey(t))
	selfKey := newKey(t)
	selfSigned := craft(t, nil, nil, &x509.Certificate{
		Subject: pkix.Name{CommonName: "me"}, DNSNames: []string{"issuer.example.org"},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, selfKey)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Leaf := craft(t, root.Cert, root.Key(), &x509.Certificate{
		Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"issuer.example.org"},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, p384)

	expiredAnchor, err := pki.NewDevAuthority(pki.AuthorityConfig{NotBefore: now.Add(-48 * time.Hour), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	underExpiredAnchor := issue(t, expiredAnchor, pki.LeafConfig{DNSNames: []string{"a.example.org"}, NotBefore: now.Add(-47 * time.Hour), Validity: 96 * time.Hour})

	tests := []struct {
		name    string
		anchors []*x509.Certificate
		chain   []*x509.Certificate
		at      time.Time
		wantErr error
		class   error
	}{
		{name: "leaf under anchor", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{leaf}},
		{name: "leaf via intermediate", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{viaInter, inter}},
		{name: "anchor among several", anchors: []*x509.Certificate{other.Cert, root.Cert}, chain: []*x509.Certificate{leaf}},
		{name: "expired leaf", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{leaf}, at: now.Add(400 * 24 * time.Hour), wantErr: pki.ErrExpired, class: credentials.ErrClaim},
		{name: "not-yet-valid leaf", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{leaf}, at: now.Add(-2 * time.Hour), wantErr: pki.ErrNotYetValid, class: credentials.ErrClaim},
		{name: "expired anchor", anchors: []*x509.Certificate{expiredAnchor.Cert}, chain: []*x509.Certificate{underExpiredAnchor}, wantErr: pki.ErrExpired, class: credentials.ErrClaim},
		{name: "leaf without digitalSignature", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{noDigSig}, wantErr: pki.ErrKeyUsage, class: credentials.ErrTrust},
		{name: "leaf without keyUsage", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{noKeyUsage}, wantErr: pki.ErrKeyUsage, class: credentials.ErrTrust},
		{name: "intermediate that is not a CA", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{underNotCA, notCA}, wantErr: pki.ErrNotAuthorized, class: credentials.ErrTrust},
		{name: "chain to an untrusted anchor", anchors: []*x509.Certificate{other.Cert}, chain: []*x509.Certificate{leaf}, wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "intermediate missing", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{viaInter}, wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "chain carries the anchor", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{leaf, root.Cert}, wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "the anchor as leaf", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{root.Cert}, wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "self-signed leaf", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{selfSigned}, wantErr: pki.ErrUntrusted, class: credentials.ErrTrust},
		{name: "name-constraint violation", anchors: []*x509.Certificate{constrained.Cert}, chain: []*x509.Certificate{issue(t, constrained, pki.LeafConfig{DNSNames: []string{"evil.test"}})}, wantErr: pki.ErrNotAuthorized, class: credentials.ErrTrust},
		{name: "name-constraint violation by URI", anchors: []*x509.Certificate{constrained.Cert}, chain: []*x509.Certificate{issue(t, constrained, pki.LeafConfig{URIs: []string{"https://evil.test/x"}})}, wantErr: pki.ErrNotAuthorized, class: credentials.ErrTrust},
		{name: "name-constraint subdomain allowed", anchors: []*x509.Certificate{constrained.Cert}, chain: []*x509.Certificate{issue(t, constrained, pki.LeafConfig{DNSNames: []string{"school.example.org"}, URIs: []string{"https://school.example.org/i"}})}},
		{name: "too many certificates", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{leaf, inter, inter, inter, inter, inter, inter, inter, inter, inter, inter}, wantErr: pki.ErrTooManyCertificates, class: credentials.ErrLimit},
		{name: "empty chain", anchors: []*x509.Certificate{root.Cert}, chain: nil, wantErr: pki.ErrNoCertificates, class: credentials.ErrFormat},
		{name: "P-384 leaf", anchors: []*x509.Certificate{root.Cert}, chain: []*x509.Certificate{p384Leaf}, class: credentials.ErrAlg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = now
			}
			v, err := anchors(t, tt.anchors...).Verify(tt.chain, at)
			if tt.wantErr == nil && tt.class == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if v.Leaf != tt.chain[0] || v.Key == nil || !v.Key.Equal(mustKey(t, tt.chain[0])) {
					t.Fatalf("Verify returned leaf %v key %v", v.Leaf.Subject, v.Key)
				}
				if last := v.Path[len(v.Path)-1]; !slicesContains(tt.anchors, last) {
					t.Fatalf("path ends in %v, not an anchor", last.Subject)
				}
				return
			}
			if v != nil {
				t.Fatalf("Verify returned a result with error %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
			}
			if !errors.Is(err, tt.class) {
				t.Fatalf("Verify error = %v, want class %v", err, tt.class)
			}
		})
	}
}

func mustKey(t testing.TB, c *x509.Certificate) *jose.PublicKey {
	t.Helper()
	k, err := jose.NewPublicKey(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func slicesContains(cs []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range cs {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

func TestNewAnchorsRefusesLeaf(t *testing.T) {
	leaf := issue(t, newAnchor(t), pki.LeafConfig{DNSNames: []string{"a.example.org"}})
	if _, err := pki.NewAnchors(leaf); !errors.Is(err, pki.ErrNotAuthorized) {
		t.Fatalf("NewAnchors(leaf) = %v, want ErrNotAuthorized", err)
	}
	if _, err := pki.NewAnchors(); !errors.Is(err, pki.ErrNoCertificates) {
		t.Fatalf("NewAnchors() = %v, want ErrNoCertificates", err)
	}
}

func TestDevCertificates(t *testing.T) {
	a := newAnchor(t, "example.org", "Loopbrug.NL")
	c := a.Cert
	if !c.IsCA || !c.BasicConstraintsValid || c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Fatalf("anchor: IsCA %v BC %v KeyUsage %#x", c.IsCA, c.BasicConstraintsValid, c.KeyUsage)
	}
	if !c.PermittedDNSDomainsCritical || strings.Join(c.PermittedDNSDomains, ",") != "example.org,loopbrug.nl" || strings.Join(c.PermittedURIDomains, ",") != "example.org,loopbrug.nl" {
		t.Fatalf("anchor constraints: %v %v critical %v", c.PermittedDNSDomains, c.PermittedURIDomains, c.PermittedDNSDomainsCritical)
	}
	if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() || len(c.SubjectKeyId) == 0 {
		t.Fatalf("anchor key %T, SKID %x", c.PublicKey, c.SubjectKeyId)
	}
	leaf := issue(t, a, pki.LeafConfig{DNSNames: []string{"School.Example.org"}, URIs: []string{"https://school.example.org/issuer"}})
	if leaf.IsCA || !leaf.BasicConstraintsValid || leaf.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Fatalf("leaf: IsCA %v KeyUsage %#x", leaf.IsCA, leaf.KeyUsage)
	}
	if leaf.DNSNames[0] != "school.example.org" || leaf.URIs[0].String() != "https://school.example.org/issuer" || leaf.Subject.CommonName != "school.example.org" {
		t.Fatalf("leaf names: %v %v %q", leaf.DNSNames, leaf.URIs, leaf.Subject.CommonName)
	}
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got != pki.DefaultLeafValidity {
		t.Fatalf("leaf validity %v", got)
	}
	if string(leaf.AuthorityKeyId) != string(c.SubjectKeyId) {
		t.Fatal("leaf AKID is not the anchor's SKID")
	}
	// An anchor read back from its files issues as well.
	keyPEM, err := pki.EncodeKeyPEM(a.Key())
	if err != nil {
		t.Fatal(err)
	}
	k, err := pki.ParseKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pki.NewAuthority(a.Cert, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anchors(t, a.Cert).Verify([]*x509.Certificate{issue(t, b, pki.LeafConfig{DNSNames: []string{"x.example.org"}})}, now); err != nil {
		t.Fatalf("leaf of the reloaded anchor: %v", err)
	}
	if s := a.String(); strings.Contains(s, "PRIVATE") || !strings.Contains(s, "paspoort development anchor") {
		t.Fatalf("String = %q", s)
	}
}

func TestBadConfig(t *testing.T) {
	a := newAnchor(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := []struct {
		name string
		run  func() error
	}{
		{"no names", func() error { _, err := a.Issue(newKey(t).Public(), pki.LeafConfig{}); return err }},
		{"wildcard DNS name", func() error {
			_, err := a.Issue(newKey(t).Public(), pki.LeafConfig{DNSNames: []string{"*.example.org"}})
			return err
		}},
		{"http URI", func() error {
			_, err := a.Issue(newKey(t).Public(), pki.LeafConfig{URIs: []string{"http://example.org"}})
			return err
		}},
		{"P-384 leaf key", func() error {
			_, err := a.Issue(p384.Public(), pki.LeafConfig{DNSNames: []string{"a.example.org"}})
			return err
		}},
		{"bad name constraint", func() error {
			_, err := pki.NewDevAuthority(pki.AuthorityConfig{PermittedDomains: []string{"ex ample"}})
			return err
		}},
		{"authority key of another certificate", func() error { _, err := pki.NewAuthority(a.Cert, newKey(t)); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, pki.ErrBadConfig) {
				t.Fatalf("err = %v, want ErrBadConfig", err)
			}
		})
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseX5C(t *testing.T) {
	leafDER := mustParseChain(t, readTestdata(t, "leaf.pem"))[0].Raw
	b64 := base64.StdEncoding.EncodeToString(leafDER)
	big := base64.StdEncoding.EncodeToString(make([]byte, pki.MaxCertificateBytes+1))
	tests := []struct {
		name    string
		in      any
		want    int
		wantErr error
	}{
		{name: "testdata leaf", in: decodeJSON(t, readTestdata(t, "x5c-leaf.json")), want: 1},
		{name: "testdata leaf and anchor", in: decodeJSON(t, readTestdata(t, "x5c-leaf-and-anchor.json")), want: 2},
		{name: "string slice", in: []string{b64}, want: 1},
		{name: "not an array", in: b64, wantErr: pki.ErrMalformed},
		{name: "empty", in: decodeJSON(t, readTestdata(t, "x5c-empty.json")), wantErr: pki.ErrNoCertificates},
		{name: "member not a string", in: decodeJSON(t, readTestdata(t, "x5c-number.json")), wantErr: pki.ErrMalformed},
		{name: "too many certificates", in: decodeJSON(t, readTestdata(t, "x5c-eleven.json")), wantErr: pki.ErrTooManyCertificates},
		{name: "truncated DER", in: []any{base64.StdEncoding.EncodeToString(leafDER[:len(leafDER)-10])}, wantErr: pki.ErrMalformed},
		{name: "truncated base64", in: decodeJSON(t, readTestdata(t, "x5c-truncated.json")), wantErr: pki.ErrMalformed},
		{name: "garbage DER", in: decodeJSON(t, readTestdata(t, "x5c-garbage-der.json")), wantErr: pki.ErrMalformed},
		{name: "trailing bytes after DER", in: []any{base64.StdEncoding.EncodeToString(append(leafDER[:len(leafDER):len(leafDER)], 0))}, wantErr: pki.ErrMalformed},
		{name: "base64url instead of base64", in: []any{strings.NewReplacer("+", "-", "/", "_").Replace(b64) + "-_"}, wantErr: pki.ErrMalformed},
		{name: "base64 without padding", in: []any{strings.TrimRight(b64+"A", "=")}, wantErr: pki.ErrMalformed},
		{name: "certificate over 16 KiB", in: []any{big}, wantErr: pki.ErrCertificateTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pki.ParseX5C(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Fatalf("ParseX5C = %d certs, %v; want %v", len(got), err, tt.wantErr)
				}
				if credentials.Class(err) == nil {
					t.Fatalf("unclassed error %v", err)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("ParseX5C = %d certs, %v; want %d", len(got), err, tt.want)
			}
			// Round trip.
			if again := pki.X5C(got); len(again) != len(got) || !got[0].Equal(mustParseX5C(t, again)[0]) {
				t.Fatal("X5C does not round-trip")
			}
		})
	}
}

func mustParseX5C(t testing.TB, v []string) []*x509.Certificate {
	t.Helper()
	c, err := pki.ParseX5C(v)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustParseChain(t testing.TB, b []byte) []*x509.Certificate {
	t.Helper()
	c, err := pki.ParseChainPEM(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParsePEM(t *testing.T) {
	leaf := readTestdata(t, "leaf.pem")
	anchor := readTestdata(t, "anchor.pem")
	keyPEM, err := pki.EncodeKeyPEM(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	ecKey := strings.Replace(string(keyPEM), "PRIVATE KEY", "EC PRIVATE KEY", 2)
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr error
	}{
		{name: "one certificate", in: string(leaf), want: 1},
		{name: "chain with explanatory text", in: "subject=CN=issuer\n" + string(leaf) + "issuer=CN=anchor\n" + string(anchor), want: 2},
		{name: "empty", in: "", wantErr: pki.ErrNoCertificates},
		{name: "not PEM", in: "hello, world\n", wantErr: pki.ErrNoCertificates},
		{name: "private key", in: string(keyPEM), wantErr: pki.ErrPrivateKeyInChain},
		{name: "EC private key after a certificate", in: string(leaf) + ecKey, wantErr: pki.ErrPrivateKeyInChain},
		{name: "public key block", in: strings.ReplaceAll(string(leaf), "CERTIFICATE", "PUBLIC KEY"), wantErr: pki.ErrBadPEM},
		{name: "broken END line", in: strings.Replace(string(leaf), "-----END CERTIFICATE-----", "-----END CERT", 1), wantErr: pki.ErrBadPEM},
		{name: "truncated after a good block", in: string(anchor) + string(leaf[:len(leaf)/2]), wantErr: pki.ErrBadPEM},
		{name: "garbage DER", in: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", wantErr: pki.ErrMalformed},
		{name: "too many certificates", in: strings.Repeat(string(leaf), pki.MaxChainLength+1), wantErr: pki.ErrTooManyCertificates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pki.ParseChainPEM([]byte(tt.in))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Fatalf("ParseChainPEM = %d, %v; want %v", len(got), err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "MII") {
					t.Fatalf("error quotes key or certificate bytes: %v", err)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("ParseChainPEM = %d, %v; want %d", len(got), err, tt.want)
			}
		})
	}
	// An anchor set: the testdata leaf verifies to the testdata anchor.
	set, err := pki.ParseAnchorsPEM(anchor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Verify(mustParseChain(t, leaf), now); err != nil {
		t.Fatalf("testdata leaf: %v", err)
	}
	if _, err := pki.ParseAnchorsPEM(leaf); !errors.Is(err, pki.ErrNotAuthorized) {
		t.Fatalf("a leaf as anchor set: %v", err)
	}
	if _, err := pki.ParseKeyPEM(leaf); !errors.Is(err, pki.ErrBadPEM) {
		t.Fatalf("a certificate as key: %v", err)
	}
}

func TestX509Hash(t *testing.T) {
	// testdata/leaf.x509_hash was computed with openssl:
	// openssl x509 -outform der | openssl dgst -sha256 -binary | basenc --base64url
	want := strings.TrimSpace(string(readTestdata(t, "leaf.x509_hash")))
	leaf := mustParseChain(t, readTestdata(t, "leaf.pem"))[0]
	if got := pki.X509Hash(leaf); got != want {
		t.Fatalf("X509Hash = %s, want %s", got, want)
	}
	if err := pki.MatchX509Hash(leaf, want); err != nil {
		t.Fatal(err)
	}
	other := mustParseChain(t, readTestdata(t, "anchor.pem"))[0]
	if err := pki.MatchX509Hash(other, want); !errors.Is(err, pki.ErrNameMismatch) || !errors.Is(err, credentials.ErrTrust) {
		t.Fatalf("hash of another certificate: %v", err)
	}
}

func TestMatchNames(t *testing.T) {
	leaf := mustParseChain(t, readTestdata(t, "leaf.pem"))[0] // issuer.example.org, https://issuer.example.org/school
	wild := craft(t, nil, nil, &x509.Certificate{Subject: pkix.Name{CommonName: "w"}, DNSNames: []string{"*.example.org"}, URIs: []*url.URL{{Scheme: "https", Host: "other.example.org"}}}, newKey(t))
	tests := []struct {
		name string
		cert *x509.Certificate
		iss  string
		ok   bool
	}{
		{"host is a dNSName SAN", leaf, "https://issuer.example.org", true},
		{"host with path and port", leaf, "https://issuer.example.org:8443/other", true},
		{"host in other case", leaf, "https://ISSUER.example.org/x", true},
		{"URI SAN exactly", leaf, "https://issuer.example.org/school", true},
		{"URI SAN host of a wildcard-only cert", wild, "https://other.example.org", true},
		{"other host", leaf, "https://evil.example.org", false},
		{"suffix trick", leaf, "https://issuer.example.org.evil.test", false},
		{"http", leaf, "http://issuer.example.org", false},
		{"user info", leaf, "https://evil@issuer.example.org", false},
		{"query", leaf, "https://issuer.example.org?x=1", false},
		{"DID", leaf, "did:web:issuer.example.org", false},
		{"wildcard SAN matches nothing", wild, "https://a.example.org", false},
		{"empty", leaf, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pki.MatchIssuer(tt.cert, tt.iss)
			if tt.ok != (err == nil) {
				t.Fatalf("MatchIssuer(%q) = %v, want ok %v", tt.iss, err, tt.ok)
			}
			if err != nil && !errors.Is(err, pki.ErrNameMismatch) {
				t.Fatalf("error %v is not ErrNameMismatch", err)
			}
		})
	}
	if err := pki.MatchSANDNS(leaf, "issuer.example.org"); err != nil {
		t.Fatal(err)
	}
	if err := pki.MatchSANDNS(leaf, "example.org"); !errors.Is(err, pki.ErrNameMismatch) {
		t.Fatalf("x509_san_dns of a parent domain: %v", err)
	}
}
