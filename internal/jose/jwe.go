package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/loopbrug/paspoort/internal/errclass"
	"github.com/loopbrug/paspoort/internal/limits"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Enc is a JWE content encryption algorithm (RFC 7518 §5.1).
type Enc string

// The content encryption algorithms paspoort accepts: AES-GCM only
// (SECURITY.md A.6, HAIP). A128GCM is the OpenID4VP default when the
// Verifier's metadata names none.
const (
	A128GCM Enc = "A128GCM"
	A256GCM Enc = "A256GCM"
)

// The JWE key management algorithms paspoort uses.
const (
	// AlgECDHES is ECDH-ES direct key agreement (RFC 7518 §4.6) on P-256:
	// encrypted OpenID4VP responses (direct_post.jwt).
	AlgECDHES = "ECDH-ES"
	// AlgDir is direct encryption with a shared symmetric key (RFC 7518
	// §4.5): the wallet's own backup, with a key derived from a passphrase.
	AlgDir = "dir"
)

const (
	// MaxDecryptedBytes bounds the plaintext of an ECDH-ES JWE: 250 KB, as
	// draft-ietf-oauth-rfc8725bis §3.15 recommends for decompressed JWEs
	// (and compression is refused outright). Checked on the ciphertext
	// before decrypting (AES-GCM keeps the length) and on the result.
	MaxDecryptedBytes = 250_000
	// MaxBackupBytes bounds a dir JWE (a wallet backup) and its plaintext.
	MaxBackupBytes = 64 << 20
	// DirKeySize is the key size of a dir JWE: 32 bytes for A256GCM.
	DirKeySize = 32
)

// Errors about JWE.
var (
	// ErrJWEMalformed (FMT): not a compact JWE of five canonical base64url
	// segments with a strict JSON protected header, or a header missing a
	// member, or an encrypted key where the algorithm has none.
	ErrJWEMalformed = errclass.New(errclass.ErrFormat, "malformed compact JWE")
	// ErrJWEAlg (ALG): an "alg" other than the one expected (RSA-OAEP,
	// PBES2, AES key wrap…), an "enc" outside the allow-list (CBC, …), a
	// "zip" (compression is never accepted), a "crit", or an "epk" that is
	// not a P-256 public key.
	ErrJWEAlg = errclass.New(errclass.ErrAlg, "JWE algorithm not allowed")
	// ErrJWEKeyID (TRUST): the header "kid" is not the decryption key's
	// (a stale or foreign key).
	ErrJWEKeyID = errclass.New(errclass.ErrTrust, "JWE kid does not name the decryption key")
	// ErrDecrypt (SIG): the JWE does not decrypt with the key: a wrong key,
	// or tampered ciphertext, tag, IV or header. No detail is given (no
	// oracle, SECURITY.md H.55).
	ErrDecrypt = errclass.New(errclass.ErrSignature, "JWE decryption failed")
)

// EncryptionKey is an ephemeral P-256 key for ECDH-ES (a Verifier's
// response encryption key). It refuses signing ("use": "enc"); the signing
// keys of this package refuse it in turn. Its String hides the key.
type EncryptionKey struct {
	priv *ecdsa.PrivateKey
	pub  *EncryptionPublicKey
}

// EncryptionPublicKey is the public half of an EncryptionKey, as published
// in "client_metadata.jwks".
type EncryptionPublicKey struct {
	key   *ecdsa.PublicKey
	kid   string
	thumb string
}

// GenerateEncryptionKey returns a new P-256 ECDH-ES key whose key ID is the
// RFC 7638 thumbprint of its public key.
func GenerateEncryptionKey() (*EncryptionKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	pub, err := newEncryptionPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return &EncryptionKey{priv: k, pub: pub}, nil
}

func newEncryptionPublicKey(k *ecdsa.PublicKey) (*EncryptionPublicKey, error) {
	raw, err := k.Bytes()
	if err != nil || len(raw) != 65 || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: not a P-256 point", ErrInvalidKey)
	}
	p := &EncryptionPublicKey{key: k}
	// RFC 7638 §3.2: the required members in lexicographic order.
	tp := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + EncodeSegment(raw[1:33]) + `","y":"` + EncodeSegment(raw[33:]) + `"}`))
	p.thumb = EncodeSegment(tp[:])
	p.kid = p.thumb
	return p, nil
}

