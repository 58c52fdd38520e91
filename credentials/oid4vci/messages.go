package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Limits of request parsing.
const (
	// MaxProofs bounds the proofs of one Credential Request before the
	// issuer's own batch_size applies.
	MaxProofs = 100
	// MaxCredentialRequestBytes bounds a Credential Request body.
	MaxCredentialRequestBytes = 256 << 10
)

// TokenRequest is a Token Request (VCI §6.1), sent form-encoded: of the
// Pre-Authorized Code Flow, or of the Authorization Code Flow (RFC 6749
// §4.1.3 with the PKCE code_verifier of RFC 7636 §4.5).
type TokenRequest struct {
	GrantType         string
	PreAuthorizedCode string
	// Code, CodeVerifier and RedirectURI are the authorization_code
	// grant's parameters.
	Code         string
	CodeVerifier string
	RedirectURI  string
	// TxCode is the Transaction Code; HasTxCode tells an empty tx_code
	// from none.
	TxCode    string
	HasTxCode bool
	// ClientID is the optional client_id.
	ClientID string
}

// Form returns the request as form values.
func (r *TokenRequest) Form() url.Values {
	f := url.Values{"grant_type": {r.GrantType}}
	if r.PreAuthorizedCode != "" {
		f.Set("pre-authorized_code", r.PreAuthorizedCode)
	}
	if r.HasTxCode || r.TxCode != "" {
		f.Set("tx_code", r.TxCode)
	}
	if r.ClientID != "" {
		f.Set("client_id", r.ClientID)
	}
	for k, v := range map[string]string{"code": r.Code, "code_verifier": r.CodeVerifier, "redirect_uri": r.RedirectURI} {
		if v != "" {
			f.Set(k, v)
		}
	}
	return f
}

// ParseTokenRequest reads a Token Request from form values. Parameters may
// not repeat (RFC 6749 §3.2); grant_type must be the pre-authorized code
// grant, with pre-authorized_code, or authorization_code, with code,
// code_verifier and redirect_uri (RFC 6749 §4.1.3; client_id is for the
// caller to require: a public client must send it, an authenticated one
// need not) and no tx_code (VCI §6.1);
// another grant type is ErrUnsupportedGrantType. Whether a tx_code is
// expected is for the caller to check against the offer. Other parameters
// are ignored.
func ParseTokenRequest(form url.Values) (*TokenRequest, error) {
	for _, k := range []string{"grant_type", "pre-authorized_code", "tx_code", "client_id", "code", "code_verifier", "redirect_uri"} {
		if len(form[k]) > 1 {
			return nil, fmt.Errorf("%w: parameter %s repeated", ErrInvalidRequest, k)
		}
	}
	r := &TokenRequest{
		GrantType:         form.Get("grant_type"),
		PreAuthorizedCode: form.Get("pre-authorized_code"),
		TxCode:            form.Get("tx_code"),
		ClientID:          form.Get("client_id"),
		Code:              form.Get("code"),
		CodeVerifier:      form.Get("code_verifier"),
		RedirectURI:       form.Get("redirect_uri"),
	}
	_, r.HasTxCode = form["tx_code"]
	if r.GrantType == GrantTypeAuthorizationCode {
		switch {
		case r.Code == "":
			return nil, fmt.Errorf("%w: code is missing", ErrInvalidRequest)
		case r.CodeVerifier == "":
			return nil, fmt.Errorf("%w: code_verifier is missing (PKCE is required)", ErrInvalidRequest)
		case r.RedirectURI == "":
			return nil, fmt.Errorf("%w: redirect_uri is missing", ErrInvalidRequest)
		case r.HasTxCode:
			return nil, fmt.Errorf("%w: tx_code belongs to the pre-authorized code grant only", ErrInvalidRequest)
		}
		return r, nil
	}
	switch {
	case r.GrantType == "":
		return nil, fmt.Errorf("%w: grant_type is missing", ErrInvalidRequest)
	case r.GrantType != GrantTypePreAuthorizedCode:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedGrantType, trunc(r.GrantType))
	case r.PreAuthorizedCode == "":
		return nil, fmt.Errorf("%w: pre-authorized_code is missing", ErrInvalidRequest)
	}
	return r, nil
}

