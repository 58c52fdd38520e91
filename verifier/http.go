package verifier

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/limits"
)

// MaxBodyBytes bounds every request body (SECURITY.md F.45): a response
// with a few dozen presentations fits easily.
const MaxBodyBytes = 4 << 20

// Handler returns the verifier's HTTP handler:
//
//	GET  /health                       liveness
//	GET  /metrics                      Prometheus metrics
//	GET  /.well-known/did.json         the verifier's did:web document
//	GET  /profiles                     [{id, title, kind, verifier}]
//	GET  /profiles/{id}                the profile document (JSON)
//	GET  /schemas/profile.json         the profile JSON Schema
//	GET  /request/{id}                 the signed request object (request_uri)
//	POST /response                     direct_post and direct_post.jwt (response_uri)
//	GET  /result/{id}?response_code=   the decision, once, for the front end
//	POST /admin/transactions           {"profile", "response_mode", "redirect_uri"} → Request
//	GET  /admin/transactions/{id}      Status (?wait=30s waits for the decision)
//	GET  /admin/transactions/{id}/qr.png  the QR code of the request
//
// Admin routes need "Authorization: Bearer <AdminToken>".
func (v *Verifier) Handler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = v.httpError
	e.Use(middleware.BodyLimit("4M"))
	e.Use(middleware.Recover())
	e.Use(middleware.TimeoutWithConfig(middleware.TimeoutConfig{Timeout: 60 * time.Second}))

	e.GET("/health", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(v.registry, promhttp.HandlerOpts{})))
	e.GET("/.well-known/did.json", func(c echo.Context) error { return c.JSON(http.StatusOK, v.DIDDocument()) })
	e.GET("/profiles", v.listProfiles)
	e.GET("/profiles/:id", func(c echo.Context) error {
		p, ok := v.profiles[c.Param("id")]
		if !ok {
			return ErrUnknownProfile
		}
		return c.JSON(http.StatusOK, p)
	})
	e.GET("/schemas/profile.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/schema+json", profile.Schema())
	})
	e.GET("/request/:id", func(c echo.Context) error {
		ro, err := v.RequestObject(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.Blob(http.StatusOK, "application/oauth-authz-req+jwt", []byte(ro))
	})
	e.POST("/response", v.postResponse)
	e.GET("/result/:id", func(c echo.Context) error {
		d, err := v.RedeemResult(c.Request().Context(), c.Param("id"), c.QueryParam("response_code"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	})
	admin := e.Group("/admin", v.requireAdmin)
	admin.POST("/transactions", v.createTransaction)
	admin.GET("/transactions/:id", func(c echo.Context) error {
		wait, _ := time.ParseDuration(c.QueryParam("wait"))
		wait = min(max(wait, 0), 55*time.Second)
		s, err := v.Result(c.Request().Context(), c.Param("id"), wait)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s)
	})
	admin.GET("/transactions/:id/qr.png", func(c echo.Context) error {
		tx, err := v.store.Transaction(c.Request().Context(), c.Param("id"))
		if err != nil || tx.Status != TxPending {
			return ErrUnknownTransaction
		}
		png, err := QRCode(v.link(tx.ID), 320)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "image/png", png)
	})
	return e
}

// link is the openid4vp:// link of a transaction.
func (v *Verifier) link(id string) string {
	return "openid4vp://?client_id=" + urlQueryEscape(v.clientID) + "&request_uri=" + urlQueryEscape(v.cfg.BaseURL+"/request/"+id)
}

func (v *Verifier) listProfiles(c echo.Context) error {
	type entry struct {
		ID       string       `json:"id"`
		Version  string       `json:"version"`
		Kind     profile.Kind `json:"kind"`
		Title    profile.Text `json:"title"`
		Verifier string       `json:"verifier,omitempty"`
	}
	out := []entry{}
	for _, p := range v.Profiles() {
		out = append(out, entry{p.ID, p.Version, p.Kind, p.Title, p.Verifier})
	}
	return c.JSON(http.StatusOK, out)
}

func (v *Verifier) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(v.cfg.AdminToken)) != 1 {
			return c.JSON(http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		}
		return next(c)
	}
}

func (v *Verifier) createTransaction(c echo.Context) error {
	var in struct {
		Profile      string `json:"profile"`
		ResponseMode string `json:"response_mode"`
		RedirectURI  string `json:"redirect_uri"`
	}
	body, err := readBody(c, limits.MaxJSONBytes)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return ErrMalformedResponse
	}
	r, err := v.CreateRequest(c.Request().Context(), in.Profile, RequestOptions{ResponseMode: in.ResponseMode, RedirectURI: in.RedirectURI})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// postResponse is the response_uri (§8.2): a form with vp_token and state,
// or with response (§8.3.1). Every parameter must appear at most once.
func (v *Verifier) postResponse(c echo.Context) error {
	req := c.Request()
	ct := req.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return ErrMalformedResponse
	}
	if err := req.ParseForm(); err != nil {
		return ErrMalformedResponse
	}
	form := req.PostForm
	for k, vals := range form {
		if len(vals) != 1 {
			return ErrMalformedResponse // a duplicate parameter (SECURITY.md F.47)
		}
		_ = k
	}
	if form.Get("error") != "" {
		// The wallet declined (§8.5): the transaction stays as it is.
		return c.JSON(http.StatusOK, map[string]string{})
	}
	res, err := v.HandleResponse(req.Context(), AuthorizationResponse{
		VPToken: form.Get("vp_token"), State: form.Get("state"), Response: form.Get("response"),
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, res)
}

// httpError writes errors as OAuth error responses: 400 invalid_request
// for what the client got wrong, 401/404/413 where they fit, 500
// otherwise; descriptions never echo input.
func (v *Verifier) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	status, code, desc := http.StatusInternalServerError, "server_error", "internal error"
	switch {
	case errors.As(err, &he):
		status, code, desc = he.Code, "invalid_request", http.StatusText(he.Code)
	case errors.Is(err, ErrUnknownProfile), errors.Is(err, ErrUnknownTransaction):
		status, code, desc = http.StatusNotFound, "invalid_request", "unknown profile or transaction"
		if c.Request().Method == http.MethodPost {
			status = http.StatusBadRequest
		}
	case errors.Is(err, ErrResponseCode):
		status, code, desc = http.StatusForbidden, "access_denied", "response code missing, wrong or already used"
	case errors.Is(err, credentials.ErrReplay):
		status, code, desc = http.StatusBadRequest, "invalid_request", "transaction already answered"
	case errors.Is(err, credentials.ErrLimit):
		status, code, desc = http.StatusRequestEntityTooLarge, "invalid_request", "too large"
	case credentials.Class(err) != nil:
		status, code, desc = http.StatusBadRequest, "invalid_request", "invalid response ("+className(err)+")"
	default:
		v.log.ErrorContext(c.Request().Context(), "request failed", "path", c.Path(), "err", err.Error())
	}
	_ = c.JSON(status, map[string]string{"error": code, "error_description": desc})
}
