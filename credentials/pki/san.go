package pki

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
)

// HasDNSName reports whether name is, compared case-insensitively, one of
// the leaf's dNSName SANs. Wildcard SANs match nothing: OpenID4VP 1.0
// §5.9.3 (x509_san_dns) asks for a SAN that the name matches, and a
// credential issuer or verifier names itself exactly.
func HasDNSName(leaf *x509.Certificate, name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return false
	}
	for _, d := range leaf.DNSNames {
		if !strings.HasPrefix(d, "*.") && strings.EqualFold(strings.TrimSuffix(d, "."), name) {
			return true
		}
	}
	return false
}

// HasURI reports whether uri is, byte for byte, one of the leaf's
// uniformResourceIdentifier SANs.
func HasURI(leaf *x509.Certificate, uri string) bool {
	for _, u := range leaf.URIs {
		if u.String() == uri {
			return true
		}
	}
	return false
}

// MatchIssuer checks that iss, an "iss" claim, names the leaf: iss is an
// https URL without user info, query or fragment, and either equals a
// uniformResourceIdentifier SAN of the leaf or its host is a dNSName SAN
// of the leaf. This is the rule of draft-ietf-oauth-sd-jwt-vc up to -09
// ("X.509 Certificates"); later drafts say only that the issuer is the
// subject of the leaf, and paspoort keeps the older, checkable rule so
// that "iss" cannot name another party than the certificate does
// (SECURITY.md A.12). Errors are ErrNameMismatch (TRUST).
func MatchIssuer(leaf *x509.Certificate, iss string) error {
	u, err := url.Parse(iss)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("%w: iss %q is not an https URL", ErrNameMismatch, trunc(iss))
	}
	if HasURI(leaf, iss) || HasDNSName(leaf, u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%w: iss %q", ErrNameMismatch, trunc(iss))
}

// MatchX509Hash checks an "x509_hash" client identifier (without its
// prefix) against the leaf (OpenID4VP 1.0 §5.9.3). Errors are
// ErrNameMismatch (TRUST).
func MatchX509Hash(leaf *x509.Certificate, hash string) error {
	if X509Hash(leaf) != hash {
		return fmt.Errorf("%w: x509_hash does not match the leaf", ErrNameMismatch)
	}
	return nil
}

// MatchSANDNS checks an "x509_san_dns" client identifier (without its
// prefix) against the leaf's dNSName SANs (OpenID4VP 1.0 §5.9.3).
func MatchSANDNS(leaf *x509.Certificate, name string) error {
	if !HasDNSName(leaf, name) {
		return fmt.Errorf("%w: x509_san_dns %q", ErrNameMismatch, trunc(name))
	}
	return nil
}
