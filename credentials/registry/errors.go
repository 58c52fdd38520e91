package registry

import "github.com/loopbrug/paspoort/credentials"

// The outcomes a caller branches on. Each wraps one error class of
// credentials (SECURITY.md), so errors.Is(err, credentials.ErrTrust) holds
// for ErrRollback as it does for ErrRollback itself.
var (
	// ErrTooLarge (LIMIT) reports a signed register over MaxBytes; it is
	// refused before it is parsed.
	ErrTooLarge = credentials.NewError(credentials.ErrLimit, "register too large")
	// ErrMalformed (FMT) reports a register document that is not valid:
	// bad JSON, an unknown or missing member, a bad value.
	ErrMalformed = credentials.NewError(credentials.ErrFormat, "malformed register")
	// ErrDuplicateMember (FMT) reports two issuers, two verifiers, two
	// next keys or two profile entries with the same id.
	ErrDuplicateMember = credentials.NewError(credentials.ErrFormat, "duplicated register member")
	// ErrUnknownKey (TRUST) reports a first register signed by none of the
	// pinned keys.
	ErrUnknownKey = credentials.NewError(credentials.ErrTrust, "register signed by a key that is not pinned")
	// ErrUnannouncedKey (TRUST) reports a register signed by a key that the
	// last accepted register did not name in next_keys.
	ErrUnannouncedKey = credentials.NewError(credentials.ErrTrust, "register signed by a key the previous version did not announce")
	// ErrRollback (TRUST) reports a register older than the last accepted
	// one.
	ErrRollback = credentials.NewError(credentials.ErrTrust, "register version older than the accepted one")
	// ErrForked (TRUST) reports a register with the version of the last
	// accepted one but other bytes: the consortium signed two different
	// registers under one version.
	ErrForked = credentials.NewError(credentials.ErrTrust, "two different registers with the same version")
	// ErrPrevHash (TRUST) reports a register whose prev is not the hash of
	// the last accepted register, the version before it.
	ErrPrevHash = credentials.NewError(credentials.ErrTrust, "register prev does not match the accepted version")
	// ErrGap (TRUST) reports a register more than one version ahead of the
	// last accepted one: the versions between must be accepted first
	// (Follower.Update walks them).
	ErrGap = credentials.NewError(credentials.ErrTrust, "register versions missing in between")
	// ErrOtherConsortium (TRUST) reports a register of another consortium
	// than the one followed.
	ErrOtherConsortium = credentials.NewError(credentials.ErrTrust, "register of another consortium")
	// ErrExpired (CLAIM) reports a register whose exp has passed.
	ErrExpired = credentials.NewError(credentials.ErrClaim, "register expired")
	// ErrNotYetValid (CLAIM) reports a register issued in the future
	// (iat after now plus Leeway).
	ErrNotYetValid = credentials.NewError(credentials.ErrClaim, "register issued in the future")
	// ErrBadRange (FMT) reports a version range that does not parse.
	ErrBadRange = credentials.NewError(credentials.ErrFormat, "invalid version range")
)

// ErrTooManyVersions (LIMIT) reports a walk over more than MaxWalk missing
// versions.
var ErrTooManyVersions = credentials.NewError(credentials.ErrLimit, "too many register versions to walk")
