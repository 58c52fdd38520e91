package webguard_test

import (
	"net/http"
	"net/http/httptest"
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
				for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Content-Security-Policy": "default-src 'none'", "Referrer-Policy": "same-origin"} {
					if got := w.Header().Get(h); got != want {
						t.Errorf("%s = %q, want %q", h, got, want)
					}
				}
			}
		})
	}
}
