package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
)

// redirectVerifier is an OpenID4VP verifier (a did:jwk client, a signed
// request object, direct_post) whose response_uri answers with a
// redirect_uri carrying a response_code (OpenID4VP §8.2), and no receipt.
func redirectVerifier(t *testing.T) (link, redirect string) {
	t.Helper()
	key, _ := jose.GenerateKey(jose.ES256)
	d, err := did.JWKFromKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	key = key.WithKeyID(d + "#0")
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	redirect = srv.URL + "/done#response_code=" + oid4vp.NewNonce()
	req := oid4vp.AuthorizationRequest{ClientID: oid4vp.PrefixDecentralizedIdentifier + ":" + d, ResponseType: oid4vp.ResponseTypeVPToken,
		ResponseMode: oid4vp.ResponseModeDirectPost, ResponseURI: srv.URL + "/response", Nonce: oid4vp.NewNonce(), State: oid4vp.NewNonce(), DCQLQuery: q}
	pol := oid4vp.URLPolicy{AllowLoopback: true}
	mux.HandleFunc("GET /request", func(w http.ResponseWriter, r *http.Request) {
		tok, err := oid4vp.SignRequestObject(key, req, time.Now(), 5*time.Minute, pol)
		if err != nil {
			http.Error(w, "sign", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
		_, _ = io.WriteString(w, tok)
	})
	mux.HandleFunc("POST /response", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if resp, err := oid4vp.ParseResponse(r.PostForm, oid4vp.ResponseExpectation{Mode: req.ResponseMode}); err != nil || resp.State != req.State {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"redirect_uri": redirect})
	})
	return oid4vp.InvocationRequest{ClientID: req.ClientID, RequestURI: srv.URL + "/request"}.URI(), redirect
}

var shareActionRE = regexp.MustCompile(`action="/share/([^"]+)"`)

// After sharing, a verifier's redirect_uri becomes a button on the
// "shared" page (OpenID4VP §8.2: the wallet sends the holder back with the
// response_code), naming the organisation.
func TestSharedPageRedirect(t *testing.T) {
	w, dir, opts, c := skillWallet(t)
	w.Close()
	srv := serveWallet(t, dir, opts)

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := post("/unlock", url.Values{"passphrase": {pass}}); code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", code)
	}
	res, err := hc.Get(srv.URL + "/share")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := csrfRE.FindStringSubmatch(string(b))[1]

	link, redirect := redirectVerifier(t)
	code, body := post("/share", url.Values{"request": {link}, "csrf": {csrf}})
	m := shareActionRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		t.Fatalf("consent: %d %s", code, body)
	}
	code, body = post("/share/"+m[1], url.Values{"q:skill": {c.ID}, "csrf": {csrf}})
	if code != http.StatusOK {
		t.Fatalf("shared: %d %s", code, body)
	}
	want := `<a class="button" id="continue" href="` + redirect + `">Ga verder bij 127.0.0.1</a>`
	if !strings.Contains(body, want) {
		t.Errorf("no %q in\n%s", want, body)
	}
}
