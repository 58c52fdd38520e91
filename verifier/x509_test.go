package verifier_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
)

// devChain is a development anchor and a leaf for dns certifying key.
func devChain(t testing.TB, key *jose.PrivateKey, cfg pki.LeafConfig) (*pki.Authority, *x509.Certificate) {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := a.Issue(key.Public().Crypto(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, leaf
}

// readX509 fetches the request object of link as a wallet with the given
// verifier anchors does (oid4vp.VerifyRequestObject).
func readX509(t testing.TB, e *env, link string, anchors *pki.Anchors) (*oid4vp.VerifiedRequest, error) {
	t.Helper()
	pol := oid4vp.URLPolicy{AllowLoopback: true}
	inv, err := oid4vp.ParseInvocationURI(link, pol)
	if err != nil {
		return nil, err
	}
	nonce := oid4vp.NewNonce()
	req, _ := http.NewRequest("POST", inv.RequestURI, strings.NewReader(oid4vp.RequestURIPost{WalletNonce: nonce}.Form().Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("request_uri: %d %s", resp.StatusCode, raw)
	}
	return oid4vp.VerifyRequestObject(context.Background(), string(raw), oid4vp.VerifyOptions{
		ClientID: inv.ClientID, WalletNonce: nonce, URLs: pol, VerifierAnchors: anchors,
	})
}

// TestX509Verifier: a verifier identified by x509_hash (HAIP 1.0 §5,
// OpenID4VP 1.0 §5.9.3) signs its request objects with the key its
// certificate certifies and carries the chain in x5c; a wallet with its
// anchor accepts them, one with another anchor refuses them; responses
// come only as direct_post.jwt, and the KB-JWT audience is the full
// client_id.
func TestX509Verifier(t *testing.T) {
	is := newIssuer(t)
	key, _ := jose.GenerateKey(jose.ES256)
	a, leaf := devChain(t, key, pki.LeafConfig{DNSNames: []string{"toelating.example"}})
	anchors, _ := pki.NewAnchors(a.Cert)
	other, _ := pki.NewDevAuthority(pki.AuthorityConfig{})
	otherAnchors, _ := pki.NewAnchors(other.Cert)
	e := newEnvWith(t, envOptions{trust: trustAll(is.did), config: func(c *verifier.Config) {
		c.SigningKey, c.ClientIDPrefix, c.X5CChain = key, oid4vp.PrefixX509Hash, []*x509.Certificate{leaf}
	}})
	want := "x509_hash:" + pki.X509Hash(leaf)
	if e.v.ClientID() != want {
		t.Fatalf("client_id %q, want %q", e.v.ClientID(), want)
	}
	req := e.start(profileTeacher, nil)
	if _, err := readX509(t, e, req.RequestURI, otherAnchors); !errors.Is(err, pki.ErrUntrusted) {
		t.Fatalf("request under another anchor: %v", err)
	}
	if _, err := readX509(t, e, req.RequestURI, nil); !errors.Is(err, oid4vp.ErrNoVerifierAnchors) {
		t.Fatalf("request without anchors: %v", err)
	}
	vr, err := readX509(t, e, req.RequestURI, anchors)
	if err != nil {
		t.Fatal(err)
	}
	if !vr.Chain.Leaf.Equal(leaf) || vr.Request.ResponseMode != oid4vp.ResponseModeDirectPostJWT {
		t.Fatalf("verified %+v", vr)
	}
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	r := vr.Request
	// A KB-JWT bound to the hash alone, without the prefix, is refused
	// (KB): the audience is the full client_id (OpenID4VP 1.0 §5.9.1).
	if code, body := w.post(r, w.vpToken(r, pki.X509Hash(leaf), r.Nonce, false), ""); code != http.StatusOK {
		t.Fatalf("response: %d %s", code, body)
	}
	d := e.result(req.TransactionID).Decision
	if d == nil || d.Outcome == profile.OutcomeAccepted || len(d.Rejected) == 0 || d.Rejected[0].Class != "KB" {
		t.Fatalf("KB-JWT with aud without the prefix: %+v", d)
	}
	req = e.start(profileTeacher, nil)
	vr, err = readX509(t, e, req.RequestURI, anchors)
	if err != nil {
		t.Fatal(err)
	}
	r = vr.Request
	code, body := w.post(r, w.vpToken(r, r.ClientID, r.Nonce, false), "")
	if code != http.StatusOK {
		t.Fatalf("response: %d %s", code, body)
	}
	if d := e.result(req.TransactionID).Decision; d == nil || d.Outcome != profile.OutcomeAccepted {
		t.Fatalf("decision %+v", d)
	}
	// HAIP 1.0 §5: the verifier returns a redirect_uri, here its own page
	// as the transaction was made without one.
	var reply struct {
		RedirectURI string `json:"redirect_uri"`
	}
	if err := json.Unmarshal(body, &reply); err != nil || !strings.HasSuffix(reply.RedirectURI, verifier.PathDone) {
		t.Fatalf("reply %s: no redirect_uri to the done page", body)
	}
	if code, page := e.do("GET", verifier.PathDone, "", nil, ""); code != http.StatusOK || !strings.Contains(string(page), "Uw gegevens zijn ontvangen") {
		t.Fatalf("done page: %d %s", code, page)
	}
	// HAIP 1.0 §5: only direct_post.jwt is offered.
	b := `{"profile":"` + profileTeacher + `","response_mode":"direct_post"}`
	if code, out := e.do("POST", "/admin/transactions", adminToken, strings.NewReader(b), "application/json"); code != http.StatusBadRequest {
		t.Fatalf("direct_post transaction: %d %s", code, out)
	}
	if _, err := e.v.CreateRequest(context.Background(), profileTeacher, verifier.RequestOptions{ResponseMode: oid4vp.ResponseModeDirectPost}); !errors.Is(err, verifier.ErrResponseMode) {
		t.Fatalf("direct_post request: %v", err)
	}
}

// TestX509SANDNSVerifier: an x509_san_dns verifier's client_id is its
// host, which its leaf names.
func TestX509SANDNSVerifier(t *testing.T) {
	db, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := verifier.NewBadgerStore(db, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := jose.GenerateKey(jose.ES256)
	_, leaf := devChain(t, key, pki.LeafConfig{DNSNames: []string{"toelating.example"}})
	ps, cs := loadShipped(t)
	v, err := verifier.New(store, verifier.Config{BaseURL: "https://toelating.example", SigningKey: key, Profiles: ps, Catalogues: cs,
		Trust: verifier.StaticTrust{List: trustAll()}, AdminToken: adminToken, ClientIDPrefix: oid4vp.PrefixX509SANDNS, X5CChain: []*x509.Certificate{leaf}})
	if err != nil {
		t.Fatal(err)
	}
	if v.ClientID() != "x509_san_dns:toelating.example" {
		t.Fatalf("client_id %q", v.ClientID())
	}
	req, err := v.CreateRequest(context.Background(), profileTeacher, verifier.RequestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := v.RequestObject(context.Background(), req.TransactionID, "")
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseCompact(ro)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pki.ParseX5C(jws.Header.Raw["x5c"])
	if err != nil || len(chain) != 1 || !chain[0].Equal(leaf) || jws.Header.Kid != "" {
		t.Fatalf("x5c %v kid %q: %v", chain, jws.Header.Kid, err)
	}
	if err := jws.Verify(key.Public(), jose.DefaultAlgs); err != nil {
		t.Fatal(err)
	}
}

// TestX509VerifierRefusesToStart: a chain the verifier could not sign with,
// or a configuration HAIP forbids, fails at New with its class.
func TestX509VerifierRefusesToStart(t *testing.T) {
	db, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := verifier.NewBadgerStore(db, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := jose.GenerateKey(jose.ES256)
	otherKey, _ := jose.GenerateKey(jose.ES256)
	host := pki.LeafConfig{DNSNames: []string{"toelating.example"}}
	a, leaf := devChain(t, key, host)
	_, otherLeaf := devChain(t, otherKey, host)
	_, strangerLeaf := devChain(t, key, pki.LeafConfig{DNSNames: []string{"other.example"}})
	issue := func(cfg pki.LeafConfig) *x509.Certificate {
		c, err := a.Issue(key.Public().Crypto(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	expired := issue(pki.LeafConfig{DNSNames: host.DNSNames, NotBefore: time.Now().Add(-48 * time.Hour), Validity: time.Hour})
	future := issue(pki.LeafConfig{DNSNames: host.DNSNames, NotBefore: time.Now().Add(48 * time.Hour)})
	ps, cs := loadShipped(t)
	cfg := func(prefix string, chain []*x509.Certificate, mode string) verifier.Config {
		return verifier.Config{BaseURL: "https://toelating.example", SigningKey: key, Profiles: ps, Catalogues: cs,
			Trust: verifier.StaticTrust{List: trustAll()}, AdminToken: adminToken, ClientIDPrefix: prefix, X5CChain: chain, ResponseMode: mode}
	}
	for _, tc := range []struct {
		name string
		cfg  verifier.Config
		want []error
	}{
		{"chain of another key", cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{otherLeaf}, ""), []error{verifier.ErrChainKeyMismatch, credentials.ErrTrust}},
		{"expired leaf", cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{expired}, ""), []error{pki.ErrExpired, credentials.ErrClaim}},
		{"not-yet-valid leaf", cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{future}, ""), []error{pki.ErrNotYetValid, credentials.ErrClaim}},
		{"not a chain", cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{leaf, otherLeaf}, ""), []error{pki.ErrUntrusted}},
		{"the anchor in the chain", cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{leaf, a.Cert}, ""), []error{pki.ErrUntrusted}},
		{"SAN not the host", cfg(oid4vp.PrefixX509SANDNS, []*x509.Certificate{strangerLeaf}, ""), []error{pki.ErrNameMismatch, credentials.ErrTrust}},
		{"no chain", cfg(oid4vp.PrefixX509Hash, nil, ""), []error{pki.ErrNoCertificates}},
		{"direct_post with x509_hash", cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{leaf}, oid4vp.ResponseModeDirectPost), nil},
		{"chain with decentralized_identifier", cfg(oid4vp.PrefixDecentralizedIdentifier, []*x509.Certificate{leaf}, ""), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := verifier.New(store, tc.cfg)
			if v != nil || !errors.Is(err, verifier.ErrBadConfig) {
				t.Fatalf("started: %v", err)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("%v is not %v", err, w)
				}
			}
		})
	}
	var ce *verifier.ChainKeyError
	if _, err := verifier.New(store, cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{otherLeaf}, "")); !errors.As(err, &ce) || ce.Certified != otherKey.Public().Thumbprint() || ce.Signing != key.Public().Thumbprint() {
		t.Fatalf("ChainKeyError %+v", ce)
	}
	if _, err := verifier.New(store, cfg(oid4vp.PrefixX509Hash, []*x509.Certificate{leaf}, "")); err != nil {
		t.Fatalf("control: %v", err)
	}
}
