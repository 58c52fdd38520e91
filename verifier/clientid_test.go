package verifier_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
)

// TestRedirectURIPrefix: for development a verifier runs on plain
// http://127.0.0.1 as a "redirect_uri:" client with unsigned request
// objects (OpenID4VP §5.9.3). A wallet refuses them unless told to accept
// them; one that accepts gets the whole flow, in both response modes, and
// a receipt signed under the verifier's did:jwk.
func TestRedirectURIPrefix(t *testing.T) {
	for _, mode := range []string{oid4vp.ResponseModeDirectPost, oid4vp.ResponseModeDirectPostJWT} {
		t.Run(mode, func(t *testing.T) {
			is := newIssuer(t)
			e := newEnvWith(t, envOptions{trust: trustAll(is.did), mode: mode, plainHTTP: true,
				config: func(c *verifier.Config) { c.ClientIDPrefix = oid4vp.PrefixRedirectURI }})
			if !strings.HasPrefix(e.srv.URL, "http://127.0.0.1:") {
				t.Fatalf("server %s", e.srv.URL)
			}
			if want := "redirect_uri:" + e.srv.URL + "/response"; e.v.ClientID() != want {
				t.Fatalf("client_id %q, want %q", e.v.ClientID(), want)
			}
			holder, creds := miranda(t, is)
			req := e.start(profileTeacher, nil)

			strict := &wallet{t: t, e: e, key: holder, creds: creds}
			if _, err := strict.read(req.RequestURI); !errors.Is(err, oid4vp.ErrUnsigned) {
				t.Fatalf("unsigned request accepted by default: %v", err)
			}
			w := &wallet{t: t, e: e, key: holder, creds: creds, redirectURIPrefix: true}
			r := w.fetch(req.RequestURI)
			if r.ResponseURI != e.srv.URL+"/response" || r.WalletNonce == "" {
				t.Fatalf("request %+v", r)
			}
			code, body := w.post(r, w.vpToken(r, r.ClientID, r.Nonce, false), "")
			if code != http.StatusOK {
				t.Fatalf("response: %d %s", code, body)
			}
			if d := e.result(req.TransactionID).Decision; d == nil || d.Outcome != profile.OutcomeAccepted {
				t.Fatalf("decision %+v", d)
			}
			var reply struct {
				Receipt string `json:"receipt"`
			}
			json.Unmarshal(body, &reply)
			jws, err := jose.ParseCompact(reply.Receipt)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(e.v.DID(), "did:jwk:") || jws.Header.Kid != e.v.DID()+"#0" {
				t.Fatalf("DID %s, receipt kid %s", e.v.DID(), jws.Header.Kid)
			}
			pub, err := did.NewResolver(nil).ResolveKey(context.Background(), jws.Header.Kid, did.AssertionMethod)
			if err != nil || jws.Verify(pub, jose.DefaultAlgs) != nil {
				t.Fatalf("receipt does not verify under %s: %v", jws.Header.Kid, err)
			}
			// No did:web, so no DID document is served.
			if code, _ := e.do("GET", "/.well-known/did.json", "", nil, ""); code != http.StatusNotFound {
				t.Fatalf("did.json: %d", code)
			}
		})
	}
}

// TestDIDDocumentAuthentication: the did:web key that signs request
// objects is listed under authentication (OpenID4VP §5.9.3; what
// oid4vp.VerifyRequestObject resolves it for) and under assertionMethod
// (receipts), and the request object's kid names it.
func TestDIDDocumentAuthentication(t *testing.T) {
	e := newEnv(t, trustAll(), oid4vp.ResponseModeDirectPostJWT)
	code, body := e.do("GET", "/.well-known/did.json", "", nil, "")
	if code != http.StatusOK {
		t.Fatalf("did.json: %d", code)
	}
	doc, err := did.ParseDocument(body)
	if err != nil || doc.ID != e.v.DID() || !strings.HasPrefix(doc.ID, "did:web:127.0.0.1%3A") {
		t.Fatalf("document %s: %v", body, err)
	}
	kid := doc.ID + "#key-1"
	for _, rel := range []did.Relationship{did.Authentication, did.AssertionMethod} {
		refs := doc.Relationship(rel)
		if len(refs) != 1 || refs[0].Ref != kid {
			t.Fatalf("%s: %+v", rel, refs)
		}
	}
	req := e.start(profileTeacher, nil)
	_, ro := e.do("GET", strings.TrimPrefix(req.RequestObjectURI, e.srv.URL), "", nil, "")
	jws, err := jose.ParseCompact(string(ro))
	if err != nil || jws.Header.Kid != kid || jws.Header.Typ != oid4vp.TypRequestObject {
		t.Fatalf("request object header %+v: %v", jws, err)
	}
}

// TestConfigClientID: configurations a wallet would refuse fail at New.
func TestConfigClientID(t *testing.T) {
	db, err := kv.Open(kv.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := verifier.NewBadgerStore(db, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := jose.GenerateKey(jose.ES256)
	ps, cs := loadShipped(t)
	base := func(url, prefix, didID, method string) verifier.Config {
		return verifier.Config{BaseURL: url, SigningKey: key, Profiles: ps, Catalogues: cs, Trust: verifier.StaticTrust{List: trustAll()},
			AdminToken: adminToken, ClientIDPrefix: prefix, DID: didID, RequestURIMethod: method}
	}
	loop := []verifier.Option{verifier.WithAllowLoopback()}
	tests := []struct {
		name    string
		cfg     verifier.Config
		opts    []verifier.Option
		wantErr error
		client  string
	}{
		{"did:web", base("https://toelating.example", "", "", ""), nil, nil, "decentralized_identifier:did:web:toelating.example"},
		{"redirect_uri on loopback", base("http://127.0.0.1:8080", oid4vp.PrefixRedirectURI, "", ""), loop, nil, "redirect_uri:http://127.0.0.1:8080/response"},
		{"redirect_uri on https", base("https://dev.example", oid4vp.PrefixRedirectURI, "", "get"), nil, nil, "redirect_uri:https://dev.example/response"},
		{"did:web on http", base("http://127.0.0.1:8080", "", "", ""), loop, verifier.ErrBadConfig, ""},
		{"http without loopback", base("http://127.0.0.1:8080", oid4vp.PrefixRedirectURI, "", ""), nil, verifier.ErrBadConfig, ""},
		{"http on another host", base("http://dev.example", oid4vp.PrefixRedirectURI, "", ""), loop, verifier.ErrBadConfig, ""},
		{"did:web of another host", base("https://toelating.example", "", "did:web:other.example", ""), nil, verifier.ErrBadConfig, ""},
		{"unsupported prefix", base("https://toelating.example", "x509_san_dns", "", ""), nil, verifier.ErrBadConfig, ""},
		{"request_uri_method put", base("https://toelating.example", "", "", "put"), nil, verifier.ErrBadConfig, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := verifier.New(store, tt.cfg, tt.opts...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && v.ClientID() != tt.client {
				t.Fatalf("client_id %q, want %q", v.ClientID(), tt.client)
			}
		})
	}
}
