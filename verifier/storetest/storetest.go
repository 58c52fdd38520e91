// Package storetest is the conformance suite of verifier.Store: Run
// checks what the verifier relies on, the same way for every
// implementation (the badger store, verifier/pgstore) — lookups by id,
// state and key id, the one decision per transaction and the one
// redemption per response code, also when many replicas race for them,
// and records gone after their time.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/verifier"
)

// Racers is how many goroutines race for one transaction.
const Racers = 20

// Run runs the suite; open returns a new, empty store for each subtest
// (and arranges its closing with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) verifier.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, verifier.Store)
	}{
		{"CreateAndFind", testCreateAndFind},
		{"StateCollision", testStateCollision},
		{"Decide", testDecide},
		{"Decline", testDecline},
		{"RedeemResponseCode", testRedeem},
		{"Expiry", testExpiry},
		{"RaceDecide", testRaceDecide},
		{"RaceRedeem", testRaceRedeem},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

func newTx(t *testing.T, s verifier.Store, id string, ttl time.Duration) *verifier.Transaction {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	tx := &verifier.Transaction{
		ID: id, ProfileID: "p", ProfileVersion: "1", ClientID: "x509_hash:abc", Nonce: "nonce-" + id, State: "state-" + id,
		ResponseMode: "direct_post.jwt", QueryJSON: json.RawMessage(`{"credentials":[{"id":"q","format":"dc+sd-jwt"}]}`),
		QueryRequirements: map[string]string{"q": "r"}, EncryptionKey: json.RawMessage(`{"kty":"EC","d":"secret"}`),
		EncryptionKID: "kid-" + id, Created: now, Expires: now.Add(ttl), Status: verifier.TxPending,
	}
	if err := s.CreateTransaction(ctx, tx, ttl); err != nil {
		t.Fatal(err)
	}
	return tx
}

func testCreateAndFind(t *testing.T, s verifier.Store) {
	want := newTx(t, s, "a", time.Hour)
	newTx(t, s, "b", time.Hour)
	for name, find := range map[string]func() (*verifier.Transaction, error){
		"id":    func() (*verifier.Transaction, error) { return s.Transaction(ctx, "a") },
		"state": func() (*verifier.Transaction, error) { return s.TransactionByState(ctx, "state-a") },
		"kid":   func() (*verifier.Transaction, error) { return s.TransactionByKID(ctx, "kid-a") },
	} {
		got, err := find()
		if err != nil {
			t.Fatalf("by %s: %v", name, err)
		}
		if got.ID != "a" || got.Nonce != want.Nonce || got.State != want.State || string(got.EncryptionKey) != string(want.EncryptionKey) ||
			string(got.QueryJSON) != string(want.QueryJSON) || got.QueryRequirements["q"] != "r" || got.Status != verifier.TxPending || !got.Expires.Equal(want.Expires) {
			t.Fatalf("by %s: %+v", name, got)
		}
	}
	for name, err := range map[string]error{
		"id":    second(s.Transaction(ctx, "zz")),
		"state": second(s.TransactionByState(ctx, "state-zz")),
		"kid":   second(s.TransactionByKID(ctx, "kid-zz")),
	} {
		if !errors.Is(err, verifier.ErrNotFound) {
			t.Errorf("unknown by %s: %v", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// testStateCollision: a second transaction with a state in use is
// refused and the first stays as it was.
func testStateCollision(t *testing.T, s verifier.Store) {
	newTx(t, s, "a", time.Hour)
	dup := &verifier.Transaction{ID: "other", State: "state-a", Status: verifier.TxPending, Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := s.CreateTransaction(ctx, dup, time.Hour); err == nil {
		t.Fatal("a second transaction with the same state was stored")
	}
	got, err := s.TransactionByState(ctx, "state-a")
	if err != nil || got.ID != "a" {
		t.Fatalf("state-a finds %+v %v", got, err)
	}
}

func decision(id string) *verifier.Decision {
	return &verifier.Decision{TransactionID: id, Profile: "p", ProfileVersion: "1", Outcome: "accepted", Score: 0.75,
		Credentials: []string{"h1"}, DecidedAt: time.Now().UTC().Truncate(time.Second)}
}

func testDecide(t *testing.T, s verifier.Store) {
	tx := newTx(t, s, "a", time.Hour)
	read, _ := s.Transaction(ctx, "a")
	if err := s.Decide(ctx, read, decision("a"), "code-hash", time.Hour); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*verifier.Transaction{"the same copy": read, "the created copy": tx, "an id alone": {ID: "a"}} {
		if err := s.Decide(ctx, c, decision("a"), "other", time.Hour); !errors.Is(err, verifier.ErrReplay) {
			t.Errorf("second decision (%s): %v", name, err)
		}
	}
	if err := s.Decide(ctx, &verifier.Transaction{ID: "zz"}, decision("zz"), "", time.Hour); !errors.Is(err, verifier.ErrNotFound) {
		t.Errorf("unknown transaction: %v", err)
	}
	if read.Status != verifier.TxPending || read.Nonce == "" {
		t.Errorf("Decide changed the caller's copy: %+v", read)
	}
	got, err := s.TransactionByState(ctx, "state-a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != verifier.TxDecided || got.Decision == nil || got.Decision.Score != 0.75 || got.ResponseCodeHash != "code-hash" ||
		got.Nonce != "" || got.EncryptionKey != nil || got.DeleteAt.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("decided transaction: %+v", got)
	}
}

func testDecline(t *testing.T, s verifier.Store) {
	tx := newTx(t, s, "a", time.Hour)
	if err := s.Decide(ctx, tx, nil, "", time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := s.Transaction(ctx, "a")
	if err != nil || got.Status != verifier.TxDeclined || got.Decision != nil {
		t.Fatalf("declined: %+v %v", got, err)
	}
	if _, err := s.RedeemResponseCode(ctx, "a", ""); !errors.Is(err, verifier.ErrResponseCode) {
		t.Fatalf("redeeming a declined transaction: %v", err)
	}
}

func testRedeem(t *testing.T, s verifier.Store) {
	tx := newTx(t, s, "a", time.Hour)
	if _, err := s.RedeemResponseCode(ctx, "a", "code-hash"); !errors.Is(err, verifier.ErrResponseCode) {
		t.Fatalf("a pending transaction's code: %v", err)
	}
	if err := s.Decide(ctx, tx, decision("a"), "code-hash", time.Hour); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		id, code string
		want     error
	}{
		{"a", "wrong", verifier.ErrResponseCode},
		{"a", "", verifier.ErrResponseCode},
		{"zz", "code-hash", verifier.ErrNotFound},
		{"a", "code-hash", nil},
		{"a", "code-hash", verifier.ErrResponseCode},
	}
	for i, st := range steps {
		got, err := s.RedeemResponseCode(ctx, st.id, st.code)
		if !errors.Is(err, st.want) || st.want == nil && (got == nil || got.Decision == nil || got.Decision.TransactionID != "a") {
			t.Fatalf("step %d: %+v %v, want %v", i, got, err, st.want)
		}
	}
}

// testExpiry: a transaction is gone after its ttl, a decided one after
// its retention. (Badger counts expiry in whole seconds.)
func testExpiry(t *testing.T, s verifier.Store) {
	newTx(t, s, "short", time.Second)
	long := newTx(t, s, "long", time.Hour)
	if err := s.Decide(ctx, long, decision("long"), "h", time.Second); err != nil {
		t.Fatal(err)
	}
	newTx(t, s, "stays", time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for {
		e1 := second(s.Transaction(ctx, "short"))
		e2 := second(s.TransactionByState(ctx, "state-long"))
		if errors.Is(e1, verifier.ErrNotFound) && errors.Is(e2, verifier.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not gone 5 s after their time: %v, %v", e1, e2)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := s.Transaction(ctx, "stays"); err != nil {
		t.Fatalf("a live transaction went too: %v", err)
	}
}

func race(t *testing.T, fn func() error, lose error) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	start := make(chan struct{})
	for range Racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := fn()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, lose):
				t.Errorf("a racer lost with %v, want %v", err, lose)
			}
		}()
	}
	close(start)
	wg.Wait()
	return won
}

func testRaceDecide(t *testing.T, s verifier.Store) {
	tx := newTx(t, s, "a", time.Hour)
	if won := race(t, func() error { return s.Decide(ctx, tx, decision("a"), "h", time.Hour) }, verifier.ErrReplay); won != 1 {
		t.Fatalf("%d of %d decisions on one transaction succeeded", won, Racers)
	}
}

func testRaceRedeem(t *testing.T, s verifier.Store) {
	tx := newTx(t, s, "a", time.Hour)
	if err := s.Decide(ctx, tx, decision("a"), "h", time.Hour); err != nil {
		t.Fatal(err)
	}
	won := race(t, func() error { return second(s.RedeemResponseCode(ctx, "a", "h")) }, verifier.ErrResponseCode)
	if won != 1 {
		t.Fatalf("one response code was redeemed %d times", won)
	}
}
