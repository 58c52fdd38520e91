package pki_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/pki"
)

// FuzzParseX5C parses arbitrary JSON as an x5c header value, seeded with
// testdata/x5c-*.json, and validates what parses against the testdata
// anchor: no panic, every error classed, nothing over the bounds.
func FuzzParseX5C(f *testing.F) {
	files, err := filepath.Glob("testdata/x5c-*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		f.Add(readTestdata(f, filepath.Base(name)))
	}
	set, err := pki.ParseAnchorsPEM(readTestdata(f, "anchor.pem"))
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		chain, err := pki.ParseX5C(v)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("unclassed error: %v", err)
			}
			return
		}
		if len(chain) == 0 || len(chain) > pki.MaxChainLength {
			t.Fatalf("%d certificates accepted", len(chain))
		}
		if _, err := set.Verify(chain, at); err != nil && credentials.Class(err) == nil {
			t.Fatalf("unclassed error: %v", err)
		}
	})
}
