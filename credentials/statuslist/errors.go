package statuslist

import "github.com/loopbrug/paspoort/credentials"

// Errors returned by this package. Each belongs to one class of the
// credentials package, named in its comment.
var (
	// ErrRevoked (STATUS): the Referenced Token's status is 0x01 INVALID
	// (revoked, annulled, cancelled).
	ErrRevoked = credentials.NewError(credentials.ErrStatus, "credential revoked")
	// ErrSuspended (STATUS): the Referenced Token's status is 0x02 SUSPENDED.
	ErrSuspended = credentials.NewError(credentials.ErrStatus, "credential suspended")
	// ErrNotValid (STATUS): the status is neither VALID, INVALID nor
	// SUSPENDED (an application-specific or reserved value); it is treated
	// as not valid unless the caller knows better.
	ErrNotValid = credentials.NewError(credentials.ErrStatus, "credential status is not VALID")
	// ErrIndexOutOfRange (STATUS): idx names no entry of the list, or one
	// past any list this package accepts (SECURITY.md D.35; TSL "Validation
	// Rules" step 6).
	ErrIndexOutOfRange = credentials.NewError(credentials.ErrStatus, "status list index out of range")
	// ErrListTooSmall (STATUS): the list has fewer entries than
	// VerifyOptions.MinEntries (herd privacy, SECURITY.md D.38).
	ErrListTooSmall = credentials.NewError(credentials.ErrStatus, "status list too small")
	// ErrSubjectMismatch (STATUS): the token's "sub" is not the uri it was
	// fetched from (substitution, SECURITY.md D.37).
	ErrSubjectMismatch = credentials.NewError(credentials.ErrStatus, "status list token sub does not match uri")
	// ErrExpired (STATUS): the token's "exp" has passed (SECURITY.md D.37).
	ErrExpired = credentials.NewError(credentials.ErrStatus, "status list token expired")
	// ErrRollback (STATUS): the token's "iat" is older than
	// VerifyOptions.MinIssuedAt, the time of a copy already seen
	// (SECURITY.md D.37).
	ErrRollback = credentials.NewError(credentials.ErrStatus, "status list token older than a cached copy")
	// ErrClaim (CLAIM): a required claim of the token is missing, or "iat",
	// "exp" or "ttl" is not a usable number, or "iat" lies in the future.
	ErrClaim = credentials.NewError(credentials.ErrClaim, "invalid status list token claim")
	// ErrMalformed (FMT): a malformed status list, reference or token
	// payload: bits not in {1,2,4,8}, lst not canonical base64url or not a
	// ZLIB stream, idx not a non-negative integer, uri not an https URI.
	ErrMalformed = credentials.NewError(credentials.ErrFormat, "malformed status list")
	// ErrMissingReference (CLAIM): the Referenced Token has no
	// "status.status_list".
	ErrMissingReference = credentials.NewError(credentials.ErrClaim, "no status_list reference")
	// ErrTooLarge (LIMIT): the list inflates past limits.MaxStatusListBytes
	// (a decompression bomb, SECURITY.md D.34) or New was asked for more.
	ErrTooLarge = credentials.NewError(credentials.ErrLimit, "status list too large")
	// ErrBadArgument (FMT): an issuer-side call with an unusable argument: a
	// status that does not fit in bits, a non-positive size, an incomplete
	// Token or VerifyOptions.
	ErrBadArgument = credentials.NewError(credentials.ErrFormat, "invalid argument")
)
