package kv_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/loopbrug/paspoort/internal/kv"
)

// TestGroupKeepsFailuresApart runs many Updates at once, every third one
// failing after its writes: the failing ones leave nothing, the others all
// commit, whatever group they landed in.
func TestGroupKeepsFailuresApart(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	defer db.Close()
	boom := errors.New("boom")
	const n = 150
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Update(ctx, func(tx *kv.Txn) error {
				if err := tx.Set(fmt.Appendf(nil, "k/%03d", i), []byte("v")); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if want := i%3 == 0; errors.Is(err, boom) != want || (!want && err != nil) {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	var got int
	err := db.View(ctx, func(tx *kv.Txn) error {
		return tx.Iterate([]byte("k/"), func(k, _ []byte) error {
			var i int
			fmt.Sscanf(string(k), "k/%d", &i)
			if i%3 == 0 {
				return fmt.Errorf("failed update's write %s is visible", k)
			}
			got++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := n - (n+2)/3; got != want {
		t.Fatalf("%d keys committed, want %d", got, want)
	}
}

// TestIterateSeesOwnWrites: inside an Update, Iterate merges the
// transaction's own writes and deletions with what is stored, in key order.
func TestIterateSeesOwnWrites(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	defer db.Close()
	if err := db.Update(ctx, func(tx *kv.Txn) error {
		for _, k := range []string{"p/b", "p/d", "p/f", "q/a"} {
			if err := tx.Set([]byte(k), []byte("old")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	err := db.Update(ctx, func(tx *kv.Txn) error {
		_ = tx.Set([]byte("p/a"), []byte("new"))
		_ = tx.Set([]byte("p/d"), []byte("new"))
		_ = tx.Delete([]byte("p/f"))
		_ = tx.Set([]byte("p/g"), []byte("new"))
		if v, err := tx.Get([]byte("p/d")); err != nil || string(v) != "new" {
			return fmt.Errorf("own write not read back: %q, %v", v, err)
		}
		if _, err := tx.Get([]byte("p/f")); !errors.Is(err, kv.ErrNotFound) {
			return fmt.Errorf("own delete not seen: %v", err)
		}
		return tx.Iterate([]byte("p/"), func(k, v []byte) error {
			seen = append(seen, string(k)+"="+string(v))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(seen, " "), "p/a=new p/b=old p/d=new p/g=new"; got != want {
		t.Fatalf("iterate = %s, want %s", got, want)
	}
}

// TestGroupSplitsBigWrites: Updates whose writes together pass the group
// budget all commit (in several badger transactions); one too big for any
// transaction fails alone.
func TestGroupSplitsBigWrites(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	defer db.Close()
	val := bytes.Repeat([]byte("x"), 200<<10)
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Update(ctx, func(tx *kv.Txn) error {
				if i == 0 {
					// 60,000 entries (about 10 MB in the tree): more than
					// badger takes in one transaction.
					small := bytes.Repeat([]byte("s"), 100)
					for j := range 60000 {
						if err := tx.Set(fmt.Appendf(nil, "huge/%05d", j), small); err != nil {
							return err
						}
					}
					return nil
				}
				return tx.Set(fmt.Appendf(nil, "big/%02d", i), val)
			})
		}()
	}
	wg.Wait()
	if errs[0] == nil {
		t.Fatal("a transaction of 60,000 entries committed")
	}
	for i, err := range errs[1:] {
		if err != nil {
			t.Fatalf("update %d: %v", i+1, err)
		}
	}
	n := 0
	_ = db.View(ctx, func(tx *kv.Txn) error {
		return tx.Iterate(nil, func(k, v []byte) error {
			if bytes.HasPrefix(k, []byte("huge/")) {
				t.Errorf("part of the failed transaction stored: %s", k)
			}
			n++
			return nil
		})
	})
	if n != 11 {
		t.Fatalf("%d keys stored, want 11", n)
	}
}

// TestUpdatePanicReachesCaller: a panic in fn is raised in the caller's
// goroutine (where a server's recovery handles it), and the store goes on.
func TestUpdatePanicReachesCaller(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	defer db.Close()
	func() {
		defer func() {
			if p := recover(); p != "bad" {
				t.Fatalf("recovered %v, want the panic of fn", p)
			}
		}()
		_ = db.Update(ctx, func(tx *kv.Txn) error {
			_ = tx.Set([]byte("x"), []byte("1"))
			panic("bad")
		})
	}()
	if err := db.Update(ctx, func(tx *kv.Txn) error { return tx.Set([]byte("y"), []byte("2")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.View(ctx, func(tx *kv.Txn) error { _, err := tx.Get([]byte("x")); return err }); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("the panicking update's write: %v", err)
	}
}

// TestWritesRefused: a write inside View, an empty or reserved key, and an
// Update after Close are refused with their errors.
func TestWritesRefused(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	if err := db.View(ctx, func(tx *kv.Txn) error { return tx.Set([]byte("a"), nil) }); !errors.Is(err, kv.ErrReadOnly) {
		t.Fatalf("set in View: %v", err)
	}
	for _, key := range [][]byte{nil, []byte("!badger!head"), bytes.Repeat([]byte("k"), 70000)} {
		if err := db.Update(ctx, func(tx *kv.Txn) error { return tx.Set(key, []byte("v")) }); err == nil {
			t.Fatalf("key %.20q accepted", key)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *kv.Txn) error { return nil }); !errors.Is(err, kv.ErrClosed) {
		t.Fatalf("update after close: %v", err)
	}
}
