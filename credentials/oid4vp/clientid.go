package oid4vp

import (
	"encoding/base64"
	"net"
	"net/url"
	"strings"
)

// Client Identifier Prefixes (§5.9.3) this package supports.
const (
	// PrefixDecentralizedIdentifier: the original client_id is a DID; the
	// request MUST be signed with a key of its DID document, named by the
	// "kid" header.
	PrefixDecentralizedIdentifier = "decentralized_identifier"
	// PrefixRedirectURI: the original client_id is the Verifier's redirect
	// (or response) URI; requests cannot be signed.
	PrefixRedirectURI = "redirect_uri"
	// PrefixX509Hash: the original client_id is the base64url (no
	// padding) SHA-256 of the DER of the leaf certificate of the "x5c"
	// header of the signed Request Object (§5.9.3; HAIP §5 requires it).
	PrefixX509Hash = "x509_hash"
	// PrefixX509SANDNS: the original client_id is a DNS name that is a
	// dNSName SAN of the leaf certificate of the "x5c" header of the signed
	// Request Object (§5.9.3).
	PrefixX509SANDNS = "x509_san_dns"
)

// IsX509 reports whether prefix is one of the X.509 prefixes, whose
// requests carry their certificate chain in "x5c".
func IsX509(prefix string) bool { return prefix == PrefixX509Hash || prefix == PrefixX509SANDNS }

// ClientID is a client_id split at its first ":" into a Client Identifier
// Prefix and the original Client Identifier (§5.9.1). The full string is
// what KB-JWTs name as their audience (§13.9).
type ClientID struct {
	// Prefix is PrefixDecentralizedIdentifier, PrefixRedirectURI,
	// PrefixX509Hash or PrefixX509SANDNS.
	Prefix string
	// Identifier is the original Client Identifier: a DID, a URI, a
	// certificate hash or a DNS name.
	Identifier string
}

// String returns the full client_id, prefix included.
func (c ClientID) String() string { return c.Prefix + ":" + c.Identifier }

// URLPolicy says which URLs a request may name (response_uri,
// request_uri, redirect_uri).
type URLPolicy struct {
	// AllowLoopback also accepts http:// URLs whose host is a loopback
	// address or "localhost" (tests and `paspoort dev`). Default: https
	// only.
	AllowLoopback bool
}

// ParseClientID splits and checks a client_id. Without a ":" it names a
// pre-registered client, which paspoort has none of; an unknown prefix is
// refused (§5.9.2 allows either). For decentralized_identifier the rest
// must be a DID ("did:" method ":" method-specific-id, method lower-case
// letters and digits, no fragment, query or path); for redirect_uri an
// absolute https URL without fragment (or a loopback http URL when allowed);
// for x509_hash the unpadded base64url of a SHA-256 hash (43 characters,
// 32 bytes); for x509_san_dns a DNS name (letters, digits and hyphens in
// dot-separated labels of 1 to 63 characters, at most 253 in all, no
// trailing dot, not an IP address). Errors are ErrClientID.
func ParseClientID(s string, pol URLPolicy) (ClientID, error) {
	if len(s) > maxParamBytes {
		return ClientID{}, errorf(ErrClientID, "client_id too long")
	}
	prefix, rest, ok := strings.Cut(s, ":")
	if !ok {
		return ClientID{}, errorf(ErrClientID, "pre-registered clients are not supported")
	}
	c := ClientID{Prefix: prefix, Identifier: rest}
	switch prefix {
	case PrefixDecentralizedIdentifier:
		if !IsDID(rest) {
			return ClientID{}, errorf(ErrClientID, "%q is not a DID", truncate(rest))
		}
	case PrefixRedirectURI:
		if _, err := checkURL(rest, pol); err != nil {
			return ClientID{}, errorf(ErrClientID, "redirect_uri client_id: %v", err)
		}
	case PrefixX509Hash:
		if b, err := base64.RawURLEncoding.Strict().DecodeString(rest); err != nil || len(b) != 32 {
			return ClientID{}, errorf(ErrClientID, "x509_hash %q is not a base64url SHA-256 hash", truncate(rest))
		}
	case PrefixX509SANDNS:
		if !IsDNSName(rest) {
			return ClientID{}, errorf(ErrClientID, "x509_san_dns %q is not a DNS name", truncate(rest))
		}
	default:
		return ClientID{}, errorf(ErrClientID, "unsupported Client Identifier Prefix %q", truncate(prefix))
	}
	return c, nil
}

