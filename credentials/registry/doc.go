// Package registry is the consortium register: which issuers a consortium
// admits for which PPP types, and which verifiers it admits with which
// requirement profiles and claims. A consortium publishes the register as
// a signed JWT (typ "paspoort-register+jwt", ES256), one version after
// another; each version names the keys allowed to sign the next
// (next_keys) and the hash of the one before (prev), so a follower that
// pinned the consortium's key once can follow key rotations and refuse
// rollbacks, forks and forged versions.
//
// The package is pure, like sdjwt: no network, no disk. The toolbox
// ("paspoort trust") keeps the consortium's folder and signs; the
// consortium package serves it; wallets and verifiers fetch it and hand
// the bytes to a Follower:
//
//	f, _ := registry.NewFollower([]*jose.PublicKey{pinned})
//	reg, err := f.Update(ctx, latest, fetchVersion, time.Now())
//	if _, ok := reg.IssuerAllowed(iss, "skill"); ok { … }
//	if v, ok := reg.Verifier(clientID); ok { over := v.Outside(asked) … }
//
// Several consortia side by side form a Set, which answers the same
// lookups and names the consortium of each answer.
//
// Every error wraps one class of credentials (errors.Is works): ErrTooLarge
// LIMIT, ErrMalformed and ErrDuplicateMember FMT, ErrUnknownKey,
// ErrUnannouncedKey, ErrRollback, ErrForked, ErrPrevHash, ErrGap and
// ErrOtherConsortium TRUST, ErrExpired and ErrNotYetValid CLAIM; a bad
// signature is SIG, a wrong typ TYP, an algorithm other than ES256 ALG.
// The order of the checks is documented at Follower.Accept. The format,
// the version-range syntax and the rules of rotation are in
// docs/registry.md.
package registry
