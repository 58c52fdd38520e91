package issuer_test

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/issuer"
)

// This file is a HAIP 1.0 wallet written from the texts alone (HAIP §4,
// OpenID4VCI 1.0 §4–8 and Annex D, RFC 9126, RFC 7636, RFC 9449, RFC
// 8414, RFC 9207, draft-ietf-oauth-attestation-based-client-auth -07,
// SD-JWT VC, Token Status List): net/http and jose.SignRaw /
// jose.ParseCompact, no paspoort client helper (oid4vci, attest, sdjwt,
// sdjwtvc, statuslist). crypto/x509 and credentials/pki only make and
// check the test certificates.

// specProvider is a wallet provider: a test anchor and a leaf for its
// attestation key, which it puts in x5c.
type specProvider struct {
	anchor *x509.Certificate
	key    *jose.PrivateKey
	leaf   *x509.Certificate
}

func newSpecProvider(t *testing.T) *specProvider {
	t.Helper()
	a, err := pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "spec wallet provider anchor"})
	if err != nil {
		t.Fatal(err)
	}
	k := newKeyES256(t)
	leaf, err := a.Issue(k.Public().Crypto(), pki.LeafConfig{DNSNames: []string{"provider.wallet.example"}})
	if err != nil {
		t.Fatal(err)
	}
	return &specProvider{anchor: a.Cert, key: k, leaf: leaf}
}

