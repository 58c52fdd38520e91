package verifier_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/verifier"
)

// TestRequestURIMethods: the link says request_uri_method=post; a wallet
// that POSTs a wallet_nonce gets it echoed in the signed request object
// (§5.10), one that GETs gets a request object without it, and a
// wallet_nonce given twice, or a POST of another content type, is refused.
func TestRequestURIMethods(t *testing.T) {
	e := newEnv(t, trustAll(), oid4vp.ResponseModeDirectPostJWT)
	req := e.start(profileTeacher, nil)
	inv, err := oid4vp.ParseInvocationURI(req.RequestURI, oid4vp.URLPolicy{AllowLoopback: true})
	if err != nil || inv.RequestURIMethod != oid4vp.RequestURIMethodPost || inv.ClientID != e.v.ClientID() || inv.RequestURI != req.RequestObjectURI {
		t.Fatalf("link %q: %+v %v", req.RequestURI, inv, err)
	}
	w := &wallet{t: t, e: e}
	if r := w.fetch(req.RequestURI); r.WalletNonce == "" || r.ClientID != e.v.ClientID() {
		t.Fatalf("POST: wallet_nonce %q client_id %q", r.WalletNonce, r.ClientID)
	}
	get := strings.Replace(req.RequestURI, "&request_uri_method=post", "", 1)
	if r := w.fetch(get); r.WalletNonce != "" {
		t.Fatalf("GET: wallet_nonce %q", r.WalletNonce)
	}
	path := strings.TrimPrefix(req.RequestObjectURI, e.srv.URL)
	for name, tc := range map[string]struct{ body, ctype string }{
		"wallet_nonce twice": {"wallet_nonce=a&wallet_nonce=b", "application/x-www-form-urlencoded"},
		"not a form":         {`{"wallet_nonce":"a"}`, "application/json"},
		"bad metadata":       {"wallet_metadata=%7B%22a%22%3A1%2C%22a%22%3A2%7D", "application/x-www-form-urlencoded"},
	} {
		if code, body := e.do("POST", path, "", strings.NewReader(tc.body), tc.ctype); code != http.StatusBadRequest || errorCode(body) != "invalid_request" {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	if code, _ := e.do("GET", "/request/no-such-transaction", "", nil, ""); code != http.StatusNotFound {
		t.Errorf("unknown transaction: %d", code)
	}
}

// TestWalletErrorResponse: a wallet's error response (§8.5) is
// acknowledged and leaves the transaction answerable.
func TestWalletErrorResponse(t *testing.T) {
	is := newIssuer(t)
	e := newEnv(t, trustAll(is.did), oid4vp.ResponseModeDirectPostJWT)
	holder, creds := miranda(t, is)
	w := &wallet{t: t, e: e, key: holder, creds: creds}
	req := e.start(profileTeacher, nil)
	r := w.fetch(req.RequestURI)
	// An error response with a state nobody issued changes nothing.
	forged := (&oid4vp.ErrorResponse{Code: oid4vp.CodeAccessDenied, State: "not-the-state"}).Form()
	if code, _ := w.postForm(r.ResponseURI, forged); code != 200 {
		t.Fatalf("forged error response: %d", code)
	}
	if s := e.result(req.TransactionID); s.Status != verifier.TxPending {
		t.Fatalf("status after a forged decline %s", s.Status)
	}
	// The holder declines: the transaction ends as declined (so the desk
	// stops waiting), and no response is taken after it.
	decline := (&oid4vp.ErrorResponse{Code: oid4vp.CodeAccessDenied, State: r.State}).Form()
	if code, body := w.postForm(r.ResponseURI, decline); code != 200 || strings.TrimSpace(string(body)) != "{}" {
		t.Fatalf("error response: %d %s", code, body)
	}
	if s := e.result(req.TransactionID); s.Status != verifier.TxDeclined {
		t.Fatalf("status %s", s.Status)
	}
	if code, body := w.post(r, w.vpToken(r, r.ClientID, r.Nonce, false), ""); code == 200 {
		t.Fatalf("response after the decline: %d %s", code, body)
	}
	// The core API returns the wallet's error as such.
	_, err := e.v.HandleResponse(t.Context(), url.Values{"error": {"access_denied"}})
	var er *oid4vp.ErrorResponse
	if !errors.As(err, &er) || er.Code != oid4vp.CodeAccessDenied {
		t.Fatalf("HandleResponse: %v", err)
	}
}
