package did

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/loopbrug/paspoort/internal/jose"
)

// Multicodec codes of the public key types paspoort supports
// (multiformats/multicodec table.csv).
const (
	codecEd25519Pub = 0xed   // ed25519-pub, 32 bytes
	codecP256Pub    = 0x1200 // p256-pub, 33-byte compressed point
)

// maxVarintLen bounds the multicodec header; both codes fit in two bytes.
const maxVarintLen = 4

// KeyFromPublic returns the did:key DID of pub: "did:key:" and the
// multibase (base58btc, "z") encoding of the multicodec header and the raw
// key — 32 bytes for Ed25519, the 33-byte SEC 1 compressed point for P-256.
func KeyFromPublic(pub *jose.PublicKey) (string, error) {
	mb, err := encodeMultikey(pub)
	if err != nil {
		return "", err
	}
	return "did:" + MethodKey + ":" + mb, nil
}

// ResolveKey expands a did:key DID into its DID document (did:key spec,
// "Document Creation Algorithm", with publicKeyFormat Multikey and no
// encryption key derivation). Only the three-component form is accepted (a
// version component is refused); the multibase value must be base58btc
// ("z") of a minimal multicodec varint for ed25519-pub or p256-pub followed
// by a key of the exact length, and a P-256 point must be on the curve.
// Failures are ErrInvalidMultikey (FMT). The one verification method
// "<did>#<multibase value>" is referenced by authentication,
// assertionMethod, capabilityInvocation and capabilityDelegation.
func ResolveKey(did string) (*Document, error) {
	d, err := Parse(did)
	if err != nil {
		return nil, err
	}
	if d.Method != MethodKey {
		return nil, fmt.Errorf("%w: not a did:key", ErrInvalidDID)
	}
	if _, err := decodeMultikey(d.ID); err != nil {
		return nil, err
	}
	id := did + "#" + d.ID
	doc := &Document{
		Context: json.RawMessage(`["https://www.w3.org/ns/did/v1","https://w3id.org/security/multikey/v1"]`),
		ID:      did,
		VerificationMethod: []VerificationMethod{{
			ID:                 id,
			Type:               "Multikey",
			Controller:         did,
			PublicKeyMultibase: d.ID,
		}},
		Authentication:       Refs(id),
		AssertionMethod:      Refs(id),
		CapabilityInvocation: Refs(id),
		CapabilityDelegation: Refs(id),
	}
	return doc, nil
}

// encodeMultikey returns the multibase Multikey encoding of pub.
func encodeMultikey(pub *jose.PublicKey) (string, error) {
	if pub == nil {
		return "", fmt.Errorf("%w: no key", jose.ErrInvalidKey)
	}
	var buf []byte
	switch k := pub.Crypto().(type) {
	case ed25519.PublicKey:
		buf = binary.AppendUvarint(buf, codecEd25519Pub)
		buf = append(buf, k...)
	case *ecdsa.PublicKey:
		raw, err := k.Bytes() // 0x04 ‖ x ‖ y
		if err != nil || len(raw) != 65 {
			return "", fmt.Errorf("%w: EC point", jose.ErrInvalidKey)
		}
		buf = binary.AppendUvarint(buf, codecP256Pub)
		buf = append(buf, 2+raw[64]&1) // SEC 1 §2.3.3 compressed form
		buf = append(buf, raw[1:33]...)
	default:
		return "", fmt.Errorf("%w: %T", jose.ErrUnsupportedAlg, k)
	}
	return "z" + base58Encode(buf), nil
}

// decodeMultikey decodes a multibase Multikey value into a public key.
func decodeMultikey(mb string) (*jose.PublicKey, error) {
	if len(mb) < 2 || mb[0] != 'z' {
		return nil, fmt.Errorf("%w: multibase prefix must be \"z\" (base58btc)", ErrInvalidMultikey)
	}
	b, err := base58Decode(mb[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMultikey, err)
	}
	code, n := binary.Uvarint(b)
	if n <= 0 || n > maxVarintLen || n != len(binary.AppendUvarint(nil, code)) {
		return nil, fmt.Errorf("%w: malformed multicodec varint", ErrInvalidMultikey)
	}
	raw := b[n:]
	switch code {
	case codecEd25519Pub:
		if len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: ed25519-pub key has %d bytes, want 32", ErrInvalidMultikey, len(raw))
		}
		pub, err := jose.NewPublicKey(ed25519.PublicKey(raw))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidMultikey, err)
		}
		return pub, nil
	case codecP256Pub:
		if len(raw) != 33 {
			return nil, fmt.Errorf("%w: p256-pub key has %d bytes, want 33", ErrInvalidMultikey, len(raw))
		}
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), raw)
		if x == nil {
			return nil, fmt.Errorf("%w: not a compressed point on P-256", ErrInvalidMultikey)
		}
		point := make([]byte, 65)
		point[0] = 4
		x.FillBytes(point[1:33])
		y.FillBytes(point[33:65])
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			return nil, fmt.Errorf("%w: not a point on P-256", ErrInvalidMultikey)
		}
		pub, err := jose.NewPublicKey(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidMultikey, err)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("%w: unsupported multicodec 0x%x", ErrInvalidMultikey, code)
}
