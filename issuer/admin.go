package issuer

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
)

// AdminError is the body of an admin API error: a code, a message, and for
// invalid claims the fields at fault (JSON Pointers), never claim values.
type AdminError struct {
	Error   string            `json:"error"`
	Message string            `json:"message,omitempty"`
	Fields  []AdminFieldError `json:"fields,omitempty"`
}

// AdminFieldError is one invalid field of a claims document.
type AdminFieldError struct {
	Type    string `json:"type,omitempty"`
	Pointer string `json:"pointer"`
	Reason  string `json:"reason"`
}

// adminError maps an error to a status and an AdminError.
func (is *Issuer) adminError(err error) (int, AdminError) {
	var fields []AdminFieldError
	for _, e := range flatten(err) {
		var ve *ppp.ValidationError
		if errors.As(e, &ve) {
			for _, f := range ve.Fields {
				fields = append(fields, AdminFieldError{Type: ve.Type, Pointer: f.Pointer, Reason: f.Reason})
			}
		}
	}
	switch {
	case len(fields) > 0:
		return http.StatusBadRequest, AdminError{Error: "invalid_claims", Message: "the claims do not match the credential type's schema", Fields: fields}
	case errors.Is(err, ErrUnknownCredential), errors.Is(err, ErrUnknownOffer):
		return http.StatusNotFound, AdminError{Error: "not_found", Message: err.Error()}
	case errors.Is(err, ErrRotateWithChain):
		return http.StatusConflict, AdminError{Error: "conflict", Message: err.Error() +
			"; stop the issuer, start it without --x5c-chain, rotate, certify the new key (paspoort issuer key, paspoort pki issue --key) and restart with the new chain"}
	case errors.Is(err, ErrRevokedIsFinal):
		return http.StatusConflict, AdminError{Error: "conflict", Message: err.Error()}
	case credentials.Class(err) != nil:
		return http.StatusBadRequest, AdminError{Error: "invalid_request", Message: err.Error()}
	}
	is.log.Error("admin request failed", "error", err)
	return http.StatusInternalServerError, AdminError{Error: "server_error"}
}

// flatten returns err and every error it joins, recursively.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func (is *Issuer) writeAdminError(c echo.Context, err error) error {
	code, body := is.adminError(err)
	return c.JSON(code, body)
}

func (is *Issuer) postOffer(c echo.Context) error {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	req, err := decodeOfferRequest(b)
	if err != nil {
		return is.writeAdminError(c, err)
	}
	offer, err := is.CreateOffer(c.Request().Context(), req)
	if err != nil {
		return is.writeAdminError(c, err)
	}
	noStore(c)
	return c.JSON(http.StatusCreated, offer)
}

// BulkResult is one line of the bulk endpoint's JSON Lines response.
type BulkResult struct {
	Line  int         `json:"line"`
	Offer *Offer      `json:"offer,omitempty"`
	Error *AdminError `json:"error,omitempty"`
}

// postBulkOffers creates an offer per line of a CSV (text/csv) or JSON
// Lines (application/jsonl, application/x-ndjson) body and streams one
// BulkResult per line as JSON Lines, flushed as it goes, so a client can
// show progress. A line that fails does not stop the others.
func (is *Issuer) postBulkOffers(c echo.Context) error {
	r := c.Request()
	ct := r.Header.Get(echo.HeaderContentType)
	var lines []BulkLine
	var err error
	switch {
	case strings.HasPrefix(ct, "text/csv"):
		lines, err = ParseBulkCSV(r.Body)
	case strings.HasPrefix(ct, "application/jsonl"), strings.HasPrefix(ct, "application/x-ndjson"), strings.HasPrefix(ct, "application/json-lines"):
		lines, err = ParseBulkJSONL(r.Body)
	default:
		return c.JSON(http.StatusUnsupportedMediaType, AdminError{Error: "unsupported_media_type", Message: "send text/csv or application/jsonl"})
	}
	if err != nil {
		return is.writeAdminError(c, err)
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "application/jsonl")
	w.Header().Set("X-Bulk-Total", strconv.Itoa(len(lines)))
	noStore(c)
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	for _, l := range lines {
		res := BulkResult{Line: l.Line}
		err := l.Err
		if err == nil {
			res.Offer, err = is.createOffer(r.Context(), l.Request, false)
		}
		if err != nil {
			_, body := is.adminError(err)
			res.Error = &body
		}
		if err := enc.Encode(res); err != nil {
			return nil // the client went away
		}
		w.Flush()
	}
	return nil
}

func (is *Issuer) getCredentials(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	recs, err := is.ListCredentials(c.Request().Context(), c.QueryParam("after"), limit)
	if err != nil {
		return is.writeAdminError(c, err)
	}
	if recs == nil {
		recs = []CredentialRecord{}
	}
	return c.JSON(http.StatusOK, map[string]any{"credentials": recs})
}

func (is *Issuer) getCredential(c echo.Context) error {
	rec, err := is.CredentialByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return is.writeAdminError(c, err)
	}
	return c.JSON(http.StatusOK, rec)
}

func (is *Issuer) statusHandler(status string) echo.HandlerFunc {
	return func(c echo.Context) error {
		rec, err := is.SetStatus(c.Request().Context(), c.Param("id"), status)
		if err != nil {
			return is.writeAdminError(c, err)
		}
		return c.JSON(http.StatusOK, rec)
	}
}

func (is *Issuer) postRotateKey(c echo.Context) error {
	kid, err := is.RotateKey(c.Request().Context())
	if err != nil {
		return is.writeAdminError(c, err)
	}
	return c.JSON(http.StatusOK, map[string]string{"kid": kid})
}
