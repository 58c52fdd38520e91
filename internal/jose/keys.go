package jose

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/loopbrug/paspoort/internal/errclass"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Alg is a JWS signature algorithm (RFC 7518 §3.1, RFC 8037).
type Alg string

// The algorithms paspoort signs and verifies with. ES256 on P-256 is the
// default (HAIP); EdDSA on Ed25519 is supported.
const (
	ES256 Alg = "ES256"
	EdDSA Alg = "EdDSA"
)

// DefaultAlgs is the default allow-list: every algorithm paspoort supports.
var DefaultAlgs = []Alg{ES256, EdDSA}

// ParseAlg returns the Alg named s, compared case-sensitively.
func ParseAlg(s string) (Alg, error) {
	switch Alg(s) {
	case ES256, EdDSA:
		return Alg(s), nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnsupportedAlg, truncate(s))
}

// Errors about keys.
var (
	// ErrUnsupportedAlg reports an algorithm, key type or curve outside the
	// allow-list.
	ErrUnsupportedAlg = errclass.New(errclass.ErrAlg, "unsupported algorithm or key type")
	// ErrInvalidKey reports a malformed JWK: wrong member types or lengths, a
	// point off the curve, a private part that does not match the public one.
	ErrInvalidKey = errclass.New(errclass.ErrFormat, "invalid JWK")
	// ErrPrivateKeyMaterial reports private key material where only a public
	// key is allowed (a JWK with "d").
	ErrPrivateKeyMaterial = errclass.New(errclass.ErrFormat, "private key material in a public JWK")
)

// PublicKey is a verification key with exactly one algorithm.
type PublicKey struct {
	alg     Alg
	kid     string
	ec      *ecdsa.PublicKey
	ed      ed25519.PublicKey
	members map[string]any // the public JWK members, without kid/alg/use
	thumb   string
}

// PrivateKey is a signing key with exactly one algorithm. Its String and
// GoString never print key material.
type PrivateKey struct {
	pub *PublicKey
	kid string
	ec  *ecdsa.PrivateKey
	ed  ed25519.PrivateKey
}

// GenerateKey returns a new random key for alg. Its key ID is the RFC 7638
// thumbprint of the public key.
func GenerateKey(alg Alg) (*PrivateKey, error) {
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate P-256 key: %w", err)
		}
		return newPrivateEC(k)
	case EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate Ed25519 key: %w", err)
		}
		return newPrivateEd(k)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
}

// NewPrivateKey wraps a crypto key: *ecdsa.PrivateKey on P-256 or
// ed25519.PrivateKey.
func NewPrivateKey(k crypto.PrivateKey) (*PrivateKey, error) {
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return newPrivateEC(k)
	case ed25519.PrivateKey:
		return newPrivateEd(k)
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupportedAlg, k)
}

func newPrivateEC(k *ecdsa.PrivateKey) (*PrivateKey, error) {
	pub, err := NewPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{pub: pub, kid: pub.kid, ec: k}, nil
}

func newPrivateEd(k ed25519.PrivateKey) (*PrivateKey, error) {
	if len(k) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: Ed25519 private key length", ErrInvalidKey)
	}
	pub, err := NewPublicKey(k.Public())
	if err != nil {
		return nil, err
	}
	return &PrivateKey{pub: pub, kid: pub.kid, ed: k}, nil
}

