package wallet_test

import (
	"crypto/x509"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// TestHAIPOnlyIssuer: paspoort's wallet receives from an issuer that
// speaks HAIP 1.0 only (haipIssuer: no DID, no JWT VC Issuer Metadata)
// over the authorization code flow with PAR, PKCE S256, DPoP with server
// nonces, a Wallet Attestation and a Key Attestation from paspoort's wallet
// provider; it verifies the x5c credential under its issuer anchor, shows it
// valid by the certified status list, and revoked once the issuer flips
// the list's bit.
func TestHAIPOnlyIssuer(t *testing.T) {
	anchors := newHAIPAnchors(t)
	iss := newHAIPIssuer(t, anchors)
	provider := newWalletProvider(t, anchors.provider)
	w := initWallet(t, t.TempDir(), wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(iss.srv.Client().Transport),
		wallet.WithIssuerAnchors(anchorsOf(t, anchors.issuer)), wallet.WithWalletProvider(provider), wallet.WithStatusListMinEntries(0))
	defer w.Close()

	got := receiveHAIP(t, w, iss)
	c := got[0]
	if c.Issuer != iss.srv.URL || c.Type != "skill" || c.Copies != iss.issued || len(c.Status) != c.Copies || len(c.AuthorityKeyIDs) == 0 {
		t.Fatalf("stored %+v (issued %d)", c, iss.issued)
	}
	if iss.nonceAsked["/token"] == 0 {
		t.Error("the token endpoint never had to ask for its DPoP nonce: the test does not cover use_dpop_nonce")
	}

	r, err := w.CheckStatus(ctx, c, false)
	if err != nil || r.Status != wallet.StatusValid {
		t.Fatalf("status after receipt: %+v, %v", r, err)
	}
	iss.revoke(t, 0)
	r, err = w.CheckStatus(statuslist.Fresh(ctx), c, false)
	if err != nil || r.Status != wallet.StatusRevoked {
		t.Fatalf("status after revocation: %+v, %v", r, err)
	}
}

// receiveHAIP runs the authorization code flow against iss with the test
// as the holder's browser: it opens the authorization page and takes the
// redirect back.
func receiveHAIP(t *testing.T, w *wallet.Wallet, iss *haipIssuer) []*wallet.Credential {
	t.Helper()
	o, err := w.ResolveOffer(ctx, iss.offer())
	if err != nil {
		t.Fatal(err)
	}
	if o.Flow != wallet.FlowAuthorizationCode || o.IssuerName != "Opleiding Noord" {
		t.Fatalf("offer %+v", o)
	}
	az, err := w.StartAuthorization(ctx, o, "http://127.0.0.1:5555/callback")
	if err != nil {
		t.Fatal(err)
	}
	browser := iss.srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := browser.Get(az.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorization page: %s", res.Status)
	}
	got, err := w.FinishAuthorization(ctx, az, res.Header.Get("Location"), wallet.ReceiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("received %d credentials", len(got))
	}
	return got
}

// TestHAIPOnlyVerifier: paspoort's wallet presents the credential it
// received from the HAIP-only issuer to a HAIP-only verifier (haipVerifier:
// x509_hash, signed request object with x5c, direct_post.jwt, DCQL with
// trusted_authorities aki), which decrypts and verifies it and answers with
// a redirect_uri the wallet hands back; the history records the
// presentation without a receipt (an X.509 verifier signs none). A wallet
// that does not trust the verifier's anchor refuses the request and sends
// nothing; once the issuer revokes the credential the wallet no longer
// presents it.
func TestHAIPOnlyVerifier(t *testing.T) {
	anchors := newHAIPAnchors(t)
	verifierAnchor, err := pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "verifier anchor"})
	if err != nil {
		t.Fatal(err)
	}
	iss := newHAIPIssuer(t, anchors)
	provider := newWalletProvider(t, anchors.provider)
	v := newHAIPVerifier(t, verifierAnchor, anchors.issuer)
	opts := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(iss.srv.Client().Transport),
		wallet.WithIssuerAnchors(anchorsOf(t, anchors.issuer)), wallet.WithWalletProvider(provider), wallet.WithStatusListMinEntries(0)}
	dir := t.TempDir()
	w := initWallet(t, dir, append(opts, wallet.WithVerifierAnchors(anchorsOf(t, verifierAnchor)))...)
	defer func() { w.Close() }()
	c := receiveHAIP(t, w, iss)[0]

	for _, tt := range []struct {
		name   string
		anchor *pki.Authority // the wallet's verifier anchor; nil: none
	}{
		{"TRUST: verifier anchor not configured", nil},
		{"TRUST: verifier chain to another anchor", anchors.issuer},
	} {
		t.Run(tt.name, func(t *testing.T) {
			more := []wallet.Option{}
			if tt.anchor != nil {
				more = append(more, wallet.WithVerifierAnchors(anchorsOf(t, tt.anchor)))
			}
			other := initWallet(t, t.TempDir(), append(opts, more...)...)
			defer other.Close()
			if _, err := other.ReadRequest(ctx, v.invocation()); !errors.Is(err, wallet.ErrVerifierUntrusted) || !errors.Is(err, credentials.ErrTrust) {
				t.Fatalf("got %v, want ErrVerifierUntrusted", err)
			}
		})
	}

	pr, err := w.ReadRequest(ctx, v.invocation())
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Satisfied || pr.ClientID != v.clientID || pr.ResponseMode != "direct_post.jwt" || pr.VerifierName != "Werkgever Zuid" ||
		pr.Certificate == nil || len(pr.Queries) != 1 || len(pr.Queries[0].Options) != 1 || pr.Queries[0].Options[0].CredentialID != c.ID {
		t.Fatalf("request %+v", pr)
	}
	res, err := w.Present(ctx, pr, nil)
	if err != nil {
		_, refused := v.outcomes()
		t.Fatalf("%v (verifier refused: %v)", err, refused)
	}
	accepted, refused := v.outcomes()
	if len(accepted) != 1 || len(refused) != 0 {
		t.Fatalf("verifier accepted %d, refused %v", len(accepted), refused)
	}
	if got := accepted[0]; got.Issuer != iss.srv.URL || !slices.Equal(slices.Sorted(slices.Values(got.Disclosed)), []string{"/proficiency", "/skill"}) {
		t.Fatalf("verified %+v", got)
	}
	if !strings.HasPrefix(res.RedirectURI, v.srv.URL+"/done#response_code=") {
		t.Errorf("redirect_uri %q not handed back", res.RedirectURI)
	}
	if res.Decision != nil || res.DecisionNotKept != nil || res.DecisionRefused != "" {
		t.Errorf("receipt: %+v", res)
	}
	h, err := w.History(ctx)
	if err != nil || len(h) != 1 || h[0].Outcome != "sent" || h[0].Verifier != v.clientID || h[0].VerifierName != "Werkgever Zuid" ||
		h[0].Decision != nil || len(h[0].Credentials) != 1 || h[0].Credentials[0].CredentialID != c.ID {
		t.Fatalf("history %+v, %v", h, err)
	}

	// revoked at the issuer: the wallet's status check before presenting
	// finds it through the certified list, and nothing is sent
	iss.revoke(t, 0)
	w.Close()
	w = openWallet(t, dir, append(opts, wallet.WithVerifierAnchors(anchorsOf(t, verifierAnchor)))...)
	pr, err = w.ReadRequest(ctx, v.invocation())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Present(ctx, pr, nil); !errors.Is(err, wallet.ErrNoUsableCopy) {
		t.Fatalf("revoked credential presented: %v", err)
	}
	if accepted, refused := v.outcomes(); len(accepted)+len(refused) != 1 {
		t.Fatal("something was sent after revocation")
	}
}

