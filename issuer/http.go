package issuer

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/serve"
)

// Body limits of the HTTP layer (SECURITY.md F.45).
const (
	publicBodyLimit = "256K"
	adminBodyLimit  = "1M"
	bulkBodyLimit   = "16M"
)

// Handler returns the issuer's HTTP handler: the OpenID4VCI endpoints and
// well-known documents under the issuer URL's path, the admin API under
// <path>/admin (bearer admin token), and /healthz, /readyz and /metrics.
func (is *Issuer) Handler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = is.httpError
	e.Use(middleware.Recover(), is.observe)
	p := is.path

	pub := e.Group("", middleware.BodyLimit(publicBodyLimit))
	pub.GET(oid4vci.WellKnownIssuer+p, is.getIssuerMetadata)
	pub.GET(oid4vci.WellKnownAuthorizationServer+p, is.getASMetadata)
	pub.GET("/.well-known/jwt-vc-issuer"+p, is.getJWTVCIssuer)
	if p == "" {
		pub.GET("/.well-known/did.json", is.getDIDDocument)
	} else {
		pub.GET(p+"/did.json", is.getDIDDocument)
	}
	pub.GET(p+"/jwks.json", is.getJWKS)
	pub.POST(p+"/token", is.postToken)
	pub.POST(p+"/par", is.postPAR)
	pub.GET(p+"/authorize", is.getAuthorize)
	pub.POST(p+"/authorize", is.postAuthorize)
	pub.POST(p+"/nonce", is.postNonce)
	pub.POST(p+"/credential", is.postCredential)
	pub.GET(p+"/offers/:id", is.getOffer)
	pub.GET(p+"/status/:list", is.getStatusList)
	pub.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	pub.GET("/readyz", is.getReady)
	pub.GET("/metrics", echo.WrapHandler(is.metrics.handler()))

	admin := e.Group(p+"/admin", is.requireAdmin)
	admin.POST("/offers", is.postOffer, middleware.BodyLimit(adminBodyLimit))
	admin.POST("/offers/bulk", is.postBulkOffers, middleware.BodyLimit(bulkBodyLimit))
	admin.GET("/credentials", is.getCredentials)
	admin.GET("/credentials/:id", is.getCredential)
	admin.POST("/credentials/:id/revoke", is.statusHandler(StatusRevoked), middleware.BodyLimit(adminBodyLimit))
	admin.POST("/credentials/:id/suspend", is.statusHandler(StatusSuspended), middleware.BodyLimit(adminBodyLimit))
	admin.POST("/credentials/:id/reinstate", is.statusHandler(StatusValid), middleware.BodyLimit(adminBodyLimit))
	admin.POST("/keys/rotate", is.postRotateKey, middleware.BodyLimit(adminBodyLimit))
	return e
}

// observe records latency per route and logs each request without its
// query, headers or body.
func (is *Issuer) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		code := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		is.metrics.httpDuration.WithLabelValues(route, strconv.Itoa(code)).Observe(d.Seconds())
		is.log.Debug("http request", "method", c.Request().Method, "route", route, "status", code, "duration_ms", d.Milliseconds())
		return nil
	}
}

// httpError writes echo's own errors (404, 405, 413 from BodyLimit) as
// JSON error responses.
func (is *Issuer) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "server_error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		msg = strings.ToLower(strings.ReplaceAll(http.StatusText(code), " ", "_"))
	} else {
		is.log.Error("request failed", "route", c.Path(), "error", err)
	}
	_ = c.JSON(code, map[string]string{"error": msg})
}

func noStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
}

// getIssuerMetadata answers the metadata as JSON, or, when the wallet
// asks for application/jwt and the issuer signs with an x5c chain, as
// signed metadata (VCI §12.2.2, §12.2.3; HAIP 1.0 §4.1), valid for a day.
// The Content-Type says which (VCI §12.2.2: the issuer MUST indicate it).
func (is *Issuer) getIssuerMetadata(c echo.Context) error {
	c.Response().Header().Add("Vary", "Accept")
	if len(is.certificateChain()) > 0 && acceptsJWT(c.Request().Header.Values("Accept")) {
		tok, err := oid4vci.SignMetadata(is.signingKey(), is.certificateChain(), is.Metadata(), is.now(), 24*time.Hour)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, oid4vci.MediaTypeJWT, []byte(tok))
	}
	return c.JSON(http.StatusOK, is.Metadata())
}

