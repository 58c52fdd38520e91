package dpop

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Names of RFC 9449.
const (
	// Typ is the "typ" header of a DPoP proof (RFC 9449 §4.2).
	Typ = "dpop+jwt"
	// Header is the HTTP request header carrying a proof (RFC 9449 §4.1).
	Header = "DPoP"
	// NonceHeader is the HTTP response header carrying a server nonce
	// (RFC 9449 §8, §9).
	NonceHeader = "DPoP-Nonce"
	// Scheme is the authentication scheme of a DPoP-bound access token
	// (RFC 9449 §7.1), and the token_type of the token response (§5).
	Scheme = "DPoP"
	// ParamJKT is the authorization request parameter binding the
	// authorization code to a key (RFC 9449 §10).
	ParamJKT = "dpop_jkt"
)

// Error codes of RFC 9449 §5 (invalid_dpop_proof) and §8/§9
// (use_dpop_nonce).
const (
	CodeInvalidProof = "invalid_dpop_proof"
	CodeUseNonce     = "use_dpop_nonce"
)

// Sentinel errors.
var (
	// ErrInvalidProof reports a DPoP proof that is missing, malformed or
	// fails a check of RFC 9449 §4.3 (error code invalid_dpop_proof).
	// Class KB; the wrapped cause adds its own class (FMT, TYP, ALG, SIG,
	// CLAIM, REPLAY).
	ErrInvalidProof = credentials.NewError(credentials.ErrKeyBinding, "invalid_dpop_proof")
	// ErrUseNonce reports a proof without the server nonce, or with one
	// that is stale or not the server's (error code use_dpop_nonce, RFC
	// 9449 §8, §9): the client retries with the nonce in the DPoP-Nonce
	// response header. Class REPLAY.
	ErrUseNonce = credentials.NewError(credentials.ErrReplay, "use_dpop_nonce")
	// ErrReplayed reports a proof whose jti was seen before for its key
	// (RFC 9449 §11.1). It comes wrapped in ErrInvalidProof. Class REPLAY.
	ErrReplayed = credentials.NewError(credentials.ErrReplay, "DPoP proof replayed")
	// ErrKeyMismatch reports a proof signed by another key than the one
	// the token or code is bound to. It comes wrapped in ErrInvalidProof.
	// Class KB.
	ErrKeyMismatch = credentials.NewError(credentials.ErrKeyBinding, "DPoP key is not the bound key")
)

// ProofOptions are the inputs of NewProof.
type ProofOptions struct {
	// Method is the HTTP method ("htm"). Required.
	Method string
	// URL is the HTTP target URI; "htu" is it without query and fragment.
	// Required.
	URL string
	// AccessToken, when set, adds "ath", its hash (requests to a protected
	// resource, RFC 9449 §7).
	AccessToken string
	// Nonce is the server's DPoP-Nonce ("nonce"); empty leaves it out.
	Nonce string
	// IssuedAt is "iat"; zero means now.
	IssuedAt time.Time
	// JTI is "jti"; empty means 16 random bytes, base64url.
	JTI string
}

// NewProof signs a DPoP proof with key (RFC 9449 §4.2): header typ
// dpop+jwt, the key's alg and its public JWK; claims jti, htm, htu, iat,
// and ath and nonce when given.
func NewProof(key *jose.PrivateKey, o ProofOptions) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: %w: no key", ErrInvalidProof, credentials.ErrFormat)
	}
	if o.Method == "" {
		return "", fmt.Errorf("%w: %w: no method", ErrInvalidProof, credentials.ErrFormat)
	}
	htu, err := targetURI(o.URL)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	iat := o.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	jti := o.JTI
	if jti == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		jti = jose.EncodeSegment(b)
	}
	claims := map[string]any{"jti": jti, "htm": o.Method, "htu": htu, "iat": iat.Unix()}
	if o.AccessToken != "" {
		claims["ath"] = AccessTokenHash(o.AccessToken)
	}
	if o.Nonce != "" {
		claims["nonce"] = o.Nonce
	}
	payload, err := strictjson.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode DPoP claims: %w", err)
	}
	tok, err := jose.Sign(key.WithKeyID(""), Typ, map[string]any{"jwk": key.Public().Map()}, payload)
	if err != nil {
		return "", fmt.Errorf("sign DPoP proof: %w", err)
	}
	return tok, nil
}

// AccessTokenHash returns "ath" for an access token: the base64url
// SHA-256 of its ASCII bytes (RFC 9449 §4.2).
func AccessTokenHash(accessToken string) string {
	h := sha256.Sum256([]byte(accessToken))
	return jose.EncodeSegment(h[:])
}

// Thumbprint returns the "jkt" of a key: its RFC 7638 JWK SHA-256
// thumbprint, base64url (RFC 9449 §6.1).
func Thumbprint(k *jose.PublicKey) string { return k.Thumbprint() }
