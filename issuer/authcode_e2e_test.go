package issuer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// TestAuthorizationCodeFlowHAIP drives the HAIP 1.0 §4 issuance over HTTP
// as a wallet written from the texts would: an offer with the
// authorization_code grant for two credential configurations → metadata
// (a scope per configuration; AS metadata with PAR, S256, DPoP) → PAR →
// the authorization page, its form submitted with the transaction code →
// the redirect captured (code, state, iss) → token with PKCE and DPoP
// (first refused with use_dpop_nonce, then with the nonce: token_type
// DPoP) → nonce → a credential per configuration with the DPoP-bound
// token → each SD-JWT VC verifies, bound to the wallet's key. Then the
// DPoP-bound token sent as a Bearer token is refused.
func TestAuthorizationCodeFlowHAIP(t *testing.T) {
	e := startIssuer(t, func(c *issuer.Config) { c.RequireDPoP = true })
	ctx := context.Background()
	offer := e.createOffer(t, map[string]any{
		"credentials": []map[string]any{{"type": "skill", "claims": example(t, "skill")}, {"type": "learning", "claims": example(t, "learning")}},
		"tx_code":     true, "grant": "authorization_code",
	})
	if offer.Grant != issuer.GrantAuthorizationCode || offer.TxCode == "" {
		t.Fatalf("offer: %+v", offer)
	}
	w := newHAPWallet(t, e)

	// The offer, by reference, through the haip:// scheme (HAIP §4.2).
	if !strings.HasPrefix(offer.HAIPOfferURI, "haip://?credential_offer_uri=") {
		t.Fatalf("haip offer URI %q", offer.HAIPOfferURI)
	}
	ref, err := oid4vci.ParseOfferURI(offer.HAIPOfferURI)
	if err != nil || ref.URI != offer.CredentialOfferURI {
		t.Fatalf("haip offer URI: %+v %v", ref, err)
	}
	r := w.send(http.MethodGet, ref.URI, nil, nil)
	o, err := oid4vci.ParseOffer(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if o.Grants == nil || o.Grants.AuthorizationCode == nil || o.Grants.AuthorizationCode.IssuerState == "" || o.Grants.PreAuthorizedCode != nil || len(o.CredentialConfigurationIDs) != 2 {
		t.Fatalf("offer object: %s", r.Body)
	}

	// Metadata: a scope for every configuration (HAIP §4.6); the AS
	// metadata (RFC 8414) for PAR, PKCE and DPoP.
	mdURL, _ := oid4vci.MetadataURL(o.CredentialIssuer, oid4vci.WellKnownIssuer)
	md, err := oid4vci.ParseIssuerMetadata(w.send(http.MethodGet, mdURL, nil, nil).Body, o.CredentialIssuer)
	if err != nil {
		t.Fatal(err)
	}
	var scopes []string
	for id, c := range md.CredentialConfigurationsSupported {
		if c.Scope == "" {
			t.Fatalf("configuration %s has no scope", id)
		}
	}
	for _, id := range o.CredentialConfigurationIDs {
		scopes = append(scopes, md.CredentialConfigurationsSupported[id].Scope)
	}
	asURL, _ := oid4vci.MetadataURL(o.CredentialIssuer, oid4vci.WellKnownAuthorizationServer)
	var as map[string]any
	if err := json.Unmarshal(w.send(http.MethodGet, asURL, nil, nil).Body, &as); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"authorization_endpoint": e.URL + "/authorize", "pushed_authorization_request_endpoint": e.URL + "/par",
		"require_pushed_authorization_requests": true, "token_endpoint": e.URL + "/token",
		"authorization_response_iss_parameter_supported": true,
	} {
		if as[k] != want {
			t.Fatalf("AS metadata %s = %v, want %v", k, as[k], want)
		}
	}
	for k, want := range map[string]string{"code_challenge_methods_supported": "S256", "dpop_signing_alg_values_supported": "ES256", "grant_types_supported": "authorization_code", "response_types_supported": "code"} {
		l, _ := as[k].([]any)
		if !slices.Contains(l, any(want)) {
			t.Fatalf("AS metadata %s = %v, want %s in it", k, as[k], want)
		}
	}
	if l, _ := as["code_challenge_methods_supported"].([]any); len(l) != 1 {
		t.Fatalf("code_challenge_methods_supported = %v, want S256 only", l)
	}

	// PAR, the page, the redirect.
	ru := w.par(w.parForm(o.Grants.AuthorizationCode.IssuerState, strings.Join(scopes, " ")))
	page := w.openPage(ru)
	if page.Status != http.StatusOK || page.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(page.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("page: %d %v", page.Status, page.Header)
	}
	body := string(page.Body)
	for _, want := range []string{`lang="nl"`, "Gegevens naar uw wallet sturen", "Testbureau", "Vul de code in", `name="tx_code"`, "<details>"} {
		if !strings.Contains(body, want) {
			t.Fatalf("page lacks %q:\n%s", want, body)
		}
	}
	code := w.code(w.submitPage(page.Body, offer.TxCode, "allow"))

	// Token with PKCE and DPoP; the first proof has no server nonce.
	first := w.form(e.URL+"/token", w.tokenForm(code), w.dpopProof("POST", e.URL+"/token", "", nil))
	if first.Status != http.StatusBadRequest || first.Err == nil || first.Err.Error != "use_dpop_nonce" || first.Header.Get("DPoP-Nonce") == "" {
		t.Fatalf("token without the server nonce: %d %s", first.Status, first.Body)
	}
	tr := w.form(e.URL+"/token", w.tokenForm(code), w.dpopProof("POST", e.URL+"/token", "", nil))
	if tr.Status != http.StatusOK {
		t.Fatalf("token: %d %s", tr.Status, tr.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		Scope       string `json:"scope"`
	}
	if err := json.Unmarshal(tr.Body, &tok); err != nil || tok.TokenType != "DPoP" || tok.AccessToken == "" {
		t.Fatalf("token response: %s", tr.Body)
	}

	// Nonce, then a credential per configuration.
	nr := w.send(http.MethodPost, e.URL+"/nonce", nil, nil)
	if nr.Header.Get("DPoP-Nonce") == "" {
		t.Fatalf("nonce response without DPoP-Nonce: %v", nr.Header)
	}
	keys := &sdjwtvc.MetadataKeys{Fetcher: e.Fetcher}
	checker, _ := statuslist.NewChecker(e.Fetcher, keys)
	v, err := sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range o.CredentialConfigurationIDs {
		holder, _ := jose.GenerateKey(jose.ES256)
		nonce, err := oid4vci.ParseNonceResponse(w.send(http.MethodPost, e.URL+"/nonce", nil, nil).Body)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: md.CredentialIssuer, Nonce: nonce.CNonce, ClientID: w.clientID})
		if err != nil {
			t.Fatal(err)
		}
		cr := w.credentialReq(tok.AccessToken, id, proof, nil)
		if cr.Status != http.StatusOK {
			t.Fatalf("credential %s: %d %s", id, cr.Status, cr.Body)
		}
		resp, err := oid4vci.ParseCredentialResponse(cr.Body)
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.VerifyIssued(ctx, resp.Credentials[0].Credential, holder.Public())
		if err != nil {
			t.Fatalf("credential %s does not verify: %v", id, err)
		}
		if res.Issuer != e.URL || res.VCT != md.CredentialConfigurationsSupported[id].VCT || !res.StatusChecked {
			t.Fatalf("credential %s: %+v", id, res)
		}
	}

	// The DPoP-bound token as a Bearer token (RFC 9449 §7.2).
	holder, _ := jose.GenerateKey(jose.ES256)
	proof, _ := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: md.CredentialIssuer, Nonce: e.nonce(t)})
	status, _, er := e.credential(t, tok.AccessToken, "skill", proof)
	if status != http.StatusUnauthorized || er == nil || er.Error != oid4vci.CodeInvalidToken {
		t.Fatalf("DPoP-bound token as Bearer: %d %+v", status, er)
	}
}
