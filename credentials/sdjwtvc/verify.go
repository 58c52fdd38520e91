package sdjwtvc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// StatusChecker checks a credential's status list entry. iss is the
// credential's issuer: the status list must be signed by a key of the same
// issuer. It returns nil for VALID and an error of class
// credentials.ErrStatus otherwise (revoked, suspended, or a list that could
// not be fetched or trusted).
type StatusChecker interface {
	CheckStatus(ctx context.Context, iss string, ref StatusRef) error
}

// Option configures a Verifier.
type Option func(*config) error

type config struct {
	algs        []jose.Alg
	now         func() time.Time
	leeway      time.Duration
	status      StatusChecker
	skipStatus  bool
	maxKBAge    time.Duration
	acceptTypes []string
}

// WithAlgs sets the algorithm allow-list for the Issuer-signed JWT and the
// KB-JWT. Default: jose.DefaultAlgs (ES256, EdDSA).
func WithAlgs(algs ...jose.Alg) Option {
	return func(c *config) error {
		for _, a := range algs {
			if _, err := jose.ParseAlg(string(a)); err != nil {
				return err
			}
		}
		c.algs = algs
		return nil
	}
}

// WithClock sets the clock. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error { c.now = now; return nil }
}

// WithLeeway sets the clock skew allowed on time checks. Default 30 s; at
// most 60 s.
func WithLeeway(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > limits.MaxClockSkewSeconds*time.Second {
			return fmt.Errorf("%w: leeway must be between 0 and %ds", credentials.ErrClaim, limits.MaxClockSkewSeconds)
		}
		c.leeway = d
		return nil
	}
}

// WithStatusChecker checks the status of every credential that has one.
// Conflicts with WithoutStatusCheckUnsafe.
func WithStatusChecker(s StatusChecker) Option {
	return func(c *config) error { c.status = s; return nil }
}

// WithoutStatusCheckUnsafe accepts credentials whose status is not checked.
// Without it, and without a status checker, a credential with a status is
// refused with ErrStatusUnchecked. For tools and tests only.
func WithoutStatusCheckUnsafe() Option {
	return func(c *config) error { c.skipStatus = true; return nil }
}

// WithKeyBindingMaxAge bounds the age of a KB-JWT "iat". Default 5 minutes.
func WithKeyBindingMaxAge(d time.Duration) Option {
	return func(c *config) error { c.maxKBAge = d; return nil }
}

// Verifier verifies SD-JWT VCs. It holds the trust material (the key
// resolver) and is safe for concurrent use.
type Verifier struct {
	keys KeyResolver
	cfg  config
}

// NewVerifier returns a Verifier that trusts the keys keys resolves.
func NewVerifier(keys KeyResolver, opts ...Option) (*Verifier, error) {
	if keys == nil {
		return nil, fmt.Errorf("%w: a key resolver is required", credentials.ErrTrust)
	}
	c := config{algs: jose.DefaultAlgs, now: time.Now, leeway: 30 * time.Second, maxKBAge: 5 * time.Minute}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.status != nil && c.skipStatus {
		return nil, errors.New("sdjwtvc: WithStatusChecker and WithoutStatusCheckUnsafe conflict")
	}
	if len(c.algs) == 0 {
		return nil, fmt.Errorf("%w: empty allow-list", credentials.ErrAlg)
	}
	return &Verifier{keys: keys, cfg: c}, nil
}

// Policy is what a verifier asks of one presentation.
type Policy struct {
	// KeyBinding is the key binding policy; Required with the expected
	// audience and nonce for a presentation, not Required for a credential
	// as issued.
	KeyBinding sdjwt.KeyBindingPolicy
	// AcceptVCT lists the accepted credential types; empty accepts any.
	AcceptVCT []string
	// HolderKey, when set, must equal cnf.jwk (a wallet checking what it
	// received).
	HolderKey *jose.PublicKey
}

