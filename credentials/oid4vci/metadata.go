package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Well-known paths.
const (
	// WellKnownIssuer is the Credential Issuer Metadata path (VCI §12.2.2).
	WellKnownIssuer = "/.well-known/openid-credential-issuer"
	// WellKnownAuthorizationServer is the OAuth 2.0 Authorization Server
	// Metadata path (RFC 8414 §3).
	WellKnownAuthorizationServer = "/.well-known/oauth-authorization-server"
)

// Credential formats and proof types used by paspoort.
const (
	// FormatSDJWTVC is the Credential Format Identifier of SD-JWT VC
	// (VCI Appendix A.3).
	FormatSDJWTVC = "dc+sd-jwt"
	// ProofTypeJWT is the "jwt" proof type (VCI Appendix F.1).
	ProofTypeJWT = "jwt"
	// BindingJWK is the cryptographic binding method of a JWK (VCI §12.2.4).
	BindingJWK = "jwk"
)

// IssuerMetadata is Credential Issuer Metadata (VCI §12.2.4). Members not
// modelled here are not kept.
type IssuerMetadata struct {
	CredentialIssuer                  string                             `json:"credential_issuer"`
	AuthorizationServers              []string                           `json:"authorization_servers,omitempty"`
	CredentialEndpoint                string                             `json:"credential_endpoint"`
	NonceEndpoint                     string                             `json:"nonce_endpoint,omitempty"`
	DeferredCredentialEndpoint        string                             `json:"deferred_credential_endpoint,omitempty"`
	NotificationEndpoint              string                             `json:"notification_endpoint,omitempty"`
	BatchCredentialIssuance           *BatchCredentialIssuance           `json:"batch_credential_issuance,omitempty"`
	Display                           []IssuerDisplay                    `json:"display,omitempty"`
	CredentialConfigurationsSupported map[string]CredentialConfiguration `json:"credential_configurations_supported"`
}

// BatchCredentialIssuance says how many proofs one Credential Request may
// carry.
type BatchCredentialIssuance struct {
	// BatchSize is the largest number of proofs; at least 2.
	BatchSize int `json:"batch_size"`
}

// IssuerDisplay is the display of the issuer in one language.
type IssuerDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
	Logo   *Logo  `json:"logo,omitempty"`
}

// Logo is a logo reference.
type Logo struct {
	URI     string `json:"uri"`
	AltText string `json:"alt_text,omitempty"`
}

// CredentialConfiguration is one entry of credential_configurations_supported
// (VCI §12.2.4), with the SD-JWT VC member "vct" (Appendix A.3.2).
type CredentialConfiguration struct {
	Format                               string                       `json:"format"`
	Scope                                string                       `json:"scope,omitempty"`
	CredentialSigningAlgValuesSupported  []string                     `json:"credential_signing_alg_values_supported,omitempty"`
	CryptographicBindingMethodsSupported []string                     `json:"cryptographic_binding_methods_supported,omitempty"`
	ProofTypesSupported                  map[string]ProofTypeMetadata `json:"proof_types_supported,omitempty"`
	CredentialMetadata                   *CredentialMetadata          `json:"credential_metadata,omitempty"`
	// VCT is the SD-JWT VC type; required for format dc+sd-jwt.
	VCT string `json:"vct,omitempty"`
}

// ProofTypeMetadata describes one supported proof type.
type ProofTypeMetadata struct {
	ProofSigningAlgValuesSupported []string `json:"proof_signing_alg_values_supported"`
}

// CredentialMetadata holds display and claims information of a credential
// configuration (VCI §12.2.4 "credential_metadata").
type CredentialMetadata struct {
	Display []CredentialDisplay `json:"display,omitempty"`
	Claims  []ClaimDescription  `json:"claims,omitempty"`
}

// CredentialDisplay is the display of a credential in one language.
type CredentialDisplay struct {
	Name            string `json:"name"`
	Locale          string `json:"locale,omitempty"`
	Logo            *Logo  `json:"logo,omitempty"`
	Description     string `json:"description,omitempty"`
	BackgroundColor string `json:"background_color,omitempty"`
	TextColor       string `json:"text_color,omitempty"`
}

