package verifier

import (
	"errors"
	"io"
	"net/http"

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

// parseForm parses a form body (application/x-www-form-urlencoded). A body
// over MaxBodyBytes, which the body limit notices only while reading when
// there is no Content-Length (chunked), is LIMIT (413), not malformed
// (SECURITY.md F.45).
func parseForm(req *http.Request) error {
	err := req.ParseForm()
	if err == nil {
		return nil
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
		return credentials.ErrLimit
	}
	return ErrMalformedResponse
}
