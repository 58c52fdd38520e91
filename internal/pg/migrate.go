package pg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/loopbrug/paspoort/internal/errclass"
)

// ErrSchemaNewer reports a database whose schema a newer binary migrated:
// this binary does not know its tables and must not write to them.
var ErrSchemaNewer = errors.New("pg: the database schema is newer than this program")

// ErrBadMigration reports an embedded migration set that cannot be used:
// a file name not of the form NNNN_name.sql, or versions not 1, 2, 3, …
// without gaps. Class FMT.
var ErrBadMigration = errclass.New(errclass.ErrFormat, "pg: invalid migration set")

// SchemaError is ErrSchemaNewer with the versions: the component's schema
// version in the database and the newest this binary knows.
type SchemaError struct {
	Component        string
	Database, Binary int
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("%v: %s schema version %d in the database, this program knows up to %d", ErrSchemaNewer, e.Component, e.Database, e.Binary)
}

// Is makes errors.Is(err, ErrSchemaNewer) true.
func (e *SchemaError) Is(target error) bool { return target == ErrSchemaNewer }

// Migration is one step of a schema: its version (1, 2, …), name and SQL.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]{1,64})\.sql$`)

// ParseMigrationName reads a migration file name NNNN_name.sql: its
// version (1 to 9999) and name. ErrBadMigration otherwise.
func ParseMigrationName(file string) (version int, name string, err error) {
	m := migrationName.FindStringSubmatch(file)
	if m == nil {
		return 0, "", fmt.Errorf("%w: file %q is not NNNN_name.sql", ErrBadMigration, file)
	}
	v, _ := strconv.Atoi(m[1])
	if v < 1 {
		return 0, "", fmt.Errorf("%w: file %q: versions start at 0001", ErrBadMigration, file)
	}
	return v, m[2], nil
}

// LoadMigrations reads the *.sql files in dir of fsys (an embed.FS) as
// migrations, in version order. Every other file is an error, and so is a
// gap or a repeated version.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMigration, err)
	}
	var ms []Migration
	for _, e := range entries {
		v, name, err := ParseMigrationName(e.Name())
		if err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadMigration, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("%w: version %d where %d was expected", ErrBadMigration, m.Version, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("%w: no migrations in %s", ErrBadMigration, dir)
	}
	return ms, nil
}

// bootstrap creates the tables of this package itself. Two replicas
// starting at once may both create a table: PostgreSQL then fails one
// with a unique violation on its catalogue (23505) or "already exists"
// (42P07) despite IF NOT EXISTS; the statement is run again.
const bootstrap = `
CREATE TABLE IF NOT EXISTS paspoort_schema_version (
	component  TEXT PRIMARY KEY,
	version    BIGINT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS paspoort_leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);`

// SchemaVersion returns the component's schema version in the database, 0
// when it has none (or the version table does not exist yet).
func (db *DB) SchemaVersion(ctx context.Context, component string) (int, error) {
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT version FROM paspoort_schema_version WHERE component = $1`, component).Scan(&v)
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows), errors.As(err, &pe) && pe.Code == "42P01": // undefined_table
		return 0, nil
	case err != nil:
		return 0, db.unavailable(err)
	}
	return int(v), nil
}

// Migrate brings the component's tables to the newest version of ms
// (LoadMigrations), each migration in its own transaction together with
// the new version number, so that a crash leaves the schema at a version
// it names. Replicas that migrate at once wait for each other on the
// version row; the second finds the work done. It returns the versions
// before and after, and a *SchemaError (ErrSchemaNewer) when the database
// is ahead of ms: nothing is changed then.
func (db *DB) Migrate(ctx context.Context, component string, ms []Migration) (from, to int, err error) {
	for attempt := 0; ; attempt++ {
		_, err := db.pool.Exec(ctx, bootstrap, pgx.QueryExecModeSimpleProtocol)
		var pe *pgconn.PgError
		if err == nil {
			break
		}
		if attempt < 5 && errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "42P07") {
			if err := sleep(ctx, backoff(attempt+1)); err != nil {
				return 0, 0, err
			}
			continue
		}
		return 0, 0, fmt.Errorf("create the schema version table: %w", db.unavailable(err))
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO paspoort_schema_version (component, version, updated_at) VALUES ($1, 0, now()) ON CONFLICT (component) DO NOTHING`, component); err != nil {
		return 0, 0, fmt.Errorf("record the schema version: %w", db.unavailable(err))
	}
	if from, err = db.SchemaVersion(ctx, component); err != nil {
		return 0, 0, err
	}
	if from > len(ms) {
		return from, from, &SchemaError{Component: component, Database: from, Binary: len(ms)}
	}
	to = from
	for _, m := range ms[from:] {
		err := db.Update(ctx, func(tx pgx.Tx) error {
			var v int64
			if err := tx.QueryRow(ctx, `SELECT version FROM paspoort_schema_version WHERE component = $1 FOR UPDATE`, component).Scan(&v); err != nil {
				return err
			}
			switch {
			case int(v) >= m.Version:
				return nil // another replica applied it meanwhile
			case int(v) != m.Version-1:
				return fmt.Errorf("%s schema at version %d, cannot apply %d", component, v, m.Version)
			}
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			_, err := tx.Exec(ctx, `UPDATE paspoort_schema_version SET version = $2, updated_at = $3 WHERE component = $1`, component, m.Version, time.Now())
			return err
		})
		if err != nil {
			return from, to, fmt.Errorf("migrate %s: %w", component, err)
		}
		to = m.Version
	}
	return from, to, nil
}

// CheckSchema reports whether the component's schema is exactly the
// newest of ms: a *SchemaError when the database is ahead, an error
// naming the migrate command when it is behind.
func (db *DB) CheckSchema(ctx context.Context, component string, ms []Migration) error {
	v, err := db.SchemaVersion(ctx, component)
	if err != nil {
		return err
	}
	switch {
	case v > len(ms):
		return &SchemaError{Component: component, Database: v, Binary: len(ms)}
	case v < len(ms):
		return fmt.Errorf("%w: %s schema at version %d, this program needs %d", ErrSchemaOlder, component, v, len(ms))
	}
	return nil
}

// ErrSchemaOlder reports a database not yet migrated to the version this
// program needs.
var ErrSchemaOlder = errors.New("pg: the database schema is older than this program needs")
