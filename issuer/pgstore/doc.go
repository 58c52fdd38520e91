// Package pgstore is the issuer's Store on PostgreSQL (or CockroachDB),
// for several issuer replicas sharing one database: a region's assessment
// provider or a national school running more than one server.
//
// Every Update is one SERIALIZABLE transaction (internal/pg), run again on
// a serialization failure, so what is single use stays single use across
// replicas: a pre-authorized code is redeemed once, tx_code attempts are
// counted and an offer locked exactly once, a c_nonce is used once
// (UseNonce inserts its keyed hash under a primary key), and a status list
// index is claimed once (ClaimIndex inserts under the primary key (list,
// idx); the issuer picks indices at random). A transaction that does not
// commit leaves nothing behind: a replica that loses the database answers
// with an error, never with half an issuance.
//
// Records are sealed before they reach the database with the keys of
// issuer.NewRecordKeys, as the badger store seals them, and indexed by
// keyed hashes (see migrations/0001_initial.sql): a dump of the database
// shows no claim, code, code hash, nonce, token or key.
//
// Expired access tokens and used c_nonces are purged by Run on one replica
// at a time (a lease in the database). A Store is safe for concurrent use.
package pgstore
