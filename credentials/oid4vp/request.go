package oid4vp

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Protocol constants.
const (
	// ResponseTypeVPToken is the only response_type supported (§5.4).
	ResponseTypeVPToken = "vp_token"
	// ResponseModeDirectPost posts the response as a form (§8.2).
	ResponseModeDirectPost = "direct_post"
	// ResponseModeDirectPostJWT posts it encrypted, as "response" (§8.3.1).
	ResponseModeDirectPostJWT = "direct_post.jwt"
	// TypRequestObject is the "typ" of a Request Object (§5, RFC 9101).
	TypRequestObject = "oauth-authz-req+jwt"
	// MediaTypeRequestObject is the Content-Type of a request_uri response
	// and the Accept of a request_uri POST (§5.10).
	MediaTypeRequestObject = "application/oauth-authz-req+jwt"
	// SelfIssuedAudience is the "aud" of a Request Object under static
	// discovery (§5.8).
	SelfIssuedAudience = "https://self-issued.me/v2"
	// MinNonceBytes is the entropy a Verifier's nonce must have: 128 bits
	// (SECURITY.md C.23; §14.1).
	MinNonceBytes = 16
	// maxParamBytes bounds one request or response parameter string.
	maxParamBytes = 4096
	// MaxRequestBytes bounds a request object or request parameters.
	MaxRequestBytes = 256 << 10
)

// AuthorizationRequest holds the parameters of an Authorization Request
// (§5.1, §5.2, §8.2), as a Request Object carries them.
type AuthorizationRequest struct {
	ClientID     string `json:"client_id"`
	ResponseType string `json:"response_type"`
	ResponseMode string `json:"response_mode"`
	// ResponseURI is REQUIRED with direct_post and direct_post.jwt.
	ResponseURI string `json:"response_uri,omitempty"`
	// RedirectURI MUST be absent with direct_post; kept to detect it.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Nonce binds the presentations; URL-safe characters only.
	Nonce string `json:"nonce"`
	// State is OPTIONAL (REQUIRED when a query waives holder binding);
	// URL-safe characters only.
	State          string          `json:"state,omitempty"`
	DCQLQuery      dcql.Query      `json:"dcql_query"`
	ClientMetadata *ClientMetadata `json:"client_metadata,omitempty"`
	// WalletNonce echoes the Wallet's wallet_nonce (§5.10).
	WalletNonce string `json:"wallet_nonce,omitempty"`
	// Audience is "aud": SelfIssuedAudience.
	Audience string `json:"aud,omitempty"`
	// IssuedAt and Expires are "iat" and "exp" (seconds), when set.
	IssuedAt int64 `json:"iat,omitempty"`
	Expires  int64 `json:"exp,omitempty"`
	// VerifierInfo is "verifier_info" (§5.1, §5.11): attestations about the
	// Verifier, such as its registration in a consortium register.
	VerifierInfo []VerifierInfo `json:"verifier_info,omitempty"`
}

// VerifierInfo is one attestation about the Verifier in "verifier_info"
// (§5.1): a format, its data (an object or a string) and, optionally, the
// Credential Query ids it concerns. A Wallet ignores formats it does not
// know (§5.11).
type VerifierInfo struct {
	Format        string          `json:"format"`
	Data          json.RawMessage `json:"data"`
	CredentialIDs []string        `json:"credential_ids,omitempty"`
}

