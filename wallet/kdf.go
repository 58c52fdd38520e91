package wallet

import (
	"crypto/rand"
	"encoding/json"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the argon2id parameters (RFC 9106) that turn a passphrase
// into a key-encryption key. They are stored with the wallet (and in the
// protected header of a backup) and checked against fixed bounds whenever
// they are read, so a tampered header cannot make unlocking cost gigabytes
// of memory or hours of time: each parameter has its bound, and so has
// their product (MaxKDFCost).
type KDFParams struct {
	// Time is the number of passes, 1 to MaxKDFTime.
	Time uint32 `json:"t"`
	// MemoryKiB is the memory in KiB, MinKDFMemoryKiB to MaxKDFMemoryKiB.
	MemoryKiB uint32 `json:"m"`
	// Threads is the parallelism, 1 to MaxKDFThreads.
	Threads uint8 `json:"p"`
}

// Bounds on KDFParams, checked on every read.
const (
	MaxKDFTime      = 16
	MinKDFMemoryKiB = 8 << 10
	MaxKDFMemoryKiB = 1 << 20
	MaxKDFThreads   = 16
	// MaxKDFCost bounds the total cost, Time × MemoryKiB, to 4 × the
	// default's (3 passes × 64 MiB): each bound above kept, a header could
	// still ask 16 passes over 1 GiB (over a minute and 1.1 GB before the
	// passphrase is even checked). At one pass this allows 768 MiB.
	MaxKDFCost = 4 * 3 * (64 << 10)
	// kdfSaltSize is the salt size, 16 bytes (RFC 9106 §3.1 recommends 128
	// bits).
	kdfSaltSize = 16
)

// DefaultKDFParams is RFC 9106 §4's second recommended option: t=3,
// 64 MiB, 4 lanes.
var DefaultKDFParams = KDFParams{Time: 3, MemoryKiB: 64 << 10, Threads: 4}

// Check reports whether p lies within the bounds, each parameter's and the
// total cost (MaxKDFCost); ErrBadHeader otherwise.
func (p KDFParams) Check() error {
	if p.Time < 1 || p.Time > MaxKDFTime || p.MemoryKiB < MinKDFMemoryKiB || p.MemoryKiB > MaxKDFMemoryKiB ||
		p.Threads < 1 || p.Threads > MaxKDFThreads || p.MemoryKiB < 8*uint32(p.Threads) {
		return fmt.Errorf("%w: argon2id t=%d m=%d p=%d", ErrBadHeader, p.Time, p.MemoryKiB, p.Threads)
	}
	if uint64(p.Time)*uint64(p.MemoryKiB) > MaxKDFCost {
		return fmt.Errorf("%w: argon2id t=%d m=%d costs more than %d KiB passes", ErrBadHeader, p.Time, p.MemoryKiB, MaxKDFCost)
	}
	return nil
}

// kdf is the stored form of the key derivation: algorithm, version,
// parameters and salt.
type kdf struct {
	Alg     string `json:"alg"`
	Version int    `json:"v"`
	KDFParams
	Salt []byte `json:"salt"`
}

const (
	kdfAlg     = "argon2id"
	kdfVersion = argon2.Version
)

func newKDF(p KDFParams) (kdf, error) {
	if err := p.Check(); err != nil {
		return kdf{}, err
	}
	salt := make([]byte, kdfSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return kdf{}, fmt.Errorf("wallet: salt: %w", err)
	}
	return kdf{Alg: kdfAlg, Version: kdfVersion, KDFParams: p, Salt: salt}, nil
}

// check bounds a kdf read from a header before any work is done with it.
func (k kdf) check() error {
	if k.Alg != kdfAlg || k.Version != kdfVersion || len(k.Salt) < kdfSaltSize || len(k.Salt) > 64 {
		return fmt.Errorf("%w: key derivation %q v%d", ErrBadHeader, k.Alg, k.Version)
	}
	return k.KDFParams.Check()
}

// derive returns the 32-byte key for passphrase.
func (k kdf) derive(passphrase []byte) []byte {
	return argon2.IDKey(passphrase, k.Salt, k.Time, k.MemoryKiB, k.Threads, 32)
}

// aad returns the canonical encoding of k, bound into what its key seals so
// that a changed parameter makes unwrapping fail.
func (k kdf) aad() []byte {
	b, _ := json.Marshal(k) // a struct of numbers, a string and bytes: cannot fail
	return b
}
