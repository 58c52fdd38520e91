package dpop

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// Defaults of Policy.
const (
	// DefaultMaxAge is how old a proof's iat may be.
	DefaultMaxAge = 2 * time.Minute
	// DefaultLeeway is how far in the future iat may be.
	DefaultLeeway = 30 * time.Second
	// MaxJTIBytes bounds "jti".
	MaxJTIBytes = 256
)

// Policy is what a server requires of a DPoP proof for one request.
type Policy struct {
	// Method and URL are the request as the server received it: its
	// method and its public URL (the query and fragment are ignored).
	// Required.
	Method string
	URL    string
	// Algs is the algorithm allow-list (dpop_signing_alg_values_supported).
	// Required.
	Algs []jose.Alg
	// Now is the time to check iat against; zero means time.Now().
	Now time.Time
	// MaxAge is how old iat may be (0: DefaultMaxAge); Leeway how far in
	// the future (0: DefaultLeeway; at most 60 s).
	MaxAge, Leeway time.Duration
	// Nonces, when set, requires a "nonce" it made (ErrUseNonce otherwise).
	Nonces *Nonces
	// AccessToken, when set, requires "ath" to be its hash (a request to
	// a protected resource, RFC 9449 §4.3 point 12).
	AccessToken string
	// BoundJKT, when set, requires the proof's key to have this thumbprint
	// (the key the access token or authorization code is bound to).
	BoundJKT string
}

// Proof is a verified DPoP proof.
type Proof struct {
	// Key is the public key of the jwk header.
	Key *jose.PublicKey
	// JKT is the key's RFC 7638 thumbprint.
	JKT      string
	JTI      string
	IssuedAt time.Time
	// Nonce is the "nonce" claim, empty when absent.
	Nonce string
}

// Verify checks the DPoP header values of a request (all the values of
// the header field, as received) against p, then records the proof's jti
// in cache: every check of the package documentation, in order. cache is
// required.
func Verify(ctx context.Context, values []string, p Policy, cache ReplayCache) (*Proof, error) {
	if cache == nil {
		return nil, fmt.Errorf("%w: no replay cache", ErrInvalidProof)
	}
	switch len(values) {
	case 0:
		return nil, fmt.Errorf("%w: %w: no DPoP header", ErrInvalidProof, credentials.ErrFormat)
	case 1:
	default:
		return nil, fmt.Errorf("%w: %w: more than one DPoP header", ErrInvalidProof, credentials.ErrFormat)
	}
	pr, err := VerifyProof(values[0], p)
	if err != nil {
		return nil, err
	}
	maxAge, leeway, _ := p.window()
	h := sha256.Sum256([]byte(pr.JKT + "\x00" + pr.JTI))
	fresh, err := cache.Use(ctx, "dpop:"+jose.EncodeSegment(h[:]), pr.IssuedAt.Add(maxAge+leeway))
	if err != nil {
		return nil, fmt.Errorf("DPoP replay check: %w", err)
	}
	if !fresh {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, ErrReplayed)
	}
	return pr, nil
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
		return 0, 0, fmt.Errorf("%w: leeway outside 0..%ds", ErrInvalidProof, limits.MaxClockSkewSeconds)
	}
	return maxAge, leeway, nil
}

