package clientattest

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dpop"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Names of the draft.
const (
	// AttestationTyp and PoPTyp are the "typ" headers (§4, §5.1).
	AttestationTyp = "oauth-client-attestation+jwt"
	PoPTyp         = "oauth-client-attestation-pop+jwt"
	// AttestationHeader and PoPHeader are the HTTP request headers.
	AttestationHeader = "OAuth-Client-Attestation"
	PoPHeader         = "OAuth-Client-Attestation-PoP"
	// AuthMethod is the token_endpoint_auth_methods_supported value (§8).
	AuthMethod = "attest_jwt_client_auth"
)

// Defaults.
const (
	DefaultMaxAge = 2 * time.Minute
	DefaultLeeway = 30 * time.Second
)

// ErrInvalidClient reports a missing or invalid client attestation or
// proof of possession (RFC 6749 §5.2 invalid_client). Class TRUST; the
// wrapped cause adds its own class.
var ErrInvalidClient = credentials.NewError(credentials.ErrTrust, "invalid_client")

// Policy is what a server requires.
type Policy struct {
	// Anchors are the wallet providers' trust anchors. Required.
	Anchors *pki.Anchors
	// Algs is the algorithm allow-list for both JWTs. Required.
	Algs []jose.Alg
	// Audience is the authorization server's issuer identifier. Required.
	Audience string
	// ClientID, when set, must equal the attestation's sub.
	ClientID string
	// Now is the time used; zero means time.Now().
	Now time.Time
	// MaxAge bounds how old the PoP's iat may be (0: DefaultMaxAge);
	// Leeway is the clock skew allowed (0: DefaultLeeway, at most 60 s).
	MaxAge, Leeway time.Duration
}

// Result is a verified client attestation.
type Result struct {
	// ClientID is the attestation's sub.
	ClientID string
	// Issuer is the attestation's iss, empty when absent.
	Issuer string
	// Key is the client instance key (cnf.jwk).
	Key *jose.PublicKey
	// Chain is the validated x5c path of the wallet provider.
	Chain *pki.Verified
	// Expires is the attestation's exp.
	Expires time.Time
}

func fail(class error, format string, a ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrInvalidClient, class, fmt.Sprintf(format, a...))
}

// Verify checks the two header fields' values against p and records the
// PoP's jti in cache (required), in the order of the package
// documentation.
func Verify(ctx context.Context, attestation, pop []string, p Policy, cache dpop.ReplayCache) (*Result, error) {
	if cache == nil {
		return nil, fmt.Errorf("%w: no replay cache", ErrInvalidClient)
	}
	if len(attestation) != 1 || len(pop) != 1 {
		return nil, fail(credentials.ErrFormat, "want exactly one %s and one %s header", AttestationHeader, PoPHeader)
	}
	res, err := VerifyAttestation(attestation[0], p)
	if err != nil {
		return nil, err
	}
	jti, iat, err := VerifyPoP(pop[0], res.Key, p)
	if err != nil {
		return nil, err
	}
	maxAge, leeway, _ := p.window()
	h := sha256.Sum256([]byte(res.Key.Thumbprint() + "\x00" + jti))
	fresh, err := cache.Use(ctx, "attest-pop:"+jose.EncodeSegment(h[:]), iat.Add(maxAge+leeway))
	if err != nil {
		return nil, fmt.Errorf("client attestation PoP replay check: %w", err)
	}
	if !fresh {
		return nil, fail(credentials.ErrReplay, "the client attestation PoP was used before")
	}
	return res, nil
}

func (p Policy) window() (maxAge, leeway time.Duration, err error) {
	maxAge, leeway = p.MaxAge, p.Leeway
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	if leeway < 0 || leeway > limits.MaxClockSkewSeconds*time.Second {
		return 0, 0, fmt.Errorf("%w: leeway outside 0..%ds", ErrInvalidClient, limits.MaxClockSkewSeconds)
	}
	return maxAge, leeway, nil
}

