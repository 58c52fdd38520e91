package issuer_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
)

// hapWallet is a HAIP wallet written from the texts (OpenID4VCI 1.0 §5–8,
// RFC 9126, RFC 7636, RFC 9449, RFC 9207) with net/http and
// internal/jose only: it builds its PKCE pair and DPoP proofs by hand, not
// with the issuer's own helpers.
type hapWallet struct {
	t        testing.TB
	e        *env
	client   *http.Client // does not follow redirects: the wallet takes them
	key      *jose.PrivateKey
	clientID string
	redirect string
	verifier string
	state    string
	nonce    string // the last DPoP-Nonce
	// clientHeaders, when set, adds client authentication headers to
	// every PAR and token request.
	clientHeaders func() map[string]string
}

func newHAPWallet(t testing.TB, e *env) *hapWallet {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	c := *e.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	v := make([]byte, 32)
	_, _ = rand.Read(v)
	return &hapWallet{t: t, e: e, client: &c, key: k, clientID: "https://wallet.example/client", redirect: "https://wallet.example/cb?session=1",
		verifier: base64.RawURLEncoding.EncodeToString(v), state: "st-" + t.Name()}
}

// challenge is BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2).
func (w *hapWallet) challenge() string {
	h := sha256.Sum256([]byte(w.verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// dpopProof is a DPoP proof per RFC 9449 §4.2, built by hand; mod may
// change the header and claims.
func (w *hapWallet) dpopProof(method, u, accessToken string, mod func(h, c map[string]any)) string {
	w.t.Helper()
	jti := make([]byte, 12)
	_, _ = rand.Read(jti)
	c := map[string]any{"jti": base64.RawURLEncoding.EncodeToString(jti), "htm": method, "htu": u, "iat": w.e.Clock.Now().Unix()}
	if w.nonce != "" {
		c["nonce"] = w.nonce
	}
	if accessToken != "" {
		h := sha256.Sum256([]byte(accessToken))
		c["ath"] = base64.RawURLEncoding.EncodeToString(h[:])
	}
	h := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": w.key.Public().Map()}
	if mod != nil {
		mod(h, c)
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	tok, err := jose.SignRaw(w.key, hb, cb)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

type hapResp struct {
	Status int
	Body   []byte
	Header http.Header
	Err    *oid4vci.ErrorResponse
}

func (w *hapWallet) send(method, u string, hdr map[string]string, body []byte) hapResp {
	w.t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := hapResp{Status: resp.StatusCode, Body: b, Header: resp.Header}
	if n := resp.Header.Get("DPoP-Nonce"); n != "" {
		w.nonce = n
	}
	if resp.StatusCode >= 400 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		r.Err, _ = oid4vci.ParseErrorResponse(b)
	}
	return r
}

func (w *hapWallet) form(u string, f url.Values, dpopProof string) hapResp {
	w.t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if dpopProof != "" {
		h["DPoP"] = dpopProof
	}
	if w.clientHeaders != nil {
		for k, v := range w.clientHeaders() {
			h[k] = v
		}
	}
	return w.send(http.MethodPost, u, h, []byte(f.Encode()))
}

// parForm is a HAIP pushed authorization request for an offer's
// issuer_state and scopes.
func (w *hapWallet) parForm(issuerState, scope string) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {w.clientID}, "redirect_uri": {w.redirect},
		"code_challenge": {w.challenge()}, "code_challenge_method": {"S256"}, "state": {w.state},
		"scope": {scope}, "issuer_state": {issuerState},
	}
}

// par pushes f and returns the request_uri.
func (w *hapWallet) par(f url.Values) string {
	w.t.Helper()
	r := w.form(w.e.URL+"/par", f, "")
	if r.Status != http.StatusCreated || !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
		w.t.Fatalf("PAR: %d %s", r.Status, r.Body)
	}
	var pr oid4vci.PARResponse
	if err := json.Unmarshal(r.Body, &pr); err != nil || !strings.HasPrefix(pr.RequestURI, "urn:ietf:params:oauth:request_uri:") || pr.ExpiresIn <= 0 {
		w.t.Fatalf("PAR response: %s", r.Body)
	}
	return pr.RequestURI
}

var (
	inputRE  = regexp.MustCompile(`<input[^>]*>`)
	nameRE   = regexp.MustCompile(`name="([^"]*)"`)
	valueRE  = regexp.MustCompile(`value="([^"]*)"`)
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

// openPage GETs the authorization endpoint with client_id and request_uri
// (RFC 9126 §4), as the browser does.
func (w *hapWallet) openPage(requestURI string) hapResp {
	w.t.Helper()
	q := url.Values{"client_id": {w.clientID}, "request_uri": {requestURI}}
	return w.send(http.MethodGet, w.e.URL+"/authorize?"+q.Encode(), nil, nil)
}

// submitPage fills in the page's form as the holder does: the hidden
// fields as given, the transaction code, and the button pressed.
func (w *hapWallet) submitPage(page []byte, txCode, decision string) hapResp {
	w.t.Helper()
	m := actionRE.FindSubmatch(page)
	if m == nil {
		w.t.Fatalf("no form on the page: %s", page)
	}
	f := url.Values{}
	for _, in := range inputRE.FindAll(page, -1) {
		n, v := nameRE.FindSubmatch(in), valueRE.FindSubmatch(in)
		if n != nil && v != nil {
			f.Set(string(n[1]), htmlUnescape(string(v[1])))
		}
	}
	if txCode != "" {
		f.Set("tx_code", txCode)
	}
	f.Set("decision", decision)
	u, _ := url.Parse(w.e.URL)
	return w.send(http.MethodPost, u.Scheme+"://"+u.Host+htmlUnescape(string(m[1])), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(f.Encode()))
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// authorize runs PAR, the page and the redirect, and returns the code.
func (w *hapWallet) authorize(issuerState, scope, txCode string) string {
	w.t.Helper()
	ru := w.par(w.parForm(issuerState, scope))
	p := w.openPage(ru)
	if p.Status != http.StatusOK {
		w.t.Fatalf("authorization page: %d %s", p.Status, p.Body)
	}
	r := w.submitPage(p.Body, txCode, "allow")
	return w.code(r)
}

// code takes the authorization response from the redirect (RFC 6749
// §4.1.2) and checks state and iss (RFC 9207 §2.4).
func (w *hapWallet) code(r hapResp) string {
	w.t.Helper()
	if r.Status != http.StatusSeeOther {
		w.t.Fatalf("authorization: %d %s", r.Status, r.Body)
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), "https://wallet.example/cb?") {
		w.t.Fatalf("redirect %q", r.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("state") != w.state || q.Get("iss") != w.e.URL || q.Get("session") != "1" || q.Get("code") == "" {
		w.t.Fatalf("authorization response %v", q)
	}
	return q.Get("code")
}

// tokenForm is the Token Request of the authorization code grant (RFC
// 6749 §4.1.3, RFC 7636 §4.5).
func (w *hapWallet) tokenForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {w.verifier}, "redirect_uri": {w.redirect}, "client_id": {w.clientID}}
}

// token sends f with a DPoP proof, retrying once with the server nonce
// when told use_dpop_nonce (RFC 9449 §8).
func (w *hapWallet) token(f url.Values) hapResp {
	w.t.Helper()
	r := w.form(w.e.URL+"/token", f, w.dpopProof("POST", w.e.URL+"/token", "", nil))
	if r.Err != nil && r.Err.Error == "use_dpop_nonce" {
		r = w.form(w.e.URL+"/token", f, w.dpopProof("POST", w.e.URL+"/token", "", nil))
	}
	return r
}

// credentialReq sends a Credential Request with the DPoP-bound token.
func (w *hapWallet) credentialReq(access, configID, proof string, dpopMod func(h, c map[string]any)) hapResp {
	w.t.Helper()
	b, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: configID, Proofs: &oid4vci.Proofs{JWT: []string{proof}}})
	return w.send(http.MethodPost, w.e.URL+"/credential", map[string]string{
		"Content-Type": "application/json", "Authorization": "DPoP " + access,
		"DPoP": w.dpopProof("POST", w.e.URL+"/credential", access, dpopMod),
	}, b)
}

// parseDPoPToken reads a Token Response whose token_type is DPoP (RFC
// 9449 §5) and returns the access token.
func parseDPoPToken(b []byte) (string, error) {
	var r struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return "", err
	}
	if r.TokenType != "DPoP" || r.AccessToken == "" {
		return "", fmt.Errorf("token_type %q, want DPoP", r.TokenType)
	}
	return r.AccessToken, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
func jsonMarshal(v any) ([]byte, error)   { return json.Marshal(v) }
