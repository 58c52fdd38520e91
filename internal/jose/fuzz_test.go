package jose_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/jose"
)

// FuzzParseKey parses arbitrary JWKs: no panic, every error classed, and a
// parsed key survives a marshal/parse round trip with the same thumbprint.
func FuzzParseKey(f *testing.F) {
	seedFiles(f, "testdata/*.json")
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}`))
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := jose.ParsePublicKey(data)
		if err != nil {
			if credentials.Class(err) == nil {
				t.Fatalf("unclassified error: %v", err)
			}
			if _, err := jose.ParsePrivateKey(data); err != nil && credentials.Class(err) == nil {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		b, err := k.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		k2, err := jose.ParsePublicKey(b)
		if err != nil || !k2.Equal(k) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzParseCompact parses arbitrary compact JWS.
func FuzzParseCompact(f *testing.F) {
	seedFiles(f, "testdata/*.txt")
	f.Add("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := jose.ParseCompact(s); err != nil && credentials.Class(err) == nil {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// seedFiles adds every file matching pattern to the corpus, as bytes for a
// []byte target and as a string for a string target.
func seedFiles(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds at %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if filepath.Ext(file) == ".json" {
			f.Add(b)
		} else {
			f.Add(string(b))
		}
	}
}
