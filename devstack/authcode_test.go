package devstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/wallet"
)

// skillExample is the skill type's example claims.
func skillExample() json.RawMessage {
	t, _ := ppp.Lookup(ppp.TypeSkill)
	return t.Example()
}

// browser signs in at pageURL as the holder would, or fails the test.
func browser(t *testing.T, s *devstack.Stack, pageURL, txCode, decision string) string {
	t.Helper()
	back, err := s.SignIn(context.Background(), pageURL, txCode, decision == "allow")
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// TestWalletAuthorizationCodeFlow: paspoort's wallet receives over the
// Authorization Code Flow from a paspoort issuer (HAIP 1.0 §4): the offer
// with issuer_state → PAR with PKCE (S256), scope and dpop_jkt → the
// holder's browser on the issuer's page with the transaction code → the
// redirect back (state, iss) → token with the code_verifier and a DPoP
// proof (after use_dpop_nonce) → DPoP-bound credential requests. The
// credential is verified and stored. Then the refusals: a refusal at the
// page, a redirect with another state, the code redeemed twice.
func TestWalletAuthorizationCodeFlow(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, t.TempDir(), false)
	w := newHolder(t, s)
	const redirect = "http://127.0.0.1:1/callback"
	offer := func(t *testing.T) (*wallet.Offer, string) {
		t.Helper()
		o, err := s.CreateOffer(ctx, devstack.IssuerAssessment, issuer.OfferRequest{Type: "skill", Claims: skillExample(), TxCode: true, Grant: issuer.GrantAuthorizationCode})
		if err != nil {
			t.Fatal(err)
		}
		off, err := w.ResolveOffer(ctx, o.OfferURIByReference)
		if err != nil {
			t.Fatal(err)
		}
		if off.Flow != wallet.FlowAuthorizationCode || off.TxCode != nil {
			t.Fatalf("offer flow %q, tx_code %v", off.Flow, off.TxCode)
		}
		return off, o.TxCode
	}

	off, txCode := offer(t)
	az, err := w.StartAuthorization(ctx, off, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(az.URL, "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A") || strings.Contains(az.URL, "code_challenge") {
		t.Fatalf("the page URL does not carry a pushed request: %s", az.URL)
	}
	back := browser(t, s, az.URL, txCode, "allow")
	if !strings.HasPrefix(back, redirect+"?") {
		t.Fatalf("redirect %q", back)
	}
	got, err := w.FinishAuthorization(ctx, az, back, wallet.ReceiveOptions{Copies: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Type != "skill" || got[0].Copies != 2 {
		t.Fatalf("received %+v", got)
	}
	if _, err := w.FinishAuthorization(ctx, az, back, wallet.ReceiveOptions{}); !errors.Is(err, wallet.ErrOfferUsed) {
		t.Fatalf("the code redeemed twice: %v", err)
	}

	// Each row runs one more flow to the redirect and changes what comes
	// back: the holder's answer at the page, or one parameter of the
	// redirect.
	for _, tt := range []struct {
		name, decision string
		param, value   string // a redirect parameter to replace, if any
		want           error
	}{
		{name: "refused at the page", decision: "deny", want: wallet.ErrAuthorizationDenied},
		{name: "another state", decision: "allow", param: "state", value: "forged", want: wallet.ErrAuthorizationResponse},
		{name: "another issuer in iss", decision: "allow", param: "iss", value: s.Issuer(devstack.IssuerNS).URL, want: wallet.ErrAuthorizationResponse},
	} {
		t.Run(tt.name, func(t *testing.T) {
			off, txCode := offer(t)
			az, err := w.StartAuthorization(ctx, off, redirect)
			if err != nil {
				t.Fatal(err)
			}
			back := browser(t, s, az.URL, txCode, tt.decision)
			if tt.param != "" {
				u, _ := url.Parse(back)
				q := u.Query()
				q.Set(tt.param, tt.value)
				u.RawQuery = q.Encode()
				back = u.String()
			}
			if _, err := w.FinishAuthorization(ctx, az, back, wallet.ReceiveOptions{}); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