// Result is a verified SD-JWT VC.
type Result struct {
	Issuer    string
	VCT       string
	KeyID     string
	IssuerKey *jose.PublicKey
	// CertifiedBy is the issuer's x5c chain when X509Keys resolved the
	// issuer key from it; nil when the key was found any other way (a
	// DID, metadata, a static key). Trust decisions about an issuer
	// certified by an anchor go by it, not by Issuer alone.
	CertifiedBy *Certification
	Subject     string
	IssuedAt    time.Time
	NotBefore   time.Time
	Expires     time.Time
	// Claims are the processed claims, registered ones included.
	Claims map[string]any
	// Disclosed lists the JSON Pointers of the disclosed claims.
	Disclosed []string
	// HolderKey is cnf.jwk, when present.
	HolderKey *jose.PublicKey
	// KeyBinding holds the verified KB-JWT claims, or nil.
	KeyBinding *sdjwt.KeyBindingClaims
	// Status is the status list entry, or nil; StatusChecked reports that
	// it was checked and found VALID.
	Status        *StatusRef
	StatusChecked bool
	// Time is the time the checks were made against.
	Time time.Time
}

// Verify verifies an SD-JWT VC presentation (or, with a policy that does not
// require key binding, a credential as issued). Checks, in order:
//
//  1. size limit and framing (RFC 9901 §4; sdjwt.Parse);
//  2. "typ" is exactly "dc+sd-jwt" (SD-JWT VC "Header Parameters");
//  3. "alg" on the allow-list, before any key lookup (RFC 8725 §3.1);
//  4. the issuer key, from the key resolver only, for "iss" and "kid",
//     or for "iss" and "x5c" when the resolver is a HeaderKeyResolver
//     with anchors (X509Keys; SD-JWT VC "Issuer Signature Mechanisms");
//  5. the signature (RFC 9901 §7.1 step 2);
//  6. "exp", "nbf", "iat" with the leeway (RFC 7519 §4.1);
//  7. the disclosures (RFC 9901 §7.1 steps 3–5);
//  8. no claim of NeverDisclosable was disclosed; "vct" present and
//     accepted; cnf equal to policy.HolderKey when set;
//  9. key binding by policy (RFC 9901 §7.3);
//  10. status, when the credential has one (draft-ietf-oauth-status-list).
func (v *Verifier) Verify(ctx context.Context, raw string, p Policy) (*Result, error) {
	now := v.cfg.now()
	t, err := sdjwt.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := t.JWT.CheckType(Typ); err != nil {
		return nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	if err := jose.CheckAlg(t.JWT.Header.Alg, v.cfg.algs); err != nil {
		return nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	iss, _ := t.Payload["iss"].(string)
	if _, present := t.Payload["iss"]; present && iss == "" {
		return nil, fmt.Errorf("%w: iss is not a non-empty string", ErrMissingClaim)
	}
	key, cert, err := resolveIssuerKey(ctx, v.keys, iss, t.JWT.Header, now)
	if err != nil {
		return nil, err
	}
	if err := t.JWT.Verify(key, v.cfg.algs); err != nil {
		return nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	times, err := sdjwt.ParseTimes(t.Payload)
	if err != nil {
		return nil, err
	}
	if err := times.Check(now, v.cfg.leeway); err != nil {
		return nil, err
	}
	proc, err := t.Process()
	if err != nil {
		return nil, err
	}
	for _, d := range proc.Disclosed {
		top, _, _ := strings.Cut(strings.TrimPrefix(d, "/"), "/")
		if isNeverDisclosable(top) {
			return nil, fmt.Errorf("%w: %q", ErrDisclosedCritical, top)
		}
	}
	res := &Result{
		Issuer: iss, KeyID: t.JWT.Header.Kid, IssuerKey: key, CertifiedBy: cert, Claims: proc.Claims, Disclosed: proc.Disclosed,
		IssuedAt: times.IssuedAt, NotBefore: times.NotBefore, Expires: times.Expires, Time: now,
	}
	res.Subject, _ = proc.Claims["sub"].(string)
	var ok bool
	if res.VCT, ok = t.Payload["vct"].(string); !ok || res.VCT == "" {
		return nil, fmt.Errorf("%w: vct", ErrMissingClaim)
	}
	if len(p.AcceptVCT) > 0 && !slices.Contains(p.AcceptVCT, res.VCT) {
		return nil, fmt.Errorf("%w: %q", ErrVCTNotAccepted, trunc(res.VCT))
	}
	if _, has := t.Payload["cnf"]; has || p.HolderKey != nil || p.KeyBinding.Required {
		if res.HolderKey, err = t.HolderKey(); err != nil {
			return nil, err
		}
	}
	if p.HolderKey != nil && !p.HolderKey.Equal(res.HolderKey) {
		return nil, ErrHolderMismatch
	}
	kbPol := p.KeyBinding
	if kbPol.MaxAge == 0 {
		kbPol.MaxAge = v.cfg.maxKBAge
	}
	if res.KeyBinding, _, err = t.VerifyKeyBinding(kbPol, v.cfg.algs, now, v.cfg.leeway); err != nil {
		return nil, err
	}
	if res.Status, err = statusRef(t.Payload); err != nil {
		return nil, err
	}
	if res.Status != nil && !v.cfg.skipStatus {
		if v.cfg.status == nil {
			return nil, ErrStatusUnchecked
		}
		if err := v.checkStatus(ctx, iss, cert, *res.Status); err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
		res.StatusChecked = true
	}
	return res, nil
}

// checkStatus checks ref with the status checker: for a certified issuer
// through CertifiedStatusChecker (the list must be signed under the same
// anchor), refused when the checker cannot do that.
func (v *Verifier) checkStatus(ctx context.Context, iss string, cert *Certification, ref StatusRef) error {
	if cert == nil {
		return v.cfg.status.CheckStatus(ctx, iss, ref)
	}
	cs, ok := v.cfg.status.(CertifiedStatusChecker)
	if !ok {
		return ErrStatusUncertified
	}
	return cs.CheckCertifiedStatus(ctx, iss, cert, ref)
}

// VerifyIssued is what a wallet runs on a credential it receives: the same
// checks as Verify, with no KB-JWT allowed (an SD-JWT+KB from an issuer is
// malformed, SECURITY.md B.19) and cnf required to be holder.
func (v *Verifier) VerifyIssued(ctx context.Context, raw string, holder *jose.PublicKey) (*Result, error) {
	if holder == nil {
		return nil, fmt.Errorf("%w: no holder key to check cnf against", ErrHolderMismatch)
	}
	if !strings.HasSuffix(raw, "~") {
		return nil, fmt.Errorf("%w: an issued SD-JWT ends in '~' and carries no KB-JWT", sdjwt.ErrMalformed)
	}
	return v.Verify(ctx, raw, Policy{HolderKey: holder})
}

// statusRef reads "status": {"status_list": {"idx", "uri"}}. Other status
// mechanisms are refused: paspoort cannot check them.
func statusRef(payload map[string]any) (*StatusRef, error) {
	raw, ok := payload["status"]
	if !ok {
		return nil, nil
	}
	st, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: status is not an object", ErrMissingClaim)
	}
	sl, ok := st["status_list"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: status has no status_list", credentials.ErrStatus)
	}
	uri, ok := sl["uri"].(string)
	if !ok || !strings.HasPrefix(uri, "https://") && !strings.HasPrefix(uri, "http://") {
		return nil, fmt.Errorf("%w: status_list uri", credentials.ErrStatus)
	}
	n, ok := sl["idx"].(interface{ Int64() (int64, error) })
	if !ok {
		return nil, fmt.Errorf("%w: status_list idx is not a number", credentials.ErrStatus)
	}
	idx, err := n.Int64()
	if err != nil || idx < 0 || idx > math.MaxInt32 {
		return nil, fmt.Errorf("%w: status_list idx out of range", credentials.ErrStatus)
	}
	return &StatusRef{Index: int(idx), URI: uri}, nil
}
