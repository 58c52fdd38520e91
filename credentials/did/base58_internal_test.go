package did

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
)

func TestBase58Vectors(t *testing.T) {
	// draft-msporny-base58-03 §5 and the Bitcoin base58 test vectors.
	tests := []struct{ hex, b58 string }{
		{"", ""},
		{"00", "1"},
		{"0000", "11"},
		{"61", "2g"},
		{"626262", "a3gV"},
		{"636363", "aPEr"},
		{"00000000000000000000", "1111111111"},
		{"516b6fcd0f", "ABnLTmg"},
		{"572e4794", "3EFU7m"},
		{"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
		{"10c8511e", "Rt5zm"},
		{"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
		{hex.EncodeToString([]byte("Hello World!")), "2NEpo7TZRRrLZSi2U"},
		{hex.EncodeToString([]byte("The quick brown fox jumps over the lazy dog.")), "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"},
		{"0000287fb4cd", "11233QC4"},
	}
	for _, tt := range tests {
		b, _ := hex.DecodeString(tt.hex)
		if got := base58Encode(b); got != tt.b58 {
			t.Errorf("encode %s = %q, want %q", tt.hex, got, tt.b58)
		}
		got, err := base58Decode(tt.b58)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("decode %q = %x, %v; want %s", tt.b58, got, err, tt.hex)
		}
	}
}

func TestBase58RoundTrip(t *testing.T) {
	for n := 0; n < 64; n++ {
		b := make([]byte, n)
		rand.Read(b)
		if n%3 == 0 && n > 1 {
			b[0], b[1] = 0, 0
		}
		s := base58Encode(b)
		got, err := base58Decode(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x: %x, %v", b, got, err)
		}
	}
}

func TestBase58DecodeRefuses(t *testing.T) {
	for _, s := range []string{"0", "O", "I", "l", "abc+", "z z", "\x00", strings.Repeat("2", maxBase58Len+1)} {
		if _, err := base58Decode(s); err == nil {
			t.Errorf("base58Decode(%q) succeeded", s)
		}
	}
}
