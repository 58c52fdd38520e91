package statuslist_test

import (
	"math/rand/v2"
	"testing"

	"github.com/loopbrug/paspoort/credentials/statuslist"
)

// benchList returns a 1-bit list of n entries with about 1% revoked at
// random indices (the TSL recommends random indices).
func benchList(b *testing.B, n int) *statuslist.List {
	b.Helper()
	l, err := statuslist.New(1, n)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range n / 100 {
		if err := l.Set(r.IntN(n), statuslist.Invalid); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

func BenchmarkEncode131072(b *testing.B) {
	l := benchList(b, 131072)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode131072(b *testing.B) {
	c, err := benchList(b, 131072).Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := statuslist.Decode(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	const n = 1 << 20
	l, err := statuslist.New(2, n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := l.Get(i & (n - 1)); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

func BenchmarkSet(b *testing.B) {
	const n = 1 << 20
	l, err := statuslist.New(2, n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := l.Set(i&(n-1), statuslist.Suspended); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}
