package errclass

import "errors"

// The error classes of SECURITY.md. Every error returned by the credentials
// packages (and by internal/jose) wraps exactly one of these, so callers can
// branch with errors.Is without parsing messages.
var (
	// ErrFormat reports malformed input: bad framing, bad base64url, bad or
	// duplicate JSON members, a wrong serialisation. HTTP: 400 invalid_request.
	ErrFormat = errors.New("malformed input")
	// ErrAlg reports an algorithm that is not on the allow-list for the
	// artefact (including "none", MACs and unknown hash algorithms).
	ErrAlg = errors.New("algorithm not allowed")
	// ErrSignature reports a signature that does not verify.
	ErrSignature = errors.New("bad signature")
	// ErrTrust reports a key that is not bound to a trusted issuer.
	ErrTrust = errors.New("untrusted key or issuer")
	// ErrType reports a wrong or missing "typ".
	ErrType = errors.New("wrong token type")
	// ErrClaim reports a bad time claim, a bad iss/aud, or a missing or
	// invalid required claim.
	ErrClaim = errors.New("invalid claim")
	// ErrDisclosure reports a bad SD-JWT disclosure.
	ErrDisclosure = errors.New("invalid disclosure")
	// ErrKeyBinding reports a missing or invalid key binding.
	ErrKeyBinding = errors.New("invalid key binding")
	// ErrReplay reports a replayed presentation or nonce.
	ErrReplay = errors.New("replay")
	// ErrStatus reports a revoked or suspended credential, or a status list
	// that cannot be trusted or used.
	ErrStatus = errors.New("status check failed")
	// ErrFetch reports an outbound fetch that was refused or failed.
	ErrFetch = errors.New("fetch refused or failed")
	// ErrLimit reports a size, depth, count or time limit that was hit.
	ErrLimit = errors.New("limit exceeded")
)

// Classes lists every error class, in the order of SECURITY.md.
var Classes = []error{
	ErrFormat, ErrAlg, ErrSignature, ErrTrust, ErrType, ErrClaim,
	ErrDisclosure, ErrKeyBinding, ErrReplay, ErrStatus, ErrFetch, ErrLimit,
}

// classError is a sentinel that belongs to a class.
type classError struct {
	class error
	msg   string
}

func (e *classError) Error() string { return e.msg }
func (e *classError) Unwrap() error { return e.class }

// New returns a new sentinel error with the message msg that belongs to
// class: errors.Is(New(ErrClaim, "expired"), ErrClaim) is true.
func New(class error, msg string) error {
	return &classError{class: class, msg: msg}
}

// Of returns the class of err (one of Classes), or nil if err belongs to
// none. An error of several classes reports the first in SECURITY.md order.
func Of(err error) error {
	for _, c := range Classes {
		if errors.Is(err, c) {
			return c
		}
	}
	return nil
}

// names are the SECURITY.md names of the classes.
var names = map[error]string{
	ErrFormat: "FMT", ErrAlg: "ALG", ErrSignature: "SIG", ErrTrust: "TRUST", ErrType: "TYP", ErrClaim: "CLAIM",
	ErrDisclosure: "DISC", ErrKeyBinding: "KB", ErrReplay: "REPLAY", ErrStatus: "STATUS", ErrFetch: "FETCH", ErrLimit: "LIMIT",
}

// Name returns the SECURITY.md name of err's class ("FMT", "SIG", …; see
// Of), or "" if err belongs to none.
func Name(err error) string { return names[Of(err)] }