// ParseEncryptionKey parses a private ECDH-ES JWK (as MarshalJSON writes
// it): kty EC, crv P-256, "alg" ECDH-ES when present, "use" enc when present,
// and "d" matching the public point. A "kid" is kept.
func ParseEncryptionKey(data []byte) (*EncryptionKey, error) {
	m, err := decodeJWK(data)
	if err != nil {
		return nil, err
	}
	pub, err := encryptionKeyFromMap(m, true)
	if err != nil {
		return nil, err
	}
	d, err := member(m, "d", 32)
	if err != nil {
		return nil, err
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil || !k.PublicKey.Equal(pub.key) {
		return nil, fmt.Errorf("%w: private part does not match the public key", ErrInvalidKey)
	}
	return &EncryptionKey{priv: k, pub: pub}, nil
}

// ParseEncryptionPublicKey parses a public ECDH-ES JWK, as
// EncryptionPublicKeyFromMap does.
func ParseEncryptionPublicKey(data []byte) (*EncryptionPublicKey, error) {
	m, err := decodeJWK(data)
	if err != nil {
		return nil, err
	}
	return EncryptionPublicKeyFromMap(m)
}

// EncryptionPublicKeyFromMap takes a JWK from a "jwks" member: it must be
// kty EC on crv P-256 with "alg" ECDH-ES (OpenID4VP §8.3: "The alg parameter
// MUST be present in the JWKs"), "use" enc when present, no private part,
// and a point on the curve. A "kid" is kept as the key ID; without one the
// key ID is the RFC 7638 thumbprint.
func EncryptionPublicKeyFromMap(m map[string]any) (*EncryptionPublicKey, error) {
	if _, ok := m["d"]; ok {
		return nil, ErrPrivateKeyMaterial
	}
	return encryptionKeyFromMap(m, false)
}

func encryptionKeyFromMap(m map[string]any, private bool) (*EncryptionPublicKey, error) {
	kty, _, err := stringMember(m, "kty")
	if err != nil {
		return nil, err
	}
	crv, _, err := stringMember(m, "crv")
	if err != nil {
		return nil, err
	}
	if kty != "EC" || crv != "P-256" {
		return nil, fmt.Errorf("%w: kty %q crv %q for ECDH-ES", ErrUnsupportedAlg, truncate(kty), truncate(crv))
	}
	alg, ok, err := stringMember(m, "alg")
	if err != nil {
		return nil, err
	}
	if (ok || !private) && alg != AlgECDHES {
		return nil, fmt.Errorf("%w: alg %q, want %q", ErrUnsupportedAlg, truncate(alg), AlgECDHES)
	}
	if use, ok, err := stringMember(m, "use"); err != nil {
		return nil, err
	} else if ok && use != "enc" {
		return nil, fmt.Errorf("%w: use %q is not \"enc\"", ErrInvalidKey, truncate(use))
	}
	kid, _, err := stringMember(m, "kid")
	if err != nil {
		return nil, err
	}
	if len(kid) > limits.MaxKidBytes {
		return nil, fmt.Errorf("%w: kid too long", ErrInvalidKey)
	}
	x, err := member(m, "x", 32)
	if err != nil {
		return nil, err
	}
	y, err := member(m, "y", 32)
	if err != nil {
		return nil, err
	}
	point := append(append([]byte{4}, x...), y...)
	ecPub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("%w: point not on P-256", ErrInvalidKey)
	}
	pub, err := newEncryptionPublicKey(ecPub)
	if err != nil {
		return nil, err
	}
	if kid != "" {
		pub.kid = kid
	}
	return pub, nil
}

// Public returns the public half.
func (k *EncryptionKey) Public() *EncryptionPublicKey { return k.pub }

// KeyID returns the key ID.
func (k *EncryptionKey) KeyID() string { return k.pub.kid }

// WithKeyID returns a copy of k whose key ID is kid.
func (k *EncryptionKey) WithKeyID(kid string) *EncryptionKey {
	return &EncryptionKey{priv: k.priv, pub: k.pub.WithKeyID(kid)}
}

// MarshalJSON writes the private JWK (with "d"), for storing the key with
// its transaction; store it encrypted.
func (k *EncryptionKey) MarshalJSON() ([]byte, error) {
	m := k.pub.Map()
	d, err := k.priv.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	m["d"] = EncodeSegment(d)
	return json.Marshal(m)
}

// String hides the key material.
func (k *EncryptionKey) String() string {
	return "jose.EncryptionKey(ECDH-ES P-256, kid=" + k.pub.kid + ")"
}

// GoString hides the key material.
func (k *EncryptionKey) GoString() string { return k.String() }

// KeyID returns the key ID.
func (p *EncryptionPublicKey) KeyID() string { return p.kid }

