package issuer_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// SECURITY.md C.29: a reused pre-authorized code, and tx_code brute force
// locking the offer for good.
func TestTokenEndpointRefuses(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.MaxTxCodeAttempts = 3 })
	skill := example(t, "skill")

	t.Run("reused pre-authorized code", func(t *testing.T) {
		offer := e.createOffer(t, map[string]any{"type": "skill", "claims": skill})
		code := preAuthCode(t, offer.OfferURI)
		if status, _, er := e.token(t, code, nil); status != http.StatusOK {
			t.Fatalf("first use: %+v", er)
		}
		status, _, er := e.token(t, code, nil)
		if status != http.StatusBadRequest || er.Error != oid4vci.CodeInvalidGrant {
			t.Fatalf("second use: %d %+v", status, er)
		}
	})
	t.Run("tx_code brute force locks out", func(t *testing.T) {
		offer := e.createOffer(t, map[string]any{"type": "skill", "claims": skill, "tx_code": true})
		code := preAuthCode(t, offer.OfferURI)
		wrong := "000000"
		if wrong == offer.TxCode {
			wrong = "111111"
		}
		for i := 0; i < 3; i++ {
			if _, _, er := e.token(t, code, &wrong); er == nil || er.Error != oid4vci.CodeInvalidGrant {
				t.Fatalf("wrong tx_code %d: %+v", i, er)
			}
		}
		if _, _, er := e.token(t, code, &offer.TxCode); er == nil || er.Error != oid4vci.CodeInvalidGrant {
			t.Fatalf("right tx_code after lockout: %+v", er)
		}
	})
	t.Run("a wrong tx_code then the right one", func(t *testing.T) {
		offer := e.createOffer(t, map[string]any{"type": "skill", "claims": skill, "tx_code": true})
		code := preAuthCode(t, offer.OfferURI)
		if _, _, er := e.token(t, code, strp("12")); er == nil || er.Error != oid4vci.CodeInvalidGrant {
			t.Fatalf("wrong tx_code: %+v", er)
		}
		if _, _, er := e.token(t, code, &offer.TxCode); er != nil {
			t.Fatalf("right tx_code: %+v", er)
		}
	})
	t.Run("tx_code missing or unexpected", func(t *testing.T) {
		with := e.createOffer(t, map[string]any{"type": "skill", "claims": skill, "tx_code": true})
		if _, _, er := e.token(t, preAuthCode(t, with.OfferURI), nil); er == nil || er.Error != oid4vci.CodeInvalidRequest {
			t.Fatalf("missing tx_code: %+v", er)
		}
		without := e.createOffer(t, map[string]any{"type": "skill", "claims": skill})
		if _, _, er := e.token(t, preAuthCode(t, without.OfferURI), strp("123456")); er == nil || er.Error != oid4vci.CodeInvalidRequest {
			t.Fatalf("unexpected tx_code: %+v", er)
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		if _, _, er := e.token(t, "made-up", nil); er == nil || er.Error != oid4vci.CodeInvalidGrant {
			t.Fatalf("unknown code: %+v", er)
		}
	})
	t.Run("expired offer", func(t *testing.T) {
		offer := e.createOffer(t, map[string]any{"type": "skill", "claims": skill, "expires_in": 60})
		e.Clock.Advance(61 * time.Second)
		if _, _, er := e.token(t, preAuthCode(t, offer.OfferURI), nil); er == nil || er.Error != oid4vci.CodeInvalidGrant {
			t.Fatalf("expired offer: %+v", er)
		}
	})
	t.Run("other grant type", func(t *testing.T) {
		status, body, _ := e.do(t, http.MethodPost, e.URL+"/token", "application/x-www-form-urlencoded", "", []byte("grant_type=password&username=a"))
		if status != http.StatusBadRequest || !strings.Contains(string(body), "unsupported_grant_type") {
			t.Fatalf("%d %s", status, body)
		}
	})
}

