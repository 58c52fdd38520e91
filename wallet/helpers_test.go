package wallet_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

var ctx = context.Background()

// testKDF keeps argon2id cheap in tests (the lowest bounds allowed).
var testKDF = wallet.KDFParams{Time: 1, MemoryKiB: wallet.MinKDFMemoryKiB, Threads: 1}

const testPass = "correct horse battery staple"

// testIssuer signs SD-JWT VCs the way an issuer does, with sdjwtvc.Issue.
type testIssuer struct {
	iss string
	key *jose.PrivateKey
}

func newTestIssuer(t testing.TB, iss string) *testIssuer {
	t.Helper()
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return &testIssuer{iss: iss, key: k}
}

// keys is the trust configuration a wallet uses for this issuer.
func (i *testIssuer) keys() sdjwtvc.StaticKeys {
	return sdjwtvc.StaticKeys{i.iss: {i.key.Public()}}
}

// example returns the PPP example claims of a type, with overrides.
func example(t testing.TB, typ string, over map[string]any) map[string]any {
	t.Helper()
	ty, ok := ppp.Lookup(typ)
	if !ok {
		t.Fatalf("no type %s", typ)
	}
	var m map[string]any
	if err := json.Unmarshal(ty.Example(), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

// issue issues n copies of one credential, each bound to a fresh key of w.
func (i *testIssuer) issue(t testing.TB, w *wallet.Wallet, typ string, claims map[string]any, n int) []wallet.Copy {
	t.Helper()
	ty, _ := ppp.Lookup(typ)
	var out []wallet.Copy
	for range n {
		hk, err := w.NewHolderKey()
		if err != nil {
			t.Fatal(err)
		}
		s, err := sdjwtvc.Issue(i.key, sdjwtvc.Credential{
			Issuer: i.iss, VCT: ty.VCT, HolderKey: hk.Public(), Claims: claims,
			IssuedAt: time.Now().Add(-time.Hour), Expires: time.Now().Add(365 * 24 * time.Hour), Decoys: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, wallet.Copy{SDJWT: s, Key: hk})
	}
	return out
}

func initWallet(t testing.TB, dir string, opts ...wallet.Option) *wallet.Wallet {
	t.Helper()
	w, err := wallet.Init(ctx, dir, []byte(testPass), append([]wallet.Option{wallet.WithKDFParams(testKDF)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func openWallet(t testing.TB, dir string, opts ...wallet.Option) *wallet.Wallet {
	t.Helper()
	w, err := wallet.OpenDir(ctx, dir, []byte(testPass), append([]wallet.Option{wallet.WithKDFParams(testKDF)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// readTestdata reads a file from testdata.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
