package statuslist

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// TokenType is the "typ" header of a Status List Token in JWT format (TSL
// "Status List Token in JWT Format").
const TokenType = "statuslist+jwt"

// Defaults of VerifyOptions.
const (
	// DefaultMaxTTL is the longest time a verified token is cached when
	// VerifyOptions.MaxTTL is zero: a "ttl" of 10 years is cut to this
	// (SECURITY.md D.38).
	DefaultMaxTTL = 24 * time.Hour
	// DefaultMinTTL is the shortest caching time when VerifyOptions.MinTTL
	// is zero: a tiny "ttl" that would make every verification phone home
	// is raised to this (SECURITY.md D.38, D.57).
	DefaultMinTTL = time.Minute
	// HerdPrivacyMinEntries is the size a list should at least have so that
	// fetching it tells its host little about which credential is checked:
	// 131,072 entries, the 16 KiB minimum of the W3C Bitstring Status List.
	// The TSL sets no number ("Observability of Issuers"). Services put it in
	// VerifyOptions.MinEntries; the package default is 0 so that small test
	// lists still verify.
	HerdPrivacyMinEntries = 131072
)

// Token is a Status List Token (TSL "Status List Token in JWT Format").
type Token struct {
	// Subject is "sub": the URI of the token, equal to the uri of every
	// Reference into it.
	Subject string
	// IssuedAt is "iat".
	IssuedAt time.Time
	// Expires is "exp"; zero when the token has none.
	Expires time.Time
	// TTL is "ttl": how long the token may be cached. Zero when the token
	// has none; after VerifyToken it is clamped to the options' bounds.
	TTL time.Duration
	// AggregationURI is "status_list.aggregation_uri", or empty.
	AggregationURI string
	// List is the status list ("status_list").
	List *List
}

// payload is the JWT Claims Set SignToken writes.
type payload struct {
	Sub        string          `json:"sub"`
	Iat        int64           `json:"iat"`
	Exp        int64           `json:"exp,omitempty"`
	TTL        int64           `json:"ttl,omitempty"`
	StatusList StatusListClaim `json:"status_list"`
}

// SignToken returns the compact JWS of t signed with key: header "typ"
// statuslist+jwt, "alg" the key's and "kid" the key's ID; claims "sub", "iat",
// "exp" (when set), "ttl" (when positive, in whole seconds) and "status_list"
// (t.List encoded with Encode). t.Subject must be an https URI, t.IssuedAt
// set, t.Expires zero or after t.IssuedAt, t.TTL zero or at least a second,
// and t.List set (ErrBadArgument or ErrMalformed otherwise).
func SignToken(key *jose.PrivateKey, t Token) (string, error) {
	return SignTokenWithX5C(key, t, nil)
}

// SignTokenWithX5C is SignToken with an "x5c" header carrying x5c, the
// certificate chain of key in x5c form (leaf first, standard base64 DER;
// pki.X5C), when x5c is not empty: how an issuer certified by an X.509
// anchor signs its lists (HAIP 1.0 §7), so that a relying party verifies
// them with the key of the chain's leaf (Checker.CheckCertifiedStatus).
// Whether the leaf certifies key is the caller's to ensure.
func SignTokenWithX5C(key *jose.PrivateKey, t Token, x5c []string) (string, error) {
	switch {
	case key == nil:
		return "", fmt.Errorf("%w: no signing key", ErrBadArgument)
	case t.List == nil:
		return "", fmt.Errorf("%w: no list", ErrBadArgument)
	case t.IssuedAt.IsZero():
		return "", fmt.Errorf("%w: no issued-at time", ErrBadArgument)
	case !t.Expires.IsZero() && !t.Expires.After(t.IssuedAt):
		return "", fmt.Errorf("%w: expiry not after issued-at", ErrBadArgument)
	case t.TTL < 0 || (t.TTL > 0 && t.TTL < time.Second):
		return "", fmt.Errorf("%w: ttl %v, want 0 or at least 1s", ErrBadArgument, t.TTL)
	}
	if err := checkURI(t.Subject); err != nil {
		return "", fmt.Errorf("subject: %w", err)
	}
	c, err := t.List.Encode()
	if err != nil {
		return "", err
	}
	c.AggregationURI = t.AggregationURI
	p := payload{Sub: t.Subject, Iat: t.IssuedAt.Unix(), TTL: int64(t.TTL / time.Second), StatusList: c}
	if !t.Expires.IsZero() {
		p.Exp = t.Expires.Unix()
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("%w: encode claims: %v", ErrBadArgument, err)
	}
	var extra map[string]any
	if len(x5c) > 0 {
		extra = map[string]any{"x5c": x5c}
	}
	tok, err := jose.Sign(key, TokenType, extra, b)
	if err != nil {
		return "", fmt.Errorf("sign status list token: %w", err)
	}
	return tok, nil
}