// TestHAIPStatusListTrust: the status list of a credential certified by
// the wallet's issuer anchor counts only when its own x5c leads to that
// same anchor and names the issuer (HAIP §7); otherwise the copy's status
// is unknown (TRUST), never valid, even when the list is signed with the
// issuer's own key.
func TestHAIPStatusListTrust(t *testing.T) {
	anchors := newHAIPAnchors(t)
	iss := newHAIPIssuer(t, anchors)
	provider := newWalletProvider(t, anchors.provider)
	dir := t.TempDir()
	opts := []wallet.Option{wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(iss.srv.Client().Transport),
		wallet.WithIssuerAnchors(anchorsOf(t, anchors.issuer)), wallet.WithWalletProvider(provider), wallet.WithStatusListMinEntries(0)}
	w := initWallet(t, dir, opts...)
	c := receiveHAIP(t, w, iss)[0]
	w.Close()

	leafUnder := func(a *pki.Authority, uri string) (*jose.PrivateKey, []string) {
		k, _ := jose.GenerateKey(jose.ES256)
		leaf, err := a.Issue(k.Signer().Public(), pki.LeafConfig{URIs: []string{uri}})
		if err != nil {
			t.Fatal(err)
		}
		return k, pki.X5C([]*x509.Certificate{leaf})
	}
	otherKey, otherX5C := leafUnder(anchors.provider, iss.srv.URL)
	strangerKey, strangerX5C := leafUnder(anchors.issuer, "https://other-issuer.example")
	for _, tt := range []struct {
		name  string
		key   *jose.PrivateKey
		x5c   []string
		want  wallet.Status
		class error
	}{
		{"list under the same anchor", iss.key, iss.x5c, wallet.StatusValid, nil},
		{"TRUST: list signed under another anchor", otherKey, otherX5C, wallet.StatusUnknown, credentials.ErrTrust},
		{"TRUST: list without x5c, by the issuer's key", iss.key, nil, wallet.StatusUnknown, credentials.ErrTrust},
		{"TRUST: list by a leaf of another issuer under the same anchor", strangerKey, strangerX5C, wallet.StatusUnknown, credentials.ErrTrust},
	} {
		t.Run(tt.name, func(t *testing.T) {
			iss.signListWith(tt.key, tt.x5c)
			w := openWallet(t, dir, opts...) // a fresh list cache
			defer w.Close()
			r, err := w.CheckStatus(ctx, c, false)
			if r.Status != tt.want || (tt.class == nil) != (err == nil) || (tt.class != nil && !errors.Is(err, tt.class)) {
				t.Fatalf("status %+v, %v; want %s", r, err, tt.want)
			}
		})
	}
}

