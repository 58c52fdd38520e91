package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
)

// Bounds on x5c headers and chains.
const (
	// MaxChainLength is the most certificates an x5c or chain may hold.
	MaxChainLength = 10
	// MaxCertificateBytes is the largest DER certificate accepted (16 KiB).
	MaxCertificateBytes = 16 << 10
)

// maxCertificateB64 is the standard base64 length of MaxCertificateBytes.
var maxCertificateB64 = base64.StdEncoding.EncodedLen(MaxCertificateBytes)

// ParseX5C parses the value of an "x5c" JOSE header parameter (RFC 7515
// §4.1.6) as decoded from JSON: a non-empty array of strings, each the
// standard base64 (not base64url) DER of a certificate, the leaf first.
// Checks, in order: the type, the count (at most MaxChainLength), each
// member's size before decoding (at most MaxCertificateBytes), strict
// base64, DER. It does not validate the chain: see Anchors.Verify.
func ParseX5C(v any) ([]*x509.Certificate, error) {
	arr, ok := v.([]any)
	if !ok {
		if s, ok := v.([]string); ok {
			arr = make([]any, len(s))
			for i := range s {
				arr[i] = s[i]
			}
		} else {
			return nil, fmt.Errorf("%w: x5c is not an array", ErrMalformed)
		}
	}
	if len(arr) == 0 {
		return nil, fmt.Errorf("%w: empty x5c", ErrNoCertificates)
	}
	if len(arr) > MaxChainLength {
		return nil, fmt.Errorf("%w: x5c has %d certificates, at most %d", ErrTooManyCertificates, len(arr), MaxChainLength)
	}
	certs := make([]*x509.Certificate, 0, len(arr))
	for i, m := range arr {
		s, ok := m.(string)
		if !ok {
			return nil, fmt.Errorf("%w: x5c member %d is not a string", ErrMalformed, i)
		}
		if len(s) > maxCertificateB64 {
			return nil, fmt.Errorf("%w: x5c member %d is over %d bytes", ErrCertificateTooLarge, i, MaxCertificateBytes)
		}
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c member %d is not standard base64", ErrMalformed, i)
		}
		c, err := parseDER(der, i)
		if err != nil {
			return nil, fmt.Errorf("x5c: %w", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// X5C returns the "x5c" header value of a chain: each certificate's DER
// in standard base64, in order (the leaf first).
func X5C(chain []*x509.Certificate) []string {
	out := make([]string, len(chain))
	for i, c := range chain {
		out[i] = base64.StdEncoding.EncodeToString(c.Raw)
	}
	return out
}

// X509Hash returns the OpenID4VP 1.0 §5.9.3 "x509_hash" of a leaf: the
// base64url (no padding) SHA-256 of its DER encoding.
func X509Hash(leaf *x509.Certificate) string {
	sum := sha256.Sum256(leaf.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