func (p Policy) now() time.Time {
	if p.Now.IsZero() {
		return time.Now()
	}
	return p.Now
}

// parse is the common start of both JWTs: compact form, typ, alg, claims.
func parse(raw, typ string, algs []jose.Alg) (*jose.JWS, map[string]any, error) {
	j, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidClient, err)
	}
	if err := j.CheckType(typ); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidClient, err)
	}
	if err := jose.CheckAlg(j.Header.Alg, algs); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidClient, err)
	}
	var c map[string]any
	if err := j.DecodePayload(&c); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidClient, err)
	}
	if c == nil {
		return nil, nil, fail(credentials.ErrFormat, "payload is not an object")
	}
	return j, c, nil
}

// VerifyAttestation checks a Client Attestation JWT (§4, §7.1) against p.
func VerifyAttestation(raw string, p Policy) (*Result, error) {
	_, leeway, err := p.window()
	if err != nil {
		return nil, err
	}
	if p.Anchors == nil || len(p.Algs) == 0 {
		return nil, fmt.Errorf("%w: policy needs anchors and algorithms", ErrInvalidClient)
	}
	now := p.now()
	j, c, err := parse(raw, AttestationTyp, p.Algs)
	if err != nil {
		return nil, err
	}
	x5c, ok := j.Header.Raw["x5c"]
	if !ok {
		return nil, fail(credentials.ErrTrust, "the attestation has no x5c header (HAIP 1.0 §4.4.1)")
	}
	for _, n := range []string{"jwk", "jku", "x5u"} {
		if _, ok := j.Header.Raw[n]; ok {
			return nil, fail(credentials.ErrTrust, "header %q is not accepted: keys come from x5c", n)
		}
	}
	chain, err := pki.ParseX5C(x5c)
	if err != nil {
		return nil, fmt.Errorf("%w: x5c: %w", ErrInvalidClient, err)
	}
	v, err := p.Anchors.Verify(chain, now)
	if err != nil {
		return nil, fmt.Errorf("%w: wallet provider certificate: %w", ErrInvalidClient, err)
	}
	if err := j.Verify(v.Key, p.Algs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidClient, err)
	}
	res := &Result{Chain: v}
	res.ClientID, _ = c["sub"].(string)
	if res.ClientID == "" {
		return nil, fail(credentials.ErrClaim, "sub (the client_id) is missing")
	}
	if v, ok := c["iss"]; ok {
		if res.Issuer, ok = v.(string); !ok {
			return nil, fail(credentials.ErrClaim, "iss is not a string")
		}
	}
	exp, err := numericDate(c["exp"])
	if err != nil {
		return nil, fail(credentials.ErrClaim, "exp: %v", err)
	}
	if !now.Before(exp.Add(leeway)) {
		return nil, fail(credentials.ErrClaim, "the client attestation has expired")
	}
	res.Expires = exp
	for _, n := range []string{"nbf", "iat"} {
		if v, ok := c[n]; ok {
			t, err := numericDate(v)
			if err != nil {
				return nil, fail(credentials.ErrClaim, "%s: %v", n, err)
			}
			if t.After(now.Add(leeway)) {
				return nil, fail(credentials.ErrClaim, "%s is in the future", n)
			}
		}
	}
	cnf, _ := c["cnf"].(map[string]any)
	m, _ := cnf["jwk"].(map[string]any)
	if m == nil {
		return nil, fail(credentials.ErrClaim, "cnf.jwk is missing")
	}
	if _, ok := m["d"]; ok {
		return nil, fmt.Errorf("%w: cnf.jwk: %w", ErrInvalidClient, jose.ErrPrivateKeyMaterial)
	}
	if res.Key, err = jose.PublicKeyFromMap(m); err != nil {
		return nil, fmt.Errorf("%w: cnf.jwk: %w", ErrInvalidClient, err)
	}
	if p.ClientID != "" && p.ClientID != res.ClientID {
		return nil, fail(credentials.ErrClaim, "client_id is not the attestation's sub")
	}
	return res, nil
}

