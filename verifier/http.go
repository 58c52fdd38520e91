package verifier

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// MaxBodyBytes bounds every request body (SECURITY.md F.45): a response
// with a few dozen presentations fits easily.
const MaxBodyBytes = 4 << 20

// Handler returns the verifier's HTTP handler:
//
//	GET  /health                       liveness
//	GET  /readyz                       readiness: 503 while the store cannot serve
//	GET  /metrics                      Prometheus metrics
//	GET  /.well-known/did.json         the verifier's did:web document (if it has one)
//	GET  /profiles                     [{id, title, kind, verifier}]
//	GET  /profiles/{id}                the profile document (JSON)
//	GET  /schemas/profile.json         the profile JSON Schema
//	GET  /request/{id}                 the request object (request_uri)
//	POST /request/{id}                 the same, echoing wallet_nonce (§5.10)
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

	e.GET("/health", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", v.getReady)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(v.registry, promhttp.HandlerOpts{})))
	if strings.HasPrefix(v.did, "did:web:") {
		// did:web:host → /.well-known/did.json; did:web:host:path → the
		// base URL's path + /did.json, which a proxy in front of this
		// handler maps to /did.json.
		serveDID := func(c echo.Context) error { return c.JSON(http.StatusOK, v.DIDDocument()) }
		if strings.Contains(strings.TrimPrefix(v.did, "did:web:"), ":") {
			e.GET("/did.json", serveDID)
		} else {
			e.GET("/.well-known/did.json", serveDID)
		}
	}
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
	e.GET("/request/:id", v.getRequestObject)
	e.GET(PathDone, getDone)
	e.POST("/request/:id", v.getRequestObject)
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
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.Blob(http.StatusOK, "image/png", png)
	})
	// A request is answered within handlerTimeout. The whole echo stack
	// runs inside the timeout handler's goroutine: echo's own Timeout
	// middleware ran the handler in a goroutine of its own, which raced
	// with BodyLimit putting its reader back in the pool when the
	// deadline cut in (seen under the race detector in TestF46Slowloris).
	return http.TimeoutHandler(e, handlerTimeout, `{"error":"server_error","error_description":"timeout"}`)
}

// handlerTimeout bounds the work of one request.
const handlerTimeout = 60 * time.Second

// getRequestObject is the request_uri (§5.10, RFC 9101 §5.2): GET, or
// POST with wallet_nonce and wallet_metadata (request_uri_method post),
// whose wallet_nonce the request object echoes. The answer is
// application/oauth-authz-req+jwt, never cached.
func (v *Verifier) getRequestObject(c echo.Context) error {
	req := c.Request()
	walletNonce := ""
	if req.Method == http.MethodPost {
		if !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			return ErrMalformedResponse
		}
		if err := parseForm(req); err != nil {
			return err
		}
		p, err := oid4vp.ParseRequestURIPost(req.PostForm)
		if err != nil {
			return fmt.Errorf("request_uri POST: %w", err)
		}
		walletNonce = p.WalletNonce
	}
	ro, err := v.RequestObject(req.Context(), c.Param("id"), walletNonce)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, oid4vp.MediaTypeRequestObject, []byte(ro))
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
	// Strict JSON: no duplicate members, valid UTF-8, no BOM, bounded
	// depth; and members named exactly, never case-insensitively
	// (SECURITY.md A.9, F.47).
	doc, err := strictjson.Decode(body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedResponse, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: not a JSON object", ErrMalformedResponse)
	}
	for k, val := range m {
		s, isString := val.(string)
		switch {
		case !isString:
			return fmt.Errorf("%w: member %q is not a string", ErrMalformedResponse, k)
		case k == "profile":
			in.Profile = s
		case k == "response_mode":
			in.ResponseMode = s
		case k == "redirect_uri":
			in.RedirectURI = s
		default:
			return fmt.Errorf("%w: unknown member", ErrMalformedResponse)
		}
	}
	r, err := v.CreateRequest(c.Request().Context(), in.Profile, RequestOptions{ResponseMode: in.ResponseMode, RedirectURI: in.RedirectURI})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// postResponse is the response_uri (§8.2): a form with vp_token and state,
// or with response (§8.3.1), or a wallet's error response (§8.5). It
// answers 200 with the oid4vp.ResponseURIReply (and the receipt), never
// cached.
func (v *Verifier) postResponse(c echo.Context) error {
	req := c.Request()
	if !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return ErrMalformedResponse
	}
	if err := parseForm(req); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	res, err := v.HandleResponse(req.Context(), req.PostForm)
	var er *oid4vp.ErrorResponse
	if errors.As(err, &er) {
		// The wallet declined or failed (§8.5): acknowledged; the
		// transaction stays as it is.
		return c.JSON(http.StatusOK, oid4vp.ResponseURIReply{})
	}
	if err != nil {
		return err
	}
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

// getReady answers 200 when the store can serve requests, 503 when it
// cannot (a shared database that does not answer), so that a load
// balancer sends no one to a replica that would fail them.
func (v *Verifier) getReady(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if p, ok := v.store.(Pinger); ok {
		if err := p.Ping(c.Request().Context()); err != nil {
			v.log.Warn("store unavailable", "error", err)
			return c.String(http.StatusServiceUnavailable, "store unavailable\n")
		}
	}
	return c.String(http.StatusOK, "ready\n")
}

// PathDone is the page an X.509 verifier's redirect_uri names when the
// transaction was made without one of its own (HAIP 1.0 §5).
const PathDone = "/done"

// donePage says, in plain Dutch and English, that the answer arrived and
// what happens next; it shows nothing of the answer.
const donePage = `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
	`<title>Ontvangen</title></head><body style="font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.5">` +
	`<h1>Uw gegevens zijn ontvangen</h1><p>De organisatie die erom vroeg, heeft uw antwoord gekregen. Zij laat u weten wat het besluit is. U kunt dit venster sluiten.</p>` +
	`<p lang="en">Your details were received. The organisation that asked will tell you its decision. You can close this window.</p></body></html>`

func getDone(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	return c.HTML(http.StatusOK, donePage)
}
