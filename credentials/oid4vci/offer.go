package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// GrantTypePreAuthorizedCode is the grant type of the Pre-Authorized Code
// Flow (VCI §4.1.1, §6.1).
const GrantTypePreAuthorizedCode = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// GrantTypeAuthorizationCode is the OAuth 2.0 authorization code grant.
const GrantTypeAuthorizationCode = "authorization_code"

// OfferScheme is the custom URL scheme of a Credential Offer sent to a
// wallet whose Credential Offer Endpoint is not known (VCI §12.1).
const OfferScheme = "openid-credential-offer"

// HAIPScheme is the custom URL scheme every HAIP 1.0 wallet supports for
// being invoked with a Credential Offer (HAIP 1.0 §4.2).
const HAIPScheme = "haip"

// Limits of offer parsing.
const (
	// MaxOfferURIBytes bounds an offer URI before it is parsed.
	MaxOfferURIBytes = 64 << 10
	// MaxOfferBytes bounds a Credential Offer object.
	MaxOfferBytes = 32 << 10
	// MaxTxCodeDescription is the longest tx_code description, in
	// characters (VCI §4.1.1).
	MaxTxCodeDescription = 300
	// MaxConfigurationIDs bounds credential_configuration_ids.
	MaxConfigurationIDs = 64
)

// TxCode input modes (VCI §4.1.1).
const (
	InputModeNumeric = "numeric"
	InputModeText    = "text"
)

// CredentialOffer is a Credential Offer object (VCI §4.1.1).
type CredentialOffer struct {
	// CredentialIssuer is the Credential Issuer Identifier.
	CredentialIssuer string `json:"credential_issuer"`
	// CredentialConfigurationIDs names entries of the issuer's
	// credential_configurations_supported; non-empty and unique.
	CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
	// Grants lists the grants the issuer is prepared to process; nil means
	// the wallet finds them in the metadata.
	Grants *Grants `json:"grants,omitempty"`
}

// Grants holds the grants of an offer.
type Grants struct {
	// AuthorizationCode is the authorization_code grant, or nil.
	AuthorizationCode *AuthorizationCodeGrant `json:"authorization_code,omitempty"`
	// PreAuthorizedCode is the pre-authorized code grant, or nil.
	PreAuthorizedCode *PreAuthorizedCodeGrant `json:"urn:ietf:params:oauth:grant-type:pre-authorized_code,omitempty"`
}

// AuthorizationCodeGrant is the authorization_code grant of an offer.
type AuthorizationCodeGrant struct {
	IssuerState         string `json:"issuer_state,omitempty"`
	AuthorizationServer string `json:"authorization_server,omitempty"`
}

// PreAuthorizedCodeGrant is the pre-authorized code grant of an offer.
type PreAuthorizedCodeGrant struct {
	// PreAuthorizedCode is the short-lived, single-use code. Required.
	PreAuthorizedCode string `json:"pre-authorized_code"`
	// TxCode, when not nil (even when empty), says a Transaction Code is
	// required in the Token Request.
	TxCode *TxCode `json:"tx_code,omitempty"`
	// AuthorizationServer names one of the issuer's authorization servers.
	AuthorizationServer string `json:"authorization_server,omitempty"`
}

// TxCode describes the Transaction Code a wallet must ask the End-User for.
type TxCode struct {
	// InputMode is "numeric" (the default when empty) or "text".
	InputMode string `json:"input_mode,omitempty"`
	// Length is the code's length; 0 when not given.
	Length int `json:"length,omitempty"`
	// Description tells the End-User where to find the code; at most 300
	// characters.
	Description string `json:"description,omitempty"`
}

