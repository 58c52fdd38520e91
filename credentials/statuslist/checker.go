package statuslist

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// MediaType is the media type of a Status List Token in JWT format, sent as
// the Accept header when a Checker fetches a list (TSL "Status List Request").
const MediaType = "application/statuslist+jwt"

// Defaults and fixed bounds of a Checker.
const (
	// DefaultMaxCached is the number of status lists a Checker keeps by
	// default (WithMaxCached).
	DefaultMaxCached = 1024
	// DefaultCheckerLeeway is the clock skew a Checker allows on a token's
	// "iat" and "exp" by default (WithLeeway); the same as the SD-JWT VC
	// verifier's default.
	DefaultCheckerLeeway = 30 * time.Second
	// FailureCacheTTL is how long a failed fetch or a refused token is
	// remembered: checks within that time fail at once, without contacting
	// the host again, so a dead or hostile host is not hammered
	// (SECURITY.md D.39). It is never longer.
	FailureCacheTTL = 5 * time.Second
	// maxFetchTime bounds a shared fetch that no caller waits for any more
	// (the callers' own contexts are detached from it; see CheckStatus).
	maxFetchTime = 30 * time.Second
)

// Errors of the Checker, besides those of VerifyToken and Check, which it
// wraps.
var (
	// ErrListUnavailable (STATUS): the Status List Token could not be
	// fetched: the fetch was refused by policy or failed (a non-2xx status,
	// a timeout, a body over the limit), or the caller's context ended while
	// waiting. The fetch error is wrapped as well, so errors.Is(err,
	// credentials.ErrFetch) holds for a failed fetch (SECURITY.md D.39:
	// fail closed).
	ErrListUnavailable = credentials.NewError(credentials.ErrStatus, "status list unavailable")
	// ErrListRejected (STATUS): the fetched Status List Token was refused:
	// no trusted key of the credential's issuer, or VerifyToken failed. The
	// cause is wrapped as well (for example credentials.ErrTrust,
	// credentials.ErrSignature, ErrSubjectMismatch, ErrRollback,
	// ErrListTooSmall; SECURITY.md D.37, D.38).
	ErrListRejected = credentials.NewError(credentials.ErrStatus, "status list token rejected")
)

// Fetcher fetches a URL with an Accept header. *safehttp.Client implements
// it; it must apply the SSRF policy, size and time limits of SECURITY.md
// rule 6, which the Checker relies on.
type Fetcher interface {
	Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error)
}

var _ Fetcher = (*safehttp.Client)(nil)

// checkerConfig is the configuration CheckerOptions write.
type checkerConfig struct {
	minEntries     int
	minTTL, maxTTL time.Duration
	now            func() time.Time
	leeway         time.Duration
	algs           []jose.Alg
	maxCached      int
}

// CheckerOption configures a Checker in NewChecker.
type CheckerOption func(*checkerConfig) error

// WithMinEntries refuses lists with fewer than n entries (ErrListTooSmall,
// SECURITY.md D.38). n must not be negative. The default is
// HerdPrivacyMinEntries.
func WithMinEntries(n int) CheckerOption {
	return func(c *checkerConfig) error {
		if n < 0 {
			return fmt.Errorf("%w: WithMinEntries(%d): negative", ErrBadArgument, n)
		}
		c.minEntries = n
		return nil
	}
}

// WithTTLBounds sets the bounds a token's "ttl" is clamped into; a token
// without "ttl" is cached for minTTL (SECURITY.md D.38). 0 < minTTL <=
// maxTTL is required. The defaults are DefaultMinTTL and DefaultMaxTTL.
func WithTTLBounds(minTTL, maxTTL time.Duration) CheckerOption {
	return func(c *checkerConfig) error {
		if minTTL <= 0 || maxTTL < minTTL {
			return fmt.Errorf("%w: WithTTLBounds(%v, %v): want 0 < min <= max", ErrBadArgument, minTTL, maxTTL)
		}
		c.minTTL, c.maxTTL = minTTL, maxTTL
		return nil
	}
}

// WithClock sets the clock used for the token's time claims and for cache
// expiry. now must not be nil. The default is time.Now.
func WithClock(now func() time.Time) CheckerOption {
	return func(c *checkerConfig) error {
		if now == nil {
			return fmt.Errorf("%w: WithClock(nil)", ErrBadArgument)
		}
		c.now = now
		return nil
	}
}

