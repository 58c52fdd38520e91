package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/internal/kv"
)

// TxStatus is the state of a transaction.
type TxStatus string

// The transaction states.
const (
	// TxPending: the request is out; no response decided on yet.
	TxPending TxStatus = "pending"
	// TxDecided: a response was decided on and the decision recorded; the
	// nonce is spent.
	TxDecided TxStatus = "decided"
	// TxDeclined: the wallet answered with an error response (§8.5),
	// access_denied when the holder declined; the nonce is spent and
	// there is no decision.
	TxDeclined TxStatus = "declined"
)

// Transaction is one authorization request and, once answered, its
// decision. The store keeps it sealed; it never holds a raw presentation.
type Transaction struct {
	ID             string `json:"id"`
	ProfileID      string `json:"profile"`
	ProfileVersion string `json:"profile_version"`
	ClientID       string `json:"client_id"`
	Nonce          string `json:"nonce"`
	State          string `json:"state"`
	ResponseMode   string `json:"response_mode"`
	// Query is the DCQL query, kept as its JSON (QueryJSON) and parsed
	// only when needed (DCQLQuery): the store reads transactions more
	// often than the query is used.
	Query     dcql.Query      `json:"-"`
	QueryJSON json.RawMessage `json:"dcql_query"`
	// QueryRequirements maps each Credential Query id to its requirement.
	QueryRequirements map[string]string `json:"query_requirements"`
	// EncryptionKey is the ephemeral private key (JWK) for
	// direct_post.jwt, and EncryptionKID its kid; empty for direct_post.
	EncryptionKey json.RawMessage `json:"encryption_key,omitempty"`
	EncryptionKID string          `json:"encryption_kid,omitempty"`
	RedirectURI   string          `json:"redirect_uri,omitempty"`
	Created       time.Time       `json:"created"`
	Expires       time.Time       `json:"expires"`
	Status        TxStatus        `json:"status"`
	// ResponseCodeHash is the SHA-256 of the response code handed to the
	// wallet; ResponseCodeUsed reports that it was redeemed.
	ResponseCodeHash string    `json:"response_code_hash,omitempty"`
	ResponseCodeUsed bool      `json:"response_code_used,omitempty"`
	Decision         *Decision `json:"decision,omitempty"`
	// DeleteAt is when the record goes: the end of the retention period.
	DeleteAt time.Time `json:"delete_at,omitempty"`

	// sealed is the record as the badger store read it, so that Decide
	// can tell the record is unchanged without decoding it again.
	sealed []byte
}

// Store keeps transactions. Implementations must make Decide and
// RedeemResponseCode atomic: of two concurrent calls for the same
// transaction, exactly one succeeds. Records must disappear after the TTL
// given (the retention period for decided transactions). The badger store
// of NewBadgerStore is the embedded default.
type Store interface {
	// CreateTransaction stores a new transaction, findable by id, state
	// and encryption kid until ttl has passed.
	CreateTransaction(ctx context.Context, tx *Transaction, ttl time.Duration) error
	// Transaction returns a transaction by id (ErrNotFound).
	Transaction(ctx context.Context, id string) (*Transaction, error)
	// TransactionByState and TransactionByKID find a transaction by its
	// state or by the kid of its encryption key (ErrNotFound).
	TransactionByState(ctx context.Context, state string) (*Transaction, error)
	TransactionByKID(ctx context.Context, kid string) (*Transaction, error)
	// Decide atomically moves a pending transaction, tx as read from this
	// store, to decided with the decision and the response code hash,
	// drops what only answering needed (the encryption key, the nonce)
	// and keeps it for retention; ErrReplay if it is no longer pending
	// (its nonce is spent), ErrNotFound if it is gone. tx is not changed.
	// A nil d records the wallet's refusal instead (TxDeclined).
	Decide(ctx context.Context, tx *Transaction, d *Decision, responseCodeHash string, retention time.Duration) error
	// RedeemResponseCode atomically checks the response code hash of a
	// decided transaction and marks it used; ErrResponseCode when it does
	// not match or was used.
	RedeemResponseCode(ctx context.Context, id, responseCodeHash string) (*Transaction, error)
}

// Pinger is a Store that can tell whether it can serve requests (a
// shared database that answers); /readyz asks it and answers 503 when it
// cannot. A Store without Ping counts as ready.
type Pinger interface {
	Ping(ctx context.Context) error
}

// badgerStore is the Store on internal/kv.
type badgerStore struct {
	db     *kv.DB
	sealer *kv.Sealer
}

// NewBadgerStore returns a Store on db that seals every transaction with
// AES-256-GCM under sealKey (32 bytes), the record key as associated data.
// The caller owns db and closes it.
func NewBadgerStore(db *kv.DB, sealKey []byte) (Store, error) {
	s, err := kv.NewSealer(sealKey)
	if err != nil {
		return nil, fmt.Errorf("%w: seal key: %v", ErrBadConfig, err)
	}
	return &badgerStore{db: db, sealer: s}, nil
}

// Ping implements Pinger.
func (s *badgerStore) Ping(ctx context.Context) error {
	return s.db.View(ctx, func(*kv.Txn) error { return nil })
}

func txKey(id string) []byte { return []byte("vtx/" + id) }

