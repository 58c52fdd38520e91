package sdjwt

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// KeyBindingPolicy decides whether a presentation must carry a KB-JWT. The
// verifier decides it before looking at what was presented (SECURITY.md
// C.22).
type KeyBindingPolicy struct {
	// Required demands a KB-JWT; when false a KB-JWT is refused.
	Required bool
	// Audience is the expected "aud" (a single string).
	Audience string
	// Nonce is the expected "nonce".
	Nonce string
	// MaxAge bounds how old "iat" may be; zero means 5 minutes.
	MaxAge time.Duration
}

// VerifyOptions controls Verify.
type VerifyOptions struct {
	// Algs is the allow-list for the Issuer-signed JWT and the KB-JWT; it
	// is required.
	Algs []jose.Alg
	// Typ, when not empty, is the exact "typ" the Issuer-signed JWT must
	// carry.
	Typ string
	// KeyBinding is the key binding policy.
	KeyBinding KeyBindingPolicy
	// Now is the time to check against; zero means time.Now().
	Now time.Time
	// Leeway is the clock skew allowed on every time check; at most
	// limits.MaxClockSkewSeconds.
	Leeway time.Duration
}

// Result is a verified SD-JWT.
type Result struct {
	// Header is the Issuer-signed JWT's header.
	Header jose.Header
	// Claims are the processed claims (see Processed).
	Claims map[string]any
	// Disclosed lists the JSON Pointers of the claims that were disclosed.
	Disclosed []string
	// HolderKey is the key from cnf.jwk, when key binding was verified.
	HolderKey *jose.PublicKey
	// KeyBinding holds the verified KB-JWT claims, or nil.
	KeyBinding *KeyBindingClaims
	// Time is the time the checks were made against.
	Time time.Time
}

// KeyBindingClaims are the verified claims of a KB-JWT.
type KeyBindingClaims struct {
	IssuedAt time.Time
	Audience string
	Nonce    string
	SDHash   string
}

// Verify verifies an SD-JWT or SD-JWT+KB against issuerKey, in this order
// (RFC 9901 §7.1, §7.3):
//
//  1. size limit, framing, parse (Parse);
//  2. the Issuer-signed JWT: "typ" when opts.Typ is set, "alg" on the
//     allow-list and the key's own algorithm, signature (§7.1 step 2);
//  3. "exp", "nbf" and "iat" of the Issuer-signed JWT, when present;
//  4. the disclosures (§7.1 steps 3–5, Process);
//  5. key binding by policy (§7.3): present iff required; "typ" kb+jwt,
//     no key in its header, signed by the plain (never disclosed) cnf.jwk,
//     "aud" and "nonce" equal to the expected single strings, "iat" within
//     MaxAge and the leeway, "sd_hash" over the bytes received.
//
// Verify is safe for concurrent use.
func Verify(sdjwt string, issuerKey *jose.PublicKey, opts VerifyOptions) (*Result, error) {
	now, leeway, err := Clock(opts.Now, opts.Leeway)
	if err != nil {
		return nil, err
	}
	t, err := Parse(sdjwt)
	if err != nil {
		return nil, err
	}
	if opts.Typ != "" {
		if err := t.JWT.CheckType(opts.Typ); err != nil {
			return nil, fmt.Errorf("issuer-signed JWT: %w", err)
		}
	}
	if err := t.JWT.Verify(issuerKey, opts.Algs); err != nil {
		return nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	if err := CheckTimes(t.Payload, now, leeway); err != nil {
		return nil, err
	}
	proc, err := t.Process()
	if err != nil {
		return nil, err
	}
	res := &Result{Header: t.JWT.Header, Claims: proc.Claims, Disclosed: proc.Disclosed, Time: now}
	if res.KeyBinding, res.HolderKey, err = t.VerifyKeyBinding(opts.KeyBinding, opts.Algs, now, leeway); err != nil {
		return nil, err
	}
	return res, nil
}

// Clock returns now (time.Now() when zero) and checks the leeway: the
// defaults and bounds every verifier in paspoort shares.
func Clock(now time.Time, leeway time.Duration) (time.Time, time.Duration, error) {
	if now.IsZero() {
		now = time.Now()
	}
	if leeway < 0 || leeway > limits.MaxClockSkewSeconds*time.Second {
		return time.Time{}, 0, fmt.Errorf("%w: leeway must be between 0 and %ds", credentials.ErrClaim, limits.MaxClockSkewSeconds)
	}
	return now, leeway, nil
}

// VerifyKeyBinding applies the key binding policy pol (RFC 9901 §7.3): a
// KB-JWT must be present exactly when pol.Required; then its "typ" must be
// kb+jwt, its header may name no key, its signature (alg on algs) must verify
// with the plain cnf.jwk of the Issuer-signed JWT, "aud" and "nonce" must be
// the expected single strings, "iat" within pol.MaxAge and leeway of now, and
// "sd_hash" the hash of the SD-JWT as received. Call it only after the
// Issuer-signed JWT is verified. Without key binding it returns nils.
func (t *SDJWT) VerifyKeyBinding(pol KeyBindingPolicy, algs []jose.Alg, now time.Time, leeway time.Duration) (*KeyBindingClaims, *jose.PublicKey, error) {
	if !pol.Required {
		if t.KeyBinding != nil {
			return nil, nil, ErrKeyBindingUnexpected
		}
		return nil, nil, nil
	}
	if t.KeyBinding == nil {
		return nil, nil, ErrKeyBindingRequired
	}
	if pol.Audience == "" || pol.Nonce == "" {
		return nil, nil, fmt.Errorf("%w: policy has no expected audience or nonce", ErrKeyBindingJWT)
	}
	holder, err := t.HolderKey()
	if err != nil {
		return nil, nil, err
	}
	kb := t.KeyBinding
	if err := kb.CheckType(TypKB); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrKeyBindingJWT, err)
	}
	for _, m := range []string{"jwk", "kid", "jku", "x5u", "x5c"} {
		if _, ok := kb.Header.Raw[m]; ok {
			return nil, nil, fmt.Errorf("%w: header names a key (%q); the key comes from cnf only", ErrKeyBindingJWT, m)
		}
	}
	if err := kb.Verify(holder, algs); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrKeyBindingJWT, err)
	}
	var c map[string]any
	if err := kb.DecodePayloadShared(&c); err != nil || c == nil { // kb.Payload is never written
		return nil, nil, fmt.Errorf("%w: payload is not a JSON object", ErrKeyBindingJWT)
	}
	aud, ok := c["aud"].(string)
	if !ok || aud != pol.Audience {
		return nil, nil, ErrAudience
	}
	nonce, ok := c["nonce"].(string)
	if !ok || nonce != pol.Nonce {
		return nil, nil, ErrNonce
	}
	iat, err := numericDate(c, "iat")
	if err != nil || iat.IsZero() {
		return nil, nil, fmt.Errorf("%w: iat missing or malformed", ErrKeyBindingTime)
	}
	maxAge := pol.MaxAge
	if maxAge <= 0 {
		maxAge = 5 * time.Minute
	}
	if iat.After(now.Add(leeway)) || iat.Before(now.Add(-maxAge-leeway)) {
		return nil, nil, ErrKeyBindingTime
	}
	sdHash, ok := c["sd_hash"].(string)
	if !ok || sdHash != SDHash(t.presented) {
		return nil, nil, ErrSDHash
	}
	return &KeyBindingClaims{IssuedAt: iat, Audience: aud, Nonce: nonce, SDHash: sdHash}, holder, nil
}

