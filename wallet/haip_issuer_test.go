package wallet_test

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/walletprovider"
)

// haipIssuer is a credential issuer written from the HAIP 1.0 and
// OpenID4VCI 1.0 texts alone, not paspoort's issuer: no DIDs, no
// /.well-known/jwt-vc-issuer, no did.json. Its wire messages are written by
// hand (JSON maps); only its own verification of what the wallet sends
// (DPoP, client attestation, key attestation, key proofs) uses paspoort's
// credentials packages, as a real issuer uses a library. It requires:
// PAR (RFC 9126) with PKCE S256 (RFC 7636) and dpop_jkt (RFC 9449 §10);
// a Wallet Attestation and its PoP at PAR and token (attest_jwt_client_auth,
// HAIP §4.3, §4.4.1) under the provider anchor; DPoP proofs with a server
// nonce at token and credential endpoint (use_dpop_nonce first, RFC 9449
// §8, §9); jwt proofs carrying a key attestation (HAIP §4.5.1). It signs
// SD-JWT VCs and its Token Status List with an x5c chain under the issuer
// anchor (HAIP §7, §7.1), its https iss a URI SAN of the leaf.
type haipIssuer struct {
	srv       *httptest.Server
	key       *jose.PrivateKey
	x5c       []string
	providers *pki.Anchors
	nonces    *dpop.Nonces
	replay    *dpop.MemoryReplayCache

	mu         sync.Mutex
	pushed     map[string]parRequest
	codes      map[string]parRequest
	tokens     map[string]string // access token → DPoP key thumbprint
	cNonce     string
	list       *statuslist.List
	next       int
	nonceAsked map[string]int // endpoint → use_dpop_nonce answers
	issued     int
	// listKey and listX5C sign the status list: key and x5c unless a
	// test makes the issuer sign it otherwise.
	listKey *jose.PrivateKey
	listX5C []string
}

type parRequest struct {
	clientID, redirectURI, challenge, state, scope, jkt string
}

// haipAnchors are the two trust anchors of the HAIP tests: the issuers'
// (for SD-JWT VCs and status lists) and the wallet providers'.
type haipAnchors struct {
	issuer, provider *pki.Authority
}

func newHAIPAnchors(t *testing.T) haipAnchors {
	t.Helper()
	var a haipAnchors
	var err error
	if a.issuer, err = pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "issuer anchor"}); err != nil {
		t.Fatal(err)
	}
	if a.provider, err = pki.NewDevAuthority(pki.AuthorityConfig{CommonName: "wallet provider anchor"}); err != nil {
		t.Fatal(err)
	}
	return a
}

