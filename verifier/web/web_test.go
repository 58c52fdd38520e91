package web_test

import (
	"crypto/rand"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/profiles"
	"github.com/loopbrug/paspoort/verifier/web"
)

func newDesk(t *testing.T) (http.Handler, *verifier.Verifier, verifier.Store) {
	t.Helper()
	b, err := fs.ReadFile(profiles.FS, "tweedegraads-lerarenopleiding.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse("tweedegraads-lerarenopleiding.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := fs.ReadFile(profiles.FS, "domstad-lerarenopleiding.catalogue.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := profile.ParseCatalogue("domstad-lerarenopleiding.catalogue.yaml", cb)
	if err != nil {
		t.Fatal(err)
	}
	db, err := kv.Open(kv.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seal := make([]byte, 32)
	_, _ = rand.Read(seal)
	store, err := verifier.NewBadgerStore(db, seal)
	if err != nil {
		t.Fatal(err)
	}
	key, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verifier.New(store, verifier.Config{BaseURL: "https://127.0.0.1:8444", SigningKey: key, Profiles: []*profile.Profile{p}, Catalogues: []*profile.Catalogue{cat},
		Trust: verifier.StaticTrust{List: &verifier.TrustList{}}, AdminToken: strings.Repeat("t", 40)}, verifier.WithAllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	d, err := web.New(web.Config{Verifier: v, Store: store, Profiles: []*profile.Profile{p}, Name: "Hogeschool Domstad"})
	if err != nil {
		t.Fatal(err)
	}
	return d.Handler(), v, store
}

// The desk over real HTTP: the profile choice, a request with its link
// and QR code on a page that refreshes itself, unknown requests and
// profiles, and the host and origin guards.
func TestDesk(t *testing.T) {
	h, v, store := newDesk(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	other := &http.Client{CheckRedirect: hc.CheckRedirect} // another browser: no desk cookie
	var client *http.Client
	do := func(method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		c := client
		if c == nil {
			c = hc
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	res, body := do("GET", "/", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `value="tweedegraads-lerarenopleiding"`) || !strings.Contains(body, "Toelating tweedegraads") {
		t.Fatalf("home: %d %s", res.StatusCode, body)
	}
	if _, body := do("GET", "/?lang=en", nil, nil); !strings.Contains(body, "Admission to secondary teacher training") {
		t.Error("English home lacks the English title")
	}
	res, _ = do("POST", "/requests", url.Values{"profile": {"tweedegraads-lerarenopleiding"}}, nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/requests/") {
		t.Fatalf("start: %d %q", res.StatusCode, loc)
	}
	res, body = do("GET", loc, nil, nil)
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("the waiting page refreshes itself (WCAG 2.2.1)")
	}
	for _, want := range []string{`id="check-answer"`, `id="request-link">openid4vp://`, `role="status"`, `/qr.png"`, `id="wallet-link" href="openid4vp://`} {
		if !strings.Contains(body, want) {
			t.Errorf("waiting page lacks %q: %s", want, body)
		}
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/requests/")
	if res, _ := do("GET", "/requests/"+id+"/qr.png", nil, nil); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("qr: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	// The request, its QR code and its answer are for the desk session
	// that asked only: the transaction id travels in the QR code.
	client = other
	if res, _ := do("GET", loc, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("another browser sees the request: %d", res.StatusCode)
	}
	if res, _ := do("GET", "/requests/"+id+"/qr.png", nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("another browser gets the QR code: %d", res.StatusCode)
	}
	client = nil

	// The holder declines: the desk stops waiting and says so.
	tx, err := store.Transaction(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.HandleResponse(t.Context(), url.Values{"error": {"access_denied"}, "state": {tx.State}}); err == nil {
		t.Fatal("the wallet's error response was not returned as such")
	}
	if res, body := do("GET", loc, nil, nil); res.StatusCode != 200 || !strings.Contains(body, `id="declined"`) {
		t.Errorf("declined request: %d %s", res.StatusCode, body)
	}

	tests := []struct {
		name   string
		method string
		path   string
		form   url.Values
		hdr    map[string]string
		want   int
	}{
		{"unknown request", "GET", "/requests/nope", nil, nil, http.StatusNotFound},
		{"unknown qr", "GET", "/requests/nope/qr.png", nil, nil, http.StatusNotFound},
		{"unknown profile", "POST", "/requests", url.Values{"profile": {"nope"}}, nil, http.StatusBadRequest},
		{"foreign host", "GET", "/", nil, map[string]string{"Host": "evil.example"}, http.StatusForbidden},
		{"cross-origin", "POST", "/requests", url.Values{"profile": {"tweedegraads-lerarenopleiding"}}, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"cross-site", "POST", "/requests", url.Values{"profile": {"tweedegraads-lerarenopleiding"}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"health", "GET", "/healthz", nil, nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res, body := do(tt.method, tt.path, tt.form, tt.hdr); res.StatusCode != tt.want {
				t.Errorf("%d, want %d: %s", res.StatusCode, tt.want, body)
			}
		})
	}
}