// NewPublicKey wraps a crypto public key: *ecdsa.PublicKey on P-256 or
// ed25519.PublicKey. Its key ID is its RFC 7638 thumbprint.
func NewPublicKey(k crypto.PublicKey) (*PublicKey, error) {
	p := &PublicKey{}
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: only P-256 EC keys are supported", ErrUnsupportedAlg)
		}
		raw, err := k.Bytes() // uncompressed point; fails off the curve
		if err != nil || len(raw) != 65 {
			return nil, fmt.Errorf("%w: EC point", ErrInvalidKey)
		}
		p.alg, p.ec = ES256, k
		p.members = map[string]any{
			"kty": "EC", "crv": "P-256",
			"x": EncodeSegment(raw[1:33]), "y": EncodeSegment(raw[33:65]),
		}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: Ed25519 public key length", ErrInvalidKey)
		}
		p.alg, p.ed = EdDSA, slices.Clone(k)
		p.members = map[string]any{"kty": "OKP", "crv": "Ed25519", "x": EncodeSegment(k)}
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedAlg, k)
	}
	p.thumb = thumbprint(p.members)
	p.kid = p.thumb
	return p, nil
}

// ParsePublicKey parses a public JWK (RFC 7517). It refuses private key
// material, key types and curves other than EC P-256 and OKP Ed25519, an
// "alg" that does not fit the key, "use" other than "sig", coordinates of the
// wrong length and points off the curve. A "kid" member is kept as the key ID;
// without one the key ID is the RFC 7638 thumbprint.
func ParsePublicKey(data []byte) (*PublicKey, error) {
	m, err := decodeJWK(data)
	if err != nil {
		return nil, err
	}
	return PublicKeyFromMap(m)
}

// PublicKeyFromMap is ParsePublicKey for a JWK already decoded into a map (a
// "cnf.jwk" member, a did:jwk document).
func PublicKeyFromMap(m map[string]any) (*PublicKey, error) {
	if _, ok := m["d"]; ok {
		return nil, ErrPrivateKeyMaterial
	}
	pub, _, err := keyFromMembers(m)
	return pub, err
}

// ParsePrivateKey parses a private JWK. The private part must match the public
// one. A "kid" member is kept as the key ID.
func ParsePrivateKey(data []byte) (*PrivateKey, error) {
	m, err := decodeJWK(data)
	if err != nil {
		return nil, err
	}
	if _, ok := m["d"]; !ok {
		return nil, fmt.Errorf("%w: no private part \"d\"", ErrInvalidKey)
	}
	pub, priv, err := keyFromMembers(m)
	if err != nil {
		return nil, err
	}
	priv.pub = pub
	priv.kid = pub.kid
	return priv, nil
}

func decodeJWK(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := strictjson.Unmarshal(bytes.TrimSpace(data), &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidKey)
	}
	return m, nil
}

func member(m map[string]any, name string, wantLen int) ([]byte, error) {
	v, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("%w: missing %q", ErrInvalidKey, name)
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a string", ErrInvalidKey, name)
	}
	b, err := DecodeSegment(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidKey, name, err)
	}
	if len(b) != wantLen {
		return nil, fmt.Errorf("%w: %q has %d bytes, want %d", ErrInvalidKey, name, len(b), wantLen)
	}
	return b, nil
}

// memberInto is member for a coordinate of cap(dst) bytes, decoded into dst.
func memberInto(dst []byte, m map[string]any, name string) ([]byte, error) {
	v, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("%w: missing %q", ErrInvalidKey, name)
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a string", ErrInvalidKey, name)
	}
	b, err := AppendDecodeSegment(dst, s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidKey, name, err)
	}
	if len(b) != cap(dst) {
		return nil, fmt.Errorf("%w: %q has %d bytes, want %d", ErrInvalidKey, name, len(b), cap(dst))
	}
	return b, nil
}

func stringMember(m map[string]any, name string) (string, bool, error) {
	v, ok := m[name]
	if !ok {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", true, fmt.Errorf("%w: %q is not a string", ErrInvalidKey, name)
	}
	return s, true, nil
}

