package wallet

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// headerID is the id of the one KindHeader record.
const headerID = "header"

// headerVersion is the version of the header format.
const headerVersion = 1

// header is the unsealed wallet header. The data key is wrapped
// (AES-256-GCM) with the key-encryption key that argon2id derives from the
// passphrase; the associated data binds the wallet id and the KDF, so a
// header with altered parameters does not unwrap.
type header struct {
	Version    int       `json:"version"`
	WalletID   string    `json:"wallet_id"`
	Created    time.Time `json:"created"`
	KDF        kdf       `json:"kdf"`
	WrappedKey []byte    `json:"wrapped_key"`
}

func (h *header) aad() []byte {
	return append([]byte(fmt.Sprintf("paspoort-wallet-header/v%d|%s|", h.Version, h.WalletID)), h.KDF.aad()...)
}

// wrap seals dataKey under the key derived from passphrase with fresh KDF
// parameters p.
func (h *header) wrap(passphrase, dataKey []byte, p KDFParams) error {
	k, err := newKDF(p)
	if err != nil {
		return err
	}
	h.KDF = k
	kek := k.derive(passphrase)
	defer clear(kek)
	s, err := kv.NewSealer(kek)
	if err != nil {
		return fmt.Errorf("wallet: wrap key: %w", err)
	}
	h.WrappedKey, err = s.Seal(h.aad(), dataKey)
	return err
}

// unwrap returns the data key, or ErrWrongPassphrase.
func (h *header) unwrap(passphrase []byte) ([]byte, error) {
	kek := h.KDF.derive(passphrase)
	defer clear(kek)
	s, err := kv.NewSealer(kek)
	if err != nil {
		return nil, fmt.Errorf("wallet: unwrap key: %w", err)
	}
	dk, err := s.Open(h.aad(), h.WrappedKey)
	if err != nil || len(dk) != 32 {
		return nil, ErrWrongPassphrase
	}
	return dk, nil
}

// parseHeader decodes a stored header strictly and bounds its parameters
// before anything is derived from them.
func parseHeader(b []byte) (*header, error) {
	var h header
	if err := strictjson.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	if h.Version != headerVersion || h.WalletID == "" || len(h.WrappedKey) == 0 {
		return nil, fmt.Errorf("%w: version %d", ErrBadHeader, h.Version)
	}
	if err := h.KDF.check(); err != nil {
		return nil, err
	}
	return &h, nil
}

func (h *header) marshal() []byte {
	b, _ := json.Marshal(h) // plain values: cannot fail
	return b
}

// newDataKey returns 32 random bytes.
func newDataKey() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("wallet: data key: %w", err)
	}
	return k, nil
}
