package sdjwt

import "github.com/loopbrug/paspoort/credentials"

// Errors returned by this package. Each belongs to one class of the
// credentials package, named in its comment.
var (
	// ErrMalformed (FMT): bad framing (no trailing "~", an empty
	// disclosure "~~", a bare JWT, a KB-JWT where none may be), or an
	// issuer-signed JWT or payload that cannot be decoded.
	ErrMalformed = credentials.NewError(credentials.ErrFormat, "malformed SD-JWT")
	// ErrTooLarge (LIMIT): over limits.MaxTokenBytes, limits.MaxDisclosures,
	// limits.MaxDigests or the nesting limit.
	ErrTooLarge = credentials.NewError(credentials.ErrLimit, "SD-JWT over a size, count or depth limit")
	// ErrHashAlg (ALG): "_sd_alg" is not "sha-256" or not a top-level string.
	ErrHashAlg = credentials.NewError(credentials.ErrAlg, "unsupported _sd_alg")
	// ErrBadDisclosure (DISC): a disclosure that is not a base64url JSON
	// array of [salt, name, value] or [salt, value], or one used in the
	// wrong place (an array element disclosure behind "_sd", an object
	// property disclosure behind "...").
	ErrBadDisclosure = credentials.NewError(credentials.ErrDisclosure, "malformed disclosure")
	// ErrDuplicateDigest (DISC): a digest appears more than once in the
	// SD-JWT, or the same disclosure was sent twice (§7.1 step 4).
	ErrDuplicateDigest = credentials.NewError(credentials.ErrDisclosure, "digest appears more than once")
	// ErrUnreferencedDisclosure (DISC): a disclosure whose digest appears
	// nowhere in the SD-JWT (§7.1 step 5).
	ErrUnreferencedDisclosure = credentials.NewError(credentials.ErrDisclosure, "disclosure not referenced by any digest")
	// ErrClaimName (DISC): a disclosed claim named "_sd" or "...", or one
	// whose name already exists in the object it is disclosed into.
	ErrClaimName = credentials.NewError(credentials.ErrDisclosure, "forbidden or colliding disclosed claim name")
	// ErrBadStructure (DISC): an "_sd" that is not an array of strings, an
	// array element with "..." beside other members or not a string, or an
	// "_sd_alg" below the top level.
	ErrBadStructure = credentials.NewError(credentials.ErrDisclosure, "malformed selective disclosure structure")
	// ErrUnknownPath (FMT): a claim path that names no claim.
	ErrUnknownPath = credentials.NewError(credentials.ErrFormat, "claim path names no claim")
	// ErrBadPath (FMT): a string that is not a JSON Pointer, or a path that
	// cannot be made selectively disclosable (the root, a reserved name).
	ErrBadPath = credentials.NewError(credentials.ErrFormat, "invalid claim path")

	// ErrKeyBindingRequired (KB): policy requires a KB-JWT and none was sent.
	ErrKeyBindingRequired = credentials.NewError(credentials.ErrKeyBinding, "key binding required but absent")
	// ErrKeyBindingUnexpected (KB): a KB-JWT was sent where policy does not
	// ask for one.
	ErrKeyBindingUnexpected = credentials.NewError(credentials.ErrKeyBinding, "key binding present but not requested")
	// ErrNoHolderKey (KB): key binding is required and the issuer-signed JWT
	// has no usable "cnf" with a "jwk".
	ErrNoHolderKey = credentials.NewError(credentials.ErrKeyBinding, "no holder key (cnf.jwk) in the SD-JWT")
	// ErrKeyBindingJWT (KB): the KB-JWT is malformed, has the wrong typ,
	// names its own key, or its signature by the cnf key does not verify.
	ErrKeyBindingJWT = credentials.NewError(credentials.ErrKeyBinding, "invalid key binding JWT")
	// ErrAudience (KB): the KB-JWT "aud" is missing, not one string, or not
	// the expected audience.
	ErrAudience = credentials.NewError(credentials.ErrKeyBinding, "key binding audience mismatch")
	// ErrNonce (KB): the KB-JWT "nonce" is missing, not a string or not the
	// expected nonce.
	ErrNonce = credentials.NewError(credentials.ErrKeyBinding, "key binding nonce mismatch")
	// ErrKeyBindingTime (KB): the KB-JWT "iat" is missing, malformed, too
	// old or in the future.
	ErrKeyBindingTime = credentials.NewError(credentials.ErrKeyBinding, "key binding iat outside the acceptable window")
	// ErrSDHash (KB): the KB-JWT "sd_hash" does not match the presented
	// SD-JWT, as received (§4.3.1).
	ErrSDHash = credentials.NewError(credentials.ErrKeyBinding, "sd_hash does not match the presentation")

	// ErrExpired (CLAIM): "exp" has passed.
	ErrExpired = credentials.NewError(credentials.ErrClaim, "token expired")
	// ErrNotYetValid (CLAIM): "nbf" is in the future, or "iat" is in the
	// future beyond the leeway.
	ErrNotYetValid = credentials.NewError(credentials.ErrClaim, "token not yet valid")
	// ErrTimeClaim (CLAIM): a time claim that is not a NumericDate: a
	// string, a negative number, an exponent, or beyond the year 9999.
	ErrTimeClaim = credentials.NewError(credentials.ErrClaim, "malformed time claim")
)