// WithLeeway sets the clock skew allowed on the token's "iat" and "exp",
// from 0 to limits.MaxClockSkewSeconds (60 s). The default is
// DefaultCheckerLeeway (30 s).
func WithLeeway(d time.Duration) CheckerOption {
	return func(c *checkerConfig) error {
		if d < 0 || d > limits.MaxClockSkewSeconds*time.Second {
			return fmt.Errorf("%w: WithLeeway(%v): outside [0, %ds]", ErrBadArgument, d, limits.MaxClockSkewSeconds)
		}
		c.leeway = d
		return nil
	}
}

// WithAlgs sets the algorithm allow-list for Status List Tokens. It must
// not be empty and may name only algorithms jose supports. The default is
// jose.DefaultAlgs.
func WithAlgs(algs ...jose.Alg) CheckerOption {
	return func(c *checkerConfig) error {
		if len(algs) == 0 {
			return fmt.Errorf("%w: WithAlgs: empty allow-list", ErrBadArgument)
		}
		for _, a := range algs {
			if _, err := jose.ParseAlg(string(a)); err != nil {
				return fmt.Errorf("%w: WithAlgs: %w", ErrBadArgument, err)
			}
		}
		c.algs = slices.Clone(algs)
		return nil
	}
}

// WithMaxCached sets how many status lists (per issuer and URI) are kept;
// when a new one would exceed n, the one stored longest ago is evicted. n
// must be positive. The default is DefaultMaxCached (1024).
func WithMaxCached(n int) CheckerOption {
	return func(c *checkerConfig) error {
		if n <= 0 {
			return fmt.Errorf("%w: WithMaxCached(%d): want a positive number", ErrBadArgument, n)
		}
		c.maxCached = n
		return nil
	}
}

// cacheKey names a cached list: the same URI checked for two issuers is two
// lists, because each must be signed by a key of its own issuer; and a list
// checked for an issuer certified by an anchor (anchor, its
// sdjwtvc.Certification.AnchorID) is another list again, because it must
// be signed under that anchor, not with a key the KeyResolver trusts.
type cacheKey struct{ iss, uri, anchor string }

// entry is one cached list. Entries are never modified once stored; a
// refresh stores a new one.
type entry struct {
	// tok is the newest token verified for the key, used before fresh;
	// nil once a refresh has failed.
	tok   *Token
	fresh time.Time
	// mark is the "iat" of the newest token verified for the key, kept
	// after tok is dropped: a later token must not be older (rollback).
	mark time.Time
	// err, when not nil, is the failure of the last refresh, returned
	// without fetching until errUntil.
	err      error
	errUntil time.Time
	// seq orders the entry among the stores (Checker.seq).
	seq uint64
	// stored is when the entry was stored, for eviction.
	stored time.Time
}

// Checker checks a credential's status against its Token Status List: it
// fetches the list with a Fetcher, verifies it with a key of the
// credential's issuer, caches it and looks the credential's index up. It
// implements sdjwtvc.StatusChecker.
//
// A Checker is safe for concurrent use by multiple goroutines; concurrent
// checks that need the same list share one fetch. It never logs.
type Checker struct {
	fetch Fetcher
	keys  sdjwtvc.KeyResolver
	cfg   checkerConfig

	flight singleflight.Group
	mu     sync.RWMutex
	cache  map[cacheKey]*entry
	// seq counts stores; an entry records the count it was stored at, so
	// that a fresh check takes only what was fetched after it asked.
	seq uint64
}

var _ sdjwtvc.CertifiedStatusChecker = (*Checker)(nil)

