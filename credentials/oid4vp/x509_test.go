package oid4vp_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

var update = flag.Bool("update", false, "write the x509 request object vectors in testdata again")

// x509Fixture is a Verifier identified by an X.509 certificate: a leaf for
// verifier.example (organisation "Hogeschool Domstad") under a
// development anchor, with the signing key it certifies.
type x509Fixture struct {
	*verifierFixture
	anchor  *pki.Authority
	anchors *pki.Anchors
	leaf    *x509.Certificate
	ecKey   *ecdsa.PrivateKey
}

const x509Host = "verifier.example"

func newX509Verifier(t testing.TB) *x509Fixture {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{NotBefore: now.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := pki.NewAnchors(a.Cert)
	if err != nil {
		t.Fatal(err)
	}
	f := &x509Fixture{verifierFixture: newVerifier(t), anchor: a, anchors: anchors}
	f.ecKey, f.key = newECKey(t)
	f.leaf = leafCert(t, a, f.ecKey.Public(), leafOpts{})
	f.clientID = oid4vp.PrefixX509Hash + ":" + pki.X509Hash(f.leaf)
	return f
}

func newECKey(t testing.TB) (*ecdsa.PrivateKey, *jose.PrivateKey) {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jose.NewPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	return ec, k
}

type leafOpts struct {
	notBefore, notAfter time.Time
	keyUsage            x509.KeyUsage
	dns                 string
}

// leafCert certifies pub under a: subject O "Hogeschool Domstad", CN and
// dNSName SAN verifier.example (or o.dns), digitalSignature, valid from a
// day before now for a year unless o says otherwise.
func leafCert(t testing.TB, a *pki.Authority, pub crypto.PublicKey, o leafOpts) *x509.Certificate {
	t.Helper()
	if o.notBefore.IsZero() {
		o.notBefore = now.Add(-24 * time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = now.Add(365 * 24 * time.Hour)
	}
	if o.keyUsage == 0 {
		o.keyUsage = x509.KeyUsageDigitalSignature
	}
	if o.dns == "" {
		o.dns = x509Host
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"Hogeschool Domstad"}, CommonName: o.dns},
		NotBefore:    o.notBefore, NotAfter: o.notAfter,
		KeyUsage: o.keyUsage, BasicConstraintsValid: true,
		DNSNames: []string{o.dns},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, pub, a.Key())
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *x509Fixture) verifyOpts() oid4vp.VerifyOptions {
	o := f.verifierFixture.verifyOpts()
	o.VerifierAnchors = f.anchors
	return o
}