// keyFromMembers builds the public key and, when "d" is present, the private
// key. It validates the members first and hands the JWK to jwx only once it
// is known to be well-formed.
func keyFromMembers(m map[string]any) (*PublicKey, *PrivateKey, error) {
	kty, _, err := stringMember(m, "kty")
	if err != nil {
		return nil, nil, err
	}
	crv, _, err := stringMember(m, "crv")
	if err != nil {
		return nil, nil, err
	}
	var want Alg
	switch {
	case kty == "EC" && crv == "P-256":
		want = ES256
	case kty == "OKP" && crv == "Ed25519":
		want = EdDSA
	default:
		return nil, nil, fmt.Errorf("%w: kty %q crv %q", ErrUnsupportedAlg, truncate(kty), truncate(crv))
	}
	if alg, ok, err := stringMember(m, "alg"); err != nil {
		return nil, nil, err
	} else if ok && Alg(alg) != want {
		return nil, nil, fmt.Errorf("%w: alg %q does not fit a %s key", ErrUnsupportedAlg, truncate(alg), crv)
	}
	if use, ok, err := stringMember(m, "use"); err != nil {
		return nil, nil, err
	} else if ok && use != "sig" {
		return nil, nil, fmt.Errorf("%w: use %q is not \"sig\"", ErrInvalidKey, truncate(use))
	}
	kid, _, err := stringMember(m, "kid")
	if err != nil {
		return nil, nil, err
	}
	_, hasD := m["d"]

	var pub *PublicKey
	var priv *PrivateKey
	switch want {
	case ES256:
		// The coordinates are decoded straight into the point. A
		// coordinate longer than 32 bytes is decoded elsewhere and refused.
		var point [65]byte
		point[0] = 4
		if _, err := memberInto(point[1:1:33], m, "x"); err != nil {
			return nil, nil, err
		}
		if _, err := memberInto(point[33:33:65], m, "y"); err != nil {
			return nil, nil, err
		}
		ecPub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point[:])
		if err != nil {
			return nil, nil, fmt.Errorf("%w: point not on P-256", ErrInvalidKey)
		}
		// NewPublicKey without encoding the point again: x and y decoded
		// canonically (DecodeSegment), so they are their own encoding.
		pub = &PublicKey{alg: ES256, ec: ecPub, members: map[string]any{
			"kty": "EC", "crv": "P-256", "x": m["x"].(string), "y": m["y"].(string),
		}}
		pub.thumb = thumbprint(pub.members)
		pub.kid = pub.thumb
		if hasD {
			d, err := member(m, "d", 32)
			if err != nil {
				return nil, nil, err
			}
			k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: private scalar", ErrInvalidKey)
			}
			if !k.PublicKey.Equal(ecPub) {
				return nil, nil, fmt.Errorf("%w: private part does not match the public key", ErrInvalidKey)
			}
			priv = &PrivateKey{ec: k}
		}
	case EdDSA:
		x, err := member(m, "x", ed25519.PublicKeySize)
		if err != nil {
			return nil, nil, err
		}
		if pub, err = NewPublicKey(ed25519.PublicKey(x)); err != nil {
			return nil, nil, err
		}
		if hasD {
			d, err := member(m, "d", ed25519.SeedSize)
			if err != nil {
				return nil, nil, err
			}
			k := ed25519.NewKeyFromSeed(d)
			if !bytes.Equal(k.Public().(ed25519.PublicKey), x) {
				return nil, nil, fmt.Errorf("%w: private part does not match the public key", ErrInvalidKey)
			}
			priv = &PrivateKey{ed: k}
		}
	}
	if kid != "" {
		pub.kid = kid
	}
	return pub, priv, nil
}

// Alg returns the key's one algorithm.
func (k *PublicKey) Alg() Alg { return k.alg }

// KeyID returns the key ID: the JWK's "kid", or the RFC 7638 thumbprint.
func (k *PublicKey) KeyID() string { return k.kid }

// Thumbprint returns the RFC 7638 SHA-256 thumbprint, base64url-encoded.
func (k *PublicKey) Thumbprint() string { return k.thumb }

// Crypto returns the standard library key: *ecdsa.PublicKey or
// ed25519.PublicKey.
func (k *PublicKey) Crypto() crypto.PublicKey {
	if k.ec != nil {
		return k.ec
	}
	return k.ed
}

