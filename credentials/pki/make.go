package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"
)

// Defaults of the development certificates.
const (
	// DefaultAnchorValidity is how long a development anchor is valid.
	DefaultAnchorValidity = 5 * 365 * 24 * time.Hour
	// DefaultLeafValidity is how long a leaf is valid: 397 days, the most
	// the CA/Browser Forum allows for TLS leaves, a sane bound here too.
	DefaultLeafValidity = 397 * 24 * time.Hour
	// backdate is how far NotBefore lies before now, for clock skew.
	backdate = 5 * time.Minute
)

// AuthorityConfig describes a development trust anchor.
type AuthorityConfig struct {
	// CommonName is the anchor's subject CN (default "paspoort development
	// anchor").
	CommonName string
	// PermittedDomains, when set, limits the anchor with a critical name
	// constraints extension (RFC 5280 §4.2.1.10): leaves may only name
	// these DNS domains (and their subdomains) in dNSName SANs, and only
	// URIs whose host is in them in URI SANs.
	PermittedDomains []string
	// NotBefore defaults to now minus five minutes; Validity to
	// DefaultAnchorValidity.
	NotBefore time.Time
	Validity  time.Duration
}

// Authority is a certification authority that issues leaf certificates: a
// development trust anchor, or (in tests) an intermediate. Its String never
// prints key material.
type Authority struct {
	// Cert is the authority's certificate.
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewDevAuthority makes a self-signed P-256 anchor: basicConstraints CA
// (critical), keyUsage keyCertSign and cRLSign (critical), a subject key
// identifier, and name constraints when cfg asks for them.
func NewDevAuthority(cfg AuthorityConfig) (*Authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate anchor key: %w", err)
	}
	if cfg.CommonName == "" {
		cfg.CommonName = "paspoort development anchor"
	}
	tmpl, err := template(cfg.CommonName, cfg.NotBefore, cfg.Validity, DefaultAnchorValidity)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	for _, d := range cfg.PermittedDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !validDNSName(d) {
			return nil, fmt.Errorf("%w: name constraint %q is not a DNS name", ErrBadConfig, trunc(d))
		}
		tmpl.PermittedDNSDomains = append(tmpl.PermittedDNSDomains, d)
		tmpl.PermittedURIDomains = append(tmpl.PermittedURIDomains, d)
	}
	tmpl.PermittedDNSDomainsCritical = len(tmpl.PermittedDNSDomains) > 0
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("%w: create anchor: %v", ErrBadConfig, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return &Authority{Cert: cert, key: key}, nil
}

// NewAuthority pairs a CA certificate with its private key, as read from
// files: the key must be P-256 and match the certificate, and the
// certificate must be a CA allowed to sign certificates.
func NewAuthority(cert *x509.Certificate, key crypto.PrivateKey) (*Authority, error) {
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: the authority key must be P-256", ErrBadConfig)
	}
	if cert == nil || !ec.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%w: the key does not belong to the authority certificate", ErrBadConfig)
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("%w: the certificate is not a CA that may sign certificates", ErrNotAuthorized)
	}
	return &Authority{Cert: cert, key: ec}, nil
}

// Key returns the authority's private key, to be written to a secret file.
func (a *Authority) Key() crypto.Signer { return a.key }

// String describes the authority without its key.
func (a *Authority) String() string { return "pki.Authority(" + a.Cert.Subject.String() + ")" }

// GoString is String.
func (a *Authority) GoString() string { return a.String() }

// LeafConfig describes a leaf certificate for an issuer or a verifier.
type LeafConfig struct {
	// CommonName is the subject CN (default: the first DNS name, else the
	// first URI).
	CommonName string
	// DNSNames and URIs are the subject alternative names; at least one is
	// required. URIs must be absolute https URLs.
	DNSNames []string
	URIs     []string
	// NotBefore defaults to now minus five minutes; Validity to
	// DefaultLeafValidity.
	NotBefore time.Time
	Validity  time.Duration
}

// Issue certifies pub (a P-256 public key) as a leaf: not a CA
// (basicConstraints present, cA false), keyUsage digitalSignature
// (critical), the SANs of cfg, and an authority key identifier.
func (a *Authority) Issue(pub crypto.PublicKey, cfg LeafConfig) (*x509.Certificate, error) {
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: leaf key must be P-256 (HAIP §7)", ErrBadConfig)
	}
	if len(cfg.DNSNames) == 0 && len(cfg.URIs) == 0 {
		return nil, fmt.Errorf("%w: a leaf needs a DNS name or a URI", ErrBadConfig)
	}
	var dns []string
	for _, d := range cfg.DNSNames {
		d = strings.ToLower(strings.TrimSpace(d))
		if !validDNSName(d) {
			return nil, fmt.Errorf("%w: %q is not a DNS name", ErrBadConfig, trunc(d))
		}
		dns = append(dns, d)
	}
	var uris []*url.URL
	for _, s := range cfg.URIs {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
			return nil, fmt.Errorf("%w: %q is not an absolute https URL", ErrBadConfig, trunc(s))
		}
		uris = append(uris, u)
	}
	cn := cfg.CommonName
	if cn == "" && len(dns) > 0 {
		cn = dns[0]
	} else if cn == "" {
		cn = uris[0].String()
	}
	tmpl, err := template(cn, cfg.NotBefore, cfg.Validity, DefaultLeafValidity)
	if err != nil {
		return nil, err
	}
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.DNSNames, tmpl.URIs = dns, uris
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, ec, a.key)
	if err != nil {
		return nil, fmt.Errorf("%w: create leaf: %v", ErrBadConfig, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return cert, nil
}

// template is the part every certificate shares: a random 128-bit serial,
// the subject, the validity window.
func template(cn string, notBefore time.Time, validity, def time.Duration) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-backdate)
	}
	if validity == 0 {
		validity = def
	}
	if validity < 0 {
		return nil, fmt.Errorf("%w: negative validity", ErrBadConfig)
	}
	return &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)), // positive, never zero
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    notBefore.UTC().Truncate(time.Second),
		NotAfter:     notBefore.Add(validity).UTC().Truncate(time.Second),
	}, nil
}

// validDNSName reports whether s is a lower-case preferred-syntax DNS
// name: labels of letters, digits and hyphens, no wildcard, no trailing dot.
func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func trunc(s string) string {
	const max = 96
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
