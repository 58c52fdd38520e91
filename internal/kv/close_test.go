package kv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/internal/kv"
)

// Issue 11 #12: when the database folder disappears under an open store (a
// removed folder, a failed disk), Close no longer hangs in badger's
// endless retries: it returns ErrNotClosed within CloseTimeout. A store
// whose folder is gone after a clean close reports it too: what was
// written is lost. A healthy store closes cleanly.
func TestCloseWithoutFolder(t *testing.T) {
	for _, tc := range []struct {
		name    string
		write   bool
		remove  bool
		wantErr error
	}{
		{"healthy", true, false, nil},
		{"folder removed after a write", true, true, kv.ErrNotClosed},
		{"folder removed, nothing written", false, true, kv.ErrNotClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			db, err := kv.Open(kv.Options{Dir: dir, CloseTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if tc.write {
				if err := db.Update(context.Background(), func(tx *kv.Txn) error { return tx.Set([]byte("k"), []byte("v")) }); err != nil {
					t.Fatal(err)
				}
			}
			if tc.remove {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() { done <- db.Close() }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
					t.Fatalf("Close: %v, want %v", err, tc.wantErr)
				}
			case <-time.After(time.Minute): // a hang, not a timing: CloseTimeout is 1 s
				t.Fatal("Close hangs")
			}
		})
	}
}
