package storetest_test

import (
	"testing"

	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/issuer/storetest"
)

func TestBadgerStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) issuer.Store {
		s, err := issuer.OpenBadgerStore(t.TempDir(), make([]byte, 32), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
