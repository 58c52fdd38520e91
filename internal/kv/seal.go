package kv

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Sealer encrypts records one by one with AES-256-GCM, binding each to its
// record id as associated data, so a record copied to another id, or
// flipped on disk, does not decrypt (SECURITY.md G.52). Safe for concurrent
// use.
type Sealer struct {
	aead cipher.AEAD
}

// sealVersion prefixes every sealed record, so the format can change.
const sealVersion = 1

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("kv: a sealing key is 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("kv: sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("kv: sealing key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext for recordID: version byte, random nonce,
// ciphertext and tag.
func (s *Sealer) Seal(recordID, plaintext []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("kv: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:1+ns], plaintext, recordID), nil
}

// Open decrypts a record sealed for recordID, or returns ErrCorrupt.
func (s *Sealer) Open(recordID, sealed []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrCorrupt
	}
	pt, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], recordID)
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// Lookup is a keyed index for sealed records: a store that keeps records
// sealed looks them up by HMAC-SHA256 of a value under a key derived from
// its secret, so the index reveals no code, nonce or id.
type Lookup struct{ key []byte }

// NewLookup derives the lookup key from secret with HKDF-SHA256 and info
// (which names the key's use, so that one secret gives unrelated keys).
func NewLookup(secret []byte, info string) (*Lookup, error) {
	k, err := hkdf.Key(sha256.New, secret, nil, info, 32)
	if err != nil {
		return nil, fmt.Errorf("kv: derive lookup key: %w", err)
	}
	return &Lookup{key: k}, nil
}

// Hash returns HMAC-SHA256 of kind, a zero byte and v: the index of v
// among the records of its kind.
func (l *Lookup) Hash(kind, v string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return m.Sum(nil)
}
