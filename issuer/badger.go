package issuer

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/loopbrug/paspoort/internal/kv"
)

// BadgerStore is the embedded Store: a badger database (internal/kv) with
// badger's own encryption at rest and, on top, every record sealed with
// AES-256-GCM bound to its key (SECURITY.md G.51, G.52). Both keys are
// derived from one 32-byte master key. Writes are synced before Update
// returns; concurrent Updates share fsyncs. It is safe for concurrent use.
type BadgerStore struct {
	db     *kv.DB
	sealer *kv.Sealer
}

var _ Store = (*BadgerStore)(nil)

// OpenBadgerStore opens (or creates) the store in dir with a 32-byte master
// key. A wrong master key fails with kv.ErrKeyMismatch; the database is
// never recreated. dir "" opens an in-memory store (tests).
func OpenBadgerStore(dir string, masterKey []byte, logger *slog.Logger) (*BadgerStore, error) {
	if len(masterKey) != 32 {
		return nil, errors.New("issuer: the master key must be 32 bytes")
	}
	dbKey, err := hkdf.Key(sha256.New, masterKey, nil, "paspoort issuer badger encryption key", 32)
	if err != nil {
		return nil, fmt.Errorf("issuer: derive keys: %w", err)
	}
	keys, err := NewRecordKeys(masterKey)
	if err != nil {
		return nil, err
	}
	db, err := kv.Open(kv.Options{Dir: dir, InMemory: dir == "", EncryptionKey: dbKey, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("issuer: open store: %w", err)
	}
	return &BadgerStore{db: db, sealer: keys.Sealer}, nil
}

// Close closes the database.
func (s *BadgerStore) Close() error { return s.db.Close() }

// Run collects value-log garbage until ctx ends.
func (s *BadgerStore) Run(ctx context.Context) error { return s.db.Run(ctx) }

// Ping implements Store.
func (s *BadgerStore) Ping(ctx context.Context) error {
	return s.db.View(ctx, func(*kv.Txn) error { return nil })
}

// Update implements Store.
func (s *BadgerStore) Update(ctx context.Context, fn func(Tx) error) error {
	return s.db.Update(ctx, func(t *kv.Txn) error { return fn(&badgerTx{t: t, s: s.sealer}) })
}

// View implements Store.
func (s *BadgerStore) View(ctx context.Context, fn func(Tx) error) error {
	return s.db.View(ctx, func(t *kv.Txn) error { return fn(&badgerTx{t: t, s: s.sealer}) })
}

// Key layout.
const (
	pKey    = "key/"
	pOffer  = "offer/"
	pCode   = "code/"
	pToken  = "token/"
	pNonce  = "nonce/"
	pCred   = "cred/"
	pIndex  = "idx/"
	pStatus = "st/"
	pMeta   = "meta/"
)

type badgerTx struct {
	t *kv.Txn
	s *kv.Sealer
}

func (x *badgerTx) get(key string, v any) error {
	b, err := x.t.Get([]byte(key))
	if errors.Is(err, kv.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	pt, err := x.s.Open([]byte(key), b)
	if err != nil {
		return fmt.Errorf("record %s: %w", strings.SplitN(key, "/", 2)[0], err)
	}
	if err := json.Unmarshal(pt, v); err != nil {
		return fmt.Errorf("record %s: %w", strings.SplitN(key, "/", 2)[0], kv.ErrValue)
	}
	return nil
}

func (x *badgerTx) put(key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	sealed, err := x.s.Seal([]byte(key), b)
	if err != nil {
		return err
	}
	if ttl > 0 {
		return x.t.SetWithTTL([]byte(key), sealed, ttl)
	}
	return x.t.Set([]byte(key), sealed)
}

func (x *badgerTx) Keys() ([]KeyRecord, error) {
	var out []KeyRecord
	err := x.t.Iterate([]byte(pKey), func(k, v []byte) error {
		var r KeyRecord
		pt, err := x.s.Open(k, v)
		if err != nil {
			return fmt.Errorf("key record: %w", err)
		}
		if err := json.Unmarshal(pt, &r); err != nil {
			return fmt.Errorf("key record: %w", kv.ErrValue)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

func (x *badgerTx) PutKey(r KeyRecord) error { return x.put(pKey+r.KID, r, 0) }

func (x *badgerTx) Offer(id string) (*OfferRecord, error) {
	var r OfferRecord
	if err := x.get(pOffer+id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (x *badgerTx) OfferIDByCode(codeHash string) (string, error) {
	var id string
	if err := x.get(pCode+codeHash, &id); err != nil {
		return "", err
	}
	return id, nil
}

func (x *badgerTx) AddOffer(r *OfferRecord) error {
	if err := x.put(pOffer+r.ID, r, 0); err != nil {
		return err
	}
	return x.put(pCode+r.CodeHash, r.ID, 0)
}

func (x *badgerTx) PutOffer(r *OfferRecord) error { return x.put(pOffer+r.ID, r, 0) }

func (x *badgerTx) Token(hash string) (*TokenRecord, error) {
	var r TokenRecord
	if err := x.get(pToken+hash, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (x *badgerTx) PutToken(r *TokenRecord) error {
	return x.put(pToken+r.Hash, r, time.Until(r.ExpiresAt)+time.Hour)
}

func (x *badgerTx) UseNonce(hash string, expires time.Time) (bool, error) {
	k := []byte(pNonce + hash)
	if _, err := x.t.Get(k); err == nil {
		return false, nil
	} else if !errors.Is(err, kv.ErrNotFound) {
		return false, err
	}
	return true, x.t.SetWithTTL(k, []byte{1}, time.Until(expires)+time.Minute)
}

func (x *badgerTx) Credential(id string) (*CredentialRecord, error) {
	var r CredentialRecord
	if err := x.get(pCred+id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (x *badgerTx) PutCredential(r *CredentialRecord) error { return x.put(pCred+r.ID, r, 0) }

func (x *badgerTx) Credentials(after string, fn func(*CredentialRecord) bool) error {
	errStop := errors.New("stop")
	err := x.t.Iterate([]byte(pCred), func(k, v []byte) error {
		if string(k[len(pCred):]) <= after {
			return nil
		}
		pt, err := x.s.Open(k, v)
		if err != nil {
			return fmt.Errorf("credential record: %w", err)
		}
		var r CredentialRecord
		if err := json.Unmarshal(pt, &r); err != nil {
			return fmt.Errorf("credential record: %w", kv.ErrValue)
		}
		if !fn(&r) {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

func listKey(prefix string, list, idx int) []byte {
	b := make([]byte, 0, len(prefix)+12)
	b = append(b, prefix...)
	b = binary.BigEndian.AppendUint32(b, uint32(list))
	b = append(b, '/')
	return binary.BigEndian.AppendUint32(b, uint32(idx))
}

func (x *badgerTx) ClaimIndex(list, idx int) (bool, error) {
	k := listKey(pIndex, list, idx)
	if _, err := x.t.Get(k); err == nil {
		return false, nil
	} else if !errors.Is(err, kv.ErrNotFound) {
		return false, err
	}
	return true, x.t.Set(k, []byte{1})
}

func (x *badgerTx) SetStatus(list, idx int, status uint8) error {
	k := listKey(pStatus, list, idx)
	if status == 0 {
		return x.t.Delete(k)
	}
	return x.t.Set(k, []byte{status})
}

func (x *badgerTx) Statuses(list int, fn func(idx int, status uint8)) error {
	prefix := binary.BigEndian.AppendUint32([]byte(pStatus), uint32(list))
	prefix = append(prefix, '/')
	return x.t.Iterate(prefix, func(k, v []byte) error {
		if len(k) != len(prefix)+4 || len(v) != 1 {
			return fmt.Errorf("status entry: %w", kv.ErrValue)
		}
		fn(int(binary.BigEndian.Uint32(k[len(prefix):])), v[0])
		return nil
	})
}

func (x *badgerTx) Meta(name string) ([]byte, error) {
	var v []byte
	if err := x.get(pMeta+name, &v); err != nil {
		return nil, err
	}
	return v, nil
}

func (x *badgerTx) PutMeta(name string, val []byte) error { return x.put(pMeta+name, val, 0) }

// metaInt reads a decimal integer meta value, def when absent.
func metaInt(tx Tx, name string, def int) (int, error) {
	b, err := tx.Meta(name)
	if errors.Is(err, ErrNotFound) {
		return def, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(b))
}
