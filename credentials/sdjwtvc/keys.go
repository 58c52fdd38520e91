package sdjwtvc

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
)

// KeyResolver finds the public key that must have signed an Issuer-signed
// JWT: an Issuer Signature Mechanism (draft-ietf-oauth-sd-jwt-vc, "Issuer
// Signature Mechanisms"). iss is the "iss" claim (possibly empty), kid the
// "kid" header (possibly empty). It returns an error of class
// credentials.ErrTrust when no trusted key fits; it never takes a key from
// the token itself.
type KeyResolver interface {
	ResolveIssuerKey(ctx context.Context, iss, kid string) (*jose.PublicKey, error)
}

// KeyResolverFunc adapts a function to KeyResolver.
type KeyResolverFunc func(ctx context.Context, iss, kid string) (*jose.PublicKey, error)

// ResolveIssuerKey calls f.
func (f KeyResolverFunc) ResolveIssuerKey(ctx context.Context, iss, kid string) (*jose.PublicKey, error) {
	return f(ctx, iss, kid)
}

// StaticKeys trusts fixed keys, per issuer. The key "" stands for any
// issuer: use it only for a tool that verifies against a key the operator
// gave it. A kid, when the token has one, must match the key's ID unless
// the key has none.
type StaticKeys map[string][]*jose.PublicKey

// ResolveIssuerKey implements KeyResolver.
func (s StaticKeys) ResolveIssuerKey(_ context.Context, iss, kid string) (*jose.PublicKey, error) {
	keys := s[iss]
	if iss != "" {
		keys = append(keys[:len(keys):len(keys)], s[""]...)
	}
	var candidates []*jose.PublicKey
	for _, k := range keys {
		if kid == "" || k.KeyID() == kid || k.Thumbprint() == kid {
			candidates = append(candidates, k)
		}
	}
	switch len(candidates) {
	case 1:
		return candidates[0], nil
	case 0:
		if len(keys) == 1 && kid != "" {
			// One configured key: the operator pinned it; a kid naming it
			// otherwise (a DID URL, say) does not make it less trusted.
			return keys[0], nil
		}
		return nil, fmt.Errorf("%w: issuer %q kid %q", ErrUnknownIssuerKey, trunc(iss), trunc(kid))
	default:
		return nil, fmt.Errorf("%w: issuer %q has several keys and the token names none", ErrUnknownIssuerKey, trunc(iss))
	}
}

// DIDKeyResolver resolves a DID URL to the verification method it names,
// checking that it is referenced from the given verification relationship.
// *did.Resolver implements it.
type DIDKeyResolver interface {
	ResolveKey(ctx context.Context, didURL string, rel did.Relationship) (*jose.PublicKey, error)
}

// DIDKeys is the DID Issuer Signature Mechanism paspoort uses for
// organisations: "kid" is a DID URL whose DID is "iss" (or, when iss is
// absent, the issuer) or, for an https "iss", the did:web of that very URL
// (did.WebFromURL); the key is an assertionMethod of that DID.
type DIDKeys struct {
	Resolver DIDKeyResolver
}

// ResolveIssuerKey implements KeyResolver.
func (d DIDKeys) ResolveIssuerKey(ctx context.Context, iss, kid string) (*jose.PublicKey, error) {
	if !strings.HasPrefix(kid, "did:") {
		return nil, fmt.Errorf("%w: kid is not a DID URL", ErrUnknownIssuerKey)
	}
	subject, _, _ := strings.Cut(kid, "#")
	if iss != "" && iss != subject && !webDIDOf(iss, subject) {
		return nil, fmt.Errorf("%w: kid %q is not a key of %q", ErrIssuerMismatch, trunc(kid), trunc(iss))
	}
	k, err := d.Resolver.ResolveKey(ctx, kid, did.AssertionMethod)
	if err != nil {
		return nil, fmt.Errorf("resolve issuer key %q: %w", trunc(kid), err)
	}
	return k, nil
}

// webDIDOf reports whether subject is the did:web of the https URL iss.
func webDIDOf(iss, subject string) bool {
	if !strings.HasPrefix(iss, "https://") || !strings.HasPrefix(subject, "did:web:") {
		return false
	}
	d, err := did.WebFromURL(iss)
	return err == nil && d == subject
}

// Chain tries each resolver that applies: DIDKeys for a DID issuer or kid,
// the others in order. It returns the first key found, or the last error.
type Chain []KeyResolver

// ResolveIssuerKey implements KeyResolver.
func (c Chain) ResolveIssuerKey(ctx context.Context, iss, kid string) (*jose.PublicKey, error) {
	err := fmt.Errorf("%w: no key resolver configured", ErrUnknownIssuerKey)
	for _, r := range c {
		var k *jose.PublicKey
		if k, err = r.ResolveIssuerKey(ctx, iss, kid); err == nil {
			return k, nil
		}
	}
	return nil, err
}

// MetadataURL returns the JWT VC Issuer Metadata URL of an https issuer:
// "/.well-known/jwt-vc-issuer" inserted between the host and the path, any
// terminating "/" of the path removed (draft-ietf-oauth-sd-jwt-vc, "JWT VC
// Issuer Metadata").
func MetadataURL(iss string) (string, error) {
	u, err := url.Parse(iss)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: iss %q is not an https URL without query or fragment", ErrBadMetadata, trunc(iss))
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	return "https://" + u.Host + "/.well-known/jwt-vc-issuer" + path, nil
}

func trunc(s string) string {
	const max = 96
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