// IsDNSName reports whether s is a DNS host name: dot-separated labels of
// 1 to 63 letters, digits and hyphens, not starting or ending with a
// hyphen, at most 253 characters, no trailing dot, and not an IP address.
func IsDNSName(s string) bool {
	if s == "" || len(s) > 253 || net.ParseIP(s) != nil {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// IsDID reports whether s is a DID without path, query or fragment (DID Core
// §3.1): "did:" method-name ":" method-specific-id, the method name of
// lower-case letters and digits, the id of idchars and ":" (not ending in
// ":").
func IsDID(s string) bool {
	rest, ok := strings.CutPrefix(s, "did:")
	if !ok {
		return false
	}
	method, id, ok := strings.Cut(rest, ":")
	if !ok || method == "" || id == "" || strings.HasSuffix(id, ":") {
		return false
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '-' || c == '_' || c == ':':
		case c == '%' && i+2 < len(id) && isHex(id[i+1]) && isHex(id[i+2]):
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// checkURL requires an absolute https URL with a host, no userinfo and no
// fragment; http only for loopback hosts when allowed.
func checkURL(s string, pol URLPolicy) (*url.URL, error) {
	if len(s) > maxParamBytes {
		return nil, errorf(ErrInvalidRequest, "URL too long")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errorf(ErrInvalidRequest, "not a URL")
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(s, " \t\r\n#") {
		return nil, errorf(ErrInvalidRequest, "not an absolute URL without fragment or userinfo")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !pol.AllowLoopback || !isLoopback(u.Hostname()) {
			return nil, errorf(ErrInvalidRequest, "http URL for a non-loopback host")
		}
	default:
		return nil, errorf(ErrInvalidRequest, "scheme %q", truncate(u.Scheme))
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckResponseURI applies the Client Identifier Prefix rules to a
// response_uri (§8.2: it "MUST be a value that the client would be permitted
// to use as redirect_uri"):
//
//   - redirect_uri: the response_uri is the original Client Identifier,
//     exactly;
//   - decentralized_identifier with did:web: its host (and port) is the
//     did:web domain, so that a did:web Verifier cannot have responses sent
//     to another origin;
//   - decentralized_identifier with another method (did:jwk, did:key): any
//     URL allowed by pol, since such a DID binds no origin;
//   - x509_san_dns: the FQDN (host without port) of the response_uri is
//     the original Client Identifier, compared case-insensitively. §5.9.3
//     lets a Wallet waive this for Client Identifiers it trusts by other
//     means ("a list of trusted Client Identifiers"); paspoort keeps no
//     such list, so it always applies;
//   - x509_hash: any URL allowed by pol. §5.9.3 binds no URL to this
//     prefix (the hash names a certificate, not an origin); the Verifier
//     is authenticated by the chain alone.
//
// Errors are ErrClientID or, for a malformed URL, ErrInvalidRequest.
func CheckResponseURI(c ClientID, responseURI string, pol URLPolicy) error {
	u, err := checkURL(responseURI, pol)
	if err != nil {
		return err
	}
	switch c.Prefix {
	case PrefixRedirectURI:
		if responseURI != c.Identifier {
			return errorf(ErrClientID, "response_uri is not the redirect_uri client_id")
		}
	case PrefixDecentralizedIdentifier:
		if host, ok := strings.CutPrefix(c.Identifier, "did:web:"); ok {
			domain, _, _ := strings.Cut(host, ":")
			domain, err := url.PathUnescape(domain)
			if err != nil || !strings.EqualFold(domain, u.Host) {
				return errorf(ErrClientID, "response_uri host %q is not the did:web domain", truncate(u.Host))
			}
		}
	case PrefixX509SANDNS:
		if !strings.EqualFold(u.Hostname(), c.Identifier) {
			return errorf(ErrClientID, "response_uri host %q is not the x509_san_dns name", truncate(u.Hostname()))
		}
	case PrefixX509Hash:
	default:
		return errorf(ErrClientID, "unsupported Client Identifier Prefix")
	}
	return nil
}

func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