// ClaimDescription describes one claim for display (VCI Appendix B.2).
type ClaimDescription struct {
	// Path is a claims path pointer (VCI Appendix C): strings, nil for all
	// array elements, non-negative integers.
	Path      ClaimPath      `json:"path"`
	Mandatory bool           `json:"mandatory,omitempty"`
	Display   []ClaimDisplay `json:"display,omitempty"`
}

// ClaimDisplay is the label of a claim in one language.
type ClaimDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// ClaimPath is a claims path pointer: each element is a string (an object
// member), nil (every element of an array) or a non-negative int (one
// element).
type ClaimPath []any

// UnmarshalJSON accepts a non-empty array of strings, nulls and
// non-negative integers.
func (p *ClaimPath) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("claims path: %w", err)
	}
	if len(raw) == 0 {
		return fmt.Errorf("claims path is empty")
	}
	out := make(ClaimPath, len(raw))
	for i, r := range raw {
		var s string
		var n uint32
		switch {
		case string(r) == "null":
			out[i] = nil
		case json.Unmarshal(r, &s) == nil:
			out[i] = s
		case json.Unmarshal(r, &n) == nil:
			out[i] = int(n)
		default:
			return fmt.Errorf("claims path element %d is not a string, null or non-negative integer", i)
		}
	}
	*p = out
	return nil
}

// Configuration returns the named credential configuration.
func (m *IssuerMetadata) Configuration(id string) (CredentialConfiguration, bool) {
	c, ok := m.CredentialConfigurationsSupported[id]
	return c, ok
}

// MetadataURL returns the URL of a well-known document for a Credential
// Issuer Identifier: wellKnown inserted between the host and the path, any
// terminating "/" of the path removed (VCI §12.2.2, RFC 8414 §3.1).
func MetadataURL(issuer, wellKnown string) (string, error) {
	if err := CheckIssuerIdentifier(issuer); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	u, _ := url.Parse(issuer)
	return "https://" + u.Host + wellKnown + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// ParseIssuerMetadata parses Credential Issuer Metadata fetched for issuer
// and checks: strict JSON; credential_issuer identical to issuer (VCI
// §12.2.4: otherwise the data MUST NOT be used); an https
// credential_endpoint (and nonce, deferred, notification endpoints when
// present); a non-empty credential_configurations_supported whose entries
// have a format, a vct for dc+sd-jwt, and proof_signing_alg_values_supported
// for each proof type; a batch_size of at least 2 when present.
func ParseIssuerMetadata(data []byte, issuer string) (*IssuerMetadata, error) {
	var m map[string]any
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if err := checkMemberNames(m, []string{"credential_issuer", "credential_endpoint", "nonce_endpoint", "credential_configurations_supported"}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	var md IssuerMetadata
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
	}
	if md.CredentialIssuer != issuer {
		return nil, fmt.Errorf("%w: credential_issuer %q is not %q", ErrInvalidMetadata, trunc(md.CredentialIssuer), trunc(issuer))
	}
	if err := md.Validate(); err != nil {
		return nil, err
	}
	return &md, nil
}

// Validate checks metadata as ParseIssuerMetadata does, except the match
// with the expected issuer.
func (m *IssuerMetadata) Validate() error {
	if err := CheckIssuerIdentifier(m.CredentialIssuer); err != nil {
		return fmt.Errorf("%w: credential_issuer: %w", ErrInvalidMetadata, err)
	}
	for name, e := range map[string]string{
		"credential_endpoint": m.CredentialEndpoint, "nonce_endpoint": m.NonceEndpoint,
		"deferred_credential_endpoint": m.DeferredCredentialEndpoint, "notification_endpoint": m.NotificationEndpoint,
	} {
		if e == "" && name != "credential_endpoint" {
			continue
		}
		if err := checkHTTPS(e); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalidMetadata, name, err)
		}
	}
	if b := m.BatchCredentialIssuance; b != nil && b.BatchSize < 2 {
		return fmt.Errorf("%w: batch_size must be 2 or greater", ErrInvalidMetadata)
	}
	if len(m.CredentialConfigurationsSupported) == 0 {
		return fmt.Errorf("%w: no credential_configurations_supported", ErrInvalidMetadata)
	}
	for id, c := range m.CredentialConfigurationsSupported {
		if c.Format == "" {
			return fmt.Errorf("%w: configuration %q has no format", ErrInvalidMetadata, trunc(id))
		}
		if c.Format == FormatSDJWTVC && c.VCT == "" {
			return fmt.Errorf("%w: configuration %q has no vct", ErrInvalidMetadata, trunc(id))
		}
		for pt, p := range c.ProofTypesSupported {
			if len(p.ProofSigningAlgValuesSupported) == 0 {
				return fmt.Errorf("%w: configuration %q proof type %q has no proof_signing_alg_values_supported", ErrInvalidMetadata, trunc(id), trunc(pt))
			}
		}
	}
	return nil
}