// TokenResponse is a successful Token Response (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	// TokenType is "Bearer", or "DPoP" for a DPoP-bound token (RFC 9449 §5).
	TokenType string `json:"token_type"`
	ExpiresIn int    `json:"expires_in,omitempty"`
	// Scope is the granted scope (RFC 6749 §5.1), when scopes were asked
	// for.
	Scope string `json:"scope,omitempty"`
}

// PARResponse is the response of a Pushed Authorization Request (RFC 9126
// §2.2).
type PARResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int    `json:"expires_in"`
}

// ParsePARResponse parses a pushed authorization response (RFC 9126
// §2.2): strict JSON with a non-empty request_uri and a positive
// expires_in, both REQUIRED.
func ParsePARResponse(data []byte) (*PARResponse, error) {
	var r PARResponse
	if err := strictjson.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: pushed authorization response: %w", ErrInvalidRequest, err)
	}
	if r.RequestURI == "" || r.ExpiresIn <= 0 {
		return nil, fmt.Errorf("%w: pushed authorization response without request_uri or expires_in", ErrInvalidRequest)
	}
	return &r, nil
}

// ParseTokenResponse parses a Token Response: strict JSON with an
// access_token and a token_type of "Bearer" or "DPoP" (RFC 9449 §5),
// compared case-insensitively (RFC 6749 §7.1).
func ParseTokenResponse(data []byte) (*TokenResponse, error) {
	var r TokenResponse
	if err := strictjson.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: token response: %w", ErrInvalidRequest, err)
	}
	if r.AccessToken == "" {
		return nil, fmt.Errorf("%w: token response has no access_token", ErrInvalidRequest)
	}
	if !strings.EqualFold(r.TokenType, "Bearer") && !strings.EqualFold(r.TokenType, "DPoP") {
		return nil, fmt.Errorf("%w: token_type %q, want Bearer or DPoP", ErrInvalidRequest, trunc(r.TokenType))
	}
	return &r, nil
}

// NonceResponse is a Nonce Response (VCI §7.2).
type NonceResponse struct {
	CNonce string `json:"c_nonce"`
}

// ParseNonceResponse parses a Nonce Response with a non-empty c_nonce.
func ParseNonceResponse(data []byte) (*NonceResponse, error) {
	var r NonceResponse
	if err := strictjson.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: nonce response: %w", ErrInvalidRequest, err)
	}
	if r.CNonce == "" {
		return nil, fmt.Errorf("%w: nonce response has no c_nonce", ErrInvalidRequest)
	}
	return &r, nil
}

// Proofs is the "proofs" member of a Credential Request: exactly one proof
// type with a non-empty array.
type Proofs struct {
	// JWT holds the proofs of type "jwt".
	JWT []string `json:"jwt,omitempty"`
	// Attestation holds the one key attestation of an "attestation"
	// proof (VCI Appendix F.3: "an array that contains exactly one JWT").
	Attestation []string `json:"attestation,omitempty"`
}

// CredentialRequest is a Credential Request (VCI §8.2).
type CredentialRequest struct {
	// CredentialConfigurationID names the requested configuration; exactly
	// one of it and CredentialIdentifier is set.
	CredentialConfigurationID string `json:"credential_configuration_id,omitempty"`
	// CredentialIdentifier names a Credential Dataset from the Token
	// Response's authorization_details.
	CredentialIdentifier string `json:"credential_identifier,omitempty"`
	// Proofs are the key proofs; nil when none were sent.
	Proofs *Proofs `json:"proofs,omitempty"`
	// WantsEncryption reports that credential_response_encryption was
	// present. It is never marshalled.
	WantsEncryption bool `json:"-"`
}