func (s *badgerStore) put(t *kv.Txn, tx *Transaction, ttl time.Duration) error {
	b, err := json.Marshal(tx)
	if err != nil {
		return fmt.Errorf("encode transaction: %w", err)
	}
	k := txKey(tx.ID)
	sealed, err := s.sealer.Seal(k, b)
	if err != nil {
		return fmt.Errorf("seal transaction: %w", err)
	}
	return t.SetWithTTL(k, sealed, ttl)
}

func (s *badgerStore) get(t *kv.Txn, id string) (*Transaction, error) {
	k := txKey(id)
	sealed, err := t.Get(k)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read transaction: %w", err)
	}
	b, err := s.sealer.Open(k, sealed)
	if err != nil {
		return nil, fmt.Errorf("open transaction: %w", err)
	}
	tx := Transaction{sealed: sealed}
	if err := json.Unmarshal(b, &tx); err != nil {
		return nil, fmt.Errorf("decode transaction: %w", err)
	}
	return &tx, nil
}

func (s *badgerStore) index(t *kv.Txn, prefix, v string) (string, error) {
	id, err := t.Get([]byte(prefix + v))
	if errors.Is(err, kv.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read index: %w", err)
	}
	return string(id), nil
}

// CreateTransaction implements Store.
func (s *badgerStore) CreateTransaction(ctx context.Context, tx *Transaction, ttl time.Duration) error {
	return s.db.Update(ctx, func(t *kv.Txn) error {
		if _, err := t.Get([]byte("vstate/" + tx.State)); err == nil {
			return fmt.Errorf("state collision")
		}
		if err := s.put(t, tx, ttl); err != nil {
			return err
		}
		if err := t.SetWithTTL([]byte("vstate/"+tx.State), []byte(tx.ID), ttl); err != nil {
			return err
		}
		if tx.EncryptionKID != "" {
			return t.SetWithTTL([]byte("vkid/"+tx.EncryptionKID), []byte(tx.ID), ttl)
		}
		return nil
	})
}

// Transaction implements Store.
func (s *badgerStore) Transaction(ctx context.Context, id string) (*Transaction, error) {
	var tx *Transaction
	err := s.db.View(ctx, func(t *kv.Txn) error {
		var err error
		tx, err = s.get(t, id)
		return err
	})
	return tx, err
}

func (s *badgerStore) byIndex(ctx context.Context, prefix, v string) (*Transaction, error) {
	var tx *Transaction
	err := s.db.View(ctx, func(t *kv.Txn) error {
		id, err := s.index(t, prefix, v)
		if err != nil {
			return err
		}
		tx, err = s.get(t, id)
		return err
	})
	return tx, err
}

// TransactionByState implements Store.
func (s *badgerStore) TransactionByState(ctx context.Context, state string) (*Transaction, error) {
	return s.byIndex(ctx, "vstate/", state)
}

// TransactionByKID implements Store.
func (s *badgerStore) TransactionByKID(ctx context.Context, kid string) (*Transaction, error) {
	return s.byIndex(ctx, "vkid/", kid)
}

// Decide implements Store.
func (s *badgerStore) Decide(ctx context.Context, prev *Transaction, d *Decision, codeHash string, retention time.Duration) error {
	return s.db.Update(ctx, func(t *kv.Txn) error {
		// Read inside the update (so a concurrent Decide conflicts), but
		// decode again only when the record changed since prev was read:
		// every put seals with a fresh nonce, so equal bytes are the same
		// record.
		var tx *Transaction
		sealed, err := t.Get(txKey(prev.ID))
		switch {
		case errors.Is(err, kv.ErrNotFound):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("read transaction: %w", err)
		case prev.sealed != nil && bytes.Equal(sealed, prev.sealed):
			c := *prev
			tx = &c
		default:
			if tx, err = s.get(t, prev.ID); err != nil {
				return err
			}
		}
		if tx.Status != TxPending {
			return ErrReplay
		}
		tx.Status, tx.Decision, tx.ResponseCodeHash = TxDecided, d, codeHash
		if d == nil {
			tx.Status = TxDeclined
		}
		tx.DeleteAt = time.Now().Add(retention)
		// Nothing needed to answer the request survives the decision.
		tx.EncryptionKey, tx.Nonce = nil, ""
		return s.put(t, tx, retention)
	})
}

// RedeemResponseCode implements Store.
func (s *badgerStore) RedeemResponseCode(ctx context.Context, id, codeHash string) (*Transaction, error) {
	var tx *Transaction
	err := s.db.Update(ctx, func(t *kv.Txn) error {
		var err error
		tx, err = s.get(t, id)
		if err != nil {
			return err
		}
		if tx.Status != TxDecided || tx.ResponseCodeHash == "" || tx.ResponseCodeUsed || !equalHash(tx.ResponseCodeHash, codeHash) {
			return ErrResponseCode
		}
		tx.ResponseCodeUsed = true
		ttl := time.Until(tx.DeleteAt)
		if ttl <= 0 {
			ttl = time.Minute
		}
		return s.put(t, tx, ttl)
	})
	return tx, err
}

// DCQLQuery returns the transaction's DCQL query: Query when set, else
// QueryJSON parsed (strictly, by dcql.Parse).
func (tx *Transaction) DCQLQuery() (dcql.Query, error) {
	if len(tx.Query.Credentials) > 0 {
		return tx.Query, nil
	}
	q, err := dcql.Parse(tx.QueryJSON)
	if err != nil {
		return dcql.Query{}, fmt.Errorf("stored dcql_query: %w", err)
	}
	tx.Query = q
	return q, nil
}
