package issuer

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/loopbrug/paspoort/internal/kv"
)

// RecordKeys are the keys a Store derives from the issuer's 32-byte
// master key to protect what it keeps, whichever database it keeps it in:
// Sealer seals every record (AES-256-GCM bound to the record's id,
// SECURITY.md G.52), and Lookup keys the index of a secret (a code hash, a
// token hash, a c_nonce hash) so that a shared database holds a keyed
// hash of it, never the value. Both stores derive the sealing key the same
// way. Safe for concurrent use.
type RecordKeys struct {
	Sealer *kv.Sealer
	lookup *kv.Lookup
}

// NewRecordKeys derives the record keys from the master key.
func NewRecordKeys(masterKey []byte) (*RecordKeys, error) {
	if len(masterKey) != 32 {
		return nil, errors.New("issuer: the master key must be 32 bytes")
	}
	sealKey, err := hkdf.Key(sha256.New, masterKey, nil, "paspoort issuer record sealing key", 32)
	if err != nil {
		return nil, fmt.Errorf("issuer: derive keys: %w", err)
	}
	lookup, err := kv.NewLookup(masterKey, "paspoort issuer lookup key")
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	sealer, err := kv.NewSealer(sealKey)
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	return &RecordKeys{Sealer: sealer, lookup: lookup}, nil
}

// Lookup returns HMAC-SHA256 under the lookup key of kind and v: the
// index of v among the records of its kind.
func (k *RecordKeys) Lookup(kind, v string) []byte { return k.lookup.Hash(kind, v) }