// VerifyProof checks one proof against p: every check of Verify except the
// header count and the jti replay cache. It does no I/O.
func VerifyProof(raw string, p Policy) (*Proof, error) {
	maxAge, leeway, err := p.window()
	if err != nil {
		return nil, err
	}
	if p.Method == "" || len(p.Algs) == 0 {
		return nil, fmt.Errorf("%w: policy needs a method and algorithms", ErrInvalidProof)
	}
	want, err := targetURI(p.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: policy URL: %w", ErrInvalidProof, err)
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	fail := func(class error, format string, a ...any) error {
		return fmt.Errorf("%w: %w: %s", ErrInvalidProof, class, fmt.Sprintf(format, a...))
	}
	// §4.3 point 2: a well-formed JWT (size first).
	j, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// Point 4: typ.
	if err := j.CheckType(Typ); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// Point 5: alg, before any key is looked at.
	if err := jose.CheckAlg(j.Header.Alg, p.Algs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// Point 7: the jwk header, public only; the one key reference.
	for _, n := range []string{"kid", "x5c", "jku", "x5u"} {
		if _, ok := j.Header.Raw[n]; ok {
			return nil, fail(credentials.ErrFormat, "header %q is not allowed beside jwk", n)
		}
	}
	m, ok := j.Header.Raw["jwk"].(map[string]any)
	if !ok {
		return nil, fail(credentials.ErrFormat, "no jwk header object")
	}
	if _, ok := m["d"]; ok {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, jose.ErrPrivateKeyMaterial)
	}
	key, err := jose.PublicKeyFromMap(m)
	if err != nil {
		return nil, fmt.Errorf("%w: jwk: %w", ErrInvalidProof, err)
	}
	// Point 6: signature.
	if err := j.Verify(key, p.Algs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	// Point 3: the required claims.
	var c map[string]any
	if err := j.DecodePayload(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if c == nil {
		return nil, fail(credentials.ErrFormat, "payload is not an object")
	}
	out := &Proof{Key: key, JKT: key.Thumbprint()}
	jti, _ := c["jti"].(string)
	htm, _ := c["htm"].(string)
	htu, _ := c["htu"].(string)
	switch {
	case jti == "":
		return nil, fail(credentials.ErrClaim, "jti is missing")
	case len(jti) > MaxJTIBytes:
		return nil, fail(credentials.ErrLimit, "jti over %d bytes", MaxJTIBytes)
	case htm == "":
		return nil, fail(credentials.ErrClaim, "htm is missing")
	case htu == "":
		return nil, fail(credentials.ErrClaim, "htu is missing")
	}
	out.JTI = jti
	iat, err := jose.NumericDate(c["iat"])
	if err != nil {
		return nil, fail(credentials.ErrClaim, "iat: %v", err)
	}
	out.IssuedAt = iat
	// Point 8: htm.
	if htm != p.Method {
		return nil, fail(credentials.ErrClaim, "htm is not the request method")
	}
	// Point 9: htu, without query and fragment, normalised.
	got, err := targetURI(htu)
	if err != nil {
		return nil, fmt.Errorf("%w: htu: %w", ErrInvalidProof, err)
	}
	if got != want {
		return nil, fail(credentials.ErrClaim, "htu is not the request URL")
	}
	// Point 10: the server nonce.
	if v, present := c["nonce"]; present {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, fail(credentials.ErrClaim, "nonce is not a non-empty string")
		}
		out.Nonce = s
	}
	if p.Nonces != nil && !p.Nonces.Valid(out.Nonce, now) {
		if out.Nonce == "" {
			return nil, fmt.Errorf("%w: the proof has no server nonce", ErrUseNonce)
		}
		return nil, fmt.Errorf("%w: the proof's nonce is stale or not this server's", ErrUseNonce)
	}
	// Point 11: iat window.
	if iat.After(now.Add(leeway)) {
		return nil, fail(credentials.ErrClaim, "iat is in the future")
	}
	if iat.Before(now.Add(-maxAge)) {
		return nil, fail(credentials.ErrClaim, "iat is older than %v", maxAge)
	}
	// Point 12: ath and the bound key.
	if p.AccessToken != "" {
		ath, _ := c["ath"].(string)
		if subtle.ConstantTimeCompare([]byte(ath), []byte(AccessTokenHash(p.AccessToken))) != 1 {
			return nil, fail(credentials.ErrKeyBinding, "ath is not the hash of the access token")
		}
	}
	if p.BoundJKT != "" && subtle.ConstantTimeCompare([]byte(p.BoundJKT), []byte(out.JKT)) != 1 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, ErrKeyMismatch)
	}
	return out, nil
}
