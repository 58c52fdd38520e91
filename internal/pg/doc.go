// Package pg is the PostgreSQL plumbing the issuer's and the verifier's
// shared stores have in common (issuer/pgstore, verifier/pgstore), on
// github.com/jackc/pgx/v5:
//
//   - Open: a connection pool from a postgres:// DSN with the pool
//     settings of Options (the --db-* flags), checked with a ping.
//   - DB.Update runs a function in one SERIALIZABLE transaction and runs it
//     again, after a short jittered pause, when the database reports a
//     serialization failure (SQLSTATE 40001) or a deadlock (40P01), at most
//     MaxAttempts times. DB.View runs one in a read-only snapshot.
//   - Migrate applies versioned migrations embedded in the binary (an
//     fs.FS of NNNN_name.sql files) and records the version per component
//     in paspoort_schema_version; it refuses a database whose schema is
//     newer than the binary knows (*SchemaError, ErrSchemaNewer).
//   - Lease lets one replica at a time do a chore (retention purges): a
//     row with a holder and an expiry, taken in a serializable transaction.
//
// Only SQL that CockroachDB also runs is used: no advisory locks, no
// LISTEN/NOTIFY, ON CONFLICT, and the types BYTEA, TEXT, BIGINT,
// SMALLINT and TIMESTAMPTZ. A DB is safe for concurrent use.
//
// DSNs carry passwords: Redact gives the form that may be logged or
// shown in an error.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package pg
