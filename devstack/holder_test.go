package devstack_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/wallet"
)

// newHolder returns a new wallet of another holder than Miranda, in a
// folder of the test, following the stack's register; closed when the
// test ends.
func newHolder(t *testing.T, s *devstack.Stack) *wallet.Wallet {
	t.Helper()
	ctx := context.Background()
	w, err := wallet.Init(ctx, filepath.Join(t.TempDir(), "holder"), []byte(s.Wallet.Passphrase), s.WalletOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.FollowRegister(ctx, s.Register.URL, s.Register.Key); err != nil {
		t.Fatal(err)
	}
	return w
}

// shareType reads the request at link and shares, for every query, the
// holder's credentials of the PPP type typ.
func shareType(t *testing.T, w *wallet.Wallet, link, typ string) {
	t.Helper()
	ctx := context.Background()
	pr, err := w.ReadRequest(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	sel := &wallet.Selection{Credentials: map[string][]string{}}
	for _, q := range pr.Queries {
		for _, o := range q.Options {
			if o.Type == typ {
				sel.Credentials[q.QueryID] = []string{o.CredentialID}
			}
		}
	}
	if _, err := w.Present(ctx, pr, sel); err != nil {
		t.Fatal(err)
	}
}
