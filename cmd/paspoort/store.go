package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loopbrug/paspoort/internal/pg"
	issuerpg "github.com/loopbrug/paspoort/issuer/pgstore"
	verifierpg "github.com/loopbrug/paspoort/verifier/pgstore"
)

// storeFlags choose the store of a service: badger in --data when Store
// is empty, a shared PostgreSQL (or CockroachDB) database when it is a
// postgres:// URL, with the pool settings.
type storeFlags struct {
	Store        string
	MaxConns     int
	MinConns     int
	ConnLifetime time.Duration
}

func addStoreFlags(f *pflag.FlagSet, s *storeFlags, what string) {
	f.StringVar(&s.Store, "store", "", "postgres://user:password@host:5432/database of a database the "+what+"'s replicas share (PostgreSQL or CockroachDB); default: the badger store in --data")
	f.IntVar(&s.MaxConns, "db-max-conns", 16, "with --store: the most database connections this replica opens")
	f.IntVar(&s.MinConns, "db-min-conns", 0, "with --store: database connections kept open when idle")
	f.DurationVar(&s.ConnLifetime, "db-conn-lifetime", 30*time.Minute, "with --store: how long a database connection is used before it is replaced")
}

// postgres reports whether a database was chosen.
func (s storeFlags) postgres() bool { return s.Store != "" }

// open connects to the database. Its errors say the class, what
// happened and the flag that fixes it, and never show the password.
func (s storeFlags) open(ctx context.Context) (*pg.DB, error) {
	if !pg.IsDSN(s.Store) {
		return nil, usagef("--store %s: not a database address (FMT): give --store postgres://user@host:5432/database, or leave --store out for the badger store in --data", pg.Redact(s.Store))
	}
	if s.MaxConns < 1 || s.MaxConns > 10000 || s.MinConns < 0 || s.MinConns > s.MaxConns {
		return nil, usagef("--db-max-conns %d, --db-min-conns %d: want 1 ≤ max ≤ 10000 and 0 ≤ min ≤ max (FMT)", s.MaxConns, s.MinConns)
	}
	db, err := pg.Open(ctx, s.Store, pg.Options{MaxConns: int32(s.MaxConns), MinConns: int32(s.MinConns), ConnLifetime: s.ConnLifetime})
	switch {
	case errors.Is(err, pg.ErrBadDSN):
		return nil, usagef("--store %s: cannot be used (FMT): %v; give --store postgres://user@host:5432/database and pool settings in range (--db-conn-lifetime at least 1s)", pg.Redact(s.Store), err)
	case errors.Is(err, pg.ErrUnavailable):
		return nil, fmt.Errorf("database unavailable (STORE): %s does not answer: check that it runs and that --store names the right host, port, database, user and password: %w", pg.Redact(s.Store), err)
	case err != nil:
		return nil, fmt.Errorf("database (STORE): %s: %w", pg.Redact(s.Store), err)
	}
	return db, nil
}

// schemaError says what a schema the program cannot use means.
func schemaError(err error, component string) error {
	var se *pg.SchemaError
	if errors.As(err, &se) {
		return fmt.Errorf("database schema too new (STORE): the %s tables are at version %d and this paspoort knows up to %d; nothing was changed: run the newer paspoort, or give --store another database: %w",
			component, se.Database, se.Binary, err)
	}
	if errors.Is(err, pg.ErrUnavailable) {
		return fmt.Errorf("database unavailable (STORE): check that it runs and that --store is right: %w", err)
	}
	return err
}

// newMigrateCommand returns "paspoort issuer|verifier migrate".
func newMigrateCommand(component string) *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "migrate --store postgres://…",
		Short: "Bring the " + component + "'s tables in a shared database to this version",
		Long: "Create or upgrade the " + component + "'s tables in the database of --store to the schema version this\n" +
			"paspoort knows, each step in its own transaction. \"" + component + " serve --store\" does the same when it\n" +
			"starts; run migrate first to upgrade before starting the new replicas. A database migrated by a\n" +
			"newer paspoort is refused and left unchanged. Prints {\"component\", \"from\", \"to\"}.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sf.Store == "" {
				return usagef("--store is required: the postgres://user@host:5432/database to migrate")
			}
			db, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			migrate := issuerpg.Migrate
			if component == "verifier" {
				migrate = verifierpg.Migrate
			}
			from, to, err := migrate(cmd.Context(), db)
			if err != nil {
				return schemaError(err, component)
			}
			return writeJSON(cmd, map[string]any{"component": component, "from": from, "to": to})
		},
	}
	addStoreFlags(cmd.Flags(), &sf, component)
	return cmd
}
