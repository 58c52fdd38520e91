package safehttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// maxHeaderBytes bounds the response headers.
const maxHeaderBytes = 64 << 10

// maxDrain bounds how much of a non-2xx body is discarded to keep the
// connection reusable; the rest is dropped with the connection.
const maxDrain = 4 << 10

// Client fetches URLs under the SSRF policy described in the package
// documentation. Its configuration is fixed by [New]. A Client is safe for
// concurrent use by multiple goroutines and should be reused, so that
// connections are.
type Client struct {
	cfg *config
	hc  *http.Client
}

// Response is a successful (2xx) response, read in full.
type Response struct {
	// StatusCode is the HTTP status code, in the range 200 to 299.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Body is the whole response body, at most the limit of [WithMaxBytes].
	Body []byte
	// URL is the final URL, after redirects.
	URL *url.URL
}

// New returns a Client configured by opts. The defaults are https only, no
// loopback or private targets, a 256 KiB body limit, a 5 s deadline, 3
// redirects and the User-Agent "paspoort"; see the options. The
// configuration is validated once, after all options ran.
func New(opts ...Option) (*Client, error) {
	cfg := newConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, fmt.Errorf("safehttp: %w", err)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("safehttp: %w", err)
	}
	c := &Client{cfg: cfg}
	rt := cfg.transport
	if rt == nil {
		rt = cfg.newTransport()
	}
	c.hc = &http.Client{
		Transport:     rt,
		CheckRedirect: cfg.checkRedirect,
		// No Jar: cookies are neither stored nor sent. No Timeout: the
		// deadline is set per request on the context and covers the body.
	}
	return c, nil
}

// newTransport returns the transport whose every connection goes through
// dialContext, and so through the dial-time address check.
func (c *config) newTransport() *http.Transport {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.tlsConfig != nil {
		tlsConf = c.tlsConfig.Clone()
	}
	return &http.Transport{
		// Never a proxy: a proxy would open the connection on our behalf,
		// past the dial-time check.
		Proxy:                  nil,
		DialContext:            c.dialContext,
		TLSClientConfig:        tlsConf,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    c.timeout,
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxIdleConns:           32,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
	}
}

// dialContext opens every connection of the transport. It checks the host
// again, then dials with a Control function that checks the resolved
// address of each attempt (the DNS rebinding defence, SECURITY.md E.40).
// A localhost name may only reach loopback addresses.
func (c *config) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, malformed("bad dial address")
	}
	kind, _, err := c.checkHost(host)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{
		Timeout:   c.timeout,
		KeepAlive: 30 * time.Second,
		Resolver:  c.resolver,
		Control:   c.control(kind == hostLocalName),
	}
	return d.DialContext(ctx, network, address)
}

// control returns the net.Dialer Control function: it runs after the name
// is resolved and the socket created, before connecting, for every address
// tried. With loopbackOnly, only loopback addresses pass.
func (c *config) control(loopbackOnly bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if network != "tcp4" && network != "tcp6" && network != "tcp" {
			return refused(fmt.Sprintf("network %q not allowed", network))
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return refused("unparsable dial address")
		}
		k := classify(ap.Addr())
		if loopbackOnly && k != classLoopback {
			return refused(fmt.Sprintf("localhost name resolved to %s address %s", k, ap.Addr()))
		}
		if !c.allowed(k) {
			return refusedAddr(k, fmt.Sprintf("resolved address %s is %s", ap.Addr(), k))
		}
		return nil
	}
}

// checkRedirect re-validates every redirect target by the rules of the
// first request (SECURITY.md E.41, D.39).
func (c *config) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.maxRedirects {
		return refused(fmt.Sprintf("stopped after %d redirects", c.maxRedirects))
	}
	for _, v := range via {
		if v.Method == req.Method && v.URL.String() == req.URL.String() {
			return refused("redirect loop")
		}
	}
	if prev := via[len(via)-1]; strings.EqualFold(prev.URL.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
		return refused("redirect from https to " + req.URL.Scheme)
	}
	if err := c.checkURL(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", redact(req.URL), err)
	}
	// The previous URL may carry tokens in its query: never send it on.
	req.Header.Del("Referer")
	return nil
}