// NewChecker returns a Checker that fetches status lists with f and trusts
// the keys keys resolves for the credential's issuer. f and keys are
// required (ErrBadArgument); an invalid option fails with ErrBadArgument.
func NewChecker(f Fetcher, keys sdjwtvc.KeyResolver, opts ...CheckerOption) (*Checker, error) {
	if f == nil || keys == nil {
		return nil, fmt.Errorf("%w: NewChecker needs a fetcher and a key resolver", ErrBadArgument)
	}
	cfg := checkerConfig{
		minEntries: HerdPrivacyMinEntries,
		minTTL:     DefaultMinTTL,
		maxTTL:     DefaultMaxTTL,
		now:        time.Now,
		leeway:     DefaultCheckerLeeway,
		algs:       slices.Clone(jose.DefaultAlgs),
		maxCached:  DefaultMaxCached,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Checker{fetch: f, keys: keys, cfg: cfg, cache: make(map[cacheKey]*entry)}, nil
}

// CheckStatus checks the entry ref.Index of the Status List Token at
// ref.URI, which must be signed by a key that the Checker's KeyResolver
// trusts for iss, the credential's issuer. It returns nil when the entry is
// VALID. Every other result is an error for which errors.Is(err,
// credentials.ErrStatus) holds:
//
//   - ErrRevoked, ErrSuspended or ErrNotValid: the entry's status (Check);
//     ErrIndexOutOfRange: the index is negative or past the end of the list.
//   - ErrListUnavailable, wrapping the fetch error (credentials.ErrFetch,
//     and for a timeout or oversized body credentials.ErrLimit): the list
//     could not be fetched. Response bodies never appear in errors.
//   - ErrListRejected, wrapping the reason: no key of iss for the token's
//     "kid" (credentials.ErrTrust), a list signed by another key
//     (credentials.ErrSignature), a wrong or missing "typ"
//     (credentials.ErrType), an algorithm off the allow-list
//     (credentials.ErrAlg), "sub" other than ref.URI (ErrSubjectMismatch),
//     an expired token (ErrExpired), an "iat" older than the cached copy's
//     (ErrRollback), a list smaller than the minimum (ErrListTooSmall), or a
//     malformed token or list.
//
// Because the reason is wrapped too, credentials.Class, which returns the
// first matching class in the order of credentials.Classes, may name the
// reason's class (SIG, TRUST, ALG, TYP, CLAIM, FMT) for ErrListRejected;
// callers that must report SECURITY.md D.37's STATUS test errors.Is(err,
// credentials.ErrStatus).
//
// A verified token is cached per issuer and URI until its "iat" plus its
// "ttl" (clamped into the TTL bounds; the minimum TTL when it has none), and
// never past its "exp". When that time has passed, the next check fetches
// the list again; a token older than the cached one is refused
// (ErrRollback); the "iat" of the cached one stays the mark for later
// fetches (until the entry is evicted), but the stale copy no longer
// answers: the Checker fails closed. A failed fetch or a refused token is
// remembered for FailureCacheTTL: checks within it return the same error
// without fetching.
//
// Concurrent checks that need the same list share one fetch. That fetch is
// detached from the cancellation of the callers' contexts (it keeps their
// values) so that one caller giving up does not fail the others; a caller
// whose ctx ends stops waiting and gets ErrListUnavailable wrapping
// ctx.Err(). ref.URI is used as given: the Fetcher, not the Checker,
// decides which schemes and hosts may be fetched.
func (c *Checker) CheckStatus(ctx context.Context, iss string, ref sdjwtvc.StatusRef) error {
	return c.check(ctx, iss, nil, ref)
}

// CheckCertifiedStatus implements sdjwtvc.CertifiedStatusChecker: as
// CheckStatus, for a credential whose issuer key came from an x5c chain
// to cert.Anchor. The Status List Token must carry an "x5c" header whose
// chain validates to that same anchor (and no other) at the Checker's
// clock and whose leaf names iss (sdjwtvc.X509Keys; HAIP 1.0 §7); its key
// verifies the token. The Checker's KeyResolver is not asked: a key of iss
// found through a DID or metadata does not sign for a certified issuer.
// Without x5c, or with a chain to another anchor, the token is refused
// (ErrListRejected wrapping credentials.ErrTrust); an expired or
// not-yet-valid certificate wraps credentials.ErrClaim. Lists are cached
// apart from those checked by CheckStatus.
func (c *Checker) CheckCertifiedStatus(ctx context.Context, iss string, cert *sdjwtvc.Certification, ref sdjwtvc.StatusRef) error {
	if cert == nil || cert.Anchor == nil {
		return fmt.Errorf("%w: %w: no certification", ErrListRejected, credentials.ErrTrust)
	}
	return c.check(ctx, iss, cert, ref)
}

// check is CheckStatus and CheckCertifiedStatus.
func (c *Checker) check(ctx context.Context, iss string, cert *sdjwtvc.Certification, ref sdjwtvc.StatusRef) error {
	r := Reference{Idx: ref.Index, URI: ref.URI}
	if r.Idx < 0 {
		return fmt.Errorf("%w: negative index", ErrIndexOutOfRange)
	}
	if r.URI == "" {
		return fmt.Errorf("%w: %w: empty status list uri", ErrListUnavailable, ErrMalformed)
	}
	k := cacheKey{iss: iss, uri: r.URI}
	if cert != nil {
		k.anchor = cert.AnchorID()
	}
	var tok *Token
	var err error
	if isFresh(ctx) {
		c.mu.RLock()
		since := c.seq
		c.mu.RUnlock()
		tok, err = c.refreshSince(ctx, k, cert, since+1)
	} else if tok, err = c.cached(k, c.cfg.now()); tok == nil && err == nil {
		tok, err = c.refresh(ctx, k, cert)
	}
	if err != nil {
		return err
	}
	_, err = Check(r, tok)
	return err
}

// cached returns the fresh token or the remembered failure for k at now,
// or neither.
func (c *Checker) cached(k cacheKey, now time.Time) (*Token, error) {
	c.mu.RLock()
	e := c.cache[k]
	c.mu.RUnlock()
	return e.lookup(now)
}

func (e *entry) lookup(now time.Time) (*Token, error) {
	switch {
	case e == nil:
		return nil, nil
	case e.tok != nil && now.Before(e.fresh):
		return e.tok, nil
	case e.err != nil && now.Before(e.errUntil):
		return nil, e.err
	}
	return nil, nil
}

// refresh fetches and verifies the list for k, once for all concurrent
// callers, and stores the result.
func (c *Checker) refresh(ctx context.Context, k cacheKey, cert *sdjwtvc.Certification) (*Token, error) {
	return c.refreshSince(ctx, k, cert, 0)
}

// refreshSince is refresh for a caller that takes only a result stored at
// store count since or later (a fresh check: Fresh); 0 takes any result
// the cache holds as fresh.
func (c *Checker) refreshSince(ctx context.Context, k cacheKey, cert *sdjwtvc.Certification, since uint64) (*Token, error) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), maxFetchTime)
	// Length-prefixed, so that no two (iss, uri) pairs share a flight;
	// fresh checks share flights only among themselves.
	fk := strconv.Itoa(len(k.iss)) + ":" + k.iss + k.uri
	if k.anchor != "" {
		// An anchor ID is base64url and has no space.
		fk = "x509 " + k.anchor + " " + fk
	}
	if since > 0 {
		fk = "fresh " + fk
	}
	ch := c.flight.DoChan(fk, func() (any, error) { return c.load(fctx, k, cert, since) })
	select {
	case res := <-ch:
		cancel()
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Token), nil
	case <-ctx.Done():
		// The fetch goes on, bounded by maxFetchTime, and stores its
		// result for later checks.
		go func() { <-ch; cancel() }()
		return nil, fmt.Errorf("%w: %w", ErrListUnavailable, ctx.Err())
	}
}

