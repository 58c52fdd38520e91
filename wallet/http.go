package wallet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/internal/serve"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Body limits of the HTTP API (SECURITY.md F.45): echo's BodyLimit (which
// checks Content-Length and the bytes actually read), and readBody again.
const (
	apiBodyLimit   = 64 << 10
	matchBodyLimit = profile.MaxDocumentSize
)

// Handler returns the wallet's HTTP API. Every response is JSON with
// Cache-Control: no-store; errors are {"error", "error_description"} with
// the error class of package credentials in "class" where one applies.
//
//	GET    /healthz                           "ok"
//	POST   /api/unlock                        {"passphrase"[,"owner_code"]} → session cookie, {"wallet_id","csrf_token","idle_timeout","credentials"}
//	GET    /api/session                       {"wallet_id","csrf_token","idle_timeout","expires_at"}
//	POST   /api/lock                          lock the wallet, end every session
//	GET    /api/credentials[?offline=true]    my paspoort: {"groups":[Group…],"count"}
//	GET    /api/credentials/{id}[?offline=…]  Summary and "claims"
//	DELETE /api/credentials/{id}              delete a credential and its keys
//	POST   /api/offers                        {"offer_uri"} → {"id", Offer}: who offers what, tx_code needed?
//	POST   /api/offers/{id}/accept            {"tx_code","copies"} → {"credentials":[Summary…]}
//	POST   /api/offers/{id}/decline           forget the offer
//	POST   /api/presentations                 {"request_uri"} → {"id", PresentationRequest}: verifier, claims per credential
//	POST   /api/presentations/{id}/consent    {"selection":{query id:[credential id…]},"include":[query id…]} → PresentResult
//	POST   /api/presentations/{id}/decline    tell the verifier access_denied
//	GET    /api/history                       [Presentation…]
//	GET    /api/decisions                     [Presentation…] with a verified decision, newest first
//	GET    /api/decisions/{id}                one of them ({id} or a unique prefix of it)
//	POST   /api/decisions/{id}/verify         re-check its signature offline → {"valid":true,…}; tampered: 422 class SIG
//	POST   /api/match                         a requirement profile (JSON or YAML) → its evaluation, offline
//
// Protection, in the order applied:
//
//  1. Host allow-list (ServerConfig.AllowedHosts): a request whose Host
//     header names another host is refused (403 host_not_allowed), so a
//     DNS-rebinding page cannot talk to the API under its own origin.
//  2. Origin check on every state-changing request (POST, PUT, PATCH,
//     DELETE), unlock included: an Origin header, when present, must be
//     this server's own origin, and Sec-Fetch-Site, when present, must be
//     same-origin or none (403 cross_origin).
//  3. Session: an HttpOnly, SameSite=Strict cookie holding a 256-bit
//     token (only its hash is kept), ending after ServerConfig.IdleTimeout
//     without a request; when the last session ends the wallet is locked.
//  4. CSRF token: a per-session synchronizer token (not a cookie), given by
//     unlock and GET /api/session, that every state-changing request must
//     send in the X-CSRF-Token header (403 csrf). A cross-site page can
//     neither read it nor send the header without a CORS preflight, which
//     this server never grants.
//  5. Bodies must be application/json (the profile of /api/match may be
//     YAML), within the body limits.
//
// Unlock attempts are serialised (argon2id memory) and, after three
// failures, each waits for a delay doubling from 1 s to 5 minutes (429).
func (s *Server) Handler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.httpError
	e.Use(middleware.Recover(), s.observe, s.guard)
	lim := middleware.BodyLimit(strconv.Itoa(apiBodyLimit/1024) + "K")
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.POST("/api/unlock", s.postUnlock, lim)

	api := e.Group("/api", s.requireSession)
	api.GET("/session", s.getSession)
	api.POST("/lock", s.postLock, lim)
	api.GET("/credentials", s.getCredentials)
	api.GET("/credentials/:id", s.getCredential)
	api.DELETE("/credentials/:id", s.deleteCredential, lim)
	api.POST("/offers", s.postOffer, lim)
	api.POST("/offers/:id/accept", s.postOfferAccept, lim)
	api.POST("/offers/:id/decline", s.postOfferDecline, lim)
	api.POST("/presentations", s.postPresentation, lim)
	api.POST("/presentations/:id/consent", s.postConsent, lim)
	api.POST("/presentations/:id/decline", s.postPresentationDecline, lim)
	api.GET("/history", s.getHistory)
	api.GET("/decisions", s.getDecisions)
	api.GET("/decisions/:id", s.getDecision)
	api.POST("/decisions/:id/verify", s.postDecisionVerify, lim)
	api.POST("/match", s.postMatch, middleware.BodyLimit(strconv.Itoa(matchBodyLimit/1024)+"K"))
	return e
}

// Serve serves Handler on ln until ctx ends, then shuts down gracefully
// (in-flight requests get up to 15 s) and locks the wallet. Meanwhile it
// ends idle sessions even when no request comes, and runs the store's
// garbage collection when the store has one (BadgerStore.Run). The server
// has header, read, write and idle timeouts (SECURITY.md F.46).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	defer s.Lock()
	s.mu.Lock()
	s.rotateOwnerCodeLocked()
	s.mu.Unlock()
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // receive and present wait on issuers and verifiers
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	gcCtx, stopGC := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopGC()
	if r, ok := s.store.(interface{ Run(context.Context) error }); ok {
		wg.Go(func() { _ = r.Run(gcCtx) })
	}
	return serve.Run(ctx, srv, ln, serve.Options{
		Grace: 15 * time.Second,
		Every: max(min(s.cfg.IdleTimeout/4, 30*time.Second), 10*time.Millisecond), Tick: s.expire,
	})
}