// AuthorizationServerMetadata is the part of OAuth 2.0 Authorization Server
// Metadata (RFC 8414 §2) that the Pre-Authorized Code Flow uses, with
// pre-authorized_grant_anonymous_access_supported (VCI §12.3).
// response_types_supported may be omitted by a server that supports only
// the pre-authorized code grant (VCI §12.2.4).
//
// For the Authorization Code Flow it carries the authorization endpoint,
// the pushed authorization request endpoint and its requirement (RFC 9126
// §5), the PKCE methods (RFC 8414 §2), the DPoP algorithms (RFC 9449
// §5.1), the scopes and the "iss" authorization response parameter (RFC
// 9207 §3).
type AuthorizationServerMetadata struct {
	Issuer                                        string   `json:"issuer"`
	AuthorizationEndpoint                         string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                                 string   `json:"token_endpoint"`
	PushedAuthorizationRequestEndpoint            string   `json:"pushed_authorization_request_endpoint,omitempty"`
	RequirePushedAuthorizationRequests            bool     `json:"require_pushed_authorization_requests,omitempty"`
	JWKSURI                                       string   `json:"jwks_uri,omitempty"`
	ScopesSupported                               []string `json:"scopes_supported,omitempty"`
	GrantTypesSupported                           []string `json:"grant_types_supported,omitempty"`
	ResponseTypesSupported                        []string `json:"response_types_supported,omitempty"`
	ResponseModesSupported                        []string `json:"response_modes_supported,omitempty"`
	CodeChallengeMethodsSupported                 []string `json:"code_challenge_methods_supported,omitempty"`
	TokenEndpointAuthMethodsSupported             []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	DPoPSigningAlgValuesSupported                 []string `json:"dpop_signing_alg_values_supported,omitempty"`
	ClientAttestationSigningAlgValuesSupported    []string `json:"client_attestation_signing_alg_values_supported,omitempty"`
	ClientAttestationPoPSigningAlgValuesSupported []string `json:"client_attestation_pop_signing_alg_values_supported,omitempty"`
	AuthorizationResponseIssParameterSupported    bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
	PreAuthorizedGrantAnonymousAccessSupported    bool     `json:"pre-authorized_grant_anonymous_access_supported,omitempty"`
}

// ParseAuthorizationServerMetadata parses Authorization Server Metadata
// fetched for issuer: strict JSON, "issuer" identical to issuer (RFC 8414
// §3.3) and an https token_endpoint.
func ParseAuthorizationServerMetadata(data []byte, issuer string) (*AuthorizationServerMetadata, error) {
	var m map[string]any
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if err := checkMemberNames(m, []string{"issuer", "token_endpoint"}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	var md AuthorizationServerMetadata
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
	}
	if md.Issuer != issuer {
		return nil, fmt.Errorf("%w: issuer %q is not %q", ErrInvalidMetadata, trunc(md.Issuer), trunc(issuer))
	}
	if err := checkHTTPS(md.TokenEndpoint); err != nil {
		return nil, fmt.Errorf("%w: token_endpoint: %w", ErrInvalidMetadata, err)
	}
	return &md, nil
}