// TestHAIPRevokedRightAfterReceipt: a credential the issuer revokes right
// after the wallet received it is not presented in the same session: the
// status list fetched while verifying it on receipt is not what the check
// before presenting answers from (it would say valid for the list's ttl).
func TestHAIPRevokedRightAfterReceipt(t *testing.T) {
	anchors := newHAIPAnchors(t)
	verifierAnchor, err := pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "verifier anchor"})
	if err != nil {
		t.Fatal(err)
	}
	iss := newHAIPIssuer(t, anchors)
	v := newHAIPVerifier(t, verifierAnchor, anchors.issuer)
	w := initWallet(t, t.TempDir(), wallet.WithAllowLoopback(), wallet.WithTransportUnsafe(iss.srv.Client().Transport),
		wallet.WithIssuerAnchors(anchorsOf(t, anchors.issuer)), wallet.WithWalletProvider(newWalletProvider(t, anchors.provider)),
		wallet.WithStatusListMinEntries(0), wallet.WithVerifierAnchors(anchorsOf(t, verifierAnchor)))
	defer w.Close()
	receiveHAIP(t, w, iss)
	iss.revoke(t, 0)
	pr, err := w.ReadRequest(ctx, v.invocation())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Present(ctx, pr, nil); !errors.Is(err, wallet.ErrNoUsableCopy) || !errors.Is(err, credentials.ErrStatus) {
		t.Fatalf("revoked credential: %v, want ErrNoUsableCopy", err)
	}
	if accepted, refused := v.outcomes(); len(accepted)+len(refused) != 0 {
		t.Fatal("something was sent")
	}
}
