package oid4vci

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// ProofTyp is the "typ" header of a key proof JWT (VCI Appendix F.1).
const ProofTyp = "openid4vci-proof+jwt"

// Defaults of ProofPolicy.
const (
	// DefaultProofMaxAge is how old a proof's "iat" may be.
	DefaultProofMaxAge = 5 * time.Minute
	// DefaultProofLeeway is how far in the future a proof's "iat" may be.
	DefaultProofLeeway = 30 * time.Second
)

// KeyRef says how a proof's header names the proving key.
type KeyRef int

// The ways a proof names its key.
const (
	// KeyRefJWK puts the public key in the "jwk" header (the default).
	KeyRefJWK KeyRef = iota
	// KeyRefDIDJWK puts the key's did:jwk DID URL ("…#0") in "kid".
	KeyRefDIDJWK
	// KeyRefDIDKey puts the key's did:key DID URL in "kid".
	KeyRefDIDKey
)

// ProofOptions are the inputs of BuildProof.
type ProofOptions struct {
	// Audience is the Credential Issuer Identifier ("aud"). Required.
	Audience string
	// Nonce is the c_nonce from the issuer's Nonce Endpoint ("nonce");
	// empty leaves the claim out.
	Nonce string
	// IssuedAt is "iat"; zero means now.
	IssuedAt time.Time
	// ClientID is "iss"; empty for anonymous pre-authorized access, where
	// VCI requires the claim to be omitted.
	ClientID string
	// KeyRef says how the header names the key.
	KeyRef KeyRef
	// KeyAttestation, when set, is a key attestation (VCI Appendix D)
	// listing the key, sent in the "key_attestation" header (HAIP §4.5).
	KeyAttestation string
}

// BuildProof signs a key proof for key: header typ openid4vci-proof+jwt, the
// key's alg and the key as KeyRef says; claims aud, iat, and nonce and iss
// when given (VCI Appendix F.1).
func BuildProof(key *jose.PrivateKey, o ProofOptions) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: no key", ErrInvalidProof)
	}
	if o.Audience == "" {
		return "", fmt.Errorf("%w: audience is required", ErrInvalidProof)
	}
	iat := o.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	claims := map[string]any{"aud": o.Audience, "iat": iat.Unix()}
	if o.Nonce != "" {
		claims["nonce"] = o.Nonce
	}
	if o.ClientID != "" {
		claims["iss"] = o.ClientID
	}
	payload, err := strictjson.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode proof claims: %w", err)
	}
	var extra map[string]any
	signer := key.WithKeyID("")
	switch o.KeyRef {
	case KeyRefJWK:
		extra = map[string]any{"jwk": key.Public().Map()}
	case KeyRefDIDJWK:
		d, err := did.JWKFromKey(key.Public())
		if err != nil {
			return "", err
		}
		signer = key.WithKeyID(d + "#0")
	case KeyRefDIDKey:
		d, err := did.KeyFromPublic(key.Public())
		if err != nil {
			return "", err
		}
		signer = key.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
	default:
		return "", fmt.Errorf("%w: unknown key reference %d", ErrInvalidProof, o.KeyRef)
	}
	if o.KeyAttestation != "" {
		if extra == nil {
			extra = map[string]any{}
		}
		extra["key_attestation"] = o.KeyAttestation
	}
	tok, err := jose.Sign(signer, ProofTyp, extra, payload)
	if err != nil {
		return "", fmt.Errorf("sign key proof: %w", err)
	}
	return tok, nil
}

// ProofPolicy is what an issuer requires of a key proof.
type ProofPolicy struct {
	// Audience is the Credential Issuer Identifier; "aud" must equal it.
	// Required.
	Audience string
	// Algs is the algorithm allow-list (proof_signing_alg_values_supported).
	// Required.
	Algs []jose.Alg
	// Now is the time to check "iat" against; zero means time.Now().
	Now time.Time
	// Leeway is how far in the future "iat" may be: 0 means
	// DefaultProofLeeway; at most 60 s.
	Leeway time.Duration
	// MaxAge is how old "iat" may be: 0 means DefaultProofMaxAge.
	MaxAge time.Duration
	// NonceRequired refuses a proof without "nonce" (ErrInvalidProof): the
	// issuer has a Nonce Endpoint.
	NonceRequired bool
	// Nonce, when set, must equal "nonce" (ErrInvalidNonce otherwise).
	Nonce string
	// ClientID, when set, must equal "iss" when the proof has one (iss is
	// OPTIONAL, VCI 1.0 Appendix F.1). When empty (anonymous access), an
	// "iss" is only checked when it is a DID.
	ClientID string
	// KeyAttestations, when set, checks a "key_attestation" header (VCI
	// Appendix D, F.1; HAIP §4.5.1) against the wallet providers' anchors:
	// the proof's key must be attested, and the attestation's nonce must be
	// the proof's c_nonce. Without it a key attestation is not evaluated
	// (nor refused): the issuer has no anchors to judge it by.
	KeyAttestations *attest.KeyPolicy
	// RequireKeyAttestation refuses a proof without a key attestation
	// (the issuer's key_attestations_required).
	RequireKeyAttestation bool
}

