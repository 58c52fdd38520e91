package oid4vp

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// MaxPresentationsPerQuery bounds the presentations under one vp_token key.
const MaxPresentationsPerQuery = 64

// VPToken is the "vp_token" (§8.1): per DCQL Credential Query id, the
// presentations (SD-JWT+KB strings for dc+sd-jwt).
type VPToken map[string][]string

// ParseVPToken decodes a vp_token strictly: a JSON object without duplicate
// members whose keys are Credential Query ids ([A-Za-z0-9_-]) and whose
// values are non-empty arrays of non-empty strings.
func ParseVPToken(b []byte) (VPToken, error) {
	v, err := strictjson.Decode(b)
	if err != nil {
		return nil, errorf(ErrInvalidResponse, "vp_token: %v", err)
	}
	return vpTokenFrom(v)
}

func vpTokenFrom(v any) (VPToken, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, errorf(ErrInvalidResponse, "vp_token is not a non-empty JSON object")
	}
	out := make(VPToken, len(m))
	for k, e := range m {
		if !validID(k) {
			return nil, errorf(ErrInvalidResponse, "vp_token key %q is no Credential Query id", truncate(k))
		}
		arr, ok := e.([]any)
		if !ok || len(arr) == 0 || len(arr) > MaxPresentationsPerQuery {
			return nil, errorf(ErrInvalidResponse, "vp_token[%q] is not a non-empty array", k)
		}
		for _, p := range arr {
			s, ok := p.(string)
			if !ok || s == "" {
				return nil, errorf(ErrInvalidResponse, "vp_token[%q] holds something other than a presentation string", k)
			}
			out[k] = append(out[k], s)
		}
	}
	return out, nil
}

func validID(s string) bool {
	if s == "" || len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// AuthorizationResponse is what a Wallet sends back (§8.1).
type AuthorizationResponse struct {
	VPToken VPToken `json:"vp_token"`
	// State echoes the request's state, when it had one.
	State string `json:"state,omitempty"`
}

// Form encodes the response for direct_post (§8.2): "vp_token" as the JSON
// object, "state" when set.
func (r AuthorizationResponse) Form() (url.Values, error) {
	b, err := json.Marshal(r.VPToken)
	if err != nil {
		return nil, errorf(ErrInvalidResponse, "encode vp_token: %v", err)
	}
	v := url.Values{"vp_token": {string(b)}}
	if r.State != "" {
		v.Set("state", r.State)
	}
	return v, nil
}

// EncryptedForm encodes the response for direct_post.jwt (§8.3, §8.3.1):
// the JSON of the response encrypted with ECDH-ES to the Verifier's key
// (with its kid in the header) as the one parameter "response".
func (r AuthorizationResponse) EncryptedForm(key *jose.EncryptionPublicKey, enc jose.Enc) (url.Values, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, errorf(ErrInvalidResponse, "encode response: %v", err)
	}
	jwe, err := jose.EncryptECDHES(b, key, enc, nil)
	if err != nil {
		return nil, err
	}
	return url.Values{"response": {jwe}}, nil
}

