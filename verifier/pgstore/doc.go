// Package pgstore is the verifier's Store on PostgreSQL (or CockroachDB),
// for several verifier replicas sharing one database.
//
// Decide and RedeemResponseCode are each one SERIALIZABLE transaction
// (internal/pg) that reads the transaction and writes it back: of
// concurrent calls for one transaction, on any replicas, exactly one
// succeeds and the others get verifier.ErrReplay or
// verifier.ErrResponseCode. A transaction past its expiry (its lifetime,
// then its retention once decided) is not found, and Run deletes it, on
// one replica at a time.
//
// Transactions are sealed with the verifier's sealing key as the badger
// store seals them (internal/kv's Sealer) and found by keyed hashes of
// their id, state and encryption kid: a dump of the database shows no
// nonce, decision, key or id. Every replica needs the same sealing key
// (and signing key). A Store is safe for concurrent use.
package pgstore
