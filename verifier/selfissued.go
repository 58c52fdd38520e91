package verifier

import (
	"context"
	"fmt"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
)

// ErrSelfIssued (TRUST) reports a credential whose issuer is not on the
// trust list and that is not self-issued in the one form a verifier
// accepts, or a type that counts only as self-issued (ppp
// Type.SelfIssued: the EVC portfolio) presented from another issuer.
var ErrSelfIssued = credentials.NewError(credentials.ErrTrust, "self-issued credential not accepted")

// selfKeys resolves the key of a did:jwk issuer that is not on the trust
// list, without any fetch: the did:jwk is the key (did:jwk §2); the kid
// must be a DID URL of that DID, as sdjwtvc.DIDKeys requires. The resolver
// has no did:web resolver, so nothing else resolves.
var selfKeys = sdjwtvc.DIDKeys{Resolver: did.NewResolver(nil)}

func selfKey(ctx context.Context, iss, kid string) (*jose.PublicKey, error) {
	return selfKeys.ResolveIssuerKey(ctx, iss, kid)
}

// selfIssued reports whether a verified credential is self-issued: its
// iss is a did:jwk whose key is its own cnf key, so the holder signed it
// for herself.
func selfIssued(iss string, issuerKey, holderKey *jose.PublicKey) bool {
	return issuerKey != nil && did.IsJWKOf(iss, issuerKey) && did.IsJWKOf(iss, holderKey)
}

// checkSelfIssued applies the rules for self-issued credentials after
// verification (OpenID4VP leaves issuer trust to the verifier):
//   - a type that is self-issued by nature (the portfolio) counts only in
//     that form, from any holder, as assurance self (profile caps it);
//   - any other type self-issued counts only when the trust list names
//     its issuer, and then as assurance self too;
//   - a did:jwk issuer that is not on the trust list and not the holder
//     is not trusted (its key was resolved only to tell).
func checkSelfIssued(tl *TrustList, typeName, iss string, self bool) error {
	t, ok := ppp.Lookup(typeName)
	switch {
	case ok && t.SelfIssued() && !self:
		return fmt.Errorf("a %s counts only as issued by its holder: %w", typeName, ErrSelfIssued)
	case ok && t.SelfIssued():
		return nil
	case !tl.Knows(iss):
		return fmt.Errorf("issuer not on the trust list: %w", ErrSelfIssued)
	}
	return nil
}

// pinnedStatus checks status only for credentials of issuers on the trust
// list; any other credential that names a status list is refused without
// a fetch.
type pinnedStatus struct {
	trust TrustSource
	next  sdjwtvc.StatusChecker
}

// CheckStatus implements sdjwtvc.StatusChecker.
func (p pinnedStatus) CheckStatus(ctx context.Context, iss string, ref sdjwtvc.StatusRef) error {
	tl, err := p.trust.TrustList(ctx)
	if err != nil {
		return credentials.NewError(credentials.ErrStatus, "trust list unavailable")
	}
	if !tl.Knows(plainID(iss)) {
		return credentials.NewError(credentials.ErrStatus, "status list of an issuer not on the trust list is not fetched")
	}
	return p.next.CheckStatus(ctx, iss, ref)
}
