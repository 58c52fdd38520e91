package statuslist_test

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// certifiedFixture is an issuer (testIssuer) whose key a development
// anchor certifies, and a second anchor that certifies the same key.
type certifiedFixture struct {
	key           *jose.PrivateKey
	anchor, other *pki.Authority
	leaf          *x509.Certificate
}

func newCertifiedFixture(t *testing.T, now time.Time) *certifiedFixture {
	t.Helper()
	f := &certifiedFixture{key: genKey(t, jose.ES256)}
	var err error
	for _, a := range []**pki.Authority{&f.anchor, &f.other} {
		if *a, err = pki.NewDevAuthority(pki.AuthorityConfig{NotBefore: now.Add(-48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	f.leaf = f.certify(t, f.anchor, f.key.Public(), now.Add(-24*time.Hour), "issuer.example")
	return f
}

func (f *certifiedFixture) certify(t *testing.T, a *pki.Authority, k *jose.PublicKey, notBefore time.Time, dns string) *x509.Certificate {
	t.Helper()
	c, err := a.Issue(k.Crypto(), pki.LeafConfig{DNSNames: []string{dns}, NotBefore: notBefore, Validity: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// certification is what sdjwtvc.X509Keys reports for a credential of
// testIssuer certified under a.
func (f *certifiedFixture) certification(a *pki.Authority) *sdjwtvc.Certification {
	return &sdjwtvc.Certification{Leaf: f.leaf, Chain: []*x509.Certificate{f.leaf}, Anchor: a.Cert}
}

// TestCheckerCertified: the status list of an issuer certified by an
// X.509 anchor must be signed by the key of its own x5c leaf, chaining to
// the same anchor and naming the same issuer (HAIP 1.0 §7). A key the
// resolver trusts for the issuer (its DID, say) does not do.
func TestCheckerCertified(t *testing.T) {
	clk := newClock()
	now := clk.Now()
	f := newCertifiedFixture(t, now)
	// The resolver trusts the issuer's key too: a list without x5c
	// would verify with it, and must still be refused for a certified
	// credential.
	keys := sdjwtvc.StaticKeys{testIssuer: {f.key.Public()}}
	srv := newListServer(t)
	c := newChecker(t, loopbackClient(t), keys, statuslist.WithClock(clk.Now), statuslist.WithMinEntries(16))
	l := makeList(t, 1, 16, map[int]statuslist.Status{1: statuslist.Invalid})
	otherKey := genKey(t, jose.ES256)

	tests := []struct {
		name string
		key  *jose.PrivateKey
		x5c  []*x509.Certificate
		none bool // no x5c header
		cert *sdjwtvc.Certification
		idx  int
		want []error
	}{
		{name: "x5c to the same anchor", x5c: []*x509.Certificate{f.leaf}},
		{name: "x5c to the same anchor, revoked entry", x5c: []*x509.Certificate{f.leaf}, idx: 1, want: []error{statuslist.ErrRevoked}},
		{name: "no x5c, key trusted otherwise", none: true, want: []error{statuslist.ErrListRejected, credentials.ErrTrust}},
		{name: "x5c to another anchor", x5c: []*x509.Certificate{f.certify(t, f.other, f.key.Public(), now.Add(-time.Hour), "issuer.example")}, want: []error{statuslist.ErrListRejected, pki.ErrUntrusted, credentials.ErrTrust}},
		{name: "credential under another anchor than the list", x5c: []*x509.Certificate{f.leaf}, cert: f.certification(f.other), want: []error{statuslist.ErrListRejected, pki.ErrUntrusted}},
		{name: "leaf names another issuer", x5c: []*x509.Certificate{f.certify(t, f.anchor, f.key.Public(), now.Add(-time.Hour), "evil.example")}, want: []error{statuslist.ErrListRejected, sdjwtvc.ErrIssuerMismatch, credentials.ErrTrust}},
		{name: "expired leaf", x5c: []*x509.Certificate{f.certify(t, f.anchor, f.key.Public(), now.Add(-60*24*time.Hour), "issuer.example")}, want: []error{statuslist.ErrListRejected, pki.ErrExpired, credentials.ErrClaim}},
		{name: "leaf certifies another key", key: otherKey, x5c: []*x509.Certificate{f.leaf}, want: []error{statuslist.ErrListRejected, credentials.ErrSignature}},
		{name: "x5c carrying the anchor", x5c: []*x509.Certificate{f.leaf, f.anchor.Cert}, want: []error{statuslist.ErrListRejected, pki.ErrUntrusted}},
		{name: "no certification", x5c: []*x509.Certificate{f.leaf}, cert: &sdjwtvc.Certification{}, want: []error{statuslist.ErrListRejected, credentials.ErrTrust}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/status/" + strings.ReplaceAll(tt.name, " ", "-")
			uri := srv.URL + path
			key := f.key
			if tt.key != nil {
				key = tt.key
			}
			spec := tokenSpec{sub: uri, iat: now, ttl: time.Hour, list: l}
			if !tt.none {
				spec.x5c = pki.X5C(tt.x5c)
			}
			srv.set(path, mint(t, key, spec))
			cert := tt.cert
			if cert == nil {
				cert = f.certification(f.anchor)
			}
			wantAll(t, c.CheckCertifiedStatus(t.Context(), testIssuer, cert, sdjwtvc.StatusRef{Index: tt.idx, URI: uri}), tt.want...)
		})
	}

	// One list checked both ways: a list the resolver's key verifies for a
	// plain check is not taken from the cache for a certified one, and
	// the other way round.
	path := "/status/both"
	uri := srv.URL + path
	srv.set(path, mint(t, f.key, tokenSpec{sub: uri, iat: now, ttl: time.Hour, list: l}))
	ref := sdjwtvc.StatusRef{Index: 0, URI: uri}
	wantAll(t, c.CheckStatus(t.Context(), testIssuer, ref))
	wantAll(t, c.CheckCertifiedStatus(t.Context(), testIssuer, f.certification(f.anchor), ref), statuslist.ErrListRejected, credentials.ErrTrust)
	if got := srv.hitsOf(path); got != 2 {
		t.Fatalf("%d fetches, want 2 (plain and certified cached apart)", got)
	}
}

// TestSignTokenWithX5C: signing with a chain puts it in the x5c header
// in x5c form; SignToken writes none.
func TestSignTokenWithX5C(t *testing.T) {
	clk := newClock()
	f := newCertifiedFixture(t, clk.Now())
	const uri = "https://issuer.example/status/1"
	tok, err := statuslist.SignTokenWithX5C(f.key, statuslist.Token{Subject: uri, IssuedAt: clk.Now(), List: makeList(t, 1, 16, nil)}, pki.X5C([]*x509.Certificate{f.leaf}))
	if err != nil {
		t.Fatal(err)
	}
	j, err := jose.ParseCompact(tok)
	if err != nil {
		t.Fatal(err)
	}
	x5c, err := pki.ParseX5C(j.Header.Raw["x5c"])
	if err != nil || len(x5c) != 1 || !x5c[0].Equal(f.leaf) {
		t.Fatalf("x5c header %v: %v", j.Header.Raw["x5c"], err)
	}
	plain, err := statuslist.SignToken(f.key, statuslist.Token{Subject: uri, IssuedAt: clk.Now(), List: makeList(t, 1, 16, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := jose.ParseCompact(plain); j.Header.Raw["x5c"] != nil {
		t.Fatal("SignToken wrote an x5c header")
	}
}