// Thumbprint returns the RFC 7638 SHA-256 thumbprint, base64url-encoded.
func (p *EncryptionPublicKey) Thumbprint() string { return p.thumb }

// WithKeyID returns a copy of p whose key ID is kid.
func (p *EncryptionPublicKey) WithKeyID(kid string) *EncryptionPublicKey {
	c := *p
	c.kid = kid
	return &c
}

// Equal reports whether p and o are the same key, whatever their key IDs.
func (p *EncryptionPublicKey) Equal(o *EncryptionPublicKey) bool {
	return p != nil && o != nil && p.thumb == o.thumb
}

// Map returns the public JWK as a new map: kty, crv, x, y, "use": "enc",
// "alg": "ECDH-ES" and "kid", as a "jwks" entry in OpenID4VP client metadata
// needs them (§5.1, §8.3).
func (p *EncryptionPublicKey) Map() map[string]any {
	raw, _ := p.key.Bytes()
	return map[string]any{
		"kty": "EC", "crv": "P-256",
		"x": EncodeSegment(raw[1:33]), "y": EncodeSegment(raw[33:65]),
		"use": "enc", "alg": AlgECDHES, "kid": p.kid,
	}
}

// MarshalJSON writes the public JWK of Map.
func (p *EncryptionPublicKey) MarshalJSON() ([]byte, error) { return json.Marshal(p.Map()) }

// JWEHeader is the protected header of a compact JWE, read without
// decrypting (to find the key by "kid", or a backup's KDF parameters).
type JWEHeader struct {
	Alg string
	Enc Enc
	Kid string
	// Raw holds every member as decoded (numbers as json.Number).
	Raw map[string]any
}

// ParseJWEHeader checks the framing of a compact JWE and returns its
// protected header, without decrypting. In order: the size limit (maxBytes,
// before anything is split), exactly five segments of the base64url
// alphabet, a protected header that is a JSON object without duplicate
// members, with string "alg" and "enc", and a string "kid" when present.
// Algorithms are not checked here.
func ParseJWEHeader(compact string, maxBytes int) (JWEHeader, []string, error) {
	if len(compact) > maxBytes {
		return JWEHeader{}, nil, fmt.Errorf("%w: JWE of %d bytes", ErrTooLarge, len(compact))
	}
	if n := strings.Count(compact, "."); n != 4 {
		if n == 2 {
			return JWEHeader{}, nil, fmt.Errorf("%w: a JWS where a JWE is expected", ErrJWEMalformed)
		}
		return JWEHeader{}, nil, fmt.Errorf("%w: %d segments, want 5", ErrJWEMalformed, n+1)
	}
	segs := strings.Split(compact, ".")
	for i, s := range segs {
		if !IsBase64URL(s) {
			return JWEHeader{}, nil, fmt.Errorf("%w: segment %d: %w", ErrJWEMalformed, i+1, ErrBase64)
		}
	}
	hb, err := DecodeSegment(segs[0])
	if err != nil || len(hb) == 0 {
		return JWEHeader{}, nil, fmt.Errorf("%w: protected header: %w", ErrJWEMalformed, errors.Join(err, ErrBase64))
	}
	var raw map[string]any
	if err := strictjson.Unmarshal(hb, &raw); err != nil || raw == nil {
		return JWEHeader{}, nil, fmt.Errorf("%w: protected header is not a strict JSON object", ErrJWEMalformed)
	}
	h := JWEHeader{Raw: raw}
	var ok bool
	if h.Alg, ok = raw["alg"].(string); !ok {
		return JWEHeader{}, nil, fmt.Errorf("%w: no string \"alg\"", ErrJWEMalformed)
	}
	enc, ok := raw["enc"].(string)
	if !ok {
		return JWEHeader{}, nil, fmt.Errorf("%w: no string \"enc\"", ErrJWEMalformed)
	}
	h.Enc = Enc(enc)
	if v, present := raw["kid"]; present {
		if h.Kid, ok = v.(string); !ok {
			return JWEHeader{}, nil, fmt.Errorf("%w: \"kid\" is not a string", ErrJWEMalformed)
		}
		if len(h.Kid) > limits.MaxKidBytes {
			return JWEHeader{}, nil, fmt.Errorf("%w: \"kid\" too long", ErrTooLarge)
		}
	}
	return h, segs, nil
}