func anchorsOf(t *testing.T, a *pki.Authority) *pki.Anchors {
	t.Helper()
	an, err := pki.NewAnchors(a.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return an
}

// newWalletProvider serves paspoort's wallet provider on TLS with a leaf
// under anchor, and returns its URL.
func newWalletProvider(t *testing.T, anchor *pki.Authority) string {
	t.Helper()
	var h http.Handler
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	k, _ := jose.GenerateKey(jose.ES256)
	leaf, err := anchor.Issue(k.Signer().Public(), pki.LeafConfig{URIs: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := walletprovider.New(walletprovider.Config{URL: srv.URL, ClientID: "paspoort-wallet", WalletName: "paspoort",
		Signer: attest.Signer{Key: k, Chain: []*x509.Certificate{leaf}}})
	if err != nil {
		t.Fatal(err)
	}
	h = p.Handler(slog.New(slog.DiscardHandler))
	return srv.URL
}

func newHAIPIssuer(t *testing.T, anchors haipAnchors) *haipIssuer {
	t.Helper()
	i := &haipIssuer{pushed: map[string]parRequest{}, codes: map[string]parRequest{}, tokens: map[string]string{},
		nonceAsked: map[string]int{}, providers: anchorsOf(t, anchors.provider)}
	var err error
	if i.nonces, err = dpop.NewNonces([]byte(strings.Repeat("k", 32)), time.Minute); err != nil {
		t.Fatal(err)
	}
	i.replay = dpop.NewMemoryReplayCache(1000, time.Now)
	if i.list, err = statuslist.New(1, 1024); err != nil {
		t.Fatal(err)
	}
	i.key, _ = jose.GenerateKey(jose.ES256)
	mux := http.NewServeMux()
	i.srv = httptest.NewTLSServer(mux)
	t.Cleanup(i.srv.Close)
	leaf, err := anchors.issuer.Issue(i.key.Signer().Public(), pki.LeafConfig{CommonName: "Opleiding Noord", URIs: []string{i.srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	i.x5c = pki.X5C([]*x509.Certificate{leaf})
	i.listKey, i.listX5C = i.key, i.x5c
	u := i.srv.URL

	mux.HandleFunc("GET /.well-known/openid-credential-issuer", func(w http.ResponseWriter, r *http.Request) {
		cfg := func(typ string) map[string]any {
			ty, _ := ppp.Lookup(typ)
			return map[string]any{
				"format": "dc+sd-jwt", "vct": ty.VCT, "scope": typ,
				"cryptographic_binding_methods_supported": []string{"jwk"},
				"credential_signing_alg_values_supported": []string{"ES256"},
				"proof_types_supported": map[string]any{"jwt": map[string]any{
					"proof_signing_alg_values_supported": []string{"ES256"},
					"key_attestations_required":          map[string]any{},
				}},
			}
		}
		writeJSONBody(w, http.StatusOK, map[string]any{
			"credential_issuer": u, "credential_endpoint": u + "/credential", "nonce_endpoint": u + "/nonce",
			"display":                             []map[string]string{{"name": "Opleiding Noord", "locale": "nl"}},
			"credential_configurations_supported": map[string]any{"skill": cfg("skill")},
		})
	})
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		writeJSONBody(w, http.StatusOK, map[string]any{
			"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
			"pushed_authorization_request_endpoint": u + "/par", "require_pushed_authorization_requests": true,
			"response_types_supported": []string{"code"}, "grant_types_supported": []string{"authorization_code"},
			"code_challenge_methods_supported":                    []string{"S256"},
			"dpop_signing_alg_values_supported":                   []string{"ES256"},
			"token_endpoint_auth_methods_supported":               []string{"attest_jwt_client_auth"},
			"client_attestation_signing_alg_values_supported":     []string{"ES256"},
			"client_attestation_pop_signing_alg_values_supported": []string{"ES256"},
			"authorization_response_iss_parameter_supported":      true,
			"scopes_supported":                                    []string{"skill"},
		})
	})
	mux.HandleFunc("POST /par", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		if _, err := i.client(r, f.Get("client_id")); err != nil {
			writeJSONBody(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": err.Error()})
			return
		}
		if f.Get("response_type") != "code" || f.Get("code_challenge_method") != "S256" || f.Get("code_challenge") == "" ||
			f.Get("redirect_uri") == "" || f.Get("state") == "" || f.Get("scope") != "skill" || f.Get(dpop.ParamJKT) == "" || f.Has("request_uri") {
			writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		ru := "urn:ietf:params:oauth:request_uri:" + random()
		i.mu.Lock()
		i.pushed[ru] = parRequest{clientID: f.Get("client_id"), redirectURI: f.Get("redirect_uri"), challenge: f.Get("code_challenge"),
			state: f.Get("state"), scope: f.Get("scope"), jkt: f.Get(dpop.ParamJKT)}
		i.mu.Unlock()
		writeJSONBody(w, http.StatusCreated, map[string]any{"request_uri": ru, "expires_in": 60})
	})
	// The authorization page: in this stub the holder is signed in at once
	// and the browser sent back with code, state and iss (RFC 9207).
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		i.mu.Lock()
		pr, ok := i.pushed[q.Get("request_uri")]
		delete(i.pushed, q.Get("request_uri"))
		code := random()
		if ok && pr.clientID == q.Get("client_id") {
			i.codes[code] = pr
		}
		i.mu.Unlock()
		if !ok || pr.clientID != q.Get("client_id") {
			http.Error(w, "unknown request", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, pr.redirectURI+"?"+url.Values{"code": {code}, "state": {pr.state}, "iss": {u}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		cl, err := i.client(r, f.Get("client_id"))
		if err != nil {
			writeJSONBody(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
			return
		}
		i.mu.Lock()
		pr, ok := i.codes[f.Get("code")]
		i.mu.Unlock()
		if f.Get("grant_type") != "authorization_code" || !ok || pr.clientID != cl.ClientID || pr.redirectURI != f.Get("redirect_uri") ||
			s256(f.Get("code_verifier")) != pr.challenge {
			writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return
		}
		proof, ok := i.dpopProof(w, r, "/token", "", pr.jkt)
		if !ok {
			return
		}
		tok := random()
		i.mu.Lock()
		delete(i.codes, f.Get("code")) // single use
		i.tokens[tok] = proof.JKT
		i.mu.Unlock()
		w.Header().Set(dpop.NonceHeader, i.nonces.New(time.Now()))
		writeJSONBody(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "DPoP", "expires_in": 300, "scope": pr.scope})
	})
	mux.HandleFunc("POST /nonce", func(w http.ResponseWriter, r *http.Request) {
		n := random()
		i.mu.Lock()
		i.cNonce = n
		i.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		writeJSONBody(w, http.StatusOK, map[string]string{"c_nonce": n})
	})
	mux.HandleFunc("POST /credential", func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		i.mu.Lock()
		jkt, ok := i.tokens[tok]
		nonce := i.cNonce
		i.mu.Unlock()
		if !strings.EqualFold(scheme, "DPoP") || !ok {
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if _, ok := i.dpopProof(w, r, "/credential", tok, jkt); !ok {
			return
		}
		var req struct {
			ID     string `json:"credential_configuration_id"`
			Proofs struct {
				JWT []string `json:"jwt"`
			} `json:"proofs"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &req); err != nil || req.ID != "skill" || len(req.Proofs.JWT) == 0 {
			writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "invalid_credential_request"})
			return
		}
		var creds []map[string]string
		for _, p := range req.Proofs.JWT {
			pr, err := oid4vci.VerifyProof(p, oid4vci.ProofPolicy{Audience: u, Algs: []jose.Alg{jose.ES256}, NonceRequired: true, Nonce: nonce,
				ClientID: "paspoort-wallet", RequireKeyAttestation: true,
				KeyAttestations: &attest.KeyPolicy{Anchors: i.providers, Algs: []jose.Alg{jose.ES256}, Nonce: nonce, RequireExp: true}})
			if err != nil {
				writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "invalid_proof", "error_description": err.Error()})
				return
			}
			i.mu.Lock()
			idx := i.next
			i.next++
			i.issued++
			i.mu.Unlock()
			ty, _ := ppp.Lookup("skill")
			s, err := sdjwtvc.Issue(i.key, sdjwtvc.Credential{Issuer: u, VCT: ty.VCT, HolderKey: pr.Key, Claims: example(t, "skill", nil),
				Expires: time.Now().Add(24 * time.Hour), Status: &sdjwtvc.StatusRef{Index: idx, URI: u + "/status/1"}, X5C: i.x5c})
			if err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			creds = append(creds, map[string]string{"credential": s})
		}
		writeJSONBody(w, http.StatusOK, map[string]any{"credentials": creds})
	})
	mux.HandleFunc("GET /status/1", func(w http.ResponseWriter, r *http.Request) {
		i.mu.Lock()
		tok, err := statuslist.SignTokenWithX5C(i.listKey, statuslist.Token{Subject: u + "/status/1", IssuedAt: time.Now(), TTL: time.Hour, List: i.list}, i.listX5C)
		i.mu.Unlock()
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/statuslist+jwt")
		_, _ = io.WriteString(w, tok)
	})
	return i
}

// client verifies the OAuth-Client-Attestation and its PoP against the
// wallet provider anchor (HAIP §4.3, §4.4.1).
func (i *haipIssuer) client(r *http.Request, clientID string) (*attest.Client, error) {
	a, pop, err := attest.FromHeader(r.Header)
	if err != nil {
		return nil, err
	}
	return attest.VerifyClient(a, pop, attest.ClientPolicy{Anchors: i.providers, Algs: []jose.Alg{jose.ES256}, Audience: i.srv.URL, ClientID: clientID})
}

// dpopProof verifies the request's DPoP proof, bound to jkt, with a server
// nonce; without one it answers use_dpop_nonce (400 at the token endpoint,
// 401 at the resource, RFC 9449 §8, §9) and reports false.
func (i *haipIssuer) dpopProof(w http.ResponseWriter, r *http.Request, path, token, jkt string) (*dpop.Proof, bool) {
	p, err := dpop.Verify(r.Context(), r.Header.Values(dpop.Header), dpop.Policy{Method: r.Method, URL: i.srv.URL + path,
		Algs: []jose.Alg{jose.ES256}, Nonces: i.nonces, AccessToken: token, BoundJKT: jkt}, i.replay)
	switch {
	case err == nil:
		return p, true
	case errors.Is(err, dpop.ErrUseNonce):
		i.mu.Lock()
		i.nonceAsked[path]++
		i.mu.Unlock()
		w.Header().Set(dpop.NonceHeader, i.nonces.New(time.Now()))
		if token != "" {
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			writeJSONBody(w, http.StatusUnauthorized, map[string]string{"error": "use_dpop_nonce"})
		} else {
			writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "use_dpop_nonce"})
		}
	default:
		writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "invalid_dpop_proof", "error_description": err.Error()})
	}
	return nil, false
}

// signListWith makes the issuer sign its status list with key and x5c.
func (i *haipIssuer) signListWith(key *jose.PrivateKey, x5c []string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.listKey, i.listX5C = key, x5c
}

// revoke sets the status list entry of the idx-th credential issued to
// INVALID.
func (i *haipIssuer) revoke(t *testing.T, idx int) {
	t.Helper()
	i.mu.Lock()
	defer i.mu.Unlock()
	if err := i.list.Set(idx, statuslist.Invalid); err != nil {
		t.Fatal(err)
	}
}

// offer is an issuer-initiated offer of the authorization code grant
// (HAIP §4.2), by value.
func (i *haipIssuer) offer() string {
	o, _ := json.Marshal(map[string]any{"credential_issuer": i.srv.URL, "credential_configuration_ids": []string{"skill"},
		"grants": map[string]any{"authorization_code": map[string]string{"issuer_state": "state-of-the-school"}}})
	return "openid-credential-offer://?credential_offer=" + url.QueryEscape(string(o))
}

func writeJSONBody(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
