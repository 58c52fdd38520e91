package wallet

import (
	"errors"
	"fmt"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
)

// Errors of an issuer certified by X.509 (HAIP 1.0 §7.1), for what a person
// is told. Each also wraps the underlying pki error.
var (
	// ErrIssuerCertificateUntrusted (TRUST): the credential's x5c chain does
	// not lead to one of the wallet's issuer anchors (WithIssuerAnchors),
	// carries the anchor, is used for what it may not do, or its leaf does
	// not name the issuer.
	ErrIssuerCertificateUntrusted = credentials.NewError(credentials.ErrTrust, "wallet: the issuer's certificate is not trusted")
	// ErrIssuerCertificateExpired (CLAIM): a certificate of the
	// credential's x5c chain is expired or not yet valid.
	ErrIssuerCertificateExpired = credentials.NewError(credentials.ErrClaim, "wallet: the issuer's certificate has expired or is not yet valid")
)

// WithIssuerAnchors makes the wallet verify issuers that sign with an x5c
// header (HAIP 1.0 §7.1, SD-JWT VC "Inline X.509 Certificates") against
// these trust anchors: a credential whose chain leads to one of them, and
// whose leaf names its "iss", is verified with the leaf's key (and its
// status list must be signed under the same anchor); one whose chain does
// not is refused (ErrIssuerCertificateUntrusted,
// ErrIssuerCertificateExpired), whatever else would vouch for the issuer.
// Credentials without x5c are verified as before. These anchors are for
// issuers only; relying parties are trusted separately. Default: none, and
// an x5c header is ignored.
func WithIssuerAnchors(a *pki.Anchors) Option {
	return func(c *config) error {
		if a == nil {
			return errors.New("wallet: nil issuer anchors")
		}
		c.issuerAnchors = a
		return nil
	}
}

// issuerKeys puts X.509 key resolution for anchors in front of keys; keys
// alone without anchors.
func issuerKeys(keys sdjwtvc.KeyResolver, anchors *pki.Anchors) sdjwtvc.KeyResolver {
	if anchors == nil {
		return keys
	}
	return sdjwtvc.Chain{sdjwtvc.X509Keys{Anchors: anchors}, keys}
}

// certificateError adds the person's error to an x5c failure of a received
// credential, or returns nil when err is none.
func certificateError(err error) error {
	switch {
	case errors.Is(err, pki.ErrExpired), errors.Is(err, pki.ErrNotYetValid):
		return fmt.Errorf("%w: %w", ErrIssuerCertificateExpired, err)
	case errors.Is(err, pki.ErrUntrusted), errors.Is(err, pki.ErrNotAuthorized), errors.Is(err, pki.ErrKeyUsage),
		errors.Is(err, pki.ErrNameMismatch):
		return fmt.Errorf("%w: %w", ErrIssuerCertificateUntrusted, err)
	}
	return nil
}
