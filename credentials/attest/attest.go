package attest

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// JWT "typ" values and HTTP header names.
const (
	// TypClientAttestation is the "typ" of a Wallet (Client) Attestation.
	TypClientAttestation = "oauth-client-attestation+jwt"
	// TypClientAttestationPoP is the "typ" of its proof of possession.
	TypClientAttestationPoP = "oauth-client-attestation-pop+jwt"
	// TypKeyAttestation is the "typ" of a Key Attestation (Annex D.1).
	TypKeyAttestation = "key-attestation+jwt"

	// HeaderAttestation and HeaderPoP carry the two JWTs (draft §6.1).
	HeaderAttestation = "OAuth-Client-Attestation"
	HeaderPoP         = "OAuth-Client-Attestation-PoP"
	// HeaderChallenge carries a fresh challenge on a response (draft §7.1).
	HeaderChallenge = "OAuth-Client-Attestation-Challenge"

	// AuthMethod is the token_endpoint_auth_methods_supported value (draft
	// §9.1, §11.4).
	AuthMethod = "attest_jwt_client_auth"
)

// Defaults of the policies.
const (
	// DefaultLeeway is the clock skew allowed on every time claim.
	DefaultLeeway = 60 * time.Second
	// DefaultPoPMaxAge is how old a PoP's (or key attestation's) "iat" may be.
	DefaultPoPMaxAge = 5 * time.Minute
	// MaxAttestedKeys bounds "attested_keys": more keys than a batch holds.
	MaxAttestedKeys = 64
)

// Errors, each of the class named in its comment.
var (
	// ErrMissing (FMT): the request carries no client attestation where one
	// is required, or only one of the two headers.
	ErrMissing = credentials.NewError(credentials.ErrFormat, "client attestation missing")
	// ErrMalformed (FMT): a header repeated or not token68, a JWT whose
	// claims are missing or of the wrong type.
	ErrMalformed = credentials.NewError(credentials.ErrFormat, "malformed attestation")
	// ErrNoCertificate (TRUST): the JWT names its key other than by "x5c"
	// ("kid", "jwk", "trust_chain"), which this package does not resolve.
	ErrNoCertificate = credentials.NewError(credentials.ErrTrust, "attestation key not certified in x5c")
	// ErrPrivateKey (FMT): a "cnf" or attested key with private members.
	ErrPrivateKey = credentials.NewError(credentials.ErrFormat, "private key material in an attestation")
	// ErrExpired (CLAIM): "exp" passed, "nbf" or "iat" in the future.
	ErrExpired = credentials.NewError(credentials.ErrClaim, "attestation not valid at this time")
	// ErrStale (CLAIM): a valid attestation older than the server accepts
	// (answer use_fresh_attestation), or a PoP older than its window.
	ErrStale = credentials.NewError(credentials.ErrClaim, "attestation not fresh enough")
	// ErrAudience (CLAIM): the PoP's "aud" is not this authorization server.
	ErrAudience = credentials.NewError(credentials.ErrClaim, "attestation PoP for another audience")
	// ErrClientID (CLAIM): client_id, the attestation's "sub" and the PoP's
	// "iss" differ.
	ErrClientID = credentials.NewError(credentials.ErrClaim, "client_id does not match the attestation")
	// ErrChallenge (CLAIM): the PoP lacks the server's challenge or carries
	// another one (answer use_attestation_challenge).
	ErrChallenge = credentials.NewError(credentials.ErrClaim, "attestation PoP without the expected challenge")
	// ErrReplay (REPLAY): a PoP "jti" seen before.
	ErrReplay = credentials.NewError(credentials.ErrReplay, "attestation PoP replayed")
	// ErrNonce (CLAIM): a key attestation without the issuer's c_nonce, or
	// with another one.
	ErrNonce = credentials.NewError(credentials.ErrClaim, "key attestation without the expected nonce")
	// ErrKeyStorage (TRUST): a key attestation whose key_storage or
	// user_authentication is not among the values the issuer accepts.
	ErrKeyStorage = credentials.NewError(credentials.ErrTrust, "attested key protection not accepted")
	// ErrNotAttested (KEYBINDING): a key proof signed by a key its key
	// attestation does not list.
	ErrNotAttested = credentials.NewError(credentials.ErrKeyBinding, "key not attested")
)

// Signer signs attestations: the key and the certificate chain (leaf first,
// without the trust anchor) that certifies it. A wallet provider signs
// Wallet and Key Attestations with it.
type Signer struct {
	Key   *jose.PrivateKey
	Chain []*x509.Certificate
}

