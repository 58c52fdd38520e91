package sdjwtvc

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Fetcher fetches a URL. *safehttp.Client implements it; its limits (https
// only, no internal addresses, size and time caps) apply to every fetch.
type Fetcher interface {
	Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error)
}

// IssuerMetadata is a JWT VC Issuer Metadata document.
type IssuerMetadata struct {
	Issuer  string         `json:"issuer"`
	JWKSURI string         `json:"jwks_uri,omitempty"`
	JWKS    map[string]any `json:"jwks,omitempty"`
}

// ParseIssuerMetadata parses and checks a JWT VC Issuer Metadata document
// for iss: "issuer" identical to iss; exactly one of "jwks" and "jwks_uri".
func ParseIssuerMetadata(data []byte, iss string) (*IssuerMetadata, error) {
	var m IssuerMetadata
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMetadata, err)
	}
	if m.Issuer != iss {
		return nil, fmt.Errorf("%w: issuer %q is not %q", ErrIssuerMismatch, trunc(m.Issuer), trunc(iss))
	}
	if (m.JWKS == nil) == (m.JWKSURI == "") {
		return nil, fmt.Errorf("%w: needs exactly one of jwks and jwks_uri", ErrBadMetadata)
	}
	return &m, nil
}

// ParseJWKS parses a JWK Set (RFC 7517 §5). Keys of unsupported types are
// skipped, as RFC 7517 §5 asks; malformed keys of supported types are
// errors.
func ParseJWKS(set map[string]any) ([]*jose.PublicKey, error) {
	raw, ok := set["keys"].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: JWK Set without a keys array", ErrBadMetadata)
	}
	var out []*jose.PublicKey
	for i, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: JWK Set key %d is not an object", ErrBadMetadata, i)
		}
		k, err := jose.PublicKeyFromMap(m)
		if err != nil {
			if kty, _ := m["kty"].(string); kty != "EC" && kty != "OKP" {
				continue
			}
			return nil, fmt.Errorf("%w: JWK Set key %d: %w", ErrBadMetadata, i, err)
		}
		out = append(out, k)
	}
	return out, nil
}

// MetadataKeys is the JWT VC Issuer Metadata Issuer Signature Mechanism:
// for an https "iss" it fetches the issuer's metadata and JWK Set and picks
// the key named by "kid". Results are cached for CacheTTL; a kid not found is
// remembered for NegativeTTL, so a flood of unknown kids does not turn into
// a flood of fetches (SECURITY.md E.43). Which issuers may be resolved at all
// is for the caller's policy to decide (Allowed).
//
// MetadataKeys is safe for concurrent use.
type MetadataKeys struct {
	Fetcher Fetcher
	// Allowed, when set, is asked before any fetch; returning false refuses
	// the issuer with ErrUnknownIssuerKey (pin issuers, SECURITY.md H.57).
	Allowed func(iss string) bool
	// CacheTTL defaults to 10 minutes; NegativeTTL to 1 minute.
	CacheTTL, NegativeTTL time.Duration
	// Now defaults to time.Now.
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]metadataEntry
	miss  map[string]time.Time // iss+"\x00"+kid → until
}

type metadataEntry struct {
	keys  []*jose.PublicKey
	until time.Time
}

// ResolveIssuerKey implements KeyResolver.
func (m *MetadataKeys) ResolveIssuerKey(ctx context.Context, iss, kid string) (*jose.PublicKey, error) {
	if m.Allowed != nil && !m.Allowed(iss) {
		return nil, fmt.Errorf("%w: issuer %q not allowed", ErrUnknownIssuerKey, trunc(iss))
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	t := now()
	m.mu.Lock()
	if m.cache == nil {
		m.cache, m.miss = map[string]metadataEntry{}, map[string]time.Time{}
	}
	if until, ok := m.miss[iss+"\x00"+kid]; ok && t.Before(until) {
		m.mu.Unlock()
		return nil, fmt.Errorf("%w: issuer %q kid %q (cached)", ErrUnknownIssuerKey, trunc(iss), trunc(kid))
	}
	e, ok := m.cache[iss]
	m.mu.Unlock()
	if !ok || !t.Before(e.until) {
		keys, err := m.fetch(ctx, iss)
		if err != nil {
			return nil, err
		}
		ttl := m.CacheTTL
		if ttl <= 0 {
			ttl = 10 * time.Minute
		}
		e = metadataEntry{keys: keys, until: t.Add(ttl)}
		m.mu.Lock()
		m.cache[iss] = e
		m.mu.Unlock()
	}
	k, err := StaticKeys{iss: e.keys}.ResolveIssuerKey(ctx, iss, kid)
	if err != nil || (kid != "" && k.KeyID() != kid && k.Thumbprint() != kid) {
		neg := m.NegativeTTL
		if neg <= 0 {
			neg = time.Minute
		}
		m.mu.Lock()
		m.miss[iss+"\x00"+kid] = t.Add(neg)
		m.mu.Unlock()
		return nil, fmt.Errorf("%w: issuer %q kid %q", ErrUnknownIssuerKey, trunc(iss), trunc(kid))
	}
	return k, nil
}

func (m *MetadataKeys) fetch(ctx context.Context, iss string) ([]*jose.PublicKey, error) {
	u, err := MetadataURL(iss)
	if err != nil {
		return nil, err
	}
	resp, err := m.Fetcher.Get(ctx, u, "application/json")
	if err != nil {
		return nil, fmt.Errorf("fetch issuer metadata: %w", err)
	}
	md, err := ParseIssuerMetadata(resp.Body, iss)
	if err != nil {
		return nil, err
	}
	set := md.JWKS
	if md.JWKSURI != "" {
		resp, err := m.Fetcher.Get(ctx, md.JWKSURI, "application/jwk-set+json, application/json")
		if err != nil {
			return nil, fmt.Errorf("fetch issuer JWK Set: %w", err)
		}
		if err := strictjson.Unmarshal(resp.Body, &set); err != nil {
			return nil, fmt.Errorf("%w: JWK Set: %w", ErrBadMetadata, err)
		}
	}
	return ParseJWKS(set)
}
