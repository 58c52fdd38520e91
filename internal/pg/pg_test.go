package pg_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopbrug/paspoort/internal/pg"
	"github.com/loopbrug/paspoort/internal/pg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T) *pg.DB {
	t.Helper()
	db, err := pg.Open(context.Background(), pgtest.DSN(t), pg.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, dsn string
		opts      pg.Options
		want      error
	}{
		{"not postgres", "mysql://u:s3cr3t@host/db", pg.Options{}, pg.ErrBadDSN},
		{"a folder", "/var/lib/paspoort", pg.Options{}, pg.ErrBadDSN},
		{"unreadable", "postgres://u:s3cr3t@host:notaport/db", pg.Options{}, pg.ErrBadDSN},
		{"min over max", "postgres://u:s3cr3t@127.0.0.1/db", pg.Options{MaxConns: 2, MinConns: 3}, pg.ErrBadDSN},
		{"short lifetime", "postgres://u:s3cr3t@127.0.0.1/db", pg.Options{ConnLifetime: time.Millisecond}, pg.ErrBadDSN},
		{"nobody listening", "postgres://u:s3cr3t@127.0.0.1:1/db?sslmode=disable", pg.Options{ConnectTimeout: 2 * time.Second}, pg.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := pg.Open(ctx, tc.dsn, tc.opts)
			if !errors.Is(err, tc.want) {
				if db != nil {
					db.Close()
				}
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://app:s3cr3t@db.example.nl:5432/issuer?sslmode=verify-full&password=x", "postgres://app@db.example.nl:5432/issuer"},
		{"postgresql://app@db/verifier", "postgresql://app@db/verifier"},
		{"postgres://postgres@/t?host=/tmp/pg&port=5432", "postgres://postgres@/t (socket /tmp/pg)"},
		{"postgres://%zz", "(unreadable address)"},
		{"host=db password=s3cr3t", "(unreadable address)"},
	} {
		if got := pg.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestUpdateSerializes increments one counter from many goroutines with a
// read and a write in each transaction: every lost update (two reading
// the same value) would show in the total, so serialization failures must
// have been retried.
func TestUpdateSerializes(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if err := db.Exec(ctx, `CREATE TABLE counter (id INT PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO counter VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				errs <- db.Update(ctx, func(tx pgx.Tx) error {
					var n int64
					if err := tx.QueryRow(ctx, `SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `UPDATE counter SET n = $1 WHERE id = 1`, n+1)
					return err
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int64
	if err := db.Pool().QueryRow(ctx, `SELECT n FROM counter`).Scan(&n); err != nil || n != workers*each {
		t.Fatalf("counter %d (%v), want %d", n, err, workers*each)
	}
}

func TestUpdateRollsBack(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if err := db.Exec(ctx, `CREATE TABLE t (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	errMine := errors.New("refused by the caller")
	err := db.Update(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO t VALUES ('a')`); err != nil {
			return err
		}
		return errMine
	})
	if !errors.Is(err, errMine) {
		t.Fatalf("got %v", err)
	}
	err = db.View(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO t VALUES ('b')`)
		return err
	})
	if err == nil {
		t.Fatal("a write inside View succeeded")
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows (%v), want none", n, err)
	}
}

func TestUpdateUnavailable(t *testing.T) {
	db := open(t)
	db.Close()
	err := db.Update(context.Background(), func(tx pgx.Tx) error { return nil })
	if err == nil {
		t.Fatal("a closed pool ran a transaction")
	}
	if err := db.Ping(context.Background()); !errors.Is(err, pg.ErrUnavailable) {
		t.Fatalf("ping of a closed pool: %v", err)
	}
}

var migrations = fstest.MapFS{
	"m/0001_first.sql":  {Data: []byte(`CREATE TABLE a (k TEXT PRIMARY KEY);`)},
	"m/0002_second.sql": {Data: []byte(`CREATE TABLE b (k TEXT PRIMARY KEY); INSERT INTO a VALUES ('from 2');`)},
}

func TestMigrate(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	ms, err := pg.LoadMigrations(migrations, "m")
	if err != nil {
		t.Fatal(err)
	}
	if from, to, err := db.Migrate(ctx, "test", ms[:1]); err != nil || from != 0 || to != 1 {
		t.Fatalf("first: %d→%d %v", from, to, err)
	}
	if err := db.CheckSchema(ctx, "test", ms); !errors.Is(err, pg.ErrSchemaOlder) {
		t.Fatalf("check of an old schema: %v", err)
	}
	// Replicas starting at once: each migration runs exactly once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = db.Migrate(ctx, "test", ms)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("migration 2 ran %d times (%v)", n, err)
	}
	if err := db.CheckSchema(ctx, "test", ms); err != nil {
		t.Fatal(err)
	}
	// An older binary refuses the newer schema and changes nothing.
	_, _, err = db.Migrate(ctx, "test", ms[:1])
	var se *pg.SchemaError
	if !errors.Is(err, pg.ErrSchemaNewer) || !errors.As(err, &se) || se.Database != 2 || se.Binary != 1 {
		t.Fatalf("older binary: %v", err)
	}
	if err := db.CheckSchema(ctx, "test", ms[:1]); !errors.Is(err, pg.ErrSchemaNewer) {
		t.Fatalf("check: %v", err)
	}
	if v, err := db.SchemaVersion(ctx, "test"); err != nil || v != 2 {
		t.Fatalf("version %d %v", v, err)
	}
	if v, err := db.SchemaVersion(ctx, "other"); err != nil || v != 0 {
		t.Fatalf("other component: version %d %v", v, err)
	}
}

func TestLoadMigrationsRefuses(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"gap":       {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"twice":     {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"bad name":  {"m/1_a.sql": {}},
		"other":     {"m/0001_a.sql": {}, "m/README": {}},
		"zero":      {"m/0000_a.sql": {}},
		"empty":     {"m/.keep": {}},
		"no folder": {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := pg.LoadMigrations(fsys, "m"); !errors.Is(err, pg.ErrBadMigration) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestLease(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, _, err := db.Migrate(ctx, "test", []pg.Migration{{Version: 1, Name: "none", SQL: "SELECT 1"}}); err != nil {
		t.Fatal(err)
	}
	try := func(holder string, ttl time.Duration) bool {
		t.Helper()
		ok, err := db.TryLease(ctx, "purge", holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !try("a", 300*time.Millisecond) || try("b", time.Minute) || !try("a", 300*time.Millisecond) {
		t.Fatal("a lease was not exclusive or not renewable")
	}
	time.Sleep(400 * time.Millisecond)
	if !try("b", time.Minute) || try("a", time.Minute) {
		t.Fatal("an expired lease was not taken over")
	}
	// Racing for a free lease: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.TryLease(ctx, "race", string(rune('p'+i)), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d holders won the lease", won)
	}
}
