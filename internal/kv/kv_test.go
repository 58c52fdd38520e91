package kv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/internal/kv"
)

var ctx = context.Background()

func open(t *testing.T, dir string, key []byte) *kv.DB {
	t.Helper()
	db, err := kv.Open(kv.Options{Dir: dir, EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestPersistAndReopen(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	db := open(t, dir, key)
	if err := db.Update(ctx, func(tx *kv.Txn) error {
		if err := tx.Set([]byte("a/1"), []byte("one")); err != nil {
			return err
		}
		return kv.SetJSON(tx, []byte("a/2"), map[string]int{"n": 2})
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, dir, key)
	defer db.Close()
	err := db.View(ctx, func(tx *kv.Txn) error {
		v, err := tx.Get([]byte("a/1"))
		if err != nil || string(v) != "one" {
			return fmt.Errorf("a/1 = %q, %v", v, err)
		}
		var m map[string]int
		if err := kv.GetJSON(tx, []byte("a/2"), &m); err != nil || m["n"] != 2 {
			return fmt.Errorf("a/2 = %v, %v", m, err)
		}
		if _, err := tx.Get([]byte("a/3")); !errors.Is(err, kv.ErrNotFound) {
			return fmt.Errorf("a/3: %v", err)
		}
		var keys []string
		if err := tx.Iterate([]byte("a/"), func(k, _ []byte) error { keys = append(keys, string(k)); return nil }); err != nil {
			return err
		}
		if fmt.Sprint(keys) != "[a/1 a/2]" {
			return fmt.Errorf("keys %v", keys)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// SECURITY.md G.51: a wrong or missing key fails closed; nothing is
// recreated.
func TestKeyMismatch(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir, bytes.Repeat([]byte{1}, 32))
	if err := db.Update(ctx, func(tx *kv.Txn) error { return tx.Set([]byte("k"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, key := range [][]byte{bytes.Repeat([]byte{2}, 32), nil} {
		if _, err := kv.Open(kv.Options{Dir: dir, EncryptionKey: key}); !errors.Is(err, kv.ErrKeyMismatch) {
			t.Fatalf("key %x: err = %v, want ErrKeyMismatch", key, err)
		}
	}
	db = open(t, dir, bytes.Repeat([]byte{1}, 32))
	defer db.Close()
	if err := db.View(ctx, func(tx *kv.Txn) error { _, err := tx.Get([]byte("k")); return err }); err != nil {
		t.Fatalf("data lost after refused opens: %v", err)
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	defer db.Close()
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx *kv.Txn) error {
		if err := tx.Set([]byte("x"), []byte("1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if err := db.View(ctx, func(tx *kv.Txn) error { _, err := tx.Get([]byte("x")); return err }); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("partial write visible: %v", err)
	}
}

// SECURITY.md G.50: concurrent writers of one key never lose an update
// (the group commit runs them one after the other).
func TestConcurrentUpdatesAllCount(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	defer db.Close()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Update(ctx, func(tx *kv.Txn) error {
				v, err := tx.Get([]byte("counter"))
				if err != nil && !errors.Is(err, kv.ErrNotFound) {
					return err
				}
				c, _ := strconv.Atoi(string(v))
				return tx.Set([]byte("counter"), []byte(strconv.Itoa(c+1)))
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	_ = db.View(ctx, func(tx *kv.Txn) error {
		v, _ := tx.Get([]byte("counter"))
		if string(v) != strconv.Itoa(n) {
			t.Fatalf("counter = %s, want %d", v, n)
		}
		return nil
	})
}

func TestTTL(t *testing.T) {
	db := open(t, t.TempDir(), nil)
	defer db.Close()
	if err := db.Update(ctx, func(tx *kv.Txn) error { return tx.SetWithTTL([]byte("n"), []byte("1"), time.Second) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := db.View(ctx, func(tx *kv.Txn) error { _, err := tx.Get([]byte("n")); return err }); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("expired entry still there: %v", err)
	}
}

func TestSealer(t *testing.T) {
	s, err := kv.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal([]byte("cred/1"), []byte("secret credential"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("plaintext visible")
	}
	if pt, err := s.Open([]byte("cred/1"), sealed); err != nil || string(pt) != "secret credential" {
		t.Fatalf("open: %q %v", pt, err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	other, _ := kv.NewSealer(bytes.Repeat([]byte{8}, 32))
	tests := []struct {
		name   string
		s      *kv.Sealer
		id     []byte
		sealed []byte
	}{
		{"G52 bit flip", s, []byte("cred/1"), flipped},
		{"moved to another record", s, []byte("cred/2"), sealed},
		{"wrong key", other, []byte("cred/1"), sealed},
		{"truncated", s, []byte("cred/1"), sealed[:10]},
		{"empty", s, []byte("cred/1"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.Open(tc.id, tc.sealed); !errors.Is(err, kv.ErrCorrupt) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := kv.NewSealer([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

// SECURITY.md G.49: kill -9 in the middle of writing; after restart every
// transaction is complete or absent.
func TestCrashAtomicity(t *testing.T) {
	if dir := os.Getenv("KV_CRASH_CHILD_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashAtomicity$")
	cmd.Env = append(os.Environ(), "KV_CRASH_CHILD_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	db := open(t, dir, bytes.Repeat([]byte{3}, 32))
	defer db.Close()
	counts := map[string]int{}
	if err := db.View(ctx, func(tx *kv.Txn) error {
		return tx.Iterate([]byte("t/"), func(k, _ []byte) error {
			counts[string(k[:10])]++
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(counts) == 0 {
		t.Fatal("the child wrote nothing before it was killed")
	}
	for txn, n := range counts {
		if n != 50 {
			t.Fatalf("transaction %s has %d of 50 records after the crash", txn, n)
		}
	}
	t.Logf("%d complete transactions survived the kill", len(counts))
}

func crashChild(dir string) {
	db, err := kv.Open(kv.Options{Dir: dir, EncryptionKey: bytes.Repeat([]byte{3}, 32)})
	if err != nil {
		os.Exit(3)
	}
	val := bytes.Repeat([]byte("x"), 2048)
	for i := 0; ; i++ {
		_ = db.Update(ctx, func(tx *kv.Txn) error {
			for j := 0; j < 50; j++ {
				if err := tx.Set([]byte(fmt.Sprintf("t/%07d/%02d", i, j)), val); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

func BenchmarkConcurrentDurableUpdates(b *testing.B) {
	db, err := kv.Open(kv.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var n int64
	var mu sync.Mutex
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			n++
			k := []byte(fmt.Sprintf("k/%d", n))
			mu.Unlock()
			if err := db.Update(ctx, func(tx *kv.Txn) error { return tx.Set(k, []byte("v")) }); err != nil {
				b.Fatal(err)
			}
		}
	})
}
