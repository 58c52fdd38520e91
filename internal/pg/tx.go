package pg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATEs the retry loop knows.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// defaultMaxAttempts is how often Update runs a transaction that keeps
// failing to serialize. With the backoff below that is about 1.5 s of
// pauses in the worst case: long enough for a burst of contention on one
// row, short enough that a request gets its answer well within its
// timeout.
const defaultMaxAttempts = 12

// Update runs fn in one SERIALIZABLE read-write transaction and commits
// it. When the database reports a serialization failure or a deadlock
// (fn's statements or the commit), the transaction is rolled back and fn
// runs again after a jittered pause, at most MaxAttempts times
// (ErrRetriesExhausted). fn must therefore have no effect outside the
// transaction. An error fn returns rolls back and is returned as it is.
// A connection lost before the commit was sent is retried too; one lost
// during the commit is not (it may have committed) and gives
// ErrUnavailable, as does a database that cannot be reached.
func (db *DB) Update(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, fn)
}

// View runs fn in a read-only transaction that sees one snapshot of the
// database (REPEATABLE READ, READ ONLY; CockroachDB runs it serializable).
// A write inside fn fails.
func (db *DB) View(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (db *DB) run(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	max := db.MaxAttempts
	if max <= 0 {
		max = defaultMaxAttempts
	}
	var last error
	connFailures := 0
	for attempt := 0; attempt < max; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return err
			}
		}
		err := db.once(ctx, opts, fn)
		if err == nil {
			return nil
		}
		if !retryable(err) {
			return db.unavailable(err)
		}
		if isConnError(err) {
			// One more connection may do (the pool had a dead one); a
			// database that is gone answers ErrUnavailable at once rather
			// than after every attempt's connect timeout.
			if connFailures++; connFailures > 1 {
				return db.unavailable(err)
			}
		}
		last = err
	}
	return fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, max, db.unavailable(last))
}

// errCommitUnknown marks a commit whose outcome is unknown.
type errCommitUnknown struct{ err error }

func (e errCommitUnknown) Error() string { return "commit: " + e.err.Error() }
func (e errCommitUnknown) Unwrap() error { return e.err }

func (db *DB) once(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) (err error) {
	tx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// A rollback on a broken connection fails too; the server
			// drops the transaction with the connection.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return err // the server refused it: nothing committed
		}
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, db.redacted, errCommitUnknown{err})
	}
	return nil
}

// retryable reports an error after which running the transaction again
// is safe and may succeed.
func retryable(err error) bool {
	var cu errCommitUnknown
	if errors.As(err, &cu) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
	}
	// Nothing reached the server (a pooled connection found dead when the
	// transaction began): another connection may do.
	return pgconn.SafeToRetry(err)
}

// IsSerializationFailure reports a serialization failure or deadlock
// (what Update retries).
func IsSerializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected)
}

// isConnError reports a failure of the connection rather than of a
// statement: the database is down, unreachable or restarting.
func isConnError(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P0x: the server is shutting
		// down or starting.
		return pe.Code[:2] == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// backoff is the pause before attempt n (1, 2, …): 2 ms doubling up to
// 200 ms, of which a random part, so that replicas that collided do not
// collide again in step.
func backoff(n int) time.Duration {
	d := min(2*time.Millisecond<<min(n-1, 10), 200*time.Millisecond)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