// Map returns the public JWK members (kty, crv, x, y) as a new map, for
// embedding in a "cnf" claim, a did:jwk or a JWKS. It carries no "kid", so
// that it reveals nothing beyond the key.
func (k *PublicKey) Map() map[string]any {
	out := make(map[string]any, len(k.members))
	for n, v := range k.members {
		out[n] = v
	}
	return out
}

// WithKeyID returns a copy of k whose key ID is kid (a DID URL, say).
func (k *PublicKey) WithKeyID(kid string) *PublicKey {
	c := *k
	c.kid = kid
	return &c
}

// Equal reports whether k and o are the same key, whatever their key IDs.
func (k *PublicKey) Equal(o *PublicKey) bool {
	return k != nil && o != nil && k.thumb == o.thumb
}

// MarshalJSON writes the public JWK with "kid" and "alg".
func (k *PublicKey) MarshalJSON() ([]byte, error) {
	m := k.Map()
	m["alg"] = string(k.alg)
	if k.kid != "" {
		m["kid"] = k.kid
	}
	return json.Marshal(m)
}

// Public returns the public half.
func (k *PrivateKey) Public() *PublicKey {
	if k.kid != k.pub.kid {
		return k.pub.WithKeyID(k.kid)
	}
	return k.pub
}

// Alg returns the key's one algorithm.
func (k *PrivateKey) Alg() Alg { return k.pub.alg }

// KeyID returns the key ID used in the "kid" header of what it signs.
func (k *PrivateKey) KeyID() string { return k.kid }

// WithKeyID returns a copy of k whose key ID is kid (a DID URL, say).
func (k *PrivateKey) WithKeyID(kid string) *PrivateKey {
	c := *k
	c.kid = kid
	return &c
}

// Signer returns the standard library signer: *ecdsa.PrivateKey or
// ed25519.PrivateKey.
func (k *PrivateKey) Signer() crypto.Signer {
	if k.ec != nil {
		return k.ec
	}
	return k.ed
}

// MarshalJSON writes the private JWK with "kid" and "alg".
func (k *PrivateKey) MarshalJSON() ([]byte, error) {
	m := k.pub.Map()
	m["alg"] = string(k.pub.alg)
	if k.kid != "" {
		m["kid"] = k.kid
	}
	if k.ec != nil {
		d, err := k.ec.Bytes()
		if err != nil {
			return nil, fmt.Errorf("encode private key: %w", err)
		}
		m["d"] = EncodeSegment(d)
	} else {
		m["d"] = EncodeSegment(k.ed.Seed())
	}
	return json.Marshal(m)
}

// String hides the key material.
func (k *PrivateKey) String() string {
	return fmt.Sprintf("jose.PrivateKey(%s, kid=%s)", k.pub.alg, k.kid)
}

// GoString hides the key material.
func (k *PrivateKey) GoString() string { return k.String() }

func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// thumbprint returns the RFC 7638 SHA-256 thumbprint of a public JWK whose
// required members (§3.2: crv, kty, x, y for EC; crv, kty, x for OKP) are
// base64url or fixed ASCII strings. Such strings need no JSON escaping, so
// the canonical form is their concatenation in lexicographic member order,
// without whitespace; TestThumbprintMatchesJWX checks it against jwx.
func thumbprint(m map[string]any) string {
	buf := make([]byte, 0, 160)
	buf = append(buf, `{"crv":"`...)
	buf = append(buf, m["crv"].(string)...)
	buf = append(buf, `","kty":"`...)
	buf = append(buf, m["kty"].(string)...)
	buf = append(buf, `","x":"`...)
	buf = append(buf, m["x"].(string)...)
	if y, ok := m["y"].(string); ok {
		buf = append(buf, `","y":"`...)
		buf = append(buf, y...)
	}
	buf = append(buf, `"}`...)
	sum := sha256.Sum256(buf)
	return EncodeSegment(sum[:])
}
