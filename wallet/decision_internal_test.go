package wallet

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/internal/jose"
)

// FuzzReceipt feeds arbitrary receipts to verifyReceipt and, when one
// verifies, checks that the stored form re-verifies offline (checkStored):
// no panic, and nothing kept that does not verify again. Seeded with the
// receipt of testdata/receipt-payload.json signed under a did:jwk.
func FuzzReceipt(f *testing.F) {
	key, _ := jose.GenerateKey(jose.ES256)
	d, err := did.JWKFromKey(key.Public())
	if err != nil {
		f.Fatal(err)
	}
	key = key.WithKeyID(d + "#0")
	b, err := os.ReadFile(filepath.Join("testdata", "receipt-payload.json"))
	if err != nil {
		f.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		f.Fatal(err)
	}
	m["iss"] = d
	pb, _ := json.Marshal(m)
	good, err := jose.Sign(key, TypReceipt, nil, pb)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add("a.b.c")
	res := did.NewResolver(nil)
	now := time.Unix(1767225600, 0)
	f.Fuzz(func(t *testing.T, receipt string) {
		dec, err := verifyReceipt(context.Background(), res, d, receipt, now)
		if err != nil {
			return
		}
		if err := checkStored(dec); err != nil {
			t.Fatalf("kept a decision that does not re-verify: %v", err)
		}
	})
}
