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
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// artifactDir is where the screenshots go: $PASPOORT_ARTIFACTS when set,
// else a new temporary folder that is kept (its path is logged).
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("PASPOORT_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "paspoort-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBrowser clicks through the three roles in a real browser against a
// running stack: the assessment provider's desk issues level and goal
// offers; Miranda's web wallet unlocks, receives both with their PINs and
// shows them in "Mijn paspoort"; the admission desk asks for proof; the
// wallet shows the consent screen, which she uses with the keyboard only,
// and shares; the desk shows the decision with the learning plan and the
// next intake date without a manual refresh.
//
// Every page of the wallet and of both desks, the error pages included,
// is checked on a phone (390×844) and on a laptop (1280×800): no
// horizontal scrolling, no serious or critical axe-core violation of WCAG
// 2.1 A/AA (with $PASPOORT_AXE), no DID or JSON Pointer in the default
// view, and a screenshot NN-page-phone.png / NN-page-desktop.png under
// $PASPOORT_ARTIFACTS. Checks that still fail on a page being fixed are in
// knownFailures.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (apt-get install -y chromium): browser test skipped", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := loadAxe(t)
	s := startStack(t, t.TempDir(), true)
	shots := artifactDir(t)
	t.Logf("screenshots in %s", shots)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 800))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	// Start the browser on ctx itself: a step's shorter context must not
	// own it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	c := &pageChecker{t: t, ctx: ctx, shots: shots, axe: axe, seen: map[string]bool{}}
	if err := setSize(ctx, 0); err != nil { // the story runs on a phone
		t.Fatal(err)
	}
	type void = chromedp.Action[chromedp.Void]
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	shot := func(name string) void {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg) // quality 100: PNG
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
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

	desk := s.Issuer(devstack.IssuerAssessment).DeskURL
	type offer struct{ link, pin string }
	var offers []offer
	for i, typ := range []string{"level", "goal"} {
		do("issuer desk", chromedp.Navigate(desk+"/"), chromedp.WaitVisible(css("#create-"+typ)))
		if i == 0 {
			c.check("issuer-home", true)
		}
		do("issue "+typ, chromedp.Click(css("#create-"+typ)), chromedp.WaitVisible(css("#offer-link")))
		if i == 0 {
			c.check("issuer-offer", true)
		}
		o := offer{link: text("#offer-link"), pin: strings.TrimSpace(text("#tx-code"))}
		if !strings.HasPrefix(o.link, "openid-credential-offer://") || len(o.pin) < 4 {
			t.Fatalf("offer page shows %q and PIN %q", o.link, o.pin)
		}
		offers = append(offers, o)
	}

	w := s.Wallet.WebURL
	do("wallet", chromedp.Navigate(w+"/"), chromedp.WaitVisible(css("#passphrase")))
	c.check("wallet-unlock", true)
	do("unlock",
		chromedp.SendKeys(css("#passphrase"), s.Wallet.Passphrase),
		chromedp.Click(css("#unlock")),
		chromedp.WaitVisible(css("#lock")),
	)
	c.check("wallet-paspoort-empty", true)
	for i, o := range offers {
		do("receive", chromedp.Navigate(w+"/receive"), chromedp.WaitVisible(css("#offer")))
		if i == 0 {
			c.check("wallet-receive", true)
		}
		do("resolve offer",
			chromedp.SetValue(css("#offer"), o.link),
			chromedp.Click(css("#resolve")),
			chromedp.WaitVisible(css("#tx_code")),
		)
		if i == 0 {
			c.check("wallet-offer", true)
		}
		if offered := text("#offered"); !strings.Contains(offered, "Werk- en denkniveau") && !strings.Contains(offered, "Doel") {
			t.Errorf("offer page shows %q", offered)
		}
		do("accept offer",
			chromedp.SendKeys(css("#tx_code"), o.pin),
			chromedp.Click(css("#accept")),
			chromedp.WaitVisible(css("#flash")),
		)
		if flash := text("#flash"); !strings.Contains(flash, "Ontvangen") {
			t.Errorf("flash %q", flash)
		}
	}
	c.check("wallet-paspoort", true)
	paspoort := text("main")
	for _, want := range []string{"Werk- en denkniveau", "Doel & motivatie", "Assessment Centrum Loopbrug", "geldig"} {
		if !strings.Contains(paspoort, want) {
			t.Errorf("my paspoort lacks %q: %s", want, paspoort)
		}
	}
	// A broken offer link: the wallet's message page.
	do("wrong offer",
		chromedp.Navigate(w+"/receive"),
		chromedp.WaitVisible(css("#offer")),
		chromedp.SetValue(css("#offer"), "openid-credential-offer://?credential_offer=%7B"),
		chromedp.Click(css("#resolve")),
		chromedp.WaitVisible(css("[role=alert]")),
	)
	c.check("wallet-error", true)

	vdesk := s.Verifier(devstack.VerifierAdmission).DeskURL
	do("verifier desk", chromedp.Navigate(vdesk+"/"), chromedp.WaitVisible(css("#start")))
	c.check("verifier-home", true)
	do("ask for proof", chromedp.Click(css("#start")), chromedp.WaitVisible(css("#request-link")))
	c.check("verifier-waiting", true)
	link := text("#request-link")
	requestPage, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(link, "openid4vp://") {
		t.Fatalf("request link %q, page %q: %v", link, requestPage, err)
	}
	// The desk links to the web wallet on this computer with the request
	// filled in (the QR code is for a phone).
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#web-wallet-link"), "href"))
	if err != nil || !strings.HasPrefix(href.Value, w+"/share?request=") {
		t.Fatalf("web wallet link %q: %v", href.Value, err)
	}
	do("open the request in the wallet",
		chromedp.Navigate(href.Value),
		chromedp.WaitVisible(css("#request")),
	)
	c.check("wallet-share", true)
	if v, err := chromedp.Run(ctx, chromedp.Value(css("#request"))); err != nil || v != link {
		t.Fatalf("request field %q: %v", v, err)
	}
	do("consent", chromedp.Click(css("#read")), chromedp.WaitVisible(css("#send")))
	c.check("wallet-consent", true)
	consent := text("main")
	for _, want := range []string{"NLQF", "Assessment Centrum Loopbrug"} {
		if !strings.Contains(consent, want) {
			t.Errorf("consent screen lacks %q: %s", want, consent)
		}
	}
	// Share with the keyboard only; with the mouse when the keyboard
	// fails, so that the pages after it are still checked.
	if choices, err := shareByKeyboard(ctx); err != nil {
		c.keyboardFailed("wallet-consent", err.Error())
		do("share by mouse", chromedp.Click(css("#send")))
	} else {
		t.Logf("consent screen used by keyboard: %d choices, then the share button", choices)
	}
	do("shared", chromedp.WaitVisible(css("#shared")))
	c.check("wallet-shared", true)

	// The desk's waiting page refreshes itself: back on it, no reload by
	// hand, only waiting for the decision to appear.
	do("decision",
		chromedp.Navigate(requestPage),
		chromedp.WaitVisible(css("#outcome")),
	)
	c.check("verifier-decision", true)
	if outcome, intake := text("#outcome"), text("#next-intake"); !strings.Contains(outcome, "Toegelaten") || intake == "" {
		t.Errorf("decision %q, next intake %q", outcome, intake)
	}
	decision := text("main")
	for _, want := range []string{"Werk- en denkniveau NLQF 4 of hoger", "voldaan", "Leerplan", "LVO-PRAK1", "Matchscore"} {
		if !strings.Contains(decision, want) {
			t.Errorf("decision page lacks %q", want)
		}
	}
	do("unknown request", chromedp.Navigate(vdesk+"/requests/no-such-request"), chromedp.WaitVisible(css("[role=alert]")))
	c.check("verifier-error", true)

	do("history", chromedp.Navigate(w+"/history"), chromedp.WaitVisible(css("table")))
	c.check("wallet-history", true)
	if h := text("main"); !strings.Contains(h, "Hogeschool Domstad") && !strings.Contains(h, "did:web:127.0.0.1") {
		t.Errorf("history does not name the verifier: %s", h)
	}
	do("opportunities", chromedp.Navigate(w+"/opportunities"), chromedp.WaitVisible(css("main h2")))
	c.check("wallet-opportunities", true)
	do("opportunities in English", chromedp.Navigate(w+"/opportunities?lang=en"), chromedp.WaitVisible(css("main h2")))
	if o := text("main"); !strings.Contains(o, "Admission to secondary teacher training") || !strings.Contains(o, "Teacher of Dutch in training") ||
		!strings.Contains(o, "Still to learn") {
		t.Errorf("opportunities: %s", o)
	}
	do("issued credentials", chromedp.Navigate(desk+"/credentials"), chromedp.WaitVisible(css("table")))
	c.check("issuer-credentials", true)
	do("suspend",
		chromedp.Click(css(`form[action$="/suspend"] button`)),
		chromedp.WaitVisible(css(`form[action$="/reinstate"] button`)),
	)
	if l := text("main"); !strings.Contains(l, "geschorst") || !strings.Contains(l, "geldig") {
		t.Errorf("issued list: %s", l)
	}

	// Every other page the wallet and the desks link to (a page added
	// later, such as the wallet's decisions).
	for _, site := range []struct{ origin, prefix string }{{w, "wallet"}, {desk, "issuer"}, {vdesk, "verifier"}} {
		do("crawl "+site.prefix, chromedp.Navigate(site.origin+"/"), chromedp.WaitReady(css("main")))
		c.crawl(site.origin, site.prefix, 6)
	}
	c.report()
}
