package statuslist_test

import (
	"bytes"
	"compress/zlib"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// checkVector fails t unless l holds exactly the statuses of v: the listed
// ones, and 0 everywhere else.
func checkVector(t *testing.T, v vector, l *statuslist.List) {
	t.Helper()
	if l.Bits() != v.Bits || l.Len() != v.Size {
		t.Fatalf("Bits, Len = %d, %d; want %d, %d", l.Bits(), l.Len(), v.Bits, v.Size)
	}
	want := v.want(t)
	for i := range l.Len() {
		got, err := l.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if got != want[i] {
			t.Fatalf("status[%d] = %v, want %v", i, got, want[i])
		}
	}
}

// TestSpecVectors decodes every TSL vector to its exact statuses, then
// re-encodes it and decodes again (zlib output may differ from the spec's,
// so the round trip compares contents).
func TestSpecVectors(t *testing.T) {
	for _, name := range vectorFiles {
		t.Run(name, func(t *testing.T) {
			v := loadVector(t, name)
			l, err := statuslist.Decode(v.claim())
			if err != nil {
				t.Fatal(err)
			}
			checkVector(t, v, l)
			if v.Bytes != "" && !bytes.Equal(l.Bytes(), v.rawBytes(t)) {
				t.Fatalf("bytes = %x, want %s", l.Bytes(), v.Bytes)
			}
			c, err := l.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if c.Bits != v.Bits {
				t.Fatalf("encoded bits %d", c.Bits)
			}
			l2, err := statuslist.Decode(c)
			if err != nil {
				t.Fatal(err)
			}
			checkVector(t, v, l2)

			// Built from scratch with Set, the list decodes the same way.
			fresh, err := statuslist.New(v.Bits, v.Size)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range v.want(t) {
				if err := fresh.Set(i, s); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(fresh.Bytes(), l.Bytes()) {
				t.Fatal("a list built with Set differs from the decoded vector")
			}
		})
	}
}

func TestEncodeRoundTripAllBits(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		size := 8 * 1024
		l, _ := statuslist.New(bits, size)
		for i := 0; i < size; i += 37 {
			_ = l.Set(i, statuslist.Status(i%(1<<bits)))
		}
		c, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := statuslist.Decode(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), l.Bytes()) || got.Len() != size {
			t.Fatalf("bits %d: round trip differs", bits)
		}
	}
}

// TestEncodeIsZlib checks the encoding is a ZLIB stream (RFC 1950) at the
// best compression level: CMF 0x78, and FLEVEL 3 in FLG.
func TestEncodeIsZlib(t *testing.T) {
	l, _ := statuslist.New(1, 1024)
	c, _ := l.Encode()
	z, err := jose.DecodeSegment(c.Lst)
	if err != nil {
		t.Fatal(err)
	}
	if z[0] != 0x78 || z[1]>>6 != 3 {
		t.Fatalf("zlib header %x", z[:2])
	}
}

func TestDecodeNegativeVectors(t *testing.T) {
	for _, tc := range loadNegatives(t) {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := statuslist.Decode(statuslist.StatusListClaim{Bits: tc.Bits, Lst: tc.Lst})
			class, ok := classes[tc.Class]
			if !ok {
				t.Fatalf("unknown class %q", tc.Class)
			}
			wantErr(t, err, nil, class)
		})
	}
}

// zlibZeros compresses n zero bytes fast.
func zlibZeros(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	chunk := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeBomb feeds a ZLIB stream of a few tens of KB that inflates past
// limits.MaxStatusListBytes: LIMIT (SECURITY.md D.34). A list of exactly the
// limit is accepted.
func TestDecodeBomb(t *testing.T) {
	bomb := zlibZeros(t, limits.MaxStatusListBytes+1)
	if len(bomb) > limits.MaxStatusListBytes/100 {
		t.Fatalf("bomb is %d bytes, not a bomb", len(bomb))
	}
	_, err := statuslist.Decode(statuslist.StatusListClaim{Bits: 1, Lst: jose.EncodeSegment(bomb)})
	wantErr(t, err, statuslist.ErrTooLarge, credentials.ErrLimit)

	ok := zlibZeros(t, limits.MaxStatusListBytes)
	l, err := statuslist.Decode(statuslist.StatusListClaim{Bits: 8, Lst: jose.EncodeSegment(ok)})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != limits.MaxStatusListBytes {
		t.Fatalf("Len = %d", l.Len())
	}
}

func TestDecodeLoweredLimit(t *testing.T) {
	defer statuslist.SetMaxInflateBytes(1024)()
	_, err := statuslist.Decode(statuslist.StatusListClaim{Bits: 1, Lst: jose.EncodeSegment(zlibZeros(t, 1025))})
	wantErr(t, err, statuslist.ErrTooLarge, credentials.ErrLimit)
	if _, err := statuslist.Decode(statuslist.StatusListClaim{Bits: 1, Lst: jose.EncodeSegment(zlibZeros(t, 1024))}); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeOversizedLst refuses an lst too long to be any acceptable list
// before decoding it.
func TestDecodeOversizedLst(t *testing.T) {
	defer statuslist.SetMaxInflateBytes(1024)()
	_, err := statuslist.Decode(statuslist.StatusListClaim{Bits: 1, Lst: string(bytes.Repeat([]byte("A"), 8192))})
	wantErr(t, err, statuslist.ErrTooLarge, credentials.ErrLimit)
}