// load runs inside the single flight for k.
func (c *Checker) load(ctx context.Context, k cacheKey, cert *sdjwtvc.Certification, since uint64) (*Token, error) {
	now := c.cfg.now()
	c.mu.RLock()
	prev := c.cache[k]
	c.mu.RUnlock()
	// A flight that ended just before this one may have stored a result;
	// a fresh check takes it only if it was fetched after it asked.
	if prev != nil && prev.seq >= since {
		if tok, err := prev.lookup(now); tok != nil || err != nil {
			return tok, err
		}
	}
	var mark time.Time
	if prev != nil {
		mark = prev.mark
	}
	tok, err := c.fetchVerify(ctx, k, cert, mark, now)
	if err != nil {
		// The stale token is dropped; only its "iat" is kept.
		c.store(k, &entry{mark: mark, err: err, errUntil: now.Add(FailureCacheTTL), stored: now})
		return nil, err
	}
	ttl := tok.TTL
	if ttl == 0 {
		ttl = c.cfg.minTTL
	}
	fresh := tok.IssuedAt.Add(ttl)
	if !tok.Expires.IsZero() && tok.Expires.Before(fresh) {
		fresh = tok.Expires
	}
	c.store(k, &entry{tok: tok, fresh: fresh, mark: tok.IssuedAt, stored: now})
	return tok, nil
}

