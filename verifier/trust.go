package verifier

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// TrustListType is the "typ" of a signed trust list JWT.
const TrustListType = "paspoort-trust-list+jwt"

// ErrBadTrustList (FMT) reports a trust list document that is malformed.
var ErrBadTrustList = credentials.NewError(credentials.ErrFormat, "malformed trust list")

// TrustList says which issuers are trusted for which PPP credential types.
// It comes from the operator (a local file) or from a consortium (a signed
// JWT), never from a credential. It is immutable and safe for concurrent
// use.
type TrustList struct {
	// Issuers are the trusted issuers.
	Issuers []TrustedIssuer `json:"issuers"`
}

// TrustedIssuer is one issuer and the types it is trusted for, or, with
// Anchor, the issuers an X.509 trust anchor certifies.
//
// An entry without Anchor trusts credentials whose issuer key was found
// for their "iss" (a DID, JWT VC Issuer Metadata): never one whose key came
// from an x5c chain. An entry with Anchor trusts only credentials whose
// issuer key came from an x5c chain that validated to that anchor (one of
// Config.TrustAnchors), and whose "iss" is ID when ID is set (any issuer
// the anchor certifies when it is not). The two kinds never stand in for
// each other, even for the same "iss" (certifiedID).
type TrustedIssuer struct {
	// ID is the issuer's "iss": a DID or an https URL. With Anchor it is
	// optional and must be an https URL (HAIP: iss is one).
	ID string `json:"id,omitempty"`
	// Anchor, optional, names a trust anchor: the base64url (no padding)
	// SHA-256 of its DER certificate (43 characters; what
	// sdjwtvc.Certification.AnchorID gives; the same computation as an
	// x509_hash).
	Anchor string `json:"anchor,omitempty"`
	// Name is a display name, optional.
	Name string `json:"name,omitempty"`
	// Types are PPP type names ("skill", "level", …).
	Types []string `json:"types"`
	// Kind, optional, is what kind of organisation the issuer is:
	// assessor, employer, school or evc-provider (registry.IssuerKind).
	// It caps the assurance of the issuer's credentials in a decision
	// (ppp.AssuranceOfIssuerKind): an employer's credential that states
	// "assessor" counts as employer. Empty leaves the credentials'
	// assurance uncapped. From a consortium register it is the register
	// entry's kind.
	Kind string `json:"kind,omitempty"`
}

// ParseTrustList reads a trust list document: {"issuers": [{"id", "types",
// "kind"}]} in strict JSON. Every id must be a DID or an https URL, every
// type a PPP type name, and a kind, when given, one of assessor,
// employer, school and evc-provider.
func ParseTrustList(data []byte) (*TrustList, error) {
	var tl TrustList
	if err := strictjson.Unmarshal(data, &tl); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadTrustList, err)
	}
	if err := tl.validate(); err != nil {
		return nil, err
	}
	return &tl, nil
}

func (tl *TrustList) validate() error {
	for i, is := range tl.Issuers {
		switch {
		case is.Anchor != "" && !validAnchorID(is.Anchor):
			return fmt.Errorf("%w: issuers[%d].anchor must be the base64url SHA-256 of the anchor certificate", ErrBadTrustList, i)
		case is.Anchor != "" && is.ID != "" && !strings.HasPrefix(is.ID, "https://"):
			return fmt.Errorf("%w: issuers[%d].id must be an https URL for an issuer certified by an anchor", ErrBadTrustList, i)
		case is.Anchor == "" && !strings.HasPrefix(is.ID, "did:") && !strings.HasPrefix(is.ID, "https://"):
			return fmt.Errorf("%w: issuers[%d].id must be a DID or an https URL", ErrBadTrustList, i)
		}
		if len(is.Types) == 0 {
			return fmt.Errorf("%w: issuers[%d].types is empty", ErrBadTrustList, i)
		}
		if _, ok := ppp.AssuranceOfIssuerKind(is.Kind); is.Kind != "" && !ok {
			return fmt.Errorf("%w: issuers[%d].kind: want assessor, employer, school or evc-provider", ErrBadTrustList, i)
		}
		for j, t := range is.Types {
			if _, ok := ppp.Lookup(t); !ok {
				return fmt.Errorf("%w: issuers[%d].types[%d]: unknown PPP type %q", ErrBadTrustList, i, j, t)
			}
		}
	}
	return nil
}

// Trusted reports whether issuer is trusted for the PPP type typeName.
// issuer is an "iss", or the certifiedID of an issuer certified by an
// anchor; so are the issuer arguments of IssuerAssurance and Knows.
func (tl *TrustList) Trusted(issuer, typeName string) bool {
	if tl == nil {
		return false
	}
	for _, is := range tl.Issuers {
		if is.matches(issuer) && slices.Contains(is.Types, typeName) {
			return true
		}
	}
	return false
}

