package attest

import (
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// Attack potential resistance values (OpenID4VCI 1.0 Annex D.2) for
// "key_storage" and "user_authentication".
const (
	ISO18045High          = "iso_18045_high"
	ISO18045Moderate      = "iso_18045_moderate"
	ISO18045EnhancedBasic = "iso_18045_enhanced-basic"
	ISO18045Basic         = "iso_18045_basic"
)

// KeyAttestation is what a wallet provider (or key store) says about the
// keys a credential is to be bound to (OpenID4VCI 1.0 Annex D.1).
type KeyAttestation struct {
	// Issuer is "iss", the attester (optional in Annex D.1).
	Issuer string
	// IssuedAt is "iat" (zero means now); Expires "exp", required when the
	// attestation travels in a "jwt" proof.
	IssuedAt, Expires time.Time
	// Keys is "attested_keys": one to MaxAttestedKeys public keys.
	Keys []*jose.PublicKey
	// KeyStorage and UserAuthentication are the Annex D.2 values.
	KeyStorage, UserAuthentication []string
	// Certification is a URL of the key store's certification.
	Certification string
	// Nonce is the issuer's c_nonce, when it has a Nonce Endpoint.
	Nonce string
}

// SignKeyAttestation signs a as s.
func SignKeyAttestation(s Signer, a KeyAttestation) (string, error) {
	if len(a.Keys) == 0 || len(a.Keys) > MaxAttestedKeys {
		return "", fmt.Errorf("%w: attested_keys holds 1 to %d keys", ErrMalformed, MaxAttestedKeys)
	}
	iat := a.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	keys := make([]any, len(a.Keys))
	for i, k := range a.Keys {
		keys[i] = k.Map()
	}
	c := map[string]any{"iat": iat.Unix(), "attested_keys": keys}
	if a.Issuer != "" {
		c["iss"] = a.Issuer
	}
	if !a.Expires.IsZero() {
		c["exp"] = a.Expires.Unix()
	}
	if len(a.KeyStorage) > 0 {
		c["key_storage"] = a.KeyStorage
	}
	if len(a.UserAuthentication) > 0 {
		c["user_authentication"] = a.UserAuthentication
	}
	if a.Certification != "" {
		c["certification"] = a.Certification
	}
	if a.Nonce != "" {
		c["nonce"] = a.Nonce
	}
	return s.sign(TypKeyAttestation, c)
}

// KeyPolicy is what a credential issuer requires of a key attestation.
type KeyPolicy struct {
	// Anchors are the trust anchors of the attesters (wallet providers).
	// Required.
	Anchors *pki.Anchors
	// Algs is the allow-list (proof_signing_alg_values_supported). Required.
	Algs []jose.Alg
	// Now, Leeway and MaxAge check "iat" (and "exp"); defaults time.Now(),
	// DefaultLeeway, DefaultPoPMaxAge.
	Now    time.Time
	Leeway time.Duration
	MaxAge time.Duration
	// Nonce, when set, is the c_nonce the attestation's "nonce" must equal
	// (Annex F.1 and F.3: "MUST be set to a server-provided c_nonce").
	Nonce string
	// RequireExp refuses an attestation without "exp": required when it
	// travels in a "jwt" proof (Annex D.1).
	RequireExp bool
	// KeyStorage and UserAuthentication are the issuer's
	// key_attestations_required values: when non-empty, the attestation
	// must assert at least one of them.
	KeyStorage, UserAuthentication []string
}

// AttestedKeys is a key attestation that passed VerifyKeyAttestation.
type AttestedKeys struct {
	Issuer                         string
	IssuedAt, Expires              time.Time
	Keys                           []*jose.PublicKey
	KeyStorage, UserAuthentication []string
	Certification, Nonce           string
	// Attester is the leaf certificate that signed the attestation.
	Attester *x509.Certificate
}

// Attests reports whether k is one of the attested keys.
func (a *AttestedKeys) Attests(k *jose.PublicKey) bool {
	return slices.ContainsFunc(a.Keys, func(x *jose.PublicKey) bool { return sameKey(x, k) })
}

// VerifyKeyAttestation checks a key attestation (OpenID4VCI 1.0 Annex D.1
// and the key proof rules of Annex F.4): typ, alg, the x5c chain to
// p.Anchors and the signature; "iat" (not in the future, not older than
// MaxAge), "exp" (required with RequireExp; not passed); "attested_keys"
// (1 to MaxAttestedKeys public JWKs); the nonce; and the protection levels
// the issuer requires.
func VerifyKeyAttestation(raw string, p KeyPolicy) (*AttestedKeys, error) {
	t, err := newTiming(p.Now, p.Leeway, p.MaxAge)
	if err != nil {
		return nil, err
	}
	c, v, err := parseCertified(raw, TypKeyAttestation, p.Anchors, p.Algs, t)
	if err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	out := &AttestedKeys{Attester: v.Leaf}
	if out.Issuer, err = str(c, "iss", false); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if out.IssuedAt, err = date(c, "iat", true); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if out.Expires, err = date(c, "exp", p.RequireExp); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if err := t.checkTimes(out.Expires, time.Time{}, out.IssuedAt); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if out.IssuedAt.Before(t.now.Add(-t.maxAge)) {
		return nil, fmt.Errorf("key attestation: %w: issued more than %v ago", ErrStale, t.maxAge)
	}
	keys, ok := c["attested_keys"].([]any)
	if !ok || len(keys) == 0 {
		return nil, fmt.Errorf("key attestation: %w: attested_keys is not a non-empty array", ErrMalformed)
	}
	if len(keys) > MaxAttestedKeys {
		return nil, fmt.Errorf("key attestation: %w: more than %d attested keys", ErrMalformed, MaxAttestedKeys)
	}
	for i, k := range keys {
		pk, err := publicJWK(k, fmt.Sprintf("attested key %d", i))
		if err != nil {
			return nil, fmt.Errorf("key attestation: %w", err)
		}
		out.Keys = append(out.Keys, pk)
	}
	if out.KeyStorage, err = stringList(c, "key_storage"); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if out.UserAuthentication, err = stringList(c, "user_authentication"); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if out.Certification, err = str(c, "certification", false); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if out.Nonce, err = str(c, "nonce", false); err != nil {
		return nil, fmt.Errorf("key attestation: %w", err)
	}
	if p.Nonce != "" && out.Nonce != p.Nonce {
		return nil, fmt.Errorf("%w: the key attestation's nonce is not the c_nonce", ErrNonce)
	}
	if !meets(out.KeyStorage, p.KeyStorage) {
		return nil, fmt.Errorf("%w: key_storage %v, accepted %v", ErrKeyStorage, out.KeyStorage, p.KeyStorage)
	}
	if !meets(out.UserAuthentication, p.UserAuthentication) {
		return nil, fmt.Errorf("%w: user_authentication %v, accepted %v", ErrKeyStorage, out.UserAuthentication, p.UserAuthentication)
	}
	return out, nil
}

// meets reports whether have holds one of accepted (anything meets an
// empty accepted list).
func meets(have, accepted []string) bool {
	if len(accepted) == 0 {
		return true
	}
	return slices.ContainsFunc(have, func(s string) bool { return slices.Contains(accepted, s) })
}

// stringList reads an optional non-empty array of non-empty strings.
func stringList(c map[string]any, name string) ([]string, error) {
	v, ok := c[name]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("%w: %q is not a non-empty array", ErrMalformed, name)
	}
	out := make([]string, len(arr))
	for i, m := range arr {
		s, ok := m.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: %q holds a member that is not a string", ErrMalformed, name)
		}
		out[i] = s
	}
	return out, nil
}

// CheckProofKey reports whether a "jwt" key proof's key is attested
// (Annex D.1: "the Credential Issuer MUST validate that the JWT used as a
// proof is signed by a key contained in the attestation"): ErrNotAttested
// otherwise.
func (a *AttestedKeys) CheckProofKey(k *jose.PublicKey) error {
	if !a.Attests(k) {
		return fmt.Errorf("%w: the proof is signed by a key the key attestation does not list", ErrNotAttested)
	}
	return nil
}
