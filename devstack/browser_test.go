package devstack_test

import (
	"context"
	"net/url"
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
// wallet shows the consent screen and shares; the desk shows the decision
// with the learning plan and the next intake date without a manual
// refresh. A screenshot of every page is written as an artifact.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (apt-get install -y chromium): browser test skipped", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	s := startStack(t, t.TempDir(), true)
	shots := artifactDir(t)
	t.Logf("screenshots in %s", shots)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(412, 915)) // a phone screen
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()

	// Start the browser on ctx itself: a step's shorter context must not
	// own it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	type void = chromedp.Action[chromedp.Void]
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	n := 0
	shot := func(name string) void {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg) // quality 100: PNG
			if err != nil {
				return err
			}
			n++
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

	// Every page a person sees is checked at a phone's and a laptop's
	// size: no sideways scrolling, no serious or critical axe-core
	// (WCAG 2.1 AA) violation, no DID or JSON Pointer in the default view,
	// a screenshot of each (pagecheck_test.go).
	pc := &pageChecker{t: t, ctx: ctx, shots: shots, axe: loadAxe(t), seen: map[string]bool{}}
	check := func(page string) { t.Helper(); pc.check(page, true) }
	defer pc.report()

	desk := s.Issuer(devstack.IssuerAssessment).DeskURL
	type offer struct{ link, pin string }
	var offers []offer
	do("issuer desk", chromedp.Navigate(desk+"/"), chromedp.WaitVisible(css("#create-level")))
	check("issuer-desk")
	for _, typ := range []string{"level", "goal"} {
		do("issue "+typ,
			chromedp.Navigate(desk+"/"),
			chromedp.WaitVisible(css("#create-"+typ)),
			shot("01-issuer-desk"),
			chromedp.Click(css("#create-"+typ)),
			chromedp.WaitVisible(css("#offer-link")),
			shot("02-issuer-offer-"+typ),
		)
		if typ == "level" {
			check("issuer-offer")
		}
		o := offer{link: text("#offer-link"), pin: strings.TrimSpace(text("#tx-code"))}
		if !strings.HasPrefix(o.link, "openid-credential-offer://") || len(o.pin) < 4 {
			t.Fatalf("offer page shows %q and PIN %q", o.link, o.pin)
		}
		offers = append(offers, o)
	}

	w := s.Wallet.WebURL
	do("unlock page", chromedp.Navigate(w+"/"), chromedp.WaitVisible(css("#passphrase")))
	check("wallet-unlock")
	do("unlock",
		chromedp.Navigate(w+"/"),
		chromedp.WaitVisible(css("#passphrase")),
		shot("03-wallet-unlock"),
		chromedp.SendKeys(css("#passphrase"), s.Wallet.Passphrase),
		chromedp.Click(css("#unlock")),
		chromedp.WaitVisible(css("#lock")),
	)
	for i, o := range offers {
		suffix := string(rune('a' + i))
		do("resolve offer",
			chromedp.Navigate(w+"/receive"),
			chromedp.WaitVisible(css("#offer")),
			chromedp.SetValue(css("#offer"), o.link),
			chromedp.Click(css("#resolve")),
			chromedp.WaitVisible(css("#tx_code")),
			shot("04-wallet-offer-"+suffix),
		)
		if i == 0 {
			check("wallet-offer")
		}
		if offered := text("#offered"); !strings.Contains(offered, "Werk- en denkniveau") && !strings.Contains(offered, "Doel") {
			t.Errorf("offer page shows %q", offered)
		}
		do("accept offer",
			chromedp.SendKeys(css("#tx_code"), o.pin),
			chromedp.Click(css("#accept")),
			chromedp.WaitVisible(css("#flash")),
			shot("05-wallet-paspoort-"+suffix),
		)
		if i == 1 {
			check("wallet-paspoort")
		}
		if flash := text("#flash"); !strings.Contains(flash, "Ontvangen") {
			t.Errorf("flash %q", flash)
		}
	}
	paspoort := text("main")
	for _, want := range []string{"Werk- en denkniveau", "Doel & motivatie", "Assessment Centrum Loopbrug", "geldig", "Vastgesteld door een assessor"} {
		if !strings.Contains(paspoort, want) {
			t.Errorf("my paspoort lacks %q: %s", want, paspoort)
		}
	}

	vdesk := s.Verifier(devstack.VerifierAdmission).DeskURL
	do("verifier desk", chromedp.Navigate(vdesk+"/"), chromedp.WaitVisible(css("#start")))
	check("verifier-desk")
	do("ask for proof",
		chromedp.Navigate(vdesk+"/"),
		chromedp.WaitVisible(css("#start")),
		shot("06-verifier-desk"),
		chromedp.Click(css("#start")),
		chromedp.WaitVisible(css("#wallet-link")),
		shot("07-verifier-waiting"),
	)
	check("verifier-waiting")
	// The "Open in wallet" button carries the openid4vp:// link itself
	// (html/template would turn a refused URL into #ZgotmplZ).
	linkAttr, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#wallet-link"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	link := linkAttr.Value
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
	if v, err := chromedp.Run(ctx, chromedp.Value(css("#request"))); err != nil || v != link {
		t.Fatalf("request field %q: %v", v, err)
	}
	do("consent",
		chromedp.Click(css("#read")),
		chromedp.WaitVisible(css("#send")),
		shot("08-wallet-consent"),
	)
	consent := text("main")
	// Who asks by name, why, and the values in words; no identifiers
	// outside the technical details.
	for _, want := range []string{"Hogeschool Domstad vraagt gegevens", "Toelating tweedegraads lerarenopleiding", "NLQF 4", "Onderwijs", "verplicht"} {
		if !strings.Contains(consent, want) {
			t.Errorf("consent screen lacks %q: %s", want, consent)
		}
	}
	if visible := text("form > h1"); strings.Contains(visible, "did:") {
		t.Errorf("consent heading names a DID: %s", visible)
	}
	if reg := text("#registration"); !strings.Contains(reg, "Hogeschool Domstad (toelating) is lid van Loopbrug Domstad") {
		t.Errorf("registration on the consent screen: %q", reg)
	}
	check("wallet-consent")
	// The keyboard alone: Tab through the page reaches each choice (Space
	// toggles it), the share button (Shift-Tab leaves it, Tab comes back),
	// and Enter shares. With the mouse when that fails, so that the pages
	// after it are still checked.
	if choices, err := shareByKeyboard(ctx); err != nil {
		pc.keyboardFailed("wallet-consent", err.Error())
		do("share", chromedp.Click(css("#send")))
	} else {
		t.Logf("consent screen used by keyboard only: %d choices, then the share button", choices)
	}
	do("shared", chromedp.WaitVisible(css("#shared")), shot("09-wallet-shared"))
	check("wallet-shared")
	if shared := text("#shared"); !strings.Contains(shared, "Gedeeld met Hogeschool Domstad") {
		t.Errorf("shared page: %q", shared)
	}

	// Back on the desk's waiting page, the officer asks to wait for the
	// answer (a page that refreshes itself fails WCAG 2.2.1).
	do("decision",
		chromedp.Navigate(requestPage+"&wait=1"),
		chromedp.WaitVisible(css("#outcome")),
		shot("10-verifier-decision"),
	)
	check("verifier-decision")
	if outcome, intake := text("#outcome"), text("#next-intake"); !strings.Contains(outcome, "Toegelaten") || intake == "" {
		t.Errorf("decision %q, next intake %q", outcome, intake)
	}
	decision := text("main")
	for _, want := range []string{"Werk- en denkniveau NLQF 4 of hoger", "voldaan", "Leerplan", "LVO-PRAK1", "Matchscore"} {
		if !strings.Contains(decision, want) {
			t.Errorf("decision page lacks %q", want)
		}
	}
	do("history", chromedp.Navigate(w+"/history"), chromedp.WaitVisible(css("table")), shot("11-wallet-history"))
	check("wallet-history")
	if h := text("main"); !strings.Contains(h, "Hogeschool Domstad") || strings.Contains(h, "did:web:") || !strings.Contains(h, "Werk- en denkniveau") {
		t.Errorf("history: %s", h)
	}
	do("opportunities", chromedp.Navigate(w+"/opportunities?lang=en"), chromedp.WaitVisible(css("main h2")), shot("12-wallet-opportunities-en"))
	if o := text("main"); !strings.Contains(o, "Admission to secondary teacher training") || !strings.Contains(o, "Teacher of Dutch in training") ||
		!strings.Contains(o, "Still to learn") {
		t.Errorf("opportunities: %s", o)
	}
	check("wallet-opportunities")
	// The decision kept in the wallet, and the forms to paste a link.
	do("decisions", chromedp.Navigate(w+"/decisions"), chromedp.WaitVisible(css(`main a[href^="/decisions/"]`)))
	check("wallet-decisions")
	do("decision in the wallet", chromedp.Click(css(`main a[href^="/decisions/"]`)), chromedp.WaitVisible(css("main h1")))
	check("wallet-decision")
	// A verifier in no register the wallet follows is marked; one asking
	// beyond its registration is refused before anything is shown.
	for _, tc := range []struct{ verifier, profile, page, sel, want string }{
		{devstack.VerifierAgency, devstack.ProfileAgency, "wallet-consent-unregistered", "#unregistered", "in geen register"},
		{devstack.VerifierSchool, devstack.ProfileReferences, "wallet-share-overasking", "#error", "vraagt meer dan waarvoor zij in het register van Loopbrug Domstad staat"},
	} {
		req, err := s.CreateRequest(ctx, tc.verifier, tc.profile)
		if err != nil {
			t.Fatal(err)
		}
		do(tc.page, chromedp.Navigate(w+"/share?request="+url.QueryEscape(req.RequestURI)), chromedp.WaitVisible(css("#read")),
			chromedp.Click(css("#read")), chromedp.WaitVisible(css(tc.sel)), shot(tc.page))
		if got := text(tc.sel); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q", tc.page, got)
		}
		check(tc.page)
	}
	do("receive form", chromedp.Navigate(w+"/receive"), chromedp.WaitVisible(css("#offer")))
	check("wallet-receive")
	do("share form", chromedp.Navigate(w+"/share"), chromedp.WaitVisible(css("#request")))
	check("wallet-share")
	do("suspend",
		chromedp.Navigate(desk+"/credentials"),
		chromedp.WaitVisible(css("table")),
		chromedp.Click(css(`form[action$="/suspend"] button`)),
		chromedp.WaitVisible(css(`form[action$="/reinstate"] button`)),
		shot("13-issuer-credentials"),
	)
	check("issuer-credentials")
	// One row per credential, its copies together; suspending acts on
	// all of them.
	if l := text("main"); !strings.Contains(l, "tijdelijk ingetrokken") || !strings.Contains(l, "geldig") || !strings.Contains(l, "3 kopieën") {
		t.Errorf("issued list: %s", l)
	}
	if n < 13 {
		t.Errorf("%d screenshots", n)
	}
	// Every other page the wallet and the desks link to, such as a page
	// added after this test was written.
	for _, site := range []struct{ origin, prefix string }{{w, "wallet"}, {desk, "issuer"}, {vdesk, "verifier"}} {
		do("crawl "+site.prefix, chromedp.Navigate(site.origin+"/"), chromedp.WaitReady(css("main")))
		pc.crawl(site.origin, site.prefix, 6)
	}
}