// SECURITY.md C.28: proof abuse at the credential endpoint, each refused
// with the spec's error code and no credential issued.
func TestCredentialEndpointRefuses(t *testing.T) {
	e := startIssuer(t, nil)
	skill := example(t, "skill")
	access := func() string {
		offer := e.createOffer(t, map[string]any{"type": "skill", "claims": skill})
		_, tok, er := e.token(t, preAuthCode(t, offer.OfferURI), nil)
		if er != nil {
			t.Fatalf("token: %+v", er)
		}
		return tok.AccessToken
	}
	holder, _ := jose.GenerateKey(jose.ES256)
	proof := func(o oid4vci.ProofOptions) string {
		if o.Audience == "" {
			o.Audience = e.URL
		}
		p, err := oid4vci.BuildProof(holder, o)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	sign := func(header, claims map[string]any) string {
		h, _ := json.Marshal(header)
		c, _ := json.Marshal(claims)
		tok, err := jose.SignRaw(holder, h, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	privJWK := map[string]any{}
	b, _ := holder.MarshalJSON()
	_ = json.Unmarshal(b, &privJWK)
	didJWK, _ := did.JWKFromKey(holder.Public())

	t.Run("reused c_nonce", func(t *testing.T) {
		n := e.nonce(t)
		if _, _, er := e.credential(t, access(), "skill", proof(oid4vci.ProofOptions{Nonce: n})); er != nil {
			t.Fatalf("first use: %+v", er)
		}
		other, _ := jose.GenerateKey(jose.ES256)
		p, _ := oid4vci.BuildProof(other, oid4vci.ProofOptions{Audience: e.URL, Nonce: n})
		if _, _, er := e.credential(t, access(), "skill", p); er == nil || er.Error != oid4vci.CodeInvalidNonce {
			t.Fatalf("reused nonce: %+v", er)
		}
	})
	for _, tc := range []struct {
		name  string
		proof func() string
		want  oid4vci.ErrorCode
	}{
		{"foreign c_nonce", func() string { return proof(oid4vci.ProofOptions{Nonce: "not-from-this-issuer"}) }, oid4vci.CodeInvalidNonce},
		{"no c_nonce", func() string { return proof(oid4vci.ProofOptions{}) }, oid4vci.CodeInvalidProof},
		{"aud wrong", func() string {
			return proof(oid4vci.ProofOptions{Audience: "https://other-issuer.example", Nonce: e.nonce(t)})
		}, oid4vci.CodeInvalidProof},
		{"HS256", func() string {
			h, _ := json.Marshal(map[string]any{"typ": oid4vci.ProofTyp, "alg": "HS256", "jwk": holder.Public().Map()})
			c, _ := json.Marshal(map[string]any{"aud": e.URL, "iat": time.Now().Unix(), "nonce": e.nonce(t)})
			in := jose.EncodeSegment(h) + "." + jose.EncodeSegment(c)
			return in + "." + jose.EncodeSegment([]byte("0123456789abcdef0123456789abcdef"))
		}, oid4vci.CodeInvalidProof},
		{"both kid and jwk", func() string {
			return sign(map[string]any{"typ": oid4vci.ProofTyp, "alg": "ES256", "jwk": holder.Public().Map(), "kid": didJWK + "#0"},
				map[string]any{"aud": e.URL, "iat": time.Now().Unix(), "nonce": e.nonce(t)})
		}, oid4vci.CodeInvalidProof},
		{"jwk with d", func() string {
			return sign(map[string]any{"typ": oid4vci.ProofTyp, "alg": "ES256", "jwk": privJWK},
				map[string]any{"aud": e.URL, "iat": time.Now().Unix(), "nonce": e.nonce(t)})
		}, oid4vci.CodeInvalidProof},
		{"wrong typ", func() string {
			return sign(map[string]any{"typ": "JWT", "alg": "ES256", "jwk": holder.Public().Map()},
				map[string]any{"aud": e.URL, "iat": time.Now().Unix(), "nonce": e.nonce(t)})
		}, oid4vci.CodeInvalidProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, er := e.credential(t, access(), "skill", tc.proof())
			if status != http.StatusBadRequest || er.Error != tc.want {
				t.Fatalf("got %d %+v, want %s", status, er, tc.want)
			}
		})
	}
	t.Run("same key twice in a batch", func(t *testing.T) {
		n := e.nonce(t)
		p := proof(oid4vci.ProofOptions{Nonce: n})
		if _, _, er := e.credential(t, access(), "skill", p, p); er == nil || er.Error != oid4vci.CodeInvalidProof {
			t.Fatalf("%+v", er)
		}
	})
	t.Run("configuration not in the offer", func(t *testing.T) {
		if _, _, er := e.credential(t, access(), "talent", proof(oid4vci.ProofOptions{Nonce: e.nonce(t)})); er == nil || er.Error != oid4vci.CodeUnknownCredentialConfiguration {
			t.Fatalf("%+v", er)
		}
		if _, _, er := e.credential(t, access(), "nonsense", proof(oid4vci.ProofOptions{Nonce: e.nonce(t)})); er == nil || er.Error != oid4vci.CodeUnknownCredentialConfiguration {
			t.Fatalf("%+v", er)
		}
	})
	t.Run("no or unknown access token", func(t *testing.T) {
		for _, tok := range []string{"", "made-up"} {
			status, _, h := e.do(t, http.MethodPost, e.URL+"/credential", "application/json", tok, []byte(`{"credential_configuration_id":"skill"}`))
			if status != http.StatusUnauthorized || !strings.Contains(h.Get("WWW-Authenticate"), "invalid_token") {
				t.Fatalf("token %q: %d %v", tok, status, h)
			}
		}
	})
	t.Run("expired access token", func(t *testing.T) {
		a := access()
		e.Clock.Advance(6 * time.Minute)
		status, _, er := e.credential(t, a, "skill", proof(oid4vci.ProofOptions{Nonce: e.nonce(t), IssuedAt: e.Clock.Now()}))
		if status != http.StatusUnauthorized || er.Error != oid4vci.CodeInvalidToken {
			t.Fatalf("%d %+v", status, er)
		}
	})
}

// Batch issuance: one credential per proof key, each with its own cnf and
// status index, within the token's budget.
func TestBatchIssuance(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.BatchSize = 3 })
	offer := e.createOffer(t, map[string]any{"type": "learning", "claims": example(t, "learning")})
	_, tok, _ := e.token(t, preAuthCode(t, offer.OfferURI), nil)
	n := e.nonce(t)
	var proofs []string
	for i := 0; i < 3; i++ {
		k, _ := jose.GenerateKey(jose.ES256)
		ref := []oid4vci.KeyRef{oid4vci.KeyRefJWK, oid4vci.KeyRefDIDJWK, oid4vci.KeyRefDIDKey}[i]
		p, _ := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: e.URL, Nonce: n, KeyRef: ref})
		proofs = append(proofs, p)
	}
	_, cr, er := e.credential(t, tok.AccessToken, "learning", proofs...)
	if er != nil {
		t.Fatalf("%+v", er)
	}
	if len(cr.Credentials) != 3 || cr.Credentials[0].Credential == cr.Credentials[1].Credential {
		t.Fatalf("credentials: %d", len(cr.Credentials))
	}
	recs, err := e.Issuer.ListCredentials(t.Context(), "", 0)
	if err != nil || len(recs) != 3 {
		t.Fatalf("records: %v %v", recs, err)
	}
	if recs[0].StatusIndex == recs[1].StatusIndex || recs[1].StatusIndex == recs[2].StatusIndex {
		t.Fatalf("status indices repeat: %+v", recs)
	}
	// The budget of the token is spent.
	k, _ := jose.GenerateKey(jose.ES256)
	p, _ := oid4vci.BuildProof(k, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t)})
	if _, _, er := e.credential(t, tok.AccessToken, "learning", p); er == nil || er.Error != oid4vci.CodeCredentialRequestDenied {
		t.Fatalf("over budget: %+v", er)
	}
	// Over batch_size in one request.
	offer = e.createOffer(t, map[string]any{"type": "learning", "claims": example(t, "learning")})
	_, tok, _ = e.token(t, preAuthCode(t, offer.OfferURI), nil)
	if _, _, er := e.credential(t, tok.AccessToken, "learning", append(proofs, p)...); er == nil || er.Error != oid4vci.CodeInvalidProof {
		t.Fatalf("over batch size: %+v", er)
	}
}

