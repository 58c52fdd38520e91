package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/wallet"
	"github.com/loopbrug/paspoort/wallet/web"
)

// syncBuffer is a log sink the desk writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// signinDesk is a web wallet over a real stack (devstack: real issuers
// over https), for offers received by signing in at the issuer.
type signinDesk struct {
	t     *testing.T
	stack *devstack.Stack
	srv   *httptest.Server
	jar   http.CookieJar
	hc    *http.Client
	clk   *clock
	log   *syncBuffer
	csrf  string
}

func startSigninDesk(t *testing.T) *signinDesk {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := devstack.New(ctx, devstack.Options{Dir: t.TempDir()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	dir := t.TempDir()
	opts := append(s.WalletOptions(), wallet.WithKDFParams(wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1}))
	w, err := wallet.Init(ctx, dir, []byte(pass), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.FollowRegister(ctx, s.Register.URL, s.Register.Key); err != nil {
		t.Fatal(err)
	}
	w.Close()
	store, err := wallet.OpenStore(dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Now()}
	logs := &syncBuffer{}
	d, err := web.New(web.Config{Store: store, WalletOptions: opts, IdleTimeout: time.Hour, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(d.Lock)
	jar, _ := cookiejar.New(nil)
	sd := &signinDesk{t: t, stack: s, srv: srv, jar: jar, clk: clk, log: logs,
		hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if code, _, _ := sd.do(http.MethodPost, "/unlock", url.Values{"passphrase": {pass}}, nil); code != http.StatusSeeOther {
		t.Fatalf("unlock: %d", code)
	}
	_, body, _ := sd.do(http.MethodGet, "/receive", nil, nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no form token")
	}
	sd.csrf = m[1]
	return sd
}

// do sends a request with the jar's cookies (hdr "Cookie" replaces them).
func (sd *signinDesk) do(method, path string, form url.Values, hdr map[string]string) (int, string, *http.Response) {
	sd.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = sd.srv.URL + path
	}
	req, _ := http.NewRequest(method, u, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hc := sd.hc
	for k, v := range hdr {
		if k == "Cookie" {
			hc = &http.Client{CheckRedirect: sd.hc.CheckRedirect}
		}
		req.Header.Set(k, v)
	}
	res, err := hc.Do(req)
	if err != nil {
		sd.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res
}

// cookie is the value of the jar's cookie name for path.
func (sd *signinDesk) cookie(name, path string) string {
	u, _ := url.Parse(sd.srv.URL + path)
	for _, c := range sd.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var offerActionRE = regexp.MustCompile(`action="(/receive/[^"]+)"`)

// start creates an authorization-code offer with a PIN at the assessment
// provider, pastes it into the web wallet and accepts it (in lang): it
// returns the issuer page the browser is sent to, and the PIN.
func (sd *signinDesk) start(lang string) (string, string) {
	t := sd.t
	t.Helper()
	ty, _ := ppp.Lookup(ppp.TypeSkill)
	o, err := sd.stack.CreateOffer(context.Background(), devstack.IssuerAssessment, issuer.OfferRequest{Type: "skill",
		Claims: json.RawMessage(ty.Example()), TxCode: true, Grant: issuer.GrantAuthorizationCode})
	if err != nil {
		t.Fatal(err)
	}
	code, body, res := sd.do(http.MethodPost, "/receive", url.Values{"csrf": {sd.csrf}, "lang": {lang}, "offer": {o.OfferURIByReference}}, nil)
	if code != http.StatusOK || strings.Contains(body, `name="tx_code"`) || !strings.Contains(body, `id="signin-intro"`) {
		t.Fatalf("offer page: %d\n%s", code, body)
	}
	is := sd.stack.Issuer(devstack.IssuerAssessment)
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+is.URL) {
		t.Fatalf("the offer page's form cannot lead to the issuer: %s", csp)
	}
	m := offerActionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no accept form:\n%s", body)
	}
	// The accept is a state-changing POST: from another site it is
	// refused, with the form token or without.
	if code, _, _ := sd.do(http.MethodPost, m[1], url.Values{"csrf": {sd.csrf}, "lang": {lang}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
		t.Fatalf("cross-site accept: %d", code)
	}
	code, _, res = sd.do(http.MethodPost, m[1], url.Values{"csrf": {sd.csrf}, "lang": {lang}}, nil)
	loc := res.Header.Get("Location")
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, is.URL+"/authorize?") {
		t.Fatalf("accept: %d → %q", code, loc)
	}
	var lax bool
	for _, c := range res.Cookies() {
		lax = lax || c.Name == "paspoort_web_signin" && c.SameSite == http.SameSiteLaxMode && c.HttpOnly && c.Path == "/receive/callback"
	}
	if !lax {
		t.Fatalf("no sign-in cookie: %v", res.Header.Values("Set-Cookie"))
	}
	return loc, o.TxCode
}

// The web wallet receives an offer by signing in at the issuer, over a
// real stack: the offer page asks no PIN and says where she signs in;
// accepting sends the browser to the issuer's page (303); the page takes
// the PIN; the way back (GET /receive/callback, a top-level navigation
// from another site, without the SameSite=Strict session cookie) receives
// and shows "Ontvangen en gecontroleerd", then "Mijn paspoort" shows the
// credential. The refusals each show what to do next and change nothing:
// a refusal on the issuer's page, a forged state, an expired or unknown
// pending sign-in, the same answer twice. The log never holds the code.
func TestReceiveBySigningIn(t *testing.T) {
	sd := startSigninDesk(t)
	ctx := context.Background()
	org := sd.stack.Issuer(devstack.IssuerAssessment).Name["nl"]
	crossSite := func(cookies ...string) map[string]string {
		return map[string]string{"Sec-Fetch-Site": "cross-site", "Cookie": strings.Join(cookies, "; ")}
	}
	var codes []string
	tests := []struct {
		name    string
		lang    string
		allow   bool
		edit    func(q url.Values)                      // changes the answer the issuer sent
		before  func()                                  // runs before the browser comes back
		headers func(sid, key string) map[string]string // nil: the jar's cookies
		want    int
		wantIn  []string
		home    string // on "Mijn paspoort" afterwards, when set
		// untouched: the answer changed nothing, and the browser that
		// started the sign-in still finishes it.
		untouched bool
	}{
		{name: "received, back from another site", lang: "nl", allow: true,
			headers: func(_, key string) map[string]string { return crossSite("paspoort_web_signin=" + key) },
			want:    http.StatusOK, wantIn: []string{"Ontvangen en gecontroleerd", "U bent terug van " + org},
			home: "Ontvangen en gecontroleerd"},
		{name: "received, same site with the session", lang: "en", allow: true, want: http.StatusSeeOther, home: "Received and verified"},
		{name: "refused on the issuer's page", lang: "nl", allow: false,
			headers: func(_, key string) map[string]string { return crossSite("paspoort_web_signin=" + key) },
			want:    http.StatusBadRequest, wantIn: []string{"U heeft het aanbod geweigerd op de website van " + org, "Technische details", `id="again"`}},
		{name: "refused, in English", lang: "en", allow: false, want: http.StatusBadRequest,
			wantIn: []string{"You declined the offer on the website of"}},
		{name: "forged state", lang: "nl", allow: true, edit: func(q url.Values) { q.Set("state", "forged") },
			headers: func(_, key string) map[string]string { return crossSite("paspoort_web_signin=" + key) },
			want:    http.StatusBadRequest, wantIn: []string{"hoort niet bij uw aanvraag", "Er is niets opgeslagen"}},
		{name: "another issuer in iss", lang: "nl", allow: true,
			edit: func(q url.Values) { q.Set("iss", sd.stack.Issuer(devstack.IssuerNS).URL) },
			want: http.StatusBadRequest, wantIn: []string{"hoort niet bij uw aanvraag"}},
		{name: "expired", lang: "nl", allow: true, before: func() { sd.clk.add(16 * time.Minute) },
			want: http.StatusNotFound, wantIn: []string{"Deze aanvraag is verlopen of al afgerond"}},
		{name: "no sign-in cookie", lang: "nl", allow: true,
			headers: func(string, string) map[string]string { return crossSite("paspoort_web_signin=") },
			want:    http.StatusNotFound, wantIn: []string{"Deze aanvraag is verlopen of al afgerond"},
			untouched: true, home: "Ontvangen en gecontroleerd"},
		{name: "another session", lang: "nl", allow: true,
			headers: func(_, key string) map[string]string {
				return crossSite("paspoort_web_session=another", "paspoort_web_signin="+key)
			},
			want: http.StatusNotFound, wantIn: []string{"Deze aanvraag is verlopen of al afgerond"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sd.t = t
			page, pin := sd.start(tc.lang)
			back, err := sd.stack.SignIn(ctx, page, pin, tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(back, sd.srv.URL+"/receive/callback?") {
				t.Fatalf("the issuer sends the browser to %q", back)
			}
			u, _ := url.Parse(back)
			q := u.Query()
			codes = append(codes, q.Get("code"))
			if tc.edit != nil {
				tc.edit(q)
				u.RawQuery = q.Encode()
			}
			if tc.before != nil {
				tc.before()
			}
			key := sd.cookie("paspoort_web_signin", "/receive/callback")
			var hdr map[string]string
			if tc.headers != nil {
				hdr = tc.headers(sd.cookie("paspoort_web_session", "/"), key)
			}
			code, body, res := sd.do(http.MethodGet, u.String(), nil, hdr)
			if code != tc.want {
				t.Fatalf("callback: %d, want %d\n%s", code, tc.want, body)
			}
			for _, w := range tc.wantIn {
				if !strings.Contains(body, w) {
					t.Errorf("callback page lacks %q:\n%s", w, body)
				}
			}
			if code == http.StatusOK && res.Header.Get("Refresh") != "0; url=/?lang="+tc.lang {
				t.Errorf("Refresh %q", res.Header.Get("Refresh"))
			}
			if code == http.StatusSeeOther && res.Header.Get("Location") != "/?lang="+tc.lang {
				t.Errorf("Location %q", res.Header.Get("Location"))
			}
			// A language switch would send the same answer again.
			if strings.Contains(body, `href="?lang=`) {
				t.Errorf("the answer's page links to itself in another language:\n%s", body)
			}
			if plain := detailsRE.ReplaceAllString(body, ""); strings.Contains(plain, "wallet:") || strings.Contains(plain, "https://") {
				t.Errorf("technical text outside Technische details:\n%s", body)
			}
			// The answer is used up: the same again finds nothing. An
			// answer without the sign-in cookie changed nothing.
			again := http.StatusNotFound
			if tc.untouched {
				again = http.StatusOK
			}
			if code, body, _ := sd.do(http.MethodGet, u.String(), nil, crossSite("paspoort_web_signin="+key)); code != again {
				t.Errorf("the same answer again: %d, want %d\n%s", code, again, body)
			}
			_, home, _ := sd.do(http.MethodGet, "/?lang="+tc.lang, nil, nil)
			if tc.home != "" && (!strings.Contains(home, `id="flash"`) || !strings.Contains(home, tc.home)) {
				t.Errorf("Mijn paspoort shows no result:\n%s", home)
			}
			if tc.home == "" && strings.Contains(home, `id="flash"`) {
				t.Errorf("a result after a refusal:\n%s", home)
			}
		})
	}
	// Three received: all in "Mijn paspoort", and nothing else.
	_, home, _ := sd.do(http.MethodGet, "/", nil, nil)
	if n := strings.Count(home, `data-type="skill"`); n != 3 {
		t.Errorf("%d skill credentials in the wallet, want 3", n)
	}
	logs := sd.log.String()
	for _, c := range codes {
		if c != "" && strings.Contains(logs, c) {
			t.Errorf("the log holds an authorization code:\n%s", logs)
		}
	}
	if strings.Contains(logs, "state=") || strings.Contains(logs, "code=") {
		t.Errorf("the log holds the callback's query:\n%s", logs)
	}
}
