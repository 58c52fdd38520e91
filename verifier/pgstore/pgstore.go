package pgstore

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/pg"
	"github.com/loopbrug/paspoort/verifier"
)

// Component is the name under which the verifier's schema version is
// kept.
const Component = "verifier"

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the verifier's schema migrations, oldest first.
func Migrations() ([]pg.Migration, error) { return pg.LoadMigrations(migrationFS, "migrations") }

// Migrate brings the verifier's tables in db to this program's version; a
// *pg.SchemaError when the database is newer. It returns the versions
// before and after.
func Migrate(ctx context.Context, db *pg.DB) (from, to int, err error) {
	ms, err := Migrations()
	if err != nil {
		return 0, 0, err
	}
	return db.Migrate(ctx, Component, ms)
}

// Store is the verifier's Store on a PostgreSQL database.
type Store struct {
	db     *pg.DB
	sealer *kv.Sealer
	lookup *kv.Lookup
	log    *slog.Logger
	purge  time.Duration
	now    func() time.Time
}

var _ verifier.Store = (*Store)(nil)

// Option configures Open.
type Option func(*Store)

// WithLogger sets where Run reports a failed purge; default: discarded.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithPurgeInterval sets how often Run deletes expired transactions;
// default 5 minutes.
func WithPurgeInterval(d time.Duration) Option { return func(s *Store) { s.purge = d } }