// Form encodes an error response for direct_post (§8.5), unencrypted even
// with direct_post.jwt (§8.3.1 allows it).
func (e *ErrorResponse) Form() url.Values {
	v := url.Values{"error": {e.Code}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	if e.State != "" {
		v.Set("state", e.State)
	}
	return v
}

// ResponseKeyID returns the "kid" of an encrypted response's JWE header, so
// that the Verifier can find the transaction and its key before decrypting.
// The form must hold exactly one "response".
func ResponseKeyID(form url.Values) (string, error) {
	vs := form["response"]
	if len(vs) != 1 {
		return "", errorf(ErrInvalidResponse, "want one response parameter, got %d", len(vs))
	}
	h, _, err := jose.ParseJWEHeader(vs[0], limits.MaxTokenBytes)
	if err != nil {
		return "", err
	}
	return h.Kid, nil
}

// ResponseExpectation is what the Verifier asked for.
type ResponseExpectation struct {
	// Mode is the request's response_mode.
	Mode string
	// Key decrypts direct_post.jwt responses: the ephemeral key of the
	// request. Required for that mode.
	Key *jose.EncryptionKey
	// Enc is the allow-list of "enc"; default A128GCM and A256GCM.
	Enc []jose.Enc
}

// ParseResponse reads a form posted to the response_uri (the Verifier
// side). In order: every parameter at most once (SECURITY.md F.47); an
// "error" parameter makes it an *ErrorResponse (returned as the error, in
// either mode); for direct_post.jwt, exactly the "response" parameter (a
// plain "vp_token" is ErrEncryptionRequired, SECURITY.md C.31), decrypted by
// jose.DecryptECDHES (ECDH-ES with Key, AES-GCM, no zip, the key's kid), its
// payload a strict JSON object; for direct_post, "vp_token" (and no
// "response"); then vp_token by ParseVPToken and state of URL-safe
// characters. Checking state, nonce and the presentations is the caller's.
func ParseResponse(form url.Values, exp ResponseExpectation) (*AuthorizationResponse, error) {
	total := 0
	for name, vs := range form {
		if len(vs) != 1 {
			return nil, errorf(ErrInvalidResponse, "%s given %d times", truncate(name), len(vs))
		}
		total += len(vs[0])
	}
	if total > limits.MaxTokenBytes+maxParamBytes {
		return nil, errorf(ErrTooLarge, "response of %d bytes", total)
	}
	if code := form.Get("error"); code != "" {
		e := &ErrorResponse{Code: code, Description: form.Get("error_description"), State: form.Get("state")}
		if !urlSafe(code) || len(e.Description) > maxParamBytes || e.State != "" && !urlSafe(e.State) {
			return nil, errorf(ErrInvalidResponse, "malformed error response")
		}
		return nil, e
	}
	var r AuthorizationResponse
	switch exp.Mode {
	case ResponseModeDirectPostJWT:
		if _, ok := form["vp_token"]; ok {
			return nil, ErrEncryptionRequired
		}
		jwe, ok := form["response"]
		if !ok {
			return nil, errorf(ErrInvalidResponse, "no response parameter")
		}
		if exp.Key == nil {
			return nil, errorf(ErrInvalidResponse, "no decryption key for direct_post.jwt")
		}
		allowed := exp.Enc
		if len(allowed) == 0 {
			allowed = []jose.Enc{jose.A128GCM, jose.A256GCM}
		}
		pt, err := jose.DecryptECDHES(jwe[0], exp.Key, allowed)
		if err != nil {
			return nil, err
		}
		v, err := strictjson.Decode(pt)
		if err != nil {
			return nil, errorf(ErrInvalidResponse, "decrypted response: %v", err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errorf(ErrInvalidResponse, "decrypted response is not a JSON object")
		}
		if err := checkNames(m); err != nil {
			return nil, errorf(ErrInvalidResponse, "%v", err)
		}
		vt, ok := m["vp_token"]
		if !ok {
			return nil, errorf(ErrInvalidResponse, "no vp_token")
		}
		if r.VPToken, err = vpTokenFrom(vt); err != nil {
			return nil, err
		}
		if s, ok := m["state"]; ok {
			if r.State, ok = s.(string); !ok {
				return nil, errorf(ErrInvalidResponse, "state is not a string")
			}
		}
	case ResponseModeDirectPost:
		if _, ok := form["response"]; ok {
			return nil, errorf(ErrInvalidResponse, "an encrypted response where direct_post was requested")
		}
		vt, ok := form["vp_token"]
		if !ok {
			return nil, errorf(ErrInvalidResponse, "no vp_token")
		}
		var err error
		if r.VPToken, err = ParseVPToken([]byte(vt[0])); err != nil {
			return nil, err
		}
		r.State = form.Get("state")
	default:
		return nil, errorf(ErrInvalidResponse, "unsupported response_mode %q", truncate(exp.Mode))
	}
	if r.State != "" && !urlSafe(r.State) {
		return nil, errorf(ErrInvalidResponse, "state not of URL-safe characters")
	}
	return &r, nil
}

// ResponseURIReply is the JSON a Response URI returns to the Wallet after
// processing a response (§8.2): HTTP 200, application/json, Cache-Control
// no-store.
type ResponseURIReply struct {
	// RedirectURI, when present, is where the Wallet MUST send the user
	// agent; it carries the response_code (§13.3, SECURITY.md C.30).
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// RedirectWithResponseCode returns base with "response_code=code" in its
// fragment (§8.2's example: "https://client.example.org/cb#response_code=…").
// base must be an absolute URL without a fragment.
func RedirectWithResponseCode(base, code string, pol URLPolicy) (string, error) {
	if _, err := checkURL(base, pol); err != nil {
		return "", err
	}
	if !urlSafe(code) || len(code) < 22 {
		return "", errorf(ErrInvalidRequest, "response_code must be URL-safe with at least 128 bits")
	}
	return base + "#response_code=" + code, nil
}

// ParseResponseURIReply reads the Response URI's JSON reply on the Wallet's
// side: a strict JSON object; unknown members are ignored (§8.2); a
// redirect_uri, when present, an absolute https URL (loopback http when
// allowed), fragment allowed.
func ParseResponseURIReply(b []byte, pol URLPolicy) (ResponseURIReply, error) {
	var r ResponseURIReply
	if len(b) > maxParamBytes*4 {
		return r, errorf(ErrTooLarge, "reply of %d bytes", len(b))
	}
	if err := decodeStrict(b, &r, ErrInvalidResponse); err != nil {
		return ResponseURIReply{}, err
	}
	if r.RedirectURI != "" {
		base, _, _ := strings.Cut(r.RedirectURI, "#")
		if _, err := checkURL(base, pol); err != nil {
			return ResponseURIReply{}, errorf(ErrInvalidResponse, "redirect_uri: %v", err)
		}
	}
	return r, nil
}