// fetchVerify fetches the token at k.uri and verifies it with the key of
// k.iss that its "kid" names or, with cert, the key of its x5c leaf
// certified under cert.Anchor for k.iss. mark, when not zero, is the "iat"
// of the cached copy.
func (c *Checker) fetchVerify(ctx context.Context, k cacheKey, cert *sdjwtvc.Certification, mark, now time.Time) (*Token, error) {
	resp, err := c.fetch.Get(ctx, k.uri, MediaType)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrListUnavailable, err)
	}
	if resp == nil {
		return nil, fmt.Errorf("%w: fetcher returned no response", ErrListUnavailable)
	}
	if len(resp.Body) > limits.MaxTokenBytes {
		return nil, fmt.Errorf("%w: %w", ErrListRejected, jose.ErrTooLarge)
	}
	raw := string(resp.Body)
	jws, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrListRejected, err)
	}
	key, err := c.tokenKey(ctx, k.iss, cert, jws.Header, now)
	if err != nil {
		return nil, fmt.Errorf("%w: issuer key: %w", ErrListRejected, err)
	}
	if key == nil {
		return nil, fmt.Errorf("%w: %w: no issuer key", ErrListRejected, credentials.ErrTrust)
	}
	tok, err := VerifyToken(raw, key, VerifyOptions{
		URI:         k.uri,
		Algs:        c.cfg.algs,
		Now:         now,
		Leeway:      c.cfg.leeway,
		MinIssuedAt: mark,
		MinEntries:  c.cfg.minEntries,
		MinTTL:      c.cfg.minTTL,
		MaxTTL:      c.cfg.maxTTL,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrListRejected, err)
	}
	return tok, nil
}

// tokenKey finds the key that must have signed a Status List Token of iss
// with header h: the KeyResolver's for iss and "kid", or, for a certified
// issuer, the leaf key of the token's own x5c validated to cert.Anchor
// alone and naming iss.
func (c *Checker) tokenKey(ctx context.Context, iss string, cert *sdjwtvc.Certification, h jose.Header, now time.Time) (*jose.PublicKey, error) {
	if cert == nil {
		return c.keys.ResolveIssuerKey(ctx, iss, h.Kid)
	}
	anchor, err := pki.NewAnchors(cert.Anchor)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", credentials.ErrTrust, err)
	}
	key, _, err := sdjwtvc.X509Keys{Anchors: anchor}.ResolveIssuerKeyFromHeader(ctx, iss, h, now)
	if errors.Is(err, sdjwtvc.ErrNotApplicable) {
		return nil, fmt.Errorf("%w: the status list token of an X.509-certified issuer carries no x5c", credentials.ErrTrust)
	}
	return key, err
}

// store puts e under k, evicting the entry stored longest ago when the
// cache is full.
func (c *Checker) store(k cacheKey, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[k]; !ok && len(c.cache) >= c.cfg.maxCached {
		var oldest cacheKey
		var oldestAt time.Time
		first := true
		for ck, ce := range c.cache {
			if first || ce.stored.Before(oldestAt) {
				oldest, oldestAt, first = ck, ce.stored, false
			}
		}
		delete(c.cache, oldest)
	}
	c.seq++
	e.seq = c.seq
	c.cache[k] = e
}

// freshKey is the context key of Fresh.
type freshKey struct{}

// Fresh returns a context under which CheckStatus fetches the status list
// afresh instead of answering from its cache: for a credential that is
// used up when redeemed (a training budget), whose holder must not get
// away with showing it twice within the list's ttl. The fetched token is
// cached as usual for checks without Fresh. The list's issuer must serve
// a revocation at once (paspoort's issuer does).
func Fresh(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshKey{}, true)
}

// isFresh reports whether ctx asks for a fresh check (Fresh).
func isFresh(ctx context.Context) bool {
	b, _ := ctx.Value(freshKey{}).(bool)
	return b
}