// Proof is a verified key proof.
type Proof struct {
	// Key is the proving key, the key to bind the credential to. Its KeyID
	// is the DID URL for a "kid" proof, the RFC 7638 thumbprint for a "jwk"
	// proof.
	Key *jose.PublicKey
	// DID is the DID of a "kid" proof, empty for a "jwk" proof.
	DID string
	// Nonce is the "nonce" claim, empty when absent.
	Nonce string
	// Issuer is the "iss" claim, empty when absent.
	Issuer string
	// IssuedAt is "iat".
	IssuedAt time.Time
	// Attested is the verified key attestation of the proof's key, nil
	// when the proof carried none (or none was evaluated).
	Attested *attest.AttestedKeys
}

// VerifyProof verifies a key proof of the "jwt" proof type against p, in
// the order of the package documentation. Every failure wraps
// ErrInvalidProof and its cause (whose class says what failed: ALG for an
// algorithm off the list, TYP for a wrong typ, SIG for the signature, FMT for
// key confusion, CLAIM for aud and iat), except a nonce that differs from
// p.Nonce, which wraps ErrInvalidNonce.
func VerifyProof(raw string, p ProofPolicy) (*Proof, error) {
	if p.Audience == "" {
		return nil, fmt.Errorf("%w: policy has no audience", ErrInvalidProof)
	}
	leeway, maxAge := p.Leeway, p.MaxAge
	if leeway == 0 {
		leeway = DefaultProofLeeway
	}
	if leeway < 0 || leeway > limits.MaxClockSkewSeconds*time.Second {
		return nil, fmt.Errorf("%w: leeway outside 0..%ds", ErrInvalidProof, limits.MaxClockSkewSeconds)
	}
	if maxAge <= 0 {
		maxAge = DefaultProofMaxAge
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	// 1. size and compact form.
	j, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// 2. typ.
	if err := j.CheckType(ProofTyp); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// 3. alg, before any key is looked at.
	if err := jose.CheckAlg(j.Header.Alg, p.Algs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// 4. the key.
	key, subject, err := proofKey(j)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// 5. signature.
	if err := j.Verify(key, p.Algs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// 6. claims.
	var c map[string]any
	if err := j.DecodePayload(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if c == nil {
		return nil, fmt.Errorf("%w: %w: payload is not an object", ErrInvalidProof, credentials.ErrFormat)
	}
	out := &Proof{Key: key, DID: subject}
	if aud, ok := c["aud"].(string); !ok || aud != p.Audience {
		return nil, fmt.Errorf("%w: %w: aud is not the credential issuer %q", ErrInvalidProof, credentials.ErrClaim, trunc(p.Audience))
	}
	iat, err := jose.NumericDate(c["iat"])
	if err != nil {
		return nil, fmt.Errorf("%w: %w: iat: %v", ErrInvalidProof, credentials.ErrClaim, err)
	}
	if iat.After(now.Add(leeway)) {
		return nil, fmt.Errorf("%w: %w: iat is in the future", ErrInvalidProof, credentials.ErrClaim)
	}
	if iat.Before(now.Add(-maxAge)) {
		return nil, fmt.Errorf("%w: %w: iat is older than %v", ErrInvalidProof, credentials.ErrClaim, maxAge)
	}
	out.IssuedAt = iat
	if v, present := c["nonce"]; present {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: %w: nonce is not a non-empty string", ErrInvalidProof, credentials.ErrClaim)
		}
		out.Nonce = s
	}
	if out.Nonce == "" && (p.NonceRequired || p.Nonce != "") {
		return nil, fmt.Errorf("%w: %w: no c_nonce in the proof", ErrInvalidProof, credentials.ErrClaim)
	}
	if p.Nonce != "" && out.Nonce != p.Nonce {
		return nil, fmt.Errorf("%w: the proof's c_nonce is not the expected one", ErrInvalidNonce)
	}
	if v, present := c["iss"]; present {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: %w: iss is not a non-empty string", ErrInvalidProof, credentials.ErrClaim)
		}
		out.Issuer = s
	}
	// VCI 1.0 Appendix F.1: iss is OPTIONAL; when present it MUST be the
	// client_id of the token request.
	if p.ClientID != "" && out.Issuer != "" && out.Issuer != p.ClientID {
		return nil, fmt.Errorf("%w: %w: iss is not the client_id", ErrInvalidProof, credentials.ErrClaim)
	}
	if strings.HasPrefix(out.Issuer, "did:") && !keyHasDID(key, subject, out.Issuer) {
		return nil, fmt.Errorf("%w: %w: iss names a DID that is not the proving key's", ErrInvalidProof, credentials.ErrTrust)
	}
	// 7. the key attestation.
	ka, hasKA := j.Header.Raw["key_attestation"]
	switch {
	case !hasKA && p.RequireKeyAttestation:
		return nil, fmt.Errorf("%w: %w: a key attestation is required", ErrInvalidProof, attest.ErrMissing)
	case hasKA && p.KeyAttestations != nil:
		raw, ok := ka.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %w: key_attestation is not a JWT string", ErrInvalidProof, attest.ErrMalformed)
		}
		kp := *p.KeyAttestations
		kp.Now, kp.Nonce, kp.RequireExp = now, out.Nonce, true
		a, err := attest.VerifyKeyAttestation(raw, kp)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
		}
		if err := a.CheckProofKey(key); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
		}
		out.Attested = a
	case hasKA && p.RequireKeyAttestation:
		return nil, fmt.Errorf("%w: key attestations are required but no wallet provider anchors are configured", ErrInvalidProof)
	}
	return out, nil
}

