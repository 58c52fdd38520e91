package safehttp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Defaults of a [Client]; each can be changed with the option of the same
// name.
const (
	// DefaultMaxBytes is the default body limit, 256 KiB (SECURITY.md E.41).
	DefaultMaxBytes int64 = 256 << 10
	// DefaultTimeout is the default deadline of a whole request.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxRedirects is the default number of redirects followed.
	DefaultMaxRedirects = 3
	// DefaultUserAgent is the default User-Agent header.
	DefaultUserAgent = "paspoort"
)

// config is the configuration a [Client] is built from. Every default is
// written out in newConfig.
type config struct {
	allowLoopback bool
	allowPrivate  bool
	maxBytes      int64
	timeout       time.Duration
	maxRedirects  int
	userAgent     string
	transport     http.RoundTripper

	// Test hooks, set only from export_test.go.
	resolver  *net.Resolver
	tlsConfig *tls.Config
}

func newConfig() *config {
	return &config{
		maxBytes:     DefaultMaxBytes,
		timeout:      DefaultTimeout,
		maxRedirects: DefaultMaxRedirects,
		userAgent:    DefaultUserAgent,
	}
}

// validate checks the whole configuration once, after all options ran.
func (c *config) validate() error {
	var errs []error
	if c.maxBytes <= 0 {
		errs = append(errs, fmt.Errorf("max bytes must be positive, got %d", c.maxBytes))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout must be positive, got %s", c.timeout))
	}
	if c.maxRedirects < 0 {
		errs = append(errs, fmt.Errorf("max redirects must not be negative, got %d", c.maxRedirects))
	}
	if c.userAgent == "" || strings.ContainsFunc(c.userAgent, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		errs = append(errs, errors.New("user agent must be non-empty and free of control characters"))
	}
	return errors.Join(errs...)
}

// Option configures a [Client] in [New].
type Option func(*config) error

// WithAllowLoopback allows loopback targets (127.0.0.0/8, ::1, their
// IPv4-mapped forms and localhost names, which must then resolve to a
// loopback address) and plain http for those targets only. It is meant for
// development (paspoort dev) and tests. Private and link-local ranges stay
// refused unless [WithPrivateNetworksUnsafe] is given as well, and a redirect
// from https to http stays refused. By default loopback is refused.
func WithAllowLoopback() Option {
	return func(c *config) error {
		c.allowLoopback = true
		return nil
	}
}

// WithPrivateNetworksUnsafe allows private and link-local targets
// (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16,
// fc00::/7, fe80::/10) over https. It is unsafe: it re-opens server-side
// request forgery into the local network, and is meant only for on-premises
// deployments whose issuers live on private addresses. It does not allow
// loopback (see [WithAllowLoopback]), plain http, or cloud metadata addresses
// such as 169.254.169.254, which are always refused. By default private
// ranges are refused.
func WithPrivateNetworksUnsafe() Option {
	return func(c *config) error {
		c.allowPrivate = true
		return nil
	}
}

// WithMaxBytes sets the largest response body accepted, in bytes; a larger
// body (announced or read) fails with [ErrTooLarge]. n must be positive. The
// default is [DefaultMaxBytes] (256 KiB).
func WithMaxBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("WithMaxBytes: must be positive, got %d", n)
		}
		c.maxBytes = n
		return nil
	}
}

// WithTimeout sets the deadline of a whole request: dialling, TLS, redirects,
// headers and reading the body. A fetch that takes longer fails with
// [ErrTimeout]. d must be positive. The default is [DefaultTimeout] (5 s); a
// shorter deadline on the caller's context also applies.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithTimeout: must be positive, got %s", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxRedirects sets how many redirects a request follows; one more fails
// with [ErrRefused]. 0 refuses every redirect. n must not be negative. The
// default is [DefaultMaxRedirects] (3).
func WithMaxRedirects(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithMaxRedirects: must not be negative, got %d", n)
		}
		c.maxRedirects = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header of requests that do not set one.
// s must be non-empty and free of control characters. The default is
// [DefaultUserAgent] ("paspoort"), which is deliberately minimal (SECURITY.md
// H.58).
func WithUserAgent(s string) Option {
	return func(c *config) error {
		c.userAgent = s
		return nil
	}
}

// WithTransport replaces the HTTP transport; it is for tests only. With it
// the dial-time check of resolved addresses (the DNS rebinding defence) does
// NOT apply, because rt opens the connections; the URL checks before each
// request and each redirect, the limits and the timeout still apply. rt must
// not be nil. By default the client uses its own transport with the dial-time
// check and no proxy.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("WithTransport: nil transport")
		}
		c.transport = rt
		return nil
	}
}

// WithRootCAs trusts the certificates of pool as roots for https instead of
// the system's: a private CA on premises, or the local development CA of
// "paspoort dev". Every other rule (https only, address checks, limits)
// still applies. A nil pool is an error.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *config) error {
		if pool == nil {
			return errors.New("WithRootCAs: nil certificate pool")
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.tlsConfig != nil {
			tc = c.tlsConfig.Clone()
		}
		tc.RootCAs = pool
		c.tlsConfig = tc
		return nil
	}
}
