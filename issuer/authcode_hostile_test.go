package issuer_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// acOffer creates an authorization_code offer for skill (with a tx_code
// when tx) and returns its issuer_state and tx_code.
func acOffer(t *testing.T, e *env, tx bool) (string, string) {
	t.Helper()
	o := e.createOffer(t, map[string]any{"type": "skill", "claims": example(t, "skill"), "tx_code": tx, "grant": "authorization_code"})
	ref, err := oid4vci.ParseOfferURI(o.OfferURI)
	if err != nil {
		t.Fatal(err)
	}
	return ref.Offer.Grants.AuthorizationCode.IssuerState, o.TxCode
}

func wantOAuth(t *testing.T, r hapResp, status int, code string) {
	t.Helper()
	if r.Status != status || r.Err == nil || string(r.Err.Error) != code {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
	if !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("error response without Cache-Control no-store: %v", r.Header)
	}
}

// TestHostilePAR: pushed authorization requests the issuer refuses with the
// error codes of RFC 9126 §2.3 / RFC 6749 §4.1.2.1, and request_uris the
// authorization endpoint refuses (RFC 9126 §4).
func TestHostilePAR(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.RequireDPoP = true })
	state, _ := acOffer(t, e, false)
	rows := []struct {
		name   string
		mod    func(url.Values)
		status int
		code   string
	}{
		{"plain PKCE method", func(f url.Values) { f.Set("code_challenge_method", "plain") }, 400, "invalid_request"},
		{"no PKCE method", func(f url.Values) { f.Del("code_challenge_method") }, 400, "invalid_request"},
		{"no code_challenge", func(f url.Values) { f.Del("code_challenge") }, 400, "invalid_request"},
		{"no client_id", func(f url.Values) { f.Del("client_id") }, 400, "invalid_request"},
		{"request_uri inside PAR", func(f url.Values) { f.Set("request_uri", "urn:ietf:params:oauth:request_uri:x") }, 400, "invalid_request"},
		{"response_type token", func(f url.Values) { f.Set("response_type", "token") }, 400, "unsupported_response_type"},
		{"redirect_uri with fragment", func(f url.Values) { f.Set("redirect_uri", "https://wallet.example/cb#x") }, 400, "invalid_request"},
		{"redirect_uri javascript", func(f url.Values) { f.Set("redirect_uri", "javascript:alert(1)") }, 400, "invalid_request"},
		{"redirect_uri http not loopback", func(f url.Values) { f.Set("redirect_uri", "http://wallet.example/cb") }, 400, "invalid_request"},
		{"no issuer_state", func(f url.Values) { f.Del("issuer_state") }, 400, "invalid_request"},
		{"forged issuer_state", func(f url.Values) { id, _, _ := strings.Cut(state, "."); f.Set("issuer_state", id+".AAAA") }, 400, "invalid_request"},
		{"scope of no offered configuration", func(f url.Values) { f.Set("scope", "learning unknown") }, 400, "invalid_scope"},
		{"authorization_details", func(f url.Values) { f.Set("authorization_details", `[{"type":"openid_credential"}]`) }, 400, "invalid_request"},
		{"repeated parameter", func(f url.Values) { f.Add("scope", "skill") }, 400, "invalid_request"},
		{"dpop_jkt malformed", func(f url.Values) { f.Set("dpop_jkt", "x") }, 400, "invalid_request"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			w := newHAPWallet(t, e)
			f := w.parForm(state, "skill")
			row.mod(f)
			wantOAuth(t, w.form(e.URL+"/par", f, ""), row.status, row.code)
		})
	}

	t.Run("request_uri reused", func(t *testing.T) {
		w := newHAPWallet(t, e)
		ru := w.par(w.parForm(state, "skill"))
		if p := w.openPage(ru); p.Status != http.StatusOK {
			t.Fatalf("first use: %d", p.Status)
		}
		p := w.openPage(ru)
		if p.Status != http.StatusBadRequest || !strings.Contains(string(p.Body), "al gebruikt") {
			t.Fatalf("second use: %d %s", p.Status, p.Body)
		}
	})
	t.Run("request_uri expired", func(t *testing.T) {
		w := newHAPWallet(t, e)
		ru := w.par(w.parForm(state, "skill"))
		e.Clock.Advance(61 * time.Second)
		p := w.openPage(ru)
		if p.Status != http.StatusBadRequest || !strings.Contains(string(p.Body), "verlopen") {
			t.Fatalf("expired request_uri: %d %s", p.Status, p.Body)
		}
	})
	t.Run("request_uri with another client_id", func(t *testing.T) {
		w := newHAPWallet(t, e)
		ru := w.par(w.parForm(state, "skill"))
		w.clientID = "https://evil.example/client"
		if p := w.openPage(ru); p.Status != http.StatusBadRequest {
			t.Fatalf("other client_id: %d", p.Status)
		}
	})
	t.Run("request_uri forged", func(t *testing.T) {
		w := newHAPWallet(t, e)
		ru := w.par(w.parForm(state, "skill"))
		id, _, _ := strings.Cut(strings.TrimPrefix(ru, issuer.RequestURIPrefix), ".")
		if p := w.openPage(issuer.RequestURIPrefix + id + ".AAAA"); p.Status != http.StatusBadRequest {
			t.Fatalf("forged request_uri: %d", p.Status)
		}
	})
	t.Run("page in English", func(t *testing.T) {
		w := newHAPWallet(t, e)
		ru := w.par(w.parForm(state, "skill"))
		q := url.Values{"client_id": {w.clientID}, "request_uri": {ru}, "lang": {"en"}}
		p := w.send(http.MethodGet, e.URL+"/authorize?"+q.Encode(), nil, nil)
		if p.Status != http.StatusOK || !strings.Contains(string(p.Body), "Send details to your wallet") || !strings.Contains(string(p.Body), `lang="en"`) {
			t.Fatalf("English page: %d", p.Status)
		}
	})
}