// IssuerAssurance returns the highest assurance issuer can vouch for on
// credentials of the PPP type typeName: that of its kind, the lowest when
// several entries trusting it for the type give different kinds. False
// when no such entry gives a kind. It is profile.Options.IssuerAssurance.
func (tl *TrustList) IssuerAssurance(issuer, typeName string) (ppp.Assurance, bool) {
	if tl == nil {
		return "", false
	}
	var out ppp.Assurance
	found := false
	for _, is := range tl.Issuers {
		if !is.matches(issuer) || !slices.Contains(is.Types, typeName) {
			continue
		}
		a, ok := ppp.AssuranceOfIssuerKind(is.Kind)
		if !ok {
			continue
		}
		if !found || a.Rank() < out.Rank() {
			out, found = a, true
		}
	}
	return out, found
}

// Knows reports whether issuer is trusted for any type: issuer keys and
// status lists are fetched only for such issuers (pinning, SECURITY.md
// H.57).
func (tl *TrustList) Knows(issuer string) bool {
	if tl == nil {
		return false
	}
	return slices.ContainsFunc(tl.Issuers, func(is TrustedIssuer) bool { return is.matches(issuer) })
}

// VerifyTrustListJWT verifies a trust list published as a JWT by a
// consortium: compact JWS, typ TrustListType, signed by key (from the
// operator's configuration), "iss" equal to iss when iss is not empty,
// not expired; its payload is the trust list document with "iss", "iat"
// and "exp".
func VerifyTrustListJWT(raw string, key *jose.PublicKey, iss string, now time.Time) (*TrustList, time.Time, error) {
	j, err := jose.ParseCompact(raw)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("trust list JWT: %w", err)
	}
	if err := j.CheckType(TrustListType); err != nil {
		return nil, time.Time{}, fmt.Errorf("trust list JWT: %w", err)
	}
	if err := j.Verify(key, jose.DefaultAlgs); err != nil {
		return nil, time.Time{}, fmt.Errorf("trust list JWT: %w", err)
	}
	var p struct {
		Iss     string          `json:"iss"`
		Iat     int64           `json:"iat"`
		Exp     int64           `json:"exp"`
		Issuers []TrustedIssuer `json:"issuers"`
	}
	if err := j.DecodePayload(&p); err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %w", ErrBadTrustList, err)
	}
	if iss != "" && p.Iss != iss {
		return nil, time.Time{}, credentials.NewError(credentials.ErrTrust, "trust list from another publisher")
	}
	exp := time.Unix(p.Exp, 0)
	if p.Exp == 0 || !now.Before(exp) {
		return nil, time.Time{}, credentials.NewError(credentials.ErrClaim, "trust list expired or without exp")
	}
	tl := &TrustList{Issuers: p.Issuers}
	if err := tl.validate(); err != nil {
		return nil, time.Time{}, err
	}
	return tl, exp, nil
}

// TrustSource provides the current trust list.
type TrustSource interface {
	TrustList(ctx context.Context) (*TrustList, error)
}

// StaticTrust is a TrustSource that always returns the same list.
type StaticTrust struct{ List *TrustList }

// TrustList implements TrustSource.
func (s StaticTrust) TrustList(context.Context) (*TrustList, error) { return s.List, nil }

// RemoteTrust fetches a signed trust list JWT from URL and caches it until
// RefreshAfter has passed or it expires, whichever is first. A failed
// refresh keeps serving the cached list until it expires, then fails
// closed. RemoteTrust is safe for concurrent use.
type RemoteTrust struct {
	// URL is where the consortium publishes the list.
	URL string
	// Key verifies the list; Issuer, when set, must be its "iss".
	Key    *jose.PublicKey
	Issuer string
	// Fetcher fetches (an internal/safehttp client).
	Fetcher interface {
		Get(ctx context.Context, rawURL, accept string) (*safehttp.Response, error)
	}
	// RefreshAfter defaults to 1 hour.
	RefreshAfter time.Duration
	// Now defaults to time.Now.
	Now func() time.Time

	mu      sync.Mutex
	list    *TrustList
	fetched time.Time
	expires time.Time
}

// TrustList implements TrustSource.
func (r *RemoteTrust) TrustList(ctx context.Context) (*TrustList, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	refresh := r.RefreshAfter
	if refresh <= 0 {
		refresh = time.Hour
	}
	if r.Fetcher == nil || r.Key == nil || r.URL == "" {
		return nil, fmt.Errorf("%w: RemoteTrust needs URL, Key and Fetcher", ErrBadConfig)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t := now()
	if r.list != nil && t.Sub(r.fetched) < refresh && t.Before(r.expires) {
		return r.list, nil
	}
	resp, err := r.Fetcher.Get(ctx, r.URL, "application/jwt")
	if err == nil {
		var tl *TrustList
		var exp time.Time
		tl, exp, err = VerifyTrustListJWT(strings.TrimSpace(string(resp.Body)), r.Key, r.Issuer, t)
		if err == nil {
			r.list, r.fetched, r.expires = tl, t, exp
			return tl, nil
		}
	}
	if r.list != nil && t.Before(r.expires) {
		return r.list, nil
	}
	return nil, fmt.Errorf("trust list %s: %w", r.URL, err)
}
