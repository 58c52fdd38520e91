package web_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, as in devstack's browser test.
const chromiumPath = "/usr/bin/chromium"

// The "Besluiten" pages in Chromium: on a 390×844 phone and a 1280×800
// desktop, the list and a decision fit the window without horizontal
// scrolling (the requirement and module tables stack into rows), and
// "Controleer handtekening" shows that the signature holds.
func TestDecisionPagesInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (apt-get install -y chromium): browser test skipped", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	base, id := decisionDesk(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#passphrase")),
		chromedp.SendKeys(chromedp.CSS("#passphrase"), pass),
		chromedp.Click(chromedp.CSS("#unlock")),
		chromedp.WaitVisible(chromedp.CSS("#lock")),
	); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	for _, size := range [][2]int64{{390, 844}, {1280, 800}} {
		for _, path := range []string{"/decisions", "/decisions/" + id, "/decisions/" + id + "?lang=en"} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
				t.Fatalf("%s at %d px: %v", path, size[0], err)
			}
			fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
			if err != nil || !fits {
				w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
				t.Errorf("%s at %d px: %d px wide (%v)", path, size[0], w, err)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/decisions/"+id),
		chromedp.Click(chromedp.CSS("#check")), chromedp.WaitVisible(chromedp.CSS("#check-result"))); err != nil {
		t.Fatalf("check: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#check-result")))
	if err != nil || len(msg) < 20 || msg[:19] != "Handtekening klopt:" {
		t.Fatalf("check result %q, %v", msg, err)
	}
}
