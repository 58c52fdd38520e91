package did

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// jwkFragment is the one fragment of a did:jwk DID URL (did:jwk spec, "To
// create the DID URL").
const jwkFragment = "0"

// JWKFromKey returns the did:jwk DID of pub: "did:jwk:" and the base64url
// encoding of its public JWK members (kty, crv, x and y; no kid, alg or
// use), serialised with the members in lexicographic order, which is also
// the serialisation of the did:jwk spec's P-256 example. One key thus always
// has one did:jwk here, though the spec admits others.
func JWKFromKey(pub *jose.PublicKey) (string, error) {
	if pub == nil {
		return "", fmt.Errorf("%w: no key", jose.ErrInvalidKey)
	}
	b, err := json.Marshal(pub.Map()) // map keys are sorted
	if err != nil {
		return "", fmt.Errorf("did:jwk: encode JWK: %w", err)
	}
	return "did:" + MethodJWK + ":" + jose.EncodeSegment(b), nil
}

// ResolveJWK expands a did:jwk DID into its DID document, following the
// spec's Read operation: the method-specific id must be canonical unpadded
// base64url of a strict JSON object, which must be a public P-256 or
// Ed25519 JWK (jose.PublicKeyFromMap: "d" is refused with FMT, other key
// types with ALG). The document has one verification method "<did>#0" of
// type JsonWebKey2020 whose publicKeyJwk is the JWK as decoded. Per the
// spec, a JWK with "use":"sig" is referenced by every relationship but
// keyAgreement, one with "use":"enc" only by keyAgreement (so it can never
// verify a signature), one without "use" by all five. Any other "use" is
// refused with FMT.
func ResolveJWK(did string) (*Document, error) {
	d, err := Parse(did)
	if err != nil {
		return nil, err
	}
	if d.Method != MethodJWK {
		return nil, fmt.Errorf("%w: not a did:jwk", ErrInvalidDID)
	}
	raw, err := jose.DecodeSegment(d.ID)
	if err != nil {
		return nil, fmt.Errorf("did:jwk: %w", err)
	}
	var m map[string]any
	if err := strictjson.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("did:jwk: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("did:jwk: %w: not a JSON object", jose.ErrInvalidKey)
	}
	if _, ok := m["d"]; ok {
		return nil, fmt.Errorf("did:jwk: %w", jose.ErrPrivateKeyMaterial)
	}
	use := ""
	if v, ok := m["use"]; ok {
		s, ok := v.(string)
		if !ok || (s != "sig" && s != "enc") {
			return nil, fmt.Errorf("did:jwk: %w: \"use\" must be \"sig\" or \"enc\"", jose.ErrInvalidKey)
		}
		use = s
	}
	check := m
	if use == "enc" {
		// internal/jose accepts signature keys only; validate the key
		// material without "use".
		check = maps.Clone(m)
		delete(check, "use")
	}
	if _, err := jose.PublicKeyFromMap(check); err != nil {
		return nil, fmt.Errorf("did:jwk: %w", err)
	}
	id := did + "#" + jwkFragment
	doc := &Document{
		Context: json.RawMessage(`["https://www.w3.org/ns/did/v1","https://w3id.org/security/suites/jws-2020/v1"]`),
		ID:      did,
		VerificationMethod: []VerificationMethod{{
			ID:           id,
			Type:         "JsonWebKey2020",
			Controller:   did,
			PublicKeyJWK: m,
		}},
	}
	switch use {
	case "enc":
		doc.KeyAgreement = Refs(id)
	case "sig":
		doc.AssertionMethod, doc.Authentication = Refs(id), Refs(id)
		doc.CapabilityInvocation, doc.CapabilityDelegation = Refs(id), Refs(id)
	default:
		doc.AssertionMethod, doc.Authentication = Refs(id), Refs(id)
		doc.CapabilityInvocation, doc.CapabilityDelegation = Refs(id), Refs(id)
		doc.KeyAgreement = Refs(id)
	}
	return doc, nil
}

// IsJWKOf reports whether d is a did:jwk whose one key is key (compared as
// keys, not as strings, so any serialisation of the JWK counts). A
// credential whose iss is the did:jwk of its own cnf key is self-issued:
// the holder signed it for herself.
func IsJWKOf(d string, key *jose.PublicKey) bool {
	if key == nil || !strings.HasPrefix(d, "did:"+MethodJWK+":") {
		return false
	}
	doc, err := ResolveJWK(d)
	if err != nil || len(doc.VerificationMethod) != 1 {
		return false
	}
	k, err := jose.PublicKeyFromMap(doc.VerificationMethod[0].PublicKeyJWK)
	return err == nil && k.Equal(key)
}