// Get fetches rawURL with GET. accept, if not empty, is sent as the Accept
// header. See [Client.Do] for the checks, limits and errors.
func (c *Client) Get(ctx context.Context, rawURL string, accept string) (*Response, error) {
	u, err := c.CheckURL(rawURL)
	if err != nil {
		return nil, &fetchError{method: http.MethodGet, url: redactRaw(rawURL), err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &fetchError{method: http.MethodGet, url: redact(u), err: malformed("cannot build request")}
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return c.Do(ctx, req)
}

// PostForm posts form, URL-encoded, to rawURL. accept, if not empty, is sent
// as the Accept header. See [Client.Do] for the checks, limits and errors.
func (c *Client) PostForm(ctx context.Context, rawURL string, form url.Values, accept string) (*Response, error) {
	u, err := c.CheckURL(rawURL)
	if err != nil {
		return nil, &fetchError{method: http.MethodPost, url: redactRaw(rawURL), err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &fetchError{method: http.MethodPost, url: redact(u), err: malformed("cannot build request")}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return c.Do(ctx, req)
}

// maxOAuthError bounds the OAuth error body PostFormOAuth reads.
const maxOAuthError = 4 << 10

// PostFormOAuth posts form to an OAuth 2.0 endpoint (a token endpoint) as
// PostForm does, and on a 400 or 401 reads the error response the
// endpoint MUST send (RFC 6749 §5.2): at most 4 KiB of application/json,
// decoded strictly into an [OAuthError] carried by the [*StatusError]. A
// body that is not such an object leaves OAuth nil; it is never returned
// otherwise.
func (c *Client) PostFormOAuth(ctx context.Context, rawURL string, form url.Values) (*Response, error) {
	u, err := c.CheckURL(rawURL)
	if err != nil {
		return nil, &fetchError{method: http.MethodPost, url: redactRaw(rawURL), err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &fetchError{method: http.MethodPost, url: redact(u), err: malformed("cannot build request")}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return c.do(ctx, req, true)
}

// DoOAuth is Do for a request to an OAuth 2.0 endpoint built by the
// caller (with headers of its own, such as DPoP): a 400 or 401 error
// response is read as by PostFormOAuth.
func (c *Client) DoOAuth(ctx context.Context, req *http.Request) (*Response, error) {
	return c.do(ctx, req, true)
}

// Do sends req under the client's policy and returns the response read in
// full. req's own context is replaced by ctx, bounded by the deadline of
// [WithTimeout]; req is not modified. In order:
//
//  1. req.URL is checked as by [Client.CheckURL];
//  2. every connection is checked at dial time (resolved address);
//  3. every redirect is re-validated and counted;
//  4. a non-2xx status fails with a [*StatusError] and the body is discarded
//     unread;
//  5. a Content-Length above the limit, or a body that exceeds it, fails
//     with [ErrTooLarge];
//  6. the deadline covers all of the above, body included ([ErrTimeout]).
//
// Every error satisfies errors.Is(err, credentials.ErrFetch) and names only
// the method, scheme, host and path of the URL.
func (c *Client) Do(ctx context.Context, req *http.Request) (*Response, error) {
	return c.do(ctx, req, false)
}

func (c *Client) do(ctx context.Context, req *http.Request, oauth bool) (*Response, error) {
	if req == nil || req.URL == nil {
		return nil, &fetchError{method: "?", url: "<nil URL>", err: malformed("no request or URL")}
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if err := c.cfg.checkURL(req.URL); err != nil {
		return nil, &fetchError{method: method, url: redact(req.URL), err: err}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	r := req.Clone(ctx)
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", c.cfg.userAgent)
	}

	resp, err := c.hc.Do(r)
	if err != nil {
		return nil, c.wrap(ctx, method, req.URL, err)
	}
	defer resp.Body.Close()
	final := req.URL
	if resp.Request != nil && resp.Request.URL != nil {
		final = resp.Request.URL
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Code: resp.StatusCode, Header: resp.Header}
		if oauth && (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized) &&
			strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			se.OAuth = readOAuthError(resp.Body)
		}
		// Never use any other error body (SECURITY.md D.39).
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		return nil, &fetchError{method: method, url: redact(final), err: se}
	}
	limit := c.cfg.maxBytes
	if resp.ContentLength > limit {
		return nil, &fetchError{method: method, url: redact(final),
			err: fmt.Errorf("%w: Content-Length %d exceeds %d bytes", ErrTooLarge, resp.ContentLength, limit)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.wrap(ctx, method, final, err)
	}
	if int64(len(body)) > limit {
		return nil, &fetchError{method: method, url: redact(final),
			err: fmt.Errorf("%w: body exceeds %d bytes", ErrTooLarge, limit)}
	}
	return &Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Body:       body,
		URL:        final,
	}, nil
}

// wrap turns an error of the HTTP client into a fetchError. A *url.Error
// quotes the full URL, query string included, so only its cause is kept and
// the URL it names is redacted.
func (c *Client) wrap(ctx context.Context, method string, u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		// For a refused redirect, ue.URL is the Location as sent, which
		// may be relative.
		if pu, perr := url.Parse(ue.URL); perr == nil {
			u = u.ResolveReference(pu)
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		err = fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return &fetchError{method: method, url: redact(u), err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readOAuthError reads an OAuth error response of at most maxOAuthError
// bytes, or returns nil.
func readOAuthError(r io.Reader) *OAuthError {
	b, err := io.ReadAll(io.LimitReader(r, maxOAuthError+1))
	if err != nil || len(b) > maxOAuthError {
		return nil
	}
	var e OAuthError
	if strictjson.Unmarshal(b, &e) != nil || e.Error == "" {
		return nil
	}
	return &e
}
