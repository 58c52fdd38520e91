package walletprovider

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Paths of the endpoints.
const (
	PathWalletAttestation = "/wallet-attestation"
	PathKeyAttestation    = "/key-attestation"
)

// bodyLimit bounds a request: MaxAttestedKeys proofs of about 700 bytes.
const bodyLimit = "96K"

// WalletAttestationRequest and the responses are the endpoints' JSON.
type WalletAttestationRequest struct {
	Proof string `json:"proof"`
}

// WalletAttestationResponse answers POST /wallet-attestation.
type WalletAttestationResponse struct {
	WalletAttestation string `json:"wallet_attestation"`
}

// KeyAttestationRequest is the body of POST /key-attestation.
type KeyAttestationRequest struct {
	Proofs []string `json:"proofs"`
	Nonce  string   `json:"nonce,omitempty"`
}

// KeyAttestationResponse answers POST /key-attestation.
type KeyAttestationResponse struct {
	KeyAttestation string `json:"key_attestation"`
}

// Handler returns the provider's echo server: the two endpoints above and
// GET /healthz. Errors are OAuth-style JSON ({"error": "invalid_proof" |
// "invalid_request", "error_description": …}); no token or key is logged.
func (p *Provider) Handler(log *slog.Logger) *echo.Echo {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover(), middleware.BodyLimit(bodyLimit))
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		code, desc := http.StatusInternalServerError, "internal error"
		if errors.As(err, &he) {
			code, desc = he.Code, http.StatusText(he.Code)
		}
		if code >= 500 {
			log.Error("wallet provider", "err", err)
		}
		_ = c.JSON(code, map[string]string{"error": "server_error", "error_description": desc})
	}
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.POST(PathWalletAttestation, func(c echo.Context) error {
		var req WalletAttestationRequest
		if err := decode(c, &req); err != nil {
			return answerError(c, err)
		}
		tok, err := p.WalletAttestation(req.Proof)
		if err != nil {
			return answerError(c, err)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, WalletAttestationResponse{WalletAttestation: tok})
	})
	e.POST(PathKeyAttestation, func(c echo.Context) error {
		var req KeyAttestationRequest
		if err := decode(c, &req); err != nil {
			return answerError(c, err)
		}
		tok, err := p.KeyAttestation(req.Proofs, req.Nonce)
		if err != nil {
			return answerError(c, err)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, KeyAttestationResponse{KeyAttestation: tok})
	})
	return e
}

// errBadRequest is a body that is not the endpoint's JSON.
var errBadRequest = credentials.NewError(credentials.ErrFormat, "invalid_request")

func decode(c echo.Context, v any) error {
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return errBadRequest
	}
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return errBadRequest
	}
	if err := strictjson.Unmarshal(b, v); err != nil {
		return errBadRequest
	}
	return nil
}

// answerError answers 400 with the error code; the description is the
// error's class only, never the input.
func answerError(c echo.Context, err error) error {
	code := "invalid_request"
	if errors.Is(err, oid4vci.ErrInvalidProof) {
		code = "invalid_proof"
	}
	return c.JSON(http.StatusBadRequest, map[string]string{"error": code, "error_description": credentials.ClassName(err)})
}
