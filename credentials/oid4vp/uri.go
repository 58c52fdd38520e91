package oid4vp

import (
	"net/url"
	"strings"
)

// Scheme is the custom URL scheme of Wallet invocation (§9, §12.1.2).
const Scheme = "openid4vp"

// SchemeHAIP is the custom URL scheme HAIP 1.0 §5 requires wallets and
// verifiers to support ("haip://"), beside Scheme. It carries the same
// parameters; paspoort's verifier uses it in HAIP mode.
const SchemeHAIP = "haip"

// Values of request_uri_method (§5.1).
const (
	RequestURIMethodGet  = "get"
	RequestURIMethodPost = "post"
)

// InvocationRequest is an Authorization Request passed by reference: what an
// "openid4vp://" link or QR code carries (§5, RFC 9101 §5.2).
type InvocationRequest struct {
	// ClientID is the full client_id, prefix included.
	ClientID string
	// RequestURI is where the Request Object is fetched.
	RequestURI string
	// RequestURIMethod is "", "get" or "post".
	RequestURIMethod string
}

// URI returns "openid4vp://?client_id=…&request_uri=…[&request_uri_method=…]".
func (r InvocationRequest) URI() string {
	return Scheme + "://?" + r.query().Encode()
}

// URIWithBase returns the request on another authorization endpoint (a
// Wallet's https universal link, say), replacing its query.
func (r InvocationRequest) URIWithBase(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" {
		return "", errorf(ErrInvalidRequest, "bad authorization endpoint")
	}
	u.RawQuery = r.query().Encode()
	return u.String(), nil
}

func (r InvocationRequest) query() url.Values {
	v := url.Values{"client_id": {r.ClientID}, "request_uri": {r.RequestURI}}
	if r.RequestURIMethod != "" {
		v.Set("request_uri_method", r.RequestURIMethod)
	}
	return v
}

// ParseInvocationURI parses an "openid4vp:" or "haip:" URI, or an https link carrying an
// Authorization Request by reference. Strict: size bounded, each parameter
// at most once, client_id with a supported prefix, request_uri an https URL
// (loopback http when allowed), request_uri_method absent, "get" or "post"
// (otherwise ErrInvalidRequest, to be answered with
// CodeInvalidRequestURIMethod), and no "request" beside "request_uri".
// Other parameters are ignored: only the Request Object counts (§5.10.1).
func ParseInvocationURI(s string, pol URLPolicy) (InvocationRequest, error) {
	if len(s) > 2*maxParamBytes {
		return InvocationRequest{}, errorf(ErrTooLarge, "URI of %d bytes", len(s))
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return InvocationRequest{}, errorf(ErrInvalidRequest, "not a URI")
	}
	if u.Scheme != Scheme && u.Scheme != SchemeHAIP && u.Scheme != "https" && !(u.Scheme == "http" && pol.AllowLoopback && isLoopback(u.Hostname())) {
		return InvocationRequest{}, errorf(ErrInvalidRequest, "scheme %q", truncate(u.Scheme))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return InvocationRequest{}, errorf(ErrInvalidRequest, "bad query")
	}
	one := func(name string) (string, error) {
		vs := q[name]
		if len(vs) > 1 {
			return "", errorf(ErrInvalidRequest, "%s given %d times", name, len(vs))
		}
		if len(vs) == 0 {
			return "", nil
		}
		return vs[0], nil
	}
	var r InvocationRequest
	if r.ClientID, err = one("client_id"); err != nil {
		return InvocationRequest{}, err
	}
	if r.RequestURI, err = one("request_uri"); err != nil {
		return InvocationRequest{}, err
	}
	if r.RequestURIMethod, err = one("request_uri_method"); err != nil {
		return InvocationRequest{}, err
	}
	if _, ok := q["request"]; ok {
		return InvocationRequest{}, errorf(ErrInvalidRequest, "request and request_uri together, or a request by value")
	}
	if r.ClientID == "" || r.RequestURI == "" {
		return InvocationRequest{}, errorf(ErrInvalidRequest, "client_id and request_uri are required")
	}
	if _, err := ParseClientID(r.ClientID, pol); err != nil {
		return InvocationRequest{}, err
	}
	if _, err := checkURL(r.RequestURI, pol); err != nil {
		return InvocationRequest{}, err
	}
	switch r.RequestURIMethod {
	case "", RequestURIMethodGet, RequestURIMethodPost:
	default:
		return InvocationRequest{}, errorf(ErrInvalidRequest, "%s: %q", CodeInvalidRequestURIMethod, truncate(r.RequestURIMethod))
	}
	return r, nil
}

// RequestURIPost is the form a Wallet POSTs to a request_uri when
// request_uri_method is "post" (§5.10), with Content-Type
// application/x-www-form-urlencoded and Accept MediaTypeRequestObject.
type RequestURIPost struct {
	// WalletNonce is echoed in the Request Object; use NewNonce.
	WalletNonce string
	// WalletMetadata is the JSON of the Wallet's metadata (§10), optional.
	WalletMetadata []byte
}

// Form encodes the POST body.
func (p RequestURIPost) Form() url.Values {
	v := url.Values{}
	if p.WalletNonce != "" {
		v.Set("wallet_nonce", p.WalletNonce)
	}
	if len(p.WalletMetadata) > 0 {
		v.Set("wallet_metadata", string(p.WalletMetadata))
	}
	return v
}

// ParseRequestURIPost reads the POST body on the Verifier's side: each
// parameter at most once, wallet_nonce of URL-safe characters, and
// wallet_metadata a strict JSON object when present. Unknown parameters are
// ignored (§5.10).
func ParseRequestURIPost(form url.Values) (RequestURIPost, error) {
	var p RequestURIPost
	for name, vs := range form {
		if len(vs) != 1 {
			return RequestURIPost{}, errorf(ErrInvalidRequest, "%s given %d times", truncate(name), len(vs))
		}
	}
	if n := form.Get("wallet_nonce"); n != "" {
		if !urlSafe(n) {
			return RequestURIPost{}, errorf(ErrInvalidRequest, "wallet_nonce not of URL-safe characters")
		}
		p.WalletNonce = n
	}
	if m := form.Get("wallet_metadata"); m != "" {
		var raw map[string]any
		if err := decodeStrict([]byte(m), &raw, ErrInvalidRequest); err != nil {
			return RequestURIPost{}, err
		}
		p.WalletMetadata = []byte(m)
	}
	return p, nil
}
