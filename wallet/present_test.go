package wallet_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// testVerifier is an OpenID4VP 1.0 verifier written with credentials/oid4vp
// as a real one is: a did:jwk client, a signed request object at a
// request_uri (POST with wallet_nonce), a response_uri that decrypts
// direct_post.jwt and verifies each presentation's KB-JWT against its
// client_id and nonce.
type testVerifier struct {
	t        *testing.T
	srv      *httptest.Server
	key      *jose.PrivateKey
	enc      *jose.EncryptionKey
	clientID string
	req      oid4vp.AuthorizationRequest
	issuers  sdjwtvc.StaticKeys
	got      map[string][]*sdjwtvc.Result
	declined string // the error code of an error response
	redirect bool
	unsigned bool // a redirect_uri: client with an unsigned request object
}

func newTestVerifier(t *testing.T, issuers sdjwtvc.StaticKeys, mode string, q dcql.Query) *testVerifier {
	k, _ := jose.GenerateKey(jose.ES256)
	d, err := did.JWKFromKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	ek, _ := jose.GenerateEncryptionKey()
	v := &testVerifier{t: t, key: k.WithKeyID(d + "#0"), enc: ek, clientID: oid4vp.PrefixDecentralizedIdentifier + ":" + d, issuers: issuers}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /request", v.requestObject)
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/request", http.StatusFound) })
	mux.HandleFunc("POST /response", v.response)
	v.srv = httptest.NewServer(mux)
	t.Cleanup(v.srv.Close)
	v.req = oid4vp.AuthorizationRequest{
		ClientID: v.clientID, ResponseType: oid4vp.ResponseTypeVPToken, ResponseMode: mode,
		ResponseURI: v.srv.URL + "/response", Nonce: oid4vp.NewNonce(), State: oid4vp.NewNonce(), DCQLQuery: q,
	}
	if mode == oid4vp.ResponseModeDirectPostJWT {
		v.req.ClientMetadata = &oid4vp.ClientMetadata{JWKS: &oid4vp.JWKS{Keys: []*jose.EncryptionPublicKey{ek.Public()}}}
	}
	return v
}

func (v *testVerifier) link(path string) string {
	m := oid4vp.RequestURIMethodPost
	if path != "/request" {
		m = ""
	}
	return oid4vp.InvocationRequest{ClientID: v.clientID, RequestURI: v.srv.URL + path, RequestURIMethod: m}.URI()
}

