package kv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/loopbrug/paspoort/internal/errclass"
)

// Errors returned by this package.
var (
	// ErrNotFound reports a missing key.
	ErrNotFound = errors.New("kv: not found")
	// ErrKeyMismatch reports an encryption key that does not open the
	// database (or a missing key for an encrypted one).
	ErrKeyMismatch = errors.New("kv: encryption key does not match the database")
	// ErrCorrupt reports a sealed record that does not authenticate: a
	// bit flip on disk, a record moved to another key, or a wrong key.
	ErrCorrupt = errors.New("kv: record does not authenticate")
	// ErrNotClosed reports a store that could not be closed cleanly: badger
	// failed to write its last state, did not finish within the close
	// timeout (its folder removed or its disk failing, badger retries for
	// ever), or the folder was gone after closing. Writes since the last
	// sync may be lost.
	ErrNotClosed = errors.New("kv: the store could not be closed cleanly")
	// ErrValue reports a stored value that cannot be decoded.
	ErrValue = errclass.New(errclass.ErrFormat, "kv: stored value cannot be decoded")
)

// valueLogFileSize is badger's value log file size, and so the largest
// value; maxKeySize is badger's largest key.
const (
	valueLogFileSize = 64 << 20
	maxKeySize       = 65000
	blockCacheSize   = 32 << 20
	indexCacheSize   = 16 << 20
	valueThreshold   = 1 << 8
)

// Options configures Open.
type Options struct {
	// Dir is the database folder. Required unless InMemory.
	Dir string
	// InMemory keeps everything in memory (tests only).
	InMemory bool
	// EncryptionKey turns on badger's encryption at rest: 16, 24 or 32
	// bytes. Nil means none.
	EncryptionKey []byte
	// Logger receives badger's warnings and errors; nil discards them.
	Logger *slog.Logger
	// CloseTimeout bounds Close; 0 means DefaultCloseTimeout.
	CloseTimeout time.Duration
}

// DefaultCloseTimeout is how long Close waits for badger by default: long
// enough to flush a full memtable on a slow disk, short enough that a
// service stopped by a signal ends in bounded time when its folder is gone.
const DefaultCloseTimeout = 5 * time.Second

// DB is an open badger database.
type DB struct {
	db           *badger.DB
	dir          string
	closeTimeout time.Duration
	closeState
}

// Open opens (or creates) the database. Every write is synced.
func Open(opts Options) (*DB, error) {
	if opts.Dir == "" && !opts.InMemory {
		return nil, errors.New("kv: a directory is required")
	}
	bo := badger.DefaultOptions(opts.Dir).
		WithSyncWrites(true).
		WithLogger(logger{opts.Logger}).
		WithNumVersionsToKeep(1).
		WithMemTableSize(16 << 20).
		WithValueLogFileSize(valueLogFileSize).
		// Values over 256 bytes (every record but the smallest markers)
		// go to the value log and the tree holds pointers: with badger's
		// default (1 MiB) every record sat in the tree, each compaction
		// rewrote them, and the soak runs stalled every minute or so with
		// the heap growing to 400 MiB. At 1 KiB the issuer's records, most
		// under it, still did: in a 10-minute soak its slowest rounds fell
		// to 500/s, p99 to 644 ms, the heap peaked at 400 MiB. At 256
		// bytes: never below 975/s, p99 at most 182 ms, heap under 200
		// MiB (README performance). Bounded caches, and two compactors for
		// the small machines a region runs. Deleted values are reclaimed
		// by Run's value-log GC.
		WithBlockCacheSize(blockCacheSize).
		WithIndexCacheSize(indexCacheSize).
		WithNumCompactors(2).
		WithValueThreshold(valueThreshold)
	if opts.InMemory {
		// No value log in memory: every value stays in the tree.
		bo = bo.WithDir("").WithValueDir("").WithInMemory(true).WithValueThreshold(1 << 20)
	}
	if opts.EncryptionKey != nil {
		switch len(opts.EncryptionKey) {
		case 16, 24, 32:
		default:
			return nil, errors.New("kv: the encryption key must be 16, 24 or 32 bytes")
		}
		bo = bo.WithEncryptionKey(opts.EncryptionKey)
	}
	db, err := badger.Open(bo)
	if err != nil {
		if errors.Is(err, badger.ErrEncryptionKeyMismatch) {
			return nil, fmt.Errorf("open %s: %w", opts.Dir, ErrKeyMismatch)
		}
		return nil, fmt.Errorf("open %s: %w", opts.Dir, err)
	}
	ct := opts.CloseTimeout
	if ct <= 0 {
		ct = DefaultCloseTimeout
	}
	dir := opts.Dir
	if opts.InMemory {
		dir = ""
	}
	d := &DB{db: db, dir: dir, closeTimeout: ct}
	d.startCommitter()
	return d, nil
}

