package wallet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/loopbrug/paspoort/internal/kv"
)

// Kind is the kind of a stored record. Record ids within a kind are random
// or time-ordered strings that say nothing about the record's content.
type Kind string

// The kinds of records a wallet keeps.
const (
	// KindHeader holds the wallet header: the key derivation parameters and
	// the wrapped data key. It is the only record that is not sealed; it
	// holds no secret in the clear.
	KindHeader Kind = "meta"
	// KindDEK holds a credential's own data key, sealed with the wallet's
	// data key. Deleting it shreds the credential (SECURITY.md G.53).
	KindDEK Kind = "d"
	// KindCredential holds a credential's summary and processed claims,
	// sealed with the credential's data key.
	KindCredential Kind = "c"
	// KindSecret holds a credential's SD-JWT copies and the holder keys they
	// are bound to, sealed with the credential's data key.
	KindSecret Kind = "k"
	// KindHistory holds one presentation log entry, sealed with the
	// wallet's data key.
	KindHistory Kind = "h"
)

// Record is one stored record.
type Record struct {
	Kind  Kind
	ID    string
	Value []byte
}

// Ref names one record.
type Ref struct {
	Kind Kind
	ID   string
}

// Key returns the record's key in the store: kind "/" id. It is also the
// associated data the record is sealed with.
func (r Ref) Key() []byte { return []byte(string(r.Kind) + "/" + r.ID) }

// Batch is a set of writes applied atomically.
type Batch struct {
	// IfAbsent lists records that must not exist; if one does, Apply
	// fails with ErrExists and writes nothing.
	IfAbsent []Ref
	// Put lists records to store.
	Put []Record
	// Delete lists records to remove.
	Delete []Ref
}

// Store is where a wallet keeps its records. It only ever sees sealed
// bytes (and the header, which holds no secret in the clear), so a store
// needs no trust. Implementations are safe for concurrent use.
//
// The embedded default is the badger store of OpenStore.
type Store interface {
	// Get returns the value of one record, or an error wrapping
	// ErrNotFound.
	Get(ctx context.Context, r Ref) ([]byte, error)
	// Scan calls fn for every record of kind, in id order. An error from fn
	// stops the scan and is returned.
	Scan(ctx context.Context, kind Kind, fn func(id string, value []byte) error) error
	// Apply applies b in one atomic transaction that is durable on disk
	// before Apply returns: after a crash, all of b or none of it is there.
	Apply(ctx context.Context, b Batch) error
	// Close releases the store.
	Close() error
}

// BadgerStore is the embedded Store: a badger database (internal/kv) with
// synchronous writes, one transaction per Batch. It is safe for concurrent
// use; badger locks its folder, so one process at a time opens it.
type BadgerStore struct {
	db *kv.DB
}

var _ Store = (*BadgerStore)(nil)

// OpenStore opens the badger store in dir. With create it creates dir (mode
// 0700) and an empty database when there is none; without it a folder that
// holds no database fails with ErrNotInitialised and nothing is created.
func OpenStore(dir string, create bool, logger *slog.Logger) (*BadgerStore, error) {
	if dir == "" {
		return nil, errors.New("wallet: a data folder is required")
	}
	if !create && !storeExists(dir) {
		return nil, fmt.Errorf("%w: %s", ErrNotInitialised, dir)
	}
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("wallet: create %s: %w", dir, err)
		}
	}
	db, err := kv.Open(kv.Options{Dir: dir, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("wallet: open store: %w", err)
	}
	return &BadgerStore{db: db}, nil
}

// storeExists reports whether dir holds a badger database.
func storeExists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "MANIFEST"))
	return err == nil
}

// Get implements Store.
func (s *BadgerStore) Get(ctx context.Context, r Ref) ([]byte, error) {
	var v []byte
	err := s.db.View(ctx, func(t *kv.Txn) error {
		var err error
		v, err = t.Get(r.Key())
		return err
	})
	if errors.Is(err, kv.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s record", ErrNotFound, r.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: read %s record: %w", r.Kind, err)
	}
	return v, nil
}

// Scan implements Store.
func (s *BadgerStore) Scan(ctx context.Context, kind Kind, fn func(id string, value []byte) error) error {
	prefix := []byte(string(kind) + "/")
	return s.db.View(ctx, func(t *kv.Txn) error {
		return t.Iterate(prefix, func(k, v []byte) error {
			return fn(strings.TrimPrefix(string(k), string(prefix)), v)
		})
	})
}

// Apply implements Store.
func (s *BadgerStore) Apply(ctx context.Context, b Batch) error {
	return s.db.Update(ctx, func(t *kv.Txn) error {
		for _, r := range b.IfAbsent {
			_, err := t.Get(r.Key())
			if err == nil {
				return fmt.Errorf("%w: %s record", ErrExists, r.Kind)
			}
			if !errors.Is(err, kv.ErrNotFound) {
				return err
			}
		}
		for _, r := range b.Delete {
			if err := t.Delete(r.Key()); err != nil {
				return err
			}
		}
		for _, r := range b.Put {
			if err := t.Set(Ref{r.Kind, r.ID}.Key(), r.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close implements Store.
func (s *BadgerStore) Close() error { return s.db.Close() }

// Run collects value-log garbage until ctx ends, so deleted records do not
// linger on disk; a long-running wallet (wallet serve) runs it.
func (s *BadgerStore) Run(ctx context.Context) error { return s.db.Run(ctx) }