// checkJWE applies the allow-lists to a parsed header: exactly alg, enc on
// allowed (and A128GCM or A256GCM), no "zip", no "crit", no PBES2 members,
// an empty encrypted key, and a ciphertext within maxPlain.
func checkJWE(h JWEHeader, segs []string, alg string, allowed []Enc, maxPlain int) error {
	if h.Alg != alg {
		return fmt.Errorf("%w: alg %q, want %q", ErrJWEAlg, truncate(h.Alg), alg)
	}
	if h.Enc != A128GCM && h.Enc != A256GCM || !slices.Contains(allowed, h.Enc) {
		return fmt.Errorf("%w: enc %q", ErrJWEAlg, truncate(string(h.Enc)))
	}
	for _, name := range []string{"zip", "crit", "p2c", "p2s"} {
		if _, ok := h.Raw[name]; ok {
			return fmt.Errorf("%w: header %q refused", ErrJWEAlg, name)
		}
	}
	if segs[1] != "" {
		return fmt.Errorf("%w: %s has no encrypted key", ErrJWEMalformed, alg)
	}
	if len(segs[2]) != 16 || segs[4] == "" { // a 96-bit IV; a tag
		return fmt.Errorf("%w: IV or tag", ErrJWEMalformed)
	}
	if len(segs[3])/4*3 > maxPlain {
		return fmt.Errorf("%w: ciphertext over %d bytes", ErrTooLarge, maxPlain)
	}
	return nil
}

func reservedHeader(extra map[string]any) error {
	for name := range extra {
		switch name {
		case "alg", "enc", "zip", "epk", "kid", "crit", "p2c", "p2s", "apu", "apv", "jwk", "jku", "x5u", "x5c":
			return fmt.Errorf("%w: extra header may not set %q", ErrJWEMalformed, name)
		}
	}
	return nil
}

func encrypterOptions(extra map[string]any) *gojose.EncrypterOptions {
	opts := &gojose.EncrypterOptions{}
	for n, v := range extra {
		opts.WithHeader(gojose.HeaderKey(n), v)
	}
	return opts
}

// EncryptECDHES encrypts plaintext to a recipient's P-256 key with ECDH-ES
// and a fresh ephemeral P-256 key, in the compact serialisation, without
// compression. The header carries "alg", "enc", "epk" and the recipient key's
// "kid" (OpenID4VP §8.3: the JWE MUST include the selected key's kid), plus
// the members of extra, which may not set those nor any other
// algorithm-related member. enc must be A128GCM or A256GCM.
func EncryptECDHES(plaintext []byte, recipient *EncryptionPublicKey, enc Enc, extra map[string]any) (string, error) {
	if recipient == nil {
		return "", fmt.Errorf("%w: no recipient key", ErrInvalidKey)
	}
	if enc != A128GCM && enc != A256GCM {
		return "", fmt.Errorf("%w: enc %q", ErrJWEAlg, truncate(string(enc)))
	}
	if len(plaintext) > MaxDecryptedBytes {
		return "", fmt.Errorf("%w: plaintext over %d bytes", ErrTooLarge, MaxDecryptedBytes)
	}
	if err := reservedHeader(extra); err != nil {
		return "", err
	}
	e, err := gojose.NewEncrypter(gojose.ContentEncryption(enc),
		gojose.Recipient{Algorithm: gojose.ECDH_ES, Key: recipient.key, KeyID: recipient.kid},
		encrypterOptions(extra))
	if err != nil {
		return "", fmt.Errorf("ECDH-ES encrypter: %w", err)
	}
	obj, err := e.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("ECDH-ES encrypt: %w", err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("serialise JWE: %w", err)
	}
	return out, nil
}

// DecryptECDHES decrypts a compact ECDH-ES JWE with key. In order
// (SECURITY.md A.6, A.7, A.9, C.31): size (limits.MaxTokenBytes) before
// splitting; five canonical base64url segments; a strict JSON protected
// header; "alg" exactly ECDH-ES (RSA-OAEP, PBES2, key wrapping and the rest
// are refused before any key work); "enc" on allowedEnc and AES-GCM (CBC is
// refused); no "zip" (no decompression ever happens), "crit", "p2c" or
// "p2s"; an empty encrypted key; a ciphertext within MaxDecryptedBytes; a
// "kid" equal to the key's ID (a missing or stale kid is refused); an "epk"
// that is a P-256 public key on the curve; then decryption, whose failure is
// ErrDecrypt without detail.
func DecryptECDHES(compact string, key *EncryptionKey, allowedEnc []Enc) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: no decryption key", ErrInvalidKey)
	}
	h, segs, err := ParseJWEHeader(compact, limits.MaxTokenBytes)
	if err != nil {
		return nil, err
	}
	if err := checkJWE(h, segs, AlgECDHES, allowedEnc, MaxDecryptedBytes); err != nil {
		return nil, err
	}
	if h.Kid != key.pub.kid {
		return nil, fmt.Errorf("%w: %q", ErrJWEKeyID, truncate(h.Kid))
	}
	epk, ok := h.Raw["epk"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: no \"epk\" object", ErrJWEMalformed)
	}
	if _, err := epkKey(epk); err != nil {
		return nil, err
	}
	obj, err := gojose.ParseEncryptedCompact(compact, []gojose.KeyAlgorithm{gojose.ECDH_ES}, []gojose.ContentEncryption{gojose.ContentEncryption(h.Enc)})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJWEMalformed, err)
	}
	pt, err := obj.Decrypt(key.priv)
	if err != nil {
		return nil, ErrDecrypt
	}
	if len(pt) > MaxDecryptedBytes {
		return nil, fmt.Errorf("%w: plaintext over %d bytes", ErrTooLarge, MaxDecryptedBytes)
	}
	return pt, nil
}

