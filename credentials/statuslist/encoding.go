package statuslist

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"

	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/limits"
)

// StatusListClaim is the JSON form of a Status List (TSL "Status List in
// JSON Format"), the value of the "status_list" claim of a Status List
// Token.
type StatusListClaim struct {
	// Bits is the number of bits per entry: 1, 2, 4 or 8.
	Bits int `json:"bits"`
	// Lst is the base64url (unpadded) ZLIB-compressed byte array.
	Lst string `json:"lst"`
	// AggregationURI is the optional URI of the Status List Aggregation.
	AggregationURI string `json:"aggregation_uri,omitempty"`
}

// maxInflateBytes is the inflate bound; a variable only so that tests can
// lower it (export_test.go).
var maxInflateBytes = limits.MaxStatusListBytes

// Encode compresses the list with DEFLATE in the ZLIB format at the best
// compression level (TSL "Compressed Byte Array" step 4, RFC 1950/1951) and
// returns its JSON form. The encoded form carries no entry count: a decoded
// list has Len = bytes*8/bits, which exceeds the original Len when the last
// byte is only partly used.
func (l *List) Encode() (StatusListClaim, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return StatusListClaim{}, fmt.Errorf("%w: zlib writer: %v", ErrBadArgument, err)
	}
	if _, err := w.Write(l.data); err != nil {
		return StatusListClaim{}, fmt.Errorf("%w: compress: %v", ErrBadArgument, err)
	}
	if err := w.Close(); err != nil {
		return StatusListClaim{}, fmt.Errorf("%w: compress: %v", ErrBadArgument, err)
	}
	return StatusListClaim{Bits: int(l.bits), Lst: jose.EncodeSegment(buf.Bytes())}, nil
}

// Decode returns the list a StatusListClaim carries. In order: bits must be
// 1, 2, 4 or 8 (ErrMalformed); lst must be canonical unpadded base64url
// (ErrMalformed) of a ZLIB stream (RFC 1950, no preset dictionary) whose
// DEFLATE data, checksum and end are intact with nothing after it
// (ErrMalformed); it must inflate to at least one byte and at most
// limits.MaxStatusListBytes (ErrTooLarge, SECURITY.md D.34: inflation stops
// at the bound, so a bomb costs no more than the bound).
// AggregationURI is not interpreted.
func Decode(c StatusListClaim) (*List, error) {
	if !validBits(c.Bits) {
		return nil, fmt.Errorf("%w: bits %d, want 1, 2, 4 or 8", ErrMalformed, c.Bits)
	}
	if c.Lst == "" {
		return nil, fmt.Errorf("%w: empty lst", ErrMalformed)
	}
	// A DEFLATE stream never needs to be much larger than its output
	// (stored blocks cost 5 bytes per 64 KiB), so an lst longer than the
	// encoding of the bound can only be refused.
	if len(c.Lst) > 4*(maxInflateBytes/3+maxInflateBytes/1024+64) {
		return nil, fmt.Errorf("%w: lst of %d characters", ErrTooLarge, len(c.Lst))
	}
	z, err := jose.DecodeSegment(c.Lst)
	if err != nil {
		return nil, fmt.Errorf("%w: lst: %w", ErrMalformed, err)
	}
	data, err := inflate(z)
	if err != nil {
		return nil, err
	}
	return newList(c.Bits, len(data)*8/c.Bits, data), nil
}

// inflate decompresses a ZLIB stream into at most maxInflateBytes bytes.
func inflate(z []byte) ([]byte, error) {
	br := bytes.NewReader(z)
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: lst is not a ZLIB stream: %v", ErrMalformed, err)
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(zr, int64(maxInflateBytes)+1))
	if err != nil { // truncated data, a bad block, a bad checksum
		return nil, fmt.Errorf("%w: lst: corrupt ZLIB stream: %v", ErrMalformed, err)
	}
	if n > int64(maxInflateBytes) {
		return nil, fmt.Errorf("%w: lst inflates past %d bytes", ErrTooLarge, maxInflateBytes)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: lst inflates to an empty list", ErrMalformed)
	}
	// bytes.Reader is an io.ByteReader, so the inflater read no further
	// than the end of the stream and its checksum: what is left is trailing
	// data, which has no meaning.
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: lst: %d bytes after the ZLIB stream", ErrMalformed, br.Len())
	}
	return out.Bytes(), nil
}
