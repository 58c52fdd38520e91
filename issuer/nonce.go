package issuer

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
)

// c_nonces are stateless until used: base64url(expiry ‖ 16 random bytes ‖
// HMAC-SHA256(nonce key, expiry ‖ random)[:16]). Handing one out costs no
// write; a nonce this issuer did not make (foreign), or one past its expiry,
// fails the MAC or the time check; a used one is recorded, in the same
// durable transaction that issues the credential, until it expires
// (SECURITY.md C.28).

const (
	nonceRandLen = 16
	nonceMACLen  = 16
	nonceLen     = 8 + nonceRandLen + nonceMACLen
	metaNonceKey = "nonce-key"
)

// loadNonceKey reads the nonce MAC key, creating it on first start. It is
// kept in the store (sealed) so that every replica and restart agrees.
func (is *Issuer) loadNonceKey(ctx context.Context) error {
	return is.store.Update(ctx, func(tx Tx) error {
		k, err := tx.Meta(metaNonceKey)
		if errors.Is(err, ErrNotFound) {
			k = make([]byte, 32)
			_, _ = rand.Read(k)
			err = tx.PutMeta(metaNonceKey, k)
		}
		if err != nil {
			return err
		}
		is.nonceKey = k
		return nil
	})
}

func (is *Issuer) nonceMAC(b []byte) []byte {
	m := hmac.New(sha256.New, is.nonceKey)
	m.Write(b)
	return m.Sum(nil)[:nonceMACLen]
}

// Nonce returns a fresh, unpredictable c_nonce (VCI §7), single use and
// valid for NonceTTL.
func (is *Issuer) Nonce(context.Context) (*oid4vci.NonceResponse, error) {
	b := make([]byte, 8+nonceRandLen, nonceLen)
	binary.BigEndian.PutUint64(b, uint64(is.now().Add(is.cfg.NonceTTL).Unix()))
	_, _ = rand.Read(b[8:])
	b = append(b, is.nonceMAC(b)...)
	return &oid4vci.NonceResponse{CNonce: base64.RawURLEncoding.EncodeToString(b)}, nil
}

// checkNonce returns the expiry of a c_nonce this issuer made and that has
// not expired, or ErrInvalidNonce.
func (is *Issuer) checkNonce(n string) (time.Time, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(n)
	if err != nil || len(b) != nonceLen || !hmac.Equal(b[8+nonceRandLen:], is.nonceMAC(b[:8+nonceRandLen])) {
		return time.Time{}, fmt.Errorf("%w: the c_nonce was not issued here", oid4vci.ErrInvalidNonce)
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	if !is.now().Before(exp) {
		return time.Time{}, fmt.Errorf("%w: the c_nonce has expired", oid4vci.ErrInvalidNonce)
	}
	return exp, nil
}
