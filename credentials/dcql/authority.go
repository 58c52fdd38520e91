package dcql

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// TrustedAuthorityAKI is the Trusted Authorities Query type "aki"
// (OpenID4VP 1.0 §6.1.1): each value is the base64url-encoded KeyIdentifier
// of an AuthorityKeyIdentifier (RFC 5280 §4.2.1.1) that must match the
// AuthorityKeyIdentifier of an X.509 certificate in the chain present in
// the credential (for an SD-JWT VC, its "x5c" header).
const TrustedAuthorityAKI = "aki"

// ErrAuthorityMismatch (CLAIM) is an ErrCredentialMismatch: a presentation
// whose credential does not match the Credential Query's
// "trusted_authorities" (§6.1.1): no certificate of its chain has one of
// the asked AuthorityKeyIdentifiers, or the credential carries no chain.
var ErrAuthorityMismatch = fmt.Errorf("%w: trusted_authorities not matched", ErrCredentialMismatch)

// AKIValue encodes an AuthorityKeyIdentifier's keyIdentifier as a
// trusted_authorities "aki" value: base64url without padding, as in the
// example of §6.1.1 ("s9tIpPmhxdiuNkHMEWNpYim8S8Y", 20 bytes).
func AKIValue(keyID []byte) string { return base64.RawURLEncoding.EncodeToString(keyID) }

// matchesAuthorities reports whether a credential whose chain's
// certificates have the AuthorityKeyIdentifiers akis matches the Trusted
// Authorities Queries tas (§6.1.1): true without queries; otherwise when
// one value of one query matches. Only type "aki" is evaluated: a
// credential never matches a value of a type paspoort cannot evaluate
// ("etsi_tl", "openid_federation"), so an unknown type refuses rather than
// passes. A value that is not base64url (padded or not) matches nothing.
func matchesAuthorities(tas []TrustedAuthority, akis [][]byte) bool {
	if len(tas) == 0 {
		return true
	}
	for _, ta := range tas {
		if ta.Type != TrustedAuthorityAKI {
			continue
		}
		for _, v := range ta.Values {
			want, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil {
				if want, err = base64.URLEncoding.DecodeString(v); err != nil {
					continue
				}
			}
			if len(want) == 0 {
				continue
			}
			for _, k := range akis {
				if bytes.Equal(k, want) {
					return true
				}
			}
		}
	}
	return false
}
