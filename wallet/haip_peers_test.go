package wallet_test

import (
	"net/http"
	"testing"

	"github.com/loopbrug/paspoort/credentials/statuslist"
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