// sign signs claims with typ and the chain in "x5c" (no "kid").
func (s Signer) sign(typ string, claims map[string]any) (string, error) {
	if s.Key == nil || len(s.Chain) == 0 {
		return "", fmt.Errorf("%w: a signer needs a key and its certificate", ErrMalformed)
	}
	leafKey, err := jose.NewPublicKey(s.Chain[0].PublicKey)
	if err != nil || leafKey.Thumbprint() != s.Key.Public().Thumbprint() {
		return "", fmt.Errorf("%w: the certificate does not certify the signing key", ErrNoCertificate)
	}
	payload, err := strictjson.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode %s claims: %w", typ, err)
	}
	return jose.Sign(s.Key.WithKeyID(""), typ, map[string]any{"x5c": pki.X5C(s.Chain)}, payload)
}

// timing holds the time checks every policy shares.
type timing struct {
	now    time.Time
	leeway time.Duration
	maxAge time.Duration
}

func newTiming(now time.Time, leeway, maxAge time.Duration) (timing, error) {
	if now.IsZero() {
		now = time.Now()
	}
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	if leeway < 0 || leeway > limits.MaxClockSkewSeconds*time.Second {
		return timing{}, fmt.Errorf("%w: leeway outside 0..%ds", ErrMalformed, limits.MaxClockSkewSeconds)
	}
	if maxAge <= 0 {
		maxAge = DefaultPoPMaxAge
	}
	return timing{now: now, leeway: leeway, maxAge: maxAge}, nil
}

// parseCertified parses raw, checks typ and alg, validates the x5c chain to
// anchors at t.now and verifies the signature with the leaf's key. It
// returns the decoded claims and the validated chain.
func parseCertified(raw, typ string, anchors *pki.Anchors, algs []jose.Alg, t timing) (map[string]any, *pki.Verified, error) {
	j, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, nil, err
	}
	if err := j.CheckType(typ); err != nil {
		return nil, nil, err
	}
	if err := jose.CheckAlg(j.Header.Alg, algs); err != nil {
		return nil, nil, err
	}
	x5c, ok := j.Header.Raw["x5c"]
	if !ok {
		return nil, nil, fmt.Errorf("%w: no x5c header", ErrNoCertificate)
	}
	if anchors == nil {
		return nil, nil, fmt.Errorf("%w: no trust anchors for wallet providers are configured", pki.ErrUntrusted)
	}
	chain, err := pki.ParseX5C(x5c)
	if err != nil {
		return nil, nil, err
	}
	v, err := anchors.Verify(chain, t.now)
	if err != nil {
		return nil, nil, err
	}
	if err := j.Verify(v.Key, algs); err != nil {
		return nil, nil, err
	}
	c, err := decodeClaims(j)
	if err != nil {
		return nil, nil, err
	}
	return c, v, nil
}

func decodeClaims(j *jose.JWS) (map[string]any, error) {
	var c map[string]any
	if err := j.DecodePayload(&c); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("%w: payload is not an object", ErrMalformed)
	}
	return c, nil
}

// str reads an optional string claim; required refuses absence.
func str(c map[string]any, name string, required bool) (string, error) {
	v, ok := c[name]
	if !ok {
		if required {
			return "", fmt.Errorf("%w: %q is required", ErrMalformed, name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%w: %q is not a non-empty string", ErrMalformed, name)
	}
	return s, nil
}

// date reads an optional NumericDate claim (zero time when absent).
func date(c map[string]any, name string, required bool) (time.Time, error) {
	v, ok := c[name]
	if !ok {
		if required {
			return time.Time{}, fmt.Errorf("%w: %q is required", ErrMalformed, name)
		}
		return time.Time{}, nil
	}
	d, err := jose.NumericDate(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q: %v", ErrMalformed, name, err)
	}
	return d, nil
}

// checkTimes applies exp, nbf and iat (RFC 7519 §4.1.4–4.1.6) with leeway.
func (t timing) checkTimes(exp, nbf, iat time.Time) error {
	switch {
	case !exp.IsZero() && !t.now.Before(exp.Add(t.leeway)):
		return fmt.Errorf("%w: expired at %s", ErrExpired, exp.Format(time.RFC3339))
	case !nbf.IsZero() && nbf.After(t.now.Add(t.leeway)):
		return fmt.Errorf("%w: not valid before %s", ErrExpired, nbf.Format(time.RFC3339))
	case !iat.IsZero() && iat.After(t.now.Add(t.leeway)):
		return fmt.Errorf("%w: issued in the future", ErrExpired)
	}
	return nil
}

// publicJWK reads a public JWK claim value, refusing private members.
func publicJWK(v any, what string) (*jose.PublicKey, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a JWK object", ErrMalformed, what)
	}
	if _, ok := m["d"]; ok {
		return nil, fmt.Errorf("%w: %s", ErrPrivateKey, what)
	}
	k, err := jose.PublicKeyFromMap(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return k, nil
}

// sameKey compares two public keys by RFC 7638 thumbprint.
func sameKey(a, b *jose.PublicKey) bool {
	return a != nil && b != nil && a.Thumbprint() == b.Thumbprint()
}
