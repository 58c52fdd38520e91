package safehttp

import (
	"crypto/tls"
	"net"
)

// WithResolverForTest makes the client's dialer resolve names with r, so a
// test can make a name resolve to any address without DNS.
func WithResolverForTest(r *net.Resolver) Option {
	return func(c *config) error {
		c.resolver = r
		return nil
	}
}

// WithTLSConfigForTest sets the TLS configuration of the client's own
// transport, so a test can trust an httptest TLS server.
func WithTLSConfigForTest(tc *tls.Config) Option {
	return func(c *config) error {
		c.tlsConfig = tc
		return nil
	}
}

// DialCheckForTest runs the dial-time Control check of c on a resolved
// address such as "10.0.0.1:443", as the dialer does before connecting.
// localName selects the check for a localhost name.
func (c *Client) DialCheckForTest(network, address string, localName bool) error {
	return c.cfg.control(localName)(network, address, nil)
}