// VerifyAttestationProof verifies a proof of the "attestation" type (VCI
// Appendix F.3): a key attestation without proof of possession, whose
// nonce must be a c_nonce when p.NonceRequired (the issuer has a Nonce
// Endpoint; the caller checks that the nonce is its own and unused) and
// whose keys the credentials are bound to, one each. It needs
// p.KeyAttestations. Errors wrap ErrInvalidProof.
func VerifyAttestationProof(raw string, p ProofPolicy) (*attest.AttestedKeys, error) {
	if p.KeyAttestations == nil {
		return nil, fmt.Errorf("%w: %w: this issuer accepts no attestation proofs (no wallet provider anchors)", ErrInvalidProof, credentials.ErrTrust)
	}
	kp := *p.KeyAttestations
	if !p.Now.IsZero() {
		kp.Now = p.Now
	}
	kp.Nonce = p.Nonce
	a, err := attest.VerifyKeyAttestation(raw, kp)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if a.Nonce == "" && p.NonceRequired {
		return nil, fmt.Errorf("%w: %w: the key attestation carries no c_nonce", ErrInvalidProof, attest.ErrNonce)
	}
	return a, nil
}

// proofKey returns the key the header names: exactly one of kid (a did:jwk
// or did:key DID URL) and jwk (a public key); x5c is not supported.
func proofKey(j *jose.JWS) (*jose.PublicKey, string, error) {
	h := j.Header.Raw
	_, hasJWK := h["jwk"]
	_, hasX5C := h["x5c"]
	_, hasKid := h["kid"]
	n := 0
	for _, b := range []bool{hasJWK, hasX5C, hasKid} {
		if b {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, "", fmt.Errorf("%w: the header names no key (kid, jwk)", credentials.ErrFormat)
	case n > 1:
		return nil, "", fmt.Errorf("%w: the header must carry exactly one of kid, jwk and x5c", credentials.ErrFormat)
	case hasX5C:
		return nil, "", fmt.Errorf("%w: x5c proofs are not supported", credentials.ErrTrust)
	case hasJWK:
		m, ok := h["jwk"].(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("%w: jwk is not an object", credentials.ErrFormat)
		}
		if _, ok := m["d"]; ok {
			return nil, "", jose.ErrPrivateKeyMaterial
		}
		k, err := jose.PublicKeyFromMap(m)
		if err != nil {
			return nil, "", err
		}
		return k.WithKeyID(k.Thumbprint()), "", nil
	}
	kid := j.Header.Kid
	u, err := did.ParseURL(kid)
	if err != nil {
		return nil, "", fmt.Errorf("kid: %w", err)
	}
	if u.DID.Method != did.MethodJWK && u.DID.Method != did.MethodKey {
		return nil, "", fmt.Errorf("%w: kid must be a did:jwk or did:key DID URL", credentials.ErrTrust)
	}
	// did:jwk and did:key are expanded locally: no I/O happens, so no
	// caller context is needed.
	k, err := did.NewResolver(nil).ResolveKey(context.Background(), kid, did.Authentication)
	if err != nil {
		return nil, "", err
	}
	return k, u.DID.String(), nil
}

// keyHasDID reports whether id is the DID of key: the DID of its kid, or
// its did:jwk or did:key.
func keyHasDID(key *jose.PublicKey, subject, id string) bool {
	if subject != "" {
		return id == subject
	}
	if d, err := did.JWKFromKey(key); err == nil && d == id {
		return true
	}
	if d, err := did.KeyFromPublic(key); err == nil && d == id {
		return true
	}
	return false
}