// VerifyOptions are the Relying Party's inputs to VerifyToken.
type VerifyOptions struct {
	// URI is the uri the token was fetched from, the Reference's URI. The
	// token's "sub" must equal it exactly. Required.
	URI string
	// Algs is the algorithm allow-list, for example jose.DefaultAlgs.
	// Required: an empty list refuses every token (credentials.ErrAlg).
	Algs []jose.Alg
	// Now is the time to check "iat" and "exp" against; zero means
	// time.Now().
	Now time.Time
	// Leeway is the clock skew allowed on "iat" and "exp": 0 to
	// limits.MaxClockSkewSeconds (60 s).
	Leeway time.Duration
	// MinIssuedAt, when set, is the "iat" of the copy of this list the
	// caller already holds: an older token is a rollback (ErrRollback).
	MinIssuedAt time.Time
	// MinEntries refuses lists with fewer entries (ErrListTooSmall).
	// Default 0; services set HerdPrivacyMinEntries or their own policy.
	MinEntries int
	// MinTTL and MaxTTL bound the returned Token.TTL. Zero means
	// DefaultMinTTL and DefaultMaxTTL; MinTTL may not exceed MaxTTL.
	MinTTL, MaxTTL time.Duration
}

func (o *VerifyOptions) normalise() error {
	if o.URI == "" {
		return fmt.Errorf("%w: VerifyOptions.URI is required", ErrBadArgument)
	}
	if o.Leeway < 0 || o.Leeway > limits.MaxClockSkewSeconds*time.Second {
		return fmt.Errorf("%w: leeway %v outside [0, %ds]", ErrBadArgument, o.Leeway, limits.MaxClockSkewSeconds)
	}
	if o.MinEntries < 0 || o.MinTTL < 0 || o.MaxTTL < 0 {
		return fmt.Errorf("%w: negative MinEntries, MinTTL or MaxTTL", ErrBadArgument)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.MinTTL == 0 {
		o.MinTTL = DefaultMinTTL
	}
	if o.MaxTTL == 0 {
		o.MaxTTL = DefaultMaxTTL
	}
	if o.MinTTL > o.MaxTTL {
		return fmt.Errorf("%w: MinTTL %v above MaxTTL %v", ErrBadArgument, o.MinTTL, o.MaxTTL)
	}
	return nil
}

// VerifyToken verifies a Status List Token in JWT format fetched from
// opts.URI with key, the Status Issuer's key from the caller's trust
// configuration (never from the token), and returns its contents. The checks
// run in this order, and the first failure is returned (TSL "Validation
// Rules" step 3 and 4, "Status List Token in JWT Format"):
//
//  0. opts are complete and in range (ErrBadArgument).
//  1. Size: at most limits.MaxTokenBytes, before splitting (LIMIT,
//     SECURITY.md A.7).
//  2. Parse: compact JWS, three base64url segments, strict header
//     (jose.ParseCompact; FMT).
//  3. typ: exactly "statuslist+jwt"; a missing typ fails too (TYPE,
//     SECURITY.md A.10, D.37).
//  4. Algorithm on opts.Algs and the key's, then the signature (ALG, SIG;
//     RFC 8725 §3.1; TSL: MUST reject an invalid signature). An expired and
//     badly signed token is reported as SIG.
//  5. Payload: strict JSON object (FMT).
//  6. "sub": a string equal to opts.URI (CLAIM when missing, ErrSubjectMismatch
//     otherwise; TSL "Validation Rules" 4.a, SECURITY.md D.37).
//  7. "iat": present, a JSON number between 0 and year 9999 (strings such
//     as "9e9", 1e300 and negatives are CLAIM), not after Now+Leeway (CLAIM),
//     not before opts.MinIssuedAt (ErrRollback; TSL 4.b).
//  8. "exp": when present a number as for iat; Now must not be past
//     exp+Leeway (ErrExpired; TSL 4.c).
//  9. "ttl": when present a positive JSON number (CLAIM), clamped into
//     [MinTTL, MaxTTL] (TSL 4.d, SECURITY.md D.38).
//  10. "status_list": an object with an integer "bits" and a string "lst"
//     (CLAIM when missing, FMT when mistyped), decoded with Decode: inflation
//     is bounded by limits.MaxStatusListBytes (LIMIT, SECURITY.md D.34; TSL
//     step 5).
//  11. The list has at least opts.MinEntries entries (ErrListTooSmall).
//
// VerifyToken does not look an index up; Check does (TSL step 6, 7).
func VerifyToken(raw string, key *jose.PublicKey, opts VerifyOptions) (*Token, error) {
	if err := opts.normalise(); err != nil {
		return nil, err
	}
	if len(raw) > limits.MaxTokenBytes {
		return nil, fmt.Errorf("status list token: %w", jose.ErrTooLarge)
	}
	jws, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, fmt.Errorf("parse status list token: %w", err)
	}
	if err := jws.CheckType(TokenType); err != nil {
		return nil, fmt.Errorf("status list token: %w", err)
	}
	if err := jws.Verify(key, opts.Algs); err != nil {
		return nil, fmt.Errorf("status list token: %w", err)
	}
	var claims map[string]any
	if err := jws.DecodePayload(&claims); err != nil {
		return nil, fmt.Errorf("status list token: %w", err)
	}
	if claims == nil {
		return nil, fmt.Errorf("%w: payload is not an object", ErrMalformed)
	}
	t := &Token{}

	sub, ok := claims["sub"].(string)
	if !ok {
		return nil, fmt.Errorf("%w: sub missing or not a string", ErrClaim)
	}
	if sub != opts.URI {
		return nil, ErrSubjectMismatch
	}
	t.Subject = sub

	iatv, present := claims["iat"]
	if !present {
		return nil, fmt.Errorf("%w: iat missing", ErrClaim)
	}
	if t.IssuedAt, err = numericDate("iat", iatv); err != nil {
		return nil, err
	}
	if t.IssuedAt.After(opts.Now.Add(opts.Leeway)) {
		return nil, fmt.Errorf("%w: iat in the future", ErrClaim)
	}
	if !opts.MinIssuedAt.IsZero() && t.IssuedAt.Before(opts.MinIssuedAt) {
		return nil, fmt.Errorf("%w: iat %d before %d", ErrRollback, t.IssuedAt.Unix(), opts.MinIssuedAt.Unix())
	}

	if expv, present := claims["exp"]; present {
		if t.Expires, err = numericDate("exp", expv); err != nil {
			return nil, err
		}
		if opts.Now.After(t.Expires.Add(opts.Leeway)) {
			return nil, ErrExpired
		}
	}

	if ttlv, present := claims["ttl"]; present {
		if t.TTL, err = clampTTL(ttlv, opts.MinTTL, opts.MaxTTL); err != nil {
			return nil, err
		}
	}

	slv, present := claims["status_list"]
	if !present {
		return nil, fmt.Errorf("%w: status_list missing", ErrClaim)
	}
	c, err := statusListClaim(slv)
	if err != nil {
		return nil, err
	}
	if t.List, err = Decode(c); err != nil {
		return nil, fmt.Errorf("status_list: %w", err)
	}
	t.AggregationURI = c.AggregationURI

	if t.List.Len() < opts.MinEntries {
		return nil, fmt.Errorf("%w: %d entries, policy wants at least %d", ErrListTooSmall, t.List.Len(), opts.MinEntries)
	}
	return t, nil
}

