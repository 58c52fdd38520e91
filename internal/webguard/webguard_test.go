package webguard_test

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/internal/webguard"
)

func TestGuard(t *testing.T) {
	e := echo.New()
	e.Use(webguard.Guard([]string{"127.0.0.1", "localhost", "::1"}, "default-src 'none'"))
	ok := func(c echo.Context) error { return c.String(http.StatusOK, webguard.Lang(c)) }
	e.GET("/", ok)
	e.POST("/", ok)
	tests := []struct {
		name, method, host, origin, site, target string
		code                                     int
		body                                     string
	}{
		{"same host GET", http.MethodGet, "127.0.0.1:8446", "", "", "/", 200, "nl"},
		{"English", http.MethodGet, "localhost:8446", "", "", "/?lang=en", 200, "en"},
		{"IPv6 loopback", http.MethodGet, "[::1]:8446", "", "", "/", 200, "nl"},
		{"DNS rebinding host", http.MethodGet, "evil.example:8446", "", "", "/", 403, ""},
		{"same-origin POST", http.MethodPost, "127.0.0.1:8446", "http://127.0.0.1:8446", "same-origin", "/", 200, "nl"},
		{"POST without Origin", http.MethodPost, "127.0.0.1:8446", "", "", "/", 200, "nl"},
		{"cross-origin POST", http.MethodPost, "127.0.0.1:8446", "http://evil.example", "", "/", 403, ""},
		{"other port is another origin", http.MethodPost, "127.0.0.1:8446", "http://127.0.0.1:9999", "", "/", 403, ""},
		{"cross-site POST", http.MethodPost, "127.0.0.1:8446", "", "cross-site", "/", 403, ""},
		{"null Origin", http.MethodPost, "127.0.0.1:8446", "null", "", "/", 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.Host = tc.host
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if tc.site != "" {
				r.Header.Set("Sec-Fetch-Site", tc.site)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if w.Code != tc.code || (tc.body != "" && w.Body.String() != tc.body) {
				t.Fatalf("got %d %q, want %d %q", w.Code, w.Body.String(), tc.code, tc.body)
			}
			if w.Code == 200 {
				for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'", "Referrer-Policy": "same-origin"} {
					if got := w.Header().Get(h); got != want {
						t.Errorf("%s = %q, want %q", h, got, want)
					}
				}
			}
		})
	}
}

// TestNewServerAndRender: the pages' server answers /healthz, refuses a
// body over its limit and a foreign Host, sets the CSP; Render answers a
// whole page, or on a template failure a 500 without half a page.
func TestNewServerAndRender(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(`{{define "ok.html"}}<p>{{.Name}}</p>{{end}}{{define "broken.html"}}<p>start {{.Name.Missing}}</p>{{end}}`))
	log := slog.New(slog.DiscardHandler)
	e := webguard.NewServer("1K", []string{"127.0.0.1"}, webguard.PageCSP)
	e.GET("/ok", func(c echo.Context) error {
		return webguard.Render(c, tmpl, log, http.StatusTeapot, "ok.html", map[string]any{"Name": "<b>"})
	})
	e.GET("/broken", func(c echo.Context) error {
		return webguard.Render(c, tmpl, log, http.StatusOK, "broken.html", map[string]any{"Name": "x"})
	})
	e.POST("/post", func(c echo.Context) error { return c.String(http.StatusOK, "took it") })
	tests := []struct {
		name, method, host, target, body string
		code                             int
		want                             string
	}{
		{"health", http.MethodGet, "127.0.0.1", "/healthz", "", 200, "ok\n"},
		{"page, escaped", http.MethodGet, "127.0.0.1", "/ok", "", http.StatusTeapot, "<p>&lt;b&gt;</p>"},
		{"template failure", http.MethodGet, "127.0.0.1", "/broken", "", 500, "page error\n"},
		{"body within the limit", http.MethodPost, "127.0.0.1", "/post", strings.Repeat("a", 1000), 200, "took it"},
		{"body over the limit", http.MethodPost, "127.0.0.1", "/post", strings.Repeat("a", 2000), http.StatusRequestEntityTooLarge, ""},
		{"foreign host", http.MethodGet, "evil.example", "/healthz", "", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			req.Host = tt.host
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.code {
				t.Fatalf("code %d, want %d (%s)", rec.Code, tt.code, rec.Body)
			}
			if tt.want != "" && rec.Body.String() != tt.want {
				t.Fatalf("body %q, want %q", rec.Body, tt.want)
			}
			if tt.code != 403 && tt.code != http.StatusRequestEntityTooLarge && rec.Header().Get("Content-Security-Policy") != webguard.PageCSP {
				t.Fatalf("CSP %q", rec.Header().Get("Content-Security-Policy"))
			}
		})
	}
}
