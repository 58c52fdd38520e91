package sdjwtvc

import (
	"context"
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
// nothing for it; any other error refuses the credential.
type HeaderKeyResolver interface {
	KeyResolver
	ResolveIssuerKeyFromHeader(ctx context.Context, iss string, h jose.Header, at time.Time) (*jose.PublicKey, error)
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
func (x X509Keys) ResolveIssuerKeyFromHeader(_ context.Context, iss string, h jose.Header, at time.Time) (*jose.PublicKey, error) {
	raw, has := h.Raw["x5c"]
	if !has || x.Anchors == nil {
		return nil, ErrNotApplicable
	}
	chain, err := pki.ParseX5C(raw)
	if err != nil {
		return nil, fmt.Errorf("issuer-signed JWT: %w", err)
	}
	v, err := x.Anchors.Verify(chain, at)
	if err != nil {
		return nil, fmt.Errorf("issuer-signed JWT x5c: %w", err)
	}
	if iss == "" {
		return nil, fmt.Errorf("%w: iss is required with x5c (HAIP: an https URL)", ErrMissingClaim)
	}
	if err := pki.MatchIssuer(v.Leaf, iss); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerMismatch, err)
	}
	return v.Key, nil
}

// ResolveIssuerKeyFromHeader implements HeaderKeyResolver for a Chain: a
// HeaderKeyResolver that applies decides (its error refuses the
// credential); the others are asked in order as by ResolveIssuerKey.
func (c Chain) ResolveIssuerKeyFromHeader(ctx context.Context, iss string, h jose.Header, at time.Time) (*jose.PublicKey, error) {
	err := fmt.Errorf("%w: no key resolver applies", ErrUnknownIssuerKey)
	for _, r := range c {
		if hr, ok := r.(HeaderKeyResolver); ok {
			k, herr := hr.ResolveIssuerKeyFromHeader(ctx, iss, h, at)
			if herr == nil || !errors.Is(herr, ErrNotApplicable) {
				return k, herr
			}
			continue
		}
		k, rerr := r.ResolveIssuerKey(ctx, iss, h.Kid)
		if rerr == nil {
			return k, nil
		}
		err = rerr
	}
	return nil, err
}

// resolveIssuerKey asks keys for the issuer key, with the whole header when
// keys can use it.
func resolveIssuerKey(ctx context.Context, keys KeyResolver, iss string, h jose.Header, at time.Time) (*jose.PublicKey, error) {
	if hr, ok := keys.(HeaderKeyResolver); ok {
		k, err := hr.ResolveIssuerKeyFromHeader(ctx, iss, h, at)
		if !errors.Is(err, ErrNotApplicable) {
			return k, err
		}
	}
	return keys.ResolveIssuerKey(ctx, iss, h.Kid)
}
