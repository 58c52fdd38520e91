package statuslist_test

import (
	"bytes"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/statuslist"
)

func TestNewArguments(t *testing.T) {
	tests := []struct {
		name       string
		bits, size int
		want       error
		class      error
	}{
		{"1 bit", 1, 16, nil, nil},
		{"8 bits", 8, 1, nil, nil},
		{"bits 3", 3, 16, statuslist.ErrMalformed, credentials.ErrFormat},
		{"bits 0", 0, 16, statuslist.ErrMalformed, credentials.ErrFormat},
		{"bits 16", 16, 16, statuslist.ErrMalformed, credentials.ErrFormat},
		{"size 0", 1, 0, statuslist.ErrBadArgument, credentials.ErrFormat},
		{"size -1", 1, -1, statuslist.ErrBadArgument, credentials.ErrFormat},
		{"largest 1-bit list", 1, statuslist.MaxEntries(1), nil, nil},
		{"past largest 8-bit list", 8, statuslist.MaxEntries(8) + 1, statuslist.ErrTooLarge, credentials.ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := statuslist.New(tt.bits, tt.size)
			wantErr(t, err, tt.want, tt.class)
			if err == nil && (l.Len() != tt.size || l.Bits() != tt.bits) {
				t.Fatalf("Len, Bits = %d, %d; want %d, %d", l.Len(), l.Bits(), tt.size, tt.bits)
			}
		})
	}
}

// TestSetGetRoundTrip sets every entry of lists with each bit size to a
// pattern of all representable values and reads them back, including the
// first and last entries and the boundaries of bytes.
func TestSetGetRoundTrip(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		for _, size := range []int{1, 7, 8, 9, 1000, 1 << 12} {
			l, err := statuslist.New(bits, size)
			if err != nil {
				t.Fatal(err)
			}
			maxv := 1<<bits - 1
			val := func(i int) statuslist.Status { return statuslist.Status((i*7 + 3) % (maxv + 1)) }
			for i := range size {
				if err := l.Set(i, val(i)); err != nil {
					t.Fatalf("bits %d: Set(%d): %v", bits, i, err)
				}
			}
			for i := range size {
				if got, err := l.Get(i); err != nil || got != val(i) {
					t.Fatalf("bits %d size %d: Get(%d) = %v, %v; want %v", bits, size, i, got, err, val(i))
				}
			}
			// Overwrite with the maximum and with zero: neighbours keep
			// their values.
			mid := size / 2
			for _, s := range []statuslist.Status{statuslist.Status(maxv), 0} {
				if err := l.Set(mid, s); err != nil {
					t.Fatal(err)
				}
				if got, _ := l.Get(mid); got != s {
					t.Fatalf("bits %d: Get(mid) = %v, want %v", bits, got, s)
				}
				for _, n := range []int{mid - 1, mid + 1} {
					if n >= 0 && n < size {
						if got, _ := l.Get(n); got != val(n) {
							t.Fatalf("bits %d: neighbour %d changed to %v", bits, n, got)
						}
					}
				}
			}
		}
	}
}

func TestSetGetErrors(t *testing.T) {
	tests := []struct {
		name  string
		bits  int
		idx   int
		s     statuslist.Status
		want  error
		class error
	}{
		{"negative index", 1, -1, 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"index = Len", 1, 16, 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"huge index", 2, 1 << 62, 0, statuslist.ErrIndexOutOfRange, credentials.ErrStatus},
		{"SUSPENDED in 1 bit", 1, 0, statuslist.Suspended, statuslist.ErrBadArgument, credentials.ErrFormat},
		{"4 in 2 bits", 2, 0, 4, statuslist.ErrBadArgument, credentials.ErrFormat},
		{"16 in 4 bits", 4, 0, 16, statuslist.ErrBadArgument, credentials.ErrFormat},
		{"255 in 8 bits", 8, 15, 255, nil, nil},
		{"15 in 4 bits", 4, 15, 15, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := statuslist.New(tt.bits, 16)
			if err != nil {
				t.Fatal(err)
			}
			wantErr(t, l.Set(tt.idx, tt.s), tt.want, tt.class)
			if tt.want == statuslist.ErrIndexOutOfRange {
				_, err := l.Get(tt.idx)
				wantErr(t, err, tt.want, tt.class)
			}
		})
	}
}

// TestBitOrderLSBFirst builds the TSL's two "Compressed Byte Array"
// examples with Set and compares the bytes: index 0 is the least significant
// bit(s) of byte 0 (SECURITY.md D.36).
func TestBitOrderLSBFirst(t *testing.T) {
	for _, name := range []string{"tsl-example-1bit.json", "tsl-example-2bit.json"} {
		t.Run(name, func(t *testing.T) {
			v := loadVector(t, name)
			l, err := statuslist.New(v.Bits, v.Size)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range v.want(t) {
				if err := l.Set(i, s); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := l.Bytes(), v.rawBytes(t); !bytes.Equal(got, want) {
				t.Fatalf("bytes = %x, want %x", got, want)
			}
		})
	}
	// And the smallest case by hand: entry 0 set is 0x01, not 0x80.
	l, _ := statuslist.New(1, 8)
	_ = l.Set(0, statuslist.Invalid)
	if b := l.Bytes(); b[0] != 0x01 {
		t.Fatalf("entry 0 set gives %#x, want 0x01", b[0])
	}
}

func TestFromBytes(t *testing.T) {
	l, err := statuslist.FromBytes(2, []byte{0xc9, 0x44, 0xf9})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 12 {
		t.Fatalf("Len = %d", l.Len())
	}
	if s, _ := l.Get(3); s != statuslist.ApplicationSpecific3 {
		t.Fatalf("Get(3) = %v", s)
	}
	_, err = statuslist.FromBytes(1, nil)
	wantErr(t, err, statuslist.ErrMalformed, credentials.ErrFormat)
	_, err = statuslist.FromBytes(5, []byte{1})
	wantErr(t, err, statuslist.ErrMalformed, credentials.ErrFormat)
	// Bytes returns a copy.
	b := l.Bytes()
	b[0] = 0
	if s, _ := l.Get(0); s != statuslist.Invalid {
		t.Fatal("Bytes shares memory with the list")
	}
}

func TestStatusStringAndErr(t *testing.T) {
	tests := []struct {
		s    statuslist.Status
		str  string
		want error
	}{
		{statuslist.Valid, "VALID", nil},
		{statuslist.Invalid, "INVALID", statuslist.ErrRevoked},
		{statuslist.Suspended, "SUSPENDED", statuslist.ErrSuspended},
		{statuslist.ApplicationSpecific3, "APPLICATION_SPECIFIC_3", statuslist.ErrNotValid},
		{0x0C, "APPLICATION_SPECIFIC_12", statuslist.ErrNotValid},
		{0x0F, "APPLICATION_SPECIFIC_15", statuslist.ErrNotValid},
		{0x04, "RESERVED_0x04", statuslist.ErrNotValid},
		{0xFF, "RESERVED_0xFF", statuslist.ErrNotValid},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.str {
			t.Errorf("String(%d) = %q, want %q", uint8(tt.s), got, tt.str)
		}
		var class error
		if tt.want != nil {
			class = credentials.ErrStatus
		}
		wantErr(t, tt.s.Err(), tt.want, class)
	}
}
