package jose

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ES256 (RFC 7518 §3.4) directly on crypto/ecdsa: the key is already a parsed
// *ecdsa.PublicKey, so going through jwx only cost a key conversion, an
// on-curve check with math/big, a hasher, two big.Int and an ASN.1 encoding
// per signature. Both functions do exactly what jwx's ES256 signer and
// verifier do (TestES256MatchesJWX, FuzzES256MatchesJWX).

// es256SigLen is the length of an ES256 signature: R and S, 32 bytes each,
// big-endian.
const es256SigLen = 64

// verifyES256 reports whether sig is a valid ES256 signature of input by pub.
// Like jwx, it demands exactly 64 bytes; like ecdsa.Verify, it refuses r or
// s of zero before any curve arithmetic. crypto/ecdsa checks the rest: r and
// s below the group order, and pub on the curve.
func verifyES256(pub *ecdsa.PublicKey, input, sig []byte) bool {
	if pub == nil || len(sig) != es256SigLen {
		return false
	}
	var buf [2 + 2*(2+33)]byte // SEQUENCE of two INTEGERs of at most 33 bytes
	der, ok := appendDERSignature(buf[:0], sig[:32], sig[32:])
	if !ok {
		return false
	}
	h := sha256.Sum256(input)
	return ecdsa.VerifyASN1(pub, h[:], der)
}

// appendDERSignature appends the DER SEQUENCE { INTEGER r, INTEGER s } of
// the big-endian unsigned r and s, as ecdsa.Verify builds it. It reports
// false when r or s is zero.
func appendDERSignature(dst, r, s []byte) ([]byte, bool) {
	r, s = trimZeros(r), trimZeros(s)
	if len(r) == 0 || len(s) == 0 {
		return dst, false
	}
	n := derIntLen(r) + derIntLen(s)
	dst = append(dst, 0x30, byte(n)) // n ≤ 70: the short form
	dst = appendDERInt(dst, r)
	return appendDERInt(dst, s), true
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derIntLen is the encoded length of the INTEGER of the non-empty unsigned
// b without leading zeros: a zero byte goes first when the top bit is set.
func derIntLen(b []byte) int {
	if b[0]&0x80 != 0 {
		return 2 + 1 + len(b)
	}
	return 2 + len(b)
}

func appendDERInt(dst, b []byte) []byte {
	if b[0]&0x80 != 0 {
		dst = append(dst, 0x02, byte(len(b)+1), 0)
	} else {
		dst = append(dst, 0x02, byte(len(b)))
	}
	return append(dst, b...)
}

var errES256Encoding = errors.New("ES256: signature is not DER of two integers of at most 32 bytes")

// appendSignES256 signs input with k and appends the 64-byte R || S
// signature to dst. The randomness and the signature are crypto/ecdsa's
// (SignASN1 with crypto/rand, hedged by the key), as through jwx.
func appendSignES256(dst []byte, k *ecdsa.PrivateKey, input []byte) ([]byte, error) {
	h := sha256.Sum256(input)
	der, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	if err != nil {
		return dst, err
	}
	var inner cryptobyte.String
	var r, s []byte
	in := cryptobyte.String(der)
	if !in.ReadASN1(&inner, asn1.SEQUENCE) || !in.Empty() ||
		!inner.ReadASN1Integer(&r) || !inner.ReadASN1Integer(&s) || !inner.Empty() ||
		len(r) > 32 || len(s) > 32 {
		return dst, errES256Encoding
	}
	var out [es256SigLen]byte
	copy(out[32-len(r):32], r)
	copy(out[64-len(s):], s)
	return append(dst, out[:]...), nil
}
