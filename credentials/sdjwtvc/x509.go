package sdjwtvc

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/internal/jose"
)

// ErrNotApplicable (TRUST) is returned by a HeaderKeyResolver when the
// header carries nothing it resolves keys from (no "x5c", or no anchors
// configured): the next mechanism is tried.
var ErrNotApplicable = credentials.NewError(credentials.ErrTrust, "issuer signature mechanism does not apply to this header")

// HeaderKeyResolver is an optional capability of a KeyResolver: a
// mechanism that needs the whole protected header of the Issuer-signed
// JWT, such as the Inline X.509 Certificates mechanism ("x5c"). at is the
// verifier's clock. It returns ErrNotApplicable when the header carries
// nothing for it; any other error refuses the credential. The
// Certification is not nil exactly when the key came from a certificate
// chain that validated to an anchor.
type HeaderKeyResolver interface {
	KeyResolver
	ResolveIssuerKeyFromHeader(ctx context.Context, iss string, h jose.Header, at time.Time) (*jose.PublicKey, *Certification, error)
}

// Certification is an issuer's x5c chain that validated to a trust anchor
// (X509Keys): the credential's issuer is the subject of Leaf, vouched for
// by Anchor. It is set in Result.CertifiedBy only when X509Keys resolved
// the issuer key, never for a key found by another mechanism, so a
// credential whose issuer is trusted by an anchor can be told apart from
// one whose issuer is trusted by its DID or metadata with the same "iss".
type Certification struct {
	// Leaf is the end-entity certificate: its key signed the credential.
	Leaf *x509.Certificate
	// Chain is the validated x5c as carried, leaf first, without the
	// anchor (the x5c may not carry it).
	Chain []*x509.Certificate
	// Anchor is the trust anchor the chain validated to.
	Anchor *x509.Certificate
}

// Subject is the leaf's subject distinguished name, for logs and
// technical details.
func (c *Certification) Subject() string { return c.Leaf.Subject.String() }

// AnchorID names the anchor: the base64url (no padding) SHA-256 of its
// DER encoding, as a trust list names it.
func (c *Certification) AnchorID() string { return pki.X509Hash(c.Anchor) }

// AuthorityKeyIDs returns the keyIdentifiers of the AuthorityKeyIdentifier
// extensions of the chain's certificates (RFC 5280 §4.2.1.1), what a DCQL
// trusted_authorities query of type "aki" is matched against (OpenID4VP
// 1.0 §6.1.1). Certificates without the extension add nothing.
func (c *Certification) AuthorityKeyIDs() [][]byte {
	var out [][]byte
	for _, cert := range c.Chain {
		if len(cert.AuthorityKeyId) > 0 {
			out = append(out, cert.AuthorityKeyId)
		}
	}
	return out
}

// CertifiedStatusChecker is an optional capability of a StatusChecker:
// the status check of a credential whose issuer key came from a
// certificate chain (Result.CertifiedBy). The Status List Token must then
// be signed by the key of the leaf of its own "x5c" header, which chains
// to cert.Anchor and names the same issuer iss (HAIP 1.0 §7: "the status
// list token ... key in its x5c header"); a key of the issuer found
// another way does not do. A Verifier whose checker lacks the capability
// refuses the status of such a credential (STATUS): it fails closed.
type CertifiedStatusChecker interface {
	StatusChecker
	CheckCertifiedStatus(ctx context.Context, iss string, cert *Certification, ref StatusRef) error
}

// X509Keys is the Inline X.509 Certificates Issuer Signature Mechanism
// (draft-ietf-oauth-sd-jwt-vc, "Issuer Signature Mechanisms"; HAIP 1.0
// "Issuer identification and key resolution"). When the header has
// "x5c" and Anchors is set:
//
//  1. the x5c is parsed with bounds (pki.ParseX5C; FMT/LIMIT);
//  2. the chain validates to Anchors at the verifier's time, without
//     carrying an anchor (pki.Anchors.Verify; TRUST/CLAIM);
//  3. "iss" is an https URL that equals a URI SAN of the leaf or whose
//     host is a dNSName SAN of the leaf (pki.MatchIssuer; TRUST): the
//     rule of the draft up to -09, kept so that "iss" names the party
//     the certificate does (SECURITY.md A.12);
//
// and the key is the leaf's. Without an "x5c", or with Anchors nil, it
// returns ErrNotApplicable: an x5c is then ignored, as before HAIP.
type X509Keys struct {
	Anchors *pki.Anchors
}

// ResolveIssuerKey implements KeyResolver: without the header there is no
// certificate to resolve from.
func (x X509Keys) ResolveIssuerKey(context.Context, string, string) (*jose.PublicKey, error) {
	return nil, fmt.Errorf("%w: X.509 key resolution needs the x5c header", ErrUnknownIssuerKey)
}

// ResolveIssuerKeyFromHeader implements HeaderKeyResolver.
func (x X509Keys) ResolveIssuerKeyFromHeader(_ context.Context, iss string, h jose.Header, at time.Time) (*jose.PublicKey, *Certification, error) {
	raw, has := h.Raw["x5c"]
	if !has || x.Anchors == nil {
		return nil, nil, ErrNotApplicable
	}
	chain, err := pki.ParseX5C(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	v, err := x.Anchors.Verify(chain, at)
	if err != nil {
		return nil, nil, fmt.Errorf("issuer-signed JWT x5c: %w", err)
	}
	if iss == "" {
		return nil, nil, fmt.Errorf("%w: iss is required with x5c (HAIP: an https URL)", ErrMissingClaim)
	}
	if err := pki.MatchIssuer(v.Leaf, iss); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrIssuerMismatch, err)
	}
	return v.Key, &Certification{Leaf: v.Leaf, Chain: chain, Anchor: v.Path[len(v.Path)-1]}, nil
}

// ResolveIssuerKeyFromHeader implements HeaderKeyResolver for a Chain: a
// HeaderKeyResolver that applies decides (its error refuses the
// credential); the others are asked in order as by ResolveIssuerKey.
func (c Chain) ResolveIssuerKeyFromHeader(ctx context.Context, iss string, h jose.Header, at time.Time) (*jose.PublicKey, *Certification, error) {
	err := fmt.Errorf("%w: no key resolver applies", ErrUnknownIssuerKey)
	for _, r := range c {
		if hr, ok := r.(HeaderKeyResolver); ok {
			k, cert, herr := hr.ResolveIssuerKeyFromHeader(ctx, iss, h, at)
			if herr == nil || !errors.Is(herr, ErrNotApplicable) {
				return k, cert, herr
			}
			continue
		}
		k, rerr := r.ResolveIssuerKey(ctx, iss, h.Kid)
		if rerr == nil {
			return k, nil, nil
		}
		err = rerr
	}
	return nil, nil, err
}

// resolveIssuerKey asks keys for the issuer key, with the whole header when
// keys can use it; the Certification is set when a chain certified it.
func resolveIssuerKey(ctx context.Context, keys KeyResolver, iss string, h jose.Header, at time.Time) (*jose.PublicKey, *Certification, error) {
	if hr, ok := keys.(HeaderKeyResolver); ok {
		k, cert, err := hr.ResolveIssuerKeyFromHeader(ctx, iss, h, at)
		if !errors.Is(err, ErrNotApplicable) {
			return k, cert, err
		}
	}
	k, err := keys.ResolveIssuerKey(ctx, iss, h.Kid)
	return k, nil, err
}
