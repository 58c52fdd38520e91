package pgstore_test

import (
	"context"
	"testing"

	"github.com/loopbrug/paspoort/internal/pg"
	"github.com/loopbrug/paspoort/internal/pg/pgtest"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/issuer/pgstore"
	"github.com/loopbrug/paspoort/issuer/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// open returns a Store on a fresh database, with the master key mk.
func open(t *testing.T, mk []byte) (*pgstore.Store, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	db, err := pg.Open(context.Background(), dsn, pg.Options{MaxConns: 24})
	if err != nil {
		t.Fatal(err)
	}
	s, err := pgstore.Open(context.Background(), db, mk)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) issuer.Store {
		s, _ := open(t, make([]byte, 32))
		return s
	})
}
