package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/pg"
	"github.com/loopbrug/paspoort/internal/pg/pgtest"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/pgstore"
	"github.com/loopbrug/paspoort/verifier/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, dsn string, key []byte) *pgstore.Store {
	t.Helper()
	db, err := pg.Open(context.Background(), dsn, pg.Options{MaxConns: 24})
	if err != nil {
		t.Fatal(err)
	}
	s, err := pgstore.Open(context.Background(), db, key)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) verifier.Store { return open(t, pgtest.DSN(t), make([]byte, 32)) })
}

// TestTwoReplicas: two stores on one database, as two replicas: what one
// decides the other sees, and refuses to decide again.
func TestTwoReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	key := bytes.Repeat([]byte{3}, 32)
	a, b := open(t, dsn, key), open(t, dsn, key)
	ctx := context.Background()
	tx := &verifier.Transaction{ID: "t1", State: "s1", Nonce: "n1", Status: verifier.TxPending, Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := a.CreateTransaction(ctx, tx, time.Hour); err != nil {
		t.Fatal(err)
	}
	read, err := b.TransactionByState(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Decide(ctx, read, &verifier.Decision{TransactionID: "t1"}, "h", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := a.Decide(ctx, tx, &verifier.Decision{TransactionID: "t1"}, "h", time.Hour); !errors.Is(err, verifier.ErrReplay) {
		t.Fatalf("the other replica decided again: %v", err)
	}
	if _, err := a.RedeemResponseCode(ctx, "t1", "h"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RedeemResponseCode(ctx, "t1", "h"); !errors.Is(err, verifier.ErrResponseCode) {
		t.Fatalf("the other replica redeemed again: %v", err)
	}
	// A replica with another sealing key fails closed.
	other := open(t, dsn, bytes.Repeat([]byte{4}, 32))
	if _, err := other.Transaction(ctx, "t1"); !errors.Is(err, verifier.ErrNotFound) {
		t.Fatalf("another key finds the transaction: %v", err)
	}
}

// TestDumpRevealsNothing: the table holds no id, state, nonce, key or
// decision in the clear; Purge removes what expired.
func TestDumpRevealsNothing(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn, bytes.Repeat([]byte{5}, 32))
	ctx := context.Background()
	tx := &verifier.Transaction{ID: "txid-secret", State: "state-secret", Nonce: "nonce-secret", EncryptionKID: "kid-secret",
		EncryptionKey: []byte(`{"kty":"EC","d":"key-secret"}`), Status: verifier.TxPending, Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := s.CreateTransaction(ctx, tx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Decide(ctx, tx, &verifier.Decision{TransactionID: "txid-secret", Profile: "profile-secret"}, "code-secret", time.Hour); err != nil {
		t.Fatal(err)
	}
	gone := &verifier.Transaction{ID: "gone", State: "gone", Status: verifier.TxPending}
	if err := s.CreateTransaction(ctx, gone, -time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, "SELECT * FROM verifier_transactions", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	n := 0
	for rows.Next() {
		n++
		for _, v := range rows.RawValues() {
			dump.Write(v)
		}
	}
	rows.Close()
	if n != 1 {
		t.Fatalf("%d rows after the purge, want 1", n)
	}
	// Sealed bytes are random: a marker short enough to turn up by chance
	// in a few kilobytes of hex ("7b22", {" in hex) would make this test
	// flaky, so the markers are whole JSON openings.
	for _, s := range []string{"secret", "736563726574" /* hex */, `{"id"`, "7b22696422" /* {"id" in hex */, `"nonce"`, "226e6f6e636522"} {
		if strings.Contains(dump.String(), s) {
			t.Errorf("the dump shows %q", s)
		}
	}
	if _, err := s.Transaction(ctx, "txid-secret"); err != nil {
		t.Fatal(err)
	}
	// A record copied over another row's does not open: the seal binds
	// it to its row.
	other := &verifier.Transaction{ID: "other", State: "other", Status: verifier.TxPending}
	if err := s.CreateTransaction(ctx, other, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `UPDATE verifier_transactions SET record = (SELECT record FROM verifier_transactions WHERE status = 'decided') WHERE status = 'pending'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transaction(ctx, "other"); !errors.Is(err, kv.ErrCorrupt) {
		t.Fatalf("a record copied to another row: %v", err)
	}
}