// ClientMetadata is the "client_metadata" parameter (§5.1).
type ClientMetadata struct {
	// JWKS holds the Verifier's response encryption keys.
	JWKS *JWKS `json:"jwks,omitempty"`
	// EncryptedResponseEncValuesSupported lists acceptable JWE "enc"
	// values; absent means A128GCM only.
	EncryptedResponseEncValuesSupported []string `json:"encrypted_response_enc_values_supported,omitempty"`
	// VPFormatsSupported is keyed by Credential Format Identifier.
	VPFormatsSupported map[string]VPFormat `json:"vp_formats_supported,omitempty"`
	// ClientName is the Verifier's name to show the holder (RFC 7591 §2
	// "client_name"; OpenID4VP §11.1 admits other client metadata).
	ClientName string `json:"client_name,omitempty"`
	// PaspoortProfile is a paspoort extension (wallets that do not know it
	// ignore it): the URL of the requirement profile the request is for,
	// published by the Verifier at its own origin, so that a wallet can
	// show its title and purpose and match it privately before sharing.
	PaspoortProfile string `json:"paspoort_profile,omitempty"`
}

// VPFormat holds the dc+sd-jwt parameters of vp_formats_supported
// (Appendix B.3.4); members of other formats are ignored.
type VPFormat struct {
	SDJWTAlgValues []string `json:"sd-jwt_alg_values,omitempty"`
	KBJWTAlgValues []string `json:"kb-jwt_alg_values,omitempty"`
}

// JWKS is a JSON Web Key Set of encryption keys.
type JWKS struct {
	Keys []*jose.EncryptionPublicKey `json:"keys"`
}

// UnmarshalJSON parses the keys strictly; a key that is not an ECDH-ES
// P-256 key with "alg" and "kid" is an error (the Wallet only encrypts to
// such keys, and the Verifier only publishes them).
func (j *JWKS) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := strictjson.Unmarshal(b, &raw); err != nil || raw == nil {
		return errorf(ErrInvalidRequest, "jwks is not a JSON object")
	}
	keys, ok := raw["keys"].([]any)
	if !ok || len(keys) == 0 || len(keys) > 16 {
		return errorf(ErrInvalidRequest, "jwks.keys must be a non-empty array of at most 16 keys")
	}
	j.Keys = nil
	for _, k := range keys {
		m, ok := k.(map[string]any)
		if !ok {
			return errorf(ErrInvalidRequest, "jwks key is not an object")
		}
		if _, ok := m["kid"].(string); !ok {
			return errorf(ErrInvalidRequest, "jwks key without kid")
		}
		pk, err := jose.EncryptionPublicKeyFromMap(m)
		if err != nil {
			return errorf(ErrInvalidRequest, "jwks key: %v", err)
		}
		j.Keys = append(j.Keys, pk)
	}
	return nil
}

// memberNames are the members whose exact spelling is enforced: a member
// that differs from one of them only in case is refused, because
// encoding/json would take it for the real one (SECURITY.md A.9).
var memberNames = []string{
	"client_id", "response_type", "response_mode", "response_uri", "redirect_uri", "nonce", "state",
	"dcql_query", "client_metadata", "wallet_nonce", "aud", "iat", "exp", "scope", "transaction_data",
	"request_uri", "request", "request_uri_method", "jwks", "encrypted_response_enc_values_supported",
	"vp_formats_supported", "keys", "vp_token", "iss", "verifier_info", "credential_ids",
}

