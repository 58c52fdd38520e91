package pg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// NewHolder returns a random lease holder name for this process.
func NewHolder() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TryLease takes the lease name for holder, or renews it when holder has
// it, until ttl from the database's clock; it reports whether holder has
// the lease now. Another holder's lease is taken over only once expired,
// so at most one holder has an unexpired lease at a time (the check and
// the write are one serializable transaction; clocks of the replicas do
// not matter, only the database's).
func (db *DB) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	var ok bool
	err := db.Update(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
INSERT INTO paspoort_leases (name, holder, expires_at) VALUES ($1, $2, now() + $3::BIGINT * INTERVAL '1 millisecond')
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE paspoort_leases.holder = excluded.holder OR paspoort_leases.expires_at < now()`, name, holder, ttl.Milliseconds())
		ok = err == nil && tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return ok, nil
}

// Every runs chore every interval, on one replica at a time: before each
// run the lease name is taken or renewed for twice the interval, and the
// chore runs only when this holder has it. An error of the lease or the
// chore goes to report (which may be nil) and the loop goes on; it ends
// with ctx, returning nil.
func (db *DB) Every(ctx context.Context, name string, interval time.Duration, chore func(context.Context) error, report func(error)) error {
	holder := NewHolder()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ok, err := db.TryLease(ctx, name, holder, 2*interval)
		if err == nil && ok {
			err = chore(ctx)
		}
		if err != nil && ctx.Err() == nil && report != nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
