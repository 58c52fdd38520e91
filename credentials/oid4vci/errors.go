package oid4vci

import (
	"errors"
	"strings"

	"github.com/loopbrug/paspoort/credentials"
)

// ErrorCode is the "error" member of an OAuth 2.0 or VCI error response.
type ErrorCode string

// Error codes of RFC 6749 §5.2 (token endpoint), RFC 6750 §3.1 (protected
// resources) and VCI §8.3.1.2 (credential endpoint).
const (
	CodeInvalidRequest                 ErrorCode = "invalid_request"
	CodeInvalidClient                  ErrorCode = "invalid_client"
	CodeInvalidGrant                   ErrorCode = "invalid_grant"
	CodeUnauthorizedClient             ErrorCode = "unauthorized_client"
	CodeUnsupportedGrantType           ErrorCode = "unsupported_grant_type"
	CodeInvalidToken                   ErrorCode = "invalid_token"
	CodeInvalidCredentialRequest       ErrorCode = "invalid_credential_request"
	CodeUnknownCredentialConfiguration ErrorCode = "unknown_credential_configuration"
	CodeUnknownCredentialIdentifier    ErrorCode = "unknown_credential_identifier"
	CodeInvalidProof                   ErrorCode = "invalid_proof"
	CodeInvalidNonce                   ErrorCode = "invalid_nonce"
	CodeInvalidEncryptionParameters    ErrorCode = "invalid_encryption_parameters"
	CodeCredentialRequestDenied        ErrorCode = "credential_request_denied"
	// Codes of the authorization endpoint (RFC 6749 §4.1.2.1) and PAR
	// (RFC 9126 §2.3).
	CodeInvalidScope            ErrorCode = "invalid_scope"
	CodeUnsupportedResponseType ErrorCode = "unsupported_response_type"
	CodeAccessDenied            ErrorCode = "access_denied"
)

// Sentinel errors. Each belongs to a class of package credentials, and
// CodeOf maps it to its ErrorCode.
var (
	// ErrInvalidRequest reports a malformed token request (RFC 6749 §5.2
	// invalid_request): a missing or repeated parameter, a tx_code sent
	// when none is expected or missing when one is. Class FMT.
	ErrInvalidRequest = credentials.NewError(credentials.ErrFormat, "invalid_request")
	// ErrInvalidGrant reports a pre-authorized code that is unknown,
	// expired, already used or locked, or a wrong tx_code (VCI §6.3).
	// Class REPLAY: a code is single use.
	ErrInvalidGrant = credentials.NewError(credentials.ErrReplay, "invalid_grant")
	// ErrUnsupportedGrantType reports a grant_type other than the
	// pre-authorized code. Class FMT.
	ErrUnsupportedGrantType = credentials.NewError(credentials.ErrFormat, "unsupported_grant_type")
	// ErrInvalidToken reports a missing, unknown or expired access token
	// (RFC 6750 §3.1). Class TRUST.
	ErrInvalidToken = credentials.NewError(credentials.ErrTrust, "invalid_token")
	// ErrInvalidCredentialRequest reports a malformed Credential Request
	// (VCI §8.3.1.2). Class FMT.
	ErrInvalidCredentialRequest = credentials.NewError(credentials.ErrFormat, "invalid_credential_request")
	// ErrUnknownCredentialConfiguration reports a credential_configuration_id
	// the issuer does not offer, or one the access token does not cover.
	// Class CLAIM.
	ErrUnknownCredentialConfiguration = credentials.NewError(credentials.ErrClaim, "unknown_credential_configuration")
	// ErrUnknownCredentialIdentifier reports an unknown
	// credential_identifier. Class CLAIM.
	ErrUnknownCredentialIdentifier = credentials.NewError(credentials.ErrClaim, "unknown_credential_identifier")
	// ErrInvalidProof reports a missing or invalid key proof (VCI §8.3.1.2,
	// Appendix F.4). Class KB; the wrapped cause adds its own class (ALG,
	// SIG, TYP, CLAIM, FMT).
	ErrInvalidProof = credentials.NewError(credentials.ErrKeyBinding, "invalid_proof")
	// ErrInvalidNonce reports a key proof whose c_nonce is not one the
	// issuer handed out, or is used up or expired. Class REPLAY.
	ErrInvalidNonce = credentials.NewError(credentials.ErrReplay, "invalid_nonce")
	// ErrInvalidEncryptionParameters reports credential response encryption
	// that was asked for but is not supported. Class FMT.
	ErrInvalidEncryptionParameters = credentials.NewError(credentials.ErrFormat, "invalid_encryption_parameters")
	// ErrCredentialRequestDenied reports a request the issuer will not
	// serve. Class STATUS.
	ErrCredentialRequestDenied = credentials.NewError(credentials.ErrStatus, "credential_request_denied")
	// ErrInvalidScope reports an authorization request whose scope names
	// no credential configuration the offer covers (RFC 6749 §4.1.2.1).
	// Class CLAIM.
	ErrInvalidScope = credentials.NewError(credentials.ErrClaim, "invalid_scope")
	// ErrUnsupportedResponseType reports a response_type other than
	// "code". Class FMT.
	ErrUnsupportedResponseType = credentials.NewError(credentials.ErrFormat, "unsupported_response_type")
	// ErrAccessDenied reports an authorization the End-User refused.
	// Class TRUST.
	ErrAccessDenied = credentials.NewError(credentials.ErrTrust, "access_denied")
	// ErrInvalidOffer reports a malformed Credential Offer or offer URI.
	// Class FMT.
	ErrInvalidOffer = credentials.NewError(credentials.ErrFormat, "invalid credential offer")
	// ErrInvalidMetadata reports malformed Credential Issuer or
	// Authorization Server metadata, or metadata of another issuer.
	// Class TRUST.
	ErrInvalidMetadata = credentials.NewError(credentials.ErrTrust, "invalid issuer metadata")
)

