package statuslist

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/loopbrug/paspoort/internal/limits"
)

// List is a Status List: Len entries of Bits bits each, packed LSB-first
// into a byte array (TSL "Compressed Byte Array" steps 1-3).
//
// Thread Safety: a List is safe for concurrent reads (Get, Len, Bits, Bytes,
// Encode). Set must not run concurrently with any other method; an issuer
// that updates a list from several goroutines guards it with its own lock.
type List struct {
	bits  uint8  // 1, 2, 4 or 8
	shift uint8  // log2(8/bits): idx>>shift is the byte of idx
	size  int    // number of entries
	data  []byte // ceil(size*bits/8) bytes
}

// validBits reports whether b is one of the TSL's bit sizes.
func validBits(b int) bool { return b == 1 || b == 2 || b == 4 || b == 8 }

// MaxEntries returns the largest number of entries a list with the given
// bits may have: one whose byte array is limits.MaxStatusListBytes long, the
// largest this package inflates. It returns 0 for an invalid bits.
func MaxEntries(bitsPerEntry int) int {
	if !validBits(bitsPerEntry) {
		return 0
	}
	return limits.MaxStatusListBytes * 8 / bitsPerEntry
}

// New returns a list of size entries of bitsPerEntry bits each, all VALID
// (0). bitsPerEntry must be 1, 2, 4 or 8 (ErrMalformed); size must be
// positive (ErrBadArgument) and at most MaxEntries(bitsPerEntry)
// (ErrTooLarge). The TSL recommends sizes with size*bits divisible by 8.
func New(bitsPerEntry, size int) (*List, error) {
	if !validBits(bitsPerEntry) {
		return nil, fmt.Errorf("%w: bits %d, want 1, 2, 4 or 8", ErrMalformed, bitsPerEntry)
	}
	if size <= 0 {
		return nil, fmt.Errorf("%w: size %d, want a positive number of entries", ErrBadArgument, size)
	}
	if size > MaxEntries(bitsPerEntry) {
		return nil, fmt.Errorf("%w: %d entries of %d bits, at most %d", ErrTooLarge, size, bitsPerEntry, MaxEntries(bitsPerEntry))
	}
	n := (size*bitsPerEntry + 7) / 8
	return newList(bitsPerEntry, size, make([]byte, n)), nil
}

// FromBytes returns a list over a copy of the uncompressed byte array b with
// bitsPerEntry bits per entry, as stored by an issuer (see Bytes). Its Len is
// len(b)*8/bitsPerEntry.
func FromBytes(bitsPerEntry int, b []byte) (*List, error) {
	if !validBits(bitsPerEntry) {
		return nil, fmt.Errorf("%w: bits %d, want 1, 2, 4 or 8", ErrMalformed, bitsPerEntry)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty byte array", ErrMalformed)
	}
	if len(b) > limits.MaxStatusListBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), limits.MaxStatusListBytes)
	}
	return newList(bitsPerEntry, len(b)*8/bitsPerEntry, slices.Clone(b)), nil
}

func newList(bitsPerEntry, size int, data []byte) *List {
	return &List{
		bits:  uint8(bitsPerEntry),
		shift: uint8(bits.TrailingZeros8(uint8(8 / bitsPerEntry))),
		size:  size,
		data:  data,
	}
}

// Len returns the number of entries.
func (l *List) Len() int { return l.size }

// Bits returns the number of bits per entry: 1, 2, 4 or 8.
func (l *List) Bits() int { return int(l.bits) }

// Bytes returns a copy of the uncompressed byte array.
func (l *List) Bytes() []byte { return slices.Clone(l.data) }

// locate returns the byte and the bit offset within it of entry idx. The
// entries of a byte are packed from its least significant bit (TSL
// "Compressed Byte Array" step 3): entry idx lives in byte idx/(8/bits) at
// bit (idx mod 8/bits)*bits.
func (l *List) locate(idx int) (byteIdx int, off uint) {
	per := 1 << l.shift
	return idx >> l.shift, uint(idx&(per-1)) * uint(l.bits)
}

// Get returns the status of entry idx, or ErrIndexOutOfRange when idx is
// negative or not below Len.
func (l *List) Get(idx int) (Status, error) {
	if idx < 0 || idx >= l.size {
		return 0, fmt.Errorf("%w: index %d, list has %d entries", ErrIndexOutOfRange, idx, l.size)
	}
	b, off := l.locate(idx)
	mask := byte(1)<<l.bits - 1 // bits 8 overflows to 0, and 0-1 is 0xFF
	return Status(l.data[b] >> off & mask), nil
}

// Set sets entry idx to s. It returns ErrIndexOutOfRange when idx is not in
// [0, Len) and ErrBadArgument when s does not fit in Bits bits. Set is not
// safe for concurrent use (see List).
func (l *List) Set(idx int, s Status) error {
	if idx < 0 || idx >= l.size {
		return fmt.Errorf("%w: index %d, list has %d entries", ErrIndexOutOfRange, idx, l.size)
	}
	if l.bits < 8 && int(s) >= 1<<l.bits {
		return fmt.Errorf("%w: status %s does not fit in %d bits", ErrBadArgument, s, l.bits)
	}
	b, off := l.locate(idx)
	mask := byte(1)<<l.bits - 1
	l.data[b] = l.data[b]&^(mask<<off) | byte(s)<<off
	return nil
}
