package kv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Group commit.
//
// With SyncWrites badger syncs its value log once per batch of concurrent
// commits, but it syncs the memtable's write-ahead log once per commit: on
// this project's machines that per-commit flush, not the CPU, bounded
// issuance and verification. So Update does not commit each transaction on
// its own. Every Update goes to one committer goroutine, which runs the
// functions waiting at that moment one after the other, each in its own
// layer of writes over one badger transaction, and commits all that
// succeeded as one badger transaction: one synced commit for the group.
//
// The committer is the only writer, so the functions run serially on the
// state their predecessors left: a group is serializable and never
// conflicts. A function that fails leaves no write behind (its layer is
// dropped); the others commit. Update returns only after the group's commit
// is synced, so an acknowledged write is durable exactly as before.

// maxGroup bounds the functions committed together.
const maxGroup = 256

// groupBudget bounds the estimated size of a group's writes, well inside
// badger's limit for one transaction (15% of the memtable, 2.4 MB here);
// a group that would pass it is committed first and the next begun.
const groupBudget = 512 << 10

// entryOverhead is the per-entry cost badger counts beyond key and value
// (its skiplist node and value metadata), rounded up.
const entryOverhead = 96

// request is one Update waiting for the committer.
type request struct {
	fn   func(*Txn) error
	done chan result
}

type result struct {
	err      error
	panicked bool
	panicVal any
}

// write is a pending write of a layer: a value (with its expiry, zero for
// none) or a deletion.
type write struct {
	val     []byte
	expires time.Time
	deleted bool
}

// layer is the writes of one function (own) over the writes its group
// already made (group) over the badger transaction (base).
type layer struct {
	base  *badger.Txn
	group map[string]write
	own   map[string]write
}

func (l *layer) lookup(key []byte) (write, bool) {
	if w, ok := l.own[string(key)]; ok {
		return w, true
	}
	w, ok := l.group[string(key)]
	return w, ok
}

func (l *layer) get(key []byte) ([]byte, error) {
	if w, ok := l.lookup(key); ok {
		if w.deleted || (!w.expires.IsZero() && !time.Now().Before(w.expires)) {
			return nil, ErrNotFound
		}
		return bytes.Clone(w.val), nil
	}
	return getBadger(l.base, key)
}

func (l *layer) set(key, val []byte, expires time.Time) {
	l.own[string(key)] = write{val: bytes.Clone(val), expires: expires}
}

func (l *layer) del(key []byte) { l.own[string(key)] = write{deleted: true} }

// iterate merges the layer's writes under prefix with badger's keys, in key
// order; a written key hides badger's value, a deleted one hides the key.
func (l *layer) iterate(prefix []byte, fn func(key, val []byte) error) error {
	var pending []string
	for _, m := range []map[string]write{l.own, l.group} {
		for k := range m {
			if bytes.HasPrefix([]byte(k), prefix) {
				pending = append(pending, k)
			}
		}
	}
	slices.Sort(pending)
	pending = slices.Compact(pending)
	emit := func(k string) error {
		w, _ := l.lookup([]byte(k))
		if w.deleted || (!w.expires.IsZero() && !time.Now().Before(w.expires)) {
			return nil
		}
		return fn([]byte(k), bytes.Clone(w.val))
	}
	err := iterateBadger(l.base, prefix, func(key, val []byte) error {
		for len(pending) > 0 && pending[0] < string(key) {
			if err := emit(pending[0]); err != nil {
				return err
			}
			pending = pending[1:]
		}
		if len(pending) > 0 && pending[0] == string(key) {
			pending = pending[1:]
			return emit(string(key))
		}
		return fn(key, val)
	})
	if err != nil {
		return err
	}
	for _, k := range pending {
		if err := emit(k); err != nil {
			return err
		}
	}
	return nil
}

// size estimates the bytes badger counts for the writes of m.
func size(m map[string]write) int {
	n := 0
	for k, w := range m {
		n += len(k) + len(w.val) + entryOverhead
	}
	return n
}

// committer runs until d.stop is closed and every request taken is
// answered.
func (d *DB) committer() {
	defer close(d.stopped)
	for {
		var first *request
		select {
		case first = <-d.reqs:
		case <-d.stop:
			// Close stops new requests before closing stop; answer any
			// that raced in.
			for {
				select {
				case r := <-d.reqs:
					d.commitGroup([]*request{r})
				default:
					return
				}
			}
		}
		group := []*request{first}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-d.reqs:
				group = append(group, r)
			default:
				break more
			}
		}
		d.commitGroup(group)
	}
}