// Validate checks an offer as ParseOffer does.
func (o *CredentialOffer) Validate() error {
	if err := CheckIssuerIdentifier(o.CredentialIssuer); err != nil {
		return fmt.Errorf("%w: credential_issuer: %w", ErrInvalidOffer, err)
	}
	if len(o.CredentialConfigurationIDs) == 0 || len(o.CredentialConfigurationIDs) > MaxConfigurationIDs {
		return fmt.Errorf("%w: credential_configuration_ids must hold 1 to %d ids", ErrInvalidOffer, MaxConfigurationIDs)
	}
	seen := make(map[string]bool, len(o.CredentialConfigurationIDs))
	for _, id := range o.CredentialConfigurationIDs {
		if id == "" || seen[id] {
			return fmt.Errorf("%w: credential_configuration_ids must be unique non-empty strings", ErrInvalidOffer)
		}
		seen[id] = true
	}
	if o.Grants == nil {
		return nil
	}
	if g := o.Grants.PreAuthorizedCode; g != nil {
		if g.PreAuthorizedCode == "" {
			return fmt.Errorf("%w: pre-authorized_code is required", ErrInvalidOffer)
		}
		if t := g.TxCode; t != nil {
			if t.InputMode != "" && t.InputMode != InputModeNumeric && t.InputMode != InputModeText {
				return fmt.Errorf("%w: tx_code input_mode %q", ErrInvalidOffer, trunc(t.InputMode))
			}
			if t.Length < 0 {
				return fmt.Errorf("%w: tx_code length is negative", ErrInvalidOffer)
			}
			if utf8.RuneCountInString(t.Description) > MaxTxCodeDescription {
				return fmt.Errorf("%w: tx_code description over %d characters", ErrInvalidOffer, MaxTxCodeDescription)
			}
		}
	}
	return nil
}

// offerMembers are the members ParseOffer reads, checked for case variants.
var offerMembers = []string{"credential_issuer", "credential_configuration_ids", "grants"}

// ParseOffer parses and validates a Credential Offer object: strict JSON
// (no duplicate or case-variant members of the known names), a
// credential_issuer that is a Credential Issuer Identifier, 1 to 64 unique
// credential_configuration_ids, and well-formed grants. Unknown members are
// ignored (VCI §4.1.1).
func ParseOffer(data []byte) (*CredentialOffer, error) {
	if len(data) > MaxOfferBytes {
		return nil, fmt.Errorf("%w: offer over %d bytes", ErrInvalidOffer, MaxOfferBytes)
	}
	var m map[string]any
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOffer, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidOffer)
	}
	if err := checkMemberNames(m, offerMembers); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOffer, err)
	}
	if g, ok := m["grants"].(map[string]any); ok {
		if err := checkMemberNames(g, []string{GrantTypeAuthorizationCode, GrantTypePreAuthorizedCode}); err != nil {
			return nil, fmt.Errorf("%w: grants: %w", ErrInvalidOffer, err)
		}
		if p, ok := g[GrantTypePreAuthorizedCode].(map[string]any); ok {
			if err := checkMemberNames(p, []string{"pre-authorized_code", "tx_code", "authorization_server"}); err != nil {
				return nil, fmt.Errorf("%w: pre-authorized_code grant: %w", ErrInvalidOffer, err)
			}
		}
	}
	var o CredentialOffer
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidOffer, err)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &o, nil
}

// checkMemberNames refuses members that match a known name only
// case-insensitively: encoding/json would take {"Credential_Issuer": …} for
// credential_issuer (SECURITY.md A.9).
func checkMemberNames(m map[string]any, known []string) error {
	for k := range m {
		for _, n := range known {
			if k != n && strings.EqualFold(k, n) {
				return fmt.Errorf("member %q is a case variant of %q", trunc(k), n)
			}
		}
	}
	return nil
}

// OfferURI returns the openid-credential-offer:// URI carrying the offer by
// value: "openid-credential-offer://?credential_offer=" and the
// percent-encoded JSON object (VCI §4.1.2). The offer is validated first.
func OfferURI(o *CredentialOffer) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(o)
	if err != nil {
		return "", fmt.Errorf("%w: encode offer: %v", ErrInvalidOffer, err)
	}
	return OfferScheme + "://?" + url.Values{"credential_offer": {string(b)}}.Encode(), nil
}