// Check returns the status of ref's entry in tok and the error that goes
// with it: nil for VALID, ErrRevoked, ErrSuspended or ErrNotValid otherwise
// (TSL "Validation Rules" step 6 and 7). An index past the end is
// ErrIndexOutOfRange, and a token whose Subject is not ref.URI is
// ErrSubjectMismatch. tok must come from VerifyToken.
func Check(ref Reference, tok *Token) (Status, error) {
	if tok == nil || tok.List == nil {
		return 0, fmt.Errorf("%w: no status list token", ErrBadArgument)
	}
	if ref.URI != tok.Subject {
		return 0, ErrSubjectMismatch
	}
	s, err := tok.List.Get(ref.Idx)
	if err != nil {
		return 0, err
	}
	return s, s.Err()
}

// maxNumericDate is 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

// numericDate reads an RFC 7519 NumericDate: a JSON number (not a string)
// of seconds since the epoch, between 0 and year 9999, fractions allowed.
func numericDate(name string, v any) (time.Time, error) {
	f, err := number(name, v)
	if err != nil {
		return time.Time{}, err
	}
	if f < 0 || f > maxNumericDate {
		return time.Time{}, fmt.Errorf("%w: %s out of range", ErrClaim, name)
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
}

// clampTTL reads "ttl", a JSON number of seconds, and clamps it into
// [lo, hi]. The TSL requires a positive ttl; a zero or negative one is not a
// reason to refuse the list, but to re-fetch it no sooner than lo
// (SECURITY.md D.38: clamp, never trust 0 or 10 years as given).
func clampTTL(v any, lo, hi time.Duration) (time.Duration, error) {
	f, err := number("ttl", v)
	if err != nil {
		return 0, err
	}
	if !(f > 0) {
		return lo, nil
	}
	if f >= hi.Seconds() {
		return hi, nil
	}
	return max(time.Duration(f*float64(time.Second)), lo), nil
}

func number(name string, v any) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%w: %s is not a JSON number", ErrClaim, name)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%w: %s out of range", ErrClaim, name)
	}
	return f, nil
}

