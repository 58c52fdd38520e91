package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/pg"
	"github.com/loopbrug/paspoort/issuer"
)

// Component is the name under which the issuer's schema version is kept.
const Component = "issuer"

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the issuer's schema migrations, oldest first.
func Migrations() ([]pg.Migration, error) { return pg.LoadMigrations(migrationFS, "migrations") }

// Migrate brings the issuer's tables in db to this program's version; a
// *pg.SchemaError when the database is newer. It returns the versions
// before and after.
func Migrate(ctx context.Context, db *pg.DB) (from, to int, err error) {
	ms, err := Migrations()
	if err != nil {
		return 0, 0, err
	}
	return db.Migrate(ctx, Component, ms)
}

// Store is the issuer's Store on a PostgreSQL database.
type Store struct {
	db    *pg.DB
	keys  *issuer.RecordKeys
	log   *slog.Logger
	purge time.Duration
}

var _ issuer.Store = (*Store)(nil)

// Option configures Open.
type Option func(*Store)

// WithLogger sets where Run reports a failed purge; default: discarded.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithPurgeInterval sets how often Run purges expired tokens and nonces;
// default 10 minutes.
func WithPurgeInterval(d time.Duration) Option { return func(s *Store) { s.purge = d } }

// Open migrates db (Migrate) and returns the Store on it, with keys
// derived from the issuer's 32-byte master key. Every replica must have
// the same master key. The Store owns db: Close closes it.
func Open(ctx context.Context, db *pg.DB, masterKey []byte, opts ...Option) (*Store, error) {
	keys, err := issuer.NewRecordKeys(masterKey)
	if err != nil {
		return nil, err
	}
	if _, _, err := Migrate(ctx, db); err != nil {
		return nil, fmt.Errorf("issuer store: %w", err)
	}
	s := &Store{db: db, keys: keys, log: slog.New(slog.DiscardHandler), purge: 10 * time.Minute}
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

// Ping implements issuer.Store: pg.ErrUnavailable when the database does
// not answer.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Update implements issuer.Store.
func (s *Store) Update(ctx context.Context, fn func(issuer.Tx) error) error {
	return s.db.Update(ctx, func(t pgx.Tx) error { return fn(&tx{ctx: ctx, t: t, s: s}) })
}

// View implements issuer.Store.
func (s *Store) View(ctx context.Context, fn func(issuer.Tx) error) error {
	return s.db.View(ctx, func(t pgx.Tx) error { return fn(&tx{ctx: ctx, t: t, s: s}) })
}

// Run purges expired access tokens and used c_nonces past their expiry
// every purge interval, on one replica at a time, until ctx ends.
func (s *Store) Run(ctx context.Context) error {
	return s.db.Every(ctx, "issuer-purge", s.purge, s.Purge, func(err error) {
		s.log.Warn("issuer store purge failed", "error", err)
	})
}

// Purge deletes the access tokens and c_nonce records that have expired,
// in batches, so that no one transaction holds many rows.
func (s *Store) Purge(ctx context.Context) error {
	now := time.Now()
	for _, table := range []string{"issuer_tokens", "issuer_nonces"} {
		for {
			var n int64
			err := s.db.Update(ctx, func(t pgx.Tx) error {
				tag, err := t.Exec(ctx, `DELETE FROM `+table+` WHERE id IN (SELECT id FROM `+table+` WHERE expires_at < $1 LIMIT 5000)`, now)
				n = tag.RowsAffected()
				return err
			})
			if err != nil {
				return fmt.Errorf("purge %s: %w", table, err)
			}
			if n < 5000 {
				break
			}
		}
	}
	return nil
}

// tx is one transaction.
type tx struct {
	ctx context.Context
	t   pgx.Tx
	s   *Store
}

// seal seals a record for the row id of table.
func (x *tx) seal(table string, id []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s record: %w", table, err)
	}
	return x.s.keys.Sealer.Seal(aad(table, id), b)
}

func (x *tx) open(table string, id, sealed []byte, v any) error {
	pt, err := x.s.keys.Sealer.Open(aad(table, id), sealed)
	if err != nil {
		return fmt.Errorf("%s record: %w", table, err)
	}
	if err := json.Unmarshal(pt, v); err != nil {
		return fmt.Errorf("%s record: %w", table, kv.ErrValue)
	}
	return nil
}

// aad binds a sealed record to its table and row: a record copied to
// another row does not open.
func aad(table string, id []byte) []byte {
	return append([]byte(table+"/"), id...)
}

