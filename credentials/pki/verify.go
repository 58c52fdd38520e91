package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/internal/jose"
)

// Anchors is a set of trust anchors. It is safe for concurrent use.
type Anchors struct {
	pool  *x509.CertPool
	certs []*x509.Certificate
}

// NewAnchors returns the anchor set of certs: at least one, each a CA
// certificate (basicConstraints cA true).
func NewAnchors(certs ...*x509.Certificate) (*Anchors, error) {
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: an anchor set needs a certificate", ErrNoCertificates)
	}
	a := &Anchors{pool: x509.NewCertPool()}
	for i, c := range certs {
		if c == nil || !c.BasicConstraintsValid || !c.IsCA {
			return nil, fmt.Errorf("%w: anchor %d is not a CA certificate", ErrNotAuthorized, i)
		}
		a.pool.AddCert(c)
		a.certs = append(a.certs, c)
	}
	return a, nil
}

// Certificates returns the anchors, in the order given.
func (a *Anchors) Certificates() []*x509.Certificate {
	return append([]*x509.Certificate(nil), a.certs...)
}

// Verified is a chain that validated to an anchor.
type Verified struct {
	// Leaf is the end-entity certificate.
	Leaf *x509.Certificate
	// Path is the validated path, leaf first, anchor last.
	Path []*x509.Certificate
	// Key is the leaf's public key.
	Key *jose.PublicKey
}

// Verify validates chain (leaf first, as in an x5c; the anchor itself not
// included) to one of the anchors at time at. Checks, in order:
//
//  1. the chain holds 1 to MaxChainLength certificates (LIMIT);
//  2. no certificate of the chain is an anchor, and the leaf is not
//     self-signed (HAIP: the x5c must not contain the trust anchor;
//     SECURITY.md A.3) (TRUST);
//  3. every certificate of the chain is within its validity period at
//     at (RFC 5280 §6.1.3 (a)(2)) (CLAIM: ErrExpired, ErrNotYetValid);
//  4. every certificate after the leaf is a CA (RFC 5280 §6.1.4 (k))
//     (TRUST: ErrNotAuthorized);
//  5. path validation by crypto/x509 against the anchors: signatures,
//     basic constraints, path length, name constraints (RFC 5280 §6.1)
//     (TRUST: ErrUntrusted, ErrNotAuthorized);
//  6. the leaf's keyUsage includes digitalSignature (RFC 5280 §4.2.1.3);
//     a leaf without the extension is refused too (TRUST: ErrKeyUsage);
//  7. the leaf's key is one the project verifies with: P-256 or Ed25519
//     (ALG).
//
// Extended key usages are not checked: HAIP defines none for credential
// issuers or verifiers.
func (a *Anchors) Verify(chain []*x509.Certificate, at time.Time) (*Verified, error) {
	switch {
	case len(chain) == 0:
		return nil, ErrNoCertificates
	case len(chain) > MaxChainLength:
		return nil, fmt.Errorf("%w: %d certificates, at most %d", ErrTooManyCertificates, len(chain), MaxChainLength)
	}
	for i, c := range chain {
		for _, anchor := range a.certs {
			if bytes.Equal(c.Raw, anchor.Raw) {
				return nil, fmt.Errorf("%w: certificate %d of the chain is the trust anchor itself", ErrUntrusted, i)
			}
		}
	}
	leaf := chain[0]
	if bytes.Equal(leaf.RawIssuer, leaf.RawSubject) && leaf.CheckSignatureFrom(leaf) == nil {
		return nil, fmt.Errorf("%w: the leaf is self-signed", ErrUntrusted)
	}
	for i, c := range chain {
		if err := checkTime(c, at); err != nil {
			return nil, fmt.Errorf("certificate %d (%s): %w", i, trunc(c.Subject.String()), err)
		}
		if i > 0 && (!c.BasicConstraintsValid || !c.IsCA) {
			return nil, fmt.Errorf("%w: certificate %d (%s) signs but is not a CA", ErrNotAuthorized, i, trunc(c.Subject.String()))
		}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	paths, err := leaf.Verify(x509.VerifyOptions{
		Roots: a.pool, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, a.classify(err, chain, at)
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: keyUsage %#x", ErrKeyUsage, int(leaf.KeyUsage))
	}
	key, err := jose.NewPublicKey(leaf.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("leaf key: %w", err)
	}
	return &Verified{Leaf: leaf, Path: paths[0], Key: key}, nil
}

// checkTime checks a certificate's validity period at t.
func checkTime(c *x509.Certificate, t time.Time) error {
	switch {
	case t.Before(c.NotBefore):
		return fmt.Errorf("%w: valid from %s", ErrNotYetValid, c.NotBefore.UTC().Format(time.RFC3339))
	case t.After(c.NotAfter):
		return fmt.Errorf("%w: valid until %s", ErrExpired, c.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// classify maps a crypto/x509 error onto this package's sentinels, keeping
// the original in the message only.
func (a *Anchors) classify(err error, chain []*x509.Certificate, at time.Time) error {
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) {
		switch inv.Reason {
		case x509.Expired:
			return fmt.Errorf("%w: %v", ErrExpired, err)
		case x509.NotAuthorizedToSign, x509.CANotAuthorizedForThisName, x509.TooManyIntermediates,
			x509.CANotAuthorizedForExtKeyUsage, x509.IncompatibleUsage, x509.NameConstraintsWithoutSANs,
			x509.UnconstrainedName, x509.TooManyConstraints:
			return fmt.Errorf("%w: %v", ErrNotAuthorized, err)
		}
		return fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	// The chain's own certificates were checked for time above; an anchor
	// that would have issued the top of the chain may itself be out of
	// its validity period.
	top := chain[len(chain)-1]
	for _, anchor := range a.certs {
		if bytes.Equal(anchor.RawSubject, top.RawIssuer) {
			if terr := checkTime(anchor, at); terr != nil {
				return fmt.Errorf("trust anchor (%s): %w", trunc(anchor.Subject.String()), terr)
			}
		}
	}
	return fmt.Errorf("%w: %v", ErrUntrusted, err)
}
