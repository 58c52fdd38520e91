package wallet_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/loopbrug/paspoort/wallet"
)

// ParseRootCAs takes one certificate or a CA bundle with text between the
// blocks, and refuses a key, a broken certificate or a file without any.
func TestParseRootCAs(t *testing.T) {
	for _, tt := range []struct {
		file string
		want error
	}{
		{"rootcas-one.pem", nil},
		{"rootcas-bundle.pem", nil},
		{"rootcas-private-key.pem", wallet.ErrRootCAs},
		{"rootcas-broken.pem", wallet.ErrRootCAs},
		{"rootcas-none.txt", wallet.ErrRootCAs},
	} {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			pool, err := wallet.ParseRootCAs(b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if (err == nil) != (pool != nil) {
				t.Fatalf("pool %v with error %v", pool, err)
			}
		})
	}
	if _, err := wallet.ParseRootCAs(nil); !errors.Is(err, wallet.ErrRootCAs) {
		t.Fatalf("empty: %v", err)
	}
}

// FuzzParseRootCAs: ParseRootCAs never panics, fails only with ErrRootCAs,
// and returns a pool exactly when it succeeds.
func FuzzParseRootCAs(f *testing.F) {
	for _, name := range []string{"rootcas-one.pem", "rootcas-bundle.pem", "rootcas-private-key.pem", "rootcas-broken.pem", "rootcas-none.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pool, err := wallet.ParseRootCAs(b)
		if err != nil && !errors.Is(err, wallet.ErrRootCAs) {
			t.Fatalf("error outside ErrRootCAs: %v", err)
		}
		if (err == nil) != (pool != nil) {
			t.Fatalf("pool %v with error %v", pool, err)
		}
	})
}
