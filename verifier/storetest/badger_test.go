package storetest_test

import (
	"testing"

	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/verifier"
	"github.com/loopbrug/paspoort/verifier/storetest"
)

func TestBadgerStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) verifier.Store {
		db, err := kv.Open(kv.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := verifier.NewBadgerStore(db, make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
