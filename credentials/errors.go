package credentials

import "github.com/loopbrug/paspoort/internal/errclass"

// The error classes of SECURITY.md (internal/errclass, the ground floor
// every package can import). Every error returned by the credentials
// packages (and by internal/jose) wraps exactly one of these, so callers can
// branch with errors.Is without parsing messages. More specific sentinels
// (sdjwt.ErrUnreferencedDisclosure, sdjwtvc.ErrExpired, …) wrap a class in
// turn, so errors.Is(err, credentials.ErrClaim) holds for an expired
// credential. These are the same values as errclass's.
var (
	// ErrFormat reports malformed input: bad framing, bad base64url, bad or
	// duplicate JSON members, a wrong serialisation. HTTP: 400 invalid_request.
	ErrFormat = errclass.ErrFormat
	// ErrAlg reports an algorithm that is not on the allow-list for the
	// artefact (including "none", MACs and unknown hash algorithms).
	ErrAlg = errclass.ErrAlg
	// ErrSignature reports a signature that does not verify.
	ErrSignature = errclass.ErrSignature
	// ErrTrust reports a key that is not bound to a trusted issuer.
	ErrTrust = errclass.ErrTrust
	// ErrType reports a wrong or missing "typ".
	ErrType = errclass.ErrType
	// ErrClaim reports a bad time claim, a bad iss/aud, or a missing or
	// invalid required claim.
	ErrClaim = errclass.ErrClaim
	// ErrDisclosure reports a bad SD-JWT disclosure.
	ErrDisclosure = errclass.ErrDisclosure
	// ErrKeyBinding reports a missing or invalid key binding.
	ErrKeyBinding = errclass.ErrKeyBinding
	// ErrReplay reports a replayed presentation or nonce.
	ErrReplay = errclass.ErrReplay
	// ErrStatus reports a revoked or suspended credential, or a status list
	// that cannot be trusted or used.
	ErrStatus = errclass.ErrStatus
	// ErrFetch reports an outbound fetch that was refused or failed.
	ErrFetch = errclass.ErrFetch
	// ErrLimit reports a size, depth, count or time limit that was hit.
	ErrLimit = errclass.ErrLimit
)

// Classes lists every error class, in the order of SECURITY.md.
var Classes = errclass.Classes

// NewError returns a new sentinel error with the message msg that belongs to
// class: errors.Is(NewError(ErrClaim, "expired"), ErrClaim) is true.
// Packages use it to declare their own documented sentinels.
func NewError(class error, msg string) error { return errclass.New(class, msg) }

// Class returns the class of err (one of Classes), or nil if err belongs to
// none.
func Class(err error) error { return errclass.Of(err) }

// ClassName returns the SECURITY.md name of err's class ("FMT", "SIG", …;
// see Class), or "" if err belongs to none.
func ClassName(err error) string { return errclass.Name(err) }