// commitGroup runs the functions of group in order and commits those that
// succeeded, in one synced badger commit (or more, when their writes pass
// groupBudget), then answers every request.
func (d *DB) commitGroup(group []*request) {
	txn := d.db.NewTransaction(true)
	written := map[string]write{}
	var waiting []*request // succeeded, not yet committed
	used := 0
	flush := func() {
		err := apply(txn, written)
		if err == nil {
			err = txn.Commit()
		} else {
			txn.Discard()
		}
		if err != nil {
			err = commitError(err)
		}
		for _, r := range waiting {
			r.done <- result{err: err}
		}
		txn, written, waiting, used = d.db.NewTransaction(true), map[string]write{}, nil, 0
	}
	for _, r := range group {
		l := &layer{base: txn, group: written, own: map[string]write{}}
		res := run(r.fn, &Txn{l: l})
		if res.err != nil || res.panicked {
			r.done <- res
			continue
		}
		n := size(l.own)
		if used > 0 && used+n > groupBudget {
			// The function saw the group's writes; committing them first
			// leaves it the same state in the next transaction.
			flush()
			l.base, l.group = txn, written
		}
		if n > groupBudget {
			// Alone and still big: commit it on its own, as badger
			// allows up to its limit (ErrTxnTooBig beyond).
			if err := apply(txn, l.own); err != nil {
				txn.Discard()
				r.done <- result{err: commitError(err)}
				txn = d.db.NewTransaction(true)
				continue
			}
			waiting = append(waiting, r)
			flush()
			continue
		}
		for k, w := range l.own {
			written[k] = w
		}
		used += n
		waiting = append(waiting, r)
	}
	if len(waiting) > 0 {
		flush()
		txn.Discard()
		return
	}
	txn.Discard()
}

// run calls fn, turning a panic into a result that Update re-raises in the
// caller's goroutine.
func run(fn func(*Txn) error, t *Txn) (res result) {
	defer func() {
		if p := recover(); p != nil {
			res = result{panicked: true, panicVal: p}
		}
	}()
	return result{err: fn(t)}
}

// apply writes m into txn in key order.
func apply(txn *badger.Txn, m map[string]write) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w := m[k]
		var err error
		switch {
		case w.deleted:
			err = txn.Delete([]byte(k))
		case w.expires.IsZero():
			err = txn.Set([]byte(k), w.val)
		default:
			e := badger.NewEntry([]byte(k), w.val)
			e.ExpiresAt = uint64(w.expires.Unix())
			err = txn.SetEntry(e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func commitError(err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		return fmt.Errorf("kv: transaction too big to commit atomically: %w", err)
	}
	return fmt.Errorf("kv: commit: %w", err)
}

// ErrClosed reports an Update on a closed DB.
var ErrClosed = errors.New("kv: the store is closed")

// Update runs fn in one read-write transaction and commits it durably,
// together with the Updates waiting at the same moment (see the group
// commit above). fn runs on the committer goroutine after every earlier
// Update's writes, so it must not call Update or View itself, and must not
// have effects outside the transaction. A transaction too big for one
// commit fails whole (never split). Once fn has been handed to the
// committer, Update waits for the commit even if ctx ends, so that a
// reported error always means nothing was written.
func (d *DB) Update(ctx context.Context, fn func(*Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{fn: fn, done: make(chan result, 1)}
	d.closeMu.RLock()
	if d.closed {
		d.closeMu.RUnlock()
		return ErrClosed
	}
	select {
	case d.reqs <- r:
		d.closeMu.RUnlock()
	case <-ctx.Done():
		d.closeMu.RUnlock()
		return ctx.Err()
	}
	res := <-r.done
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

// startCommitter starts the committer of an opened DB.
func (d *DB) startCommitter() {
	d.reqs = make(chan *request)
	d.stop = make(chan struct{})
	d.stopped = make(chan struct{})
	go d.committer()
}

// stopCommitter refuses new Updates, lets the committer answer those it
// took and waits for it.
func (d *DB) stopCommitter() {
	d.closeMu.Lock()
	if d.closed {
		d.closeMu.Unlock()
		return
	}
	d.closed = true
	d.closeMu.Unlock()
	close(d.stop)
	<-d.stopped
}

// closeState is the part of DB the group commit owns.
type closeState struct {
	reqs    chan *request
	stop    chan struct{}
	stopped chan struct{}
	closeMu sync.RWMutex
	closed  bool
}