// OfferURIByReference returns the openid-credential-offer:// URI carrying
// the https URL of the offer object (VCI §4.1.3).
func OfferURIByReference(offerURL string) (string, error) {
	if err := checkHTTPS(offerURL); err != nil {
		return "", fmt.Errorf("%w: credential_offer_uri: %w", ErrInvalidOffer, err)
	}
	return OfferScheme + "://?" + url.Values{"credential_offer_uri": {offerURL}}.Encode(), nil
}

// HAIPOfferURIByReference is OfferURIByReference with the haip:// scheme
// (HAIP 1.0 §4.2).
func HAIPOfferURIByReference(offerURL string) (string, error) {
	u, err := OfferURIByReference(offerURL)
	if err != nil {
		return "", err
	}
	return HAIPScheme + strings.TrimPrefix(u, OfferScheme), nil
}

// OfferRef is a parsed offer URI: exactly one of Offer (by value) and URI
// (by reference, to be fetched with the wallet's consent) is set.
type OfferRef struct {
	Offer *CredentialOffer
	URI   string
}

// ParseOfferURI parses an offer URI: the openid-credential-offer or haip
// scheme, or an https URL (a wallet's Credential Offer Endpoint), whose query holds
// exactly one of credential_offer and credential_offer_uri, each once
// (VCI §4.1). A credential_offer is parsed with ParseOffer; a
// credential_offer_uri must be an https URL without fragment. Nothing is
// fetched here.
func ParseOfferURI(s string) (*OfferRef, error) {
	if len(s) > MaxOfferURIBytes {
		return nil, fmt.Errorf("%w: offer URI over %d bytes", ErrInvalidOffer, MaxOfferURIBytes)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not a URI", ErrInvalidOffer)
	}
	if u.Scheme != OfferScheme && u.Scheme != HAIPScheme && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q", ErrInvalidOffer, trunc(u.Scheme))
	}
	if u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%w: offer URI with fragment or user info", ErrInvalidOffer)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: query: %v", ErrInvalidOffer, err)
	}
	byValue, byRef := q["credential_offer"], q["credential_offer_uri"]
	switch {
	case len(byValue)+len(byRef) != 1:
		return nil, fmt.Errorf("%w: want exactly one credential_offer or credential_offer_uri", ErrInvalidOffer)
	case len(byValue) == 1:
		o, err := ParseOffer([]byte(byValue[0]))
		if err != nil {
			return nil, err
		}
		return &OfferRef{Offer: o}, nil
	default:
		if err := checkHTTPS(byRef[0]); err != nil {
			return nil, fmt.Errorf("%w: credential_offer_uri: %w", ErrInvalidOffer, err)
		}
		return &OfferRef{URI: byRef[0]}, nil
	}
}

// CheckIssuerIdentifier reports whether s is a Credential Issuer Identifier
// (VCI §12.2.1): an https URL with a host and optionally a port and path, no
// query, fragment or user info.
func CheckIssuerIdentifier(s string) error {
	if err := checkHTTPS(s); err != nil {
		return err
	}
	u, _ := url.Parse(s)
	if u.RawQuery != "" || u.ForceQuery {
		return fmt.Errorf("%q has a query", trunc(s))
	}
	return nil
}

func checkHTTPS(s string) error {
	if len(s) > 2048 {
		return fmt.Errorf("URL over 2048 bytes")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", trunc(s))
	}
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("%q is not an https URL", trunc(s))
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%q has no host", trunc(s))
	case u.User != nil:
		return fmt.Errorf("%q has user info", trunc(s))
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%q has a fragment", trunc(s))
	}
	return nil
}

func trunc(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// Offers reports whether the offer names configuration id.
func (o *CredentialOffer) Offers(id string) bool {
	return slices.Contains(o.CredentialConfigurationIDs, id)
}