// Offers with claims that do not match the PPP schema are refused with the
// fields at fault, and nothing is stored.
func TestOfferBadSchema(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.Types = []string{"skill", "level"} })
	for name, tc := range map[string]struct {
		req    string
		status int
		want   string
	}{
		"proficiency out of range": {`{"type":"skill","claims":{"skill":"http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b","skill_label":"x","proficiency":9,"assessed_on":"2025-09-15","method":"assessment"}}`, 400, `"pointer":"/proficiency"`},
		"missing claims":           {`{"type":"skill","claims":{}}`, 400, `invalid_claims`},
		"type not offered":         {`{"type":"talent","claims":{}}`, 400, `does not offer`},
		"duplicate member":         {`{"type":"skill","type":"level"}`, 400, `invalid_request`},
		"no credentials":           {`{}`, 400, `invalid_request`},
		"expires_in too long":      {`{"type":"skill","claims":` + string(example(t, "skill")) + `,"expires_in":99999999}`, 400, `expires_in`},
	} {
		t.Run(name, func(t *testing.T) {
			status, body, _ := e.do(t, http.MethodPost, e.URL+"/admin/offers", "application/json", adminToken, []byte(tc.req))
			if status != tc.status || !strings.Contains(string(body), tc.want) {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
	status, _, _ := e.do(t, http.MethodPost, e.URL+"/admin/offers", "application/json", "wrong-token", []byte(`{}`))
	if status != http.StatusUnauthorized {
		t.Fatalf("wrong admin token: %d", status)
	}
	big := strings.Repeat("x", 2<<20)
	status, _, _ = e.do(t, http.MethodPost, e.URL+"/admin/offers", "application/json", adminToken, []byte(`{"subject_ref":"`+big+`"}`))
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize body: %d", status)
	}
}

// A client_id sent at the token endpoint may come back as the proofs' iss
// (VCI 1.0 Appendix F.1: iss is OPTIONAL; when present it MUST be the
// client_id): a proof without iss is accepted, one with another iss refused.
func TestProofIssuerIsClientID(t *testing.T) {
	e := startIssuer(t, nil)
	holder, _ := jose.GenerateKey(jose.ES256)
	for _, tc := range []struct {
		name     string
		clientID string // the proof's iss; "" leaves it out
		wantCode oid4vci.ErrorCode
	}{
		{"iss absent", "", ""},
		{"iss is the client_id", "wallet-1", ""},
		{"iss is another client", "wallet-2", oid4vci.CodeInvalidProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offer := e.createOffer(t, map[string]any{"type": "skill", "claims": example(t, "skill")})
			r := oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: preAuthCode(t, offer.OfferURI), ClientID: "wallet-1"}
			_, body, _ := e.do(t, http.MethodPost, e.URL+"/token", "application/x-www-form-urlencoded", "", []byte(r.Form().Encode()))
			tok, err := oid4vci.ParseTokenResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			proof, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: e.URL, Nonce: e.nonce(t), ClientID: tc.clientID})
			if err != nil {
				t.Fatal(err)
			}
			_, _, er := e.credential(t, tok.AccessToken, "skill", proof)
			switch {
			case tc.wantCode == "" && er != nil:
				t.Fatalf("refused: %+v", er)
			case tc.wantCode != "" && (er == nil || er.Error != tc.wantCode):
				t.Fatalf("got %+v, want %s", er, tc.wantCode)
			}
		})
	}
}
