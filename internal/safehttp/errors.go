package safehttp

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/loopbrug/paspoort/internal/errclass"
)

var (
	// ErrRefused reports an outbound fetch refused by policy: a scheme other
	// than https, userinfo in the URL, a forbidden host or address (checked
	// both before connecting and at dial time), or a refused redirect (too
	// many, a loop, a downgrade to http or a forbidden target). It belongs to
	// the class errclass.ErrFetch.
	ErrRefused = errclass.New(errclass.ErrFetch, "outbound fetch refused")

	// ErrLoopback is the ErrRefused of a loopback address or localhost
	// name on a client without [WithAllowLoopback] (development only).
	ErrLoopback = fmt.Errorf("%w: loopback address", ErrRefused)

	// ErrTooLarge reports a response body larger than the limit set with
	// [WithMaxBytes], whether announced by Content-Length or actually read.
	// It belongs to the class errclass.ErrLimit; the errors a [Client]
	// returns also satisfy errors.Is(err, errclass.ErrFetch).
	ErrTooLarge = errclass.New(errclass.ErrLimit, "response too large")

	// ErrTimeout reports a fetch that did not complete, body included,
	// within its deadline (see [WithTimeout]). It belongs to the class
	// errclass.ErrLimit; the errors a [Client] returns also satisfy
	// errors.Is(err, errclass.ErrFetch).
	ErrTimeout = errclass.New(errclass.ErrLimit, "fetch timed out")

	// ErrStatus reports a response with a status code outside 2xx. The
	// errors carrying it are [*StatusError] values, which hold the code. It
	// belongs to the class errclass.ErrFetch.
	ErrStatus = errclass.New(errclass.ErrFetch, "unexpected HTTP status")
)

// StatusError reports a response whose status code is not 2xx. It carries
// the code only: the response body is discarded unread (SECURITY.md D.39).
// Its Unwrap returns [ErrStatus].
type StatusError struct {
	// Code is the HTTP status code of the final response.
	Code int
	// OAuth is the OAuth 2.0 error response (RFC 6749 §5.2) of a request
	// made with [Client.PostFormOAuth], when the body was one; nil
	// otherwise.
	OAuth *OAuthError
	// Header holds the response's headers (never its body): an OAuth
	// server's error may carry a fresh nonce there (DPoP-Nonce, RFC 9449
	// §8; OAuth-Client-Attestation-Challenge).
	Header http.Header
}

// OAuthError is an OAuth 2.0 error response body (RFC 6749 §5.2): the
// error code, its description, and the paspoort extension members an
// issuer's token endpoint adds for the holder (attempts_left,
// paspoort_reason). Only these members are read; the description is for
// logs and technical details, never shown as the message itself.
type OAuthError struct {
	Error        string `json:"error"`
	Description  string `json:"error_description,omitempty"`
	AttemptsLeft *int   `json:"attempts_left,omitempty"`
	Reason       string `json:"paspoort_reason,omitempty"`
}

// Error returns a message with the status code.
func (e *StatusError) Error() string {
	return "unexpected HTTP status " + strconv.Itoa(e.Code)
}

// Unwrap returns [ErrStatus].
func (e *StatusError) Unwrap() error { return ErrStatus }

// fetchError is the error a Client returns for a failed request. It names the
// method and the redacted URL (scheme, host and path only) and always wraps
// errclass.ErrFetch besides the cause.
type fetchError struct {
	method string
	url    string
	err    error
}

func (e *fetchError) Error() string {
	return "safehttp: " + e.method + " " + e.url + ": " + e.err.Error()
}

func (e *fetchError) Unwrap() []error { return []error{e.err, errclass.ErrFetch} }
