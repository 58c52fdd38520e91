package wallet_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// haipVerifier is a verifier written from the HAIP 1.0 (§5) and OpenID4VP
// 1.0 texts alone, not paspoort's verifier: client identifier prefix
// x509_hash (§5.9.3), its Request Object fetched by request_uri, signed
// with the leaf key and carrying x5c; response_mode direct_post.jwt with an
// ECDH-ES P-256 key in client_metadata.jwks and A128GCM (HAIP §5.1, OpenID4VP
// §8.3); a DCQL query for a PPP skill with trusted_authorities of type aki
// (the issuer anchor's key identifier). Its request object is written by
// hand; at the response_uri it decrypts and verifies the presentation with
// paspoort's credentials packages, as a real verifier uses a library (x5c
// under the issuer anchor, KB-JWT audience and nonce, the certified status
// list), and answers with a redirect_uri (OpenID4VP §8.2). It sends no
// signed receipt: that is paspoort's own DID-profile addition.
type haipVerifier struct {
	srv      *httptest.Server
	key      *jose.PrivateKey
	x5c      []string
	clientID string
	enc      *jose.EncryptionKey
	nonce    string
	state    string
	vct      string
	aki      string
	verifier *sdjwtvc.Verifier

	mu       sync.Mutex
	accepted []*sdjwtvc.Result
	refused  []error
}

func newHAIPVerifier(t *testing.T, verifierAnchor, issuerAnchor *pki.Authority) *haipVerifier {
	t.Helper()
	ty, _ := ppp.Lookup("skill")
	v := &haipVerifier{nonce: random(), state: random(), vct: ty.VCT,
		aki: base64.RawURLEncoding.EncodeToString(issuerAnchor.Cert.SubjectKeyId)}
	v.key, _ = jose.GenerateKey(jose.ES256)
	leaf, err := verifierAnchor.Issue(v.key.Signer().Public(), pki.LeafConfig{CommonName: "Werkgever Zuid", DNSNames: []string{"verifier.example"}})
	if err != nil {
		t.Fatal(err)
	}
	v.x5c = pki.X5C([]*x509.Certificate{leaf})
	v.clientID = "x509_hash:" + pki.X509Hash(leaf)
	if v.enc, err = jose.GenerateEncryptionKey(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	v.srv = httptest.NewTLSServer(mux)
	t.Cleanup(v.srv.Close)

	// The verifier's own library: issuer keys from x5c under the issuer
	// anchor, status lists by their own x5c under the same anchor.
	fetch, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(v.srv.Client().Transport))
	if err != nil {
		t.Fatal(err)
	}
	keys := sdjwtvc.X509Keys{Anchors: anchorsOf(t, issuerAnchor)}
	checker, err := statuslist.NewChecker(fetch, keys, statuslist.WithMinEntries(0))
	if err != nil {
		t.Fatal(err)
	}
	if v.verifier, err = sdjwtvc.NewVerifier(keys, sdjwtvc.WithStatusChecker(checker)); err != nil {
		t.Fatal(err)
	}

	mux.HandleFunc("GET /request.jwt", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		claims := map[string]any{
			"client_id": v.clientID, "response_type": "vp_token", "response_mode": "direct_post.jwt",
			"response_uri": v.srv.URL + "/response", "nonce": v.nonce, "state": v.state,
			"aud": "https://self-issued.me/v2", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
			"dcql_query": map[string]any{"credentials": []any{map[string]any{
				"id": "skill", "format": "dc+sd-jwt",
				"meta":                map[string]any{"vct_values": []string{v.vct}},
				"trusted_authorities": []any{map[string]any{"type": "aki", "values": []string{v.aki}}},
				"claims":              []any{map[string]any{"path": []string{"skill"}}, map[string]any{"path": []string{"proficiency"}}},
			}}},
			"client_metadata": map[string]any{
				"jwks": map[string]any{"keys": []any{v.enc.Public().Map()}},
				"encrypted_response_enc_values_supported": []string{"A128GCM"},
				"vp_formats_supported": map[string]any{"dc+sd-jwt": map[string]any{
					"sd-jwt_alg_values": []string{"ES256"}, "kb-jwt_alg_values": []string{"ES256"}}},
			},
		}
		b, _ := json.Marshal(claims)
		tok, err := jose.Sign(v.key.WithKeyID(""), "oauth-authz-req+jwt", map[string]any{"x5c": v.x5c}, b)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
		_, _ = w.Write([]byte(tok))
	})
	mux.HandleFunc("POST /response", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		res, err := v.verify(r)
		v.mu.Lock()
		if err != nil {
			v.refused = append(v.refused, err)
		} else {
			v.accepted = append(v.accepted, res)
		}
		v.mu.Unlock()
		if err != nil {
			writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
			return
		}
		writeJSONBody(w, http.StatusOK, map[string]string{"redirect_uri": v.srv.URL + "/done#response_code=" + random()})
	})
	return v
}

// verify decrypts the response and verifies its one presentation.
func (v *haipVerifier) verify(r *http.Request) (*sdjwtvc.Result, error) {
	resp, err := oid4vp.ParseResponse(r.PostForm, oid4vp.ResponseExpectation{Mode: "direct_post.jwt", Key: v.enc, Enc: []jose.Enc{jose.A128GCM}})
	if err != nil {
		return nil, err
	}
	if resp.State != v.state || len(resp.VPToken["skill"]) != 1 || len(resp.VPToken) != 1 {
		return nil, fmt.Errorf("state or vp_token not as asked: %v", resp.VPToken)
	}
	res, err := v.verifier.Verify(r.Context(), resp.VPToken["skill"][0], sdjwtvc.Policy{AcceptVCT: []string{v.vct},
		KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: v.clientID, Nonce: v.nonce}})
	if err != nil {
		return nil, err
	}
	if res.CertifiedBy == nil {
		return nil, fmt.Errorf("issuer not certified")
	}
	return res, nil
}

// outcomes returns the presentations accepted and the reasons of those
// refused so far.
func (v *haipVerifier) outcomes() ([]*sdjwtvc.Result, []error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.accepted), slices.Clone(v.refused)
}

// invocation is the wallet invocation URI (OpenID4VP §5.10: by reference).
func (v *haipVerifier) invocation() string {
	return "openid4vp://?" + url.Values{"client_id": {v.clientID}, "request_uri": {v.srv.URL + "/request.jwt"}}.Encode()
}
