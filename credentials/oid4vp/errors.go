package oid4vp

import (
	"fmt"

	"github.com/loopbrug/paspoort/credentials"
)

// Errors of this package; each names its class. A Wallet answers a request
// that fails with one of them with "invalid_request" (or refuses silently);
// a Verifier answers a response that fails with HTTP 400.
var (
	// ErrInvalidRequest (FMT): an Authorization Request or Request Object
	// that breaks a rule of §5: a missing or malformed parameter, an
	// unsupported response_type or response_mode, "redirect_uri" with
	// direct_post, "scope" or "transaction_data", a bad nonce or state.
	ErrInvalidRequest = credentials.NewError(credentials.ErrFormat, "invalid authorization request")
	// ErrClientID (TRUST): a client_id without a supported Client Identifier
	// Prefix, one whose original identifier breaks the prefix's syntax, a
	// Request Object client_id not identical to the URI's, or a response_uri
	// the prefix does not allow (§5.9.3; SECURITY.md C.32).
	ErrClientID = credentials.NewError(credentials.ErrTrust, "client_id prefix rules not met")
	// ErrUnsigned (ALG): an unsigned Request Object where a signature is
	// required, or an unsigned one for redirect_uri without
	// AllowRedirectURIPrefixUnsafe (SECURITY.md C.32).
	ErrUnsigned = credentials.NewError(credentials.ErrAlg, "request object is not signed")
	// ErrNoVerifierAnchors (TRUST): an x509_hash or x509_san_dns request
	// reached a Wallet that has no trust anchors for Verifiers
	// (VerifyOptions.VerifierAnchors), so the Verifier's certificate
	// cannot be checked (§5.9.3).
	ErrNoVerifierAnchors = credentials.NewError(credentials.ErrTrust, "no trust anchors for verifier certificates")
	// ErrWalletNonce (REPLAY): the Request Object does not echo the
	// wallet_nonce the Wallet sent (§5.10.1).
	ErrWalletNonce = credentials.NewError(credentials.ErrReplay, "wallet_nonce not echoed")
	// ErrRequestObjectClaims (CLAIM): an "aud" other than
	// "https://self-issued.me/v2", or an expired or future Request Object.
	ErrRequestObjectClaims = credentials.NewError(credentials.ErrClaim, "bad request object claims")
	// ErrInvalidResponse (FMT): an Authorization Response that is not
	// well-formed: duplicate or missing parameters, a vp_token that is not a
	// JSON object of non-empty arrays of presentations.
	ErrInvalidResponse = credentials.NewError(credentials.ErrFormat, "invalid authorization response")
	// ErrEncryptionRequired (ALG): a plain direct_post response where
	// direct_post.jwt was requested (SECURITY.md C.31).
	ErrEncryptionRequired = credentials.NewError(credentials.ErrAlg, "response must be encrypted")
	// ErrTooLarge (LIMIT): input over a size limit.
	ErrTooLarge = credentials.NewError(credentials.ErrLimit, "input too large")
)

// Error codes of OAuth 2.0 (RFC 6749 §4.1.2.1) and OpenID4VP 1.0 §8.5.
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidScope            = "invalid_scope"
	CodeAccessDenied            = "access_denied"
	CodeVPFormatsNotSupported   = "vp_formats_not_supported"
	CodeInvalidRequestURIMethod = "invalid_request_uri_method"
	CodeInvalidTransactionData  = "invalid_transaction_data"
	CodeWalletUnavailable       = "wallet_unavailable"
)

// ErrorResponse is an Authorization Error Response (§8.5), sent by a Wallet
// to the response_uri. It is an error; errors.Is matches nothing else.
type ErrorResponse struct {
	// Code is "error", one of the Code* constants.
	Code string
	// Description is "error_description"; keep it free of personal data.
	Description string
	// State echoes the request's state.
	State string
}

func (e *ErrorResponse) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("authorization error %q", e.Code)
	}
	return fmt.Sprintf("authorization error %q: %s", e.Code, e.Description)
}

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
