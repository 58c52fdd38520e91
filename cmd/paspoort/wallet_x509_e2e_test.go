package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/wallet"
)

// resigningProxy serves the request objects of the verifier at ver,
// re-signed with key and carrying chain in x5c: the payload (client_id,
// nonce, response_uri) is the verifier's own, byte for byte. It is what
// an attacker who holds another certificate under the same anchor, or
// under another, could put between wallet and verifier.
func resigningProxy(t *testing.T, cert tls.Certificate, rt http.RoundTripper, ver string, key *jose.PrivateKey, chain ...*x509.Certificate) string {
	t.Helper()
	client := &http.Client{Transport: rt, Timeout: 10 * time.Second}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		res, err := client.PostForm(ver+r.URL.Path, r.PostForm)
		if err != nil {
			http.Error(w, "upstream", http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		jws, err := jose.ParseCompact(string(b))
		if err != nil {
			http.Error(w, "upstream", http.StatusBadGateway)
			return
		}
		tok, err := jose.Sign(key, oid4vp.TypRequestObject, map[string]any{"x5c": pki.X5C(chain)}, jws.Payload)
		if err != nil {
			http.Error(w, "sign", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
		_, _ = io.WriteString(w, tok)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// viaProxy returns link with its request_uri moved to proxy (same path).
func viaProxy(t *testing.T, link, proxy string) string {
	t.Helper()
	inv, err := oid4vp.ParseInvocationURI(link, oid4vp.URLPolicy{AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(inv.RequestURI)
	return oid4vp.InvocationRequest{ClientID: inv.ClientID, RequestURI: proxy + u.Path, RequestURIMethod: inv.RequestURIMethod}.URI()
}

// TestWalletWithX509Verifier: the HAIP verifier (OpenID4VP 1.0 §5.9.3
// x509_hash, HAIP 1.0 §5) end to end. A real verifier with ClientIDPrefix
// x509_hash and a chain from a development anchor; the paspoort wallet,
// given that anchor, reads its request (the consent names the organisation
// from the certificate), presents a credential of the real (DID profile)
// issuer over direct_post.jwt, and the decision uses it. The same wallet
// without the anchor, or with another, refuses the request before it sends
// anything (ErrVerifierUntrusted; the transaction stays pending and the
// history empty). A request object re-signed with another certificate, of
// the same anchor or of another, is refused.
func TestWalletWithX509Verifier(t *testing.T) {
	ctx := context.Background()
	cert, pool := loopbackCert(t)
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	admin := &http.Client{Transport: rt, Timeout: 20 * time.Second}
	iss := startRealIssuer(t, cert)

	authority, err := pki.NewDevAuthority(pki.AuthorityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	anchors, _ := pki.NewAnchors(authority.Cert)
	key, _ := jose.GenerateKey(jose.ES256)
	leaf, err := authority.Issue(key.Public().Crypto(), pki.LeafConfig{CommonName: "Installatiebedrijf Warmte & Zo", DNSNames: []string{"warmte.example"}})
	if err != nil {
		t.Fatal(err)
	}
	ver := startVerifierWith(t, &cert, rt, iss, func(c *verifier.Config) {
		c.SigningKey, c.ClientIDPrefix, c.X5CChain = key, oid4vp.PrefixX509Hash, []*x509.Certificate{leaf}
	})

	var offer issuer.Offer
	adminJSON(t, admin, http.MethodPost, iss+"/admin/offers", map[string]any{
		"credentials": []map[string]any{{"type": "level", "claims": claimsOf(t, "level", nil)}}, "subject_ref": "x509-1",
	}, &offer)
	dir := t.TempDir()
	base := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(rt),
		wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1})}
	const pass = "a long wallet passphrase"
	w, err := wallet.Init(ctx, dir, []byte(pass), base...)
	if err != nil {
		t.Fatal(err)
	}
	o, err := w.ResolveOffer(ctx, offer.OfferURIByReference)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Receive(ctx, o, wallet.ReceiveOptions{TxCode: offer.TxCode}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	open := func(opts ...wallet.Option) *wallet.Wallet {
		t.Helper()
		w, err := wallet.OpenDir(ctx, dir, []byte(pass), append(append([]wallet.Option(nil), base...), opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
	newRequest := func() verifier.Request {
		var req verifier.Request
		adminJSON(t, admin, http.MethodPost, ver+"/admin/transactions", map[string]string{"profile": "installatiemonteur"}, &req)
		return req
	}
	status := func(id string) verifier.Status {
		var st verifier.Status
		adminJSON(t, admin, http.MethodGet, ver+"/admin/transactions/"+id, nil, &st)
		return st
	}

	// Refused before anything is sent: no anchors, another anchor.
	other, _ := pki.NewDevAuthority(pki.AuthorityConfig{})
	otherAnchors, _ := pki.NewAnchors(other.Cert)
	for _, tc := range []struct {
		name string
		opts []wallet.Option
		want error
	}{
		{"no verifier anchors", nil, oid4vp.ErrNoVerifierAnchors},
		{"another anchor", []wallet.Option{wallet.WithVerifierAnchors(otherAnchors)}, pki.ErrUntrusted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := open(tc.opts...)
			req := newRequest()
			_, err := w.ReadRequest(ctx, req.RequestURI)
			if !errors.Is(err, wallet.ErrVerifierUntrusted) || !errors.Is(err, tc.want) {
				t.Fatalf("read request: %v", err)
			}
			// What the holder reads: class, what happened, what to do.
			if msg := shareError(err).Error(); !strings.HasPrefix(msg, "TRUST: ") || !strings.Contains(msg, "kon niet nagaan welke organisatie") ||
				!strings.Contains(msg, "niets gedeeld") || !strings.Contains(msg, "--verifier-anchors") {
				t.Fatalf("message %q", msg)
			}
			if h, err := w.History(ctx); err != nil || len(h) != 0 {
				t.Fatalf("history %+v %v", h, err)
			}
			if st := status(req.TransactionID); st.Status != verifier.TxPending || st.Decision != nil {
				t.Fatalf("transaction %+v", st)
			}
			w.Close()
		})
	}

	// Re-signed request objects: a certificate of the same anchor (its
	// hash is not the client_id), of another anchor.
	forgerKey, _ := jose.GenerateKey(jose.ES256)
	sameAnchor, err := authority.Issue(forgerKey.Public().Crypto(), pki.LeafConfig{CommonName: "Installatiebedrijf Warmte & Zo", DNSNames: []string{"warmte.example"}})
	if err != nil {
		t.Fatal(err)
	}
	otherLeaf, err := other.Issue(forgerKey.Public().Crypto(), pki.LeafConfig{DNSNames: []string{"warmte.example"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		key   *jose.PrivateKey
		chain []*x509.Certificate
		want  []error
	}{
		{"another certificate of the same anchor", forgerKey, []*x509.Certificate{sameAnchor}, []error{oid4vp.ErrClientID, pki.ErrNameMismatch}},
		{"a certificate of another anchor", forgerKey, []*x509.Certificate{otherLeaf}, []error{wallet.ErrVerifierUntrusted, pki.ErrUntrusted}},
		{"the verifier's certificate, another key", forgerKey, []*x509.Certificate{leaf}, []error{jose.ErrBadSignature}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := open(wallet.WithVerifierAnchors(anchors))
			req := newRequest()
			proxy := resigningProxy(t, cert, rt, ver, tc.key, tc.chain...)
			_, err := w.ReadRequest(ctx, viaProxy(t, req.RequestURI, proxy))
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("read request: %v, want %v", err, want)
				}
			}
			if st := status(req.TransactionID); st.Status != verifier.TxPending {
				t.Fatalf("transaction %+v", st)
			}
			w.Close()
		})
	}

	// The wallet with the anchor presents over direct_post.jwt.
	w = open(wallet.WithVerifierAnchors(anchors))
	req := newRequest()
	pr, err := w.ReadRequest(ctx, req.RequestURI)
	if err != nil {
		t.Fatalf("read request: %v", err)
	}
	if pr.ClientID != "x509_hash:"+pki.X509Hash(leaf) || pr.ResponseMode != oid4vp.ResponseModeDirectPostJWT {
		t.Fatalf("request %+v", pr)
	}
	if pr.Certificate == nil || pr.Certificate.Organisation != "Installatiebedrijf Warmte & Zo" || pr.VerifierName != pr.Certificate.Organisation ||
		pr.Certificate.Hash != pki.X509Hash(leaf) || !strings.Contains(pr.Certificate.Anchor, "paspoort development anchor") {
		t.Fatalf("certificate %+v, name %q", pr.Certificate, pr.VerifierName)
	}
	var consent strings.Builder
	printConsent(&consent, pr)
	if c := consent.String(); !strings.HasPrefix(c, "Installatiebedrijf Warmte & Zo vraagt") || !strings.Contains(c, "certificaat van de organisatie") ||
		strings.Contains(c, pr.Certificate.Hash) {
		t.Fatalf("consent:\n%s", c)
	}
	res, err := w.Present(ctx, pr, &wallet.Selection{IncludeOptional: true})
	if err != nil {
		t.Fatalf("present: %v", err)
	}
	if len(res.Presentation.Credentials) != 1 || res.Presentation.Verifier != pr.ClientID {
		t.Fatalf("shared %+v", res.Presentation)
	}
	var st verifier.Status
	adminJSON(t, admin, http.MethodGet, ver+"/admin/transactions/"+req.TransactionID+"?wait=5s", nil, &st)
	if st.Decision == nil || len(st.Decision.Rejected) != 0 || len(st.Decision.Credentials) != 1 {
		t.Fatalf("decision %+v", st)
	}
}

// TestWalletVerifierAnchorsFlag: --verifier-anchors is on "wallet present"
// and "wallet serve"; a file that holds no CA certificate (a leaf chain)
// is refused before the wallet is opened, naming the flag.
func TestWalletVerifierAnchorsFlag(t *testing.T) {
	tmp := t.TempDir()
	anchor := filepath.Join(tmp, "pki")
	mustCLI(t, "", "pki", "init", "--dir", anchor)
	mustCLI(t, "", "pki", "issue", "--dir", anchor, "--dns", "warmte.example", "--out", filepath.Join(tmp, "leaf"))
	for _, sub := range []string{"present", "serve"} {
		if out := mustCLI(t, "", "wallet", sub, "--help"); !strings.Contains(out, "--verifier-anchors") {
			t.Errorf("wallet %s --help lacks --verifier-anchors", sub)
		}
	}
	for _, file := range []string{filepath.Join(tmp, "leaf.chain.pem"), filepath.Join(tmp, "missing.pem")} {
		_, errOut, code := cli(t, "", "--lang", "en", "wallet", "present", "--dir", filepath.Join(tmp, "w"), "--verifier-anchors", file, "openid4vp://?x=1")
		if code == 0 || !strings.Contains(errOut, "verifier-anchors") {
			t.Fatalf("%s: exit %d: %s", file, code, errOut)
		}
	}
	_, errOut, code := cli(t, "", "wallet", "present", "--dir", filepath.Join(tmp, "w"), "--verifier-anchors", filepath.Join(anchor, "anchor.pem"), "openid4vp://?x=1")
	if code == 0 || strings.Contains(errOut, "verifier-anchors") {
		t.Fatalf("a good anchor file refused: exit %d: %s", code, errOut)
	}
}