// API errors that only the HTTP layer raises.
var (
	errHostNotAllowed = credentials.NewError(credentials.ErrFormat, "wallet: host not allowed")
	errCrossOrigin    = credentials.NewError(credentials.ErrFormat, "wallet: cross-origin request refused")
	errCSRF           = credentials.NewError(credentials.ErrFormat, "wallet: missing or wrong CSRF token")
	errBadRequest     = credentials.NewError(credentials.ErrFormat, "wallet: malformed request")
	errMediaType      = credentials.NewError(credentials.ErrFormat, "wallet: unsupported content type")
)

// apiError is the body of an error response.
type apiError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	Class       string `json:"class,omitempty"`
}

// errorStatus maps an error to its status and code.
func errorStatus(err error) (int, string) {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		return he.Code, strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_"))
	case errors.Is(err, errHostNotAllowed):
		return http.StatusForbidden, "host_not_allowed"
	case errors.Is(err, errCrossOrigin):
		return http.StatusForbidden, "cross_origin"
	case errors.Is(err, errCSRF):
		return http.StatusForbidden, "csrf"
	case errors.Is(err, errMediaType):
		return http.StatusUnsupportedMediaType, "unsupported_media_type"
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "invalid_request"
	case errors.Is(err, ErrLocked), errors.Is(err, ErrClosed):
		return http.StatusUnauthorized, "locked"
	case errors.Is(err, ErrWrongPassphrase):
		return http.StatusUnauthorized, "wrong_passphrase"
	case errors.Is(err, ErrTooManyAttempts):
		return http.StatusTooManyRequests, "too_many_attempts"
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ErrTxCodeRequired):
		return http.StatusBadRequest, "tx_code_required"
	case errors.Is(err, ErrSelection):
		return http.StatusBadRequest, "invalid_selection"
	case errors.Is(err, ErrNotSatisfiable):
		return http.StatusConflict, "not_satisfiable"
	case errors.Is(err, credentials.ErrFetch):
		return http.StatusBadGateway, "fetch_failed"
	case credentials.Class(err) != nil:
		// a refused offer, request, credential or profile
		return http.StatusUnprocessableEntity, "rejected"
	}
	return http.StatusInternalServerError, "server_error"
}

// httpError writes every error as an apiError. The description goes to the
// holder's own browser only; the log gets the route, code and class, never
// the description (which may name what a credential holds).
func (s *Server) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, name := errorStatus(err)
	body := apiError{Error: name, Class: credentials.ClassName(err)}
	var he *echo.HTTPError
	if code < 500 && !errors.As(err, &he) {
		body.Description = err.Error()
	}
	if code >= 500 && code != http.StatusBadGateway {
		s.cfg.Logger.Error("request failed", "route", c.Path(), "error_type", errorType(err))
	}
	if code == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "1")
	}
	_ = c.JSON(code, body)
}

// errorType names the innermost error's type for the log, not its text.
func errorType(err error) string {
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return fmt.Sprintf("%T", err)
}

// observe logs each request: method, route pattern, status and duration;
// never the path's ids, the query, headers or body.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.cfg.Logger.Debug("http request", "method", c.Request().Method, "route", route,
			"status", c.Response().Status, "duration_ms", time.Since(start).Milliseconds())
		return nil
	}
}

// guard sets the security headers of every response and applies the host
// allow-list and, on state-changing requests, the origin check.
func (s *Server) guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		r := c.Request()
		if !s.hostAllowed(r.Host) {
			return errHostNotAllowed
		}
		if stateChanging(r.Method) {
			if err := s.checkOrigin(r); err != nil {
				return err
			}
		}
		return next(c)
	}
}

func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	for _, a := range s.cfg.AllowedHosts {
		if host == a {
			return true
		}
	}
	return false
}

// checkOrigin refuses a request that a browser marks as coming from another
// origin.
func (s *Server) checkOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		scheme := "http://"
		if s.cfg.SecureCookie || r.TLS != nil {
			scheme = "https://"
		}
		if !strings.EqualFold(o, scheme+r.Host) {
			return errCrossOrigin
		}
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return nil
	}
	return errCrossOrigin
}

// readBody reads a request body of an allowed media type, at most max
// bytes. An empty body is allowed and returned as nil.
func readBody(c echo.Context, max int64, types ...string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, max+1))
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, errBadRequest
	}
	if int64(len(b)) > max {
		return nil, echo.ErrStatusRequestEntityTooLarge
	}
	if len(b) == 0 {
		return nil, nil
	}
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get("Content-Type"))
	if err != nil {
		return nil, errMediaType
	}
	for _, t := range types {
		if mt == t {
			return b, nil
		}
	}
	return nil, errMediaType
}

// bindJSON decodes a JSON body strictly (no duplicate members) into v; an
// empty body leaves v as it is.
func bindJSON(c echo.Context, v any) error {
	b, err := readBody(c, apiBodyLimit, echo.MIMEApplicationJSON)
	if err != nil || b == nil {
		return err
	}
	defer clear(b)
	if err := strictjson.Unmarshal(b, v); err != nil {
		return errors.Join(errBadRequest, err)
	}
	return nil
}