// VerifyPoP checks a Client Attestation PoP JWT (§5.1, §7.2) signed with
// key, and returns its jti and iat.
func VerifyPoP(raw string, key *jose.PublicKey, p Policy) (string, time.Time, error) {
	maxAge, leeway, err := p.window()
	if err != nil {
		return "", time.Time{}, err
	}
	if p.Audience == "" {
		return "", time.Time{}, fmt.Errorf("%w: policy has no audience", ErrInvalidClient)
	}
	now := p.now()
	j, c, err := parse(raw, PoPTyp, p.Algs)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := j.Verify(key, p.Algs); err != nil {
		return "", time.Time{}, fmt.Errorf("%w: PoP: %w", ErrInvalidClient, err)
	}
	switch aud := c["aud"].(type) {
	case string:
		if aud != p.Audience {
			return "", time.Time{}, fail(credentials.ErrClaim, "aud is not this authorization server")
		}
	case []any:
		if len(aud) != 1 || aud[0] != p.Audience {
			return "", time.Time{}, fail(credentials.ErrClaim, "aud is not this authorization server alone")
		}
	default:
		return "", time.Time{}, fail(credentials.ErrClaim, "aud is missing")
	}
	jti, _ := c["jti"].(string)
	if jti == "" || len(jti) > dpop.MaxJTIBytes {
		return "", time.Time{}, fail(credentials.ErrClaim, "jti is missing or too long")
	}
	iat, err := numericDate(c["iat"])
	if err != nil {
		return "", time.Time{}, fail(credentials.ErrClaim, "iat: %v", err)
	}
	if iat.After(now.Add(leeway)) || iat.Before(now.Add(-maxAge)) {
		return "", time.Time{}, fail(credentials.ErrClaim, "iat outside the accepted window")
	}
	return jti, iat, nil
}

// numericDate reads a JSON number of seconds within 0..253402300799.
func numericDate(v any) (time.Time, error) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("not a number")
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > 253402300799 {
		return time.Time{}, fmt.Errorf("out of range")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// AttestationOptions are the inputs of NewAttestation.
type AttestationOptions struct {
	// ClientID is "sub"; Issuer "iss" (the wallet provider), optional.
	ClientID, Issuer string
	// Key is the client instance key ("cnf.jwk").
	Key *jose.PublicKey
	// IssuedAt and Expires are "iat" and "exp".
	IssuedAt, Expires time.Time
	// Chain is the wallet provider's certificate chain, leaf first,
	// without the anchor ("x5c"); its leaf certifies signer.
	Chain []*x509.Certificate
}

// NewAttestation signs a Client Attestation JWT as a wallet provider
// would (§4).
func NewAttestation(signer *jose.PrivateKey, o AttestationOptions) (string, error) {
	if o.Key == nil || o.ClientID == "" || o.Expires.IsZero() || len(o.Chain) == 0 {
		return "", fmt.Errorf("%w: attestation needs a key, a client_id, an expiry and a chain", ErrInvalidClient)
	}
	c := map[string]any{"sub": o.ClientID, "exp": o.Expires.Unix(), "cnf": map[string]any{"jwk": o.Key.Map()}}
	if o.Issuer != "" {
		c["iss"] = o.Issuer
	}
	if !o.IssuedAt.IsZero() {
		c["iat"] = o.IssuedAt.Unix()
	}
	b, err := strictjson.Marshal(c)
	if err != nil {
		return "", err
	}
	return jose.Sign(signer.WithKeyID(""), AttestationTyp, map[string]any{"x5c": pki.X5C(o.Chain)}, b)
}

// NewPoP signs a Client Attestation PoP JWT with the client instance key
// for the authorization server audience (§5.1).
func NewPoP(key *jose.PrivateKey, audience, jti string, iat time.Time) (string, error) {
	b, err := strictjson.Marshal(map[string]any{"aud": audience, "jti": jti, "iat": iat.Unix()})
	if err != nil {
		return "", err
	}
	return jose.Sign(key.WithKeyID(""), PoPTyp, nil, b)
}