// epkKey checks an "epk": kty EC, crv P-256, no private part, canonical
// 32-byte coordinates of a point on the curve (SECURITY.md A.5).
func epkKey(m map[string]any) (*ecdsa.PublicKey, error) {
	if _, ok := m["d"]; ok {
		return nil, fmt.Errorf("%w: private key in \"epk\"", ErrJWEMalformed)
	}
	kty, _ := m["kty"].(string)
	crv, _ := m["crv"].(string)
	if kty != "EC" || crv != "P-256" {
		return nil, fmt.Errorf("%w: \"epk\" is not a P-256 key", ErrJWEAlg)
	}
	x, err := member(m, "x", 32)
	if err != nil {
		return nil, fmt.Errorf("%w: \"epk\": %w", ErrJWEMalformed, err)
	}
	y, err := member(m, "y", 32)
	if err != nil {
		return nil, fmt.Errorf("%w: \"epk\": %w", ErrJWEMalformed, err)
	}
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, fmt.Errorf("%w: \"epk\" not on P-256", ErrJWEMalformed)
	}
	return k, nil
}

// EncryptWithKey encrypts plaintext (up to MaxBackupBytes) with a 32-byte
// symmetric key: alg "dir", enc A256GCM, compact serialisation, no
// compression. extraProtected goes into the protected header (the wallet puts
// its argon2id parameters there, read back with ParseJWEHeader before the
// key is derived); it may not set algorithm-related members.
func EncryptWithKey(plaintext, key []byte, extraProtected map[string]any) (string, error) {
	if len(key) != DirKeySize {
		return "", fmt.Errorf("%w: dir key of %d bytes, want %d", ErrInvalidKey, len(key), DirKeySize)
	}
	if len(plaintext) > MaxBackupBytes {
		return "", fmt.Errorf("%w: plaintext over %d bytes", ErrTooLarge, MaxBackupBytes)
	}
	if err := reservedHeader(extraProtected); err != nil {
		return "", err
	}
	e, err := gojose.NewEncrypter(gojose.A256GCM, gojose.Recipient{Algorithm: gojose.DIRECT, Key: bytes.Clone(key)}, encrypterOptions(extraProtected))
	if err != nil {
		return "", fmt.Errorf("dir encrypter: %w", err)
	}
	obj, err := e.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("dir encrypt: %w", err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("serialise JWE: %w", err)
	}
	return out, nil
}

// DecryptWithKey decrypts what EncryptWithKey wrote: the same checks as
// DecryptECDHES, with "alg" exactly "dir", "enc" exactly A256GCM, no "zip",
// and MaxBackupBytes as the size bound. A wrong key or any tampering is
// ErrDecrypt.
func DecryptWithKey(compact string, key []byte) ([]byte, error) {
	if len(key) != DirKeySize {
		return nil, fmt.Errorf("%w: dir key of %d bytes, want %d", ErrInvalidKey, len(key), DirKeySize)
	}
	h, segs, err := ParseJWEHeader(compact, MaxBackupBytes*4/3+4096)
	if err != nil {
		return nil, err
	}
	if err := checkJWE(h, segs, AlgDir, []Enc{A256GCM}, MaxBackupBytes); err != nil {
		return nil, err
	}
	obj, err := gojose.ParseEncryptedCompact(compact, []gojose.KeyAlgorithm{gojose.DIRECT}, []gojose.ContentEncryption{gojose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJWEMalformed, err)
	}
	pt, err := obj.Decrypt(bytes.Clone(key))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}
