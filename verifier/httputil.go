package verifier

import (
	"io"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials"
)

// readBody reads at most max bytes of the request body.
func readBody(c echo.Context, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, int64(max)+1))
	if err != nil {
		return nil, ErrMalformedResponse
	}
	if len(b) > max {
		return nil, credentials.ErrLimit
	}
	return b, nil
}
