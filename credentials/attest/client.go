package attest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// WalletAttestation is what a wallet provider says about a wallet instance
// (OpenID4VCI 1.0 Annex E; draft §5.1).
type WalletAttestation struct {
	// Provider is "iss", the wallet provider's identifier. Required.
	Provider string
	// ClientID is "sub", the client_id the wallet uses. OpenID4VCI §14.4.4:
	// the same for every instance of the wallet, never one per instance.
	// Required.
	ClientID string
	// Key is "cnf.jwk", the wallet instance's key, which signs the PoPs.
	// Required; use a fresh one per issuer (HAIP §4.4.1: unlinkable).
	Key *jose.PublicKey
	// IssuedAt, NotBefore and Expires are "iat", "nbf" and "exp" (Expires
	// required).
	IssuedAt, NotBefore, Expires time.Time
	// WalletName and WalletLink are the optional Annex E claims.
	WalletName, WalletLink string
}

// SignWalletAttestation signs a as the wallet provider s.
func SignWalletAttestation(s Signer, a WalletAttestation) (string, error) {
	if a.Provider == "" || a.ClientID == "" || a.Key == nil || a.Expires.IsZero() {
		return "", fmt.Errorf("%w: iss, sub, cnf and exp are required", ErrMalformed)
	}
	c := map[string]any{
		"iss": a.Provider, "sub": a.ClientID, "exp": a.Expires.Unix(),
		"cnf": map[string]any{"jwk": a.Key.Map()},
	}
	if !a.IssuedAt.IsZero() {
		c["iat"] = a.IssuedAt.Unix()
	}
	if !a.NotBefore.IsZero() {
		c["nbf"] = a.NotBefore.Unix()
	}
	if a.WalletName != "" {
		c["wallet_name"] = a.WalletName
	}
	if a.WalletLink != "" {
		c["wallet_link"] = a.WalletLink
	}
	return s.sign(TypClientAttestation, c)
}

// PoPOptions are the inputs of SignPoP.
type PoPOptions struct {
	// ClientID is "iss": the attestation's "sub". Required.
	ClientID string
	// Audience is "aud": the authorization server's issuer identifier
	// (RFC 8414). Required.
	Audience string
	// Challenge is "challenge", when the server gave one.
	Challenge string
	// IssuedAt is "iat"; zero means now.
	IssuedAt time.Time
}

// SignPoP signs a Client Attestation PoP JWT (draft §5.2) with the wallet
// instance's key, with a fresh random "jti".
func SignPoP(key *jose.PrivateKey, o PoPOptions) (string, error) {
	if key == nil || o.ClientID == "" || o.Audience == "" {
		return "", fmt.Errorf("%w: key, client_id and audience are required", ErrMalformed)
	}
	iat := o.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	c := map[string]any{"iss": o.ClientID, "aud": o.Audience, "jti": randomID(), "iat": iat.Unix()}
	if o.Challenge != "" {
		c["challenge"] = o.Challenge
	}
	payload, err := strictjson.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode attestation PoP: %w", err)
	}
	return jose.Sign(key.WithKeyID(""), TypClientAttestationPoP, nil, payload)
}

// ClientPolicy is what an authorization server requires of a client
// attestation.
type ClientPolicy struct {
	// Anchors are the trust anchors of the wallet providers the issuer
	// trusts (OpenID4VCI Annex E: "signed by an issuer that the Credential
	// Issuer trusts for this purpose"). Required.
	Anchors *pki.Anchors
	// Algs is the allow-list for both JWTs
	// (client_attestation_signing_alg_values_supported and
	// client_attestation_pop_signing_alg_values_supported). Required.
	Algs []jose.Alg
	// Audience is this authorization server's issuer identifier; the PoP's
	// "aud" must name it. Required.
	Audience string
	// ClientID is the request's client_id parameter, when it has one: it
	// must equal the attestation's "sub" and the PoP's "iss" (draft §6.3,
	// §6.4, §8 point 13).
	ClientID string
	// Now, Leeway: the time and clock skew for every time claim (defaults
	// time.Now() and DefaultLeeway, at most 60 s).
	Now    time.Time
	Leeway time.Duration
	// PoPMaxAge is how old the PoP's "iat" may be (default
	// DefaultPoPMaxAge); it also bounds how long a "jti" must be remembered.
	PoPMaxAge time.Duration
	// MaxAttestationAge, when set, refuses an attestation issued ("iat")
	// longer ago with ErrStale (use_fresh_attestation; draft §8 point 11).
	MaxAttestationAge time.Duration
	// Challenge, when set, checks the PoP's "challenge": the server gave
	// challenges (draft §7), so a PoP without one, or with one this
	// function refuses, is refused with ErrChallenge.
	Challenge func(challenge string) error
	// Replay, when set, records the PoP's jti until the given time and
	// returns an error wrapping ErrReplay when it was recorded before
	// (draft §12.1). It is called last, after every other check passed.
	// The key passed is the instance key's thumbprint and the jti.
	Replay func(key string, until time.Time) error
}

// Client is a client attestation that passed VerifyClient.
type Client struct {
	// ClientID is the attestation's "sub".
	ClientID string
	// Provider is the attestation's "iss"; ProviderCertificate the leaf
	// that signed it.
	Provider            string
	ProviderCertificate *x509.Certificate
	// Key is the wallet instance's key ("cnf.jwk").
	Key *jose.PublicKey
	// IssuedAt (zero when absent) and Expires of the attestation.
	IssuedAt, Expires time.Time
	// WalletName and WalletLink, when the provider named them.
	WalletName, WalletLink string
}