// forge signs r as an X.509 request object with key and the given extra
// header members, bypassing SignRequestObject's checks.
func forge(t testing.TB, key *jose.PrivateKey, extra map[string]any, r oid4vp.AuthorizationRequest) string {
	t.Helper()
	r.Audience, r.IssuedAt = oid4vp.SelfIssuedAudience, now.Unix()
	tok, err := jose.Sign(key, oid4vp.TypRequestObject, extra, []byte(mustJSON(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func x5c(chain ...*x509.Certificate) map[string]any { return map[string]any{"x5c": pki.X5C(chain)} }

func TestX509RequestObjectRoundTrip(t *testing.T) {
	f := newX509Verifier(t)
	pol := oid4vp.URLPolicy{AllowLoopback: true}
	for _, tc := range []struct {
		name     string
		clientID string
		respURI  string
	}{
		{"x509_hash", f.clientID, "https://anywhere.example/response"},
		{"x509_san_dns", oid4vp.PrefixX509SANDNS + ":" + x509Host, "https://verifier.example/response"},
		{"x509_san_dns, host in another case", oid4vp.PrefixX509SANDNS + ":" + x509Host, "https://Verifier.Example:8443/response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.request(t, tc.respURI)
			r.ClientID = tc.clientID
			tok, err := oid4vp.SignRequestObject(f.key, r, now, 5*time.Minute, pol, f.leaf)
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseCompact(tok)
			if err != nil {
				t.Fatal(err)
			}
			if jws.Header.Kid != "" {
				t.Errorf("kid %q sent with x5c", jws.Header.Kid)
			}
			o := f.verifyOpts()
			o.ClientID = tc.clientID
			vr, err := oid4vp.VerifyRequestObject(context.Background(), tok, o)
			if err != nil {
				t.Fatal(err)
			}
			if vr.Chain == nil || !vr.Chain.Leaf.Equal(f.leaf) || !vr.Chain.Path[len(vr.Chain.Path)-1].Equal(f.anchor.Cert) {
				t.Fatalf("chain %+v", vr.Chain)
			}
			if vr.Chain.Leaf.Subject.Organization[0] != "Hogeschool Domstad" || !vr.Key.Equal(f.key.Public()) || vr.ClientID.String() != tc.clientID {
				t.Fatalf("verified %+v", vr)
			}
		})
	}
}

// TestX509Hostile is the hostile table of the X.509 Client Identifier
// Prefixes (OpenID4VP 1.0 §5.9.3; issue 15): each request object is
// refused with its class.
func TestX509Hostile(t *testing.T) {
	f := newX509Verifier(t)
	ctx := context.Background()
	other, err := pki.NewDevAuthority(pki.AuthorityConfig{NotBefore: now.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey := newECKey(t)
	sanID := oid4vp.PrefixX509SANDNS + ":" + x509Host
	req := func(clientID, respURI string) oid4vp.AuthorizationRequest {
		r := f.request(t, respURI)
		r.ClientID = clientID
		return r
	}
	okReq := req(f.clientID, "https://verifier.example/response")
	// withHash signs with f.key a request whose client_id is the x509_hash
	// of leaf, carrying leaf in x5c.
	withHash := func(leaf *x509.Certificate, chain ...*x509.Certificate) (string, string) {
		id := oid4vp.PrefixX509Hash + ":" + pki.X509Hash(leaf)
		return id, forge(t, f.key, x5c(append([]*x509.Certificate{leaf}, chain...)...), req(id, "https://verifier.example/response"))
	}
	expired := leafCert(t, f.anchor, f.ecKey.Public(), leafOpts{notBefore: now.Add(-48 * time.Hour), notAfter: now.Add(-time.Hour)})
	future := leafCert(t, f.anchor, f.ecKey.Public(), leafOpts{notBefore: now.Add(time.Hour)})
	noSig := leafCert(t, f.anchor, f.ecKey.Public(), leafOpts{keyUsage: x509.KeyUsageKeyEncipherment})
	foreign := leafCert(t, other, f.ecKey.Public(), leafOpts{})
	otherHost := leafCert(t, f.anchor, f.ecKey.Public(), leafOpts{dns: "other.example"})

	type tc struct {
		name     string
		clientID string
		token    string
		noAnchor bool
		want     []error
	}
	cases := []tc{
		{name: "leaf hash mismatch", clientID: oid4vp.PrefixX509Hash + ":" + pki.X509Hash(otherHost),
			token: forge(t, f.key, x5c(f.leaf), req(oid4vp.PrefixX509Hash+":"+pki.X509Hash(otherHost), "https://verifier.example/response")),
			want:  []error{oid4vp.ErrClientID, pki.ErrNameMismatch, credentials.ErrTrust}},
		{name: "x5c missing", clientID: f.clientID, token: forge(t, f.key.WithKeyID(""), nil, okReq),
			want: []error{oid4vp.ErrClientID, credentials.ErrTrust}},
		{name: "kid-only header", clientID: f.clientID, token: forge(t, f.key.WithKeyID("did:web:verifier.example#key-1"), nil, okReq),
			want: []error{oid4vp.ErrClientID, credentials.ErrTrust}},
		{name: "x5c with the anchor only", clientID: f.clientID, token: forge(t, f.key, x5c(f.anchor.Cert), okReq),
			want: []error{pki.ErrUntrusted, credentials.ErrTrust}},
		{name: "x5c leaf and the anchor", clientID: f.clientID, token: forge(t, f.key, x5c(f.leaf, f.anchor.Cert), okReq),
			want: []error{pki.ErrUntrusted, credentials.ErrTrust}},
		{name: "signature by another key", clientID: f.clientID, token: forge(t, otherKey, x5c(f.leaf), okReq),
			want: []error{jose.ErrBadSignature, credentials.ErrSignature}},
		{name: "SAN mismatch", clientID: sanID, token: forge(t, f.key, x5c(otherHost), req(sanID, "https://verifier.example/response")),
			want: []error{oid4vp.ErrClientID, pki.ErrNameMismatch, credentials.ErrTrust}},
		{name: "x509_san_dns response_uri on another host", clientID: sanID,
			token: forge(t, f.key, x5c(f.leaf), req(sanID, "https://evil.example/response")),
			want:  []error{oid4vp.ErrClientID, credentials.ErrTrust}},
		{name: "no verifier anchors", clientID: f.clientID, token: forge(t, f.key, x5c(f.leaf), okReq), noAnchor: true,
			want: []error{oid4vp.ErrNoVerifierAnchors, credentials.ErrTrust}},
		{name: "x5c not an array", clientID: f.clientID, token: forge(t, f.key, map[string]any{"x5c": "MIIB"}, okReq),
			want: []error{pki.ErrMalformed, credentials.ErrFormat}},
		{name: "unsigned", clientID: f.clientID,
			token: jose.EncodeSegment([]byte(`{"alg":"none","typ":"oauth-authz-req+jwt"}`)) + "." + jose.EncodeSegment([]byte(mustJSON(t, okReq))) + ".",
			want:  []error{oid4vp.ErrUnsigned, credentials.ErrAlg}},
	}
	add := func(name string, leaf *x509.Certificate, want ...error) {
		id, tok := withHash(leaf)
		cases = append(cases, tc{name: name, clientID: id, token: tok, want: want})
	}
	add("chain to an untrusted anchor", foreign, pki.ErrUntrusted, credentials.ErrTrust)
	add("expired leaf", expired, pki.ErrExpired, credentials.ErrClaim)
	add("not-yet-valid leaf", future, pki.ErrNotYetValid, credentials.ErrClaim)
	add("leaf without digitalSignature", noSig, pki.ErrKeyUsage, credentials.ErrTrust)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := f.verifyOpts()
			o.ClientID = c.clientID
			if c.noAnchor {
				o.VerifierAnchors = nil
			}
			vr, err := oid4vp.VerifyRequestObject(ctx, c.token, o)
			if vr != nil || err == nil {
				t.Fatalf("accepted: %+v", vr)
			}
			for _, w := range c.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v is not %v", err, w)
				}
			}
		})
	}
	// The same request, re-signed correctly, is accepted: the table's
	// refusals come from what each case changed.
	if _, err := oid4vp.VerifyRequestObject(ctx, forge(t, f.key, x5c(f.leaf), okReq), func() oid4vp.VerifyOptions {
		o := f.verifyOpts()
		o.ClientID = f.clientID
		return o
	}()); err != nil {
		t.Fatalf("control: %v", err)
	}
}