// statusListClaim reads the "status_list" claim without encoding/json's
// leniency: bits a JSON integer, lst a string, aggregation_uri a string.
func statusListClaim(v any) (StatusListClaim, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return StatusListClaim{}, fmt.Errorf("%w: status_list is not an object", ErrMalformed)
	}
	var c StatusListClaim
	bv, present := m["bits"]
	if !present {
		return c, fmt.Errorf("%w: status_list.bits missing", ErrClaim)
	}
	bn, ok := bv.(json.Number)
	if !ok {
		return c, fmt.Errorf("%w: status_list.bits is not a number", ErrMalformed)
	}
	b, err := strconv.Atoi(string(bn))
	if err != nil {
		return c, fmt.Errorf("%w: status_list.bits %.16q is not an integer", ErrMalformed, string(bn))
	}
	c.Bits = b
	lv, present := m["lst"]
	if !present {
		return c, fmt.Errorf("%w: status_list.lst missing", ErrClaim)
	}
	if c.Lst, ok = lv.(string); !ok {
		return c, fmt.Errorf("%w: status_list.lst is not a string", ErrMalformed)
	}
	if av, present := m["aggregation_uri"]; present {
		if c.AggregationURI, ok = av.(string); !ok {
			return c, fmt.Errorf("%w: status_list.aggregation_uri is not a string", ErrMalformed)
		}
	}
	return c, nil
}
