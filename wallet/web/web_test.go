package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/wallet"
	"github.com/loopbrug/paspoort/wallet/web"
)

const pass = "a long wallet passphrase"

// clock is a test clock that the test moves forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// The web wallet over real HTTP on a real badger store: locked until the
// right passphrase, a session cookie, the CSRF token on every form, errors
// shown without changing anything, the idle lock, and the host and origin
// guards.
// requester sends a request to the desk under test and returns the
// status, body and Location.
type requester func(method, path string, form url.Values, hdr map[string]string) (int, string, string)

// startDesk runs a web wallet over real HTTP on a real badger store with
// a test clock, and returns a client that keeps its cookies.
func startDesk(t *testing.T) (requester, *clock) {
	t.Helper()
	do, clk, _ := startDeskRaw(t)
	return do, clk
}

// startDeskRaw is startDesk that also returns a function sending any
// request (a multipart upload) with the desk's cookies.
func startDeskRaw(t *testing.T) (requester, *clock, func(*http.Request) (int, string, string)) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	kdf := wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1})
	w, err := wallet.Init(ctx, dir, []byte(pass), kdf)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	store, err := wallet.OpenStore(dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Now()}
	d, err := web.New(web.Config{Store: store, WalletOptions: []wallet.Option{kdf}, IdleTimeout: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(d.Lock)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values, hdr map[string]string) (int, string, string) {
		t.Helper()
		var rd io.Reader
		if form != nil {
			rd = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
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
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header.Get("Location")
	}
	raw := func(req *http.Request) (int, string, string) {
		t.Helper()
		u, _ := url.Parse(srv.URL + req.URL.String())
		req.URL, req.Host = u, u.Host
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header.Get("Location")
	}
	return do, clk, raw
}

func TestWebWallet(t *testing.T) {
	do, clk := startDesk(t)
	if code, body, _ := do("GET", "/", nil, nil); code != 200 || !strings.Contains(body, `id="passphrase"`) || !strings.Contains(body, `<label for="passphrase"`) {
		t.Fatalf("locked home: %d %s", code, body)
	}
	if code, _, loc := do("GET", "/history", nil, nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/") {
		t.Errorf("history while locked: %d %q", code, loc)
	}
	if code, body, _ := do("POST", "/unlock", url.Values{"passphrase": {"wrong passphrase"}}, nil); code != http.StatusUnauthorized || !strings.Contains(body, "niet de wachtwoordzin") {
		t.Errorf("wrong passphrase: %d", code)
	}
	if code, _, _ := do("POST", "/unlock", url.Values{"passphrase": {pass}}, map[string]string{"Origin": "http://evil.example"}); code != http.StatusForbidden {
		t.Errorf("cross-origin unlock: %d", code)
	}
	if code, _, _ := do("POST", "/unlock", url.Values{"passphrase": {pass}}, nil); code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", code)
	}
	code, body, _ := do("GET", "/", nil, nil)
	m := csrfRE.FindStringSubmatch(body)
	if code != 200 || m == nil || !strings.Contains(body, "nog geen bewijs") {
		t.Fatalf("home: %d %s", code, body)
	}
	csrf := m[1]

	tests := []struct {
		name   string
		method string
		path   string
		form   url.Values
		hdr    map[string]string
		want   int
		text   string
	}{
		{"receive form", "GET", "/receive?lang=en", nil, nil, 200, "Offer link"},
		{"share form", "GET", "/share", nil, nil, 200, `<label for="request"`},
		{"history", "GET", "/history", nil, nil, 200, "Geschiedenis"},
		{"no csrf", "POST", "/receive", url.Values{"offer": {"openid-credential-offer://?x"}}, nil, http.StatusForbidden, ""},
		{"wrong csrf", "POST", "/receive", url.Values{"offer": {"openid-credential-offer://?x"}, "csrf": {"x" + csrf}}, nil, http.StatusForbidden, ""},
		{"bad offer", "POST", "/receive", url.Values{"offer": {"openid-credential-offer://?x=1"}, "csrf": {csrf}}, nil, http.StatusBadRequest, `role="alert"`},
		{"bad request", "POST", "/share", url.Values{"request": {"openid4vp://?client_id=x"}, "csrf": {csrf}}, nil, http.StatusBadRequest, `role="alert"`},
		{"unknown offer", "POST", "/receive/nope", url.Values{"csrf": {csrf}}, nil, http.StatusNotFound, "Begin opnieuw"},
		{"unknown request", "POST", "/share/nope", url.Values{"csrf": {csrf}}, nil, http.StatusNotFound, "Begin opnieuw"},
		// SECURITY: no text from the URL reaches the page (issue 11 #9).
		{"flash from the URL", "GET", "/?ok=%3Cb%3Eevil%20text", nil, nil, 200, "nog geen bewijs"},
		{"not a link", "POST", "/receive", url.Values{"offer": {"hello"}, "csrf": {csrf}}, nil, http.StatusBadRequest, "geen geldige link"},
		{"cross-site", "POST", "/receive", url.Values{"offer": {"x"}, "csrf": {csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, ""},
		{"foreign host", "GET", "/", nil, map[string]string{"Host": "evil.example"}, http.StatusForbidden, ""},
		{"health", "GET", "/healthz", nil, nil, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := do(tt.method, tt.path, tt.form, tt.hdr)
			if code != tt.want || !strings.Contains(body, tt.text) {
				t.Errorf("%d, want %d with %q: %s", code, tt.want, tt.text, body)
			}
		})
	}

	// Idle: the session ends and the wallet locks.
	clk.add(2 * time.Minute)
	if code, _, _ := do("GET", "/history", nil, nil); code != http.StatusSeeOther {
		t.Errorf("history after the idle timeout: %d", code)
	}
	if code, body, _ := do("GET", "/", nil, nil); code != 200 || !strings.Contains(body, `id="passphrase"`) {
		t.Errorf("home after the idle timeout is not the unlock page: %d", code)
	}
	// Lock by hand.
	do("POST", "/unlock", url.Values{"passphrase": {pass}}, nil)
	_, body, _ = do("GET", "/", nil, nil)
	csrf = csrfRE.FindStringSubmatch(body)[1]
	if code, _, _ := do("POST", "/lock", url.Values{"csrf": {csrf}}, nil); code != http.StatusSeeOther {
		t.Errorf("lock: %d", code)
	}
	if code, _, _ := do("GET", "/history", nil, nil); code != http.StatusSeeOther {
		t.Errorf("history after lock: %d", code)
	}
}

// Issue 11 #1: wrong passphrases are slowed down as in the wallet API;
// while the wait runs even the right one is refused (429 with
// Retry-After), and it works once the wait is over. #9: text in the URL
// never reaches the page.
func TestUnlockThrottled(t *testing.T) {
	do, clk := startDesk(t)
	for i := range 3 {
		if code, _, _ := do("POST", "/unlock", url.Values{"passphrase": {"wrong passphrase " + string(rune('a'+i))}}, nil); code != http.StatusUnauthorized {
			t.Fatalf("wrong try %d: %d", i+1, code)
		}
	}
	code, body, _ := do("POST", "/unlock", url.Values{"passphrase": {pass}}, nil)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Wacht 1 seconden") {
		t.Fatalf("right passphrase during the wait: %d %s", code, body)
	}
	clk.add(2 * time.Second)
	if code, _, _ := do("POST", "/unlock", url.Values{"passphrase": {pass}}, nil); code != http.StatusSeeOther {
		t.Fatalf("right passphrase after the wait: %d", code)
	}
	if _, body, _ := do("GET", "/?ok=%3Cb%3Eevil+text%3C%2Fb%3E&lang=nl", nil, nil); strings.Contains(body, "evil") || !strings.Contains(body, "Mijn paspoort") {
		t.Fatalf("text from the URL on the page: %s", body)
	}
}