// HolderKey returns the holder's key from the plain "cnf.jwk" of an
// Issuer-signed JWT payload. A cnf that is only selectively disclosed does
// not count (SECURITY.md B.17). jku, x5u and other key references are never
// fetched.
func HolderKey(payload map[string]any) (*jose.PublicKey, error) {
	cnf, ok := payload["cnf"].(map[string]any)
	if !ok {
		return nil, ErrNoHolderKey
	}
	jwk, ok := cnf["jwk"].(map[string]any)
	if !ok {
		return nil, ErrNoHolderKey
	}
	k, err := jose.PublicKeyFromMap(jwk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoHolderKey, err)
	}
	return k, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

// numericDate reads a NumericDate claim (RFC 7519 §2): a non-negative JSON
// number without an exponent, up to the year 9999. A missing claim gives the
// zero time and no error.
func numericDate(c map[string]any, name string) (time.Time, error) {
	v, ok := c[name]
	if !ok {
		return time.Time{}, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %q is not a number", ErrTimeClaim, name)
	}
	s := string(n)
	if strings.ContainsAny(s, "eE-") {
		return time.Time{}, fmt.Errorf("%w: %q is negative or has an exponent", ErrTimeClaim, name)
	}
	f, err := n.Float64()
	if err != nil || f > maxNumericDate {
		return time.Time{}, fmt.Errorf("%w: %q out of range", ErrTimeClaim, name)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
}

// Times are the registered time claims of a JWT payload; a zero field was
// absent.
type Times struct {
	IssuedAt, NotBefore, Expires time.Time
}

// ParseTimes reads "iat", "nbf" and "exp" as NumericDates.
func ParseTimes(c map[string]any) (Times, error) {
	var t Times
	var err error
	if t.IssuedAt, err = numericDate(c, "iat"); err != nil {
		return t, err
	}
	if t.NotBefore, err = numericDate(c, "nbf"); err != nil {
		return t, err
	}
	if t.Expires, err = numericDate(c, "exp"); err != nil {
		return t, err
	}
	return t, nil
}

// CheckTimes checks "exp", "nbf" and "iat" in c against now with leeway:
// exp must not have passed, nbf and iat must not be in the future.
func CheckTimes(c map[string]any, now time.Time, leeway time.Duration) error {
	t, err := ParseTimes(c)
	if err != nil {
		return err
	}
	return t.Check(now, leeway)
}

// Check checks the times against now with leeway: Expires must not have
// passed, NotBefore and IssuedAt must not be in the future. Zero times are
// absent claims and pass.
func (t Times) Check(now time.Time, leeway time.Duration) error {
	if !t.Expires.IsZero() && !now.Before(t.Expires.Add(leeway)) {
		return ErrExpired
	}
	if !t.NotBefore.IsZero() && now.Add(leeway).Before(t.NotBefore) {
		return ErrNotYetValid
	}
	if !t.IssuedAt.IsZero() && now.Add(leeway).Before(t.IssuedAt) {
		return fmt.Errorf("%w: iat in the future", ErrNotYetValid)
	}
	return nil
}
