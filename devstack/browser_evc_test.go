package devstack_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/wallet"
)

// TestBrowserEVC is the EVC provider's assessor in a real browser: she
// asks for a portfolio on the desk, a holder shares one, and she reviews
// it per competence, checks, and has the certificate offered. The review
// and offer pages get the checks of every page (phone and laptop size,
// axe-core, no identifiers in the default view) and screenshots.
func TestBrowserEVC(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (apt-get install -y chromium): browser test skipped", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	s := startStack(t, t.TempDir(), true)
	shots := artifactDir(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(412, 915))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Text(css("body")))
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
	defer pc.report()

	// In the web wallet, a holder starts a portfolio for an occupation by
	// its Dutch name and adds what she did for one competence.
	web := s.Wallet.WebURL
	do("unlock the web wallet", chromedp.Navigate(web+"/"), chromedp.WaitVisible(css("#passphrase")),
		chromedp.SendKeys(css("#passphrase"), s.Wallet.Passphrase), chromedp.Click(css("#unlock")), chromedp.WaitVisible(css("#lock")))
	do("portfolios", chromedp.Navigate(web+"/portfolio"), chromedp.WaitVisible(css("#occupation")))
	pc.check("wallet-portfolios", true)
	do("start a portfolio", chromedp.SendKeys(css("#occupation"), "sportcoach"), chromedp.Click(css("#start-portfolio")),
		chromedp.WaitVisible(css("#add-entry")))
	do("add an entry",
		chromedp.SendKeys(css("#statement"), "Ik geef sinds 2014 twee keer per week training aan de jeugd."),
		chromedp.SendKeys(css("#context"), "Vrijwillig jeugdtrainer bij SV Domstad"),
		chromedp.SetValue(css("#from"), "2014-08-01"),
		chromedp.Click(css("#add")),
		chromedp.WaitVisible(css("#entry-1")),
	)
	pc.check("wallet-portfolio", true)
	if e := text("#entry-1"); !strings.Contains(e, "Vrijwillig jeugdtrainer bij SV Domstad") || !strings.Contains(e, "sinds 1 augustus 2014") {
		t.Errorf("entry: %s", e)
	}

	// A holder with a portfolio of two competences, one with a file.
	hctx := context.Background()
	w := newHolder(t, s)
	p, err := w.NewPortfolio(hctx, "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []wallet.PortfolioEntry{
		{Skill: "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229", Statement: "Ik geef sinds 2014 twee keer per week training aan de jeugd, met een plan per seizoen.", Context: "Vrijwillig jeugdtrainer bij SV Domstad", From: "2014-08-01"},
		{Skill: "http://data.europa.eu/esco/skill/ece81686-331c-4381-bf3f-5ea610d47a7f", Statement: "Ik houd kinderen bij de sport die dreigen af te haken.", Context: "Vrijwillig jeugdtrainer bij SV Domstad", From: "2014-08-01", Until: "2024-06-30"},
	} {
		if _, err := w.AddPortfolioEntry(hctx, p.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Attach(hctx, p.ID, 0, "trainingsplan-2025.pdf", "", []byte("%PDF-1.4 trainingsplan")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.IssuePortfolio(hctx, p.ID, 1); err != nil {
		t.Fatal(err)
	}

	desk := s.Verifier(devstack.VerifierEVC).DeskURL
	do("ask for the portfolio", chromedp.Navigate(desk+"/"), chromedp.WaitVisible(css("#start")), chromedp.Click(css("#start")),
		chromedp.WaitVisible(css("#wallet-link")))
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(css("#wallet-link"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	requestPage, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	shareType(t, w, link.Value, ppp.TypePortfolio)

	do("review", chromedp.Navigate(requestPage+"&wait=1"), chromedp.WaitVisible(css("#review")))
	pc.check("verifier-evc-review", true)
	if r := text("main"); !strings.Contains(r, "Portfolio ontvangen: sportcoach") || !strings.Contains(r, "instruct in sport") ||
		!strings.Contains(r, "1 augustus 2014 – 30 juni 2024") || !strings.Contains(r, "Bestand: trainingsplan-2025.pdf") {
		t.Errorf("review page: %s", r)
	}
	do("fill in the review",
		chromedp.Click(css(`input[name="result-0"][value="proven"]`)),
		chromedp.SetValue(css("#level-0"), "4"),
		chromedp.SendKeys(css("#remark-0"), "Sterk trainingsplan."),
		chromedp.SendKeys(css("#note-0"), "Legt uit hoe hij oefeningen aanpast."),
		chromedp.Click(css(`input[name="result-1"][value="partly"]`)),
		chromedp.SetValue(css("#level-1"), "2"),
		chromedp.SendKeys(css("#assessor"), "Karin Bos"),
		chromedp.Click(css(`#review button[type="submit"]`)),
		chromedp.WaitVisible(css("#offers")),
	)
	pc.check("verifier-evc-offers", true)
	if o := text("#offers"); !strings.Contains(o, "Ervaringscertificaat: sportcoach") || !strings.Contains(o, "Vaardigheid: instruct in sport") {
		t.Errorf("offers: %s", o)
	}

	// The desks of the new issuers: their forms for the new types.
	for _, is := range []struct{ key, page, form string }{
		{devstack.IssuerUWV, "issuer-desk-uwv", "#create-leerbudget"},
		{devstack.IssuerPrimary, "issuer-desk-werkplekleren", "#create-werkplekleren"},
		{devstack.IssuerEVC, "issuer-desk-evc", "#create-ervaringscertificaat"},
	} {
		do(is.page, chromedp.Navigate(s.Issuer(is.key).DeskURL+"/"), chromedp.WaitVisible(css(is.form)))
		pc.check(is.page, true)
	}
}
