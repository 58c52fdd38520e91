package verifier_test

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/verifier"
)

const certifiedIss = "https://assessor.example"

// x509Issuer is an issuer whose key development anchors certify, with a
// status list host on a TLS listener on 127.0.0.1.
type x509Issuer struct {
	key  *jose.PrivateKey
	now  time.Time
	leaf map[*pki.Authority]*x509.Certificate

	srv *httptest.Server
	mu  sync.Mutex
	lst map[string]string
}

func newX509Issuer(t *testing.T) *x509Issuer {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	is := &x509Issuer{key: k, now: time.Now(), leaf: map[*pki.Authority]*x509.Certificate{}, lst: map[string]string{}}
	is.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		body, ok := is.lst[r.URL.Path]
		is.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", statuslist.MediaType)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(is.srv.Close)
	return is
}

// certify returns the issuer's leaf under a, valid from notBefore for 30
// days, naming host.
func (is *x509Issuer) certify(t *testing.T, a *pki.Authority, notBefore time.Time, host string) *x509.Certificate {
	t.Helper()
	c, err := a.Issue(is.key.Public().Crypto(), pki.LeafConfig{DNSNames: []string{host}, NotBefore: notBefore, Validity: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statusList publishes a list at path, signed with x5c (none when nil),
// with entry 1 revoked, and returns its URI.
func (is *x509Issuer) statusList(t *testing.T, path string, x5c []*x509.Certificate) string {
	t.Helper()
	l, err := statuslist.New(1, statuslist.HerdPrivacyMinEntries)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Set(1, statuslist.Invalid); err != nil {
		t.Fatal(err)
	}
	uri := is.srv.URL + path
	tok, err := statuslist.SignTokenWithX5C(is.key, statuslist.Token{Subject: uri, IssuedAt: is.now.Add(-time.Minute), TTL: time.Hour, List: l}, pki.X5C(x5c))
	if err != nil {
		t.Fatal(err)
	}
	is.mu.Lock()
	is.lst[path] = tok
	is.mu.Unlock()
	return uri
}

// issue signs a skill credential for holder with x5c (none when nil) and
// the status entry idx of the list at uri.
func (is *x509Issuer) issue(t *testing.T, holder *jose.PrivateKey, x5c []*x509.Certificate, uri string, idx int) string {
	t.Helper()
	tp, _ := ppp.Lookup("skill")
	claims := exampleWith(t, "skill", map[string]any{"skill": skillSport, "skill_label": "instruct in sport", "assessed_on": date(is.now.AddDate(0, -1, 0)), "method": "assessment", "assurance": "assessor"})
	raw, err := sdjwtvc.Issue(is.key.WithKeyID(""), sdjwtvc.Credential{
		Issuer: certifiedIss, VCT: tp.VCT, HolderKey: holder.Public(), IssuedAt: is.now.Add(-time.Hour), Expires: is.now.Add(24 * time.Hour),
		Claims: claims, X5C: pki.X5C(x5c), Status: &sdjwtvc.StatusRef{Index: idx, URI: uri},
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func anchorsOf(t *testing.T, as ...*pki.Authority) *pki.Anchors {
	t.Helper()
	var certs []*x509.Certificate
	for _, a := range as {
		certs = append(certs, a.Cert)
	}
	s, err := pki.NewAnchors(certs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newAuthority(t *testing.T) *pki.Authority {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{NotBefore: time.Now().Add(-90 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAnchoredIssuers: a verifier with Config.TrustAnchors trusts an
// issuer certified by an anchor only as far as a trust list entry naming
// that anchor allows, caps its assurance at the entry's kind, checks its
// status list under the same anchor, and never lets a certified
// credential and a DID-profile entry with the same iss stand in for each
// other.
func TestAnchoredIssuers(t *testing.T) {
	p, err := profile.Parse("portfolio-test.yaml", []byte(portfolioProfile))
	if err != nil {
		t.Fatal(err)
	}
	trusted, second, stranger := newAuthority(t), newAuthority(t), newAuthority(t)
	is := newX509Issuer(t)
	leafA := is.certify(t, trusted, is.now.Add(-24*time.Hour), "assessor.example")
	leafB := is.certify(t, second, is.now.Add(-24*time.Hour), "assessor.example")
	leafC := is.certify(t, stranger, is.now.Add(-24*time.Hour), "assessor.example")
	expired := is.certify(t, trusted, is.now.Add(-60*24*time.Hour), "assessor.example")
	listA := is.statusList(t, "/status/a", []*x509.Certificate{leafA})
	listB := is.statusList(t, "/status/b", []*x509.Certificate{leafB})
	listPlain := is.statusList(t, "/status/plain", nil)
	anchorID := func(a *pki.Authority) string { return pki.X509Hash(a.Cert) }
	entry := func(a *pki.Authority, id, kind string) verifier.TrustedIssuer {
		return verifier.TrustedIssuer{Anchor: anchorID(a), ID: id, Types: []string{"skill"}, Kind: kind}
	}

	tests := []struct {
		name     string
		trust    []verifier.TrustedIssuer
		x5c      []*x509.Certificate
		list     string
		idx      int
		status   profile.Status
		reason   profile.Reason
		assur    ppp.Assurance
		rejected string
	}{
		{name: "certified by a trusted anchor, entry for the issuer", trust: []verifier.TrustedIssuer{entry(trusted, certifiedIss, "assessor")}, x5c: []*x509.Certificate{leafA}, list: listA,
			status: profile.StatusMet, assur: ppp.AssuranceAssessor},
		{name: "anchor entry for every issuer it certifies", trust: []verifier.TrustedIssuer{entry(trusted, "", "assessor")}, x5c: []*x509.Certificate{leafA}, list: listA,
			status: profile.StatusMet, assur: ppp.AssuranceAssessor},
		{name: "assurance capped at the anchor entry's kind", trust: []verifier.TrustedIssuer{entry(trusted, certifiedIss, "employer")}, x5c: []*x509.Certificate{leafA}, list: listA,
			status: profile.StatusNotProven, reason: profile.ReasonAssuranceTooLow, assur: ppp.AssuranceEmployer},
		{name: "anchor entry for another issuer", trust: []verifier.TrustedIssuer{entry(trusted, "https://school.example", "assessor")}, x5c: []*x509.Certificate{leafA}, list: listA,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "TRUST"},
		{name: "anchor entry for another type", trust: []verifier.TrustedIssuer{{Anchor: anchorID(trusted), Types: []string{"level"}, Kind: "assessor"}}, x5c: []*x509.Certificate{leafA}, list: listA,
			status: profile.StatusNotProven, reason: profile.ReasonUntrustedIssuer},
		{name: "chain to an untrusted anchor", trust: []verifier.TrustedIssuer{entry(trusted, "", "assessor")}, x5c: []*x509.Certificate{leafC}, list: listA,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "TRUST"},
		{name: "chain to a configured anchor the trust list does not name", trust: []verifier.TrustedIssuer{entry(trusted, "", "assessor")}, x5c: []*x509.Certificate{leafB}, list: listB,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "TRUST"},
		{name: "a DID-profile entry with the same iss does not trust a certified credential", trust: []verifier.TrustedIssuer{{ID: certifiedIss, Types: []string{"skill"}, Kind: "assessor"}}, x5c: []*x509.Certificate{leafA}, list: listA,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "TRUST"},
		{name: "an anchor entry does not trust the same iss without x5c", trust: []verifier.TrustedIssuer{entry(trusted, certifiedIss, "assessor")}, list: listPlain,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "TRUST"},
		{name: "expired leaf", trust: []verifier.TrustedIssuer{entry(trusted, "", "assessor")}, x5c: []*x509.Certificate{expired}, list: listA,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "CLAIM"},
		{name: "status list signed under another anchor", trust: []verifier.TrustedIssuer{entry(trusted, "", "assessor")}, x5c: []*x509.Certificate{leafA}, list: listB,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "STATUS"},
		{name: "status list without x5c", trust: []verifier.TrustedIssuer{entry(trusted, "", "assessor")}, x5c: []*x509.Certificate{leafA}, list: listPlain,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "STATUS"},
		{name: "revoked", trust: []verifier.TrustedIssuer{entry(trusted, "", "assessor")}, x5c: []*x509.Certificate{leafA}, list: listA, idx: 1,
			status: profile.StatusNotProven, reason: profile.ReasonNoCredential, rejected: "STATUS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := &verifier.TrustList{Issuers: tt.trust}
			e := newEnvWith(t, envOptions{trust: tl, config: func(c *verifier.Config) {
				c.Profiles = append(c.Profiles, p)
				c.TrustAnchors = anchorsOf(t, trusted, second)
			}})
			holder, _ := jose.GenerateKey(jose.ES256)
			w := &wallet{t: t, e: e, key: holder, creds: []string{is.issue(t, holder, tt.x5c, tt.list, tt.idx)}}
			d := runProfile(t, e, w, "portfolio-test")
			r := statusOf(t, d, "sport")
			if r.Status != tt.status || r.Reason != tt.reason && tt.reason != "" {
				t.Fatalf("%s (%s), want %s (%s); rejected %+v", r.Status, r.Reason, tt.status, tt.reason, d.Rejected)
			}
			if tt.assur != "" && (len(r.Evidence) != 1 || r.Evidence[0].Assurance != tt.assur || r.Evidence[0].Issuer != certifiedIss) {
				t.Fatalf("evidence %+v, want assurance %s from %s", r.Evidence, tt.assur, certifiedIss)
			}
			if tt.rejected == "" && len(d.Rejected) > 0 || tt.rejected != "" && (len(d.Rejected) != 1 || d.Rejected[0].Class != tt.rejected) {
				t.Fatalf("rejected %+v, want %q", d.Rejected, tt.rejected)
			}
		})
	}
}

// TestTrustListAnchorEntries: the trust list document's anchor entries.
func TestTrustListAnchorEntries(t *testing.T) {
	anchor := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"anchor and https id", `{"issuers":[{"anchor":"` + anchor + `","id":"https://a.example","types":["skill"],"kind":"school"}]}`, nil},
		{"anchor without id", `{"issuers":[{"anchor":"` + anchor + `","types":["skill"]}]}`, nil},
		{"anchor with a DID id", `{"issuers":[{"anchor":"` + anchor + `","id":"did:web:a.example","types":["skill"]}]}`, verifier.ErrBadTrustList},
		{"anchor not a SHA-256", `{"issuers":[{"anchor":"AQID","types":["skill"]}]}`, verifier.ErrBadTrustList},
		{"anchor in standard base64", `{"issuers":[{"anchor":"` + strings.Repeat("+", 43) + `","types":["skill"]}]}`, verifier.ErrBadTrustList},
		{"neither anchor nor id", `{"issuers":[{"types":["skill"]}]}`, verifier.ErrBadTrustList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl, err := verifier.ParseTrustList([]byte(tt.doc))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && (tl.Knows("https://a.example") || tl.Trusted("https://a.example", "skill")) {
				t.Fatal("an anchor entry trusts a bare iss")
			}
		})
	}
}

// TestRequireAnchoredIssuers: with RequireAnchoredIssuers every Credential
// Query asks for trusted_authorities of type aki naming the anchors' key
// identifiers; a credential that matches is accepted, one without a chain
// to them is refused by the response check (CLAIM) even when the wallet
// sends it anyway and its issuer is trusted by DID.
func TestRequireAnchoredIssuers(t *testing.T) {
	p, err := profile.Parse("portfolio-test.yaml", []byte(portfolioProfile))
	if err != nil {
		t.Fatal(err)
	}
	trusted := newAuthority(t)
	is := newX509Issuer(t)
	leaf := is.certify(t, trusted, is.now.Add(-24*time.Hour), "assessor.example")
	list := is.statusList(t, "/status/a", []*x509.Certificate{leaf})
	didIssuer := newIssuer(t)
	tl := &verifier.TrustList{Issuers: []verifier.TrustedIssuer{
		{Anchor: pki.X509Hash(trusted.Cert), Types: []string{"skill"}, Kind: "assessor"},
		kindOf(didIssuer.did, "assessor"),
	}}
	e := newEnvWith(t, envOptions{trust: tl, config: func(c *verifier.Config) {
		c.Profiles = []*profile.Profile{p}
		c.TrustAnchors = anchorsOf(t, trusted)
		c.RequireAnchoredIssuers = true
	}})
	holder, _ := jose.GenerateKey(jose.ES256)
	certified := is.issue(t, holder, []*x509.Certificate{leaf}, list, 0)
	skill := exampleWith(t, "skill", map[string]any{"skill": skillSport, "skill_label": "instruct in sport", "assessed_on": date(is.now.AddDate(0, -1, 0)), "method": "assessment", "assurance": "assessor"})
	byDID := didIssuer.issue(t, "skill", holder, is.now.Add(-time.Hour), is.now.Add(24*time.Hour), skill)

	wantAKI := dcql.AKIValue(trusted.Cert.SubjectKeyId)
	for _, tt := range []struct {
		name     string
		cred     string
		status   profile.Status
		rejected string
	}{
		{"credential chaining to the anchor", certified, profile.StatusMet, ""},
		{"credential of a DID issuer", byDID, profile.StatusNotProven, "CLAIM"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := e.start("portfolio-test", nil)
			w := &wallet{t: t, e: e, key: holder}
			r := w.fetch(req.RequestURI)
			var qid string
			var paths []string
			for _, cq := range r.DCQLQuery.Credentials {
				if len(cq.TrustedAuthorities) != 1 || cq.TrustedAuthorities[0].Type != "aki" || len(cq.TrustedAuthorities[0].Values) != 1 || cq.TrustedAuthorities[0].Values[0] != wantAKI {
					t.Fatalf("query %s: trusted_authorities %+v, want aki %s", cq.ID, cq.TrustedAuthorities, wantAKI)
				}
				if slicesHasSkill(cq.Meta.VCTValues) {
					// What to disclose, trusted_authorities aside: the
					// credential is sent whether or not it matches them.
					qid = cq.ID
					cq.TrustedAuthorities = nil
					paths = matchPaths(t, &cq, tt.cred)
				}
			}
			pres, err := sdjwt.Present(tt.cred, sdjwt.Selection{Paths: paths}, &sdjwt.KeyBindingOptions{Key: holder, Audience: r.ClientID, Nonce: r.Nonce})
			if err != nil {
				t.Fatal(err)
			}
			if code, body := w.post(r, map[string][]string{qid: {pres}}, ""); code != http.StatusOK {
				t.Fatalf("response: %d %s", code, body)
			}
			d := e.result(req.TransactionID).Decision
			if s := statusOf(t, d, "sport"); s.Status != tt.status {
				t.Fatalf("%s (%s), want %s; rejected %+v", s.Status, s.Reason, tt.status, d.Rejected)
			}
			if tt.rejected == "" && len(d.Rejected) > 0 || tt.rejected != "" && (len(d.Rejected) != 1 || d.Rejected[0].Class != tt.rejected) {
				t.Fatalf("rejected %+v, want %q", d.Rejected, tt.rejected)
			}
		})
	}
}

func slicesHasSkill(vcts []string) bool {
	tp, _ := ppp.Lookup("skill")
	for _, v := range vcts {
		if v == tp.VCT {
			return true
		}
	}
	return false
}

// matchPaths returns what a credential discloses for a Credential Query.
func matchPaths(t *testing.T, cq *dcql.CredentialQuery, cred string) []string {
	t.Helper()
	s, err := sdjwt.Parse(cred)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Process()
	if err != nil {
		t.Fatal(err)
	}
	vct, _ := p.Claims["vct"].(string)
	m, ok := dcql.MatchCredential(cq, &dcql.Candidate{Format: dcql.FormatSDJWTVC, VCT: vct, Claims: p.Claims, HolderBinding: true})
	if !ok {
		t.Fatal("the credential does not match the query")
	}
	return m.Paths
}

// TestIssuerPosingAsCertified: a credential whose "iss" is written like
// the verifier's identity of a certified issuer ("x509:<anchor>:<iss>")
// but whose key came from elsewhere (here a resolver that knows it) does
// not get the anchor entry's trust.
func TestIssuerPosingAsCertified(t *testing.T) {
	p, err := profile.Parse("portfolio-test.yaml", []byte(portfolioProfile))
	if err != nil {
		t.Fatal(err)
	}
	trusted := newAuthority(t)
	key, _ := jose.GenerateKey(jose.ES256)
	anchorID := pki.X509Hash(trusted.Cert)
	posing := "x509:" + anchorID + ":" + certifiedIss
	tl := &verifier.TrustList{Issuers: []verifier.TrustedIssuer{{Anchor: anchorID, Types: []string{"skill"}, Kind: "assessor"}}}
	e := newEnvWith(t, envOptions{trust: tl,
		config: func(c *verifier.Config) { c.Profiles = append(c.Profiles, p); c.TrustAnchors = anchorsOf(t, trusted) },
		opts:   []verifier.Option{verifier.WithIssuerKeys(sdjwtvc.StaticKeys{posing: {key.Public()}})}})
	holder, _ := jose.GenerateKey(jose.ES256)
	tp, _ := ppp.Lookup("skill")
	now := time.Now()
	raw, err := sdjwtvc.Issue(key, sdjwtvc.Credential{Issuer: posing, VCT: tp.VCT, HolderKey: holder.Public(), IssuedAt: now.Add(-time.Hour), Expires: now.Add(time.Hour),
		Claims: exampleWith(t, "skill", map[string]any{"skill": skillSport, "skill_label": "instruct in sport", "assessed_on": date(now.AddDate(0, -1, 0)), "method": "assessment", "assurance": "assessor"})})
	if err != nil {
		t.Fatal(err)
	}
	d := runProfile(t, e, &wallet{t: t, e: e, key: holder, creds: []string{raw}}, "portfolio-test")
	if r := statusOf(t, d, "sport"); r.Status == profile.StatusMet || len(d.Rejected) != 1 || d.Rejected[0].Class != "TRUST" {
		t.Fatalf("%s (%s); rejected %+v, want TRUST", r.Status, r.Reason, d.Rejected)
	}
}