// Close closes the database, waiting for badger at most the close timeout
// (Options.CloseTimeout). ErrNotClosed when badger fails or does not finish
// in time (it retries a failed flush for ever, as when the folder was
// removed under it: it is then left behind, and the process should exit),
// and when the folder is gone after closing.
func (d *DB) Close() error {
	done := make(chan error, 1)
	go func() {
		d.stopCommitter() // answers the Updates already taken
		done <- d.db.Close()
	}()
	t := time.NewTimer(d.closeTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrNotClosed, d.dir, err)
		}
	case <-t.C:
		return fmt.Errorf("%w: %s: not closed within %v (folder removed or disk failing?)", ErrNotClosed, d.dir, d.closeTimeout)
	}
	if d.dir != "" {
		if _, err := os.Stat(filepath.Join(d.dir, badger.ManifestFilename)); err != nil {
			return fmt.Errorf("%w: %s: the folder is gone after closing: %w", ErrNotClosed, d.dir, err)
		}
	}
	return nil
}

// View runs fn in a read-only transaction.
func (d *DB) View(ctx context.Context, fn func(*Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.db.View(func(t *badger.Txn) error { return fn(&Txn{t: t}) })
}

// Run collects value-log garbage every five minutes until ctx ends, so
// deleted records do not linger on disk (SECURITY.md G.53).
func (d *DB) Run(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			for d.db.RunValueLogGC(0.5) == nil {
			}
		}
	}
}

// Txn is a transaction: a read-only badger transaction inside View, a
// layer of the group commit inside Update.
type Txn struct {
	t *badger.Txn
	l *layer
}

// ErrReadOnly reports a write inside View.
var ErrReadOnly = errors.New("kv: write in a read-only transaction")

// Get returns a copy of the value stored at key, or ErrNotFound.
func (t *Txn) Get(key []byte) ([]byte, error) {
	if t.l != nil {
		return t.l.get(key)
	}
	return getBadger(t.t, key)
}

// Set stores val at key.
func (t *Txn) Set(key, val []byte) error { return t.put(key, val, time.Time{}) }

// SetWithTTL stores val at key until ttl has passed.
func (t *Txn) SetWithTTL(key, val []byte, ttl time.Duration) error {
	return t.put(key, val, time.Now().Add(ttl))
}

func (t *Txn) put(key, val []byte, expires time.Time) error {
	if t.l == nil {
		return ErrReadOnly
	}
	if err := checkEntry(key, val); err != nil {
		return fmt.Errorf("kv: set: %w", err)
	}
	t.l.set(key, val, expires)
	return nil
}

// Delete removes key; deleting a missing key is not an error.
func (t *Txn) Delete(key []byte) error {
	if t.l == nil {
		return ErrReadOnly
	}
	if err := checkEntry(key, nil); err != nil {
		return fmt.Errorf("kv: delete: %w", err)
	}
	t.l.del(key)
	return nil
}

// checkEntry refuses what badger would refuse at commit, so that one bad
// write fails its own transaction and not its group.
func checkEntry(key, val []byte) error {
	switch {
	case len(key) == 0:
		return badger.ErrEmptyKey
	case len(key) > maxKeySize:
		return fmt.Errorf("%w: key of %d bytes", badger.ErrInvalidKey, len(key))
	case bytes.HasPrefix(key, []byte("!badger!")):
		return badger.ErrInvalidKey
	case int64(len(val)) > valueLogFileSize:
		return badger.ErrValueLogSize
	}
	return nil
}

// Iterate calls fn for every key with prefix, in key order, with copies of
// the key and value. An error from fn stops the iteration and is returned.
func (t *Txn) Iterate(prefix []byte, fn func(key, val []byte) error) error {
	if t.l != nil {
		return t.l.iterate(prefix, fn)
	}
	return iterateBadger(t.t, prefix, fn)
}

func getBadger(t *badger.Txn, key []byte) ([]byte, error) {
	it, err := t.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("kv: get: %w", err)
	}
	v, err := it.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("kv: read value: %w", err)
	}
	return v, nil
}

func iterateBadger(t *badger.Txn, prefix []byte, fn func(key, val []byte) error) error {
	it := t.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: prefix})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		v, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("kv: read value: %w", err)
		}
		if err := fn(item.KeyCopy(nil), v); err != nil {
			return err
		}
	}
	return nil
}

// GetJSON decodes the JSON value at key into v.
func GetJSON(t *Txn, key []byte, v any) error {
	b, err := t.Get(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrValue, err)
	}
	return nil
}

// SetJSON stores v as JSON at key.
func SetJSON(t *Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("kv: encode: %w", err)
	}
	return t.Set(key, b)
}

// logger adapts slog to badger's logger; debug and info are dropped.
type logger struct{ l *slog.Logger }

func (l logger) Errorf(f string, a ...any) {
	if l.l != nil {
		l.l.Error("badger", "msg", fmt.Sprintf(f, a...))
	}
}

func (l logger) Warningf(f string, a ...any) {
	if l.l != nil {
		l.l.Warn("badger", "msg", fmt.Sprintf(f, a...))
	}
}

func (logger) Infof(string, ...any)  {}
func (logger) Debugf(string, ...any) {}