// acceptsJWT reports whether an Accept header names application/jwt with
// a quality above 0.
func acceptsJWT(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(mt), oid4vci.MediaTypeJWT) {
				continue
			}
			q := strings.TrimSpace(params)
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				continue
			}
			return true
		}
	}
	return false
}

func (is *Issuer) getASMetadata(c echo.Context) error {
	return c.JSON(http.StatusOK, is.AuthorizationServerMetadata())
}

func (is *Issuer) getJWTVCIssuer(c echo.Context) error {
	return c.JSON(http.StatusOK, is.JWTVCIssuerMetadata())
}

func (is *Issuer) getJWKS(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/jwk-set+json")
	return c.JSON(http.StatusOK, is.JWKS())
}

func (is *Issuer) getDIDDocument(c echo.Context) error {
	b, err := is.DIDDocument().MarshalJSON()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/did+json", b)
}

func (is *Issuer) getReady(c echo.Context) error {
	if err := is.store.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "store unavailable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

// oauthError writes an OAuth/VCI error response: 401 with WWW-Authenticate
// for invalid_token (RFC 6750 §3), 500 for errors of no class (storage),
// 400 otherwise.
//
// DPoP errors (RFC 9449): invalid_dpop_proof and use_dpop_nonce carry a
// fresh server nonce in the DPoP-Nonce header; at the token and PAR
// endpoints they are 400 with a JSON body (§5, §8), at the credential
// endpoint (a protected resource) 401 with a DPoP WWW-Authenticate
// challenge (§7.1, §9).
func (is *Issuer) oauthError(c echo.Context, err error) error {
	noStore(c)
	if errors.Is(err, ErrInvalidClient) {
		// RFC 6749 §5.2: invalid_client, here 401 as the client tried to
		// authenticate by headers.
		return c.JSON(http.StatusUnauthorized, oid4vci.ErrorResponse{Error: oid4vci.CodeInvalidClient, Description: oid4vci.SanitizeDescription(err.Error())})
	}
	if errors.Is(err, dpop.ErrUseNonce) || errors.Is(err, dpop.ErrInvalidProof) {
		code := dpop.CodeInvalidProof
		if errors.Is(err, dpop.ErrUseNonce) {
			code = dpop.CodeUseNonce
		}
		c.Response().Header().Set(dpop.NonceHeader, is.DPoPNonce())
		resp := oid4vci.ErrorResponse{Error: oid4vci.ErrorCode(code), Description: oid4vci.SanitizeDescription(err.Error())}
		if is.trimPath(c.Path()) == "/credential" {
			c.Response().Header().Set("WWW-Authenticate", `DPoP error="`+code+`", algs="`+is.dpopAlgs()+`"`)
			return c.JSON(http.StatusUnauthorized, resp)
		}
		return c.JSON(http.StatusBadRequest, resp)
	}
	if credentials.Class(err) == nil && !errors.Is(err, oid4vci.ErrInvalidGrant) {
		is.log.Error("request failed", "route", c.Path(), "error", err)
		return c.JSON(http.StatusInternalServerError, map[string]string{"error": "server_error"})
	}
	resp := oid4vci.NewErrorResponse(err)
	if resp.Error == oid4vci.CodeInvalidToken {
		h := c.Response().Header()
		if !is.cfg.RequireDPoP {
			h.Add("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		h.Add("WWW-Authenticate", `DPoP error="invalid_token", algs="`+is.dpopAlgs()+`"`)
		return c.JSON(http.StatusUnauthorized, resp)
	}
	return c.JSON(http.StatusBadRequest, resp)
}

func (is *Issuer) postToken(c echo.Context) error {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationForm) {
		return is.oauthError(c, oid4vci.ErrInvalidRequest)
	}
	if err := r.ParseForm(); err != nil {
		return is.oauthError(c, oid4vci.ErrInvalidRequest)
	}
	resp, err := is.TokenWithHeaders(r.Context(), r.PostForm, r.Header)
	if err != nil {
		return is.oauthError(c, err)
	}
	noStore(c)
	c.Response().Header().Set(dpop.NonceHeader, is.DPoPNonce())
	return c.JSON(http.StatusOK, resp)
}

// postNonce is the Nonce Endpoint (VCI §7): not a protected resource, so
// an Authorization or DPoP header is neither needed nor checked. It
// provides a DPoP server nonce too (VCI §7.2, RFC 9449 §8.2).
func (is *Issuer) postNonce(c echo.Context) error {
	resp, err := is.Nonce(c.Request().Context())
	if err != nil {
		return err
	}
	noStore(c)
	c.Response().Header().Set(dpop.NonceHeader, is.DPoPNonce())
	return c.JSON(http.StatusOK, resp)
}

func (is *Issuer) dpopAlgs() string {
	s := make([]string, len(is.cfg.DPoPAlgs))
	for i, a := range is.cfg.DPoPAlgs {
		s[i] = string(a)
	}
	return strings.Join(s, " ")
}

// bearer returns the access token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get(echo.HeaderAuthorization)
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(h[7:])
}

func (is *Issuer) postCredential(c echo.Context) error {
	r := c.Request()
	access := ParseAuthorization(r.Header.Get(echo.HeaderAuthorization))
	if access.Token == "" {
		return is.oauthError(c, oid4vci.ErrInvalidToken)
	}
	access.DPoP = r.Header.Values(dpop.Header)
	if ct := r.Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return is.oauthError(c, oid4vci.ErrInvalidCredentialRequest)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	resp, err := is.CredentialAccess(r.Context(), access, body)
	if err != nil {
		return is.oauthError(c, err)
	}
	noStore(c)
	if access.Scheme == dpop.Scheme {
		c.Response().Header().Set(dpop.NonceHeader, is.DPoPNonce())
	}
	return c.JSON(http.StatusOK, resp)
}

func (is *Issuer) getOffer(c echo.Context) error {
	obj, err := is.OfferObject(c.Request().Context(), c.Param("id"))
	if errors.Is(err, ErrUnknownOffer) {
		return c.JSON(http.StatusNotFound, map[string]string{"error": "not_found"})
	}
	if err != nil {
		return err
	}
	noStore(c)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, obj)
}

