package verifier_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/profiles"
)

const adminToken = "test-admin-token-0123456789"

// issuer is a test issuer with a did:jwk.
type issuer struct {
	did string
	key *jose.PrivateKey
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	d, err := did.JWKFromKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{did: d, key: k.WithKeyID(d + "#0")}
}

// issue signs an SD-JWT VC of the PPP type typ for holder.
func (is *issuer) issue(t testing.TB, typ string, holder *jose.PrivateKey, iat time.Time, exp time.Time, claims map[string]any) string {
	t.Helper()
	tp, ok := ppp.Lookup(typ)
	if !ok {
		t.Fatalf("type %s", typ)
	}
	raw, err := sdjwtvc.Issue(is.key, sdjwtvc.Credential{Issuer: is.did, VCT: tp.VCT, HolderKey: holder.Public(), IssuedAt: iat, Expires: exp, Claims: claims})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// env is a verifier on a real TLS listener on 127.0.0.1.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	v      *verifier.Verifier
	client *http.Client
}

func loadShipped(t testing.TB) ([]*profile.Profile, []*profile.Catalogue) {
	t.Helper()
	entries, err := fs.ReadDir(profiles.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	var ps []*profile.Profile
	var cs []*profile.Catalogue
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		b, _ := fs.ReadFile(profiles.FS, e.Name())
		if strings.HasSuffix(e.Name(), ".catalogue.yaml") {
			c, err := profile.ParseCatalogue(e.Name(), b)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
			continue
		}
		p, err := profile.Parse(e.Name(), b)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps, cs
}

func newEnv(t testing.TB, trust *verifier.TrustList, mode string) *env {
	t.Helper()
	return newEnvWith(t, envOptions{trust: trust, mode: mode})
}

// envOptions vary the verifier of newEnvWith.
type envOptions struct {
	trust *verifier.TrustList
	mode  string
	// plainHTTP serves on http://127.0.0.1 instead of TLS.
	plainHTTP bool
	// config changes the verifier's configuration.
	config func(*verifier.Config)
	// opts are further verifier options.
	opts []verifier.Option
}

func newEnvWith(t testing.TB, o envOptions) *env {
	t.Helper()
	var h http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	if o.plainHTTP {
		srv.Start()
	} else {
		srv.StartTLS()
	}
	t.Cleanup(srv.Close)
	db, err := kv.Open(kv.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seal := make([]byte, 32)
	rand.Read(seal)
	store, err := verifier.NewBadgerStore(db, seal)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := jose.GenerateKey(jose.ES256)
	ps, cs := loadShipped(t)
	fetcher, err := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(srv.Client().Transport))
	if err != nil {
		t.Fatal(err)
	}
	cfg := verifier.Config{
		BaseURL: srv.URL, SigningKey: key, Profiles: ps, Catalogues: cs,
		Trust: verifier.StaticTrust{List: o.trust}, AdminToken: adminToken, ResponseMode: o.mode,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	v, err := verifier.New(store, cfg, append([]verifier.Option{verifier.WithAllowLoopback(), verifier.WithFetcher(fetcher)}, o.opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h = v.Handler()
	return &env{t: t, srv: srv, v: v, client: srv.Client()}
}

func (e *env) do(method, path, token string, body io.Reader, ctype string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// start creates a transaction through the admin API.
func (e *env) start(profileID string, extra map[string]string) verifier.Request {
	e.t.Helper()
	in := map[string]string{"profile": profileID}
	for k, v := range extra {
		in[k] = v
	}
	b, _ := json.Marshal(in)
	code, out := e.do("POST", "/admin/transactions", adminToken, strings.NewReader(string(b)), "application/json")
	if code != http.StatusCreated {
		e.t.Fatalf("create transaction: %d %s", code, out)
	}
	var r verifier.Request
	if err := json.Unmarshal(out, &r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) result(id string) verifier.Status {
	e.t.Helper()
	code, out := e.do("GET", "/admin/transactions/"+id+"?wait=2s", adminToken, nil, "")
	if code != 200 {
		e.t.Fatalf("result: %d %s", code, out)
	}
	var s verifier.Status
	if err := json.Unmarshal(out, &s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// wallet plays the holder's wallet on the wallet side of
// credentials/oid4vp, as the paspoort wallet does: it parses the
// openid4vp:// link, fetches the request object (POSTing a wallet_nonce
// when the link says request_uri_method=post), verifies it
// (oid4vp.VerifyRequestObject: signature by the verifier's did:web key
// under authentication, client_id, wallet_nonce, response_uri rules),
// matches its DCQL query, presents with KB-JWTs bound to client_id and
// nonce, and posts the response (oid4vp.AuthorizationResponse).
type wallet struct {
	t     testing.TB
	e     *env
	key   *jose.PrivateKey
	creds []string
	// redirectURIPrefix accepts unsigned redirect_uri requests.
	redirectURIPrefix bool
}

// request is the verified request object.
type request = *oid4vp.AuthorizationRequest

func (w *wallet) fetch(link string) request {
	w.t.Helper()
	r, err := w.read(link)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// read fetches and verifies the request object of link.
func (w *wallet) read(link string) (request, error) {
	pol := oid4vp.URLPolicy{AllowLoopback: true}
	inv, err := oid4vp.ParseInvocationURI(link, pol)
	if err != nil {
		return nil, err
	}
	var resp *http.Response
	nonce := ""
	if inv.RequestURIMethod == oid4vp.RequestURIMethodPost {
		nonce = oid4vp.NewNonce()
		req, _ := http.NewRequest("POST", inv.RequestURI, strings.NewReader(oid4vp.RequestURIPost{WalletNonce: nonce, WalletMetadata: []byte(`{"vp_formats_supported":{"dc+sd-jwt":{}}}`)}.Form().Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", oid4vp.MediaTypeRequestObject)
		resp, err = w.e.client.Do(req)
	} else {
		resp, err = w.e.client.Get(inv.RequestURI)
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("request_uri: HTTP %d %s", resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != oid4vp.MediaTypeRequestObject {
		return nil, fmt.Errorf("request object content type %q", ct)
	}
	fetcher, _ := safehttp.New(safehttp.WithAllowLoopback(), safehttp.WithTransport(w.e.client.Transport))
	web, err := did.NewWebResolver(fetcher, did.WithAllowLoopback())
	if err != nil {
		return nil, err
	}
	vr, err := oid4vp.VerifyRequestObject(context.Background(), string(raw), oid4vp.VerifyOptions{
		ClientID: inv.ClientID, WalletNonce: nonce, Resolver: did.NewResolver(web), URLs: pol,
		AllowRedirectURIPrefixUnsafe: w.redirectURIPrefix,
	})
	if err != nil {
		return nil, err
	}
	return vr.Request, nil
}

// vpToken matches the query against the wallet's credentials and builds
// the presentations, disclosing what the match says (or all when greedy).
func (w *wallet) vpToken(r request, aud, nonce string, greedy bool) oid4vp.VPToken {
	w.t.Helper()
	var cands []dcql.Candidate
	for i, c := range w.creds {
		s, err := sdjwt.Parse(c)
		if err != nil {
			w.t.Fatal(err)
		}
		p, err := s.Process()
		if err != nil {
			w.t.Fatal(err)
		}
		vct, _ := p.Claims["vct"].(string)
		cand := dcql.Candidate{ID: string(rune('a' + i)), Format: dcql.FormatSDJWTVC, VCT: vct, Claims: p.Claims, HolderBinding: true}
		if x5c, ok := s.JWT.Header.Raw["x5c"]; ok {
			// What a wallet knows of the chain for trusted_authorities.
			chain, err := pki.ParseX5C(x5c)
			if err != nil {
				w.t.Fatal(err)
			}
			for _, c := range chain {
				cand.AuthorityKeyIDs = append(cand.AuthorityKeyIDs, c.AuthorityKeyId)
			}
		}
		cands = append(cands, cand)
	}
	res, _ := dcql.Match(r.DCQLQuery, cands)
	out := oid4vp.VPToken{}
	for qid, ms := range res.Presentation {
		for _, m := range ms {
			sel := sdjwt.Selection{Paths: m.Paths}
			if greedy {
				sel = sdjwt.SelectAll
			}
			p, err := sdjwt.Present(w.creds[m.Candidate], sel, &sdjwt.KeyBindingOptions{Key: w.key, Audience: aud, Nonce: nonce})
			if err != nil {
				w.t.Fatal(err)
			}
			out[qid] = append(out[qid], p)
		}
	}
	return out
}

// post sends a response in the request's response mode and returns the
// status and body.
func (w *wallet) post(r request, vp oid4vp.VPToken, stateOverride string) (int, []byte) {
	w.t.Helper()
	state := r.State
	if stateOverride != "" {
		state = stateOverride
	}
	resp := oid4vp.AuthorizationResponse{VPToken: vp, State: state}
	var form url.Values
	var err error
	if r.ResponseMode == oid4vp.ResponseModeDirectPostJWT {
		key, enc, kerr := r.EncryptionKey()
		if kerr != nil {
			w.t.Fatal(kerr)
		}
		form, err = resp.EncryptedForm(key, enc)
	} else {
		form, err = resp.Form()
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return w.postForm(r.ResponseURI, form)
}

func (w *wallet) postForm(uri string, form url.Values) (int, []byte) {
	resp, err := w.e.client.Post(uri, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func errorCode(b []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error
}

var _ = errors.Is