var codes = []struct {
	err  error
	code ErrorCode
}{
	{ErrInvalidNonce, CodeInvalidNonce},
	{ErrInvalidProof, CodeInvalidProof},
	{ErrInvalidGrant, CodeInvalidGrant},
	{ErrUnsupportedGrantType, CodeUnsupportedGrantType},
	{ErrInvalidToken, CodeInvalidToken},
	{ErrUnknownCredentialConfiguration, CodeUnknownCredentialConfiguration},
	{ErrUnknownCredentialIdentifier, CodeUnknownCredentialIdentifier},
	{ErrInvalidEncryptionParameters, CodeInvalidEncryptionParameters},
	{ErrCredentialRequestDenied, CodeCredentialRequestDenied},
	{ErrInvalidCredentialRequest, CodeInvalidCredentialRequest},
	{ErrInvalidScope, CodeInvalidScope},
	{ErrUnsupportedResponseType, CodeUnsupportedResponseType},
	{ErrAccessDenied, CodeAccessDenied},
	{ErrInvalidRequest, CodeInvalidRequest},
}

// CodeOf returns the error code for err: the code of the first sentinel of
// this package err wraps (invalid_nonce before invalid_proof), or
// invalid_request for anything else.
func CodeOf(err error) ErrorCode {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return CodeInvalidRequest
}

// ErrorResponse is an error response body (RFC 6749 §5.2, VCI §8.3.1.2).
// AttemptsLeft and Reason are paspoort extension members of an
// invalid_grant from the token endpoint (RFC 6749 §5.2 lets a response
// carry more members; clients ignore those they do not know), so that a
// wallet can tell its user what to do: retry the transaction code, or ask
// for a new offer.
type ErrorResponse struct {
	Error        ErrorCode   `json:"error"`
	Description  string      `json:"error_description,omitempty"`
	AttemptsLeft *int        `json:"attempts_left,omitempty"`
	Reason       GrantReason `json:"paspoort_reason,omitempty"`
}

// GrantReason says why a pre-authorized code was refused.
type GrantReason string

// The grant reasons.
const (
	// GrantWrongTxCode: the transaction code was wrong; AttemptsLeft
	// says how many tries remain.
	GrantWrongTxCode GrantReason = "wrong_tx_code"
	// GrantLocked: too many wrong transaction codes; the offer is locked.
	GrantLocked GrantReason = "locked"
	// GrantExpired: the offer has expired.
	GrantExpired GrantReason = "expired"
	// GrantUsed: the offer was already used.
	GrantUsed GrantReason = "used"
	// GrantUnknown: no such pre-authorized code.
	GrantUnknown GrantReason = "unknown"
)

// GrantError is an invalid_grant (Err wraps ErrInvalidGrant) with its
// reason and, for a wrong transaction code, the attempts left (-1 when
// not told).
type GrantError struct {
	Reason       GrantReason
	AttemptsLeft int
	Err          error
}

func (e *GrantError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *GrantError) Unwrap() error { return e.Err }

// NewErrorResponse returns the error response for err: its code (CodeOf)
// and a description limited to the characters VCI allows (%x20-21 /
// %x23-5B / %x5D-7E), others replaced by '?', and cut to 200 characters.
// Callers pass errors whose messages carry no secrets or claim values.
func NewErrorResponse(err error) ErrorResponse {
	r := ErrorResponse{Error: CodeOf(err), Description: SanitizeDescription(err.Error())}
	var ge *GrantError
	if errors.As(err, &ge) {
		r.Reason = ge.Reason
		if ge.AttemptsLeft >= 0 {
			n := ge.AttemptsLeft
			r.AttemptsLeft = &n
		}
	}
	return r
}

// SanitizeDescription makes s a valid error_description.
func SanitizeDescription(s string) string {
	const max = 200
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			break
		}
		if r >= 0x20 && r <= 0x7e && r != '"' && r != '\\' {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}