// Open migrates db (Migrate) and returns the Store on it, sealing with
// sealKey (32 bytes, the verifier's verifier.key; the same on every
// replica). The Store owns db: Close closes it.
func Open(ctx context.Context, db *pg.DB, sealKey []byte, opts ...Option) (*Store, error) {
	sealer, err := kv.NewSealer(sealKey)
	if err != nil {
		return nil, fmt.Errorf("%w: seal key: %v", verifier.ErrBadConfig, err)
	}
	lookup, err := kv.NewLookup(sealKey, "paspoort verifier lookup key")
	if err != nil {
		return nil, fmt.Errorf("verifier store: %w", err)
	}
	if _, _, err := Migrate(ctx, db); err != nil {
		return nil, fmt.Errorf("verifier store: %w", err)
	}
	s := &Store{db: db, sealer: sealer, lookup: lookup, log: slog.New(slog.DiscardHandler), purge: 5 * time.Minute, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Close closes the database pool.
func (s *Store) Close() error {
	s.db.Close()
	return nil
}

// Ping reports whether the database answers (the verifier's /readyz):
// pg.ErrUnavailable when it does not.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Run deletes expired transactions every purge interval, on one replica
// at a time, until ctx ends.
func (s *Store) Run(ctx context.Context) error {
	return s.db.Every(ctx, "verifier-purge", s.purge, s.Purge, func(err error) {
		s.log.Warn("verifier store purge failed", "error", err)
	})
}

// Purge deletes the transactions past their expiry, in batches.
func (s *Store) Purge(ctx context.Context) error {
	now := s.now()
	for {
		var n int64
		err := s.db.Update(ctx, func(t pgx.Tx) error {
			tag, err := t.Exec(ctx, `DELETE FROM verifier_transactions WHERE id IN (SELECT id FROM verifier_transactions WHERE expires_at < $1 LIMIT 5000)`, now)
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			return fmt.Errorf("purge verifier_transactions: %w", err)
		}
		if n < 5000 {
			return nil
		}
	}
}

// mac returns the keyed hash that indexes v of kind.
func (s *Store) mac(kind, v string) []byte { return s.lookup.Hash(kind, v) }

func aad(id []byte) []byte { return append([]byte("verifier_transactions/"), id...) }

func (s *Store) seal(id []byte, tx *verifier.Transaction) ([]byte, error) {
	b, err := json.Marshal(tx)
	if err != nil {
		return nil, fmt.Errorf("encode transaction: %w", err)
	}
	sealed, err := s.sealer.Seal(aad(id), b)
	if err != nil {
		return nil, fmt.Errorf("seal transaction: %w", err)
	}
	return sealed, nil
}

func (s *Store) open(id, sealed []byte) (*verifier.Transaction, error) {
	b, err := s.sealer.Open(aad(id), sealed)
	if err != nil {
		return nil, fmt.Errorf("open transaction: %w", err)
	}
	var tx verifier.Transaction
	if err := json.Unmarshal(b, &tx); err != nil {
		return nil, fmt.Errorf("decode transaction: %w", err)
	}
	return &tx, nil
}

// CreateTransaction implements verifier.Store. A state already in use is
// refused, as in the badger store.
func (s *Store) CreateTransaction(ctx context.Context, tx *verifier.Transaction, ttl time.Duration) error {
	id := s.mac("id", tx.ID)
	sealed, err := s.seal(id, tx)
	if err != nil {
		return err
	}
	var kid []byte
	if tx.EncryptionKID != "" {
		kid = s.mac("kid", tx.EncryptionKID)
	}
	return s.db.Update(ctx, func(t pgx.Tx) error {
		tag, err := t.Exec(ctx, `INSERT INTO verifier_transactions (id, state, kid, status, expires_at, record)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, id, s.mac("state", tx.State), kid, string(tx.Status), s.now().Add(ttl), sealed)
		if err != nil {
			return fmt.Errorf("create transaction: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errors.New("create transaction: id, state or key id collision")
		}
		return nil
	})
}

// get reads the live transaction whose column col has the value key.
func (s *Store) get(ctx context.Context, q pgx.Tx, col string, key []byte) ([]byte, *verifier.Transaction, error) {
	var id, sealed []byte
	err := q.QueryRow(ctx, `SELECT id, record FROM verifier_transactions WHERE `+col+` = $1 AND expires_at > $2`, key, s.now()).Scan(&id, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, verifier.ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read transaction: %w", err)
	}
	tx, err := s.open(id, sealed)
	return id, tx, err
}

func (s *Store) view(ctx context.Context, col string, key []byte) (*verifier.Transaction, error) {
	var tx *verifier.Transaction
	err := s.db.View(ctx, func(t pgx.Tx) error {
		var err error
		_, tx, err = s.get(ctx, t, col, key)
		return err
	})
	return tx, err
}

// Transaction implements verifier.Store.
func (s *Store) Transaction(ctx context.Context, id string) (*verifier.Transaction, error) {
	return s.view(ctx, "id", s.mac("id", id))
}

// TransactionByState implements verifier.Store.
func (s *Store) TransactionByState(ctx context.Context, state string) (*verifier.Transaction, error) {
	return s.view(ctx, "state", s.mac("state", state))
}

// TransactionByKID implements verifier.Store.
func (s *Store) TransactionByKID(ctx context.Context, kid string) (*verifier.Transaction, error) {
	return s.view(ctx, "kid", s.mac("kid", kid))
}

// Decide implements verifier.Store: the stored transaction is read and
// written back in one serializable transaction, so of concurrent Decides
// on any replicas one commits and the others, run again, find it no
// longer pending (ErrReplay).
func (s *Store) Decide(ctx context.Context, prev *verifier.Transaction, d *verifier.Decision, codeHash string, retention time.Duration) error {
	return s.db.Update(ctx, func(t pgx.Tx) error {
		id, tx, err := s.get(ctx, t, "id", s.mac("id", prev.ID))
		if err != nil {
			return err
		}
		if tx.Status != verifier.TxPending {
			return verifier.ErrReplay
		}
		now := s.now()
		tx.Status, tx.Decision, tx.ResponseCodeHash = verifier.TxDecided, d, codeHash
		if d == nil {
			tx.Status = verifier.TxDeclined
		}
		tx.DeleteAt = now.Add(retention)
		// Nothing needed to answer the request survives the decision.
		tx.EncryptionKey, tx.Nonce = nil, ""
		sealed, err := s.seal(id, tx)
		if err != nil {
			return err
		}
		_, err = t.Exec(ctx, `UPDATE verifier_transactions SET status = $2, expires_at = $3, record = $4 WHERE id = $1`, id, string(tx.Status), tx.DeleteAt, sealed)
		if err != nil {
			return fmt.Errorf("decide: %w", err)
		}
		return nil
	})
}

// RedeemResponseCode implements verifier.Store.
func (s *Store) RedeemResponseCode(ctx context.Context, txID, codeHash string) (*verifier.Transaction, error) {
	var out *verifier.Transaction
	err := s.db.Update(ctx, func(t pgx.Tx) error {
		id, tx, err := s.get(ctx, t, "id", s.mac("id", txID))
		if err != nil {
			return err
		}
		if tx.Status != verifier.TxDecided || tx.ResponseCodeHash == "" || tx.ResponseCodeUsed ||
			subtle.ConstantTimeCompare([]byte(tx.ResponseCodeHash), []byte(codeHash)) != 1 {
			return verifier.ErrResponseCode
		}
		tx.ResponseCodeUsed = true
		sealed, err := s.seal(id, tx)
		if err != nil {
			return err
		}
		if _, err := t.Exec(ctx, `UPDATE verifier_transactions SET record = $2 WHERE id = $1`, id, sealed); err != nil {
			return fmt.Errorf("redeem response code: %w", err)
		}
		out = tx
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