// getRecord reads the record of id in table and opens it into v.
func (x *tx) getRecord(table string, id []byte, v any) error {
	var sealed []byte
	err := x.t.QueryRow(x.ctx, `SELECT record FROM `+table+` WHERE id = $1`, id).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return x.open(table, id, sealed, v)
}

// putRecord inserts or replaces the record of id in table.
func (x *tx) putRecord(table string, id []byte, v any) error {
	sealed, err := x.seal(table, id, v)
	if err != nil {
		return err
	}
	if _, err := x.t.Exec(x.ctx, `INSERT INTO `+table+` (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = excluded.record`, id, sealed); err != nil {
		return fmt.Errorf("write %s: %w", table, err)
	}
	return nil
}

func (x *tx) Keys() ([]issuer.KeyRecord, error) {
	rows, err := x.t.Query(x.ctx, `SELECT id, record FROM issuer_keys`)
	if err != nil {
		return nil, fmt.Errorf("read issuer_keys: %w", err)
	}
	type row struct{ id, sealed []byte }
	var raw []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.sealed); err != nil {
			return nil, fmt.Errorf("read issuer_keys: %w", err)
		}
		raw = append(raw, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read issuer_keys: %w", err)
	}
	out := make([]issuer.KeyRecord, 0, len(raw))
	for _, r := range raw {
		var k issuer.KeyRecord
		if err := x.open("issuer_keys", r.id, r.sealed, &k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (x *tx) PutKey(r issuer.KeyRecord) error {
	return x.putRecord("issuer_keys", x.s.keys.Lookup("key", r.KID), r)
}

func (x *tx) Offer(id string) (*issuer.OfferRecord, error) {
	var r issuer.OfferRecord
	if err := x.getRecord("issuer_offers", x.s.keys.Lookup("offer", id), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (x *tx) OfferIDByCode(codeHash string) (string, error) {
	var id, sealed []byte
	err := x.t.QueryRow(x.ctx, `SELECT id, record FROM issuer_offers WHERE code = $1`, x.s.keys.Lookup("code", codeHash)).Scan(&id, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", issuer.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read issuer_offers: %w", err)
	}
	// The id column is a keyed hash: the offer's id is in its record.
	var r issuer.OfferRecord
	if err := x.open("issuer_offers", id, sealed, &r); err != nil {
		return "", err
	}
	return r.ID, nil
}

func (x *tx) AddOffer(r *issuer.OfferRecord) error {
	id := x.s.keys.Lookup("offer", r.ID)
	sealed, err := x.seal("issuer_offers", id, r)
	if err != nil {
		return err
	}
	if _, err := x.t.Exec(x.ctx, `INSERT INTO issuer_offers (id, code, record) VALUES ($1, $2, $3)`, id, x.s.keys.Lookup("code", r.CodeHash), sealed); err != nil {
		return fmt.Errorf("add offer: %w", err)
	}
	return nil
}

func (x *tx) PutOffer(r *issuer.OfferRecord) error {
	id := x.s.keys.Lookup("offer", r.ID)
	sealed, err := x.seal("issuer_offers", id, r)
	if err != nil {
		return err
	}
	tag, err := x.t.Exec(x.ctx, `UPDATE issuer_offers SET record = $2 WHERE id = $1`, id, sealed)
	if err != nil {
		return fmt.Errorf("write offer: %w", err)
	}
	if tag.RowsAffected() == 0 {
		// An offer is updated, never created, here: AddOffer indexes its
		// code.
		return issuer.ErrNotFound
	}
	return nil
}

func (x *tx) Token(hash string) (*issuer.TokenRecord, error) {
	id := x.s.keys.Lookup("token", hash)
	var sealed []byte
	err := x.t.QueryRow(x.ctx, `SELECT record FROM issuer_tokens WHERE id = $1 AND expires_at > $2`, id, time.Now()).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, issuer.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read issuer_tokens: %w", err)
	}
	var r issuer.TokenRecord
	if err := x.open("issuer_tokens", id, sealed, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// PutToken keeps the token an hour past its expiry, as the badger store
// does, so that a late request is told the token expired.
func (x *tx) PutToken(r *issuer.TokenRecord) error {
	id := x.s.keys.Lookup("token", r.Hash)
	sealed, err := x.seal("issuer_tokens", id, r)
	if err != nil {
		return err
	}
	_, err = x.t.Exec(x.ctx, `INSERT INTO issuer_tokens (id, expires_at, record) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, record = excluded.record`, id, r.ExpiresAt.Add(time.Hour), sealed)
	if err != nil {
		return fmt.Errorf("write token: %w", err)
	}
	return nil
}

// UseNonce inserts the nonce's keyed hash; of concurrent transactions
// inserting the same one, the database lets one commit. A record past its
// expiry (not purged yet) counts as gone, as in the badger store.
func (x *tx) UseNonce(hash string, expires time.Time) (bool, error) {
	tag, err := x.t.Exec(x.ctx, `INSERT INTO issuer_nonces (id, expires_at) VALUES ($1, $2)
ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE issuer_nonces.expires_at < $3`,
		x.s.keys.Lookup("nonce", hash), expires.Add(time.Minute), time.Now())
	if err != nil {
		return false, fmt.Errorf("use nonce: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

func (x *tx) Credential(id string) (*issuer.CredentialRecord, error) {
	var r issuer.CredentialRecord
	if err := x.getRecord("issuer_credentials", []byte(id), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (x *tx) PutCredential(r *issuer.CredentialRecord) error {
	sealed, err := x.seal("issuer_credentials", []byte(r.ID), r)
	if err != nil {
		return err
	}
	if _, err := x.t.Exec(x.ctx, `INSERT INTO issuer_credentials (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = excluded.record`, r.ID, sealed); err != nil {
		return fmt.Errorf("write credential: %w", err)
	}
	return nil
}

// credentialsPage is how many credential records Credentials reads at a
// time: fn runs between pages, never while a result set is open.
const credentialsPage = 256

func (x *tx) Credentials(after string, fn func(*issuer.CredentialRecord) bool) error {
	for {
		rows, err := x.t.Query(x.ctx, `SELECT id, record FROM issuer_credentials WHERE id > $1 ORDER BY id LIMIT $2`, after, credentialsPage)
		if err != nil {
			return fmt.Errorf("read issuer_credentials: %w", err)
		}
		var page []issuer.CredentialRecord
		for rows.Next() {
			var id string
			var sealed []byte
			if err := rows.Scan(&id, &sealed); err != nil {
				return fmt.Errorf("read issuer_credentials: %w", err)
			}
			var r issuer.CredentialRecord
			if err := x.open("issuer_credentials", []byte(id), sealed, &r); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
			after = id
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read issuer_credentials: %w", err)
		}
		for i := range page {
			if !fn(&page[i]) {
				return nil
			}
		}
		if len(page) < credentialsPage {
			return nil
		}
	}
}

// ClaimIndex inserts (list, idx) under its primary key: of replicas
// claiming the same index at once, one commits and the others see it
// taken (on retry after a serialization failure, or at once).
func (x *tx) ClaimIndex(list, idx int) (bool, error) {
	tag, err := x.t.Exec(x.ctx, `INSERT INTO issuer_status_index (list, idx) VALUES ($1, $2) ON CONFLICT (list, idx) DO NOTHING`, list, idx)
	if err != nil {
		return false, fmt.Errorf("claim status index: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

func (x *tx) SetStatus(list, idx int, status uint8) error {
	var err error
	if status == 0 {
		_, err = x.t.Exec(x.ctx, `DELETE FROM issuer_status WHERE list = $1 AND idx = $2`, list, idx)
	} else {
		_, err = x.t.Exec(x.ctx, `INSERT INTO issuer_status (list, idx, status) VALUES ($1, $2, $3)
ON CONFLICT (list, idx) DO UPDATE SET status = excluded.status`, list, idx, int16(status))
	}
	if err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	return nil
}

func (x *tx) Statuses(list int, fn func(idx int, status uint8)) error {
	rows, err := x.t.Query(x.ctx, `SELECT idx, status FROM issuer_status WHERE list = $1 ORDER BY idx`, list)
	if err != nil {
		return fmt.Errorf("read statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var st int16
		if err := rows.Scan(&idx, &st); err != nil {
			return fmt.Errorf("read statuses: %w", err)
		}
		if st < 0 || st > 255 {
			return fmt.Errorf("status entry %d: %w", idx, kv.ErrValue)
		}
		fn(int(idx), uint8(st))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read statuses: %w", err)
	}
	return nil
}

func (x *tx) Meta(name string) ([]byte, error) {
	var v []byte
	if err := x.getRecord("issuer_meta", x.s.keys.Lookup("meta", name), &v); err != nil {
		return nil, err
	}
	return v, nil
}

func (x *tx) PutMeta(name string, val []byte) error {
	return x.putRecord("issuer_meta", x.s.keys.Lookup("meta", name), val)
}
