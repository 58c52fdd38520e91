package verifier

import (
	"errors"

	"github.com/loopbrug/paspoort/credentials"
)

// Errors returned by the verifier, each of the class named in its comment.
// The HTTP layer maps them to OpenID4VP error responses.
var (
	// ErrUnknownProfile (FMT): no profile with that id is served.
	ErrUnknownProfile = credentials.NewError(credentials.ErrFormat, "unknown requirement profile")
	// ErrUnknownTransaction (FMT): no transaction for that id, state or
	// key id (or it has expired and been deleted).
	ErrUnknownTransaction = credentials.NewError(credentials.ErrFormat, "unknown transaction")
	// ErrTransactionExpired (CLAIM): the response came after the
	// transaction's lifetime.
	ErrTransactionExpired = credentials.NewError(credentials.ErrClaim, "transaction expired")
	// ErrReplay (REPLAY): a response for a transaction that already had
	// one; the nonce is single use (OpenID4VP §14.1, SECURITY.md C.23).
	ErrReplay = credentials.NewError(credentials.ErrReplay, "transaction already answered")
	// ErrResponseMode (FMT): a response in another response mode than the
	// request asked for, such as a plain direct_post where direct_post.jwt
	// was required (SECURITY.md C.31).
	ErrResponseMode = credentials.NewError(credentials.ErrFormat, "response does not use the requested response mode")
	// ErrMalformedResponse (FMT): a vp_token or response parameter that
	// cannot be read.
	ErrMalformedResponse = credentials.NewError(credentials.ErrFormat, "malformed authorization response")
	// ErrResponseCode (TRUST): a result asked for without the response
	// code of the transaction, with a wrong one, or a second time
	// (OpenID4VP "Session Fixation", SECURITY.md C.30).
	ErrResponseCode = credentials.NewError(credentials.ErrTrust, "response code missing, wrong or already redeemed")
	// ErrPending (FMT): the transaction has no decision yet.
	ErrPending = credentials.NewError(credentials.ErrFormat, "transaction has no decision yet")
	// ErrNotFound is what a Store returns for a missing record.
	ErrNotFound = errors.New("verifier: not found")
	// ErrBadConfig reports an invalid configuration or option.
	ErrBadConfig = errors.New("verifier: invalid configuration")
)