func (is *Issuer) getStatusList(c echo.Context) error {
	list, err := strconv.Atoi(c.Param("list"))
	if err != nil || list < 1 {
		return c.JSON(http.StatusNotFound, map[string]string{"error": "not_found"})
	}
	tok, err := is.StatusListToken(c.Request().Context(), list)
	if errors.Is(err, ErrUnknownStatusList) {
		return c.JSON(http.StatusNotFound, map[string]string{"error": "not_found"})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "max-age="+strconv.Itoa(int(is.cfg.StatusListTTL/time.Second/2)))
	return c.Blob(http.StatusOK, statuslist.MediaType, []byte(tok))
}

// requireAdmin checks the admin bearer token in constant time.
func (is *Issuer) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		got := sha256.Sum256([]byte(bearer(c.Request())))
		if subtle.ConstantTimeCompare(got[:], is.adminHash[:]) != 1 {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="paspoort-issuer-admin"`)
			return c.JSON(http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		}
		return next(c)
	}
}

// Serve serves Handler on ln until ctx ends, then shuts down gracefully
// (in-flight requests get up to 15 s). With Config.TLS it speaks TLS. The
// server has header, read, write and idle timeouts (SECURITY.md F.46).
func (is *Issuer) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           is.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(is.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if is.cfg.TLS != nil {
		ln = tls.NewListener(ln, is.cfg.TLS)
	}
	return serve.Run(ctx, srv, ln, serve.Options{Grace: 15 * time.Second})
}