func TestSignRequestObjectX509Refuses(t *testing.T) {
	f := newX509Verifier(t)
	pol := oid4vp.URLPolicy{}
	_, otherKey := newECKey(t)
	otherHost := leafCert(t, f.anchor, f.ecKey.Public(), leafOpts{dns: "other.example"})
	r := f.request(t, "https://verifier.example/response")
	r.ClientID = f.clientID
	san := r
	san.ClientID = oid4vp.PrefixX509SANDNS + ":" + x509Host
	did := newVerifier(t)
	for _, tc := range []struct {
		name  string
		key   *jose.PrivateKey
		r     oid4vp.AuthorizationRequest
		chain []*x509.Certificate
	}{
		{"no chain", f.key, r, nil},
		{"leaf certifies another key", otherKey, r, []*x509.Certificate{f.leaf}},
		{"hash of another leaf", f.key, r, []*x509.Certificate{otherHost}},
		{"SAN not the dns name", f.key, san, []*x509.Certificate{otherHost}},
		{"chain with a decentralized_identifier", did.key, did.request(t, "https://verifier.example/response"), []*x509.Certificate{f.leaf}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := oid4vp.SignRequestObject(tc.key, tc.r, now, time.Minute, pol, tc.chain...); !errors.Is(err, oid4vp.ErrClientID) {
				t.Fatalf("got %v, want ErrClientID", err)
			}
		})
	}
	wrongHost := san
	wrongHost.ResponseURI = "https://other.example/response"
	if _, err := oid4vp.SignRequestObject(f.key, wrongHost, now, time.Minute, pol, f.leaf); !errors.Is(err, oid4vp.ErrClientID) {
		t.Fatalf("x509_san_dns with a response_uri on another host: %v", err)
	}
}

