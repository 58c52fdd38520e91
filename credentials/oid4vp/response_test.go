package oid4vp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

var sampleToken = oid4vp.VPToken{"my_credential": {"eyJhbGciOiJFUzI1NiJ9.e30.sig~WyJzIiwiYSIsMV0~eyJhbGciOiJFUzI1NiJ9.e30.kb"}}

func TestDirectPostRoundTrip(t *testing.T) {
	resp := oid4vp.AuthorizationResponse{VPToken: sampleToken, State: "eyJhb-6_sVA"}
	form, err := resp.Form()
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("vp_token") != `{"my_credential":["`+sampleToken["my_credential"][0]+`"]}` {
		t.Fatalf("vp_token %s", form.Get("vp_token"))
	}
	// Through the wire encoding and back.
	wire, err := url.ParseQuery(form.Encode())
	if err != nil {
		t.Fatal(err)
	}
	got, err := oid4vp.ParseResponse(wire, oid4vp.ResponseExpectation{Mode: oid4vp.ResponseModeDirectPost})
	if err != nil || !reflect.DeepEqual(*got, resp) {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestDirectPostJWTRoundTrip(t *testing.T) {
	key, err := jose.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	resp := oid4vp.AuthorizationResponse{VPToken: sampleToken, State: "s1"}
	for _, enc := range []jose.Enc{jose.A128GCM, jose.A256GCM} {
		form, err := resp.EncryptedForm(key.Public(), enc)
		if err != nil {
			t.Fatal(err)
		}
		if len(form) != 1 || form.Get("response") == "" {
			t.Fatalf("form %v", form)
		}
		kid, err := oid4vp.ResponseKeyID(form)
		if err != nil || kid != key.KeyID() {
			t.Fatalf("kid %q %v", kid, err)
		}
		got, err := oid4vp.ParseResponse(form, oid4vp.ResponseExpectation{Mode: oid4vp.ResponseModeDirectPostJWT, Key: key})
		if err != nil || !reflect.DeepEqual(*got, resp) {
			t.Fatalf("%s: %+v %v", enc, got, err)
		}
	}
}

// fakeJWE builds a compact JWE with the given protected header and
// placeholder segments: enough to be refused at the header.
func fakeJWE(header string) string {
	return jose.EncodeSegment([]byte(header)) + ".AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA"
}

// TestSecurityC31 covers SECURITY.md C.31: response downgrade or injection
// is refused by the Verifier.
func TestSecurityC31(t *testing.T) {
	key, err := jose.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	stale, err := jose.GenerateEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	resp := oid4vp.AuthorizationResponse{VPToken: sampleToken}
	plain, _ := resp.Form()
	staleForm, _ := resp.EncryptedForm(stale.Public(), jose.A128GCM)
	// An attacker encrypting to the right key with a kid of another key.
	wrongKid, _ := resp.EncryptedForm(key.Public().WithKeyID("old"), jose.A128GCM)
	good, _ := resp.EncryptedForm(key.Public(), jose.A128GCM)
	kid := key.KeyID()

	tests := []struct {
		name  string
		form  url.Values
		want  error
		class error
	}{
		{"plain direct_post when .jwt required", plain, oid4vp.ErrEncryptionRequired, credentials.ErrAlg},
		{"both vp_token and response", url.Values{"vp_token": plain["vp_token"], "response": good["response"]}, oid4vp.ErrEncryptionRequired, credentials.ErrAlg},
		{"RSA-OAEP", url.Values{"response": {fakeJWE(`{"alg":"RSA-OAEP","enc":"A128GCM","kid":"` + kid + `"}`)}}, jose.ErrJWEAlg, credentials.ErrAlg},
		{"PBES2", url.Values{"response": {fakeJWE(`{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":2000000000,"p2s":"AAAA","kid":"` + kid + `"}`)}}, jose.ErrJWEAlg, credentials.ErrAlg},
		{"CBC enc", url.Values{"response": {fakeJWE(`{"alg":"ECDH-ES","enc":"A128CBC-HS256","kid":"` + kid + `"}`)}}, jose.ErrJWEAlg, credentials.ErrAlg},
		{"zip", url.Values{"response": {fakeJWE(`{"alg":"ECDH-ES","enc":"A128GCM","zip":"DEF","kid":"` + kid + `"}`)}}, jose.ErrJWEAlg, credentials.ErrAlg},
		{"stale kid", staleForm, jose.ErrJWEKeyID, credentials.ErrTrust},
		{"foreign kid", wrongKid, jose.ErrJWEKeyID, credentials.ErrTrust},
		{"duplicate response", url.Values{"response": {good.Get("response"), good.Get("response")}}, oid4vp.ErrInvalidResponse, credentials.ErrFormat},
		{"no response", url.Values{"state": {"s"}}, oid4vp.ErrInvalidResponse, credentials.ErrFormat},
		{"a JWS as response", url.Values{"response": {"eyJhbGciOiJFUzI1NiJ9.e30.AAAA"}}, jose.ErrJWEMalformed, credentials.ErrFormat},
		{"oversized", url.Values{"response": {strings.Repeat("A", 2<<20)}}, oid4vp.ErrTooLarge, credentials.ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := oid4vp.ParseResponse(tc.form, oid4vp.ResponseExpectation{Mode: oid4vp.ResponseModeDirectPostJWT, Key: key})
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got != nil {
				t.Fatal("response returned with an error")
			}
		})
	}
}

func TestParseResponseRefuses(t *testing.T) {
	key, _ := jose.GenerateEncryptionKey()
	encrypt := func(payload string) url.Values {
		jwe, err := jose.EncryptECDHES([]byte(payload), key.Public(), jose.A128GCM, nil)
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"response": {jwe}}
	}
	jwt := oid4vp.ResponseExpectation{Mode: oid4vp.ResponseModeDirectPostJWT, Key: key}
	post := oid4vp.ResponseExpectation{Mode: oid4vp.ResponseModeDirectPost}
	tests := []struct {
		name string
		form url.Values
		exp  oid4vp.ResponseExpectation
		want error
	}{
		{"vp_token not JSON", url.Values{"vp_token": {"eyJ..."}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token an array", url.Values{"vp_token": {`["x"]`}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token empty object", url.Values{"vp_token": {`{}`}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token value a string", url.Values{"vp_token": {`{"q":"x"}`}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token empty array", url.Values{"vp_token": {`{"q":[]}`}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token empty presentation", url.Values{"vp_token": {`{"q":[""]}`}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token object presentation", url.Values{"vp_token": {`{"q":[{}]}`}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token bad key", url.Values{"vp_token": {`{"a b":["x"]}`}}, post, oid4vp.ErrInvalidResponse},
		{"vp_token duplicate key", url.Values{"vp_token": {`{"q":["x"],"q":["y"]}`}}, post, oid4vp.ErrInvalidResponse},
		{"duplicate state", url.Values{"vp_token": {`{"q":["x"]}`}, "state": {"a", "b"}}, post, oid4vp.ErrInvalidResponse},
		{"state with a space", url.Values{"vp_token": {`{"q":["x"]}`}, "state": {"a b"}}, post, oid4vp.ErrInvalidResponse},
		{"encrypted where plain asked", encrypt(`{"vp_token":{"q":["x"]}}`), post, oid4vp.ErrInvalidResponse},
		{"decrypted not JSON", encrypt(`vp_token=x`), jwt, oid4vp.ErrInvalidResponse},
		{"decrypted without vp_token", encrypt(`{"state":"s"}`), jwt, oid4vp.ErrInvalidResponse},
		{"decrypted case variant", encrypt(`{"VP_TOKEN":{"q":["x"]},"vp_token":{"q":["x"]}}`), jwt, oid4vp.ErrInvalidResponse},
		{"decrypted state a number", encrypt(`{"vp_token":{"q":["x"]},"state":1}`), jwt, oid4vp.ErrInvalidResponse},
		{"unknown mode", url.Values{"vp_token": {`{"q":["x"]}`}}, oid4vp.ResponseExpectation{Mode: "fragment"}, oid4vp.ErrInvalidResponse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := oid4vp.ParseResponse(tc.form, tc.exp); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// An error response, unencrypted even in direct_post.jwt mode.
	e := &oid4vp.ErrorResponse{Code: oid4vp.CodeAccessDenied, State: "s1"}
	_, err := oid4vp.ParseResponse(e.Form(), jwt)
	var er *oid4vp.ErrorResponse
	if !errors.As(err, &er) || er.Code != oid4vp.CodeAccessDenied || er.State != "s1" {
		t.Fatalf("error response: %v", err)
	}
}

func TestResponseURIReply(t *testing.T) {
	code := oid4vp.NewNonce()
	uri, err := oid4vp.RedirectWithResponseCode("https://verifier.example/cb", code, oid4vp.URLPolicy{})
	if err != nil || uri != "https://verifier.example/cb#response_code="+code {
		t.Fatalf("%s %v", uri, err)
	}
	if _, err := oid4vp.RedirectWithResponseCode("https://verifier.example/cb", "short", oid4vp.URLPolicy{}); err == nil {
		t.Fatal("short response_code accepted")
	}
	r, err := oid4vp.ParseResponseURIReply([]byte(`{"redirect_uri":"`+uri+`","other":1}`), oid4vp.URLPolicy{})
	if err != nil || r.RedirectURI != uri {
		t.Fatalf("%+v %v", r, err)
	}
	if r, err := oid4vp.ParseResponseURIReply([]byte(`{}`), oid4vp.URLPolicy{}); err != nil || r.RedirectURI != "" {
		t.Fatalf("empty reply: %v", err)
	}
	for _, bad := range []string{`[]`, `{"redirect_uri":1}`, `{"redirect_uri":"javascript:alert(1)"}`, `{"redirect_uri":"http://evil.example/"}`,
		`{"redirect_uri":"https://a.example","redirect_uri":"https://b.example"}`, `{"Redirect_URI":"https://a.example"}`} {
		if _, err := oid4vp.ParseResponseURIReply([]byte(bad), oid4vp.URLPolicy{}); !errors.Is(err, oid4vp.ErrInvalidResponse) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestEndToEndOverHTTP runs the cross-device flow between a Verifier's
// request_uri and response_uri endpoints and a Wallet over real HTTP:
// request_uri_method post with a wallet_nonce, a signed request object
// verified through did:jwk resolution, a direct_post.jwt response, and the
// reply with a response_code. A request_uri answering 3xx is refused by the
// fetcher (SECURITY.md C.32).
func TestEndToEndOverHTTP(t *testing.T) {
	v := newVerifier(t)
	var (
		srv      *httptest.Server
		req      oid4vp.AuthorizationRequest
		received *oid4vp.AuthorizationResponse
		code     = oid4vp.NewNonce()
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /request/abc", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		p, err := oid4vp.ParseRequestURIPost(r.PostForm)
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		rr := req
		rr.WalletNonce = p.WalletNonce
		tok, err := oid4vp.SignRequestObject(v.key, rr, now, 0, oid4vp.URLPolicy{AllowLoopback: true})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
		_, _ = io.WriteString(w, tok)
	})
	mux.HandleFunc("GET /request/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/request/abc", http.StatusFound)
	})
	mux.HandleFunc("POST /response", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		got, err := oid4vp.ParseResponse(r.PostForm, oid4vp.ResponseExpectation{Mode: req.ResponseMode, Key: v.encKey})
		if err != nil || got.State != req.State {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		received = got
		uri, _ := oid4vp.RedirectWithResponseCode(srv.URL+"/done", code, oid4vp.URLPolicy{AllowLoopback: true})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, mustJSON(t, oid4vp.ResponseURIReply{RedirectURI: uri}))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	req = v.request(t, srv.URL+"/response")
	link := oid4vp.InvocationRequest{ClientID: v.clientID, RequestURI: srv.URL + "/request/abc", RequestURIMethod: oid4vp.RequestURIMethodPost}.URI()

	// The Wallet.
	ctx := context.Background()
	pol := oid4vp.URLPolicy{AllowLoopback: true}
	client, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithMaxRedirects(0))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := oid4vp.ParseInvocationURI(link, pol)
	if err != nil {
		t.Fatal(err)
	}
	walletNonce := oid4vp.NewNonce()
	res, err := client.PostForm(ctx, inv.RequestURI, oid4vp.RequestURIPost{WalletNonce: walletNonce}.Form(), oid4vp.MediaTypeRequestObject)
	if err != nil {
		t.Fatal(err)
	}
	opts := v.verifyOpts()
	opts.ClientID, opts.WalletNonce = inv.ClientID, walletNonce
	vr, err := oid4vp.VerifyRequestObject(ctx, string(res.Body), opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.WalletNonce = oid4vp.NewNonce() // a replayed request object for another POST
	if _, err := oid4vp.VerifyRequestObject(ctx, string(res.Body), opts); !errors.Is(err, oid4vp.ErrWalletNonce) {
		t.Fatalf("replayed request object: %v", err)
	}
	encKey, enc, err := vr.Request.EncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	form, err := oid4vp.AuthorizationResponse{VPToken: sampleToken, State: vr.Request.State}.EncryptedForm(encKey, enc)
	if err != nil {
		t.Fatal(err)
	}
	res, err = client.PostForm(ctx, vr.Request.ResponseURI, form, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := oid4vp.ParseResponseURIReply(res.Body, pol)
	if err != nil || !strings.HasSuffix(reply.RedirectURI, "/done#response_code="+code) {
		t.Fatalf("%+v %v", reply, err)
	}
	if received == nil || !reflect.DeepEqual(received.VPToken, sampleToken) {
		t.Fatalf("the verifier received %+v", received)
	}

	// SECURITY.md C.32: a request_uri that redirects is refused by the
	// fetcher, before any request object is processed.
	if _, err := client.Get(ctx, srv.URL+"/request/moved", oid4vp.MediaTypeRequestObject); !errors.Is(err, credentials.ErrFetch) {
		t.Fatalf("3xx on request_uri: %v", err)
	}
}
