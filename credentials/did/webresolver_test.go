package did_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// webServer is an httptest TLS server on 127.0.0.1 that serves DID
// documents by path and counts requests.
type webServer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	docs    map[string][]byte
	hits    atomic.Int64
	handler http.HandlerFunc // overrides docs when set
}

func newWebServer(t *testing.T) *webServer {
	t.Helper()
	ws := &webServer{docs: make(map[string][]byte)}
	ws.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.hits.Add(1)
		if ws.handler != nil {
			ws.handler(w, r)
			return
		}
		ws.mu.Lock()
		b, ok := ws.docs[r.URL.Path]
		ws.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/did+json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(ws.srv.Close)
	return ws
}

// did returns the did:web of the server with the given path segments.
func (ws *webServer) did(path ...string) string {
	u, _ := url.Parse(ws.srv.URL)
	return strings.Join(append([]string{"did:web:127.0.0.1%3A" + u.Port()}, path...), ":")
}

func (ws *webServer) serve(path string, doc any) {
	b, ok := doc.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(doc); err != nil {
			panic(err)
		}
	}
	ws.mu.Lock()
	ws.docs[path] = b
	ws.mu.Unlock()
}

// client returns the real safehttp client, allowed to reach the server.
func (ws *webServer) client(t *testing.T, opts ...safehttp.Option) *safehttp.Client {
	t.Helper()
	opts = append([]safehttp.Option{safehttp.WithAllowLoopback(), safehttp.WithTransport(ws.srv.Client().Transport)}, opts...)
	c, err := safehttp.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (ws *webServer) resolver(t *testing.T, f did.Fetcher, opts ...did.Option) *did.Resolver {
	t.Helper()
	web, err := did.NewWebResolver(f, append([]did.Option{did.WithAllowLoopback()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return did.NewResolver(web)
}

// jwkMethod returns a JsonWebKey2020 method map.
func jwkMethod(id, controller string, pub *jose.PublicKey) map[string]any {
	return map[string]any{"id": id, "type": "JsonWebKey2020", "controller": controller, "publicKeyJwk": pub.Map()}
}

func genKey(t *testing.T, alg jose.Alg) *jose.PublicKey {
	t.Helper()
	k, err := jose.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k.Public()
}

func TestWebResolve(t *testing.T) {
	ws := newWebServer(t)
	es, ed := genKey(t, jose.ES256), genKey(t, jose.EdDSA)
	for _, path := range [][]string{nil, {"user", "alice"}} {
		d := ws.did(path...)
		mk, err := did.KeyFromPublic(ed)
		if err != nil {
			t.Fatal(err)
		}
		doc := map[string]any{
			"@context": []string{"https://www.w3.org/ns/did/v1"},
			"id":       d,
			"verificationMethod": []any{
				jwkMethod(d+"#es", d, es),
				map[string]any{"id": "#ed", "type": "Multikey", "controller": d, "publicKeyMultibase": strings.TrimPrefix(mk, "did:key:")},
			},
			"assertionMethod": []string{d + "#es", "#ed"},
			"authentication":  []string{"#ed"},
			"service":         []any{map[string]any{"id": "#vcs", "type": "X", "serviceEndpoint": "https://example.com/"}},
		}
		p := "/.well-known/did.json"
		if path != nil {
			p = "/" + strings.Join(path, "/") + "/did.json"
		}
		ws.serve(p, doc)
		r := ws.resolver(t, ws.client(t))

		got, err := r.Resolve(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != d || len(got.VerificationMethod) != 2 || got.Unknown["service"] == nil {
			t.Fatalf("document %+v", got)
		}
		key, err := r.ResolveKey(context.Background(), d+"#es", did.AssertionMethod)
		if err != nil {
			t.Fatal(err)
		}
		if !key.Equal(es) || key.KeyID() != d+"#es" {
			t.Fatal("wrong key")
		}
		key, err = r.ResolveKey(context.Background(), d+"#ed", did.Authentication)
		if err != nil {
			t.Fatal(err)
		}
		if !key.Equal(ed) || key.KeyID() != d+"#ed" {
			t.Fatal("wrong key")
		}
		// Not in authentication (SECURITY.md E.42).
		_, err = r.ResolveKey(context.Background(), d+"#es", did.Authentication)
		wantErr(t, err, did.ErrNotAuthorized)
		// Relative DID URL as a kid.
		_, err = r.ResolveKey(context.Background(), "#es", did.AssertionMethod)
		wantErr(t, err, did.ErrRelativeDIDURL)
		_, err = r.ResolveKey(context.Background(), d+"#es", did.KeyAgreement)
		wantErr(t, err, did.ErrNotAuthorized)
	}
}

func TestWebSpecExample(t *testing.T) {
	f := &fakeFetcher{docs: map[string][]byte{
		"https://example.com/.well-known/did.json": readTestdata(t, "didweb-spec-jws2020-document.json"),
	}}
	web, err := did.NewWebResolver(f)
	if err != nil {
		t.Fatal(err)
	}
	r := did.NewResolver(web)
	ctx := context.Background()
	k0, err := r.ResolveKey(ctx, "did:web:example.com#key-0", did.AssertionMethod)
	if err != nil || k0.Alg() != jose.EdDSA {
		t.Fatalf("key-0: %v", err)
	}
	k2, err := r.ResolveKey(ctx, "did:web:example.com#key-2", did.Authentication)
	if err != nil || k2.Alg() != jose.ES256 {
		t.Fatalf("key-2: %v", err)
	}
	// key-1 is an X25519 key-agreement key.
	_, err = r.ResolveKey(ctx, "did:web:example.com#key-1", did.AssertionMethod)
	wantErr(t, err, did.ErrNotAuthorized)
	_, err = r.ResolveKey(ctx, "did:web:example.com#key-3", did.AssertionMethod)
	wantErr(t, err, did.ErrUnknownKey)
	if n := f.count.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1 (cached)", n)
	}
}

// fakeFetcher serves documents from a map and counts calls.
type fakeFetcher struct {
	mu    sync.Mutex
	docs  map[string][]byte
	count atomic.Int64
}

func (f *fakeFetcher) Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error) {
	f.count.Add(1)
	f.mu.Lock()
	b, ok := f.docs[rawURL]
	f.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("fake: %w", &safehttp.StatusError{Code: 404})
	}
	return &safehttp.Response{StatusCode: 200, Body: b}, nil
}

func (f *fakeFetcher) set(rawURL string, b []byte) {
	f.mu.Lock()
	f.docs[rawURL] = b
	f.mu.Unlock()
}

func TestWebDocumentIntegrity(t *testing.T) {
	const d = "did:web:issuer.example.com"
	const u = "https://issuer.example.com/.well-known/did.json"
	key := genKey(t, jose.ES256)
	other := genKey(t, jose.ES256)
	tests := []struct {
		name string
		doc  map[string]any
		kid  string
		want error
	}{
		{"id mismatch", map[string]any{"id": "did:web:evil.example.com", "verificationMethod": []any{jwkMethod(d+"#k", d, key)}, "assertionMethod": []string{d + "#k"}}, d + "#k", did.ErrDocumentID},
		{"foreign method id", map[string]any{"id": d, "verificationMethod": []any{jwkMethod("did:web:victim.example.com#k", d, key), jwkMethod(d+"#k", d, key)}, "assertionMethod": []string{d + "#k"}}, d + "#k", did.ErrForeignMethod},
		{"foreign controller", map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d+"#k", "did:web:evil.example.com", key)}, "assertionMethod": []string{d + "#k"}}, d + "#k", did.ErrForeignMethod},
		{"foreign embedded method", map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d+"#k", d, key)}, "assertionMethod": []any{d + "#k", jwkMethod("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#x", d, other)}}, d + "#k", did.ErrForeignMethod},
		{"relative method id without #", map[string]any{"id": d, "verificationMethod": []any{jwkMethod("k", d, key)}, "assertionMethod": []string{"k"}}, d + "#k", did.ErrForeignMethod},
		{"method id without fragment", map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d, d, key)}, "assertionMethod": []string{d}}, d + "#k", did.ErrForeignMethod},
		{"foreign reference only", map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d+"#k", d, key)}, "assertionMethod": []string{"did:web:other.example.com#k"}}, d + "#k", did.ErrNotAuthorized},
		{"not in assertionMethod", map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d+"#k", d, key)}, "authentication": []string{d + "#k"}}, d + "#k", did.ErrNotAuthorized},
		{"duplicate id", map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d+"#k", d, key), jwkMethod("#k", d, other)}, "assertionMethod": []string{d + "#k"}}, d + "#k", did.ErrAmbiguousMethod},
		{"embedded elsewhere", map[string]any{"id": d, "authentication": []any{jwkMethod(d+"#k", d, key)}}, d + "#k", did.ErrNotAuthorized},
		{"private key in document", map[string]any{"id": d, "verificationMethod": []any{map[string]any{"id": d + "#k", "type": "JsonWebKey2020", "controller": d, "publicKeyJwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik", "d": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}}, "assertionMethod": []string{d + "#k"}}, d + "#k", jose.ErrPrivateKeyMaterial},
		{"use enc", map[string]any{"id": d, "verificationMethod": []any{map[string]any{"id": d + "#k", "type": "JsonWebKey2020", "controller": d, "publicKeyJwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "use": "enc", "x": "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"}}}, "assertionMethod": []string{d + "#k"}}, d + "#k", jose.ErrInvalidKey},
		{"unsupported type", map[string]any{"id": d, "verificationMethod": []any{map[string]any{"id": d + "#k", "type": "EcdsaSecp256k1VerificationKey2019", "controller": d, "publicKeyHex": "04ab"}}, "assertionMethod": []string{d + "#k"}}, d + "#k", did.ErrUnsupportedMethodType},
		{"jwk and multibase", map[string]any{"id": d, "verificationMethod": []any{map[string]any{"id": d + "#k", "type": "JsonWebKey2020", "controller": d, "publicKeyJwk": key.Map(), "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}}, "assertionMethod": []string{d + "#k"}}, d + "#k", did.ErrInvalidDocument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.doc)
			f := &fakeFetcher{docs: map[string][]byte{u: b}}
			web, err := did.NewWebResolver(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = did.NewResolver(web).ResolveKey(context.Background(), tt.kid, did.AssertionMethod)
			wantErr(t, err, tt.want)
		})
	}
}

func TestWebUnknownKidFlood(t *testing.T) {
	ws := newWebServer(t)
	d := ws.did()
	key, rotated := genKey(t, jose.ES256), genKey(t, jose.EdDSA)
	doc := map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d+"#k1", d, key)}, "assertionMethod": []string{"#k1"}}
	ws.serve("/.well-known/did.json", doc)
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	r := ws.resolver(t, ws.client(t), did.WithClock(clock), did.WithNegativeCacheTTL(time.Minute), did.WithCacheTTL(time.Hour))
	ctx := context.Background()

	if _, err := r.ResolveKey(ctx, d+"#k1", did.AssertionMethod); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		_, err := r.ResolveKey(ctx, fmt.Sprintf("%s#unknown-%d", d, i), did.AssertionMethod)
		wantErr(t, err, did.ErrUnknownKey)
		wantErr(t, err, credentials.ErrTrust)
	}
	if n := ws.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for 1000 unknown kids, want 1", n)
	}

	// The key is rotated in: after the interval one unknown kid causes one
	// re-fetch, and the new key is found.
	doc["verificationMethod"] = []any{jwkMethod(d+"#k1", d, key), jwkMethod(d+"#k2", d, rotated)}
	doc["assertionMethod"] = []string{"#k1", "#k2"}
	ws.serve("/.well-known/did.json", doc)
	_, err := r.ResolveKey(ctx, d+"#k2", did.AssertionMethod)
	wantErr(t, err, did.ErrUnknownKey) // still within the interval
	advance(61 * time.Second)
	k2, err := r.ResolveKey(ctx, d+"#k2", did.AssertionMethod)
	if err != nil || !k2.Equal(rotated) {
		t.Fatalf("rotated key: %v", err)
	}
	for i := range 100 {
		_, err := r.ResolveKey(ctx, fmt.Sprintf("%s#other-%d", d, i), did.AssertionMethod)
		wantErr(t, err, did.ErrUnknownKey)
	}
	if n := ws.hits.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	// A remembered unknown kid costs nothing even after the document interval.
	_, _ = r.ResolveKey(ctx, d+"#other-1", did.AssertionMethod)
	if n := ws.hits.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	// The cache TTL expires: one fetch.
	advance(2 * time.Hour)
	if _, err := r.ResolveKey(ctx, d+"#k1", did.AssertionMethod); err != nil {
		t.Fatal(err)
	}
	if n := ws.hits.Load(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
}

func TestWebFetchErrorsPassThrough(t *testing.T) {
	ctx := context.Background()
	t.Run("too large", func(t *testing.T) {
		ws := newWebServer(t)
		d := ws.did()
		big := fmt.Sprintf(`{"id":%q,"x":%q}`, d, strings.Repeat("a", 4096))
		ws.serve("/.well-known/did.json", []byte(big))
		r := ws.resolver(t, ws.client(t, safehttp.WithMaxBytes(1024)))
		_, err := r.Resolve(ctx, d)
		wantErr(t, err, safehttp.ErrTooLarge)
		wantErr(t, err, credentials.ErrLimit)
	})
	t.Run("slow", func(t *testing.T) {
		ws := newWebServer(t)
		ws.handler = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			for range 10 {
				_, _ = w.Write([]byte(" "))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
		r := ws.resolver(t, ws.client(t, safehttp.WithTimeout(200*time.Millisecond)))
		_, err := r.Resolve(ctx, ws.did())
		wantErr(t, err, safehttp.ErrTimeout)
		wantErr(t, err, credentials.ErrFetch)
	})
	t.Run("not found, negative cache", func(t *testing.T) {
		ws := newWebServer(t)
		r := ws.resolver(t, ws.client(t))
		for range 5 {
			_, err := r.ResolveKey(ctx, ws.did("nobody")+"#k", did.AssertionMethod)
			wantErr(t, err, safehttp.ErrStatus)
			wantErr(t, err, credentials.ErrFetch)
		}
		if n := ws.hits.Load(); n != 1 {
			t.Fatalf("%d fetches, want 1", n)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		ws := newWebServer(t)
		ws.serve("/.well-known/did.json", []byte("<html>"))
		r := ws.resolver(t, ws.client(t))
		_, err := r.Resolve(ctx, ws.did())
		wantErr(t, err, credentials.ErrFormat)
	})
	t.Run("duplicate member", func(t *testing.T) {
		ws := newWebServer(t)
		ws.serve("/.well-known/did.json", []byte(`{"id":"`+ws.did()+`","id":"`+ws.did()+`"}`))
		r := ws.resolver(t, ws.client(t))
		_, err := r.Resolve(ctx, ws.did())
		wantErr(t, err, credentials.ErrFormat)
	})
	t.Run("loopback refused without the option", func(t *testing.T) {
		ws := newWebServer(t)
		web, err := did.NewWebResolver(ws.client(t))
		if err != nil {
			t.Fatal(err)
		}
		_, err = did.NewResolver(web).Resolve(ctx, ws.did())
		wantErr(t, err, did.ErrHostRefused)
		wantErr(t, err, credentials.ErrFetch)
		if ws.hits.Load() != 0 {
			t.Fatal("fetched")
		}
	})
	t.Run("safehttp refuses loopback on its own", func(t *testing.T) {
		ws := newWebServer(t)
		c, err := safehttp.New(safehttp.WithTransport(ws.srv.Client().Transport))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ws.resolver(t, c).Resolve(ctx, ws.did())
		wantErr(t, err, credentials.ErrFetch)
		if ws.hits.Load() != 0 {
			t.Fatal("fetched")
		}
	})
	t.Run("web disabled", func(t *testing.T) {
		_, err := did.NewResolver(nil).Resolve(ctx, "did:web:example.com")
		wantErr(t, err, did.ErrWebDisabled)
		_, err = did.NewResolver(nil).ResolveKey(ctx, "did:web:example.com#k", did.AssertionMethod)
		wantErr(t, err, did.ErrWebDisabled)
	})
	t.Run("unsupported method", func(t *testing.T) {
		_, err := did.NewResolver(nil).Resolve(ctx, "did:ion:abc")
		wantErr(t, err, did.ErrUnsupportedMethod)
		_, err = did.NewResolver(nil).ResolveKey(ctx, "did:ion:abc#k", did.AssertionMethod)
		wantErr(t, err, did.ErrUnsupportedMethod)
	})
}

func TestWebConcurrentResolveSharesFetch(t *testing.T) {
	ws := newWebServer(t)
	d := ws.did()
	key := genKey(t, jose.EdDSA)
	release := make(chan struct{})
	ws.handler = func(w http.ResponseWriter, r *http.Request) {
		<-release
		b, _ := json.Marshal(map[string]any{"id": d, "verificationMethod": []any{jwkMethod(d+"#k", d, key)}, "assertionMethod": []string{"#k"}})
		_, _ = w.Write(b)
	}
	r := ws.resolver(t, ws.client(t))
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			doc, err := r.Resolve(context.Background(), d)
			if err == nil {
				doc.VerificationMethod[0].ID = "mutated" // callers own their copy
				_, err = r.ResolveKey(context.Background(), d+"#k", did.AssertionMethod)
			}
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := ws.hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

func TestNewWebResolverOptions(t *testing.T) {
	f := &fakeFetcher{docs: map[string][]byte{}}
	for _, opt := range []did.Option{did.WithCacheTTL(0), did.WithNegativeCacheTTL(-1), did.WithMaxCacheEntries(0), did.WithClock(nil)} {
		if _, err := did.NewWebResolver(f, opt); err == nil {
			t.Error("invalid option accepted")
		}
	}
	if _, err := did.NewWebResolver(nil); err == nil {
		t.Error("nil fetcher accepted")
	}
}

func TestWebCacheBounded(t *testing.T) {
	f := &fakeFetcher{docs: map[string][]byte{}}
	web, err := did.NewWebResolver(f, did.WithMaxCacheEntries(8))
	if err != nil {
		t.Fatal(err)
	}
	r := did.NewResolver(web)
	for i := range 100 {
		d := fmt.Sprintf("did:web:h%d.example.com", i)
		f.set(fmt.Sprintf("https://h%d.example.com/.well-known/did.json", i), []byte(`{"id":"`+d+`"}`))
		if _, err := r.Resolve(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	// The most recent entry is still cached.
	before := f.count.Load()
	if _, err := r.Resolve(context.Background(), "did:web:h99.example.com"); err != nil {
		t.Fatal(err)
	}
	if f.count.Load() != before {
		t.Fatal("latest entry was evicted")
	}
}