// VerifyClient checks a Wallet Attestation and its PoP, in the order of the
// draft's §8: both well-formed JWTs of their types; algorithms on the
// allow-list; the attestation's x5c chain to p.Anchors and its signature;
// its "cnf" a public key; the PoP's signature by that key; the challenge;
// the PoP's age; its audience; the attestation's freshness; client_id; and
// last the PoP's jti against replay.
func VerifyClient(attestation, pop string, p ClientPolicy) (*Client, error) {
	if p.Audience == "" {
		return nil, fmt.Errorf("%w: policy has no audience", ErrMalformed)
	}
	t, err := newTiming(p.Now, p.Leeway, p.PoPMaxAge)
	if err != nil {
		return nil, err
	}
	if attestation == "" || pop == "" {
		return nil, fmt.Errorf("%w: both the attestation and its proof of possession are needed", ErrMissing)
	}
	c, v, err := parseCertified(attestation, TypClientAttestation, p.Anchors, p.Algs, t)
	if err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	out := &Client{ProviderCertificate: v.Leaf}
	if out.Provider, err = str(c, "iss", true); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	if out.ClientID, err = str(c, "sub", true); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	if out.Expires, err = date(c, "exp", true); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	if out.IssuedAt, err = date(c, "iat", false); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	nbf, err := date(c, "nbf", false)
	if err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	if err := t.checkTimes(out.Expires, nbf, out.IssuedAt); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	cnf, ok := c["cnf"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("wallet attestation: %w: cnf is not an object", ErrMalformed)
	}
	if out.Key, err = publicJWK(cnf["jwk"], "cnf.jwk"); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	if out.WalletName, err = str(c, "wallet_name", false); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}
	if out.WalletLink, err = str(c, "wallet_link", false); err != nil {
		return nil, fmt.Errorf("wallet attestation: %w", err)
	}

	j, err := jose.ParseCompact(pop)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	if err := j.CheckType(TypClientAttestationPoP); err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	if err := j.Verify(out.Key, p.Algs); err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	pc, err := decodeClaims(j)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	popIss, err := str(pc, "iss", true)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	jti, err := str(pc, "jti", true)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	iat, err := date(pc, "iat", true)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	popExp, err := date(pc, "exp", false)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	popNbf, err := date(pc, "nbf", false)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	challenge, err := str(pc, "challenge", false)
	if err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	if p.Challenge != nil {
		if challenge == "" {
			return nil, fmt.Errorf("%w: the PoP has no challenge", ErrChallenge)
		}
		if err := p.Challenge(challenge); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrChallenge, err)
		}
	}
	if err := t.checkTimes(popExp, popNbf, iat); err != nil {
		return nil, fmt.Errorf("attestation PoP: %w", err)
	}
	if iat.Before(t.now.Add(-t.maxAge)) {
		return nil, fmt.Errorf("%w: the PoP is older than %v", ErrStale, t.maxAge)
	}
	if !audienceHas(pc["aud"], p.Audience) {
		return nil, fmt.Errorf("%w: aud does not name %q", ErrAudience, p.Audience)
	}
	if p.MaxAttestationAge > 0 && !out.IssuedAt.IsZero() && out.IssuedAt.Before(t.now.Add(-p.MaxAttestationAge)) {
		return nil, fmt.Errorf("%w: the wallet attestation is older than %v", ErrStale, p.MaxAttestationAge)
	}
	if popIss != out.ClientID {
		return nil, fmt.Errorf("%w: the PoP's iss is not the attestation's sub", ErrClientID)
	}
	if p.ClientID != "" && p.ClientID != out.ClientID {
		return nil, fmt.Errorf("%w: the request's client_id is not the attestation's sub", ErrClientID)
	}
	if p.Replay != nil {
		if err := p.Replay(out.Key.Thumbprint()+"."+jti, iat.Add(t.maxAge+t.leeway)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// audienceHas reports whether aud (a string or an array of strings, RFC
// 7519 §4.1.3) names want.
func audienceHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, m := range a {
			if s, ok := m.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

// FromHeader reads the two client attestation headers of a request (draft
// §6.1, §6.2 points 1–2): both absent → ("", "", nil), so the caller
// decides whether one is required; otherwise exactly one of each, each a
// single token68 value, or ErrMissing / ErrMalformed.
func FromHeader(h http.Header) (attestation, pop string, err error) {
	a, p := h.Values(HeaderAttestation), h.Values(HeaderPoP)
	switch {
	case len(a) == 0 && len(p) == 0:
		return "", "", nil
	case len(a) == 0 || len(p) == 0:
		return "", "", fmt.Errorf("%w: %s and %s must be sent together", ErrMissing, HeaderAttestation, HeaderPoP)
	case len(a) > 1 || len(p) > 1:
		return "", "", fmt.Errorf("%w: a client attestation header is repeated", ErrMalformed)
	}
	if !token68(a[0]) || !token68(p[0]) {
		return "", "", fmt.Errorf("%w: a client attestation header is not a single token68 value", ErrMalformed)
	}
	return a[0], p[0], nil
}

// SetHeader sets the two headers on a request (the wallet side).
func SetHeader(h http.Header, attestation, pop string) {
	h.Set(HeaderAttestation, attestation)
	h.Set(HeaderPoP, pop)
}

// token68 reports whether s is RFC 9110 §11.2 token68:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func token68(s string) bool {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			i++
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// randomID returns 128 random bits, base64url: a PoP "jti".
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
