package jose

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unsafe"

	"github.com/loopbrug/paspoort/internal/errclass"
)

// ErrBase64 reports a segment that is not canonical unpadded base64url.
var ErrBase64 = errclass.New(errclass.ErrFormat, "invalid base64url")

var b64 = base64.RawURLEncoding.Strict()

// EncodeSegment encodes b as unpadded base64url (RFC 7515 §2).
func EncodeSegment(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// DecodeSegment decodes canonical unpadded base64url. Unlike the standard
// decoder it refuses CR and LF, padding, and non-zero trailing bits, so one
// value has one encoding (SECURITY.md A.8, C.27).
func DecodeSegment(s string) ([]byte, error) {
	if !IsBase64URL(s) {
		return nil, fmt.Errorf("%w: character outside the base64url alphabet", ErrBase64)
	}
	out, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	return out, nil
}

// AppendDecodeSegment decodes s as DecodeSegment does and appends the bytes
// to dst, so a caller decoding many segments can reuse one buffer.
func AppendDecodeSegment(dst []byte, s string) ([]byte, error) {
	// The decoder refuses every byte outside the alphabet except CR and LF,
	// which it skips: refusing those two first is IsBase64URL, without a
	// loop over every byte.
	if strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 {
		return dst, fmt.Errorf("%w: character outside the base64url alphabet", ErrBase64)
	}
	// The decoder only reads s: no copy of it is made.
	out, err := b64.AppendDecode(dst, unsafe.Slice(unsafe.StringData(s), len(s)))
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	return out, nil
}

// isB64URL marks the bytes of the base64url alphabet.
var isB64URL = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		t[c] = true
	}
	return t
}()

// IsBase64URL reports whether s uses only the base64url alphabet (no padding).
func IsBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isB64URL[s[i]] {
			return false
		}
	}
	return true
}