// checkNames refuses case variants of known member names, at any depth.
func checkNames(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			for _, n := range memberNames {
				if k != n && strings.EqualFold(k, n) {
					return errorf(ErrInvalidRequest, "member %q is a case variant of %q", truncate(k), n)
				}
			}
			if err := checkNames(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkNames(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeStrict decodes a JSON object strictly into v: no duplicate members,
// no case-variant member names, within limits.
func decodeStrict(b []byte, v any, sentinel error) error {
	raw, err := strictjson.Decode(b)
	if err != nil {
		return errorf(sentinel, "%v", err)
	}
	if _, ok := raw.(map[string]any); !ok {
		return errorf(sentinel, "not a JSON object")
	}
	if err := checkNames(raw); err != nil {
		return errorf(sentinel, "%v", err)
	}
	if err := strictjson.Unmarshal(b, v); err != nil {
		return errorf(sentinel, "%v", err)
	}
	return nil
}

// ParseAuthorizationRequest decodes Request Object claims strictly
// (duplicate or case-variant members refused, "dcql_query" by dcql.Parse)
// without checking them; Validate does. "scope" and "transaction_data"
// are refused: paspoort maps no scope to a DCQL query and supports no
// transaction data (§5.1: a Wallet that does not MUST reject it).
func ParseAuthorizationRequest(b []byte) (*AuthorizationRequest, error) {
	if len(b) > MaxRequestBytes {
		return nil, errorf(ErrTooLarge, "request of %d bytes", len(b))
	}
	var raw map[string]any
	if err := strictjson.Unmarshal(b, &raw); err != nil || raw == nil {
		return nil, errorf(ErrInvalidRequest, "request is not a strict JSON object")
	}
	for _, name := range []string{"scope", "transaction_data", "request", "request_uri"} {
		if _, ok := raw[name]; ok {
			return nil, errorf(ErrInvalidRequest, "%q is not supported", name)
		}
	}
	var r AuthorizationRequest
	if err := decodeStrict(b, &r, ErrInvalidRequest); err != nil {
		return nil, err
	}
	if _, ok := raw["dcql_query"]; !ok {
		return nil, errorf(ErrInvalidRequest, "no dcql_query")
	}
	return &r, nil
}

// ValidateOptions tune Validate.
type ValidateOptions struct {
	// URLs is the URL policy for response_uri and a redirect_uri client_id.
	URLs URLPolicy
	// Verifier applies the Verifier's own rules too: a nonce of at least
	// MinNonceBytes of entropy (22 base64url characters).
	Verifier bool
}

// Validate checks a request against §5 and §8 (in this order):
// response_type "vp_token"; response_mode direct_post or direct_post.jwt;
// client_id with a supported prefix (ParseClientID); response_uri present,
// allowed by the prefix (CheckResponseURI) and no redirect_uri; a nonce of
// URL-safe characters (at least 22 for a Verifier); a state of URL-safe
// characters when present, and present when a Credential Query waives
// holder binding (§5.3); a valid dcql_query; for direct_post.jwt a
// client_metadata.jwks with an ECDH-ES key and, when given,
// encrypted_response_enc_values_supported naming A128GCM or A256GCM. It
// returns the parsed client_id.
func (r *AuthorizationRequest) Validate(opts ValidateOptions) (ClientID, error) {
	if r.ResponseType != ResponseTypeVPToken {
		return ClientID{}, errorf(ErrInvalidRequest, "response_type %q", truncate(r.ResponseType))
	}
	if r.ResponseMode != ResponseModeDirectPost && r.ResponseMode != ResponseModeDirectPostJWT {
		return ClientID{}, errorf(ErrInvalidRequest, "response_mode %q", truncate(r.ResponseMode))
	}
	cid, err := ParseClientID(r.ClientID, opts.URLs)
	if err != nil {
		return ClientID{}, err
	}
	if r.RedirectURI != "" {
		return ClientID{}, errorf(ErrInvalidRequest, "redirect_uri with response_mode %s", r.ResponseMode)
	}
	if r.ResponseURI == "" {
		return ClientID{}, errorf(ErrInvalidRequest, "no response_uri")
	}
	if err := CheckResponseURI(cid, r.ResponseURI, opts.URLs); err != nil {
		return ClientID{}, err
	}
	if !urlSafe(r.Nonce) {
		return ClientID{}, errorf(ErrInvalidRequest, "nonce missing or not of URL-safe characters")
	}
	if opts.Verifier && len(r.Nonce) < 22 {
		return ClientID{}, errorf(ErrInvalidRequest, "nonce shorter than %d bits", 8*MinNonceBytes)
	}
	if r.State != "" && !urlSafe(r.State) {
		return ClientID{}, errorf(ErrInvalidRequest, "state not of URL-safe characters")
	}
	if err := r.DCQLQuery.Validate(); err != nil {
		return ClientID{}, errorf(ErrInvalidRequest, "dcql_query: %v", err)
	}
	for _, cq := range r.DCQLQuery.Credentials {
		if !cq.HolderBindingRequired() && r.State == "" {
			return ClientID{}, errorf(ErrInvalidRequest, "state is required when holder binding is waived")
		}
	}
	if err := r.checkVerifierInfo(); err != nil {
		return ClientID{}, err
	}
	if r.ResponseMode == ResponseModeDirectPostJWT {
		if _, _, err := r.EncryptionKey(); err != nil {
			return ClientID{}, err
		}
	}
	return cid, nil
}

// EncryptionKey picks the key and "enc" for a direct_post.jwt response
// (§8.3): the first ECDH-ES P-256 key of client_metadata.jwks, and the first
// of encrypted_response_enc_values_supported that is A128GCM or A256GCM
// (A128GCM when absent).
func (r *AuthorizationRequest) EncryptionKey() (*jose.EncryptionPublicKey, jose.Enc, error) {
	md := r.ClientMetadata
	if md == nil || md.JWKS == nil || len(md.JWKS.Keys) == 0 {
		return nil, "", errorf(ErrInvalidRequest, "direct_post.jwt without client_metadata.jwks")
	}
	enc := jose.A128GCM
	if md.EncryptedResponseEncValuesSupported != nil {
		i := slices.IndexFunc(md.EncryptedResponseEncValuesSupported, func(s string) bool {
			return s == string(jose.A128GCM) || s == string(jose.A256GCM)
		})
		if i < 0 {
			return nil, "", errorf(ErrInvalidRequest, "no supported enc in encrypted_response_enc_values_supported")
		}
		enc = jose.Enc(md.EncryptedResponseEncValuesSupported[i])
	}
	return md.JWKS.Keys[0], enc, nil
}

// urlSafe reports whether s is non-empty, bounded, and of the characters
// §5.2 allows for nonce and state: letters, digits, "-", ".", "_", "~".
func urlSafe(s string) bool {
	if s == "" || len(s) > maxParamBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// NewNonce returns a fresh nonce of 256 random bits, base64url-encoded
// (also good for state, wallet_nonce, response_code and transaction ids).
func NewNonce() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("oid4vp: crypto/rand failed: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return jose.EncodeSegment(b)
}

// marshal encodes with encoding/json (struct field order, stable output).
func marshal(v any) ([]byte, error) { return json.Marshal(v) }

// checkVerifierInfo checks "verifier_info" as §5.1 defines it: when present
// a non-empty array whose objects have a format, data that is an object or
// a string, and credential_ids, when present, a non-empty array of ids of
// the DCQL query's Credential Queries.
func (r *AuthorizationRequest) checkVerifierInfo() error {
	if r.VerifierInfo == nil {
		return nil
	}
	if len(r.VerifierInfo) == 0 {
		return errorf(ErrInvalidRequest, "verifier_info is an empty array")
	}
	for i, vi := range r.VerifierInfo {
		if vi.Format == "" {
			return errorf(ErrInvalidRequest, "verifier_info[%d] has no format", i)
		}
		if d := bytes.TrimSpace(vi.Data); len(d) == 0 || (d[0] != '{' && d[0] != '"') {
			return errorf(ErrInvalidRequest, "verifier_info[%d].data is not an object or a string", i)
		}
		if vi.CredentialIDs != nil && len(vi.CredentialIDs) == 0 {
			return errorf(ErrInvalidRequest, "verifier_info[%d].credential_ids is an empty array", i)
		}
		for _, id := range vi.CredentialIDs {
			if !slices.ContainsFunc(r.DCQLQuery.Credentials, func(cq dcql.CredentialQuery) bool { return cq.ID == id }) {
				return errorf(ErrInvalidRequest, "verifier_info[%d] names credential %q, which the query does not ask", i, truncate(id))
			}
		}
	}
	return nil
}
