package verifier_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
)

// TestStoreDecide: Decide spends a pending transaction once, whichever
// copy of it the caller read; a copy read before another Decide, or a
// transaction that is gone, is refused; the caller's copy is not changed.
func TestStoreDecide(t *testing.T) {
	ctx := context.Background()
	db, err := kv.Open(kv.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seal := make([]byte, 32)
	rand.Read(seal)
	store, err := verifier.NewBadgerStore(db, seal)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	newTx := func(id string) *verifier.Transaction {
		tx := &verifier.Transaction{ID: id, ProfileID: "p", Nonce: "n-" + id, State: "s-" + id, EncryptionKID: "k-" + id,
			Created: now, Expires: now.Add(time.Hour), Status: verifier.TxPending}
		if err := store.CreateTransaction(ctx, tx, time.Hour); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	newTx("a")
	first, _ := store.TransactionByKID(ctx, "k-a")
	stale, _ := store.Transaction(ctx, "a")
	newTx("b")
	notRead := &verifier.Transaction{ID: "b"} // not read from the store: decoded inside Decide

	d := &verifier.Decision{TransactionID: "a"}
	steps := []struct {
		name string
		tx   *verifier.Transaction
		want error
	}{
		{"first copy", first, nil},
		{"the same copy again", first, verifier.ErrReplay},
		{"a copy read before the decision", stale, verifier.ErrReplay},
		{"a transaction not read from the store", notRead, nil},
		{"unknown", &verifier.Transaction{ID: "zz"}, verifier.ErrNotFound},
	}
	for _, s := range steps {
		err := store.Decide(ctx, s.tx, d, "", time.Hour)
		if (s.want == nil) != (err == nil) || (s.want != nil && !errors.Is(err, s.want)) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
	}
	if first.Status != verifier.TxPending || first.Nonce != "n-a" {
		t.Fatalf("the caller's copy changed: %+v", first)
	}
	got, err := store.Transaction(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != verifier.TxDecided || got.Nonce != "" || got.Decision == nil || got.State != "s-a" {
		t.Fatalf("stored %+v", got)
	}
}
