package verifier

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/pki"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
)

// certifiedPrefix starts the trust identity of an issuer certified by an
// X.509 anchor. No DID and no https URL starts with it.
const certifiedPrefix = "x509:"

// certifiedID is the identity under which the trust list is asked about
// an issuer whose key came from an x5c chain to the anchor anchorID:
// "x509:" + anchorID + ":" + iss. It can never equal a DID or an https
// URL, so an anchor-certified credential never borrows the trust of an
// issuer trusted by its DID or metadata under the same "iss", nor the
// other way round (TrustedIssuer).
func certifiedID(anchorID, iss string) string { return certifiedPrefix + anchorID + ":" + iss }

// trustID is the identity the trust list is asked about for a verified
// credential: its certifiedID when X509Keys resolved its key, else its
// plainID.
func trustID(r *sdjwtvc.Result) string {
	if r.CertifiedBy != nil {
		return certifiedID(r.CertifiedBy.AnchorID(), r.Issuer)
	}
	return plainID(r.Issuer)
}

// plainID is the identity of an issuer whose key did not come from a
// chain: its iss, unless that iss itself starts like a certifiedID (an
// "iss" of "x509:<anchor>:https://…"), which then names an anchor no
// entry can name, so that no credential poses as certified by its iss.
func plainID(iss string) string {
	if strings.HasPrefix(iss, certifiedPrefix) {
		return certifiedPrefix + "-:" + iss
	}
	return iss
}

// matches reports whether the entry trusts the issuer identity id (an iss
// or a certifiedID).
func (is *TrustedIssuer) matches(id string) bool {
	rest, certified := strings.CutPrefix(id, certifiedPrefix)
	if is.Anchor == "" || !certified {
		return is.Anchor == "" && !certified && is.ID == id
	}
	anchor, iss, ok := strings.Cut(rest, ":")
	return ok && anchor == is.Anchor && (is.ID == "" || is.ID == iss)
}

// validAnchorID reports whether s looks like an anchor ID: the base64url
// (no padding) of 32 bytes.
func validAnchorID(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// anchorAKIs returns the trusted_authorities "aki" values of anchors: the
// base64url Subject Key Identifier of each, which the certificate an
// anchor issues carries as its AuthorityKeyIdentifier (RFC 5280
// §4.2.1.1, §4.2.1.2). An anchor without one cannot be asked for.
func anchorAKIs(anchors *pki.Anchors) ([]string, error) {
	var out []string
	for _, c := range anchors.Certificates() {
		if len(c.SubjectKeyId) == 0 {
			return nil, fmt.Errorf("trust anchor %q has no subject key identifier, so trusted_authorities cannot name it", c.Subject.String())
		}
		out = append(out, dcql.AKIValue(c.SubjectKeyId))
	}
	return out, nil
}

// withTrustedAuthorities returns pq with a trusted_authorities of type
// "aki" naming akis in every Credential Query (OpenID4VP 1.0 §6.1.1), so
// that a wallet offers only credentials whose chain leads to one of the
// verifier's anchors, and the response check (dcql.CheckResponse) refuses
// any other (dcql.ErrAuthorityMismatch).
func withTrustedAuthorities(pq *profileQuery, akis []string) (*profileQuery, error) {
	q := pq.parsed
	q.Credentials = append([]dcql.CredentialQuery(nil), q.Credentials...)
	for i := range q.Credentials {
		q.Credentials[i].TrustedAuthorities = []dcql.TrustedAuthority{{Type: dcql.TrustedAuthorityAKI, Values: akis}}
	}
	b, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("encode dcql_query: %w", err)
	}
	parsed, err := dcql.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("dcql_query: %w", err)
	}
	return &profileQuery{json: b, parsed: parsed, owner: pq.owner}, nil
}

// pinnedX509 is sdjwtvc.X509Keys restricted to issuers the trust list
// trusts under the anchor their chain leads to: like the pinning of DID
// and metadata issuers (SECURITY.md H.57), a certified issuer the list
// does not name is refused at key resolution (TRUST), so nothing, not
// even its status list, is fetched for it.
type pinnedX509 struct {
	keys  sdjwtvc.X509Keys
	trust TrustSource
}

