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

// TestHostileDPoP: DPoP proofs the token endpoint (400, RFC 9449 §5, §8)
// and the credential endpoint (401 with a DPoP challenge, §7.1, §9)
// refuse. Every refusal hands out a fresh DPoP-Nonce.
func TestHostileDPoP(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.RequireDPoP = true })
	privJWK := func(w *hapWallet) map[string]any {
		b, _ := w.key.MarshalJSON()
		m := map[string]any{}
		_ = jsonUnmarshal(b, &m)
		return m
	}
	type proofMod func(w *hapWallet, h, c map[string]any)
	rows := []struct {
		name string
		mod  proofMod
		code string
	}{
		{"proof for another URL", func(w *hapWallet, h, c map[string]any) { c["htu"] = w.e.URL + "/credential" }, "invalid_dpop_proof"},
		{"proof for another host", func(w *hapWallet, h, c map[string]any) { c["htu"] = "https://evil.example/token" }, "invalid_dpop_proof"},
		{"proof for another method", func(w *hapWallet, h, c map[string]any) { c["htm"] = "GET" }, "invalid_dpop_proof"},
		{"stale iat", func(w *hapWallet, h, c map[string]any) { c["iat"] = w.e.Clock.Now().Add(-10 * time.Minute).Unix() }, "invalid_dpop_proof"},
		{"iat in the future", func(w *hapWallet, h, c map[string]any) { c["iat"] = w.e.Clock.Now().Add(10 * time.Minute).Unix() }, "invalid_dpop_proof"},
		{"without the server nonce", func(w *hapWallet, h, c map[string]any) { delete(c, "nonce") }, "use_dpop_nonce"},
		{"forged server nonce", func(w *hapWallet, h, c map[string]any) { c["nonce"] = "AAAA" }, "use_dpop_nonce"},
		{"private key in jwk header", func(w *hapWallet, h, c map[string]any) { h["jwk"] = privJWK(w) }, "invalid_dpop_proof"},
		{"typ JWT", func(w *hapWallet, h, c map[string]any) { h["typ"] = "JWT" }, "invalid_dpop_proof"},
		{"no jti", func(w *hapWallet, h, c map[string]any) { delete(c, "jti") }, "invalid_dpop_proof"},
	}
	for _, row := range rows {
		t.Run("token: "+row.name, func(t *testing.T) {
			state, _ := acOffer(t, e, false)
			w := newHAPWallet(t, e)
			f := w.tokenForm(w.authorize(state, "skill", ""))
			w.send(http.MethodPost, e.URL+"/nonce", nil, nil) // the wallet has a server nonce
			r := w.form(e.URL+"/token", f, w.dpopProof("POST", e.URL+"/token", "", func(h, c map[string]any) { row.mod(w, h, c) }))
			wantOAuth(t, r, 400, row.code)
			if r.Header.Get("DPoP-Nonce") == "" {
				t.Fatal("no DPoP-Nonce with the error")
			}
		})
	}
	t.Run("token: replayed jti", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		f := w.tokenForm(w.authorize(state, "skill", ""))
		w.send(http.MethodPost, e.URL+"/nonce", nil, nil)
		p := w.dpopProof("POST", e.URL+"/token", "", nil)
		pf := url.Values{"grant_type": {"authorization_code"}, "code": {"x.y"}, "code_verifier": {w.verifier}, "redirect_uri": {w.redirect}, "client_id": {w.clientID}}
		wantOAuth(t, w.form(e.URL+"/token", pf, p), 400, "invalid_grant") // the proof is used up here
		wantOAuth(t, w.form(e.URL+"/token", f, p), 400, "invalid_dpop_proof")
	})
	t.Run("token: two DPoP headers", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		f := w.tokenForm(w.authorize(state, "skill", ""))
		w.send(http.MethodPost, e.URL+"/nonce", nil, nil)
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/token", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Add("DPoP", w.dpopProof("POST", e.URL+"/token", "", nil))
		req.Header.Add("DPoP", w.dpopProof("POST", e.URL+"/token", "", nil))
		resp, err := e.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("two DPoP headers: %d", resp.StatusCode)
		}
	})

	// At the credential endpoint, with a DPoP-bound token.
	credRows := []struct {
		name string
		mod  func(w *hapWallet, h, c map[string]any)
		code string
	}{
		{"wrong ath", func(w *hapWallet, h, c map[string]any) { c["ath"] = "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" }, "invalid_dpop_proof"},
		{"no ath", func(w *hapWallet, h, c map[string]any) { delete(c, "ath") }, "invalid_dpop_proof"},
		{"proof for the token endpoint", func(w *hapWallet, h, c map[string]any) { c["htu"] = w.e.URL + "/token" }, "invalid_dpop_proof"},
		{"without the server nonce", func(w *hapWallet, h, c map[string]any) { delete(c, "nonce") }, "use_dpop_nonce"},
		{"another key than the token's", func(w *hapWallet, h, c map[string]any) {
			w.key, _ = jose.GenerateKey(jose.ES256)
			h["jwk"] = w.key.Public().Map()
		}, "invalid_dpop_proof"},
	}
	for _, row := range credRows {
		t.Run("credential: "+row.name, func(t *testing.T) {
			state, _ := acOffer(t, e, false)
			w := newHAPWallet(t, e)
			tok := tokenOf(t, w.token(w.tokenForm(w.authorize(state, "skill", ""))))
			holder, _ := jose.GenerateKey(jose.ES256)
			proof, _ := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
			var mod func(h, c map[string]any)
			mod = func(h, c map[string]any) { row.mod(w, h, c) }
			if row.name == "another key than the token's" {
				// The proof is signed by the new key: build it after the swap.
				row.mod(w, map[string]any{}, map[string]any{})
				mod = nil
			}
			r := w.credentialReq(tok, "skill", proof, mod)
			if r.Status != http.StatusUnauthorized || r.Err == nil || string(r.Err.Error) != row.code {
				t.Fatalf("got %d %s, want 401 %s", r.Status, r.Body, row.code)
			}
			if ch := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, `DPoP error="`+row.code+`"`) || !strings.Contains(ch, `algs="ES256"`) || r.Header.Get("DPoP-Nonce") == "" {
				t.Fatalf("challenge %q, nonce %q", ch, r.Header.Get("DPoP-Nonce"))
			}
		})
	}
	t.Run("credential: DPoP-bound token as Bearer", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		tok := tokenOf(t, w.token(w.tokenForm(w.authorize(state, "skill", ""))))
		holder, _ := jose.GenerateKey(jose.ES256)
		proof, _ := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
		status, _, er := e.credential(t, tok, "skill", proof)
		if status != http.StatusUnauthorized || er == nil || er.Error != oid4vci.CodeInvalidToken {
			t.Fatalf("got %d %+v", status, er)
		}
	})
	t.Run("credential: replayed proof", func(t *testing.T) {
		state, _ := acOffer(t, e, false)
		w := newHAPWallet(t, e)
		tok := tokenOf(t, w.token(w.tokenForm(w.authorize(state, "skill", ""))))
		holder, _ := jose.GenerateKey(jose.ES256)
		p1, _ := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
		dp := w.dpopProof("POST", e.URL+"/credential", tok, nil)
		send := func(proof string) hapResp {
			b, _ := jsonMarshal(oid4vci.CredentialRequest{CredentialConfigurationID: "skill", Proofs: &oid4vci.Proofs{JWT: []string{proof}}})
			return w.send(http.MethodPost, e.URL+"/credential", map[string]string{"Content-Type": "application/json", "Authorization": "DPoP " + tok, "DPoP": dp}, b)
		}
		if r := send(p1); r.Status != http.StatusOK {
			t.Fatalf("first: %d %s", r.Status, r.Body)
		}
		holder2, _ := jose.GenerateKey(jose.ES256)
		p2, _ := oid4vci.BuildProof(holder2, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
		if r := send(p2); r.Status != http.StatusUnauthorized || r.Err == nil || r.Err.Error != "invalid_dpop_proof" {
			t.Fatalf("replayed DPoP proof: %d %s", r.Status, r.Body)
		}
	})
}