// TestHostileAuthorizationPage: the holder refuses, or enters wrong
// transaction codes until the offer locks (SECURITY.md C.29).
func TestHostileAuthorizationPage(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.MaxTxCodeAttempts = 2 })
	t.Run("holder refuses", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		p := w.openPage(w.par(w.parForm(state, "skill")))
		r := w.submitPage(p.Body, "", "deny")
		loc, _ := url.Parse(r.Header.Get("Location"))
		if r.Status != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != w.state || loc.Query().Get("code") != "" || loc.Query().Get("iss") != e.URL {
			t.Fatalf("refusal: %d %v", r.Status, loc)
		}
	})
	t.Run("wrong transaction codes lock the offer", func(t *testing.T) {
		state, tx := acOffer(t, e, true)
		w := newHAPWallet(t, e)
		p := w.openPage(w.par(w.parForm(state, "skill")))
		r := w.submitPage(p.Body, "000000x", "allow")
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "klopt niet") {
			t.Fatalf("wrong code: %d %s", r.Status, r.Body)
		}
		r = w.submitPage(r.Body, "000000x", "allow")
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "te vaak fout") {
			t.Fatalf("second wrong code: %d %s", r.Status, r.Body)
		}
		// The right code no longer helps, nor a new PAR.
		if r := w.submitPage(p.Body, tx, "allow"); r.Status == http.StatusSeeOther {
			t.Fatal("locked offer authorized")
		}
		wantOAuth(t, w.form(e.URL+"/par", w.parForm(state, "skill"), ""), 400, "invalid_request")
	})
}

