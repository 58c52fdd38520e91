package did

import (
	"errors"
	"fmt"
)

// base58btc is the Bitcoin base58 alphabet (multibase prefix "z").
const base58btc = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// maxBase58Len bounds the input of base58Decode, in characters. The
// conversion is quadratic, and the longest value the package needs (a
// multicodec-prefixed P-256 key, 35 bytes) is 48 characters.
const maxBase58Len = 256

var errBase58 = errors.New("invalid base58btc")

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58btc); i++ {
		t[base58btc[i]] = int8(i)
	}
	return t
}()

// base58Encode encodes b in base58btc: each leading zero byte becomes a
// "1", the rest is the big-endian number written in base 58.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) < 1.37
	digits := make([]byte, 0, (len(b)-zeros)*137/100+1)
	for _, c := range b[zeros:] {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := 0; i < zeros; i++ {
		out[i] = '1'
	}
	for i, d := range digits {
		out[len(out)-1-i] = base58btc[d]
	}
	return string(out)
}

// base58Decode decodes a base58btc string of at most maxBase58Len
// characters. The encoding is bijective, so a decoded value re-encodes to s.
func base58Decode(s string) ([]byte, error) {
	if len(s) > maxBase58Len {
		return nil, fmt.Errorf("%w: longer than %d characters", errBase58, maxBase58Len)
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// log(58)/log(256) < 0.733
	num := make([]byte, 0, (len(s)-zeros)*733/1000+1) // little-endian
	for i := zeros; i < len(s); i++ {
		v := base58Index[s[i]]
		if v < 0 {
			return nil, fmt.Errorf("%w: character %q outside the alphabet", errBase58, s[i])
		}
		carry := int(v)
		for j := range num {
			carry += int(num[j]) * 58
			num[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append(num, byte(carry))
			carry >>= 8
		}
	}
	out := make([]byte, zeros+len(num))
	for i, b := range num {
		out[len(out)-1-i] = b
	}
	return out, nil
}
