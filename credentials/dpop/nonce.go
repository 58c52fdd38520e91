package dpop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Nonces makes and checks server-provided DPoP nonces (RFC 9449 §8, §9).
// They are stateless: base64url(expiry ‖ 12 random bytes ‖
// HMAC-SHA256(key, "dpop-nonce" ‖ expiry ‖ random)[:16]), so handing one
// out costs no write and every replica sharing the key accepts the
// others' nonces. A nonce is not single use (the jti cache stops replay);
// it bounds how long a proof made in advance stays usable. Safe for
// concurrent use.
type Nonces struct {
	key []byte
	ttl time.Duration
}

const (
	nonceRand = 12
	nonceMAC  = 16
	nonceLen  = 8 + nonceRand + nonceMAC
)

// NewNonces returns Nonces keyed with key (at least 32 bytes), valid for
// ttl (1 s to 10 minutes).
func NewNonces(key []byte, ttl time.Duration) (*Nonces, error) {
	if len(key) < 32 {
		return nil, errors.New("dpop: nonce key under 32 bytes")
	}
	if ttl < time.Second || ttl > 10*time.Minute {
		return nil, errors.New("dpop: nonce lifetime outside 1s..10m")
	}
	return &Nonces{key: append([]byte(nil), key...), ttl: ttl}, nil
}

func (n *Nonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte("dpop-nonce"))
	m.Write(b)
	return m.Sum(nil)[:nonceMAC]
}

// New returns a fresh nonce, valid from now for the lifetime.
func (n *Nonces) New(now time.Time) string {
	b := make([]byte, 8+nonceRand, nonceLen)
	binary.BigEndian.PutUint64(b, uint64(now.Add(n.ttl).Unix()))
	_, _ = rand.Read(b[8:])
	b = append(b, n.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Valid reports whether s is a nonce made with this key that has not
// expired at now.
func (n *Nonces) Valid(s string, now time.Time) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != nonceLen || !hmac.Equal(b[8+nonceRand:], n.mac(b[:8+nonceRand])) {
		return false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	return now.Before(exp) && exp.Sub(now) <= n.ttl+time.Second
}