// sign signs a JWT with typ and the provider's x5c (RFC 7515 §4.1.6:
// standard base64 DER, leaf first, no anchor).
func (p *specProvider) sign(t *testing.T, typ string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]any{"alg": "ES256", "typ": typ, "x5c": []string{base64.StdEncoding.EncodeToString(p.leaf.Raw)}})
	c, _ := json.Marshal(claims)
	tok, err := jose.SignRaw(p.key, h, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signJWT signs header and claims with k by hand.
func signJWT(t *testing.T, k *jose.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	tok, err := jose.SignRaw(k, h, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func randomJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oauthError is an OAuth error response body (RFC 6749 §5.2).
func oauthError(r hapResp) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error
}

// verifyChain checks an x5c header against one anchor with crypto/x509
// and returns the leaf.
func verifyChain(t *testing.T, raw any, anchor *x509.Certificate, now time.Time) *x509.Certificate {
	t.Helper()
	l, ok := raw.([]any)
	if !ok || len(l) == 0 {
		t.Fatalf("x5c %v is not a non-empty array", raw)
	}
	var certs []*x509.Certificate
	for _, v := range l {
		s, _ := v.(string)
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("x5c entry is not standard base64: %v", err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if c.Equal(anchor) {
			t.Fatal("x5c carries the trust anchor")
		}
		certs = append(certs, c)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(anchor)
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("x5c does not chain to the anchor: %v", err)
	}
	return certs[0]
}

// verifyX5CJWT parses a compact JWS, checks its typ, validates its x5c to
// anchor and its signature by the leaf's key; it returns the header, the
// payload and the leaf.
func verifyX5CJWT(t *testing.T, tok, typ string, anchor *x509.Certificate, now time.Time) (map[string]any, map[string]any, *x509.Certificate) {
	t.Helper()
	j, err := jose.ParseCompact(tok)
	if err != nil {
		t.Fatal(err)
	}
	if j.Header.Typ != typ {
		t.Fatalf("typ %q, want %q", j.Header.Typ, typ)
	}
	leaf := verifyChain(t, j.Header.Raw["x5c"], anchor, now)
	pub, err := jose.NewPublicKey(leaf.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(pub, []jose.Alg{jose.ES256}); err != nil {
		t.Fatalf("%s not signed by the leaf's key: %v", typ, err)
	}
	hb, _ := base64.RawURLEncoding.DecodeString(strings.SplitN(tok, ".", 2)[0])
	for _, b := range [][]byte{hb, j.Payload} {
		if strings.Contains(string(b), "did:") {
			t.Fatalf("%s carries a DID: %s", typ, b)
		}
	}
	var c map[string]any
	if err := json.Unmarshal(j.Payload, &c); err != nil {
		t.Fatal(err)
	}
	return j.Header.Raw, c, leaf
}

// TestHAIPConformanceIssuance: one paspoort issuer configured as HAIP 1.0
// asks (an x5c chain under a test anchor, DPoP, PAR, wallet attestation
// and key attestations required) issues EVERY PPP type it offers to a
// wallet written from the texts: the haip:// offer with the
// authorization_code grant → issuer and AS metadata (HAIP §4.6: a scope
// per configuration, RFC 8414 fields, attest_jwt_client_auth, DPoP algs,
// PAR required, key attestations required) → PAR with the wallet
// attestation headers (x5c by the provider, PoP per draft -07) and PKCE
// S256 → the authorization page with the transaction code → the redirect
// (state, iss) → token with DPoP (use_dpop_nonce handled) and the
// attestation headers → nonce → a credential request per type with a jwt
// proof carrying a key_attestation (and for one type the attestation
// proof type) and DPoP. Each SD-JWT VC is verified by hand: x5c chains to
// the anchor, iss is https and a URI SAN of the leaf, cnf.jwk is the
// wallet's key, vct as in the metadata, a status claim whose status list
// token (typ statuslist+jwt) has an x5c to the same anchor, and no DID
// anywhere.
func TestHAIPConformanceIssuance(t *testing.T) {
	anchor := devAuthority(t)
	provider := newSpecProvider(t)
	providerAnchors, err := pki.NewAnchors(provider.anchor)
	if err != nil {
		t.Fatal(err)
	}
	var cfg *issuer.Config
	e := startIssuerWith(t, func(c *issuer.Config) {
		cfg = c
		c.RequireDPoP, c.ClientAttestationAnchors, c.RequireClientAttestation, c.RequireKeyAttestation = true, providerAnchors, true, true
	}, certifyCurrentKey(t, anchor, &cfg))

	var types []string
	for _, ty := range ppp.Types() {
		if !ty.SelfIssued() {
			types = append(types, ty.Name)
		}
	}
	if len(types) < 2 {
		t.Fatalf("PPP types %v", types)
	}
	var creds []map[string]any
	for _, ty := range types {
		creds = append(creds, map[string]any{"type": ty, "claims": example(t, ty)})
	}
	offer := e.createOffer(t, map[string]any{"credentials": creds, "tx_code": true, "grant": "authorization_code"})

	w := newHAPWallet(t, e)
	now := e.Clock.Now

	// The offer by reference through the haip:// scheme (HAIP §4.2; VCI §4.1).
	ou, err := url.Parse(offer.HAIPOfferURI)
	if err != nil || ou.Scheme != "haip" {
		t.Fatalf("offer URI %q", offer.HAIPOfferURI)
	}
	r := w.send(http.MethodGet, ou.Query().Get("credential_offer_uri"), nil, nil)
	var o struct {
		CredentialIssuer           string   `json:"credential_issuer"`
		CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
		Grants                     map[string]struct {
			IssuerState string `json:"issuer_state"`
		} `json:"grants"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &o) != nil || o.CredentialIssuer != e.URL {
		t.Fatalf("offer: %d %s", r.Status, r.Body)
	}
	ac, ok := o.Grants["authorization_code"]
	if _, pre := o.Grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"]; !ok || pre || ac.IssuerState == "" {
		t.Fatalf("offer grants: %s", r.Body)
	}
	if !slices.Equal(slices.Sorted(slices.Values(o.CredentialConfigurationIDs)), slices.Sorted(slices.Values(types))) {
		t.Fatalf("offer names %v, want every type %v", o.CredentialConfigurationIDs, types)
	}

	// Credential Issuer Metadata (VCI §12.2.2: the well-known suffix after
	// the host), a scope per configuration (HAIP §4.6) and key
	// attestations required (HAIP §4.5.1).
	iu, _ := url.Parse(o.CredentialIssuer)
	r = w.send(http.MethodGet, iu.Scheme+"://"+iu.Host+"/.well-known/openid-credential-issuer"+iu.Path, nil, nil)
	type proofType struct {
		Algs                    []string        `json:"proof_signing_alg_values_supported"`
		KeyAttestationsRequired json.RawMessage `json:"key_attestations_required"`
	}
	var md struct {
		CredentialIssuer     string   `json:"credential_issuer"`
		AuthorizationServers []string `json:"authorization_servers"`
		CredentialEndpoint   string   `json:"credential_endpoint"`
		NonceEndpoint        string   `json:"nonce_endpoint"`
		Configs              map[string]struct {
			Format     string               `json:"format"`
			Scope      string               `json:"scope"`
			VCT        string               `json:"vct"`
			Binding    []string             `json:"cryptographic_binding_methods_supported"`
			ProofTypes map[string]proofType `json:"proof_types_supported"`
		} `json:"credential_configurations_supported"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &md) != nil || md.CredentialIssuer != e.URL || md.NonceEndpoint == "" || md.CredentialEndpoint == "" {
		t.Fatalf("issuer metadata: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "did:") {
		t.Fatalf("issuer metadata names a DID: %s", r.Body)
	}
	scopes := map[string]string{}
	for _, id := range types {
		c, ok := md.Configs[id]
		if !ok || c.Format != "dc+sd-jwt" || c.Scope == "" || c.VCT == "" || !slices.Contains(c.Binding, "jwk") {
			t.Fatalf("configuration %s: %+v", id, c)
		}
		for _, pt := range []string{"jwt", "attestation"} {
			p, ok := c.ProofTypes[pt]
			if !ok || len(p.KeyAttestationsRequired) == 0 || !slices.Contains(p.Algs, "ES256") {
				t.Fatalf("configuration %s proof type %s: %+v", id, pt, p)
			}
		}
		scopes[id] = c.Scope
	}

	// Authorization Server Metadata (RFC 8414 §3; VCI §12.2.4): the AS is
	// the issuer itself when authorization_servers is absent.
	as := e.URL
	if len(md.AuthorizationServers) > 0 {
		as = md.AuthorizationServers[0]
	}
	au, _ := url.Parse(as)
	r = w.send(http.MethodGet, au.Scheme+"://"+au.Host+"/.well-known/oauth-authorization-server"+au.Path, nil, nil)
	var asm map[string]any
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &asm) != nil {
		t.Fatalf("AS metadata: %d %s", r.Status, r.Body)
	}
	for k, want := range map[string]any{
		"issuer": as, "require_pushed_authorization_requests": true, "authorization_response_iss_parameter_supported": true,
	} {
		if asm[k] != want {
			t.Fatalf("AS metadata %s = %v, want %v", k, asm[k], want)
		}
	}
	endpoint := func(k string) string {
		s, _ := asm[k].(string)
		if !strings.HasPrefix(s, "https://") {
			t.Fatalf("AS metadata %s = %v", k, asm[k])
		}
		return s
	}
	parEP, authEP, tokenEP := endpoint("pushed_authorization_request_endpoint"), endpoint("authorization_endpoint"), endpoint("token_endpoint")
	for k, want := range map[string][]string{
		"code_challenge_methods_supported":                    {"S256"},
		"token_endpoint_auth_methods_supported":               {"attest_jwt_client_auth"},
		"dpop_signing_alg_values_supported":                   {"ES256"},
		"response_types_supported":                            {"code"},
		"client_attestation_signing_alg_values_supported":     {"ES256"},
		"client_attestation_pop_signing_alg_values_supported": {"ES256"},
	} {
		l, _ := asm[k].([]any)
		var got []string
		for _, v := range l {
			s, _ := v.(string)
			got = append(got, s)
		}
		exact := k == "code_challenge_methods_supported" || k == "token_endpoint_auth_methods_supported" || k == "response_types_supported"
		if exact && !slices.Equal(got, want) || !slices.Contains(got, want[0]) {
			t.Fatalf("AS metadata %s = %v, want %v", k, got, want)
		}
	}
	if l, _ := asm["grant_types_supported"].([]any); !slices.Contains(l, any("authorization_code")) {
		t.Fatalf("grant_types_supported = %v", asm["grant_types_supported"])
	}
	if l, _ := asm["scopes_supported"].([]any); len(l) < len(types) {
		t.Fatalf("scopes_supported = %v", asm["scopes_supported"])
	}

	// Wallet attestation (draft -07 §4.1, §4.2): a fresh instance key,
	// attested by the provider with x5c; a fresh PoP for every request.
	instance := newKeyES256(t)
	attestation := provider.sign(t, "oauth-client-attestation+jwt", map[string]any{
		"iss": "https://provider.wallet.example", "sub": w.clientID, "iat": now().Unix(), "exp": now().Add(time.Hour).Unix(),
		"cnf": map[string]any{"jwk": instance.Public().Map()},
	})
	w.clientHeaders = func() map[string]string {
		pop := signJWT(t, instance, map[string]any{"alg": "ES256", "typ": "oauth-client-attestation-pop+jwt"},
			map[string]any{"iss": w.clientID, "aud": as, "jti": randomJTI(), "iat": now().Unix()})
		return map[string]string{"OAuth-Client-Attestation": attestation, "OAuth-Client-Attestation-PoP": pop}
	}

	// PAR (RFC 9126 §2) with PKCE S256 (RFC 7636 §4.3), every scope,
	// issuer_state from the offer (VCI §5.1.3).
	var sc []string
	for _, id := range o.CredentialConfigurationIDs {
		sc = append(sc, scopes[id])
	}
	r = w.form(parEP, w.parForm(ac.IssuerState, strings.Join(sc, " ")), "")
	var par struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &par) != nil || par.RequestURI == "" || par.ExpiresIn <= 0 {
		t.Fatalf("PAR: %d %s", r.Status, r.Body)
	}

	// The authorization endpoint with client_id and request_uri only
	// (RFC 9126 §4), the holder fills in the code, the redirect carries
	// code, state and iss (RFC 6749 §4.1.2, RFC 9207 §2).
	q := url.Values{"client_id": {w.clientID}, "request_uri": {par.RequestURI}}
	page := w.send(http.MethodGet, authEP+"?"+q.Encode(), nil, nil)
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `name="tx_code"`) {
		t.Fatalf("authorization page: %d %s", page.Status, page.Body)
	}
	r = w.submitPage(page.Body, offer.TxCode, "allow")
	loc, err := url.Parse(r.Header.Get("Location"))
	if r.Status != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), "https://wallet.example/cb?") {
		t.Fatalf("authorization response: %d %v", r.Status, r.Header)
	}
	if loc.Query().Get("state") != w.state || loc.Query().Get("iss") != as || loc.Query().Get("code") == "" {
		t.Fatalf("authorization response %v", loc.Query())
	}
	code := loc.Query().Get("code")

	// Token Request (RFC 6749 §4.1.3) with the code_verifier, a DPoP proof
	// (RFC 9449 §5) and the attestation; the server asks for its nonce
	// first (§8): the wallet retries with it.
	w.nonce = ""
	tf := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {w.verifier}, "redirect_uri": {w.redirect}}
	r = w.form(tokenEP, tf, w.dpopProof("POST", tokenEP, "", nil))
	if r.Status == http.StatusBadRequest && oauthError(r) == "use_dpop_nonce" {
		if w.nonce == "" {
			t.Fatal("use_dpop_nonce without a DPoP-Nonce header")
		}
		r = w.form(tokenEP, tf, w.dpopProof("POST", tokenEP, "", nil))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &tok) != nil || tok.TokenType != "DPoP" || tok.AccessToken == "" {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}

	// A credential per type: a fresh c_nonce (VCI §7), a key attestation
	// (Annex D.1) of the holder key with that nonce, carried in the jwt
	// proof's key_attestation header (§F.1) or, for the first type, as the
	// attestation proof type (§F.3).
	statusTokens := map[string]bool{}
	for i, id := range o.CredentialConfigurationIDs {
		nr := w.send(http.MethodPost, md.NonceEndpoint, nil, nil)
		var n struct {
			CNonce string `json:"c_nonce"`
		}
		if nr.Status != http.StatusOK || json.Unmarshal(nr.Body, &n) != nil || n.CNonce == "" {
			t.Fatalf("nonce: %d %s", nr.Status, nr.Body)
		}
		holder := newKeyES256(t)
		ka := provider.sign(t, "key-attestation+jwt", map[string]any{
			"iat": now().Unix(), "exp": now().Add(time.Hour).Unix(), "nonce": n.CNonce,
			"attested_keys": []any{holder.Public().Map()}, "key_storage": []string{"iso_18045_moderate"},
		})
		proofs := map[string][]string{}
		if i == 0 {
			proofs["attestation"] = []string{ka}
		} else {
			proofs["jwt"] = []string{signJWT(t, holder,
				map[string]any{"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": holder.Public().Map(), "key_attestation": ka},
				map[string]any{"iss": w.clientID, "aud": md.CredentialIssuer, "iat": now().Unix(), "nonce": n.CNonce})}
		}
		body, _ := json.Marshal(map[string]any{"credential_configuration_id": id, "proofs": proofs})
		send := func() hapResp {
			return w.send(http.MethodPost, md.CredentialEndpoint, map[string]string{
				"Content-Type": "application/json", "Authorization": "DPoP " + tok.AccessToken,
				"DPoP": w.dpopProof("POST", md.CredentialEndpoint, tok.AccessToken, nil),
			}, body)
		}
		cr := send()
		if cr.Status == http.StatusUnauthorized && strings.Contains(cr.Header.Get("WWW-Authenticate"), "use_dpop_nonce") {
			cr = send()
		}
		var resp struct {
			Credentials []struct {
				Credential string `json:"credential"`
			} `json:"credentials"`
		}
		if cr.Status != http.StatusOK || json.Unmarshal(cr.Body, &resp) != nil || len(resp.Credentials) != 1 {
			t.Fatalf("credential %s: %d %s", id, cr.Status, cr.Body)
		}

		// The SD-JWT VC, by hand (SD-JWT §4, SD-JWT VC §3, HAIP §7).
		sdjwt := resp.Credentials[0].Credential
		if !strings.HasSuffix(sdjwt, "~") {
			t.Fatalf("%s: an issued SD-JWT ends with ~", id)
		}
		parts := strings.Split(sdjwt, "~")
		hdr, c, leaf := verifyX5CJWT(t, parts[0], "dc+sd-jwt", anchor.Cert, now())
		if _, ok := hdr["kid"]; ok {
			t.Errorf("%s: kid beside x5c: %v", id, hdr["kid"])
		}
		iss, _ := c["iss"].(string)
		if !strings.HasPrefix(iss, "https://") || iss != md.CredentialIssuer || !slices.ContainsFunc(leaf.URIs, func(u *url.URL) bool { return u.String() == iss }) {
			t.Fatalf("%s: iss %q is not an https URI SAN of the leaf %v", id, iss, leaf.URIs)
		}
		if c["vct"] != md.Configs[id].VCT || c["iat"] == nil || c["_sd_alg"] != "sha-256" {
			t.Fatalf("%s: claims %v", id, c)
		}
		cnf, _ := c["cnf"].(map[string]any)
		jwk, _ := cnf["jwk"].(map[string]any)
		bound, err := jose.PublicKeyFromMap(jwk)
		if err != nil || bound.Thumbprint() != holder.Public().Thumbprint() {
			t.Fatalf("%s: cnf.jwk is not the wallet's key: %v", id, cnf)
		}
		// Every disclosure is referenced by its digest, from the payload
		// or from another disclosure (recursive disclosures, SD-JWT §4.2.6).
		digests := string(parts[0])
		for _, d := range parts[1 : len(parts)-1] {
			b, err := base64.RawURLEncoding.DecodeString(d)
			if err != nil || strings.Contains(string(b), "did:") {
				t.Fatalf("%s: disclosure %s", id, b)
			}
			digests += string(b)
		}
		pb, _ := json.Marshal(c)
		digests += string(pb)
		for _, d := range parts[1 : len(parts)-1] {
			h := sha256.Sum256([]byte(d))
			if !strings.Contains(digests, base64.RawURLEncoding.EncodeToString(h[:])) {
				t.Fatalf("%s: disclosure digest referenced nowhere", id)
			}
		}
		st, _ := c["status"].(map[string]any)
		sl, _ := st["status_list"].(map[string]any)
		uri, _ := sl["uri"].(string)
		if _, ok := sl["idx"].(float64); !ok || !strings.HasPrefix(uri, "https://") {
			t.Fatalf("%s: status %v", id, c["status"])
		}
		if !statusTokens[uri] {
			statusTokens[uri] = true
			// Token Status List §8.1: the list token, typ statuslist+jwt,
			// its x5c to the same anchor, sub = the uri (iss is not required there).
			lr := w.send(http.MethodGet, uri, map[string]string{"Accept": "application/statuslist+jwt"}, nil)
			if lr.Status != http.StatusOK || !strings.HasPrefix(lr.Header.Get("Content-Type"), "application/statuslist+jwt") {
				t.Fatalf("status list %s: %d %v", uri, lr.Status, lr.Header)
			}
			_, lc, _ := verifyX5CJWT(t, strings.TrimSpace(string(lr.Body)), "statuslist+jwt", anchor.Cert, now())
			if lc["sub"] != uri || lc["iat"] == nil || lc["status_list"] == nil {
				t.Fatalf("status list claims %v", lc)
			}
		}
	}
	if len(statusTokens) == 0 {
		t.Fatal("no status list checked")
	}
}