// ParseCredentialRequest parses a Credential Request body (application/json)
// and checks its shape (VCI §8.2): strict JSON without case-variant members;
// exactly one of credential_configuration_id and credential_identifier, as
// non-empty strings (ErrInvalidCredentialRequest); "proofs", when present,
// an object with exactly one proof type: "jwt" with a non-empty array of
// at most MaxProofs JWT strings, or "attestation" with exactly one (VCI
// Appendix F.3); another proof type, or elements that are not strings, are
// ErrInvalidProof. Unknown members are
// ignored.
func ParseCredentialRequest(data []byte) (*CredentialRequest, error) {
	if len(data) > MaxCredentialRequestBytes {
		return nil, fmt.Errorf("%w: request over %d bytes", ErrInvalidCredentialRequest, MaxCredentialRequestBytes)
	}
	var m map[string]any
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialRequest, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidCredentialRequest)
	}
	if err := checkMemberNames(m, []string{"credential_configuration_id", "credential_identifier", "proofs", "credential_response_encryption", "proof"}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialRequest, err)
	}
	r := &CredentialRequest{}
	_, r.WantsEncryption = m["credential_response_encryption"]
	id, hasID := m["credential_configuration_id"]
	ident, hasIdent := m["credential_identifier"]
	switch {
	case hasID == hasIdent:
		return nil, fmt.Errorf("%w: want exactly one of credential_configuration_id and credential_identifier", ErrInvalidCredentialRequest)
	case hasID:
		s, ok := id.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: credential_configuration_id is not a non-empty string", ErrInvalidCredentialRequest)
		}
		r.CredentialConfigurationID = s
	default:
		s, ok := ident.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: credential_identifier is not a non-empty string", ErrInvalidCredentialRequest)
		}
		r.CredentialIdentifier = s
	}
	if _, ok := m["proof"]; ok {
		return nil, fmt.Errorf("%w: \"proof\" is not part of VCI 1.0; use \"proofs\"", ErrInvalidProof)
	}
	raw, ok := m["proofs"]
	if !ok {
		return r, nil
	}
	pm, ok := raw.(map[string]any)
	if !ok || len(pm) != 1 {
		return nil, fmt.Errorf("%w: proofs must be an object with exactly one proof type", ErrInvalidProof)
	}
	if v, ok := pm[ProofTypeAttestation]; ok {
		arr, ok := v.([]any)
		if !ok || len(arr) != 1 {
			return nil, fmt.Errorf("%w: proofs.attestation must hold exactly one key attestation", ErrInvalidProof)
		}
		s, ok := arr[0].(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: proofs.attestation[0] is not a JWT string", ErrInvalidProof)
		}
		r.Proofs = &Proofs{Attestation: []string{s}}
		return r, nil
	}
	arr, ok := pm[ProofTypeJWT].([]any)
	if !ok {
		for k := range pm {
			return nil, fmt.Errorf("%w: unsupported proof type %q", ErrInvalidProof, trunc(k))
		}
	}
	if len(arr) == 0 || len(arr) > MaxProofs {
		return nil, fmt.Errorf("%w: proofs.jwt must hold 1 to %d proofs", ErrInvalidProof, MaxProofs)
	}
	r.Proofs = &Proofs{JWT: make([]string, len(arr))}
	for i, e := range arr {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: proofs.jwt[%d] is not a JWT string", ErrInvalidProof, i)
		}
		r.Proofs.JWT[i] = s
	}
	return r, nil
}

// CredentialResponse is a Credential Response (VCI §8.3) for immediate
// issuance.
type CredentialResponse struct {
	Credentials    []IssuedCredential `json:"credentials,omitempty"`
	TransactionID  string             `json:"transaction_id,omitempty"`
	Interval       int                `json:"interval,omitempty"`
	NotificationID string             `json:"notification_id,omitempty"`
}

// IssuedCredential is one element of "credentials". For dc+sd-jwt the
// credential is a string (VCI Appendix A.3.4).
type IssuedCredential struct {
	Credential string `json:"credential"`
}

// ParseCredentialResponse parses a Credential Response: strict JSON, and
// either a non-empty "credentials" array of objects whose "credential" is a
// string, or a "transaction_id" (deferred), not both.
func ParseCredentialResponse(data []byte) (*CredentialResponse, error) {
	var m map[string]any
	if err := strictjson.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: credential response: %w", ErrInvalidCredentialRequest, err)
	}
	var r CredentialResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: credential response: %v", ErrInvalidCredentialRequest, err)
	}
	if (len(r.Credentials) == 0) == (r.TransactionID == "") {
		return nil, fmt.Errorf("%w: credential response needs exactly one of credentials and transaction_id", ErrInvalidCredentialRequest)
	}
	for i, c := range r.Credentials {
		if c.Credential == "" {
			return nil, fmt.Errorf("%w: credentials[%d] has no credential string", ErrInvalidCredentialRequest, i)
		}
	}
	return &r, nil
}

// ParseErrorResponse parses an error response body; it fails when there is
// no "error" string.
func ParseErrorResponse(data []byte) (*ErrorResponse, error) {
	var r ErrorResponse
	if err := strictjson.Unmarshal(data, &r); err != nil || r.Error == "" {
		return nil, fmt.Errorf("%w: not an error response", ErrInvalidRequest)
	}
	return &r, nil
}
