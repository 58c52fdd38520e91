package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// MaxAnchors bounds an anchor set read from PEM.
const MaxAnchors = 256

// ParseChainPEM reads a certificate chain from PEM, leaf first, as written
// by EncodePEM: "CERTIFICATE" blocks only, at most MaxChainLength, each at
// most MaxCertificateBytes. Explanatory text around the blocks is ignored
// (RFC 7468 §5.2). A private key block is refused without being parsed.
func ParseChainPEM(data []byte) ([]*x509.Certificate, error) {
	return parsePEM(data, MaxChainLength)
}

// ParseAnchorsPEM reads an anchor set (PEM certificates, at most
// MaxAnchors) and returns it as Anchors.
func ParseAnchorsPEM(data []byte) (*Anchors, error) {
	certs, err := parsePEM(data, MaxAnchors)
	if err != nil {
		return nil, err
	}
	return NewAnchors(certs...)
}

func parsePEM(data []byte, max int) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case strings.Contains(b.Type, "PRIVATE KEY"):
			return nil, fmt.Errorf("%w: PEM block %d is a %q", ErrPrivateKeyInChain, len(certs)+1, trunc(b.Type))
		case b.Type != "CERTIFICATE":
			return nil, fmt.Errorf("%w: PEM block %d is a %q, not a CERTIFICATE", ErrBadPEM, len(certs)+1, trunc(b.Type))
		case len(b.Headers) != 0:
			return nil, fmt.Errorf("%w: PEM block %d has headers", ErrBadPEM, len(certs)+1)
		}
		if len(certs) == max {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyCertificates, max)
		}
		c, err := parseDER(b.Bytes, len(certs))
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		if bytes.Contains(data, []byte("-----BEGIN")) {
			return nil, fmt.Errorf("%w: a BEGIN line without a well-formed block", ErrBadPEM)
		}
		return nil, ErrNoCertificates
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, fmt.Errorf("%w: a BEGIN line without a well-formed block after certificate %d", ErrBadPEM, len(certs))
	}
	return certs, nil
}

// parseDER parses one DER certificate, the i-th (from 0) of its chain,
// refusing one over MaxCertificateBytes before parsing.
func parseDER(der []byte, i int) (*x509.Certificate, error) {
	if len(der) > MaxCertificateBytes {
		return nil, fmt.Errorf("%w: certificate %d is %d bytes, over %d", ErrCertificateTooLarge, i, len(der), MaxCertificateBytes)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate %d: %v", ErrMalformed, i, err)
	}
	return c, nil
}

// EncodePEM writes certificates as PEM "CERTIFICATE" blocks, in order.
func EncodePEM(certs ...*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return buf.Bytes()
}

// EncodeKeyPEM writes a private key as a PKCS #8 "PRIVATE KEY" block.
// Callers write it only to a secret file (mode 0600) and never log it.
func EncodeKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKeyPEM reads one PKCS #8 "PRIVATE KEY" block (as EncodeKeyPEM
// writes). Errors never quote the key.
func ParseKeyPEM(data []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: expected one PKCS #8 PRIVATE KEY block", ErrBadPEM)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: PKCS #8 private key does not parse", ErrBadPEM)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a signing key", ErrBadConfig, k)
	}
	return s, nil
}
