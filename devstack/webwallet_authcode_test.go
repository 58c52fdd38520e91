package devstack_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/issuer"
)

var (
	webCSRF   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	webAccept = regexp.MustCompile(`action="(/receive/[^"]+)"`)
)

// TestWebWalletReceiveBySigningIn: the stack's own web wallet receives
// an authorization-code offer end to end over HTTP, as a browser does
// without Chromium: the offer pasted into the form, the accept followed to
// the issuer's page, signed in there with the PIN (devstack.SignIn), the
// way back as a browser makes it from another site (Sec-Fetch-Site
// cross-site, only the SameSite=Lax sign-in cookie), then the page's own
// refresh to "Mijn paspoort", which shows "Ontvangen en gecontroleerd" and
// the credential.
func TestWebWalletReceiveBySigningIn(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, t.TempDir(), true)
	w := s.Wallet.WebURL
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, u string, form url.Values, hdr http.Header, c *http.Client) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, u, body)
		if err != nil {
			t.Fatal(err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	if res, _ := send(http.MethodPost, w+"/unlock", url.Values{"passphrase": {s.Wallet.Passphrase}}, nil, browser); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlock: %d", res.StatusCode)
	}
	_, page := send(http.MethodGet, w+"/receive", nil, nil, browser)
	csrf := webCSRF.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no form token")
	}
	o, err := s.CreateOffer(ctx, devstack.IssuerAssessment, issuer.OfferRequest{Type: "skill", Claims: skillExample(), TxCode: true, Grant: issuer.GrantAuthorizationCode})
	if err != nil {
		t.Fatal(err)
	}
	_, page = send(http.MethodPost, w+"/receive", url.Values{"csrf": {csrf[1]}, "offer": {o.OfferURI}}, nil, browser)
	accept := webAccept.FindStringSubmatch(page)
	if accept == nil || strings.Contains(page, `name="tx_code"`) {
		t.Fatalf("offer page:\n%s", page)
	}
	res, _ := send(http.MethodPost, w+accept[1], url.Values{"csrf": {csrf[1]}}, nil, browser)
	is := s.Issuer(devstack.IssuerAssessment)
	pageURL := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(pageURL, is.URL+"/authorize?") {
		t.Fatalf("accept: %d → %q", res.StatusCode, pageURL)
	}
	back, err := s.SignIn(ctx, pageURL, o.TxCode, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(back, w+"/receive/callback?") {
		t.Fatalf("the issuer sends the browser to %q", back)
	}
	// From another site a browser sends the Lax cookie, not the Strict
	// session cookie.
	cb, _ := url.Parse(back)
	var lax string
	for _, c := range jar.Cookies(cb) {
		if c.Name == "paspoort_web_signin" {
			lax = c.Name + "=" + c.Value
		}
	}
	res, page = send(http.MethodGet, back, nil, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {lax}}, &http.Client{CheckRedirect: browser.CheckRedirect})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Ontvangen en gecontroleerd") {
		t.Fatalf("callback: %d\n%s", res.StatusCode, page)
	}
	refresh := res.Header.Get("Refresh")
	home, ok := strings.CutPrefix(refresh, "0; url=")
	if !ok {
		t.Fatalf("Refresh %q", refresh)
	}
	_, page = send(http.MethodGet, w+home, nil, http.Header{"Sec-Fetch-Site": {"same-origin"}}, browser)
	if !strings.Contains(page, `id="flash"`) || !strings.Contains(page, "Ontvangen en gecontroleerd") || !strings.Contains(page, is.Name["nl"]) {
		t.Errorf("Mijn paspoort shows no result:\n%s", page)
	}
	if n := strings.Count(page, `data-type="skill"`); n != 1 {
		t.Errorf("%d skill credentials in Mijn paspoort, want 1", n)
	}
}
