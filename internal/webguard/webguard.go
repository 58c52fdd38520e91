package webguard

import (
	"bytes"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// PageCSP is the Content-Security-Policy of pages that show images of
// their own (QR codes) and nothing else from anywhere; NoImagesCSP of
// pages without images. Neither allows scripts.
const (
	PageCSP     = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
	NoImagesCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
)

// NewServer returns the echo server of a set of pages: no banner, request
// bodies over bodyLimit ("16K", …) refused, Guard(allowedHosts, csp) on
// every request, and GET /healthz answering "ok".
func NewServer(bodyLimit string, allowedHosts []string, csp string) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.BodyLimit(bodyLimit), Guard(allowedHosts, csp))
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	return e
}

// Render executes the template name with data and answers it with code.
// The page is rendered in full before anything is written, so a template
// failure is logged and answered 500 "page error" rather than half a page.
func Render(c echo.Context, t *template.Template, log *slog.Logger, code int, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		log.Error("render", "template", name, "err", err)
		return c.String(http.StatusInternalServerError, "page error\n")
	}
	return c.HTMLBlob(code, buf.Bytes())
}

// Guard returns echo middleware that allows only requests whose Host is one
// of allowedHosts (without port), refuses non-GET/HEAD requests whose Origin
// is another host or whose Sec-Fetch-Site is neither same-origin nor none,
// and sets Cache-Control no-store, X-Frame-Options DENY, X-Content-Type-Options
// nosniff, Referrer-Policy
// same-origin (no-referrer would make browsers send "Origin: null" on the
// pages' own forms) and the given Content-Security-Policy.
func Guard(allowedHosts []string, csp string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if !slices.Contains(allowedHosts, strings.Trim(host, "[]")) {
				return c.String(http.StatusForbidden, "host not allowed\n")
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				if o := r.Header.Get("Origin"); o != "" {
					u, err := url.Parse(o)
					if err != nil || u.Host != r.Host {
						return c.String(http.StatusForbidden, "cross-origin request refused\n")
					}
				}
				if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
					return c.String(http.StatusForbidden, "cross-site request refused\n")
				}
			}
			h := c.Response().Header()
			h.Set("Cache-Control", "no-store")
			h.Set("X-Frame-Options", "DENY")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Content-Security-Policy", csp)
			return next(c)
		}
	}
}

// Lang returns "en" when the request asks for English (?lang=en or a form
// field lang=en), else "nl".
func Lang(c echo.Context) string {
	if c.QueryParam("lang") == "en" || c.FormValue("lang") == "en" {
		return "en"
	}
	return "nl"
}
