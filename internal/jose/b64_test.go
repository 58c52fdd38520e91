package jose_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/loopbrug/paspoort/internal/jose"
)

// FuzzAppendDecodeSegment checks that AppendDecodeSegment, which skips the
// byte-by-byte alphabet check, accepts and decodes exactly what
// DecodeSegment does, and leaves dst alone on error.
func FuzzAppendDecodeSegment(f *testing.F) {
	for _, s := range []string{"", "e30", "eyJhbGciOiJFUzI1NiJ9", "e3\n0", "e3\r0", "e30=", "e3+0", "e3/0",
		"e3 0", "e3\x000", "e31", "AB", "ABC", "ABCD", "A", "_-_-", "\xff\xfe", "e30\n", "\re30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantErr := jose.DecodeSegment(s)
		dst := []byte("pre")
		got, err := jose.AppendDecodeSegment(dst, s)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: AppendDecodeSegment err %v, DecodeSegment err %v", s, err, wantErr)
		}
		if err != nil {
			if !errors.Is(err, jose.ErrBase64) || string(got) != "pre" {
				t.Fatalf("%q: err %v, dst %q", s, err, got)
			}
			return
		}
		if !bytes.Equal(got[3:], want) || string(got[:3]) != "pre" {
			t.Fatalf("%q: got %x, want %x", s, got[3:], want)
		}
	})
}