// TestHostileAuthorizationCode: token requests of the authorization_code
// grant the issuer refuses (RFC 6749 §5.2, RFC 7636 §4.6, RFC 9449 §10).
func TestHostileAuthorizationCode(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.RequireDPoP = true })
	rows := []struct {
		name   string
		mod    func(w *hapWallet, f url.Values)
		status int
		code   string
	}{
		{"PKCE verifier does not match", func(w *hapWallet, f url.Values) { f.Set("code_verifier", strings.Repeat("a", 43)) }, 400, "invalid_grant"},
		{"PKCE verifier too short", func(w *hapWallet, f url.Values) { f.Set("code_verifier", "short") }, 400, "invalid_request"},
		{"no code_verifier", func(w *hapWallet, f url.Values) { f.Del("code_verifier") }, 400, "invalid_request"},
		{"another client_id", func(w *hapWallet, f url.Values) { f.Set("client_id", "https://evil.example/client") }, 400, "invalid_grant"},
		{"another redirect_uri", func(w *hapWallet, f url.Values) { f.Set("redirect_uri", "https://wallet.example/other") }, 400, "invalid_grant"},
		{"forged code", func(w *hapWallet, f url.Values) {
			id, _, _ := strings.Cut(f.Get("code"), ".")
			f.Set("code", id+".AAAA")
		}, 400, "invalid_grant"},
		{"code expired", func(w *hapWallet, f url.Values) { w.e.Clock.Advance(3 * time.Minute) }, 400, "invalid_grant"},
		{"tx_code with the code", func(w *hapWallet, f url.Values) { f.Set("tx_code", "1") }, 400, "invalid_request"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			state, _ := acOffer(t, e, false)
			w := newHAPWallet(t, e)
			f := w.tokenForm(w.authorize(state, "skill", ""))
			row.mod(w, f)
			wantOAuth(t, w.token(f), row.status, row.code)
		})
	}

	t.Run("code redeemed twice revokes the token", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		f := w.tokenForm(w.authorize(state, "skill", ""))
		first := w.token(f)
		if first.Status != http.StatusOK {
			t.Fatalf("first redemption: %d %s", first.Status, first.Body)
		}
		tok := tokenOf(t, first)
		wantOAuth(t, w.token(f), 400, "invalid_grant")
		holder, _ := jose.GenerateKey(jose.ES256)
		proof, _ := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
		r := w.credentialReq(tok, "skill", proof, nil)
		if r.Status != http.StatusUnauthorized || r.Err == nil || r.Err.Error != oid4vci.CodeInvalidToken {
			t.Fatalf("token of a replayed code still works: %d %s", r.Status, r.Body)
		}
	})
	t.Run("code bound by dpop_jkt, token with another key", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		f := w.parForm(state, "skill")
		f.Set("dpop_jkt", w.key.Public().Thumbprint())
		ru := w.par(f)
		code := w.code(w.submitPage(w.openPage(ru).Body, "", "allow"))
		w.key, _ = jose.GenerateKey(jose.ES256)
		wantOAuth(t, w.token(w.tokenForm(code)), 400, "invalid_dpop_proof")
	})
	t.Run("no DPoP proof when DPoP is required", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		wantOAuth(t, w.form(e.URL+"/token", w.tokenForm(w.authorize(state, "skill", "")), ""), 400, "invalid_dpop_proof")
	})
	t.Run("pre-authorized flow needs DPoP too", func(t *testing.T) {
		o := e.createOffer(t, map[string]any{"type": "skill", "claims": example(t, "skill")})
		w := newHAPWallet(t, e)
		f := url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {preAuthCode(t, o.OfferURI)}}
		wantOAuth(t, w.form(e.URL+"/token", f, ""), 400, "invalid_dpop_proof")
		r := w.token(f)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"token_type":"DPoP"`) {
			t.Fatalf("pre-authorized with DPoP: %d %s", r.Status, r.Body)
		}
	})
	t.Run("issuer_state is no pre-authorized code", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		wantOAuth(t, w.token(url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {state}}), 400, "invalid_grant")
	})
}

func tokenOf(t *testing.T, r hapResp) string {
	t.Helper()
	tr, err := parseDPoPToken(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func issuerStateOf(t testing.TB, offerURI string) string {
	t.Helper()
	ref, err := oid4vci.ParseOfferURI(offerURI)
	if err != nil || ref.Offer.Grants == nil || ref.Offer.Grants.AuthorizationCode == nil {
		t.Fatalf("offer %q: %v", offerURI, err)
	}
	return ref.Offer.Grants.AuthorizationCode.IssuerState
}

// TestPARWithDPoP: a DPoP proof sent with the pushed authorization request
// binds the code to its key (RFC 9449 §10.1); with a dpop_jkt of another
// key the request is refused.
func TestPARWithDPoP(t *testing.T) {
	e := startIssuer(t, nil)
	t.Run("proof and dpop_jkt differ", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		w.send(http.MethodPost, e.URL+"/nonce", nil, nil)
		other, _ := jose.GenerateKey(jose.ES256)
		f := w.parForm(state, "skill")
		f.Set("dpop_jkt", other.Public().Thumbprint())
		wantOAuth(t, w.form(e.URL+"/par", f, w.dpopProof("POST", e.URL+"/par", "", nil)), 400, "invalid_dpop_proof")
	})
	t.Run("proof binds the code", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		w.send(http.MethodPost, e.URL+"/nonce", nil, nil)
		r := w.form(e.URL+"/par", w.parForm(state, "skill"), w.dpopProof("POST", e.URL+"/par", "", nil))
		if r.Status != http.StatusCreated {
			t.Fatalf("PAR with DPoP: %d %s", r.Status, r.Body)
		}
		var pr oid4vci.PARResponse
		_ = jsonUnmarshal(r.Body, &pr)
		code := w.code(w.submitPage(w.openPage(pr.RequestURI).Body, "", "allow"))
		f := w.tokenForm(code)
		// Without DPoP (not required by this issuer) the bound code is
		// refused; with another key too; with the bound key it works.
		wantOAuth(t, w.form(e.URL+"/token", f, ""), 400, "invalid_dpop_proof")
		key := w.key
		w.key, _ = jose.GenerateKey(jose.ES256)
		wantOAuth(t, w.token(f), 400, "invalid_dpop_proof")
		w.key = key
		if r := w.token(f); r.Status != http.StatusOK {
			t.Fatalf("token with the bound key: %d %s", r.Status, r.Body)
		}
	})
	t.Run("Bearer flow without DPoP still works", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		r := w.form(e.URL+"/token", w.tokenForm(w.authorize(state, "skill", "")), "")
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"token_type":"Bearer"`) {
			t.Fatalf("token without DPoP: %d %s", r.Status, r.Body)
		}
	})
}
