package consortium

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// Errors about the sealed signing key.
var (
	// ErrWrongPassphrase (SIG) reports a passphrase that does not open the
	// sealed signing key (or a sealed file that was changed).
	ErrWrongPassphrase = credentials.NewError(credentials.ErrSignature, "wrong passphrase for the signing key")
	// ErrBadSealedKey (FMT) reports a sealed key file that cannot be read,
	// or argon2id parameters outside the bounds.
	ErrBadSealedKey = credentials.NewError(credentials.ErrFormat, "malformed sealed signing key")
	// ErrShortPassphrase (FMT) reports a passphrase under MinPassphrase
	// bytes.
	ErrShortPassphrase = credentials.NewError(credentials.ErrFormat, "passphrase too short")
)

// MinPassphrase is the shortest passphrase accepted for a signing key.
const MinPassphrase = 12

// kdfParams are argon2id's (RFC 9106 §4, second recommended option: 3
// passes over 64 MiB, 4 lanes); a sealed file's parameters are checked
// against the bounds below before any work is done.
var kdfParams = sealedKey{Time: 3, MemoryKiB: 64 << 10, Threads: 4}

const (
	maxKDFTime   = 16
	minKDFMemory = 8 << 10
	maxKDFMemory = 1 << 20
	maxKDFCost   = 4 * 3 * (64 << 10)
	maxThreads   = 16
	sealedFormat = "paspoort-sealed-key-1"
)

// sealedKey is the stored form of a signing key sealed with a passphrase:
// argon2id turns the passphrase into a 32-byte key, AES-256-GCM (the
// kv.Sealer of every store) seals the private JWK, bound to its kid.
type sealedKey struct {
	Format    string `json:"format"`
	Kid       string `json:"kid"`
	Time      uint32 `json:"t"`
	MemoryKiB uint32 `json:"m"`
	Threads   uint8  `json:"p"`
	Salt      []byte `json:"salt"`
	Sealed    []byte `json:"sealed"`
}

func (s *sealedKey) check() error {
	if s.Format != sealedFormat || s.Kid == "" || len(s.Salt) != 16 ||
		s.Time < 1 || s.Time > maxKDFTime || s.MemoryKiB < minKDFMemory || s.MemoryKiB > maxKDFMemory ||
		s.Threads < 1 || s.Threads > maxThreads || uint64(s.Time)*uint64(s.MemoryKiB) > maxKDFCost {
		return fmt.Errorf("%w: format or argon2id parameters out of bounds", ErrBadSealedKey)
	}
	return nil
}

func (s *sealedKey) sealer(pass []byte) (*kv.Sealer, error) {
	k := argon2.IDKey(pass, s.Salt, s.Time, s.MemoryKiB, s.Threads, 32)
	defer clear(k)
	return kv.NewSealer(k)
}

func recordID(kid string) []byte { return []byte("paspoort consortium signing key " + kid) }

// SealKey returns key sealed with pass (at least MinPassphrase bytes), as
// JSON for a file of mode 0600.
func SealKey(key *jose.PrivateKey, pass []byte) ([]byte, error) {
	if len(pass) < MinPassphrase {
		return nil, fmt.Errorf("%w: at least %d characters", ErrShortPassphrase, MinPassphrase)
	}
	s := kdfParams
	s.Format, s.Kid, s.Salt = sealedFormat, key.KeyID(), make([]byte, 16)
	if _, err := rand.Read(s.Salt); err != nil {
		return nil, fmt.Errorf("salt: %w", err)
	}
	sl, err := s.sealer(pass)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	defer clear(plain)
	if s.Sealed, err = sl.Seal(recordID(s.Kid), plain); err != nil {
		return nil, err
	}
	return json.MarshalIndent(&s, "", "  ")
}

// OpenKey opens a key sealed by SealKey; ErrWrongPassphrase when pass is
// not the one it was sealed with.
func OpenKey(data, pass []byte) (*jose.PrivateKey, error) {
	var s sealedKey
	if err := strictjson.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSealedKey, err)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	sl, err := s.sealer(pass)
	if err != nil {
		return nil, err
	}
	plain, err := sl.Open(recordID(s.Kid), s.Sealed)
	if errors.Is(err, kv.ErrCorrupt) {
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		return nil, fmt.Errorf("open signing key: %w", err)
	}
	defer clear(plain)
	k, err := jose.ParsePrivateKey(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSealedKey, err)
	}
	if k.KeyID() != s.Kid {
		return nil, fmt.Errorf("%w: kid does not match", ErrBadSealedKey)
	}
	return k, nil
}
