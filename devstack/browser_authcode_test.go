package devstack_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/issuer"
)

// TestBrowserReceiveBySigningIn: Miranda receives in the web wallet an
// offer that the assessment provider gives by signing in (the
// authorization code flow), in a real browser against a running stack.
// The wallet's offer page asks no PIN and says she signs in at the
// provider; accepting takes the browser to the provider's page (https,
// another site), where a wrong PIN is refused with the attempts left and
// the right one accepted; the browser comes back to the wallet without
// its SameSite=Strict session cookie, and arrives on "Mijn paspoort"
// with "Ontvangen en gecontroleerd" and the credential. Then a refusal
// on the provider's page, the provider's page for a used link, and the
// wallet's page for an answer it does not expect. Every one of these
// pages is checked at a phone's and a laptop's size with no axe-core
// finding at all (pagecheck_test.go).
func TestBrowserReceiveBySigningIn(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (apt-get install -y chromium): browser test skipped", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	s := startStack(t, t.TempDir(), true)
	shots := artifactDir(t)
	t.Logf("screenshots in %s", shots)

	// The issuers speak https with the dev CA's certificates, which this
	// browser does not know.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(412, 915), chromedp.Flag("ignore-certificate-errors", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	type void = chromedp.Action[chromedp.Void]
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	shot := func(name string) void {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, "signin-"+name+".png"), png, 0o644)
		})
	}
	do := func(step string, actions ...void) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Text(css("body")))
			_ = chromedp.Do(ctx, shot("failed-"+strings.ReplaceAll(step, " ", "-")))
			t.Fatalf("%s: %v\npage: %s", step, err, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	pc := &pageChecker{t: t, ctx: ctx, shots: shots, axe: loadAxe(t), seen: map[string]bool{}}
	check := func(page string) { t.Helper(); pc.check(page, true) }
	defer func() {
		pc.report()
		if len(pc.minor) > 0 {
			t.Errorf("%d minor or moderate axe-core findings on the sign-in pages (above): these pages have none", len(pc.minor))
		}
	}()

	is := s.Issuer(devstack.IssuerAssessment)
	offer := func() (string, string) {
		t.Helper()
		o, err := s.CreateOffer(ctx, devstack.IssuerAssessment, issuer.OfferRequest{Type: "skill", Claims: skillExample(), TxCode: true, Grant: issuer.GrantAuthorizationCode})
		if err != nil {
			t.Fatal(err)
		}
		return o.OfferURIByReference, o.TxCode
	}
	// paste pastes an offer into the wallet and waits for its page.
	paste := func(link string) {
		t.Helper()
		do("paste the offer",
			chromedp.Navigate(s.Wallet.WebURL+"/receive"),
			chromedp.WaitVisible(css("#offer")),
			chromedp.SetValue(css("#offer"), link),
			chromedp.Click(css("#resolve")),
			chromedp.WaitVisible(css("#signin-intro")),
		)
	}

	w := s.Wallet.WebURL
	do("unlock",
		chromedp.Navigate(w+"/"),
		chromedp.WaitVisible(css("#passphrase")),
		chromedp.SendKeys(css("#passphrase"), s.Wallet.Passphrase),
		chromedp.Click(css("#unlock")),
		chromedp.WaitVisible(css("#lock")),
	)

	link, pin := offer()
	paste(link)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#tx_code').length`)); err != nil || n != 0 {
		t.Errorf("the wallet asks for the PIN itself (%d fields, %v)", n, err)
	}
	if got := text("#signin-intro"); !strings.Contains(got, is.Name["nl"]) || !strings.Contains(got, "pincode") {
		t.Errorf("offer page: %q", got)
	}
	do("offer page", shot("01-wallet-offer"))
	check("wallet-offer-signin")

	do("accept", chromedp.Click(css("#accept")), chromedp.WaitVisible(css("#tx_code")), shot("02-issuer-page"))
	page, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(page, is.URL+"/authorize?") {
		t.Fatalf("after accepting the browser is on %q (%v)", page, err)
	}
	check("issuer-authorize")
	do("wrong PIN",
		chromedp.SendKeys(css("#tx_code"), "000000"),
		chromedp.Click(css(`button[value="allow"]`)),
		chromedp.WaitVisible(css(`[role="alert"]`)),
		shot("03-issuer-wrong-pin"),
	)
	check("issuer-authorize-wrong-pin")
	do("right PIN",
		chromedp.SendKeys(css("#tx_code"), pin),
		chromedp.Click(css(`button[value="allow"]`)),
		chromedp.WaitVisible(css("#flash")),
		shot("04-wallet-received"),
	)
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasPrefix(loc, w+"/?") {
		t.Errorf("after receiving the browser is on %q (%v)", loc, err)
	}
	if got := text("#flash"); !strings.Contains(got, "Ontvangen en gecontroleerd") || !strings.Contains(got, is.Name["nl"]) {
		t.Errorf("flash: %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tr[data-type="skill"]').length`)); err != nil || n != 1 {
		t.Errorf("%d skill credentials in Mijn paspoort (%v)", n, err)
	}
	check("wallet-received-signin")

	// The used page link: the provider says so, and what to do.
	do("used link", chromedp.Navigate(page), chromedp.WaitVisible(css("main h1")), shot("05-issuer-used"))
	if got := text("main"); !strings.Contains(got, "al gebruikt") {
		t.Errorf("used link: %q", got)
	}
	check("issuer-authorize-used")

	// A refusal on the provider's page.
	link, _ = offer()
	paste(link)
	do("refuse",
		chromedp.Click(css("#accept")),
		chromedp.WaitVisible(css(`button[value="deny"]`)),
		chromedp.Click(css(`button[value="deny"]`)),
		chromedp.WaitVisible(css("#error")),
		shot("06-wallet-refused"),
	)
	if got := text("#error"); !strings.Contains(got, "geweigerd") || !strings.Contains(got, is.Name["nl"]) {
		t.Errorf("refusal: %q", got)
	}
	check("wallet-signin-refused")

	// An answer the wallet does not expect (no sign-in under way).
	do("unexpected answer", chromedp.Navigate(w+"/receive/callback?state=forged&code=x"), chromedp.WaitVisible(css("#error")), shot("07-wallet-unexpected"))
	check("wallet-signin-gone")
	do("english", chromedp.Navigate(w+"/receive/callback?lang=en"), chromedp.WaitVisible(css("#error")))
	if got := text("#error") + " " + text("#next"); !strings.Contains(got, "Unlock your paspoort") {
		t.Errorf("English: %q", got)
	}
}
