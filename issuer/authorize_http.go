package issuer

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/page"
)

//go:embed templates/authorize.html
var authFS embed.FS

func parseAuthPage() (*template.Template, error) {
	return page.Parse(page.Issuer, authFS, nil, "templates/authorize.html")
}

// authPageCSP lets the page use its inline style only; no scripts, no
// frames (against clickjacking of the consent button).
const authPageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"

func (is *Issuer) postPAR(c echo.Context) error {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationForm) {
		return is.oauthError(c, oid4vci.ErrInvalidRequest)
	}
	if err := r.ParseForm(); err != nil {
		return is.oauthError(c, oid4vci.ErrInvalidRequest)
	}
	resp, err := is.PushAuthorizationRequest(r.Context(), r.PostForm, r.Header)
	if err != nil {
		return is.oauthError(c, err)
	}
	noStore(c)
	return c.JSON(http.StatusCreated, resp)
}

type authPageData struct {
	Lang, OtherLang, OtherLangURL, Org string
	T                                  map[string]string
	Action, ClientID, RequestURI       string
	RedirectURI                        string
	Types                              []string
	AskCode, Numeric, Wrong            bool
	CodeHint                           string
	CodeLength, AttemptsLeft           int
	Message, Next                      string
}

func authLang(c echo.Context) string {
	if l := c.QueryParam("lang"); l == "en" {
		return "en"
	}
	if l := c.FormValue("lang"); l == "en" {
		return "en"
	}
	return "nl"
}

func (is *Issuer) authData(c echo.Context) authPageData {
	lang := authLang(c)
	other := "en"
	if lang == "en" {
		other = "nl"
	}
	org := is.cfg.Name[lang]
	if org == "" {
		for _, l := range sortedKeys(is.cfg.Name) {
			org = is.cfg.Name[l]
			break
		}
	}
	q := c.Request().URL.Query()
	q.Set("lang", other)
	return authPageData{Lang: lang, OtherLang: other, OtherLangURL: "?" + q.Encode(), Org: org, T: authTexts[lang], Action: is.path + "/authorize"}
}

func (is *Issuer) renderAuth(c echo.Context, code int, name string, d authPageData) error {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", authPageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	noStore(c)
	var buf bytes.Buffer
	if err := is.authPage.ExecuteTemplate(&buf, name, d); err != nil {
		is.log.Error("render authorization page", "error", err)
		return c.String(http.StatusInternalServerError, "error\n")
	}
	return c.HTMLBlob(code, buf.Bytes())
}

func (is *Issuer) fillView(d *authPageData, v *AuthView) {
	d.ClientID, d.RedirectURI = v.ClientID, v.RedirectURI
	for _, name := range v.Types {
		if t, ok := ppp.Lookup(name); ok {
			d.Types = append(d.Types, t.Display[d.Lang].Name)
		}
	}
	if v.TxCode != nil {
		d.AskCode, d.CodeHint, d.CodeLength = true, v.TxCode.Description, v.TxCode.Length
		d.Numeric = v.TxCode.InputMode != oid4vci.InputModeText
		d.AttemptsLeft = v.AttemptsLeft
	}
}

// authErrorPage shows a refusal in plain words and what to do next.
func (is *Issuer) authErrorPage(c echo.Context, err error) error {
	d := is.authData(c)
	code := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrOfferLocked):
		d.Message, d.Next = d.T["locked"], d.T["ask_new"]
	case errors.Is(err, ErrAuthRequestExpired):
		d.Message, d.Next = d.T["expired"], d.T["again"]
	case errors.Is(err, ErrAuthRequestUsed):
		d.Message, d.Next = d.T["used"], d.T["again"]
	case errors.Is(err, ErrAuthRequestUnknown):
		d.Message, d.Next = d.T["unknown"], d.T["again"]
	default:
		is.log.Error("authorization failed", "error", err)
		code = http.StatusInternalServerError
		d.Message, d.Next = d.T["failed"], d.T["later"]
	}
	return is.renderAuth(c, code, "authorize-error", d)
}

// getAuthorize is the authorization endpoint (RFC 6749 §3.1): it takes
// client_id and request_uri of a pushed request only (RFC 9126 §4) and
// shows the authorization page.
func (is *Issuer) getAuthorize(c echo.Context) error {
	q := c.Request().URL.Query()
	v, err := is.OpenAuthorization(c.Request().Context(), q.Get("client_id"), q.Get("request_uri"))
	if err != nil {
		return is.authErrorPage(c, err)
	}
	d := is.authData(c)
	d.RequestURI = q.Get("request_uri")
	is.fillView(&d, v)
	return is.renderAuth(c, http.StatusOK, "authorize", d)
}

// postAuthorize takes the page's answer and redirects to the wallet (303,
// so the browser follows with GET).
func (is *Issuer) postAuthorize(c echo.Context) error {
	r := c.Request()
	if err := r.ParseForm(); err != nil {
		return is.authErrorPage(c, ErrAuthRequestUnknown)
	}
	f := r.PostForm
	redirect, err := is.Authorize(r.Context(), f.Get("client_id"), f.Get("request_uri"), f.Get("tx_code"), f.Get("decision") == "allow")
	var ae *AuthorizationError
	if errors.As(err, &ae) {
		d := is.authData(c)
		d.RequestURI, d.Wrong = f.Get("request_uri"), true
		is.fillView(&d, ae.View)
		return is.renderAuth(c, http.StatusBadRequest, "authorize", d)
	}
	if err != nil {
		return is.authErrorPage(c, err)
	}
	noStore(c)
	if _, perr := url.Parse(redirect); perr != nil {
		return is.authErrorPage(c, perr)
	}
	return c.Redirect(http.StatusSeeOther, redirect)
}
