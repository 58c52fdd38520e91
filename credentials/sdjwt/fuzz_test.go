package sdjwt_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
)

func seedVectors(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		s := strings.TrimSpace(string(b))
		f.Add(s)
		f.Add(s[:len(s)/2])
		f.Add(strings.ReplaceAll(s, "~", "~~"))
	}
	f.Add("~")
	f.Add("a.b.c~")
}

// FuzzParse feeds arbitrary SD-JWTs to Parse and Process: no panic, and every
// error belongs to an error class.
func FuzzParse(f *testing.F) {
	seedVectors(f)
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := sdjwt.Parse(s)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if _, err := tok.Process(); err != nil && credentials.Class(err) == nil {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// FuzzVerify runs the whole verification against the RFC issuer key.
func FuzzVerify(f *testing.F) {
	seedVectors(f)
	key, err := jose.ParsePublicKey([]byte(`{"kty":"EC","crv":"P-256","x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}`))
	if err != nil {
		f.Fatal(err)
	}
	opts := sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Now: time.Unix(1748454271, 0),
		KeyBinding: sdjwt.KeyBindingPolicy{Required: true, Audience: "https://verifier.example.org", Nonce: "1234567890"}}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := sdjwt.Verify(s, key, opts); err != nil && credentials.Class(err) == nil {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// FuzzDisclosure decodes arbitrary disclosures.
func FuzzDisclosure(f *testing.F) {
	f.Add("WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd")
	f.Add("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0")
	f.Add("W10")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := sdjwt.DecodeDisclosure(s)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if d.Digest == "" || (d.ArrayElement && d.Name != "") {
			t.Fatalf("inconsistent disclosure %+v", d)
		}
	})
}

// FuzzSplitPointer checks SplitPointer against the strings.Split form it
// replaced: the same tokens, and an error for the same pointers.
func FuzzSplitPointer(f *testing.F) {
	for _, p := range []string{"", "/", "//", "/a", "/a/b", "/a//b/", "a", "/~0/~1", "/~", "/~2", "/a~", "/x~01", "/é/0"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := sdjwt.SplitPointer(p)
		want, ok := splitPointerReference(p)
		if (err == nil) != ok {
			t.Fatalf("%q: err %v, reference ok %v", p, err, ok)
		}
		if err == nil && !slices.Equal(got, want) {
			t.Fatalf("%q: got %q, want %q", p, got, want)
		}
	})
}

func splitPointerReference(p string) ([]string, bool) {
	if p == "" {
		return nil, true
	}
	if p[0] != '/' {
		return nil, false
	}
	parts := strings.Split(p[1:], "/")
	for i, t := range parts {
		if strings.Contains(t, "~") {
			for j := 0; j < len(t); j++ {
				if t[j] == '~' && (j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1')) {
					return nil, false
				}
			}
			parts[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		}
	}
	return parts, true
}
