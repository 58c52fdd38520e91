package verifier_test

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/verifier"
)

// specRequest is what a HAIP wallet written from the texts (OpenID4VP 1.0
// §5, §5.9.3, §5.10, §6, §8.2, §8.3; RFC 9101; HAIP 1.0 §5) reads from a
// verifier's request object, validated by hand.
type specRequest struct {
	ClientID    string
	ResponseURI string
	Nonce       string
	State       string
	// Queries maps each Credential Query id to its meta.vct_values.
	Queries    map[string][]string
	ClaimNames map[string]bool
	EncKey     map[string]any
	Enc        string
}

// specFetch follows the invocation link: request_uri with
// request_uri_method post and a wallet_nonce (§5.10), then checks the
// request object: typ oauth-authz-req+jwt, x5c chaining to anchor,
// client_id "x509_hash:" + base64url(sha256(leaf DER)), signed by the
// leaf's key, the wallet_nonce, response_mode direct_post.jwt, a
// response_uri, a nonce, a DCQL query and an encryption key.
func specFetch(t *testing.T, client *http.Client, link string, anchor *x509.Certificate) specRequest {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	walletNonce := make([]byte, 16)
	_, _ = rand.Read(walletNonce)
	wn := base64.RawURLEncoding.EncodeToString(walletNonce)
	var resp *http.Response
	if q.Get("request_uri_method") == "post" {
		req, _ := http.NewRequest(http.MethodPost, q.Get("request_uri"), strings.NewReader(url.Values{"wallet_nonce": {wn}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/oauth-authz-req+jwt")
		resp, err = client.Do(req)
	} else {
		wn = ""
		resp, err = client.Get(q.Get("request_uri"))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("request_uri: %d %s", resp.StatusCode, raw)
	}
	j, err := jose.ParseCompact(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if j.Header.Typ != "oauth-authz-req+jwt" || j.Header.Alg != jose.ES256 {
		t.Fatalf("request object header %v", j.Header.Raw)
	}
	x5c, _ := j.Header.Raw["x5c"].([]any)
	if len(x5c) == 0 {
		t.Fatal("request object without x5c")
	}
	var certs []*x509.Certificate
	for _, v := range x5c {
		s, _ := v.(string)
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(anchor)
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	leaf := certs[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("request object x5c does not chain to the anchor: %v", err)
	}
	pub, err := jose.NewPublicKey(leaf.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(pub, []jose.Alg{jose.ES256}); err != nil {
		t.Fatalf("request object not signed by the leaf: %v", err)
	}
	h := sha256.Sum256(leaf.Raw)
	wantID := "x509_hash:" + base64.RawURLEncoding.EncodeToString(h[:])
	var ro struct {
		ClientID     string `json:"client_id"`
		ResponseType string `json:"response_type"`
		ResponseMode string `json:"response_mode"`
		ResponseURI  string `json:"response_uri"`
		Nonce        string `json:"nonce"`
		State        string `json:"state"`
		WalletNonce  string `json:"wallet_nonce"`
		DCQL         struct {
			Credentials []struct {
				ID     string `json:"id"`
				Format string `json:"format"`
				Meta   struct {
					VCTValues []string `json:"vct_values"`
				} `json:"meta"`
				Claims []struct {
					Path []any `json:"path"`
				} `json:"claims"`
			} `json:"credentials"`
		} `json:"dcql_query"`
		ClientMetadata struct {
			JWKS struct {
				Keys []map[string]any `json:"keys"`
			} `json:"jwks"`
			EncValues []string `json:"encrypted_response_enc_values_supported"`
		} `json:"client_metadata"`
	}
	if err := json.Unmarshal(j.Payload, &ro); err != nil {
		t.Fatal(err)
	}
	if ro.ClientID != wantID || q.Get("client_id") != wantID {
		t.Fatalf("client_id %q (link %q), want %q", ro.ClientID, q.Get("client_id"), wantID)
	}
	if ro.ResponseType != "vp_token" || ro.ResponseMode != "direct_post.jwt" || !strings.HasPrefix(ro.ResponseURI, "https://") || ro.Nonce == "" || ro.WalletNonce != wn || len(ro.DCQL.Credentials) == 0 {
		t.Fatalf("request object %s", j.Payload)
	}
	r := specRequest{ClientID: ro.ClientID, ResponseURI: ro.ResponseURI, Nonce: ro.Nonce, State: ro.State, Queries: map[string][]string{}, ClaimNames: map[string]bool{}, Enc: "A128GCM"}
	for _, c := range ro.DCQL.Credentials {
		if c.Format != "dc+sd-jwt" {
			t.Fatalf("credential query format %q", c.Format)
		}
		r.Queries[c.ID] = c.Meta.VCTValues
		for _, cl := range c.Claims {
			for _, p := range cl.Path {
				if s, ok := p.(string); ok {
					r.ClaimNames[s] = true
				}
			}
		}
	}
	// HAIP 1.0 §5: ECDH-ES with P-256; A128GCM, or the first listed.
	if len(ro.ClientMetadata.EncValues) > 0 && !slices.Contains(ro.ClientMetadata.EncValues, "A128GCM") {
		r.Enc = ro.ClientMetadata.EncValues[0]
	}
	for _, k := range ro.ClientMetadata.JWKS.Keys {
		if k["kty"] == "EC" && k["crv"] == "P-256" && (k["alg"] == nil || k["alg"] == "ECDH-ES") && (k["use"] == nil || k["use"] == "enc") {
			r.EncKey = k
		}
	}
	if r.EncKey == nil || r.EncKey["d"] != nil {
		t.Fatalf("no ECDH-ES P-256 public key in client_metadata: %v", ro.ClientMetadata.JWKS.Keys)
	}
	return r
}

// specPresentation builds an SD-JWT VC presentation (SD-JWT §4, §4.3):
// the issuer-signed JWT, the disclosures of the claims the DCQL query
// names (and the array elements inside them), then a KB-JWT with aud,
// nonce, iat and sd_hash.
func specPresentation(t *testing.T, credential string, holder *jose.PrivateKey, names map[string]bool, aud, nonce string) string {
	t.Helper()
	parts := strings.Split(strings.TrimSuffix(credential, "~"), "~")
	out := parts[0] + "~"
	for _, d := range parts[1:] {
		b, err := base64.RawURLEncoding.DecodeString(d)
		if err != nil {
			t.Fatal(err)
		}
		var arr []any
		if err := json.Unmarshal(b, &arr); err != nil {
			t.Fatal(err)
		}
		name, _ := arr[1].(string)
		if len(arr) == 2 || names[name] {
			out += d + "~"
		}
	}
	sh := sha256.Sum256([]byte(out))
	hb, _ := json.Marshal(map[string]any{"alg": "ES256", "typ": "kb+jwt"})
	cb, _ := json.Marshal(map[string]any{"iat": time.Now().Unix(), "aud": aud, "nonce": nonce, "sd_hash": base64.RawURLEncoding.EncodeToString(sh[:])})
	kb, err := jose.SignRaw(holder, hb, cb)
	if err != nil {
		t.Fatal(err)
	}
	return out + kb
}

// specRespond sends the Authorization Response to response_uri: the
// parameters as a JWE (ECDH-ES to the verifier's key, OpenID4VP §8.3) in
// "response" (direct_post.jwt, §8.3.1), or, when plain, as direct_post.
func specRespond(t *testing.T, client *http.Client, r specRequest, vpToken map[string][]string, plain bool) int {
	t.Helper()
	params := map[string]any{"vp_token": vpToken}
	if r.State != "" {
		params["state"] = r.State
	}
	form := url.Values{}
	if plain {
		b, _ := json.Marshal(vpToken)
		form.Set("vp_token", string(b))
		if r.State != "" {
			form.Set("state", r.State)
		}
	} else {
		pt, _ := json.Marshal(params)
		key, err := jose.EncryptionPublicKeyFromMap(r.EncKey)
		if err != nil {
			t.Fatal(err)
		}
		jwe, err := jose.EncryptECDHES(pt, key, jose.Enc(r.Enc), nil)
		if err != nil {
			t.Fatal(err)
		}
		form.Set("response", jwe)
	}
	resp, err := client.Post(r.ResponseURI, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestHAIPConformancePresentation: a paspoort verifier identified by
// x509_hash (X5CChain under a verifier anchor), trusting issuers by
// TrustAnchors and an anchor entry of its trust list, and a wallet written
// from the texts: it follows the openid4vp:// link, fetches the request
// object by POST with a wallet_nonce, validates it by hand (typ, x5c to
// the verifier anchor, client_id = x509_hash of the leaf, signature,
// direct_post.jwt, response_uri, nonce, DCQL), presents the SD-JWT VC of
// an X.509-certified issuer with the disclosures the query names and a
// KB-JWT (aud the full client_id), encrypted to the verifier's key
// (ECDH-ES, A128GCM), and the verifier accepts. Hostile rows: a KB-JWT
// bound to the bare hash (KB), an unencrypted response (refused, the
// transaction stays undecided), a credential certified by another anchor
// (TRUST).
func TestHAIPConformancePresentation(t *testing.T) {
	p, err := profile.Parse("portfolio-test.yaml", []byte(portfolioProfile))
	if err != nil {
		t.Fatal(err)
	}
	issuerAnchor, otherAnchor := newAuthority(t), newAuthority(t)
	is := newX509Issuer(t)
	leaf := is.certify(t, issuerAnchor, is.now.Add(-24*time.Hour), "assessor.example")
	otherLeaf := is.certify(t, otherAnchor, is.now.Add(-24*time.Hour), "assessor.example")
	list := is.statusList(t, "/status/a", []*x509.Certificate{leaf})
	listOther := is.statusList(t, "/status/o", []*x509.Certificate{otherLeaf})

	vkey, _ := jose.GenerateKey(jose.ES256)
	verifierAnchor, vleaf := devChain(t, vkey, pki.LeafConfig{DNSNames: []string{"toelating.example"}})
	tl := &verifier.TrustList{Issuers: []verifier.TrustedIssuer{{Anchor: pki.X509Hash(issuerAnchor.Cert), Types: []string{"skill"}, Kind: "assessor"}}}
	e := newEnvWith(t, envOptions{trust: tl, config: func(c *verifier.Config) {
		c.Profiles = append(c.Profiles, p)
		c.TrustAnchors = anchorsOf(t, issuerAnchor, otherAnchor)
		c.SigningKey, c.ClientIDPrefix, c.X5CChain = vkey, oid4vp.PrefixX509Hash, []*x509.Certificate{vleaf}
	}})

	tests := []struct {
		name     string
		x5c      []*x509.Certificate
		list     string
		bareAud  bool
		plain    bool
		outcome  profile.Outcome
		rejected string
	}{
		{name: "accepted", x5c: []*x509.Certificate{leaf}, list: list, outcome: profile.OutcomeAccepted},
		{name: "KB: KB-JWT aud is the bare hash", x5c: []*x509.Certificate{leaf}, list: list, bareAud: true, rejected: "KB"},
		{name: "response not encrypted", x5c: []*x509.Certificate{leaf}, list: list, plain: true},
		{name: "TRUST: issuer certified by another anchor", x5c: []*x509.Certificate{otherLeaf}, list: listOther, rejected: "TRUST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, _ := jose.GenerateKey(jose.ES256)
			cred := is.issue(t, holder, tt.x5c, tt.list, 0)
			req := e.start("portfolio-test", nil)
			link := req.RequestURI
			if !strings.HasPrefix(link, "openid4vp://") && !strings.HasPrefix(link, "haip://") {
				t.Fatalf("link %q", link)
			}
			r := specFetch(t, e.client, link, verifierAnchor.Cert)
			aud := r.ClientID
			if tt.bareAud {
				aud = strings.TrimPrefix(aud, "x509_hash:")
			}
			// Answer the Credential Queries whose vct_values name the
			// credential's vct (DCQL §6.4.1).
			j, err := jose.ParseCompact(strings.SplitN(cred, "~", 2)[0])
			if err != nil {
				t.Fatal(err)
			}
			var cc struct {
				VCT string `json:"vct"`
			}
			_ = json.Unmarshal(j.Payload, &cc)
			vp := map[string][]string{}
			for id, vcts := range r.Queries {
				if slices.Contains(vcts, cc.VCT) {
					vp[id] = []string{specPresentation(t, cred, holder, r.ClaimNames, aud, r.Nonce)}
				}
			}
			if len(vp) == 0 {
				t.Fatalf("no query for %s in %v", cc.VCT, r.Queries)
			}
			code := specRespond(t, e.client, r, vp, tt.plain)
			if tt.plain {
				if code < 400 {
					t.Fatalf("unencrypted response: %d, want refused", code)
				}
				if s := e.result(req.TransactionID); s.Decision != nil {
					t.Fatalf("unencrypted response decided: %+v", s.Decision)
				}
				return
			}
			if code != http.StatusOK {
				t.Fatalf("response: %d", code)
			}
			d := e.result(req.TransactionID).Decision
			if d == nil {
				t.Fatal("no decision")
			}
			if tt.rejected == "" {
				if d.Outcome != tt.outcome || len(d.Rejected) > 0 || statusOf(t, d, "sport").Status != profile.StatusMet {
					t.Fatalf("decision %s, rejected %+v", d.Outcome, d.Rejected)
				}
				return
			}
			if d.Outcome == profile.OutcomeAccepted || len(d.Rejected) != 1 || d.Rejected[0].Class != tt.rejected {
				t.Fatalf("decision %s, rejected %+v, want %s", d.Outcome, d.Rejected, tt.rejected)
			}
		})
	}
}
