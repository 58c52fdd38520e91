package registry_test

import (
	"errors"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
)

// FuzzAccept: no input panics Accept, every refusal has a class, and an
// accepted register is exactly the example (only its key is pinned).
func FuzzAccept(f *testing.F) {
	f.Add(mustRead(f, exampleJWT))
	for _, v := range negativeVectors {
		f.Add(mustRead(f, v.file))
	}
	f.Add([]byte("e30.e30.e30"))
	f.Add([]byte(""))
	key, err := jose.ParsePublicKey(mustRead(f, exampleKey))
	if err != nil {
		f.Fatal(err)
	}
	want := registry.Hash(string(mustRead(f, exampleJWT)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fl, err := registry.NewFollower([]*jose.PublicKey{key})
		if err != nil {
			t.Fatal(err)
		}
		r, err := fl.Accept(raw, t0)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without a class: %v", err)
			}
			return
		}
		if r.Hash != want {
			t.Fatalf("accepted a register that is not the example: %q", raw)
		}
	})
}

// FuzzParse: no document panics Parse; every refusal has a class.
func FuzzParse(f *testing.F) {
	f.Add(mustRead(f, exampleDoc))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := registry.Parse(data)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("error without a class: %v", err)
			}
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
	})
}

// FuzzRange: no text panics ParseRange; a parsed range contains its
// versions consistently.
func FuzzRange(f *testing.F) {
	for _, s := range []string{"*", "1.x", ">=1 <3", "2026.1", "<=0"} {
		f.Add(s, "1.2")
	}
	f.Fuzz(func(t *testing.T, rng, version string) {
		r, err := registry.ParseRange(rng)
		if err != nil {
			if !errors.Is(err, registry.ErrBadRange) {
				t.Fatalf("ParseRange error %v is not ErrBadRange", err)
			}
			return
		}
		if r.Contains(version) != r.Contains(version) {
			t.Fatal("Contains is not deterministic")
		}
	})
}
