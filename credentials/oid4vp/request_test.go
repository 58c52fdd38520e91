package oid4vp_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
)

func TestRequestObjectRoundTrip(t *testing.T) {
	v := newVerifier(t)
	r := v.request(t, "https://verifier.example/response")
	tok := v.sign(t, r)
	jws, err := jose.ParseCompact(tok)
	if err != nil {
		t.Fatal(err)
	}
	if jws.Header.Typ != oid4vp.TypRequestObject || jws.Header.Kid != v.did+"#0" {
		t.Fatalf("header %+v", jws.Header)
	}
	var claims map[string]any
	if err := json.Unmarshal(jws.Payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["aud"] != oid4vp.SelfIssuedAudience || claims["client_id"] != v.clientID || claims["iat"] == nil || claims["exp"] == nil {
		t.Fatalf("claims %v", claims)
	}

	got, err := oid4vp.VerifyRequestObject(context.Background(), tok, v.verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientID.Prefix != oid4vp.PrefixDecentralizedIdentifier || got.ClientID.Identifier != v.did || !got.Key.Equal(v.key.Public()) || got.KeyID != v.did+"#0" {
		t.Fatalf("%+v", got)
	}
	if got.Request.Nonce != r.Nonce || got.Request.DCQLQuery.Credentials[0].ID != "my_credential" {
		t.Fatalf("request %+v", got.Request)
	}
	key, enc, err := got.Request.EncryptionKey()
	if err != nil || !key.Equal(v.encKey.Public()) || enc != jose.A256GCM {
		t.Fatalf("encryption key: %v %v", enc, err)
	}
}

// TestSecurityC32 covers SECURITY.md C.32: a Wallet refuses a bad request
// before anything is sent.
func TestSecurityC32(t *testing.T) {
	v := newVerifier(t)
	other := newVerifier(t)
	ctx := context.Background()
	base := v.request(t, "https://verifier.example/response")

	unsigned := func(r oid4vp.AuthorizationRequest) string {
		b, _ := json.Marshal(r)
		return jose.EncodeSegment([]byte(`{"alg":"none","typ":"oauth-authz-req+jwt"}`)) + "." + jose.EncodeSegment(b) + "."
	}
	signRaw := func(key *jose.PrivateKey, typ string, payload string) string {
		s, err := jose.Sign(key, typ, nil, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	withClaims := func(edit func(m map[string]any)) string {
		b, _ := json.Marshal(base)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		edit(m)
		b, _ = json.Marshal(m)
		return signRaw(v.key, oid4vp.TypRequestObject, string(b))
	}
	mod := func(f func(r *oid4vp.AuthorizationRequest)) oid4vp.AuthorizationRequest {
		r := base
		f(&r)
		return r
	}

	tests := []struct {
		name  string
		token string
		opts  func(o *oid4vp.VerifyOptions)
		want  error
		class error
	}{
		{"unsigned request object", unsigned(base), nil, oid4vp.ErrUnsigned, credentials.ErrAlg},
		{"alg none with a signature", strings.Replace(v.sign(t, base), strings.Split(v.sign(t, base), ".")[0], jose.EncodeSegment([]byte(`{"alg":"none","typ":"oauth-authz-req+jwt","kid":"`+v.did+`#0"}`)), 1), nil, jose.ErrAlgNotAllowed, credentials.ErrAlg},
		{"wallet_nonce not echoed", v.sign(t, base), func(o *oid4vp.VerifyOptions) { o.WalletNonce = "qPmxiNFCR3QTm19POc8u" }, oid4vp.ErrWalletNonce, credentials.ErrReplay},
		{"wallet_nonce wrong", v.sign(t, mod(func(r *oid4vp.AuthorizationRequest) { r.WalletNonce = "other" })), func(o *oid4vp.VerifyOptions) { o.WalletNonce = "qPmxiNFCR3QTm19POc8u" }, oid4vp.ErrWalletNonce, credentials.ErrReplay},
		{"response_uri fails did:web rule", signForWeb(t, "https://evil.example/response"), func(o *oid4vp.VerifyOptions) {
			o.ClientID = "decentralized_identifier:did:web:verifier.example"
			o.Resolver = staticResolver{"did:web:verifier.example#key-1": webKey(t).Public()}
		}, oid4vp.ErrClientID, credentials.ErrTrust},
		{"signed by another key", signRaw(other.key.WithKeyID(v.did+"#0"), oid4vp.TypRequestObject, mustJSON(t, base)), nil, jose.ErrBadSignature, credentials.ErrSignature},
		{"kid of another DID", signRaw(other.key, oid4vp.TypRequestObject, mustJSON(t, base)), nil, oid4vp.ErrClientID, credentials.ErrTrust},
		{"kid missing", signRaw(other.key.WithKeyID(""), oid4vp.TypRequestObject, mustJSON(t, base)), nil, oid4vp.ErrClientID, credentials.ErrTrust},
		{"client_id differs from the URI's", v.sign(t, base), func(o *oid4vp.VerifyOptions) { o.ClientID = other.clientID }, oid4vp.ErrClientID, credentials.ErrTrust},
		{"typ missing", signRaw(v.key, "", mustJSON(t, base)), nil, jose.ErrWrongType, credentials.ErrType},
		{"typ JWT", signRaw(v.key, "JWT", mustJSON(t, base)), nil, jose.ErrWrongType, credentials.ErrType},
		{"redirect_uri client without the unsafe option", unsigned(redirectRequest(t)), func(o *oid4vp.VerifyOptions) { o.ClientID = "redirect_uri:https://verifier.example/response" }, oid4vp.ErrUnsigned, credentials.ErrAlg},
		{"redirect_uri client, response_uri elsewhere", unsigned(mod2(redirectRequest(t), func(r *oid4vp.AuthorizationRequest) { r.ResponseURI = "https://evil.example/response" })), func(o *oid4vp.VerifyOptions) {
			o.ClientID = "redirect_uri:https://verifier.example/response"
			o.AllowRedirectURIPrefixUnsafe = true
		}, oid4vp.ErrClientID, credentials.ErrTrust},
		{"pre-registered client", withClaims(func(m map[string]any) { m["client_id"] = "verifier" }), func(o *oid4vp.VerifyOptions) { o.ClientID = "verifier" }, oid4vp.ErrClientID, credentials.ErrTrust},
		{"x509_san_dns prefix", withClaims(func(m map[string]any) { m["client_id"] = "x509_san_dns:verifier.example" }), func(o *oid4vp.VerifyOptions) { o.ClientID = "x509_san_dns:verifier.example" }, oid4vp.ErrClientID, credentials.ErrTrust},
		{"expired", withClaims(func(m map[string]any) { m["exp"] = now.Add(-time.Hour).Unix() }), nil, oid4vp.ErrRequestObjectClaims, credentials.ErrClaim},
		{"issued in the future", withClaims(func(m map[string]any) { m["iat"] = now.Add(time.Hour).Unix() }), nil, oid4vp.ErrRequestObjectClaims, credentials.ErrClaim},
		{"aud another", withClaims(func(m map[string]any) { m["aud"] = "https://wallet.example" }), nil, oid4vp.ErrRequestObjectClaims, credentials.ErrClaim},
		{"aud array", withClaims(func(m map[string]any) { m["aud"] = []string{oid4vp.SelfIssuedAudience} }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"exp a string", withClaims(func(m map[string]any) { m["exp"] = "9e9" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"redirect_uri with direct_post", withClaims(func(m map[string]any) { m["redirect_uri"] = "https://verifier.example/cb" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"no response_uri", withClaims(func(m map[string]any) { delete(m, "response_uri") }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"response_uri http", withClaims(func(m map[string]any) { m["response_uri"] = "http://verifier.example/response" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"response_mode fragment", withClaims(func(m map[string]any) { m["response_mode"] = "fragment" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"response_type code", withClaims(func(m map[string]any) { m["response_type"] = "code" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"no nonce", withClaims(func(m map[string]any) { delete(m, "nonce") }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"nonce with a space", withClaims(func(m map[string]any) { m["nonce"] = "a b" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"scope", withClaims(func(m map[string]any) { m["scope"] = "openid" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"transaction_data", withClaims(func(m map[string]any) { m["transaction_data"] = []string{"e30"} }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"no dcql_query", withClaims(func(m map[string]any) { delete(m, "dcql_query") }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"bad dcql_query", withClaims(func(m map[string]any) { m["dcql_query"] = map[string]any{"credentials": []any{}} }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"case-variant member", withClaims(func(m map[string]any) { m["Client_ID"] = "decentralized_identifier:did:jwk:x" }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"duplicate member", signRaw(v.key, oid4vp.TypRequestObject, `{"client_id":"`+v.clientID+`",`+strings.TrimPrefix(mustJSON(t, base), "{")), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"direct_post.jwt without jwks", withClaims(func(m map[string]any) { delete(m, "client_metadata") }), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"jwks with an RSA key", withClaims(func(m map[string]any) {
			m["client_metadata"].(map[string]any)["jwks"] = map[string]any{"keys": []any{map[string]any{"kty": "RSA", "kid": "r", "alg": "RSA-OAEP", "n": "AQAB", "e": "AQAB"}}}
		}), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"only CBC enc", withClaims(func(m map[string]any) {
			m["client_metadata"].(map[string]any)["encrypted_response_enc_values_supported"] = []string{"A128CBC-HS256"}
		}), nil, oid4vp.ErrInvalidRequest, credentials.ErrFormat},
		{"a JWE", strings.Repeat("e30.", 4) + "e30", nil, jose.ErrMalformed, credentials.ErrFormat},
		{"too large", strings.Repeat("a", 2<<20), nil, oid4vp.ErrTooLarge, credentials.ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := v.verifyOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			got, err := oid4vp.VerifyRequestObject(ctx, tc.token, opts)
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got != nil {
				t.Fatal("a request was returned with the error")
			}
		})
	}
}

// TestRedirectURIPrefixUnsafe: an unsigned redirect_uri request is accepted
// only when the Wallet opts in (development), and then only unsigned.
func TestRedirectURIPrefixUnsafe(t *testing.T) {
	r := redirectRequest(t)
	tok, err := oid4vp.EncodeUnsignedRequestObject(r, now, oid4vp.URLPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	opts := oid4vp.VerifyOptions{ClientID: r.ClientID, Now: now, AllowRedirectURIPrefixUnsafe: true}
	got, err := oid4vp.VerifyRequestObject(context.Background(), tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != nil || got.ClientID.Prefix != oid4vp.PrefixRedirectURI {
		t.Fatalf("%+v", got)
	}
	v := newVerifier(t)
	if _, err := oid4vp.SignRequestObject(v.key, r, now, 0, oid4vp.URLPolicy{}); !errors.Is(err, oid4vp.ErrClientID) {
		t.Fatalf("signing a redirect_uri request: %v", err)
	}
}

func TestSignRequestObjectRefuses(t *testing.T) {
	v := newVerifier(t)
	r := v.request(t, "https://verifier.example/response")
	short := r
	short.Nonce = "n-0S6_WzA2Mj"
	if _, err := oid4vp.SignRequestObject(v.key, short, now, 0, oid4vp.URLPolicy{}); !errors.Is(err, oid4vp.ErrInvalidRequest) {
		t.Fatalf("short nonce: %v", err)
	}
	if _, err := oid4vp.SignRequestObject(v.key.WithKeyID("did:jwk:other#0"), r, now, 0, oid4vp.URLPolicy{}); !errors.Is(err, oid4vp.ErrClientID) {
		t.Fatalf("kid of another DID: %v", err)
	}
	waived := r
	waived.State = ""
	waived.DCQLQuery.Credentials[0].RequireCryptographicHolderBinding = new(bool)
	if _, err := oid4vp.SignRequestObject(v.key, waived, now, 0, oid4vp.URLPolicy{}); !errors.Is(err, oid4vp.ErrInvalidRequest) {
		t.Fatalf("no state without holder binding: %v", err)
	}
}

func TestClientIDAndResponseURIRules(t *testing.T) {
	pol := oid4vp.URLPolicy{}
	for _, tc := range []struct {
		clientID, responseURI string
		want                  error
	}{
		{"decentralized_identifier:did:web:verifier.example", "https://verifier.example/response", nil},
		{"decentralized_identifier:did:web:verifier.example", "https://VERIFIER.example/r", nil},
		{"decentralized_identifier:did:web:verifier.example%3A8443:school", "https://verifier.example:8443/response", nil},
		{"decentralized_identifier:did:web:verifier.example", "https://verifier.example.evil/response", oid4vp.ErrClientID},
		{"decentralized_identifier:did:web:verifier.example", "https://evil.example/verifier.example", oid4vp.ErrClientID},
		{"decentralized_identifier:did:jwk:eyJ0", "https://anywhere.example/response", nil},
		{"redirect_uri:https://verifier.example/response", "https://verifier.example/response", nil},
		{"redirect_uri:https://verifier.example/response", "https://verifier.example/response2", oid4vp.ErrClientID},
		{"decentralized_identifier:did:web:verifier.example", "https://verifier.example/response#frag", oid4vp.ErrInvalidRequest},
		{"decentralized_identifier:did:web:verifier.example", "https://user@verifier.example/response", oid4vp.ErrInvalidRequest},
	} {
		cid, err := oid4vp.ParseClientID(tc.clientID, pol)
		if err != nil {
			t.Fatalf("%s: %v", tc.clientID, err)
		}
		if err := oid4vp.CheckResponseURI(cid, tc.responseURI, pol); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s %s: %v, want %v", tc.clientID, tc.responseURI, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "verifier", "decentralized_identifier:", "decentralized_identifier:did:", "decentralized_identifier:did:web:",
		"decentralized_identifier:did:WEB:x", "decentralized_identifier:did:web:x#key", "decentralized_identifier:did:web:x/path",
		"decentralized_identifier:https://verifier.example", "redirect_uri:http://verifier.example/cb", "redirect_uri:verifier.example",
		"origin:https://verifier.example", "x509_hash:abc", "openid_federation:https://x.example",
	} {
		if _, err := oid4vp.ParseClientID(bad, pol); !errors.Is(err, oid4vp.ErrClientID) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := oid4vp.ParseClientID("redirect_uri:http://127.0.0.1:8080/cb", oid4vp.URLPolicy{AllowLoopback: true}); err != nil {
		t.Errorf("loopback http in dev: %v", err)
	}
}

func TestInvocationURI(t *testing.T) {
	r := oid4vp.InvocationRequest{ClientID: "decentralized_identifier:did:web:verifier.example", RequestURI: "https://verifier.example/request/abc", RequestURIMethod: "post"}
	s := r.URI()
	if !strings.HasPrefix(s, "openid4vp://?") {
		t.Fatal(s)
	}
	got, err := oid4vp.ParseInvocationURI(s, oid4vp.URLPolicy{})
	if err != nil || got != r {
		t.Fatalf("%+v %v", got, err)
	}
	link, err := r.URIWithBase("https://wallet.example/authorize")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := oid4vp.ParseInvocationURI(link, oid4vp.URLPolicy{}); err != nil || got != r {
		t.Fatalf("https link: %+v %v", got, err)
	}
	// HAIP §5: the haip:// scheme carries the same parameters.
	haip := oid4vp.SchemeHAIP + strings.TrimPrefix(s, oid4vp.Scheme)
	if got, err := oid4vp.ParseInvocationURI(haip, oid4vp.URLPolicy{}); err != nil || got != r {
		t.Fatalf("haip link %s: %+v %v", haip, got, err)
	}
	const cid = "client_id=decentralized_identifier%3Adid%3Aweb%3Averifier.example"
	for name, bad := range map[string]string{
		"no request_uri":          "openid4vp://?" + cid,
		"no client_id":            "openid4vp://?request_uri=https%3A%2F%2Fverifier.example%2Fr",
		"two request_uri":         "openid4vp://?" + cid + "&request_uri=https%3A%2F%2Fa.example%2Fr&request_uri=https%3A%2F%2Fb.example%2Fr",
		"request_uri_method PUT":  "openid4vp://?" + cid + "&request_uri=https%3A%2F%2Fverifier.example%2Fr&request_uri_method=PUT",
		"request_uri_method POST": "openid4vp://?" + cid + "&request_uri=https%3A%2F%2Fverifier.example%2Fr&request_uri_method=POST",
		"http request_uri":        "openid4vp://?" + cid + "&request_uri=http%3A%2F%2Fverifier.example%2Fr",
		"request by value too":    "openid4vp://?" + cid + "&request_uri=https%3A%2F%2Fverifier.example%2Fr&request=e30.e30.",
		"other scheme":            "ftp://x?" + cid + "&request_uri=https%3A%2F%2Fverifier.example%2Fr",
		"pre-registered client":   "openid4vp://?client_id=verifier&request_uri=https%3A%2F%2Fverifier.example%2Fr",
	} {
		if _, err := oid4vp.ParseInvocationURI(bad, oid4vp.URLPolicy{}); err == nil || credentials.Class(err) == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	form := oid4vp.RequestURIPost{WalletNonce: "qPmxiNFCR3QTm19POc8u", WalletMetadata: []byte(`{"vp_formats_supported":{"dc+sd-jwt":{}}}`)}.Form()
	p, err := oid4vp.ParseRequestURIPost(form)
	if err != nil || p.WalletNonce != "qPmxiNFCR3QTm19POc8u" {
		t.Fatalf("%+v %v", p, err)
	}
	form.Add("wallet_nonce", "again")
	if _, err := oid4vp.ParseRequestURIPost(form); !errors.Is(err, oid4vp.ErrInvalidRequest) {
		t.Fatalf("duplicate wallet_nonce: %v", err)
	}
}

// TestVerifierInfo: verifier_info (§5.1) survives the request object round
// trip, and malformed ones are refused with invalid_request.
func TestVerifierInfo(t *testing.T) {
	v := newVerifier(t)
	base := v.request(t, "https://verifier.example/response")
	qid := base.DCQLQuery.Credentials[0].ID
	good := []oid4vp.VerifierInfo{{Format: "https://example.org/reg", Data: json.RawMessage(`{"a":1}`)},
		{Format: "jwt", Data: json.RawMessage(`"eyJ.x.y"`), CredentialIDs: []string{qid}}}
	r := mod2(base, func(r *oid4vp.AuthorizationRequest) { r.VerifierInfo = good })
	if _, err := r.Validate(oid4vp.ValidateOptions{}); err != nil {
		t.Fatalf("valid verifier_info refused: %v", err)
	}
	back, err := oid4vp.ParseAuthorizationRequest([]byte(mustJSON(t, r)))
	if err != nil || len(back.VerifierInfo) != 2 || string(back.VerifierInfo[0].Data) != `{"a":1}` {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for name, vi := range map[string][]oid4vp.VerifierInfo{
		"empty array":        {},
		"no format":          {{Data: json.RawMessage(`{}`)}},
		"number data":        {{Format: "x", Data: json.RawMessage(`42`)}},
		"no data":            {{Format: "x"}},
		"empty ids":          {{Format: "x", Data: json.RawMessage(`{}`), CredentialIDs: []string{}}},
		"unknown credential": {{Format: "x", Data: json.RawMessage(`{}`), CredentialIDs: []string{"nope"}}},
	} {
		r := mod2(base, func(r *oid4vp.AuthorizationRequest) { r.VerifierInfo = vi })
		if _, err := r.Validate(oid4vp.ValidateOptions{}); !errors.Is(err, oid4vp.ErrInvalidRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
