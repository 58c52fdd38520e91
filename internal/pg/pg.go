package pg

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopbrug/paspoort/internal/errclass"
)

// Errors returned by this package.
var (
	// ErrBadDSN reports a store address that is not a postgres:// or
	// postgresql:// URL pgx can read, or pool settings out of range.
	// Class FMT.
	ErrBadDSN = errclass.New(errclass.ErrFormat, "pg: invalid database address or pool setting")
	// ErrUnavailable reports a database that cannot be reached or did not
	// answer: the connection failed, timed out or was lost.
	ErrUnavailable = errors.New("pg: database unavailable")
	// ErrRetriesExhausted reports a transaction that still failed to
	// serialize after MaxAttempts attempts; nothing of it was committed.
	ErrRetriesExhausted = errors.New("pg: transaction could not be serialized")
)

// Options are the connection pool settings. Zero fields take the
// defaults written next to them.
type Options struct {
	// MaxConns bounds the pool; default 16. Every replica holds up to
	// this many connections: size the database's max_connections for all.
	MaxConns int32
	// MinConns are kept open even when idle; default 0.
	MinConns int32
	// ConnLifetime is how long a connection lives before it is replaced
	// (so a fail-over or a load balancer in front of the database spreads
	// connections again); default 30 minutes.
	ConnLifetime time.Duration
	// ConnectTimeout bounds dialling and the first ping; default 5 s.
	ConnectTimeout time.Duration
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.MaxConns == 0 {
		o.MaxConns = 16
	}
	if o.ConnLifetime == 0 {
		o.ConnLifetime = 30 * time.Minute
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	return o
}

// Validate reports settings out of range (ErrBadDSN).
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case o.MaxConns < 1 || o.MaxConns > 10000:
		return fmt.Errorf("%w: max connections %d: want 1 to 10000", ErrBadDSN, o.MaxConns)
	case o.MinConns < 0 || o.MinConns > o.MaxConns:
		return fmt.Errorf("%w: min connections %d: want 0 to max connections (%d)", ErrBadDSN, o.MinConns, o.MaxConns)
	case o.ConnLifetime < time.Second:
		return fmt.Errorf("%w: connection lifetime %v: want at least 1s", ErrBadDSN, o.ConnLifetime)
	case o.ConnectTimeout < 0:
		return fmt.Errorf("%w: connect timeout %v", ErrBadDSN, o.ConnectTimeout)
	}
	return nil
}

// IsDSN reports whether s names a PostgreSQL store (postgres:// or
// postgresql://), as opposed to a badger folder.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// DB is a pool of connections to one database. Safe for concurrent use.
type DB struct {
	pool     *pgxpool.Pool
	redacted string
	// MaxAttempts bounds how often Update runs a transaction that fails to
	// serialize; default (0) 12.
	MaxAttempts int
}

// Open connects to the database at dsn (a postgres:// URL) with the pool
// settings of o, and pings it. It fails with ErrBadDSN for a bad address
// and ErrUnavailable when the database does not answer; neither error
// carries the DSN's password.
func Open(ctx context.Context, dsn string, o Options) (*DB, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	red := Redact(dsn)
	if !IsDSN(dsn) {
		return nil, fmt.Errorf("%w: %s: want postgres://user@host:port/database", ErrBadDSN, red)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the address, password included: only
		// say that it could not be read.
		return nil, fmt.Errorf("%w: %s: cannot be read as a postgres URL", ErrBadDSN, red)
	}
	cfg.MaxConns, cfg.MinConns, cfg.MaxConnLifetime = o.MaxConns, o.MinConns, o.ConnLifetime
	cfg.MaxConnLifetimeJitter = o.ConnLifetime / 10
	cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	cfg.ConnConfig.RuntimeParams["application_name"] = "paspoort"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadDSN, red, scrub(err, dsn))
	}
	db := &DB{pool: pool, redacted: red}
	pctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes every connection.
func (db *DB) Close() { db.pool.Close() }

// String returns the database's address without its password.
func (db *DB) String() string { return db.redacted }

// Pool returns the pool, for queries outside a transaction.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping checks that the database answers a query (for /readyz):
// ErrUnavailable when it does not.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, db.redacted, err)
	}
	return nil
}

// Redact returns dsn without its password (in the user part or in a
// password or sslpassword parameter) and without other parameters, fit to
// log or show: postgres://user@host:port/database. A dsn that is not a
// URL gives "(unreadable address)".
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "(unreadable address)"
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.User != nil {
		r.User = url.User(u.User.Username())
	}
	if h := u.Query().Get("host"); h != "" && u.Host == "" {
		// A unix socket folder given as ?host=: say where, not how.
		return r.String() + " (socket " + h + ")"
	}
	return r.String()
}

// scrub removes dsn's password from an error's text, should a driver
// error quote it.
func scrub(err error, dsn string) string {
	s := err.Error()
	if u, perr := url.Parse(dsn); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			s = strings.ReplaceAll(s, p, "xxxxx")
		}
	}
	return s
}

// unavailable wraps a connection-level failure in ErrUnavailable.
func (db *DB) unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isConnError(err) {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, db.redacted, err)
	}
	return err
}

// Exec runs one statement outside a transaction.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := db.pool.Exec(ctx, sql, args...)
	return db.unavailable(err)
}