func TestX509ClientIDSyntax(t *testing.T) {
	pol := oid4vp.URLPolicy{}
	for _, good := range []string{
		"x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk", // §5.9.3's example
		"x509_san_dns:client.example.org",                       // §5.9.3's example
		"x509_san_dns:localhost",
	} {
		if _, err := oid4vp.ParseClientID(good, pol); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	for _, bad := range []string{
		"x509_hash:", "x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk=", "x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZsz",
		"x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk0", "x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZs+k",
		"x509_san_dns:", "x509_san_dns:https://client.example.org", "x509_san_dns:client.example.org.", "x509_san_dns:127.0.0.1",
		"x509_san_dns:-client.example.org", "x509_san_dns:client..example.org", "x509_san_dns:client.example.org:443",
		"x509_san_dns:" + strings.Repeat("a", 64) + ".example",
	} {
		if _, err := oid4vp.ParseClientID(bad, pol); !errors.Is(err, oid4vp.ErrClientID) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// x509Vectors are the committed X.509 request objects: signed at now by a
// leaf under testdata/x509-anchor.pem that is valid from 2025 to 2035, so
// that they verify at the tests' fixed time. Rewrite them with
// go test ./credentials/oid4vp -run TestX509Vectors -update.
var x509Vectors = []string{"x509-hash-request-object.jwt", "x509-san-dns-request-object.jwt"}

func TestX509Vectors(t *testing.T) {
	if *update {
		writeX509Vectors(t)
	}
	anchors, err := pki.ParseAnchorsPEM(vector(t, "x509-anchor.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range x509Vectors {
		tok := strings.TrimSpace(string(vector(t, name)))
		vr, err := oid4vp.VerifyRequestObject(context.Background(), tok, x509VectorOpts(t, tok, anchors))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if vr.Chain == nil || vr.Chain.Leaf.Subject.Organization[0] != "Hogeschool Domstad" {
			t.Fatalf("%s: %+v", name, vr.Chain)
		}
	}
}

// x509VectorOpts are the Wallet's options for a committed vector: its own
// client_id, the vector anchor, the tests' fixed time.
func x509VectorOpts(t testing.TB, tok string, anchors *pki.Anchors) oid4vp.VerifyOptions {
	t.Helper()
	o := oid4vp.VerifyOptions{Now: now, URLs: oid4vp.URLPolicy{AllowLoopback: true}, VerifierAnchors: anchors}
	if jws, err := jose.ParseCompact(tok); err == nil {
		if r, err := oid4vp.ParseAuthorizationRequest(jws.Payload); err == nil {
			o.ClientID = r.ClientID
		}
	}
	return o
}

func writeX509Vectors(t *testing.T) {
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "paspoort test anchor", NotBefore: from, Validity: 20 * 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ec, key := newECKey(t)
	leaf := leafCert(t, a, ec.Public(), leafOpts{notBefore: from, notAfter: from.Add(10 * 365 * 24 * time.Hour)})
	if err := os.WriteFile(filepath.Join("testdata", "x509-anchor.pem"), pki.EncodePEM(a.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t)
	for i, id := range []string{oid4vp.PrefixX509Hash + ":" + pki.X509Hash(leaf), oid4vp.PrefixX509SANDNS + ":" + x509Host} {
		r := v.request(t, "https://verifier.example/response")
		r.ClientID = id
		tok, err := oid4vp.SignRequestObject(key, r, now, 5*time.Minute, oid4vp.URLPolicy{}, leaf)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", x509Vectors[i]), []byte(tok+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
