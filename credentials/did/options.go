package did

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of a WebResolver; each can be changed with the option named
// after it.
const (
	// DefaultCacheTTL is how long a fetched did:web document is used
	// before it is fetched again.
	DefaultCacheTTL = 5 * time.Minute
	// DefaultNegativeCacheTTL is how long a failed resolution, or an
	// unknown key ID, is remembered; it is also the shortest interval
	// between two fetches of one document caused by unknown key IDs.
	DefaultNegativeCacheTTL = time.Minute
	// DefaultMaxCacheEntries bounds the documents, and separately the
	// unknown key IDs, a WebResolver remembers.
	DefaultMaxCacheEntries = 1024
)

// config holds the did:web host policy and the WebResolver cache settings.
// Every default is written out in newConfig.
type config struct {
	allowLoopback bool
	allowPunycode bool
	ttl           time.Duration
	negativeTTL   time.Duration
	maxEntries    int
	now           func() time.Time
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		ttl:         DefaultCacheTTL,
		negativeTTL: DefaultNegativeCacheTTL,
		maxEntries:  DefaultMaxCacheEntries,
		now:         time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, fmt.Errorf("did: %w", err)
		}
	}
	var errs []error
	if c.ttl <= 0 {
		errs = append(errs, fmt.Errorf("cache TTL must be positive, got %s", c.ttl))
	}
	if c.negativeTTL <= 0 {
		errs = append(errs, fmt.Errorf("negative cache TTL must be positive, got %s", c.negativeTTL))
	}
	if c.maxEntries <= 0 {
		errs = append(errs, fmt.Errorf("max cache entries must be positive, got %d", c.maxEntries))
	}
	if c.now == nil {
		errs = append(errs, errors.New("clock must not be nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("did: %w", err)
	}
	return c, nil
}

// Option configures WebURL, WebFromURL and NewWebResolver. The host
// policy options apply to all three; the cache options only to a
// WebResolver.
type Option func(*config) error

// WithAllowLoopback admits the did:web hosts "localhost" and IPv4 loopback
// literals (did:web:127.0.0.1%3A8443, did:web:localhost%3A8443), for
// development (paspoort dev) and tests. The fetcher must allow loopback as
// well (safehttp.WithAllowLoopback). Other IP literals and private names stay
// refused. By default loopback hosts are refused with ErrHostRefused.
func WithAllowLoopback() Option {
	return func(c *config) error {
		c.allowLoopback = true
		return nil
	}
}

// WithAllowPunycode admits did:web host labels in IDNA A-label form
// ("xn--…"). The labels are not decoded or checked for confusable
// characters; enable it only for issuers pinned by configuration. By
// default such labels are refused with ErrIDNHost (homographs,
// SECURITY.md E.44).
func WithAllowPunycode() Option {
	return func(c *config) error {
		c.allowPunycode = true
		return nil
	}
}

// WithCacheTTL sets how long a fetched document is used; d must be
// positive. The default is DefaultCacheTTL (5 minutes).
func WithCacheTTL(d time.Duration) Option {
	return func(c *config) error {
		c.ttl = d
		return nil
	}
}

// WithNegativeCacheTTL sets how long a failed resolution or an unknown key
// ID is remembered, and so the shortest interval between fetches of one
// document triggered by unknown key IDs (SECURITY.md E.43); d must be
// positive. The default is DefaultNegativeCacheTTL (1 minute).
func WithNegativeCacheTTL(d time.Duration) Option {
	return func(c *config) error {
		c.negativeTTL = d
		return nil
	}
}

// WithMaxCacheEntries bounds the number of cached documents, and
// separately of remembered unknown key IDs; n must be positive. When full,
// expired entries are dropped first, then arbitrary ones. The default is
// DefaultMaxCacheEntries (1024).
func WithMaxCacheEntries(n int) Option {
	return func(c *config) error {
		c.maxEntries = n
		return nil
	}
}

// WithClock sets the clock of the cache, for tests; now must not be nil.
// The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		c.now = now
		return nil
	}
}