func (v *testVerifier) requestObject(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p, err := oid4vp.ParseRequestURIPost(r.PostForm)
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	rr := v.req
	rr.WalletNonce = p.WalletNonce
	var tok string
	if v.unsigned {
		tok, err = oid4vp.EncodeUnsignedRequestObject(rr, time.Now(), oid4vp.URLPolicy{AllowLoopback: true})
	} else {
		tok, err = oid4vp.SignRequestObject(v.key, rr, time.Now(), 5*time.Minute, oid4vp.URLPolicy{AllowLoopback: true})
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
	_, _ = io.WriteString(w, tok)
}

func (v *testVerifier) response(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	resp, err := oid4vp.ParseResponse(r.PostForm, oid4vp.ResponseExpectation{Mode: v.req.ResponseMode, Key: v.enc})
	var er *oid4vp.ErrorResponse
	if errors.As(err, &er) && er.State == v.req.State {
		v.declined = er.Code
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
		return
	}
	if err != nil || resp.State != v.req.State {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	ver, _ := sdjwtvc.NewVerifier(v.issuers, sdjwtvc.WithoutStatusCheckUnsafe())
	v.got = map[string][]*sdjwtvc.Result{}
	for qid, ps := range resp.VPToken {
		for _, p := range ps {
			res, err := ver.Verify(r.Context(), p, sdjwtvc.Policy{KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: v.clientID, Nonce: v.req.Nonce}})
			if err != nil {
				http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
				return
			}
			v.got[qid] = append(v.got[qid], res)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	uri, _ := oid4vp.RedirectWithResponseCode(v.srv.URL+"/done", oid4vp.NewNonce(), oid4vp.URLPolicy{AllowLoopback: true})
	_ = json.NewEncoder(w).Encode(oid4vp.ResponseURIReply{RedirectURI: uri})
}

// Present end to end over HTTP, in both response modes: the wallet reads
// the signed request, matches it, presents exactly the requested claims
// with KB-JWTs the verifier accepts, uses a fresh copy each time, and
// records the history. A request_uri answering 3xx is refused before
// anything is sent (SECURITY.md C.32).
func TestPresentEndToEnd(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]},{"path":["proficiency"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	w := initWallet(t, t.TempDir(), wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback())
	defer w.Close()
	c, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 2), wallet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	var cnfs []string
	for i, mode := range []string{oid4vp.ResponseModeDirectPost, oid4vp.ResponseModeDirectPostJWT} {
		t.Run(mode, func(t *testing.T) {
			v := newTestVerifier(t, iss.keys(), mode, q)
			pr, err := w.ReadRequest(ctx, v.link("/request"))
			if err != nil {
				t.Fatal(err)
			}
			if !pr.Satisfied || pr.Verifier == "" || len(pr.Queries) != 1 || pr.Queries[0].Options[0].CredentialID != c.ID {
				t.Fatalf("request %+v", pr)
			}
			res, err := w.Present(ctx, pr, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.RedirectURI == "" || res.Presentation.Verifier != v.clientID {
				t.Fatalf("result %+v", res)
			}
			got := v.got["skill"]
			if len(got) != 1 {
				t.Fatalf("verifier got %v", v.got)
			}
			if got[0].Claims["skill"] == nil || got[0].Claims["proficiency"] == nil || got[0].Claims["evidence"] != nil || got[0].Claims["skill_label"] != nil {
				t.Fatalf("disclosed %v", got[0].Disclosed)
			}
			cnfs = append(cnfs, got[0].HolderKey.Thumbprint())
			if cur, _ := w.Credential(c.ID); cur.Unused != 1-i {
				t.Fatalf("unused copies %d", cur.Unused)
			}
		})
	}
	if len(cnfs) != 2 || cnfs[0] == cnfs[1] {
		t.Fatalf("the two presentations used the same cnf: %v", cnfs)
	}
	hist, err := w.History(ctx)
	if err != nil || len(hist) != 2 || !slices.Equal(hist[0].Credentials[0].Claims, []string{"/proficiency", "/skill"}) && !slices.Equal(hist[0].Credentials[0].Claims, []string{"/skill", "/proficiency"}) {
		t.Fatalf("history %+v, %v", hist, err)
	}

	// SECURITY.md C.32: a redirecting request_uri, a request signed by
	// another key: refused, nothing sent.
	v := newTestVerifier(t, iss.keys(), oid4vp.ResponseModeDirectPost, q)
	if _, err := w.ReadRequest(ctx, v.link("/moved")); !errors.Is(err, credentials.ErrFetch) {
		t.Fatalf("3xx request_uri: %v", err)
	}
	other, _ := jose.GenerateKey(jose.ES256)
	v.key = other.WithKeyID(v.key.KeyID())
	if _, err := w.ReadRequest(ctx, v.link("/request")); err == nil {
		t.Fatal("request signed by another key accepted")
	}
	if v.got != nil {
		t.Fatal("the wallet sent something for a refused request")
	}
}

// A development verifier with the redirect_uri: prefix (unsigned request
// object) is refused unless the wallet was opened with
// WithRedirectURIVerifiersUnsafe, and nothing is sent (SECURITY.md C.32).
func TestRedirectURIVerifier(t *testing.T) {
	iss := newTestIssuer(t, "https://assessor.example")
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"skill","format":"dc+sd-jwt","meta":{"vct_values":["https://paspoort.loopbrug.nl/vct/skill/v1"]},"claims":[{"path":["skill"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := initWallet(t, dir, wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback())
	if _, err := w.Add(ctx, iss.issue(t, w, "skill", example(t, "skill", nil), 1), wallet.Meta{}); err != nil {
		t.Fatal(err)
	}
	v := newTestVerifier(t, iss.keys(), oid4vp.ResponseModeDirectPost, q)
	v.unsigned = true
	v.clientID = oid4vp.PrefixRedirectURI + ":" + v.req.ResponseURI
	v.req.ClientID = v.clientID
	if _, err := w.ReadRequest(ctx, v.link("/request")); err == nil {
		t.Fatal("unsigned redirect_uri request accepted without the option")
	}
	w.Close()
	w = openWallet(t, dir, wallet.WithIssuerKeys(iss.keys()), wallet.WithAllowLoopback(), wallet.WithRedirectURIVerifiersUnsafe())
	defer w.Close()
	pr, err := w.ReadRequest(ctx, v.link("/request"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Present(ctx, pr, nil); err != nil {
		t.Fatal(err)
	}
	if len(v.got["skill"]) != 1 {
		t.Fatalf("verifier got %v", v.got)
	}
}