// ResolveIssuerKey implements sdjwtvc.KeyResolver.
func (p pinnedX509) ResolveIssuerKey(ctx context.Context, iss, kid string) (*jose.PublicKey, error) {
	return p.keys.ResolveIssuerKey(ctx, iss, kid)
}

// ResolveIssuerKeyFromHeader implements sdjwtvc.HeaderKeyResolver.
func (p pinnedX509) ResolveIssuerKeyFromHeader(ctx context.Context, iss string, h jose.Header, at time.Time) (*jose.PublicKey, *sdjwtvc.Certification, error) {
	k, cert, err := p.keys.ResolveIssuerKeyFromHeader(ctx, iss, h, at)
	if err != nil {
		return nil, nil, err
	}
	tl, err := p.trust.TrustList(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("trust list: %w", err)
	}
	if !tl.Knows(certifiedID(cert.AnchorID(), iss)) {
		return nil, nil, fmt.Errorf("issuer certified by an anchor the trust list does not name for it: %w", sdjwtvc.ErrUnknownIssuerKey)
	}
	return k, cert, nil
}

// CheckCertifiedStatus implements sdjwtvc.CertifiedStatusChecker: the
// status list of an issuer certified by an anchor is fetched only when the
// trust list trusts that issuer under that anchor, and must be signed
// under the same anchor (the next checker's CheckCertifiedStatus).
func (p pinnedStatus) CheckCertifiedStatus(ctx context.Context, iss string, cert *sdjwtvc.Certification, ref sdjwtvc.StatusRef) error {
	tl, err := p.trust.TrustList(ctx)
	if err != nil {
		return credentials.NewError(credentials.ErrStatus, "trust list unavailable")
	}
	if cert == nil || cert.Anchor == nil || !tl.Knows(certifiedID(cert.AnchorID(), iss)) {
		return credentials.NewError(credentials.ErrStatus, "status list of an issuer not on the trust list is not fetched")
	}
	cs, ok := p.next.(sdjwtvc.CertifiedStatusChecker)
	if !ok {
		return sdjwtvc.ErrStatusUncertified
	}
	return cs.CheckCertifiedStatus(ctx, iss, cert, ref)
}

// CertifiedAsListed is a TrustSource that trusts, beside every entry of
// Source, the same issuers when an X.509 anchor certifies them: for every
// entry whose ID is an https URL (HAIP: iss is one) and that names no
// anchor itself, an entry for each of Anchors (anchor IDs, as in
// TrustedIssuer.Anchor) with the same ID, types, kind and name. The list
// (a consortium register, a trust file) still says who may issue what;
// the anchor vouches that the certificate in a credential names that
// issuer. An issuer's DID entry never gains an anchor entry: certified
// credentials carry an https iss.
type CertifiedAsListed struct {
	Source  TrustSource
	Anchors []string

	// The list derived from the source's last list, rebuilt only when the
	// source hands out another one (a register refresh): TrustList runs on
	// every presentation.
	mu       sync.Mutex
	from     *TrustList
	expanded *TrustList
}

// TrustList implements TrustSource.
func (c *CertifiedAsListed) TrustList(ctx context.Context) (*TrustList, error) {
	tl, err := c.Source.TrustList(ctx)
	if err != nil || tl == nil {
		return tl, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if tl == c.from {
		return c.expanded, nil
	}
	out := &TrustList{Issuers: append([]TrustedIssuer(nil), tl.Issuers...)}
	for _, e := range tl.Issuers {
		if e.Anchor != "" || !strings.HasPrefix(e.ID, "https://") {
			continue
		}
		for _, a := range c.Anchors {
			ce := e
			ce.Anchor = a
			ce.Types = append([]string(nil), e.Types...)
			out.Issuers = append(out.Issuers, ce)
		}
	}
	c.from, c.expanded = tl, out
	return out, nil
}
