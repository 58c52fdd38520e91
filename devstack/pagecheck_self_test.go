package devstack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The page checks of TestBrowser can fail: a page that is too wide for a
// phone, has an image without text and shows a DID is caught by each.
func TestPageChecksCatchProblems(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no Chromium at %s (apt-get install -y chromium): skipped", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	const bad = `<!doctype html><html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>fout</title></head>
<body><main><h1>Verzoek van did:web:example.org</h1><table><tr><td style="white-space:nowrap">` +
		`een hele lange regel tekst die op een telefoon echt niet past zonder te scrollen, echt niet</td></tr></table>
<input type="image" src="x.png"></main></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(bad))
	}))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	c := &pageChecker{t: t, ctx: ctx, shots: t.TempDir(), axe: loadAxe(t), seen: map[string]bool{}}
	c.check("bad", true)
	got := map[string]bool{}
	for _, f := range c.found {
		got[f.check] = true
	}
	want := []string{"overflow phone", "plain"}
	if c.axe != "" {
		want = append(want, "axe input-image-alt")
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("check %q did not catch the bad page; found %+v", w, c.found)
		}
	}
	if got["overflow desktop"] {
		t.Errorf("the page fits a laptop, yet: %+v", c.found)
	}
}
